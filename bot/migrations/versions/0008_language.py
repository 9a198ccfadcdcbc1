"""people.language_chosen: the person chose their language (ESPANOL, ENGLISH), so the
language Steady detects from what they write never overrides it (issue 13).

Revision ID: 0008_language
Revises: 0007_crisis_kind
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_language"
down_revision: str | Sequence[str] | None = "0007_crisis_kind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("people", sa.Column("language_chosen", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("language_chosen")
