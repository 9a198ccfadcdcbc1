"""The tables. Only what the service needs: a number, consent, state, the plan the
person chose to write, and bookkeeping for exactly-once delivery. Never a message body
from a person (the outbox holds only texts Steady itself wrote).

Every person-owned row points at people.id with ON DELETE CASCADE, so erasing a person
erases everything about them. Timestamps are UTCDateTime (aware UTC in, aware UTC out).
Schema changes need an Alembic migration in bot/migrations/versions; a test compares
these models with the migrated schema on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Date
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import false
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from bot import crypto
from bot.db import UTCDateTime
from flows import defaults
from flows.timeparse import to_hhmm

# Deterministic constraint names on every database, so migrations can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON that stores Python None as SQL NULL (not the JSON literal 'null').
Json = JSON(none_as_null=True)

# BIGINT on PostgreSQL; plain INTEGER on SQLite, the only type it auto-increments.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class SealedText(TypeDecorator):
    """Text stored sealed (bot.crypto): plain in, plain out. `column` binds the sealed value
    to it (a value moved to another column does not open)."""

    impl = Text
    cache_ok = True

    def __init__(self, column: str, *args: Any) -> None:
        super().__init__(*args)
        self.column = column

    def process_bind_param(self, value, dialect):
        return None if value is None else crypto.keyring().seal(value, self.column)

    def process_result_value(self, value, dialect):
        return None if value is None else crypto.keyring().open(value, self.column)


class _SealedString(SealedText):
    impl = String
    cache_ok = True


# people.number: VARCHAR(32) on SQLite, as migration 0001 made it (SQLite keeps any length;
# changing the declared type would copy the people table, which its foreign keys would
# cascade), TEXT on PostgreSQL (migration 0006).
SEALED_NUMBER = _SealedString("people.number", 32).with_variant(SealedText("people.number"), "postgresql")


class SealedJson(TypeDecorator):
    """A JSON value (the plan a person wrote, the answers of a flow still open), stored
    sealed (bot.crypto) as a JSON string: plain in, plain out. A value from before
    migration 0006 (an object) reads as it is. `column` binds the sealed value to it."""

    impl = Json
    cache_ok = True

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return crypto.keyring().seal(json.dumps(value, separators=(",", ":"), sort_keys=True), self.column)

    def process_result_value(self, value, dialect):
        if not isinstance(value, str):
            return value
        return json.loads(crypto.keyring().open(value, self.column))


def _number_hash(context) -> str:
    """people.number_hash for an INSERT that names only the number."""
    return crypto.keyring().lookup(context.get_current_parameters()["number"])


def _utcnow() -> dt.datetime:
    """Fallback for created_at/updated_at; the store passes `now` explicitly."""
    return dt.datetime.now(dt.timezone.utc)


def _person_fk() -> ForeignKey:
    return ForeignKey("people.id", ondelete="CASCADE")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Person(Base):
    """One number on one channel, with its consent and conversation state. The number
    and the plan are sealed (bot.crypto); the number is found by its keyed hash."""

    __tablename__ = "people"
    # (number, channel) is migration 0001's constraint, inert since numbers are sealed (a
    # fresh nonce each time): SQLite cannot drop it without copying the table. Look-ups
    # and the one-row-per-number rule go by (number_hash, channel).
    __table_args__ = (UniqueConstraint("number", "channel"),
                      Index("uq_people_number_hash_channel", "number_hash", "channel", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(SEALED_NUMBER)                  # E.164, sealed
    # HMAC-SHA256 of the E.164 number under the look-up key (bot.crypto). Nullable only
    # because SQLite cannot add a NOT NULL column to rows that exist; every insert sets it.
    number_hash: Mapped[str | None] = mapped_column(String(64), default=_number_hash)
    channel: Mapped[str] = mapped_column(String(16), default="sms", server_default="sms")
    timezone: Mapped[str] = mapped_column(String(64))                    # IANA
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    opted_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    opted_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opted_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    flow: Mapped[dict[str, Any] | None] = mapped_column(SealedJson("people.flow"))   # open flow, sealed
    plan: Mapped[dict[str, Any] | None] = mapped_column(SealedJson("people.plan"))   # the plan they wrote, sealed
    daily_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The server default is what migration 0001 created (history: changing it takes a new
    # migration); rows Steady writes get the declared default send time.
    daily_time: Mapped[str] = mapped_column(String(5), default=to_hhmm(defaults.SEND_TIME),
                                            server_default="09:00")
    daily_kinds: Mapped[str] = mapped_column(String(16), default="both", server_default="both")
    # The clock finds due people by this column, hence the index.
    daily_next_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    daily_cursor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The next quit-date text (PLAN, with consent); the clock finds due people by it.
    plan_next_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # Twilio said this number cannot receive texts (e.g. error 30003/30006/21610).
    undeliverable: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    last_inbound_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # PRIVATE: scheduled texts open with a neutral line, no drug words on the lock screen.
    private: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:  # never the number: reprs end up in logs
        return f"<Person id={self.id} channel={self.channel}>"


class ProcessedMessage(Base):
    """An inbound MessageSid we have handled, so a repeated delivery is handled once.

    `replies` are Steady's own answers, kept so a repeat gets the same reply. Pruned
    by received_at.
    """

    __tablename__ = "processed_messages"

    message_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(_person_fk(), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    replies: Mapped[list[str] | None] = mapped_column(SealedJson("processed_messages.replies"))   # sealed


class ConsentEvent(Base):
    """The consent record: opt-in/out and what to send, with the keyword and time."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(_person_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(32))       # opt_out | opt_in | daily_on | ...
    keyword: Mapped[str] = mapped_column(String(32))    # "STOP", "START", ... or "phrase"
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class MessageEvent(Base):
    """One message in or out: its intent and time, never its body (loop guard, stats)."""

    __tablename__ = "message_events"
    __table_args__ = (Index("ix_message_events_person_id_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(_person_fk())
    direction: Mapped[str] = mapped_column(String(8))   # in | out
    intent: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    message_sid: Mapped[str | None] = mapped_column(String(64))
    # The kind of a crisis text (an inbound event of intent "crisis"), else None.
    crisis_kind: Mapped[str | None] = mapped_column(String(32))


# The values of OutboxMessage.status (bot.outbox writes, claims and settles them; bot.sender sends them).
PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"


class OutboxMessage(Base):
    """A scheduled text, at most one per (person, kind, slot), claimed before sending.

    `body` is rendered (helpline included) at enqueue and retried unchanged.
    `next_attempt_at` defaults to `due_at`; the sender pushes it back on retry.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "slot"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(_person_fk())
    kind: Mapped[str] = mapped_column(String(32))       # daily | craving_followup | ...
    slot: Mapped[str] = mapped_column(String(64))       # e.g. local date "2026-11-24"
    body: Mapped[str] = mapped_column(SealedText("outbox.body"))   # sealed: a quit-date text names triggers
    # pending | sending | sent | failed | cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=lambda ctx: ctx.get_current_parameters()["due_at"]
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)   # status callbacks look rows up by it
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Checkin(Base):
    """A 1-5 answer to a quit-date check-in: the number and its time, nothing else."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(_person_fk(), index=True)
    score: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --- retention (bot/retention.py): what outlives the detail it counts --------------------------

class DailyCount(Base):
    """One aggregate of one UTC day: how many of `metric`, by `key` (an intent, a consent
    kind, a score, an outcome; "" for none). Never a number or a person id. Written by
    bot.retention before the detail it counts is pruned, and kept (a few hundred rows a day)."""

    __tablename__ = "daily_counts"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class RetentionMark(Base):
    """How far retention has got, by name: the last day counted, each detail table's prune
    cut-off (days before it are never counted again) and the day the job last finished."""

    __tablename__ = "retention_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PlanEvent(Base):
    """A quit plan saved at the end of the PLAN flow: "made" (a new plan) or "changed" (an
    edit), and when. Never an answer: the daily counts count these (plans made a day) and
    retention prunes them with the other detail."""

    __tablename__ = "plan_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(_person_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(16))     # made | changed
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class ClockTick(Base):
    """The clock's last tick (one row, name "clock"): when it ran (UTC), how long it took
    and how many steps failed. Written by bot.clock.tick; read by the console's Delivery
    page and settings check (is the clock alive?)."""

    __tablename__ = "clock_ticks"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float] = mapped_column(Float)
    errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# Retention counts and prunes by time: these find a day's rows, or the old ones, by index.
Index("ix_message_events_at", MessageEvent.at)
Index("ix_checkins_at", Checkin.at)
# The console counts today live by these (bot.console.counts), and retention a day's outbox rows:
# the outbox's covers every column a day's count reads, so counting never reads the rows (bodies).
Index("ix_outbox_due_counts", OutboxMessage.due_at, OutboxMessage.kind, OutboxMessage.status,
      OutboxMessage.delivery_status, OutboxMessage.error_code)
Index("ix_people_created_at", Person.created_at)


# --- what stays after an erase (bot.erasure): no number, no person id ------------------------

class ErasedNumber(Base):
    """A number that was erased: only its keyed hash (HMAC-SHA256, bot.erasure), when, and
    whether it had opted out (STOP) then. It keeps Steady from texting the number without
    consent and is the key of the consent record kept as carriers' proof."""

    __tablename__ = "erased_numbers"

    number_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    stopped: Mapped[bool] = mapped_column(default=False, server_default=false())


class ErasedConsentEvent(Base):
    """A consent event of an erased number, re-keyed to its hash: kind, keyword, time only."""

    __tablename__ = "erased_consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number_hash: Mapped[str] = mapped_column(
        ForeignKey("erased_numbers.number_hash", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    keyword: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TwilioDeletion(Base):
    """A message to delete from Twilio (STEADY_TWILIO_DELETE_MESSAGES, bot.twilio_deletions):
    its MessageSid, which way it went, and when to try next. No body, no number, no person:
    erasing a person leaves the deletions of their messages at Twilio queued. A row goes
    once Twilio has deleted the message (or says it is gone), or after the last attempt."""

    __tablename__ = "twilio_deletions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))                   # in | out
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The clock takes due rows by this column, hence the index; a claim moves it a lease ahead.
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error_code: Mapped[int | None] = mapped_column(Integer)               # the last failure's


# --- the operator console (bot/console): staff accounts and what they did ----------------------

class ConsoleStaff(Base):
    """A console account (`steady staff add`): an email and its argon2id password hash, with
    the lockout's bookkeeping (wrong passwords since the last good one, locked until when) and
    the session epoch (logout ends every session of the account)."""

    __tablename__ = "console_staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Each session carries the epoch it began in; logging out moves it on, so a copy of the
    # (signed, client-side) session cookie no longer works anywhere.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ConsoleAudit(Base):
    """One thing done in the console: who (a staff email; none for a failed login, whose typed
    email is not kept), what (an action such as "login", "export overview.csv"), when, and from
    which client address (the per-address login limit counts these). Never a body or a number."""

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    staff: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64), index=True)
