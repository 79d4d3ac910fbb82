"""Re-ID: identities across cameras and each person track's appearance.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "identities",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("first_seen", sa.Double(), nullable=False),
        sa.Column("last_seen", sa.Double(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
    )
    op.create_index(op.f("ix_identities_first_seen"), "identities", ["first_seen"])

    op.create_table(
        "track_appearances",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("track_id", ROW_ID, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=False),
        sa.Column("identity_id", sa.String(length=32), nullable=True),
        sa.Column("link_distance", sa.Double(), nullable=True),
        sa.Column("link_source", sa.String(length=32), nullable=False),
        sa.Column("embedder", sa.String(length=64), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("crops", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.Column("gait", sa.LargeBinary(), nullable=True),
        sa.Column("gait_quality", sa.Double(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_appearances_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_track_appearances_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["identities.id"],
            name=op.f("fk_track_appearances_identity_id_identities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_appearances")),
        sa.UniqueConstraint("track_id", name=op.f("uq_track_appearances_track_id")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_track_appearances_day"), "track_appearances", ["day"])
    op.create_index(op.f("ix_track_appearances_identity_id"), "track_appearances", ["identity_id"])
    op.create_index(op.f("ix_track_appearances_started_at"), "track_appearances", ["started_at"])


def downgrade() -> None:
    op.drop_table("track_appearances")
    op.drop_table("identities")
