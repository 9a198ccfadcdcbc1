"""message_events.crisis_kind: the kind of a crisis text (overdose_other, suicide, ...), so
the daily counts can say how many crisis replies of each kind went out.

Revision ID: 0007_crisis_kind
Revises: 0006_sealed_people
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_crisis_kind"
down_revision: str | Sequence[str] | None = "0006_sealed_people"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("message_events", sa.Column("crisis_kind", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message_events") as batch:
        batch.drop_column("crisis_kind")
