"""The operator console's tables: console_staff (accounts, argon2id hashes, lockout) and
console_audit (logins, lockouts, exports: who, what, when, from where).

Revision ID: 0009_console_staff
Revises: 0007_crisis_kind
Create Date: 2026-12-08
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# Timestamps are naive UTC (bot.db.UTCDateTime), as in 0001.
UTC = sa.DateTime

revision: str = "0009_console_staff"
down_revision: str | Sequence[str] | None = "0007_crisis_kind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", UTC(), nullable=True),
        sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_staff")),
        sa.UniqueConstraint("email", name=op.f("uq_console_staff_email")),
    )
    op.create_table(
        "console_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("staff", sa.String(length=254), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_audit")),
    )
    op.create_index(op.f("ix_console_audit_at"), "console_audit", ["at"])
    op.create_index(op.f("ix_console_audit_address"), "console_audit", ["address"])


def downgrade() -> None:
    op.drop_index(op.f("ix_console_audit_address"), table_name="console_audit")
    op.drop_index(op.f("ix_console_audit_at"), table_name="console_audit")
    op.drop_table("console_audit")
    op.drop_table("console_staff")
