"""Initial schema: cameras, tracks, sightings, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, not an import of store/schema.py: a migration must keep describing the schema as it
# was at this revision, whatever the models become later.
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# SQLite: ids of deleted rows are never handed out again (they are referenced from outside).
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("fps", sa.Double(), nullable=False),
        sa.Column("position_x", sa.Double(), nullable=True),
        sa.Column("position_y", sa.Double(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
    )

    op.create_table(
        "tracks",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=False),
        sa.Column("ended_at", sa.Double(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("path", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_tracks_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracks")),
        sa.UniqueConstraint(
            "camera_id", "run_id", "local_id", name=op.f("uq_tracks_camera_id_run_id_local_id")
        ),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_tracks_camera_started", "tracks", ["camera_id", "started_at"])
    op.create_index(op.f("ix_tracks_started_at"), "tracks", ["started_at"])

    op.create_table(
        "sightings",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("track_id", ROW_ID, nullable=True),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("first_seen", sa.Double(), nullable=False),
        sa.Column("last_seen", sa.Double(), nullable=False),
        sa.Column("best_time", sa.Double(), nullable=False),
        sa.Column("box_x", sa.Double(), nullable=False),
        sa.Column("box_y", sa.Double(), nullable=False),
        sa.Column("box_w", sa.Double(), nullable=False),
        sa.Column("box_h", sa.Double(), nullable=False),
        sa.Column("best_score", sa.Double(), nullable=False),
        sa.Column("thumbnail_path", sa.String(length=512), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_sightings_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_sightings_track_id_tracks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sightings")),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_sightings_camera_first_seen", "sightings", ["camera_id", "first_seen"])
    op.create_index(op.f("ix_sightings_day"), "sightings", ["day"])
    op.create_index(op.f("ix_sightings_first_seen"), "sightings", ["first_seen"])
    op.create_index(op.f("ix_sightings_track_id"), "sightings", ["track_id"])

    op.create_table(
        "events",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("time", sa.Double(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=128), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("track_local_id", sa.Integer(), nullable=True),
        sa.Column("thumbnail_path", sa.String(length=512), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_events_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_events_camera_time", "events", ["camera_id", "time"])
    op.create_index(op.f("ix_events_day"), "events", ["day"])
    op.create_index(op.f("ix_events_time"), "events", ["time"])
    op.create_index("ix_events_type_time", "events", ["type", "time"])


def downgrade() -> None:
    # Dropping a table drops its indexes with it.
    op.drop_table("events")
    op.drop_table("sightings")
    op.drop_table("tracks")
    op.drop_table("cameras")
