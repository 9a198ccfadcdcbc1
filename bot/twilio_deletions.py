"""Deleting texts from Twilio once they are done (STEADY_TWILIO_DELETE_MESSAGES).

Twilio keeps every message it carries, body and number, in its logs and console. With
the setting on, each one Steady knows of is deleted there through the Messages API:

- a received text, queued in its turn's own transaction (bot.conversation) and deleted
  SETTLE after it: the reply is TwiML, so it goes out once the webhook has answered, and
  Twilio refuses to delete a message it has not finished with (error 20009);
- a sent text, queued by its delivery receipt (bot.receipts): at once after a final
  status (delivered, undelivered, failed, canceled, read), or an hour after `sent` for a
  carrier that never reports delivery, since Twilio holds a message without a final
  status for about that long.

The queue is the `twilio_deletions` table: a SID, its direction and when to try next; no
body, no number, no person. The clock works it each tick (`TwilioDeletions.run_due`), a
batch at a time through `Transport.delete`, never in a request. A try that fails for a
passing reason (in progress, a 5xx, no answer) is tried again after a backoff, up to
MAX_ATTEMPTS; a 404 means the message is already gone, which is what was wanted.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot import models
from bot.store import Store
from bot.transport import GONE, RETRY, DeleteResult, Transport, mask_sid

log = logging.getLogger(__name__)

deletions = models.TwilioDeletion.__table__

IN, OUT = "in", "out"
#: Twilio asks for at least a minute after a message is sent or received before its DELETE.
SETTLE = timedelta(minutes=2)
#: A text Twilio reports `sent` and never `delivered` (a carrier without delivery receipts)
#: is final at Twilio after about an hour.
UNCONFIRMED_WAIT = timedelta(hours=1)
#: The receipts after which a sent text can be deleted (then `SETTLE`), and `sent` (then UNCONFIRMED_WAIT).
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "canceled", "read"})
SENT_STATUS = "sent"
#: Backoff after the n-th failed try: RETRY_FIRST doubled each time, at most RETRY_LONGEST.
#: Twilio asks for several minutes between tries, and a message can rarely take days to be final.
RETRY_FIRST = timedelta(minutes=2)
RETRY_LONGEST = timedelta(hours=6)
#: Tries before a deletion is given up (about a day and a half of backoff in all).
MAX_ATTEMPTS = 12
#: Rows claimed at a time, and batches per tick at most: the tick stays short.
BATCH = 100
BATCHES_PER_TICK = 5
#: A claimed row is not claimed again for this long (a clock that died mid-batch: its
#: rows come back after it; a delete is idempotent).
LEASE = timedelta(minutes=10)
#: What a Twilio MessageSid looks like (SM... for SMS and WhatsApp, MM... for MMS): nothing
#: else is queued (`steady chat` and tests make their own).
SID_SHAPE = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try (1, 2, ...)."""
    return min(RETRY_LONGEST, RETRY_FIRST * 2 ** max(0, min(attempts - 1, 20)))


def due_after_receipt(status: str, now: datetime) -> datetime | None:
    """When a sent text can be deleted, given a receipt saying `status`; None: not yet."""
    if status in FINAL_STATUSES:
        return now + SETTLE
    if status == SENT_STATUS:
        return now + UNCONFIRMED_WAIT
    return None


def queue(connection: Connection, sid: str | None, direction: str, due: datetime, now: datetime) -> bool:
    """Queue message `sid` for deletion at `due`, inside the caller's transaction; a SID
    already queued keeps its row, due at the earlier of the two times. False (and nothing
    queued) for a SID not shaped like Twilio's."""
    if not sid or not SID_SHAPE.match(sid):
        return False
    connection.execute(_upsert(connection.dialect.name),
                       {"sid": sid, "direction": direction, "queued_at": now, "due": due})
    return True


def queue_person(connection: Connection, person_id: int, now: datetime) -> int:
    """Queue every message at Twilio that Steady knows about this person (texts sent to
    them, texts received from them), in the erase's transaction, before their rows go:
    with the setting on, an erase leaves their texts at Twilio no longer than the rest.
    How many were queued."""
    outbox, processed = models.OutboxMessage.__table__, models.ProcessedMessage.__table__
    sent = select(outbox.c.provider_sid).where(outbox.c.person_id == person_id, outbox.c.provider_sid.is_not(None))
    received = select(processed.c.message_sid).where(processed.c.person_id == person_id)
    queued = sum(queue(connection, sid, OUT, now + SETTLE, now) for sid in connection.execute(sent).scalars())
    return queued + sum(queue(connection, sid, IN, now + SETTLE, now) for sid in connection.execute(received).scalars())


@functools.lru_cache(maxsize=None)
def _upsert(dialect: str):
    """INSERT ... ON CONFLICT (sid) DO UPDATE to the earlier time, built once per dialect
    (a received text queues its SID on the webhook's path: building costs more than running)."""
    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(deletions).values(
        sid=bindparam("sid"), direction=bindparam("direction"), queued_at=bindparam("queued_at"),
        next_attempt_at=bindparam("due"), attempts=0,
    )
    return insert.on_conflict_do_update(
        index_elements=["sid"],
        set_={"next_attempt_at": insert.excluded.next_attempt_at},
        where=deletions.c.next_attempt_at > insert.excluded.next_attempt_at,
    )


@dataclass
class DeletionReport:
    """One tick's deletions, counts only (never a SID: `steady tick` prints this)."""

    enabled: bool = False   # STEADY_TWILIO_DELETE_MESSAGES: without it, nothing is counted or shown
    deleted: int = 0        # Twilio deleted it
    gone: int = 0           # Twilio no longer had it (404)
    retried: int = 0        # to be tried again later
    given_up: int = 0       # refused, or MAX_ATTEMPTS reached
    released: int = 0       # claimed, then put back untried (stopping, or Twilio not answering)

    def summary(self) -> str:
        return (f"{self.deleted} deleted at Twilio ({self.gone} already gone), {self.retried} deletions to retry"
                + (f", {self.given_up} given up" if self.given_up else "")
                + (f", {self.released} put back" if self.released else ""))


@dataclass(frozen=True)
class _Claimed:
    sid: str
    attempts: int     # this try included


class TwilioDeletions:
    """The clock's step that works the queue: `run_due` each tick, `close` at exit.

    Deletes go out on a small pool of threads that lives as long as this object (each
    thread keeps its Twilio client), `concurrency` at a time. `stopping` (the sender's,
    set on SIGTERM) ends the work between batches; rows claimed and not tried are put
    back. A batch in which Twilio never answered ends the tick's work: the rest waits.
    """

    def __init__(self, store: Store, transport: Transport, *, enabled: bool, concurrency: int = 4,
                 stopping: Callable[[], bool] = lambda: False, batch: int = BATCH) -> None:
        self.store = store
        self.transport = transport
        self.enabled = enabled
        self.concurrency = max(1, concurrency)
        self.stopping = stopping
        self.batch = batch
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def run_due(self, now: datetime) -> DeletionReport:
        """Try every deletion due at `now`, a batch at a time (at most BATCHES_PER_TICK)."""
        report = DeletionReport(enabled=self.enabled)
        if not self.enabled:
            return report
        for _ in range(BATCHES_PER_TICK):
            if self.stopping():
                break
            claimed = self._claim(now)
            if not claimed:
                break
            results = self._delete_all(claimed)
            self._record(claimed, results, now, report)
            unanswered = all(r is not None and r.outcome == RETRY and r.http_status is None for r in results)
            if len(claimed) < self.batch or unanswered:
                break
        if report.deleted or report.gone or report.retried or report.given_up:
            log.info("twilio deletions: %s", report.summary())
        return report

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    # -- steps --------------------------------------------------------------------------

    def _claim(self, now: datetime) -> list[_Claimed]:
        """Take up to `batch` due rows: one more attempt each, and a lease ahead, committed
        before any request (two clocks never work the same row at once)."""
        with self.store.transaction() as tx:
            query = (select(deletions.c.sid, deletions.c.attempts)
                     .where(deletions.c.next_attempt_at <= now)
                     .order_by(deletions.c.next_attempt_at, deletions.c.sid)
                     .limit(self.batch))
            if tx.session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = tx.session.execute(query).all()
            if not rows:
                return []
            tx.session.execute(
                update(deletions).where(deletions.c.sid == bindparam("b_sid"))
                .values(attempts=bindparam("b_attempts"), next_attempt_at=now + LEASE),
                [{"b_sid": row.sid, "b_attempts": row.attempts + 1} for row in rows],
            )
        return [_Claimed(row.sid, row.attempts + 1) for row in rows]

    def _delete_all(self, claimed: list[_Claimed]) -> list[DeleteResult | None]:
        """Each claimed SID's result, in order; None for one not tried (stopping)."""
        pool = self._threads()

        def one(row: _Claimed) -> DeleteResult | None:
            if self.stopping():
                return None
            try:
                return self.transport.delete(row.sid)
            except Exception as exc:  # noqa: BLE001 - a transport never raises; if one does, try later
                log.warning("delete of %s raised %s", mask_sid(row.sid), type(exc).__name__)
                return DeleteResult(RETRY)

        return list(pool.map(one, claimed))

    def _record(self, claimed: list[_Claimed], results: list[DeleteResult | None], now: datetime,
                report: DeletionReport) -> None:
        """Each result on its row, in one transaction: done or given up, the row goes; to
        retry, its next try after the backoff; untried, put back as it was."""
        finished, retry, release = [], [], []
        for row, result in zip(claimed, results):
            if result is None:
                release.append({"b_sid": row.sid, "b_attempts": row.attempts - 1, "b_next": now})
                report.released += 1
            elif result.done:
                finished.append(row.sid)
                if result.outcome == GONE:
                    report.gone += 1
                else:
                    report.deleted += 1
            elif result.outcome == RETRY and row.attempts < MAX_ATTEMPTS:
                retry.append({"b_sid": row.sid, "b_attempts": row.attempts, "b_next": now + backoff(row.attempts),
                              "b_code": result.error_code or result.http_status})
                report.retried += 1
            else:
                finished.append(row.sid)
                report.given_up += 1
                log.warning("gave up deleting %s at Twilio after %d tries (http_status=%s code=%s)",
                            mask_sid(row.sid), row.attempts, result.http_status, result.error_code)
        with self.store.transaction() as tx:
            if finished:
                tx.session.execute(delete(deletions).where(deletions.c.sid.in_(finished)))
            if retry:
                tx.session.execute(
                    update(deletions).where(deletions.c.sid == bindparam("b_sid"))
                    .values(attempts=bindparam("b_attempts"), next_attempt_at=bindparam("b_next"),
                            error_code=bindparam("b_code")),
                    retry,
                )
            if release:
                tx.session.execute(
                    update(deletions).where(deletions.c.sid == bindparam("b_sid"))
                    .values(attempts=bindparam("b_attempts"), next_attempt_at=bindparam("b_next")),
                    release,
                )

    def _threads(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="steady-delete")
            return self._pool
