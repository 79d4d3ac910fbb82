"""PostgreSQL's day-partitioned sightings: migration 0009 both ways keeps every row and id, and
the schema still matches the models with partitions in it."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from citywatch.config import parse_config
from citywatch.core.classes import ObjectClass
from citywatch.core.records import Sighting, TrackRecord
from citywatch.store import Store
from citywatch.store.engine import alembic_config, upgrade_schema
from citywatch.store.partitions import day_partitions, include_name, is_partitioned
from citywatch.store.schema import Base, SightingRow

pytestmark = pytest.mark.postgres
DAY = 86_400.0


@pytest.fixture
def backend_url(postgres_schema_url: str) -> str:
    return postgres_schema_url


def save_tracks(store: Store, times: list[float]) -> None:
    camera = parse_config({"cameras": [{"id": "gate", "source": "/videos/gate.mp4"}]}).cameras[0]
    store.upsert_camera(camera)
    for local, t in enumerate(times, start=1):
        track = TrackRecord("gate", "run-1", local, ObjectClass.PERSON, t, t + 2, 5)
        body = Sighting("gate", "object", t, t + 2, t + 1, (1, 2, 30, 60), 0.9)
        store.save_track(track, [body])
    store.flush()


def stored(store: Store) -> list[tuple[int, float]]:
    with store.engine.connect() as connection:
        query = select(SightingRow.id, SightingRow.first_seen).order_by(SightingRow.id)
        return [(int(i), float(t)) for i, t in connection.execute(query)]


def test_migration_0009_down_and_up_keeps_every_sighting_and_id(make_store: Callable[..., Store]):
    store = make_store()
    now = time.time()
    save_tracks(store, [now - 10 * DAY, now - 9 * DAY, now])
    before = stored(store)
    assert len(before) == 3

    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0008")
    with store.engine.connect() as connection:
        assert not is_partitioned(connection)
    assert stored(store) == before

    upgrade_schema(store.engine)
    with store.engine.connect() as connection:
        assert is_partitioned(connection)
        assert len(day_partitions(connection)) == 3  # one a day that holds rows
    assert stored(store) == before
    save_tracks(store, [now + 1])  # the sequence goes on: no id is handed out twice
    assert stored(store)[-1][0] > before[-1][0]


def test_the_models_still_match_with_partitions_in_the_schema(make_store: Callable[..., Store]):
    store = make_store()
    save_tracks(store, [time.time() - 5 * DAY, time.time()])
    with store.engine.connect() as connection:
        assert len(day_partitions(connection)) >= 2
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        assert compare_metadata(context, Base.metadata) == []
        primary = connection.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = 'pk_sightings' AND conrelid = to_regclass('sightings')"
            )
        ).scalar_one()
        assert primary == "PRIMARY KEY (id, day)"
