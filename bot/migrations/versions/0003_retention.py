"""Retention: daily_counts (aggregates kept after detail is pruned), retention_marks, and
indexes on message_events.at and checkins.at (pruning and counting by time).

Revision ID: 0003_retention
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_retention"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "metric", "key", name=op.f("pk_daily_counts")),
    )
    op.create_table(
        "retention_marks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_retention_marks")),
    )
    op.create_index(op.f("ix_message_events_at"), "message_events", ["at"])
    op.create_index(op.f("ix_checkins_at"), "checkins", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_checkins_at"), table_name="checkins")
    op.drop_index(op.f("ix_message_events_at"), table_name="message_events")
    op.drop_table("retention_marks")
    op.drop_table("daily_counts")
