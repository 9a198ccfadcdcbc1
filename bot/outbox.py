"""The outbox: scheduled texts as rows, each claimed before it is sent.

Delivery is AT MOST ONCE per row. A row is moved to `sending` (and that claim is
committed) before the Twilio request; if the process dies between the claim and the
recorded result, the row stays `sending` and is later marked failed, never re-sent.
We chose this side because a second copy of a daily text is the one failure the
design forbids ("at most once per person per slot"), while one missed encouragement
costs little; a person in need always gets an immediate reply to their own text.

The opt-out check for anything scheduled lives here, in REACHABLE: it is applied when
rows are written and again when they are claimed, so a STOP that arrives after a row
was written cancels it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, false, func, select, update

from bot import models, phones
from bot.settings import Settings
from bot.store import Store
from bot.transport import SendResult, Transport
from flows import consent
from flows.schedule import QuietHours

log = logging.getLogger(__name__)

people = models.Person.__table__
outbox = models.OutboxMessage.__table__
consents = models.ConsentEvent.__table__

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"

# The one opt-out check for scheduled texts: no row is written or sent to anyone else.
REACHABLE = and_(people.c.opted_out == false(), people.c.undeliverable == false())

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)
# A row claimed this long ago without a recorded result was interrupted by a crash.
CLAIM_TIMEOUT = timedelta(minutes=10)


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
class SendReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    interrupted: int = 0

    def add(self, other: "SendReport") -> None:
        for name in self.__dataclass_fields__:
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
    reachable: bool = True


class Outbox:
    """Writes, claims, sends and settles outbox rows."""

    def __init__(self, store: Store, settings: Settings, transport: Transport, *, concurrency: int = 8):
        self.store = store
        self.settings = settings
        self.transport = transport
        self.concurrency = concurrency
        self.quiet = QuietHours(settings.quiet_start, settings.quiet_end)
        # Sender threads live as long as the Outbox (made on first use), so each keeps its
        # Twilio client and keep-alive connection from batch to batch and tick to tick.
        self._senders: ThreadPoolExecutor | None = None
        self._senders_lock = threading.Lock()

    # -- writing -------------------------------------------------------------------

    def cancel_pending(self, session, person_id: int, kinds: tuple[str, ...] | None = None) -> int:
        """Cancel a person's pending rows (all of them, or only these kinds)."""
        condition = and_(outbox.c.person_id == person_id, outbox.c.status == PENDING)
        if kinds:
            condition = and_(condition, outbox.c.kind.in_(kinds))
        return session.execute(update(outbox).where(condition).values(status=CANCELLED)).rowcount or 0

    def schedule_followup(self, session, person_id: int, kind: str, due_at: datetime, body: str,
                          now: datetime, zone: str) -> bool:
        """At most one pending follow-up of a kind per person (a new one moves the old one),
        and at most one sent per local day: with the one daily or quit-date text, no
        one gets more than 2 scheduled texts in a day. True when one is scheduled."""
        moved = session.execute(
            update(outbox)
            .where(outbox.c.person_id == person_id, outbox.c.kind == kind, outbox.c.status == PENDING)
            .values(due_at=due_at, next_attempt_at=due_at, body=body)
        ).rowcount
        if moved:
            return True
        start, end = local_day_bounds(due_at, zone)
        already = session.execute(
            select(func.count()).select_from(outbox).where(
                outbox.c.person_id == person_id, outbox.c.kind == kind,
                outbox.c.status.in_((SENDING, SENT)), outbox.c.due_at >= start, outbox.c.due_at < end,
            )
        ).scalar_one()
        if already:
            return False
        session.execute(
            outbox.insert().values(
                person_id=person_id, kind=kind, slot=due_at.strftime("%Y-%m-%dT%H:%M:%SZ"), body=body,
                status=PENDING, due_at=due_at, next_attempt_at=due_at, attempts=0, created_at=now,
            )
        )
        return True

    # -- sending -------------------------------------------------------------------

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

    def claim(self, now: datetime, limit: int) -> list[Claimed]:
        """Atomically move up to `limit` due rows from pending to sending.

        FOR UPDATE SKIP LOCKED on PostgreSQL lets several senders share the work;
        SQLite has one writer at a time, so the same statement is atomic there too.
        """
        with self.store.transaction() as tx:
            due = (
                select(outbox.c.id)
                .where(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now)
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = tx.session.execute(
                update(outbox)
                .where(outbox.c.id.in_(due.scalar_subquery()), outbox.c.status == PENDING)
                .values(status=SENDING, claimed_at=now, attempts=outbox.c.attempts + 1)
                .returning(outbox.c.id, outbox.c.person_id, outbox.c.kind, outbox.c.body, outbox.c.due_at, outbox.c.attempts)
            ).all()
            if not rows:
                return []
            ids = {row.person_id for row in rows}
            who = {
                p.id: p
                for p in tx.session.execute(
                    select(people.c.id, people.c.number, people.c.channel, people.c.timezone,
                           REACHABLE.label("reachable")).where(people.c.id.in_(ids))
                )
            }
        claimed = []
        for row in rows:
            person = who.get(row.person_id)
            to = phones.Address(person.number, person.channel).twilio if person else ""
            claimed.append(Claimed(
                row.id, row.person_id, row.kind, row.body, row.due_at, row.attempts,
                to=to, zone=person.timezone if person else "UTC", reachable=bool(person and person.reachable),
            ))
        return claimed

    def send_due(self, now: datetime) -> SendReport:
        """Claim and send every due row, a batch at a time, until none is left.

        A batch's claim is committed before any of its sends (at most once). Results are
        recorded as they come in: whatever sends finished while the last results were
        being written go in together, in one transaction, rather than one per text.
        """
        report = SendReport()
        report.interrupted = self.recover_interrupted(now)
        callback = self.settings.status_callback_url or (
            f"{self.settings.public_base_url.rstrip('/')}/sms/status" if self.settings.public_base_url else None
        )
        while True:
            batch = self.claim(now, self.settings.send_batch)
            if not batch:
                return report
            report.claimed += len(batch)
            cancelled, to_send = [], []
            for row in batch:
                reason = self._skip_reason(row, now)
                if reason:
                    cancelled.append((row.id, {"status": CANCELLED, "delivery_status": reason}))
                else:
                    to_send.append(row)
            self._settle(cancelled)
            report.cancelled += len(cancelled)
            if self.concurrency > 1 and len(to_send) > 1:
                pool = self._sender_pool()
                rows_of = {pool.submit(self._send_one, row, callback): row for row in to_send}
                waiting = set(rows_of)
                while waiting:
                    done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                    self._record([(rows_of[f], f.result()) for f in done], now, report)
            else:
                for row in to_send:
                    self._record([(row, self._send_one(row, callback))], now, report)
            if len(batch) < self.settings.send_batch:
                return report

    def _sender_pool(self) -> ThreadPoolExecutor:
        with self._senders_lock:
            if self._senders is None:
                self._senders = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="steady-send")
            return self._senders

    def _skip_reason(self, row: Claimed, now: datetime) -> str | None:
        if not row.reachable:
            return "opted_out"
        if now - row.due_at > self.settings.grace:
            return "expired"
        local = now.astimezone(ZoneInfo(row.zone)).time()
        if not self.quiet.allows(local):
            return "quiet_hours"
        return None

    def _send_one(self, row: Claimed, callback: str | None) -> SendResult:
        try:
            return self.transport.send(row.to, row.body, status_callback=callback)
        except Exception:  # noqa: BLE001 - a transport bug must not kill the clock
            log.exception("transport raised for outbox row %s", row.id)
            return SendResult(ok=False, retryable=True)

    def _record(self, results: list[tuple[Claimed, SendResult]], now: datetime, report: SendReport) -> None:
        """Settle these rows (sent, retried with backoff, failed) in one transaction, then
        act on what Twilio said about a number."""
        changes: list[tuple[int, dict]] = []
        failures = []
        for row, result in results:
            if result.ok:
                changes.append((row.id, {"status": SENT, "sent_at": now, "provider_sid": result.sid,
                                         "delivery_status": result.status}))
                report.sent += 1
            elif result.retryable and row.attempts < self.settings.max_attempts:
                changes.append((row.id, {"status": PENDING, "next_attempt_at": now + backoff(row.attempts),
                                         "error_code": result.error_code}))
                report.retried += 1
            else:
                changes.append((row.id, {"status": FAILED, "error_code": result.error_code,
                                         "delivery_status": result.status}))
                failures.append((row, result))
                report.failed += 1
        self._settle(changes)
        for row, result in failures:
            if result.opted_out:
                self.mark_opted_out(row.person_id, now, keyword=str(result.error_code or 21610))
            elif result.undeliverable:
                self.mark_undeliverable(row.person_id)
            log.warning("outbox row %s to %s failed (code %s)", row.id, phones.mask(row.to), result.error_code)

    def _settle(self, changes: list[tuple[int, dict]]) -> None:
        """Write each row's new values: one transaction, one executemany per shape of change."""
        if not changes:
            return
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

    # -- what Twilio tells us ------------------------------------------------------

    def mark_opted_out(self, person_id: int, now: datetime, keyword: str) -> None:
        """Twilio says the number opted out (21610): the same opt-out as a texted STOP
        (flows.consent.opt_out: daily and quit-date texts off, any flow ended), recorded
        in the consent record, and every pending row cancelled."""
        with self.store.transaction() as tx:
            # Locked, so a turn for the same person in another process waits for this one.
            person = tx.session.get(models.Person, person_id, with_for_update=True)
            if person is None:
                return
            if not person.opted_out:
                tx.save_state(person, consent.opt_out(tx.state_of(person)), now)
                tx.record_consent(person_id, "opt_out", keyword, person.channel or "sms", now)
            person.daily_next_at = None
            person.plan_next_at = None
            self.cancel_pending(tx.session, person_id)

    def mark_undeliverable(self, person_id: int) -> None:
        with self.store.transaction() as tx:
            tx.session.execute(update(people).where(people.c.id == person_id).values(undeliverable=True, daily_next_at=None))
            self.cancel_pending(tx.session, person_id)

    def record_receipt(self, sid: str, status: str, error_code: int | None, now: datetime) -> bool:
        """A status callback: note the delivery status and error code on the row."""
        with self.store.transaction() as tx:
            row = tx.session.execute(select(outbox.c.id, outbox.c.person_id).where(outbox.c.provider_sid == sid)).first()
            if row is None:
                return False
            tx.session.execute(
                update(outbox).where(outbox.c.id == row.id).values(delivery_status=status[:16], error_code=error_code)
            )
        if error_code == 21610:
            self.mark_opted_out(row.person_id, now, keyword="21610")
        return True
