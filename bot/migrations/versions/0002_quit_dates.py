"""Quit-date texts and check-ins: people.plan_next_at, checkins, outbox.provider_sid index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("plan_next_at", sa.DateTime(), nullable=True))
        batch.create_index(op.f("ix_people_plan_next_at"), ["plan_next_at"])
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_checkins_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
    )
    op.create_index(op.f("ix_checkins_person_id"), "checkins", ["person_id"])
    op.create_index(op.f("ix_outbox_provider_sid"), "outbox", ["provider_sid"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_provider_sid"), table_name="outbox")
    op.drop_index(op.f("ix_checkins_person_id"), table_name="checkins")
    op.drop_table("checkins")
    with op.batch_alter_table("people") as batch:
        batch.drop_index(op.f("ix_people_plan_next_at"))
        batch.drop_column("plan_next_at")
