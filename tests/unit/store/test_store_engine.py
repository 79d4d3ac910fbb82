"""Opening the database: default location, SQLite settings, migrations, loud failures."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect, text
from store_factories import event

from citywatch.core.errors import StoreError
from citywatch.store import Store, open_store
from citywatch.store.engine import (
    alembic_config,
    check_connection,
    create_store_engine,
    resolve_url,
    upgrade_schema,
)
from citywatch.store.schema import Base

TABLES = {
    "cameras",
    "tracks",
    "sightings",
    "events",
    "watchlist_entries",
    "watchlist_photos",
    "identities",
    "track_appearances",
    "plate_reads",
    "plate_hotlist",
    "plate_alerts",
    "alerts",
    "users",
    "sessions",
    "api_keys",
    "reviews",
    "cases",
    "case_members",
    "audit_log",
    "holds",
    "erasures",
}


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def schema_sql(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        )
        return [row[0] for row in rows]


# -- where and how ----------------------------------------------------------------------------


def test_default_database_is_sqlite_in_the_data_dir(store: Store, store_dir: Path) -> None:
    assert store.engine.dialect.name == "sqlite"
    assert (store_dir / "citywatch.db").is_file()
    assert store.url == f"sqlite:///{store_dir / 'citywatch.db'}"


def test_data_dir_is_created_with_parents(tmp_path: Path) -> None:
    with open_store(None, tmp_path / "a" / "b") as store:
        assert store.data_dir == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b" / "citywatch.db").is_file()


def test_sqlite_runs_in_wal_mode(store: Store, store_dir: Path) -> None:
    # Persistent in the file, so a plain sqlite3 connection sees it too.
    with sqlite3.connect(store_dir / "citywatch.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_every_connection_gets_the_pragmas(store: Store) -> None:
    # Two connections checked out at once are two DBAPI connections from the pool.
    with store.engine.connect() as first, store.engine.connect() as second:
        for connection in (first, second):
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
            # synchronous 1 is NORMAL
            assert pragmas == {
                "journal_mode": "wal",
                "foreign_keys": 1,
                "synchronous": 1,
                "busy_timeout": 10_000,
            }


# -- migrations -------------------------------------------------------------------------------


def test_migrations_create_the_schema(store: Store) -> None:
    inspector = inspect(store.engine)
    assert set(inspector.get_table_names()) == TABLES | {"alembic_version"}
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
    indexes = {ix["name"] for ix in inspector.get_indexes("sightings")}
    assert {"ix_sightings_camera_first_seen", "ix_sightings_day"} <= indexes
    assert {"ix_events_camera_time", "ix_events_day"} <= {
        ix["name"] for ix in inspector.get_indexes("events")
    }


def test_upgrade_head_twice_is_a_no_op(
    make_store: Callable[..., Store], store_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    make_store().close()
    before = schema_sql(store_dir / "citywatch.db")
    with caplog.at_level(logging.INFO, logger="alembic"):
        store = make_store()
        upgrade_schema(store.engine)
    assert "Running upgrade" not in caplog.text
    assert schema_sql(store_dir / "citywatch.db") == before


def test_models_match_the_migrations(store: Store) -> None:
    # What `alembic check` does: autogenerate against the migrated database finds nothing.
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        command.check(alembic_config(connection))


def test_the_comparison_would_see_a_model_change(store: Store) -> None:
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["events"].append_column(Column("severity", Integer()))
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), changed)
    assert [d[0] for d in diffs] == ["add_column"]


def test_sqlite_never_reuses_ids(store: Store, store_dir: Path) -> None:
    # AUTOINCREMENT is not something autogenerate compares, so check the DDL itself.
    with sqlite3.connect(store_dir / "citywatch.db") as connection:
        for table in ("tracks", "sightings", "events"):
            query = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?"
            assert "AUTOINCREMENT" in connection.execute(query, (table,)).fetchone()[0]


def test_migrations_go_down_and_up_again(store: Store) -> None:
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(store.engine).get_table_names()) == {"alembic_version"}
    upgrade_schema(store.engine)
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_a_database_from_a_newer_version_is_refused(
    make_store: Callable[..., Store], store_dir: Path
) -> None:
    make_store().close()
    with sqlite3.connect(store_dir / "citywatch.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeed'")
    with pytest.raises(StoreError, match="cannot migrate database sqlite:///.*f00dfeed"):
        make_store()


# -- loud failures at start -------------------------------------------------------------------


def assert_one_line(error: pytest.ExceptionInfo[StoreError]) -> str:
    message = str(error.value)
    assert "\n" not in message and message.strip() == message
    return message


def test_data_dir_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError) as error:
        open_store(None, tmp_path / "file" / "data")
    message = assert_one_line(error)
    assert message.startswith(f"data directory {tmp_path / 'file' / 'data'} is not writable")


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("")
    with pytest.raises(StoreError, match="data directory .*data is not writable"):
        open_store(None, tmp_path / "data")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_read_only_data_dir_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o500)
    try:
        with pytest.raises(StoreError, match="is not writable: Permission denied"):
            open_store(None, data)
    finally:
        data.chmod(0o700)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "database URL not a url is not valid"),
        ("nosuchdb://user:secret@host/db", "database nosuchdb://user:***@host/db: unknown"),
        (
            "postgresql+psycopg://cw:secret@127.0.0.1:1/cw",
            "cannot open database postgresql+psycopg://cw:***@127.0.0.1:1/cw: ",
        ),
        (
            "sqlite:////nonexistent-dir/x/citywatch.db",
            "cannot open database sqlite:////nonexistent",
        ),
    ],
)
def test_bad_database_urls_fail_with_one_line(tmp_path: Path, url: str, expected: str) -> None:
    with pytest.raises(StoreError) as error:
        open_store(url, tmp_path / "data")
    message = assert_one_line(error)
    assert message.startswith(expected)
    assert "secret" not in message


def test_refused_connection_names_the_reason(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as error:
        open_store("postgresql+psycopg://cw:secret@127.0.0.1:1/cw", tmp_path)
    assert "refused" in assert_one_line(error).lower()


def test_connection_check_reports_through_store_error(tmp_path: Path) -> None:
    engine = create_store_engine(resolve_url(f"sqlite:///{tmp_path}/missing/x.db", tmp_path))
    with pytest.raises(StoreError, match="unable to open database file"):
        check_connection(engine)


def test_sql_is_never_built_from_values(store: Store) -> None:
    # A hostile camera id is just data: the table survives and the id reads back verbatim.
    hostile = "x'); DROP TABLE events; --"
    store.save_event(event(camera=hostile))
    assert [e.camera_id for e in store.events(camera_id=hostile)] == [hostile]
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 1


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(StoreError, match="in-memory SQLite is not supported"):
        open_store(url, tmp_path)
