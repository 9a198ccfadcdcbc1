"""The repository the service layer calls: one transaction, a few named operations.

Everything here is race-safe on SQLite and PostgreSQL alike: inserts that may collide
with a concurrent request (a new person, a repeated MessageSid) use
INSERT ... ON CONFLICT DO NOTHING and then read, so the loser of a race sees the
winner's row instead of an error. Times passed in are aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
import functools
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from typing import NamedTuple

from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import null
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import crypto
from bot import models
from bot.db import SQLITE_BUSY_BUDGET_MS
from bot.db import UTCDateTime
from bot.db import session_factory
from bot.db import wait_bound
from bot.sqlite_writer import WriterSlot
from flows.turn_values import State

# Every table that holds a person_id, erased together with the person: read from the
# metadata, so a new table about a person is erased without anyone remembering it.
_PERSON_TABLES = tuple(table for table in models.Base.metadata.sorted_tables if "person_id" in table.c)


_PEOPLE = models.Person.__table__
_PEOPLE_COLUMNS = tuple(_PEOPLE.c.keys())


class Opened(NamedTuple):
    """What Tx.open_turn found: whether the MessageSid was claimed now (False: a repeat),
    the person (None: not yet known) and their inbound texts in the loop guard's window."""

    claimed: bool
    person: PersonRow | None
    recent: int


class Store:
    """Opens transactions on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        self._sqlite = engine.dialect.name == "sqlite"
        self._postgresql = engine.dialect.name == "postgresql"
        self._writer = WriterSlot(engine.url.database) if self._sqlite else None
        self._bound = wait_bound(engine)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One database transaction: committed if the block ends normally, rolled back
        if it raises.

        SQLite has one writer at a time. Threads and processes queue for it in
        `bot.sqlite_writer.WriterSlot`, which wakes the next at once, instead of sleeping
        in SQLite's busy handler (which backs off up to 100 ms and is what made the slow
        tail). With a wait bound (STEADY_DB_TIMEOUT_SECONDS), the queue and SQLite's own
        lock share it: while a writer outside Steady holds the file, each text still gives
        up within the bound instead of after every text queued before it has.
        """
        if not self._sqlite:
            with self._sessions.begin() as session:
                yield Tx(session, self._postgresql)
            return
        with self._writer.held(self._bound) as waited, self._sessions.begin() as session:
            if self._bound is not None and waited >= 0.01:
                # What is left of the bound for SQLite's own lock.
                budget_ms = max(1, int((self._bound - waited) * 1000))
                session.connection(execution_options={SQLITE_BUSY_BUDGET_MS: budget_ms})
            yield Tx(session)


class PersonRow:
    """A person's row as an inbound turn reads and writes it: every column a plain
    attribute, no ORM session behind it (the webhook's hot path: loading and flushing an
    ORM object was a fifth of a turn's CPU). The handlers of bot.schedules set its
    attributes like a models.Person's; `Tx.write_person` sends the columns that changed
    since it was read, in one UPDATE, so a column this turn did not change (a STOP
    committed by a concurrent turn) is never written back with a stale value."""

    __slots__ = (*_PEOPLE.c.keys(), "_read")

    def __init__(self, values: Mapping[str, Any]) -> None:
        for name in _PEOPLE_COLUMNS:
            setattr(self, name, values[name])
        self._read = {name: values[name] for name in _PEOPLE_COLUMNS}

    def changes(self) -> dict[str, Any]:
        """The columns whose value differs from the one read (JSON by equality)."""
        return {name: value for name, read in self._read.items() if (value := getattr(self, name)) != read}

    def __repr__(self) -> str:  # never the number: reprs end up in logs
        return f"<PersonRow id={self.id} channel={self.channel}>"


class Tx:
    """The operations available inside one transaction. `session` is there for the
    adapters (scheduler, outbox) that need queries of their own."""

    def __init__(self, session: Session, postgresql: bool = False) -> None:
        self.session = session
        self._postgresql = postgresql   # open_turn and close_turn: one statement each
        self._connection: Connection | None = None

    def _core(self) -> Connection:
        """The transaction's connection, for statements that need none of the ORM's work
        (Session.execute adds its bookkeeping to every statement). Pending ORM changes
        reach the database first, so the order of writes is the caller's."""
        self.session.flush()   # nothing to do (and cheap) unless an adapter changed ORM objects
        if self._connection is None:
            self._connection = self.session.connection()
        return self._connection

    # People ---------------------------------------------------------------

    def person(self, number: str, channel: str, *, timezone: str, now: datetime,
               daily_time: str | None = None) -> models.Person:
        """The person for (number, channel), created with `timezone` (and the daily send
        time `daily_time`, HH:MM, else the column's default) if new.

        Two requests creating the same person at once both get the one row. Most texts
        come from people we know, so the common case is one SELECT.
        """
        found = self.find_person(number, channel)
        if found is not None:
            return found
        self.add_person(number, channel, timezone=timezone, now=now, daily_time=daily_time)
        found = self.find_person(number, channel)
        if found is None:  # pragma: no cover - the insert or a committed rival made it
            raise RuntimeError("person row vanished after insert")
        return found

    def add_person(self, number: str, channel: str, *, timezone: str, now: datetime,
                   daily_time: str | None = None, opted_out: bool = False) -> None:
        """Insert the person for (number, channel) unless a row for them exists (or a
        concurrent request is inserting one: then wait for it, never fail). `opted_out`:
        they start opted out (an erased number that had texted STOP: bot.conversation)."""
        values = {"number": number, "number_hash": crypto.keyring().lookup(number), "channel": channel,
                  "timezone": timezone, "created_at": now, "updated_at": now}
        if opted_out:
            values.update(opted_out=True, opted_out_at=now)
        if daily_time is not None:
            values["daily_time"] = daily_time
        _insert_ignore(self._core(), _PEOPLE, values, conflict=("number_hash", "channel"))

    def turn_person(self, number: str, channel: str, since: datetime) -> tuple[PersonRow, int] | None:
        """The person for (number, channel) as a PersonRow, with how many texts they sent
        at or after `since` (the loop guard), in one SELECT; None if there is no such person."""
        row = self._core().execute(_TURN_PERSON, {**_by_number(number), "channel": channel, "since": since}).first()
        if row is None:
            return None
        values = row._mapping
        return PersonRow(values), int(values[_RECENT_INBOUND_KEY] or 0)

    def write_person(self, person: PersonRow) -> None:
        """Write what changed on a PersonRow (save_state, record_turn, bot.schedules'
        after_turn) back to its row, in one UPDATE of those columns."""
        changes = person.changes()
        if not changes:
            return
        params = {f"set_{name}": value for name, value in changes.items()}
        self._core().execute(_update_person(tuple(sorted(changes))), {**params, "person_id": person.id})
        person._read.update(changes)

    # An inbound turn: open_turn, then close_turn ---------------------------------

    def open_turn(self, number: str, channel: str, *, since: datetime, now: datetime,
                  sid: str | None = None) -> Opened:
        """Start an inbound turn: claim MessageSid `sid` (none without one) and read the
        person for (number, channel) with their texts since `since` (turn_person), in
        one statement. close_turn must follow in the same transaction.

        PostgreSQL inserts the claim (claim_message) inside that statement: a concurrent
        claim of the same sid waits for this transaction, then sees a repeat. SQLite
        looks the sid up instead, and close_turn inserts its row: SQLite has one writer
        at a time (BEGIN IMMEDIATE, bot.db), so no other transaction can claim it between
        the look and the commit, and the turn saves a statement.
        """
        params = {**_by_number(number), "channel": channel, "since": since}
        if sid is None:
            found = self.turn_person(number, channel, since)
            return Opened(True, *(found or (None, 0)))
        if self._postgresql:
            row = self._core().execute(_OPEN_TURN_POSTGRESQL, {**params, "sid": sid, "now": now}).one()._mapping
            claimed = bool(row[_CLAIMED_KEY])
        else:
            row = self._core().execute(_OPEN_TURN_SQLITE, {**params, "sid": sid}).one()._mapping
            claimed = not row[_SEEN_KEY]
        person = None if row["id"] is None else PersonRow(row)
        return Opened(claimed, person, int(row[_RECENT_INBOUND_KEY] or 0))

    def close_turn(self, person: PersonRow, intent: str, delivered: int, now: datetime, *,
                   sid: str | None = None, replies: list[str] | None = None, crisis_kind: str | None = None) -> None:
        """Finish an inbound turn: record it (record_turn: the text and `delivered`
        replies), write the person's row (write_person) and, with a `sid`, what was
        answered (finish_message; on SQLite the sid's row itself, see open_turn). On
        PostgreSQL all three in one statement."""
        if not self._postgresql:
            self.record_turn(person, intent, delivered, now, sid, crisis_kind)
            self.write_person(person)
            if sid is not None:
                self._core().execute(_PROCESSED_SQLITE, {"sid": sid, "now": now, "person_id": person.id,
                                                         "replies": list(replies or ())})
            return
        person.last_inbound_at = now
        changes = person.changes()
        params = {f"set_{name}": value for name, value in changes.items()}
        params.update(person_id=person.id, intent=intent, at=now, sid=sid, out=delivered, kind=crisis_kind)
        if sid is not None:
            params["replies"] = list(replies or ())
        statement = _close_turn_postgresql(tuple(sorted(changes)), sid is not None)
        self._core().execute(statement, params)
        person._read.update(changes)

    def find_person(self, number: str, channel: str) -> models.Person | None:
        """The person for (number, channel), or None; never creates one."""
        return self.session.scalars(_FIND_PERSON, {**_by_number(number), "channel": channel}).one_or_none()

    def state_of(self, person: models.Person | PersonRow) -> State:
        """The person's conversation state, as the pure engine sees it."""
        return State(
            opted_out=person.opted_out,
            timezone=person.timezone,
            language=person.language,
            flow=_to_json(person.flow),       # a copy: the engine never shares the ORM's dict
            daily_enabled=person.daily_enabled,
            daily_time=person.daily_time,
            daily_kinds=person.daily_kinds,
            plan=_to_json(person.plan),
            # bot.outbox's consent check reads a row without this column: it decides nothing there.
            private=bool(getattr(person, "private", False)),
        )

    def save_state(self, person: models.Person | PersonRow, state: State, now: datetime) -> None:
        """Write `state` back to the person's row (a models.Person is flushed by the
        session; a PersonRow by write_person).

        An opt-out flip stamps opted_out_at (on STOP) or opted_in_at (on START), the
        times the consent record needs. daily_next_at is left to the scheduler.
        """
        if state.opted_out != person.opted_out:
            if state.opted_out:
                person.opted_out_at = now
            else:
                person.opted_in_at = now
        person.opted_out = state.opted_out
        person.timezone = state.timezone
        person.language = state.language
        person.flow = _to_json(state.flow)
        person.daily_enabled = state.daily_enabled
        person.daily_time = state.daily_time
        person.daily_kinds = state.daily_kinds
        person.plan = _to_json(state.plan)
        person.private = state.private
        person.updated_at = now

    def erase_person(self, person_id: int, number_hash: str, now: datetime) -> None:
        """Delete the person and every row about them (every table with a person_id,
        read from the metadata: state, plan, check-ins, events, pending and past outbox
        rows with their bodies, the stored replies of their handled MessageSids).

        What stays is first written: `number_hash` (bot.erasure's keyed hash of the number)
        marked erased at `now` (and whether they had opted out), and their consent events
        re-keyed to it (kind, keyword, time). Every erase leaves exactly this: DELETE by
        text, `steady people erase` (both through bot.erasure.erase) and retention.
        The foreign keys cascade too; deleting the children here as well keeps the
        erase complete even on a connection where SQLite foreign keys are off.
        """
        self._keep_tombstone(person_id, number_hash, now)
        for table in _PERSON_TABLES:
            self.session.execute(delete(table).where(table.c.person_id == person_id))
        # An ORM-enabled DELETE also drops the loaded Person object from the session.
        self.session.execute(delete(models.Person).where(models.Person.id == person_id))

    def _keep_tombstone(self, person_id: int, number_hash: str, now: datetime) -> None:
        connection = self._core()
        stopped = bool(connection.execute(select(_PEOPLE.c.opted_out).where(_PEOPLE.c.id == person_id)).scalar())
        if not _insert_ignore(connection, _ERASED, {"number_hash": number_hash, "erased_at": now, "stopped": stopped},
                              conflict=("number_hash",)):
            # Erased again later: this erase's word. The same erase, another channel: either STOP counts.
            again = literal(True) if stopped else _ERASED.c.stopped
            connection.execute(update(_ERASED).where(_ERASED.c.number_hash == number_hash).values(
                erased_at=now, stopped=case((_ERASED.c.erased_at == now, again), else_=literal(stopped))))
        kept = select(literal(number_hash, String()), _CONSENTS.c.kind, _CONSENTS.c.keyword, _CONSENTS.c.at).where(
            _CONSENTS.c.person_id == person_id).order_by(_CONSENTS.c.id)
        connection.execute(insert(_ERASED_CONSENTS).from_select(["number_hash", "kind", "keyword", "at"], kept))

    def people_with_number(self, number: str) -> list[int]:
        """The ids of the people with this number, on any channel."""
        return list(self._core().execute(_WITH_NUMBER, _by_number(number)).scalars())

    def everything_about(self, person_id: int) -> dict[str, Any]:
        """The person's row and every row about them (the tables of _PERSON_TABLES), as
        plain JSON values: a data-access request (`steady people export`)."""
        connection = self._core()
        person = connection.execute(select(_PEOPLE).where(_PEOPLE.c.id == person_id)).one()._mapping
        found: dict[str, Any] = {"person": _plain(person)}
        for table in _PERSON_TABLES:
            order = table.primary_key.columns.values()
            rows = connection.execute(select(table).where(table.c.person_id == person_id).order_by(*order))
            found[table.name] = [_plain(row._mapping) for row in rows]
        return found

    def erased_record(self, number_hash: str) -> dict[str, Any] | None:
        """What stays of an erased number, as plain JSON values, or None."""
        connection = self._core()
        kept = connection.execute(select(_ERASED).where(_ERASED.c.number_hash == number_hash)).first()
        if kept is None:
            return None
        consents = connection.execute(
            select(_ERASED_CONSENTS.c.kind, _ERASED_CONSENTS.c.keyword, _ERASED_CONSENTS.c.at)
            .where(_ERASED_CONSENTS.c.number_hash == number_hash).order_by(_ERASED_CONSENTS.c.id))
        return {**_plain(kept._mapping), "consent_events": [_plain(row._mapping) for row in consents]}

    def erased(self, number_hash: str) -> models.ErasedNumber | None:
        """What stays of an erased number (bot.erasure), or None."""
        return self.session.get(models.ErasedNumber, number_hash)

    def lock_person(self, person_id: int) -> None:
        """Hold the person's row until the transaction ends (FOR UPDATE; SQLite's one writer
        holds everything), in the order bot.outbox's last consent check takes it."""
        self._core().execute(select(_PEOPLE.c.id).where(_PEOPLE.c.id == person_id).with_for_update())

    def texts_in_flight(self, person_id: int) -> int:
        """Outbox rows to the person whose Twilio request has begun and has no result yet
        (`sending` with `sent_at`: bot.outbox's gate let them through)."""
        return int(self._core().execute(_IN_FLIGHT, {"person_id": person_id}).scalar() or 0)

    def close_erased_turn(self, sid: str | None, now: datetime, replies: list[str]) -> None:
        """Finish the turn that erased its person: only the MessageSid stays, with no
        person, and the confirmation for a repeated delivery (it holds nothing of theirs)."""
        if sid is None:
            return
        if self._postgresql:    # open_turn claimed it
            self.finish_message(sid, None, replies)
        else:
            self._core().execute(_PROCESSED_SQLITE, {"sid": sid, "now": now, "person_id": None,
                                                     "replies": list(replies)})

    # Inbound messages (exactly once) ----------------------------------------

    def claim_message(self, sid: str, now: datetime) -> bool:
        """Mark MessageSid `sid` as being handled. False if it was already claimed,
        i.e. this delivery is a repeat (also when the first is still in flight)."""
        return _insert_ignore(
            self._core(),
            models.ProcessedMessage.__table__,
            {"message_sid": sid, "received_at": now},
            conflict=("message_sid",),
        )

    def stored_replies(self, sid: str) -> list[str] | None:
        """The replies recorded for `sid`, or None if unknown or not finished yet."""
        replies = self.session.scalar(
            select(models.ProcessedMessage.replies).where(
                models.ProcessedMessage.message_sid == sid
            )
        )
        return list(replies) if replies is not None else None

    def finish_message(self, sid: str, person_id: int | None, replies: list[str]) -> None:
        """Record who `sid` came from and what we answered, for repeats."""
        self._core().execute(_FINISH_MESSAGE, {"sid": sid, "person_id": person_id, "replies": list(replies)})

    def prune_processed(self, before: datetime) -> int:
        """Forget MessageSids received before `before`; returns how many."""
        result = self.session.execute(
            delete(models.ProcessedMessage).where(models.ProcessedMessage.received_at < before)
        )
        return int(result.rowcount or 0)

    # Records (never a message body) ---------------------------------------

    def record_turn(
        self, person: models.Person | PersonRow, intent: str, replies: int, now: datetime, sid: str | None = None,
        crisis_kind: str | None = None,
    ) -> None:
        """One inbound text and its replies, by intent and time (and a crisis text's kind,
        on the inbound event), in one INSERT; the person's last_inbound_at rides on the
        turn's one UPDATE of their row."""
        person.last_inbound_at = now
        rows = [{"person_id": person.id, "direction": "in", "intent": intent, "at": now, "message_sid": sid,
                 "crisis_kind": crisis_kind}]
        rows += [{"person_id": person.id, "direction": "out", "intent": intent, "at": now, "message_sid": None,
                  "crisis_kind": None}] * replies
        self._core().execute(_RECORD_EVENTS, rows)

    def inbound_count(self, person_id: int, since: datetime) -> int:
        """How many messages the person sent at or after `since` (the loop guard)."""
        return int(self._core().execute(_INBOUND_COUNT, {"person_id": person_id, "since": since}).scalar() or 0)

    def record_consent(
        self, person_id: int, kind: str, keyword: str, channel: str, now: datetime
    ) -> None:
        """Add to the consent record (opt_out, opt_in, daily_on, ...)."""
        self._core().execute(_RECORD_CONSENT, {"person_id": person_id, "kind": kind, "keyword": keyword,
                                               "channel": channel, "at": now})

    def record_checkin(self, person_id: int, score: int, now: datetime) -> None:
        """A quit-date check-in answer: the 1-5 number and its time, nothing else."""
        if not 1 <= score <= 5:
            raise ValueError("a check-in score is 1 to 5")
        self._core().execute(_RECORD_CHECKIN, {"person_id": person_id, "score": score, "at": now})

    def record_plan(self, person_id: int, kind: str, now: datetime) -> None:
        """A quit plan saved ("made" or "changed") and when: never an answer (the console's plans made)."""
        self._core().execute(insert(models.PlanEvent.__table__).values(person_id=person_id, kind=kind, at=now))


# The webhook's statements, built once: building a statement costs more than running it.
# Plain table statements run on the connection (Tx._core): no ORM bookkeeping on the hot path.
# A number is found by its keyed hash (bot.crypto), under STEADY_DATA_KEY or, while a
# rotation runs, STEADY_DATA_KEY_OLD: two parameters either way (one statement shape).
_NUMBER_IS = _PEOPLE.c.number_hash.in_([bindparam("hash", type_=String()), bindparam("hash_old", type_=String())])


def _by_number(number: str) -> dict[str, str]:
    """The look-up parameters of _NUMBER_IS for an E.164 number."""
    new, old = crypto.keyring().lookups(number)
    return {"hash": new, "hash_old": old}


_FIND_PERSON = select(models.Person).where(_NUMBER_IS, models.Person.channel == bindparam("channel"))
_WITH_NUMBER = select(_PEOPLE.c.id).where(_NUMBER_IS).order_by(_PEOPLE.c.id)
_EVENTS = models.MessageEvent.__table__
_INBOUND_SINCE = and_(_EVENTS.c.direction == "in", _EVENTS.c.at >= bindparam("since", type_=UTCDateTime()))
_INBOUND_COUNT = (
    select(func.count()).select_from(_EVENTS).where(_EVENTS.c.person_id == bindparam("person_id"), _INBOUND_SINCE)
)
_RECENT_INBOUND_KEY = "steady_recent_inbound"
_TURN_PERSON = select(
    _PEOPLE,
    select(func.count()).select_from(_EVENTS).where(_EVENTS.c.person_id == _PEOPLE.c.id, _INBOUND_SINCE)
    .scalar_subquery().label(_RECENT_INBOUND_KEY),
).where(_NUMBER_IS, _PEOPLE.c.channel == bindparam("channel"))
_RECORD_EVENTS = insert(_EVENTS)
_EVENT_COLUMNS = ("person_id", "direction", "intent", "at", "message_sid", "crisis_kind")
_CONSENTS = models.ConsentEvent.__table__
_RECORD_CONSENT = insert(_CONSENTS).values({name: bindparam(name, type_=_CONSENTS.c[name].type)
                                            for name in ("person_id", "kind", "keyword", "channel", "at")})
_CHECKINS = models.Checkin.__table__
_RECORD_CHECKIN = insert(_CHECKINS).values({name: bindparam(name, type_=_CHECKINS.c[name].type)
                                            for name in ("person_id", "score", "at")})
_PROCESSED = models.ProcessedMessage.__table__
_ERASED = models.ErasedNumber.__table__
_ERASED_CONSENTS = models.ErasedConsentEvent.__table__
_OUTBOX = models.OutboxMessage.__table__
_IN_FLIGHT = select(func.count()).select_from(_OUTBOX).where(
    _OUTBOX.c.person_id == bindparam("person_id"), _OUTBOX.c.status == models.SENDING, _OUTBOX.c.sent_at.is_not(None))
_FINISH_MESSAGE = (   # a plain table UPDATE: no ORM bookkeeping on the hot path
    update(_PROCESSED)
    .where(_PROCESSED.c.message_sid == bindparam("sid"))
    .values(person_id=bindparam("person_id"), replies=bindparam("replies", type_=_PROCESSED.c.replies.type))
)


@functools.lru_cache(maxsize=None)
def _update_person(names: tuple[str, ...]):
    """UPDATE people SET <names> (parameters set_<name>) WHERE id = :person_id, built once
    per set of columns."""
    return (update(_PEOPLE).where(_PEOPLE.c.id == bindparam("person_id", type_=Integer()))
            .values({name: bindparam(f"set_{name}", type_=_PEOPLE.c[name].type) for name in names}))


# PostgreSQL runs data-modifying statements inside WITH, so a turn's own SQL is two
# statements there instead of five: the claim and the read, then the three writes. Each is run
# exactly once, whatever the main statement reads; they share one snapshot but touch
# different tables.
_CLAIMED_KEY = "steady_claimed"
_CLAIM = (
    postgresql.insert(_PROCESSED)
    .values(message_sid=bindparam("sid", type_=String()), received_at=bindparam("now", type_=UTCDateTime()))
    .on_conflict_do_nothing(index_elements=["message_sid"])
    .returning(_PROCESSED.c.message_sid)
    .cte("claim")
)
_TURN_PERSON_ROW = _TURN_PERSON.subquery("person")
_OPEN_TURN_POSTGRESQL = (    # one row whether or not the person exists: (SELECT 1) LEFT JOIN person
    select(exists(select(_CLAIM.c.message_sid)).label(_CLAIMED_KEY), _TURN_PERSON_ROW)
    .select_from(select(literal(1).label("one")).subquery("one").outerjoin(_TURN_PERSON_ROW, true()))
)


# SQLite: the look-up of the sid with the person read, and the sid's row at the close.
_SEEN_KEY = "steady_seen"
_OPEN_TURN_SQLITE = (
    select(exists(select(_PROCESSED.c.message_sid).where(_PROCESSED.c.message_sid == bindparam("sid", type_=String())))
           .label(_SEEN_KEY), _TURN_PERSON_ROW)
    .select_from(select(literal(1).label("one")).subquery("one").outerjoin(_TURN_PERSON_ROW, true()))
)
_PROCESSED_SQLITE = insert(_PROCESSED).values(
    message_sid=bindparam("sid", type_=String()), received_at=bindparam("now", type_=UTCDateTime()),
    person_id=bindparam("person_id", type_=Integer()), replies=bindparam("replies", type_=_PROCESSED.c.replies.type),
)


@functools.lru_cache(maxsize=None)
def _close_turn_postgresql(names: tuple[str, ...], with_sid: bool):
    """WITH the person's UPDATE of <names> (none: no UPDATE), the INSERT of the text's
    event and one per reply delivered (:out; in first, as record_turn), then the UPDATE
    of the processed message (with a sid) or that INSERT itself. Built once per shape."""
    person_id = bindparam("person_id", type_=Integer())
    intent, at = bindparam("intent", type_=String()), bindparam("at", type_=UTCDateTime())
    rows = select(person_id, literal("in"), intent, at, bindparam("sid", type_=String()),
                  bindparam("kind", type_=String())).union_all(
        select(person_id, literal("out"), intent, at, null(), null())
        .select_from(func.generate_series(1, bindparam("out", type_=Integer())))
    )
    events = insert(_EVENTS).from_select(list(_EVENT_COLUMNS), rows)
    ctes = [_update_person(names).cte("person_update")] if names else []
    if not with_sid:
        return events.add_cte(*ctes) if ctes else events
    finish = (update(_PROCESSED).where(_PROCESSED.c.message_sid == bindparam("sid", type_=String()))
              .values(person_id=person_id, replies=bindparam("replies", type_=_PROCESSED.c.replies.type)))
    return finish.add_cte(*ctes, events.cte("events"))


def _insert_ignore(
    connection: Connection, table: Table, values: dict[str, Any], conflict: tuple[str, ...]
) -> bool:
    """INSERT unless a row with the same `conflict` key exists; True if inserted.

    On PostgreSQL a concurrent insert of the same key makes this wait for the other
    transaction, then do nothing (or insert, if that one rolled back), never raise.
    SQLite transactions are serialised (BEGIN IMMEDIATE, see bot.db), so the same holds.
    """
    dialect = connection.dialect.name
    if dialect in ("postgresql", "sqlite"):
        return connection.execute(_insert_ignore_statement(dialect, table, conflict), values).rowcount == 1
    try:  # pragma: no cover - other databases: a savepoint absorbs the duplicate
        with connection.begin_nested():
            connection.execute(insert(table).values(**values))
        return True
    except IntegrityError:  # pragma: no cover
        return False


@functools.lru_cache(maxsize=None)
def _insert_ignore_statement(dialect: str, table: Table, conflict: tuple[str, ...]):
    """INSERT ... ON CONFLICT DO NOTHING for `table`, built once per dialect and table."""
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    # Rowcount is only kept for UPDATE/DELETE unless asked for (psycopg drops it).
    return stmt.execution_options(preserve_rowcount=True)


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as JSON values: times as ISO 8601 (UTC), the rest as stored."""
    return {str(name): value.isoformat() if isinstance(value, datetime) else _to_json(value)
            for name, value in row.items()}


def _to_json(value: Any) -> Any:
    """A plain-JSON copy of a state value: mappings to dicts, sequences to lists.

    State holds read-only mappings and tuples; the JSON column wants dicts and lists,
    and a fresh object so the ORM sees the change.
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    raise TypeError(f"cannot store {type(value).__name__} in a JSON column")
