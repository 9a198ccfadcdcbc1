"""The clock process: one tick a minute (APScheduler BlockingScheduler), never inside
gunicorn workers. A tick writes due daily rows, sends what is due, and tidies up.
`steady tick --now` runs exactly one tick, for cron-style platforms and tests."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime

from bot.daily import EnqueueReport
from bot.outbox import Outbox, SendReport
from bot.store import Store
from bot.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    now: str
    enqueue: EnqueueReport = field(default_factory=EnqueueReport)
    send: SendReport = field(default_factory=SendReport)
    pruned: int = 0
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
            f"{_by_reason(s.reasons)}, {s.interrupted} interrupted; {self.pruned} old message ids pruned"
        )


def _by_reason(reasons: dict[str, int]) -> str:
    """" (grace 1, merged 2)", by reason name; "" when there are none."""
    return f" ({', '.join(f'{name} {n}' for name, n in sorted(reasons.items()))})" if reasons else ""


def tick(store: Store, writers, outbox: Outbox, now: datetime, retention) -> TickReport:
    """One tick: each writer (quit-date texts first, so the daily text can make way for
    them, then daily texts) writes its due rows; then the outbox sends. Each step runs
    even if an earlier one failed: a broken step is logged and reported, and the clock
    process lives on to try again next minute."""
    report = TickReport(now=now.isoformat())
    for writer in writers:
        try:
            report.enqueue.add(writer.enqueue_due(now))
        except Exception as exc:  # noqa: BLE001
            log.exception("enqueue failed in %s", type(writer).__name__)
            report.errors.append(f"enqueue: {type(exc).__name__}")
    try:
        report.send = outbox.send_due(now)
    except Exception as exc:  # noqa: BLE001
        log.exception("send failed")
        report.errors.append(f"send: {type(exc).__name__}")
    try:
        with store.transaction() as tx:
            report.pruned = tx.prune_processed(now - retention)
    except Exception as exc:  # noqa: BLE001
        log.exception("prune failed")
        report.errors.append(f"prune: {type(exc).__name__}")
    log.info("tick: %s", report.summary())
    return report


def build_scheduler(run_tick, interval_seconds: int = 60):
    """A BlockingScheduler with one job: a tick every interval, one at a time, late ticks
    coalesced. A tick that raises is logged and the scheduler carries on."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")

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


def run_clock(run_tick, interval_seconds: int = 60) -> None:
    """Block forever, ticking every interval (the Procfile's clock: process)."""
    scheduler = build_scheduler(run_tick, interval_seconds)
    log.info("clock started: one tick every %d s", interval_seconds)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("clock stopped")
