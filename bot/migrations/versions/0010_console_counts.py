"""The operator console's counts (issue 14): plan_events (a quit plan saved: made or
changed, and when; never an answer) and clock_ticks (the clock's last tick: time,
duration, failed steps); indexes to count a day by: outbox by due_at (covering what is counted) and people by created_at.

Revision ID: 0010_console_counts
Revises: 0009_console_staff
Create Date: 2026-12-08
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_console_counts"
down_revision: str | Sequence[str] | None = "0009_console_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_plan_events_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_events")),
    )
    op.create_index(op.f("ix_plan_events_person_id"), "plan_events", ["person_id"])
    op.create_index(op.f("ix_plan_events_at"), "plan_events", ["at"])
    op.create_table(
        "clock_ticks",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("errors", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_clock_ticks")),
    )


    # Counting a day (today live, in the console; each day, by retention) finds its rows by these.
    op.create_index(op.f("ix_outbox_due_counts"), "outbox",
                    ["due_at", "kind", "status", "delivery_status", "error_code"])
    op.create_index(op.f("ix_people_created_at"), "people", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_people_created_at"), table_name="people")
    op.drop_index(op.f("ix_outbox_due_counts"), table_name="outbox")
    op.drop_table("clock_ticks")
    op.drop_index(op.f("ix_plan_events_at"), table_name="plan_events")
    op.drop_index(op.f("ix_plan_events_person_id"), table_name="plan_events")
    op.drop_table("plan_events")
