"""Sightings partitioned by day on PostgreSQL (retention drops days whole); SQLite unchanged.

The table is rebuilt as `PARTITION BY RANGE (day)` with a partition for each day it holds
(store/partitions.py makes new ones as rows arrive). A partitioned table's primary key must
hold the partition key, so it becomes (id, day); ids still come from the same sequence, which
is kept (unowned while the old table is dropped), so no id is ever handed out twice.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from citywatch.store.partitions import create_day

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the sightings table carries besides its columns (names as the naming convention gives).
CONSTRAINTS = (
    "ALTER TABLE sightings ADD CONSTRAINT fk_sightings_track_id_tracks FOREIGN KEY (track_id) "
    "REFERENCES tracks (id) ON DELETE SET NULL",
    "ALTER TABLE sightings ADD CONSTRAINT fk_sightings_camera_id_cameras "
    "FOREIGN KEY (camera_id) REFERENCES cameras (id)",
    "CREATE INDEX ix_sightings_camera_first_seen ON sightings (camera_id, first_seen)",
    "CREATE INDEX ix_sightings_track_id ON sightings (track_id)",
    "CREATE INDEX ix_sightings_first_seen ON sightings (first_seen)",
    "CREATE INDEX ix_sightings_day ON sightings (day)",
)


def _rebuild(partitioned: bool) -> None:
    connection = op.get_bind()
    sequence = connection.execute(text("SELECT pg_get_serial_sequence('sightings', 'id')")).scalar()
    if sequence is None:  # pragma: no cover - made by migration 0001 as a BIGSERIAL
        raise RuntimeError("sightings.id has no sequence")
    op.execute(f"ALTER SEQUENCE {sequence} OWNED BY NONE")  # sql-safe: from the catalogue
    tail = " PARTITION BY RANGE (day)" if partitioned else ""
    op.execute(
        f"CREATE TABLE sightings_rebuilt (LIKE sightings INCLUDING DEFAULTS){tail}"
    )  # sql-safe: a constant
    key = "(id, day)" if partitioned else "(id)"
    op.execute("ALTER TABLE sightings RENAME TO sightings_old")
    op.execute("ALTER TABLE sightings_rebuilt RENAME TO sightings")
    if partitioned:
        days = connection.execute(text("SELECT DISTINCT day FROM sightings_old")).scalars()
        for day in sorted(days):
            create_day(connection, day if isinstance(day, dt.date) else dt.date.fromisoformat(day))
    op.execute("INSERT INTO sightings SELECT * FROM sightings_old")
    op.execute("DROP TABLE sightings_old")
    op.execute(
        f"ALTER TABLE sightings ADD CONSTRAINT pk_sightings PRIMARY KEY {key}"
    )  # sql-safe: a constant
    for statement in CONSTRAINTS:
        op.execute(statement)
    op.execute(f"ALTER SEQUENCE {sequence} OWNED BY sightings.id")  # sql-safe: from the catalogue


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(partitioned=False)
