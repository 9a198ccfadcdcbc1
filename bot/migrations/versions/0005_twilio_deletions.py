"""Messages to delete from Twilio (STEADY_TWILIO_DELETE_MESSAGES): twilio_deletions.

Revision ID: 0005_twilio_deletions
Revises: 0004_erasure
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_twilio_deletions"
down_revision: str | Sequence[str] | None = "0004_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "twilio_deletions",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_twilio_deletions")),
    )
    op.create_index(op.f("ix_twilio_deletions_next_attempt_at"), "twilio_deletions", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_twilio_deletions_next_attempt_at"), table_name="twilio_deletions")
    op.drop_table("twilio_deletions")
