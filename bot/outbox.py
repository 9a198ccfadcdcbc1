"""The outbox: scheduled texts as rows, written, claimed and settled here; sent by bot.sender.

Delivery is AT MOST ONCE per row. A row is moved to `sending` (and that claim is
committed) before the Twilio request; if the process dies between the claim and the
recorded result, the row stays `sending` and is later marked failed, never re-sent
(`recover_interrupted`; a receipt naming the row then tells whether Twilio had it:
bot.receipts). A sender that is asked to stop (bot.sender.Sender.stop, on SIGTERM) puts
back the rows it has not sent yet (`release_unsent`).
We chose this side because a second copy of a daily text is the one failure the
design forbids ("at most once per person per slot"), while one missed encouragement
costs little; a person in need always gets an immediate reply to their own text.

Consent is checked three times: when rows are written (REACHABLE), when they are
claimed, and immediately before each Twilio request, against the person's consent for the
row's kind as it is then (flows.consent.may_send; `_gate`). That last check and a STOP
serialise on the person's row, and the STOP's reply waits for requests already begun
(`wait_in_flight`): see `_gate` for why no text reaches Twilio after a STOP's
confirmation. A row's `sent_at` is set by that check, so a `sending` row without one is
claimed but not yet requested, and a STOP (`cancel_pending`) cancels it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from time import monotonic, sleep
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, false, func, or_, select, update

from bot import models, phones
from bot.settings import Settings
from bot.store import Store
from flows import consent, engine, schedule
from flows.schedule import QuietHours

log = logging.getLogger(__name__)

people = models.Person.__table__
outbox = models.OutboxMessage.__table__
consents = models.ConsentEvent.__table__

PENDING, SENDING, SENT, FAILED, CANCELLED = models.PENDING, models.SENDING, models.SENT, models.FAILED, models.CANCELLED

# Why a row was not sent: kept in delivery_status on a cancelled row and counted by reason
# in each tick's report (`steady tick`). Skipped when a writer passes a slot by, cancelled
# when the sender finds the row can't go now.
OPTED_OUT = "opted_out"              # STOP (texted, or Twilio's 21610)
UNDELIVERABLE = "undeliverable"      # Twilio says the number can't get texts
GRACE, QUIET_HOURS = schedule.GRACE, schedule.QUIET_HOURS     # flows.schedule.refusal says when
WHATSAPP_WINDOW = "whatsapp_window"  # WhatsApp: more than 24 h since the person last wrote (63016)
MERGED = "merged"                    # a daily text on a quit-date day: that text replaces it
ALREADY_WRITTEN = "already_written"  # the slot's row exists (a second writer, a retried tick)
NO_SLOT = "no_slot"                  # the planned time no longer falls on a program day
UNKNOWN = "unknown"                  # failed: it may have gone (no look-up answer, or no tries left)

# On a pending row: an earlier attempt may have created the message (a 5xx, or no answer after
# the request went out), so Twilio is asked before the next one. Cleared by the row's outcome.
UNCONFIRMED = "unconfirmed"
NO_CONSENT = "no_consent"            # consent for this kind is off now (DAILY OFF; STOP then START)
WITHDRAWN = "withdrawn"              # cancelled by a turn while claimed (e.g. a new quit date)

# The console simulator's channel (bot.simulator): test numbers in the fictional 555-01XX
# range. Their rows are written, claimed and settled like anyone's, but no Twilio request
# is ever made for one: the sender marks it sent to the simulator instead (bot.sender).
SANDBOX = "sandbox"

# The one opt-out check for writing scheduled texts: no row is written for anyone else.
# Sending asks more (`refusal`): consent for the row's kind, as it is at that moment.
REACHABLE = and_(people.c.opted_out == false(), people.c.undeliverable == false())

# What `refusal` reads about a person: the state the engine sees, and Twilio's word on the number.
CONSENT_COLUMNS = (people.c.opted_out, people.c.undeliverable, people.c.timezone, people.c.language,
                   people.c.flow, people.c.daily_enabled, people.c.daily_time, people.c.daily_kinds,
                   people.c.plan)

# How long a STOP's reply waits for a text to them whose request had begun (wait_in_flight):
# Twilio answers a create in well under a second; past this it is struggling, and the
# confirmation must still go well inside the 15 s Twilio waits for the webhook.
IN_FLIGHT_WAIT_SECONDS = 4.0

def refusal(tx, person, kind: str | None) -> str | None:
    """Why a scheduled text of `kind` must not go to `person` (a row of CONSENT_COLUMNS, or
    None once erased) now, or None: an opt-out, Twilio's word that the number can't get
    texts, or no consent for this kind (flows.consent.may_send, the one rule)."""
    if person is None or person.opted_out:
        return OPTED_OUT
    if person.undeliverable:
        return UNDELIVERABLE
    if not consent.may_send(tx.state_of(person), kind):
        return NO_CONSENT
    return None


def wait_in_flight(store: Store, person_id: int, timeout: float = IN_FLIGHT_WAIT_SECONDS,
                   poll: float = 0.02) -> bool:
    """Wait, at most `timeout` seconds, until no text to this person is in flight: no row
    `sending` whose request `_gate` let through. True when none is left.

    A STOP's reply waits on this (bot.conversation), so a text whose request began just
    before the STOP committed reaches Twilio before the confirmation does. Almost always
    the first look finds nothing. A sender that died mid-request leaves its row in flight
    until `recover_interrupted`: the wait then runs out, and the reply goes anyway.
    """
    deadline = monotonic() + timeout
    in_flight = (select(func.count()).select_from(outbox)
                 .where(outbox.c.person_id == person_id, outbox.c.status == SENDING, outbox.c.sent_at.is_not(None)))
    while True:
        with store.transaction() as tx:
            if not tx.session.execute(in_flight).scalar_one():
                return True
        if monotonic() >= deadline:
            return False
        sleep(poll)


BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)
# A row claimed this long ago without a recorded result was interrupted by a crash.
CLAIM_TIMEOUT = timedelta(minutes=10)
# Each text's status callback URL names its row (`?outbox=<id>`), so a receipt finds the row
# even when the process died before it could record the MessageSid (bot.receipts.TwilioFeedback.record_receipt).
ROW_PARAM = "outbox"


# Flows that wait for the answer to a scheduled text's question (flows.engine), and the key
# holding when it was asked: the due time of the outbox row that asks it.
ASKED_AT_KEY = {engine.CHECKIN_FLOW: "asked_at", engine.DAILY_PROMPT_FLOW: "asked_at",
                engine.CRAVING_CHECKIN_FLOW: "from"}


def _asked_at(flow) -> datetime | None:
    """When the scheduled question this flow waits on was due, or None."""
    key = ASKED_AT_KEY.get(flow.get("name")) if isinstance(flow, dict) else None
    try:
        return datetime.fromisoformat(flow[key]) if key else None
    except (KeyError, TypeError, ValueError):
        return None


def row_callback(callback: str | None, row_id: int) -> str | None:
    """The status callback URL for one row: `callback`, its query kept as it is (Twilio
    signs the URL as given), with `outbox=<row id>` added."""
    if not callback:
        return None
    parts = urlsplit(callback)
    named = f"{ROW_PARAM}={row_id}"
    return urlunsplit(parts._replace(query=f"{parts.query}&{named}" if parts.query else named))


def local_day_bounds(at: datetime, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants where the local day holding `at` starts and ends."""
    tz = ZoneInfo(zone)
    day = at.astimezone(tz).date()
    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 30 min: exponential, so a struggling API gets air."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


@dataclass
class Counts:
    """Counts of what a step did, with `reasons`: how many rows were not sent, by reason."""

    reasons: dict[str, int] = field(default_factory=dict)

    def note(self, reason: str, n: int = 1) -> None:
        if n:
            self.reasons[reason] = self.reasons.get(reason, 0) + n

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            if name == "reasons":
                for reason, n in other.reasons.items():
                    self.note(reason, n)
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Claimed:
    id: int
    person_id: int
    kind: str
    body: str
    due_at: datetime
    attempts: int
    to: str = ""
    zone: str = "UTC"
    refused: str | None = None  # `refusal` at claim time (checked again before the request)
    channel: str = "sms"
    last_inbound_at: datetime | None = None


# A turn's follow-up (Outbox.schedule_followup), as three statements built once.
_WHEN = outbox.c.due_at.type
_MOVE_FOLLOWUP = (
    update(outbox)
    .where(outbox.c.person_id == bindparam("pid"), outbox.c.kind == bindparam("b_kind"), outbox.c.status == PENDING)
    .values(due_at=bindparam("due", type_=_WHEN), next_attempt_at=bindparam("due", type_=_WHEN), body=bindparam("b_body"))
)
_SENT_TODAY = select(func.count()).select_from(outbox).where(
    outbox.c.person_id == bindparam("pid"), outbox.c.kind == bindparam("b_kind"), outbox.c.status.in_((SENDING, SENT)),
    outbox.c.due_at >= bindparam("start", type_=_WHEN), outbox.c.due_at < bindparam("end", type_=_WHEN),
)
_NEW_FOLLOWUP = outbox.insert().values(
    person_id=bindparam("pid"), kind=bindparam("b_kind"), slot=bindparam("b_slot"), body=bindparam("b_body"),
    status=PENDING, due_at=bindparam("due", type_=_WHEN), next_attempt_at=bindparam("due", type_=_WHEN), attempts=0,
    created_at=bindparam("now", type_=outbox.c.created_at.type),
)


class Outbox:
    """Writes, claims and settles outbox rows (the sender, bot.sender, makes the requests)."""

    def __init__(self, store: Store, settings: Settings):
        self.store = store
        # The quiet hours every scheduled text keeps to (flows.schedule.refusal): checked by
        # the sender before a request, and by a writer that would only write a row to cancel.
        self.quiet = QuietHours(settings.quiet_start, settings.quiet_end)

    # -- writing -------------------------------------------------------------------

    def cancel_pending(self, session, person_id: int, kinds: tuple[str, ...] | None = None) -> int:
        """Cancel a person's rows not yet requested from Twilio (all of them, or only these
        kinds): pending ones, and claimed ones whose request has not begun (`sending`
        without `sent_at`: `_gate` has not let them through, and now never will).

        The person's row is locked first, as `_gate` locks it before the outbox row, so the
        two never wait on each other in opposite orders.
        """
        session.execute(select(people.c.id).where(people.c.id == person_id).with_for_update())
        unrequested = or_(outbox.c.status == PENDING, and_(outbox.c.status == SENDING, outbox.c.sent_at.is_(None)))
        condition = and_(outbox.c.person_id == person_id, unrequested)
        if kinds:
            condition = and_(condition, outbox.c.kind.in_(kinds))
        return session.execute(update(outbox).where(condition).values(status=CANCELLED)).rowcount or 0

    def schedule_followup(self, session, person_id: int, kind: str, due_at: datetime, body: str,
                          now: datetime, zone: str) -> bool:
        """At most one pending follow-up of a kind per person (a new one moves the old one),
        and at most one sent per local day: with the one daily or quit-date text, no
        one gets more than 2 scheduled texts in a day. True when one is scheduled.

        Runs in an inbound turn: statements built once, on the transaction's connection
        (not Session.execute, whose bookkeeping was a tenth of a turn's CPU)."""
        connection = session.connection()
        row = {"pid": person_id, "b_kind": kind, "due": due_at, "b_body": body}
        if connection.execute(_MOVE_FOLLOWUP, row).rowcount:
            return True
        start, end = local_day_bounds(due_at, zone)
        if connection.execute(_SENT_TODAY, {"pid": person_id, "b_kind": kind, "start": start, "end": end}).scalar_one():
            return False
        connection.execute(_NEW_FOLLOWUP, {**row, "b_slot": due_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "now": now})
        return True

    # -- claiming -----------------------------------------------------------------

    def recover_interrupted(self, now: datetime) -> int:
        """Rows left `sending` by a crash: mark them failed, never send them again."""
        with self.store.transaction() as tx:
            result = tx.session.execute(
                update(outbox)
                .where(outbox.c.status == SENDING, outbox.c.claimed_at < now - CLAIM_TIMEOUT)
                .values(status=FAILED, delivery_status="interrupted")
            )
            count = result.rowcount or 0
        if count:
            log.warning("%d outbox rows were interrupted between claim and send; not re-sent", count)
        return count

    def claim(self, now: datetime, limit: int, *, only: int | None = None) -> list[Claimed]:
        """Atomically move up to `limit` due rows from pending to sending (only this
        person's with `only`: the console simulator's clock, bot.simulator).

        FOR UPDATE SKIP LOCKED on PostgreSQL lets several senders share the work;
        SQLite has one writer at a time, so the same statement is atomic there too.
        The rows are picked in a MATERIALIZED CTE, run exactly once per claim: as a plain
        `id IN (subquery)`, a generic plan (psycopg prepares a statement after 5 runs;
        one cached while the outbox was empty) can run the subquery again for each outer
        row, and SKIP LOCKED then skips the rows this very statement just locked and picks
        the next ones, until one claim holds every due row.
        """
        with self.store.transaction() as tx:
            due = [outbox.c.status == PENDING, outbox.c.next_attempt_at <= now]
            if only is not None:
                due.append(outbox.c.person_id == only)
            picked = (
                select(outbox.c.id)
                .where(*due)
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
                .cte("picked")
                .prefix_with("MATERIALIZED", dialect="postgresql")
            )
            rows = tx.session.execute(
                update(outbox)
                .where(outbox.c.id.in_(select(picked.c.id)), outbox.c.status == PENDING)
                .values(status=SENDING, claimed_at=now, sent_at=None, attempts=outbox.c.attempts + 1)
                .returning(outbox.c.id, outbox.c.person_id, outbox.c.kind, outbox.c.body, outbox.c.due_at, outbox.c.attempts)
            ).all()
            if not rows:
                return []
            ids = {row.person_id for row in rows}
            who = {
                p.id: p
                for p in tx.session.execute(
                    select(people.c.id, people.c.number, people.c.channel, people.c.last_inbound_at,
                           *CONSENT_COLUMNS).where(people.c.id.in_(ids))
                )
            }
            claimed = []
            for row in rows:
                person = who.get(row.person_id)
                if person is None:    # erased meanwhile (the row goes with it): never sent
                    claimed.append(Claimed(row.id, row.person_id, row.kind, row.body, row.due_at, row.attempts,
                                           refused=OPTED_OUT))
                    continue
                claimed.append(Claimed(
                    row.id, row.person_id, row.kind, row.body, row.due_at, row.attempts,
                    to=phones.Address(person.number, person.channel).twilio, zone=person.timezone,
                    refused=refusal(tx, person, row.kind),
                    channel=person.channel, last_inbound_at=person.last_inbound_at,
                ))
        return claimed

    def release_unsent(self, rows: list[Claimed]) -> int:
        """Rows this sender claimed and never requested (it is stopping; the caller knows no
        request was made): back to `pending`, due as before, the attempt not counted and
        `sent_at` cleared (it meant "request begun"), so the next tick sends each once."""
        ids = [row.id for row in rows]
        if not ids:
            return 0
        with self.store.transaction() as tx:
            released = tx.session.execute(
                update(outbox).where(outbox.c.id.in_(ids), outbox.c.status == SENDING)
                .values(status=PENDING, attempts=outbox.c.attempts - 1, claimed_at=None, sent_at=None)
            ).rowcount or 0
        log.info("stopping: %d claimed rows put back unsent", released)
        return released

    # -- settling -----------------------------------------------------------------

    def settle(self, changes: list[tuple[int, dict]], gate: list[Claimed] = (),
               now: datetime | None = None) -> tuple[list[Claimed], list[tuple[Claimed, str]]]:
        """Write each row's new values: one transaction, one executemany per shape of change;
        the rows in `gate` go through `_gate` in the same transaction (its answer is returned)."""
        if not changes and not gate:
            return [], []
        shapes: dict[tuple[str, ...], list[dict]] = {}
        for row_id, values in changes:
            params = {"row_id": row_id}
            params.update({f"new_{name}": value for name, value in values.items()})
            shapes.setdefault(tuple(values), []).append(params)
        with self.store.transaction() as tx:
            for names, params in shapes.items():
                tx.session.execute(
                    update(outbox).where(outbox.c.id == bindparam("row_id"))
                    .values({name: bindparam(f"new_{name}") for name in names}),
                    params,
                )
            return self._gate(tx, list(gate), now) if gate else ([], [])

    def _gate(self, tx, rows: list[Claimed], now: datetime) -> tuple[list[Claimed], list[tuple[Claimed, str]]]:
        """The last consent check, immediately before the requests, in the caller's
        transaction `tx`: (the rows let through, the others with the reason).

        Lock the people's rows (FOR SHARE on PostgreSQL; on SQLite every transaction holds
        the one write lock), read their consent as it is now and apply `refusal` for each
        row's kind; set `sent_at` on the rows it allows, but only on those still `sending`
        without one; cancel the others, with the reason. The requests are made only after
        that transaction commits.

        Why no text reaches Twilio after a STOP's confirmation. A STOP's transaction
        writes the person's row (the opt-out) and, with the row locked, cancels every row
        of theirs not yet through this gate (`cancel_pending`); its reply is sent only
        after it commits and after `wait_in_flight`. The gate and the STOP both hold the
        person's row until they commit, so one commits before the other starts to look:
        - STOP first: the gate reads `opted_out` (and the row is already cancelled): no
          request, ever.
        - gate first: the request begins only after the gate committed; the STOP then
          finds the row with `sent_at` (in flight), leaves it to its result, and its
          reply waits until that result is recorded, so Twilio had the request before
          the confirmation. Only a request that outlasts IN_FLIGHT_WAIT_SECONDS (Twilio
          struggling) can be answered after it, and Twilio itself refuses texts to a
          number that texted it STOP (21610).
        There is no third order: the gate cannot see the person as opted in while a
        committed STOP says otherwise, since it reads under the lock after the STOP
        released it. The same holds for DAILY OFF or a changed plan (both call
        `cancel_pending`), except that their replies do not wait for texts in flight.
        A row put back to `pending` after a passing failure comes through here again
        before its retry, so a STOP then START in between stops it: START is no consent
        to daily texts.
        """
        who = {p.id: p for p in tx.session.execute(
            select(people.c.id, *CONSENT_COLUMNS).where(people.c.id.in_(sorted({r.person_id for r in rows})))
            .order_by(people.c.id).with_for_update(read=True)
        )}
        refused = {row.id: refusal(tx, who.get(row.person_id), row.kind) for row in rows}
        allowed = [row.id for row in rows if refused[row.id] is None]
        through = set(tx.session.execute(
            update(outbox).where(outbox.c.id.in_(allowed), outbox.c.status == SENDING, outbox.c.sent_at.is_(None))
            .values(sent_at=now).returning(outbox.c.id)
        ).scalars()) if allowed else set()
        cancels = [{"row_id": row_id, "reason": reason} for row_id, reason in refused.items() if reason]
        if cancels:
            tx.session.execute(
                update(outbox).where(outbox.c.id == bindparam("row_id"), outbox.c.status == SENDING)
                .values(status=CANCELLED, delivery_status=bindparam("reason")),
                cancels,
            )
        # WITHDRAWN: consent allows it, but a turn cancelled the row while it waited (cancel_pending).
        return ([row for row in rows if row.id in through],
                [(row, refused[row.id] or WITHDRAWN) for row in rows if row.id not in through])

    def unask(self, rows: list[Claimed]) -> None:
        """Texts that never went out asked nothing: a flow still waiting for the answer to
        one of them is closed, so the person's next text is read as what it says (a bare
        "4" is not a check-in score for a question they never got). Only if no turn
        changed the person since (updated_at)."""
        due: dict[int, set[datetime]] = {}
        for row in rows:
            due.setdefault(row.person_id, set()).add(row.due_at)
        if not due:
            return
        with self.store.transaction() as tx:
            found = tx.session.execute(
                select(people.c.id, people.c.flow, people.c.updated_at).where(people.c.id.in_(due))
            ).all()
            closing = [{"pid": p.id, "seen": p.updated_at} for p in found if _asked_at(p.flow) in due[p.id]]
            if closing:
                tx.session.execute(
                    update(people).where(people.c.id == bindparam("pid"), people.c.updated_at == bindparam("seen"))
                    .values(flow=None),
                    closing,
                )
