"""Encryption at rest (bot.crypto): people's number, plan and open flow, outbox bodies and
the replies kept for repeats sealed; people.number_hash (the number's keyed hash) with a
unique index per channel for look-ups. Only people's columns change in the schema: a sealed
value is stored where the plain one was (a JSON string in a JSON column).

Existing rows are sealed here, a batch at a time, with the keys of this process's settings
(STEADY_DATA_KEY, which `steady run` fills from the instance folder; bot.crypto.keys_for). Offline (--sql) the
columns are made but nothing can be sealed: run `steady keys rotate` after, which seals
every row not sealed by STEADY_DATA_KEY. The downgrade opens every row again.

Revision ID: 0006_sealed_people
Revises: 0005_twilio_deletions
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import context
from alembic import op

revision: str = "0006_sealed_people"
down_revision: str | Sequence[str] | None = "0005_twilio_deletions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    if postgresql:   # a sealed number is longer than VARCHAR(32); SQLite keeps any length
        op.alter_column("people", "number", type_=sa.Text(), existing_type=sa.String(length=32),
                        existing_nullable=False)
    op.add_column("people", sa.Column("number_hash", sa.String(length=64), nullable=True))
    op.create_index("uq_people_number_hash_channel", "people", ["number_hash", "channel"], unique=True)
    if _has_people():
        from bot import rotation

        rotation.reseal_all(op.get_bind(), _keys())


def downgrade() -> None:
    if _has_people():
        from bot import rotation

        rotation.open_all(op.get_bind(), _keys())
    op.drop_index("uq_people_number_hash_channel", table_name="people")
    if op.get_context().dialect.name == "postgresql":
        op.drop_column("people", "number_hash")
        op.alter_column("people", "number", type_=sa.String(length=32), existing_type=sa.Text(),
                        existing_nullable=False)
    else:   # a plain DROP COLUMN (SQLite 3.35+): no copy of the table its foreign keys would cascade
        op.execute("ALTER TABLE people DROP COLUMN number_hash")


def _has_people() -> bool:
    """Whether there are rows to seal or open (never offline: nothing to read)."""
    if context.is_offline_mode():
        return False
    people = sa.table("people", sa.column("id"))
    return op.get_bind().execute(sa.select(people.c.id).limit(1)).first() is not None


def _keys():
    """The process's installed keys (bot.app, the CLI), else those of its settings, read
    only now: an empty database needs none."""
    from bot import crypto
    from bot.settings import Settings

    try:
        return crypto.keyring()
    except crypto.KeyMissing:
        return crypto.use_settings(Settings.from_env())
