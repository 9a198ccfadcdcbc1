"""Erase by text and PRIVATE: people.private; erased_numbers and erased_consent_events,
what stays of an erased number (its keyed hash, and its consent record re-keyed to it).

Revision ID: 0004_erasure
Revises: 0003_retention
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_erasure"
down_revision: str | Sequence[str] | None = "0003_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (with its default) on both: no table copy, and offline SQL renders.
    op.add_column("people", sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "erased_numbers",
        sa.Column("number_hash", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.Column("stopped", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("number_hash", name=op.f("pk_erased_numbers")),
    )
    op.create_table(
        "erased_consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("keyword", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["number_hash"], ["erased_numbers.number_hash"],
            name=op.f("fk_erased_consent_events_number_hash_erased_numbers"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_consent_events")),
    )
    op.create_index(op.f("ix_erased_consent_events_number_hash"), "erased_consent_events", ["number_hash"])


def downgrade() -> None:
    op.drop_index(op.f("ix_erased_consent_events_number_hash"), table_name="erased_consent_events")
    op.drop_table("erased_consent_events")
    op.drop_table("erased_numbers")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("private")
