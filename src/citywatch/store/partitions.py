"""Day partitions of `sightings` on PostgreSQL, so retention drops whole days.

Sightings are the store's largest table (a row for every person's best shots on every camera,
face embeddings included). On PostgreSQL, migration 0009 makes it a table partitioned by
`day` (the UTC date of a row's first time), one partition a day, named `sightings_pYYYYMMDD`.
SQLite keeps one table; everything here is PostgreSQL-only and `DayPartitions.for_engine`
gives None elsewhere.

- Writing: a day's partition must exist before its first row. The writer calls `ensure()`
  with the days of a batch before the batch's own transaction; new days are created in a short
  transaction of their own, under an advisory lock, so two nodes that meet a new day at
  midnight do not race (and no batch waits on another's lock while holding the table). The
  next day is made ahead with each new one.
- Retention (privacy/retention.py) drops a day's partition whole when every camera's cutoff has
  passed the end of that day and no case hold keeps a row in it; otherwise rows go one by one.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, text

log = logging.getLogger("citywatch.store")

TABLE = "sightings"
_NAME = re.compile(r"^sightings_p(\d{8})$")
# Any fixed number: the lock only serialises partition creation between citywatch writers.
_ADVISORY_KEY = 0x6369747977  # "cityw"


def partition_name(day: dt.date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def day_of(name: str) -> dt.date | None:
    match = _NAME.match(name)
    return None if match is None else dt.datetime.strptime(match[1], "%Y%m%d").date()


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic's comparisons: day partitions (and their indexes) are made at run time, not
    by migrations, so `alembic check` and autogenerate look past them."""
    if type_ == "table" and name is not None:
        return day_of(name) is None
    if type_ == "index" and name is not None:
        return not (name.startswith(f"{TABLE}_p") and day_of(name[: len(TABLE) + 10]) is not None)
    return True


def is_partitioned(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    query = text(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.oid = to_regclass(:table)"
    )
    return connection.execute(query, {"table": TABLE}).first() is not None


def day_partitions(connection: Connection) -> dict[dt.date, str]:
    """The day partitions `sightings` has now, by day."""
    query = text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:table)"
    )
    found = {}
    for (name,) in connection.execute(query, {"table": TABLE}):
        day = day_of(name)
        if day is not None:
            found[day] = name
    return found


def create_day(connection: Connection, day: dt.date) -> None:
    """Create the partition of `day` if it is not there (inside the caller's transaction)."""
    name = partition_name(day)  # made from a date: digits only, safe to put in the statement
    upper = day + dt.timedelta(days=1)
    connection.execute(
        text(  # sql-safe: a name and bounds made from a date (digits and dashes only)
            f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF {TABLE} '
            f"FOR VALUES FROM ('{day.isoformat()}') TO ('{upper.isoformat()}')"
        )
    )


class DayPartitions:
    """Makes sure the partitions a batch needs exist; remembers the ones it has seen."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._known: set[dt.date] = set()
        self._lock = threading.Lock()

    @classmethod
    def for_engine(cls, engine: Engine) -> DayPartitions | None:
        if engine.dialect.name != "postgresql":
            return None
        return cls(engine)

    def ensure(self, days: Iterable[dt.date]) -> None:
        with self._lock:
            wanted = set(days) - self._known
            if not wanted:
                return
            with self._engine.begin() as connection:
                if not is_partitioned(connection):  # not migrated (yet): one plain table
                    self._known |= wanted
                    return
                # Creating a partition locks the whole table for a moment: wait for readers at
                # most this long (then the batch is retried) rather than queue everyone behind.
                connection.execute(text("SET LOCAL lock_timeout = '5s'"))
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY}
                )
                have = set(day_partitions(connection))
                for day in sorted(wanted | {d + dt.timedelta(days=1) for d in wanted}):
                    if day not in have:
                        create_day(connection, day)
                        log.info("sightings: partition %s created", partition_name(day))
            self._known |= wanted
