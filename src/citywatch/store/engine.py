"""Opening the database: the URL, the engine with its per-connection settings, the migrations.

Everything that can be wrong with the storage configuration (a data directory that cannot be
written, a URL that does not parse, a server that does not answer, a schema newer than this
code) is found here, at start, and raised as a one-line `StoreError` that names the database
with its password masked.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError, StatementError

from citywatch.core.errors import StoreError
from citywatch.core.redact import mask_in_text, mask_url

log = logging.getLogger(__name__)

# Guards Alembic's process-wide state (its `context` and `op` proxies are module globals).
_ALEMBIC_LOCK = threading.Lock()

DATABASE_FILE = "citywatch.db"
MIGRATIONS = Path(__file__).resolve().with_name("migrations")
# Waits for a competing writer (another process, a reader checkpointing the WAL) instead of
# failing at once with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A PostgreSQL server that does not answer should fail the start within seconds, not minutes.
POSTGRES_CONNECT_TIMEOUT_S = 10


def prepare_data_dir(data_dir: Path) -> Path:
    """Create `data_dir` if needed and prove it can be written; returns it absolute."""
    path = Path(data_dir).expanduser().absolute()
    try:
        path.mkdir(parents=True, exist_ok=True)
        # A real write, not os.access: access() says yes to root and no to some ACL set-ups.
        probe = path / f".write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        why = exc.strerror or one_line(exc)  # strerror: the reason without the path again
        raise StoreError(f"data directory {path} is not writable: {why}") from exc
    return path


def resolve_url(url: str | None, data_dir: Path) -> URL:
    """The configured URL, or SQLite in the data directory when none is set."""
    if url is None or not url.strip():
        return URL.create("sqlite", database=str(data_dir / DATABASE_FILE))
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise StoreError(f"database URL {mask_url(url)!s} is not valid: {one_line(exc)}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        # Each pooled connection would get a database of its own, without the schema.
        raise StoreError(f"database {shown(parsed)}: in-memory SQLite is not supported; use a file")
    return parsed


def shown(url: URL) -> str:
    """The URL as it may appear in logs and messages."""
    return url.render_as_string(hide_password=True)


def create_store_engine(url: URL) -> Engine:
    """An engine for `url` with citywatch's connection settings; connects lazily."""
    kwargs: dict[str, Any] = {"pool_pre_ping": url.get_backend_name() != "sqlite"}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        kwargs["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    try:
        engine = create_engine(url, **kwargs)
    except NoSuchModuleError as exc:
        raise StoreError(f"database {shown(url)}: unknown database driver ({exc})") from exc
    except (ArgumentError, ImportError, TypeError) as exc:
        raise StoreError(f"database {shown(url)}: {one_line(exc)}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Set on every new connection: foreign_keys, synchronous and busy_timeout are per
    # connection in SQLite; journal_mode=WAL persists in the file but costs nothing to repeat.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")  # sql-safe: an int
        mode = _switch_to_wal(cursor)
        if mode not in {"wal", "memory"}:
            # Some network file systems cannot share memory for the WAL index.
            log.warning(
                "SQLite refused WAL mode (journal_mode=%s); writers will block readers", mode
            )
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, far fewer fsyncs
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> str:
    """Put the database in WAL mode; returns the journal mode it ends up in."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            mode = str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode == "wal":
                return mode  # the usual case: the file remembers; no lock needed
            return str(cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
        except sqlite3.OperationalError as exc:
            # Connections racing to switch a new file answer "locked" at once, without
            # waiting for busy_timeout (SQLite's deadlock avoidance): back off and try again.
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(select(1))
    except (SQLAlchemyError, OSError) as exc:
        raise StoreError(f"cannot open database {shown(engine.url)}: {reason(exc)}") from exc


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration built in code, so no alembic.ini is needed at run time."""
    config = Config()
    # ConfigParser reads '%' as interpolation; a data path may contain one.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection  # read by migrations/env.py
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; a no-op when it is there already."""
    try:
        # Alembic keeps its migration context in module globals: one migration at a time in
        # a process. Other processes wait on the database itself (below, and in env.py).
        with _ALEMBIC_LOCK, engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                # pysqlite runs DDL outside transactions. An explicit write transaction makes
                # the migration all-or-nothing and holds off another process starting at the
                # same moment until it is committed; that one then finds the schema at head.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            command.upgrade(alembic_config(connection), revision)
    except CommandError as exc:
        # Typically a database written by a newer citywatch: its revision is unknown here.
        raise StoreError(f"cannot migrate database {shown(engine.url)}: {one_line(exc)}") from exc
    except (SQLAlchemyError, OSError) as exc:
        raise StoreError(f"cannot migrate database {shown(engine.url)}: {reason(exc)}") from exc


def connect(url: str | None, data_dir: Path) -> Engine:
    """An engine on a reachable database whose schema is at the latest revision."""
    engine = create_store_engine(resolve_url(url, data_dir))
    try:
        check_connection(engine)
        upgrade_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    log.info("database %s ready", shown(engine.url))
    return engine


def reason(exc: BaseException) -> str:
    """The driver's own words for a database error, on one line, without SQL or parameters."""
    # StatementError (DBAPIError's base) would add the whole SQL and its parameters.
    if isinstance(exc, StatementError) and exc.orig is not None:
        return one_line(exc.orig)
    return one_line(exc)


def one_line(exc: BaseException | str) -> str:
    text = str(exc) or type(exc).__name__
    # The driver may quote the URL back (psycopg does, for a bad conninfo).
    return mask_in_text(re.sub(r"\s+", " ", text).strip())
