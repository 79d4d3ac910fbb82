"""Faces: embeddings on sightings, watchlist entries and photos, alerts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("sightings") as batch:
        batch.add_column(sa.Column("embedder", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("embedding", sa.LargeBinary(), nullable=True))

    op.create_table(
        "watchlist_entries",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("enrolled_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.Column("removed_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_entries")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_watchlist_entries_expires_at"), "watchlist_entries", ["expires_at"])

    op.create_table(
        "watchlist_photos",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("entry_id", ROW_ID, nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("embedder", sa.String(length=64), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("quality", sa.Double(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["watchlist_entries.id"],
            name=op.f("fk_watchlist_photos_entry_id_watchlist_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_photos")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_watchlist_photos_entry_id"), "watchlist_photos", ["entry_id"])

    op.create_table(
        "alerts",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("time", sa.Double(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("track_local_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", ROW_ID, nullable=False),
        sa.Column("distance", sa.Double(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("embedder", sa.String(length=64), nullable=False),
        sa.Column("box_x", sa.Double(), nullable=False),
        sa.Column("box_y", sa.Double(), nullable=False),
        sa.Column("box_w", sa.Double(), nullable=False),
        sa.Column("box_h", sa.Double(), nullable=False),
        sa.Column("evidence_path", sa.String(length=512), nullable=True),
        sa.Column("review", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_alerts_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["watchlist_entries.id"],
            name=op.f("fk_alerts_entry_id_watchlist_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_alerts_camera_time", "alerts", ["camera_id", "time"])
    op.create_index(op.f("ix_alerts_day"), "alerts", ["day"])
    op.create_index(op.f("ix_alerts_entry_id"), "alerts", ["entry_id"])
    op.create_index(op.f("ix_alerts_time"), "alerts", ["time"])


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("watchlist_photos")
    op.drop_table("watchlist_entries")
    with op.batch_alter_table("sightings") as batch:
        batch.drop_column("embedding")
        batch.drop_column("embedder")
