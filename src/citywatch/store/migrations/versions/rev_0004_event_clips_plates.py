"""Evidence clips on events; licence plates read, the plate hotlist and its alerts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("clip_path", sa.String(length=512), nullable=True))

    op.create_table(
        "plate_reads",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("track_id", ROW_ID, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("time", sa.Double(), nullable=False),
        sa.Column("text", sa.String(length=16), nullable=False),
        sa.Column("text_key", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("box_x", sa.Double(), nullable=False),
        sa.Column("box_y", sa.Double(), nullable=False),
        sa.Column("box_w", sa.Double(), nullable=False),
        sa.Column("box_h", sa.Double(), nullable=False),
        sa.Column("vehicle_type", sa.String(length=16), nullable=True),
        sa.Column("vehicle_colour", sa.String(length=16), nullable=True),
        sa.Column("thumbnail_path", sa.String(length=512), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_plate_reads_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_plate_reads_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plate_reads")),
        sa.UniqueConstraint("track_id", name=op.f("uq_plate_reads_track_id")),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_plate_reads_camera_time", "plate_reads", ["camera_id", "time"])
    op.create_index(op.f("ix_plate_reads_day"), "plate_reads", ["day"])
    op.create_index(op.f("ix_plate_reads_text_key"), "plate_reads", ["text_key"])
    op.create_index(op.f("ix_plate_reads_time"), "plate_reads", ["time"])

    op.create_table(
        "plate_hotlist",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("pattern", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.Column("removed_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plate_hotlist")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_plate_hotlist_expires_at"), "plate_hotlist", ["expires_at"])

    op.create_table(
        "plate_alerts",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("time", sa.Double(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("track_local_id", sa.Integer(), nullable=False),
        sa.Column("hotlist_id", ROW_ID, nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("evidence_path", sa.String(length=512), nullable=True),
        sa.Column("review", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_plate_alerts_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["hotlist_id"],
            ["plate_hotlist.id"],
            name=op.f("fk_plate_alerts_hotlist_id_plate_hotlist"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plate_alerts")),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_plate_alerts_camera_time", "plate_alerts", ["camera_id", "time"])
    op.create_index(op.f("ix_plate_alerts_day"), "plate_alerts", ["day"])
    op.create_index(op.f("ix_plate_alerts_hotlist_id"), "plate_alerts", ["hotlist_id"])
    op.create_index(op.f("ix_plate_alerts_time"), "plate_alerts", ["time"])


def downgrade() -> None:
    op.drop_table("plate_alerts")
    op.drop_table("plate_hotlist")
    op.drop_table("plate_reads")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("clip_path")
