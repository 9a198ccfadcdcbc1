"""The sender: claims due outbox rows (bot.outbox), makes each Twilio request on a pool of
threads that lives as long as the Sender, and settles each result on its row.

Each request follows its row's claim, committed first (at most once), and its last consent
check (bot.outbox.Outbox._gate), made just before. stop() (on SIGTERM: bot.clock.Shutdown)
ends the claiming and the requests; the rows claimed and not requested are put back.

A retry must not double a text either: an attempt that Twilio may have created (a 5xx, a
read timeout) marks the row `unconfirmed`, and before its next attempt the sender asks
Twilio whether the message exists (`_sent_before`). Found: the row is sent, with that SID.
Not found: it is sent again. No answer: it is not sent, and fails as `unknown`.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import phones
from bot.outbox import (
    CANCELLED,
    FAILED,
    PENDING,
    SANDBOX,
    SENT,
    UNCONFIRMED,
    UNKNOWN,
    WHATSAPP_WINDOW,
    Claimed,
    Counts,
    Outbox,
    backoff,
    outbox,
    row_callback,
)
from bot.receipts import TwilioFeedback
from bot.settings import Settings
from bot.transport import SendResult, Transport
from flows import schedule

log = logging.getLogger(__name__)

# WhatsApp lets a business send free-form text only within 24 hours of the person's last
# message (the customer service window); after it Twilio fails the send with 63016.
WHATSAPP_SESSION = timedelta(hours=24)


@dataclass
class SendReport(Counts):
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0      # by reason in `reasons`
    interrupted: int = 0
    released: int = 0       # claimed, then put back unsent because the sender is stopping

    def cancel(self, reason: str, n: int = 1) -> None:
        self.cancelled += n
        self.note(reason, n)


class Sender:
    """Claims, sends and settles due rows: `send_due` each tick, `stop` on SIGTERM, `close` at exit."""

    def __init__(self, outbox_: Outbox, settings: Settings, transport: Transport, feedback: TwilioFeedback, *,
                 concurrency: int = 8):
        self.outbox = outbox_
        self.settings = settings
        self.transport = transport
        self.concurrency = concurrency
        self.feedback = feedback     # what Twilio tells us (bot.receipts)
        # Sender threads live as long as the Sender (made on first use), so each keeps its
        # Twilio client and keep-alive connection from batch to batch and tick to tick.
        self._senders: ThreadPoolExecutor | None = None
        self._senders_lock = threading.Lock()
        self._stopping = threading.Event()     # stop(): no new claims, no new requests

    def send_due(self, now: datetime, *, only: int | None = None) -> SendReport:
        """Claim and send every due row, a batch at a time, until none is left (only this
        person's with `only`: the console simulator's clock, bot.simulator, at its own time,
        which leaves everyone else's rows, and the recovery of interrupted ones, alone).

        A batch's claim is committed before any of its sends (at most once), and each
        request is handed to a sender thread only once `_gate` (bot.outbox) has let it through,
        just before. Results are recorded as they come in: whatever sends finished while the
        last results were being written go in together, in one transaction, rather than
        one per text; the next rows are gated as sender threads come free.
        After stop(), no batch is claimed and no request made: the rows not yet let
        through are released, the requests in flight finish and are recorded.
        """
        report = SendReport()
        if only is None:
            report.interrupted = self.outbox.recover_interrupted(now)
        callback = self.settings.status_callback_url or (
            f"{self.settings.public_base_url.rstrip('/')}/sms/status" if self.settings.public_base_url else None
        )
        while not self._stopping.is_set():
            batch = self.outbox.claim(now, self.settings.send_batch, only=only)
            if not batch:
                return report
            report.claimed += len(batch)
            cancelled, unsent, to_send = [], [], []
            for row in batch:
                reason = self._skip_reason(row, now)
                if reason:
                    cancelled.append((row.id, {"status": CANCELLED, "delivery_status": reason}))
                    unsent.append(row)
                    report.cancel(reason)
                else:
                    to_send.append(row)
            self.outbox.settle(cancelled)
            self.outbox.unask(unsent)
            self._send_rows(to_send, callback, now, report)
            if len(batch) < self.settings.send_batch:
                return report
        return report

    def _skip_reason(self, row: Claimed, now: datetime) -> str | None:
        """Why this row must not go now, or None: checked at claim time, so a STOP, an
        undeliverable receipt or a closed WhatsApp window since it was written counts."""
        if row.refused:
            return row.refused
        reason = schedule.refusal(row.due_at, now, row.zone, self.settings.grace, self.outbox.quiet)
        if reason is not None:
            return reason
        if row.channel == "whatsapp" and (row.last_inbound_at is None or now - row.last_inbound_at > WHATSAPP_SESSION):
            return WHATSAPP_WINDOW
        return None

    def _send_rows(self, rows: list[Claimed], callback: str | None, now: datetime, report: SendReport) -> None:
        """`concurrency` requests at a time. Rows go through `_gate` as results come in, in
        the same transaction as those results, so that at most twice `concurrency` are let
        through and unanswered: a sender thread that comes free finds one waiting, and a
        request follows its consent check by at most one other request's round trip."""
        pool = self._sender_pool() if self.concurrency > 1 and len(rows) > 1 else None
        slots = 2 * self.concurrency if pool else 1
        queue = deque(rows)
        in_flight: dict[Future, Claimed] = {}
        results: list[tuple[Claimed, SendResult]] = []
        unstarted: list[Claimed] = []          # stop() came before they were let through
        while queue or in_flight or results:
            if self._stopping.is_set():
                unstarted += queue
                queue.clear()
            take = [queue.popleft() for _ in range(min(slots - len(in_flight), len(queue)))]
            through = self._record(results, now, report, gate=take)
            results = []
            for row in through:
                named = row_callback(callback, row.id)   # a receipt can name its row
                if pool is None:
                    results.append((row, self._send_unless_stopped(row, named)))
                else:
                    in_flight[pool.submit(self._send_unless_stopped, row, named)] = row
            if in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                results = [(in_flight.pop(f), f.result()) for f in done]
            unstarted += [row for row, result in results if result is None]
            results = [(row, result) for row, result in results if result is not None]
        report.released += self.outbox.release_unsent(unstarted)

    def _sender_pool(self) -> ThreadPoolExecutor:
        with self._senders_lock:
            if self._senders is None:
                self._senders = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="steady-send")
            return self._senders

    def _send_unless_stopped(self, row: Claimed, callback: str | None) -> SendResult | None:
        """The send, or None when stop() came first: a row let through by `_gate` may wait
        for a sender thread, and once stopping it is put back rather than requested."""
        if self._stopping.is_set():
            return None
        return self._send_one(row, callback)

    def _send_one(self, row: Claimed, callback: str | None) -> SendResult:
        if row.channel == SANDBOX:
            # A console simulator's test number: every check above applied as to anyone, and
            # here, at Twilio's door, the text goes to the simulator's page instead, never
            # to Twilio (not even to look up an earlier attempt).
            return SendResult(ok=True, status=SANDBOX)
        earlier = self._sent_before(row)
        if earlier is not None:
            return earlier
        try:
            return self.transport.send(row.to, row.body, status_callback=callback)
        except Exception:  # noqa: BLE001 - a transport bug must not kill the clock
            log.exception("transport raised for outbox row %s", row.id)
            return SendResult(ok=False, retryable=True)

    def _sent_before(self, row: Claimed) -> SendResult | None:
        """For a row whose earlier attempt may have created the message (`unconfirmed`): the
        outcome to record instead of sending again, or None to send.

        Twilio's Messages list is asked for a text to this number with this body since the
        row was written (before any attempt). A match that another row already holds (the
        same body sent before) is not this one. Found: a success with that SID and status.
        Not found: None (send). The look-up failed: an `unknown` failure, not sent, because a
        second copy is the failure the outbox exists to prevent."""
        if row.attempts <= 1:
            return None
        try:
            with self.outbox.store.transaction() as tx:
                mark = tx.session.execute(
                    select(outbox.c.delivery_status, outbox.c.created_at).where(outbox.c.id == row.id)).first()
        except Exception:  # no answer: not sent now; it stays unconfirmed
            log.exception("could not read outbox row %s before its retry", row.id)
            return SendResult(ok=False, retryable=True, maybe_sent=True)
        if mark is None or mark.delivery_status != UNCONFIRMED:
            return None
        try:
            found = self.transport.find_sent(row.to, row.body, since=mark.created_at)
            if found:
                with self.outbox.store.transaction() as tx:
                    held = set(tx.session.execute(
                        select(outbox.c.provider_sid)
                        .where(outbox.c.provider_sid.in_([m.sid for m in found]), outbox.c.id != row.id)
                    ).scalars())
                found = [m for m in found if m.sid not in held]
        except Exception:  # LookupFailed, or a bug: never send on a guess
            log.warning("outbox row %s to %s: could not look up its earlier attempt; not sent (unknown)",
                        row.id, phones.mask(row.to), exc_info=True)
            return SendResult(ok=False, status=UNKNOWN)
        if not found:
            return None
        log.info("outbox row %s to %s: its earlier attempt reached Twilio (%s); not sent again",
                 row.id, phones.mask(row.to), found[0].sid)
        return SendResult(ok=True, sid=found[0].sid, status=found[0].status)

    def _record(self, results: list[tuple[Claimed, SendResult]], now: datetime, report: SendReport,
                gate: list[Claimed] = ()) -> list[Claimed]:
        """Settle these rows (sent, retried with backoff, failed) in one transaction, in which
        the rows in `gate` pass `_gate`; then act on what Twilio said about a number.
        Returns the rows let through, to be requested now."""
        changes: list[tuple[int, dict]] = []
        failures, unsent = [], []
        for row, result in results:
            if result.ok:
                changes.append((row.id, {"status": SENT, "sent_at": now, "provider_sid": result.sid,
                                         "delivery_status": result.status}))
                report.sent += 1
            elif result.whatsapp_window:     # Twilio's word on the window (63016): the same skip
                changes.append((row.id, {"status": CANCELLED, "error_code": result.error_code,
                                         "delivery_status": WHATSAPP_WINDOW}))
                report.cancel(WHATSAPP_WINDOW)
                unsent.append(row)
            elif result.retryable and row.attempts < self.settings.max_attempts:
                retry = {"status": PENDING, "next_attempt_at": now + backoff(row.attempts),
                         "error_code": result.error_code}
                if result.maybe_sent:         # look before the next attempt (_sent_before)
                    retry["delivery_status"] = UNCONFIRMED
                changes.append((row.id, retry))
                report.retried += 1
            else:
                unknown = result.maybe_sent or result.status == UNKNOWN
                changes.append((row.id, {"status": FAILED, "error_code": result.error_code,
                                         "delivery_status": UNKNOWN if unknown else result.status}))
                failures.append((row, result))
                if unknown:                   # it may have reached them: its question still stands
                    report.note(UNKNOWN)
                else:
                    unsent.append(row)
                report.failed += 1
        through, held = self.outbox.settle(changes, gate, now)
        for row, reason in held:
            report.cancel(reason)
            unsent.append(row)
        self.outbox.unask(unsent)
        for row, result in failures:
            if result.opted_out:
                self.feedback.mark_opted_out(row.person_id, now, keyword=str(result.error_code or 21610))
            elif result.undeliverable:
                self.feedback.mark_undeliverable(row.person_id)
            log.warning("outbox row %s to %s failed (code %s)", row.id, phones.mask(row.to), result.error_code)
        return through

    # -- stopping (SIGTERM: bot.clock.Shutdown) --------------------------------------

    def stop(self) -> None:
        """Claim nothing more and make no new request; requests already made finish and are
        recorded, rows claimed but not yet sent are released (send_due). Only sets an Event,
        so a signal handler may call it. For good: a stopped Sender sends nothing again."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def close(self) -> None:
        """End the sender threads once the last send_due has returned (idle, they end at once)."""
        with self._senders_lock:
            pool, self._senders = self._senders, None
        if pool is not None:
            pool.shutdown(wait=True)
