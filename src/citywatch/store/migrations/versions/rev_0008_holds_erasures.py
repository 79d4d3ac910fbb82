"""Case holds on records (retention keeps them) and the record of erasures on request.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "holds",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ROW_ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("released_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_holds_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
        sa.UniqueConstraint(
            "case_id", "kind", "record_id", name=op.f("uq_holds_case_id_kind_record_id")
        ),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_holds_kind_record_id", "holds", ["kind", "record_id"])
    op.create_table(
        "erasures",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.Double(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
        **NEVER_REUSE_IDS,
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_table("holds")
