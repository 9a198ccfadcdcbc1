"""Initial schema: people, processed_messages, consent_events, message_events, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Timestamps are naive UTC (bot.db.UTCDateTime); JSON stores None as SQL NULL.
UTC = sa.DateTime


def _person_id(nullable: bool = False) -> sa.Column:
    return sa.Column("person_id", sa.Integer(), nullable=nullable)


def _person_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["person_id"], ["people.id"], name=op.f(f"fk_{table}_person_id_people"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), server_default="sms", nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), server_default="en", nullable=False),
        sa.Column("opted_out", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("opted_out_at", UTC(), nullable=True),
        sa.Column("opted_in_at", UTC(), nullable=True),
        sa.Column("flow", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("plan", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("daily_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("daily_time", sa.String(length=5), server_default="09:00", nullable=False),
        sa.Column("daily_kinds", sa.String(length=16), server_default="both", nullable=False),
        sa.Column("daily_next_at", UTC(), nullable=True),
        sa.Column("daily_cursor", sa.Integer(), server_default="0", nullable=False),
        sa.Column("undeliverable", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.Column("last_inbound_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("number", "channel", name=op.f("uq_people_number_channel")),
    )
    op.create_index(op.f("ix_people_daily_next_at"), "people", ["daily_next_at"])

    op.create_table(
        "processed_messages",
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        _person_id(nullable=True),
        sa.Column("received_at", UTC(), nullable=False),
        sa.Column("replies", sa.JSON(none_as_null=True), nullable=True),
        _person_fk("processed_messages"),
        sa.PrimaryKeyConstraint("message_sid", name=op.f("pk_processed_messages")),
    )
    op.create_index(op.f("ix_processed_messages_person_id"), "processed_messages", ["person_id"])
    op.create_index(
        op.f("ix_processed_messages_received_at"), "processed_messages", ["received_at"]
    )

    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _person_id(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("keyword", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        _person_fk("consent_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(op.f("ix_consent_events_person_id"), "consent_events", ["person_id"])

    op.create_table(
        "message_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _person_id(),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        _person_fk("message_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_events")),
    )
    op.create_index("ix_message_events_person_id_at", "message_events", ["person_id", "at"])

    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        _person_id(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("due_at", UTC(), nullable=False),
        sa.Column("next_attempt_at", UTC(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed_at", UTC(), nullable=True),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.Column("provider_sid", sa.String(length=64), nullable=True),
        sa.Column("delivery_status", sa.String(length=16), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        _person_fk("outbox"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint(
            "person_id", "kind", "slot", name=op.f("uq_outbox_person_id_kind_slot")
        ),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    # Dropping a table drops its indexes; children before the parent they point at.
    for table in ("outbox", "message_events", "consent_events", "processed_messages", "people"):
        op.drop_table(table)
