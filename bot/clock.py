"""The clock process: one tick a minute (APScheduler), never inside gunicorn workers. A
tick writes due daily rows, sends what is due, deletes finished texts from Twilio (when
STEADY_TWILIO_DELETE_MESSAGES is on), and tidies up. `steady tick --now` runs
exactly one tick, for cron-style platforms and tests. Both stop cleanly on SIGTERM
(every deploy and dyno restart) and SIGINT: `Shutdown`."""

from __future__ import annotations

import itertools
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import insert, update

from bot import models
from bot.scheduled_rows import EnqueueReport
from bot.retention import RetentionReport
from bot.sender import SendReport, Sender
from bot.store import Store
from bot.timeutil import utcnow
from bot.twilio_deletions import DeletionReport, TwilioDeletions

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    now: str
    enqueue: EnqueueReport = field(default_factory=EnqueueReport)
    send: SendReport = field(default_factory=SendReport)
    deletions: DeletionReport = field(default_factory=DeletionReport)
    pruned: int = 0
    retention: RetentionReport | None = None     # the daily job, on the tick it ran
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """For `steady tick --json`: every count, and each step's `reasons` (rows not sent, by why)."""
        return asdict(self)

    def summary(self) -> str:
        """One line for people and logs: every count, and why rows were skipped or cancelled."""
        e, s = self.enqueue, self.send
        return (
            f"{e.due} due, {e.enqueued} enqueued, {e.skipped} skipped{_by_reason(e.reasons)}; "
            f"{s.sent} sent, {s.retried} to retry, {s.failed} failed, {s.cancelled} cancelled"
            f"{_by_reason(s.reasons)}, {s.interrupted} interrupted"
            f"{f', {s.released} put back unsent (stopping)' if s.released else ''}; "
            f"{f'{self.deletions.summary()}; ' if self.deletions.enabled else ''}"
            f"{self.pruned} old message ids pruned"
            f"{f'; retention: {self.retention.summary()}' if self.retention else ''}"
        )


def _by_reason(reasons: dict[str, int]) -> str:
    """" (grace 1, merged 2)", by reason name; "" when there are none."""
    return f" ({', '.join(f'{name} {n}' for name, n in sorted(reasons.items()))})" if reasons else ""


def tick(store: Store, writers, sender: Sender, now: datetime, retention,
         deletions: TwilioDeletions | None = None,
         daily: Callable[[datetime], RetentionReport | None] | None = None) -> TickReport:
    """One tick: each writer (quit-date texts first, so the daily text can make way for
    them, then daily texts) writes its due rows; then the sender sends; then the texts
    done with are deleted from Twilio (bot.twilio_deletions); last, `daily`
    (bot.retention: counts and prunes at the first tick of a UTC day, None on the others),
    after the sending so it never delays a text. Each step runs even if an earlier one
    failed: a broken step is logged and reported, and the clock process lives on to try
    again next minute (the daily job stays due until it finishes)."""
    report = TickReport(now=now.isoformat())
    started = time.monotonic()
    for writer in writers:
        try:
            report.enqueue.add(writer.enqueue_due(now))
        except Exception as exc:  # noqa: BLE001
            log.exception("enqueue failed in %s", type(writer).__name__)
            report.errors.append(f"enqueue: {type(exc).__name__}")
    try:
        report.send = sender.send_due(now)
    except Exception as exc:  # noqa: BLE001
        log.exception("send failed")
        report.errors.append(f"send: {type(exc).__name__}")
    if deletions is not None:
        try:
            report.deletions = deletions.run_due(now)
        except Exception as exc:  # noqa: BLE001
            log.exception("deleting texts from Twilio failed")
            report.errors.append(f"twilio deletions: {type(exc).__name__}")
    try:
        with store.transaction() as tx:
            report.pruned = tx.prune_processed(now - retention)
    except Exception as exc:  # noqa: BLE001
        log.exception("prune failed")
        report.errors.append(f"prune: {type(exc).__name__}")
    if daily is not None:
        try:
            report.retention = daily(now)
        except Exception as exc:  # noqa: BLE001
            log.exception("retention failed")
            report.errors.append(f"retention: {type(exc).__name__}")
    try:
        record_tick(store, now, time.monotonic() - started, len(report.errors))
    except Exception as exc:  # noqa: BLE001
        log.exception("recording the tick failed")
        report.errors.append(f"tick record: {type(exc).__name__}")
    log.info("tick: %s", report.summary())
    return report


_TICKS = models.ClockTick.__table__
CLOCK = "clock"   # clock_ticks' one row


def record_tick(store: Store, at: datetime, seconds: float, errors: int) -> None:
    """Keep the last tick's time (UTC), duration and failed steps in clock_ticks' one row:
    the console shows them and warns when the clock has stopped (bot.console.delivery)."""
    values = {"at": at, "seconds": round(seconds, 3), "errors": errors}
    with store.transaction() as tx:
        if not tx.session.execute(update(_TICKS).where(_TICKS.c.name == CLOCK).values(**values)).rowcount:
            tx.session.execute(insert(_TICKS).values(name=CLOCK, **values))


# From SIGTERM to exit, at most. Heroku sends SIGKILL 30 s after SIGTERM. A Twilio request
# times out after 10 s (bot.transport), so one in flight at the signal is answered or timed
# out within the bound, and recorded, unless the database is also stuck.
SHUTDOWN_GRACE_SECONDS = 10
_POLL_SECONDS = 0.2           # how often the clock's main thread looks for a stop
_FORCED_EXIT_CODE = 0         # past the bound: stopped as asked, rows left to recovery


class Shutdown:
    """What SIGTERM and SIGINT do to `steady clock` and `steady tick`: `stop_sending` at
    once (Sender.stop: no new claim, no new request), then the tick in progress finishes:
    the requests already made are answered and recorded, rows claimed but not yet sent are
    put back `pending`, and the process exits 0, within `grace` seconds of the signal.
    Past the bound it exits anyway (exit_now); a row then still `sending` is marked
    `failed`/`interrupted` by the next clock and never sent twice, as after a SIGKILL.

    The handler runs in the main thread between two bytecodes, wherever that thread was,
    so it only sets flags (Events the main thread never waits on); the watchdog thread
    does the logging and enforces the bound.
    """

    def __init__(self, stop_sending: Callable[[], None], grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        self.grace = grace
        self.signal_name: str | None = None
        self._stop_sending = stop_sending
        self._signals = itertools.count()     # next() is atomic: only the first signal acts
        self._deadline: float | None = None
        self._requested = threading.Event()

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def remaining(self) -> float:
        """Seconds left before the bound (all of it before any signal)."""
        if self._deadline is None:
            return self.grace
        return max(0.0, self._deadline - time.monotonic())

    def install(self) -> None:
        """Handle SIGTERM and SIGINT (from the main thread only) and start the watchdog."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)
        threading.Thread(target=self._watch, name="steady-shutdown", daemon=True).start()

    def _handle(self, signum: int, _frame) -> None:
        if next(self._signals):     # a second signal: already stopping, within the same bound
            return
        self._deadline = time.monotonic() + self.grace
        self.signal_name = signal.Signals(signum).name
        self._stop_sending()
        self._requested.set()

    def _watch(self) -> None:
        self._requested.wait()
        log.info("%s: stopping: no new texts claimed; texts being sent finish (at most %g s)",
                 self.signal_name, self.grace)
        time.sleep(self.remaining())
        self.exit_now("still busy")

    def exit_now(self, why: str) -> None:
        """The bound is reached: log, flush, and end the process at once (os._exit: a
        thread stuck on the network would keep a normal exit waiting)."""
        log.warning("%s %g s after %s: exiting now; a text still being sent is recorded interrupted "
                    "by the next clock, never sent twice", why, self.grace, self.signal_name)
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_FORCED_EXIT_CODE)


def build_scheduler(run_tick, interval_seconds: int = 60):
    """A BackgroundScheduler (ticks in its worker thread) with one job: a tick every
    interval, one at a time, late ticks coalesced. A tick that raises is logged and the
    scheduler carries on."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone="UTC")

    def safe_tick() -> None:
        try:
            run_tick(utcnow())
        except Exception:  # noqa: BLE001 - the clock process must never die of one bad tick
            log.exception("tick failed")

    scheduler.add_job(
        safe_tick, "interval", seconds=interval_seconds, id="tick",
        max_instances=1, coalesce=True, misfire_grace_time=interval_seconds, next_run_time=utcnow(),
    )
    return scheduler


def run_clock(run_tick, interval_seconds: int = 60, shutdown: Shutdown | None = None) -> None:
    """Tick every interval (the Procfile's clock: process). Without `shutdown`, forever (a
    thread of `steady run`). With it (installed here, so from the main thread), until
    SIGTERM or SIGINT: then no new tick starts, the one running finishes within the
    bound (Shutdown), and run_clock returns."""
    ticking = threading.Lock()

    def one_tick(now: datetime) -> None:
        with ticking:
            if shutdown is None or not shutdown.requested:   # due as the signal came: not started
                run_tick(now)

    if shutdown is not None:
        shutdown.install()
    scheduler = build_scheduler(one_tick, interval_seconds)
    scheduler.start()
    log.info("clock started: one tick every %d s", interval_seconds)
    while shutdown is None or not shutdown.requested:
        time.sleep(_POLL_SECONDS if shutdown is not None else 3600)
    scheduler.shutdown(wait=False)
    if not ticking.acquire(timeout=shutdown.remaining()):
        shutdown.exit_now("a tick was still sending")
    ticking.release()
    log.info("clock stopped (%s), %.1f s before the bound", shutdown.signal_name, shutdown.remaining())
