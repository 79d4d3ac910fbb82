"""PostgreSQL only: loud failures at start and the column types the server gets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from citywatch.core.errors import StoreError
from citywatch.core.records import Event
from citywatch.store import open_store

pytestmark = pytest.mark.postgres


def test_a_wrong_password_fails_with_one_line(postgres_url: str, tmp_path: Path) -> None:
    url = make_url(postgres_url).set(password="not-the-password")
    with pytest.raises(StoreError) as error:
        open_store(url.render_as_string(hide_password=False), tmp_path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"cannot open database {url.render_as_string()}: ")
    assert "password authentication failed" in message
    assert "not-the-password" not in message


def test_a_missing_database_fails_with_one_line(postgres_url: str, tmp_path: Path) -> None:
    url = make_url(postgres_url).set(database="citywatch_no_such_db")
    with pytest.raises(StoreError, match='database "citywatch_no_such_db" does not exist'):
        open_store(url.render_as_string(hide_password=False), tmp_path)


def test_ids_are_bigint_and_times_double_precision(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    with open_store(postgres_schema_url, tmp_path) as store:
        inspector = inspect(store.engine)
        for table in ("tracks", "sightings", "events"):
            columns = {c["name"]: str(c["type"]) for c in inspector.get_columns(table)}
            assert columns["id"] == "BIGINT", table
        sightings = {c["name"]: str(c["type"]) for c in inspector.get_columns("sightings")}
        assert sightings["first_seen"] == "DOUBLE PRECISION"
        assert sightings["day"] == "DATE"
        assert sightings["track_id"] == "BIGINT"


@pytest.mark.parametrize("settled", [True, False], ids=["after-exit", "racing-exit"])
def test_writes_carry_on_after_the_server_drops_connections(
    postgres_schema_url: str, postgres_url: str, tmp_path: Path, settled: bool
) -> None:
    # A PostgreSQL restart or failover closes every connection; the pool must notice and
    # reconnect instead of failing the next batch: by its pre-ping once the sessions are gone,
    # by the writer's one retry when the ping still got through.
    name = f"citywatch-test-{tmp_path.name}"[:63]
    url = make_url(postgres_schema_url).update_query_dict({"application_name": name})
    with open_store(url.render_as_string(hide_password=False), tmp_path) as store:
        store.save_event(Event(camera_id="gate", time=1.0, type="zone", rule="door"))
        store.flush()
        admin = create_engine(postgres_url)
        with admin.begin() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar()
        assert killed >= 1
        # pg_terminate_backend only signals; wait until those sessions are really gone.
        deadline = time.monotonic() + (10 if settled else 0)
        while time.monotonic() < deadline:
            with admin.connect() as connection:
                left = connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": name},
                ).scalar()
            if left == 0:
                break
            time.sleep(0.05)
        admin.dispose()
        store.save_event(Event(camera_id="gate", time=2.0, type="zone", rule="door"))
        store.flush()
        assert [e.time for e in store.events()] == [2.0, 1.0]
