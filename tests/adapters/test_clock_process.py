"""The clock process itself: the APScheduler job it builds (one tick a minute, one at a
time, late ticks coalesced, a failing tick logged and survived), and the claim being
shared between senders with FOR UPDATE SKIP LOCKED on PostgreSQL.

The job is checked as configured and its function called directly: what APScheduler does
with a job so configured is APScheduler's to test. Stopping the real process on SIGTERM
is tests/adapters/test_clock_shutdown.py."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import build_scheduler
from bot.timeutil import utcnow
from tests.adapters.test_clock import rows, utc


@pytest.mark.parametrize("interval", [60, 1])
def test_the_scheduler_ticks_every_interval_one_at_a_time_late_ticks_coalesced(interval):
    before = utcnow()
    scheduler = build_scheduler(lambda now: None, interval_seconds=interval)
    assert isinstance(scheduler, BackgroundScheduler) and not scheduler.running   # ticks in its own thread
    assert str(scheduler.timezone) == "UTC"
    (job,) = scheduler.get_jobs()
    assert job.id == "tick"
    assert isinstance(job.trigger, IntervalTrigger) and job.trigger.interval == timedelta(seconds=interval)
    assert str(job.trigger.timezone) == "UTC"
    assert job.max_instances == 1                     # a slow tick never runs twice at once
    assert job.coalesce is True                       # ticks missed meanwhile run once, not in a burst
    assert job.misfire_grace_time == interval         # a tick more than one interval late is dropped
    assert before <= job.next_run_time <= utcnow()    # the first tick at start, not an interval later


def test_the_clock_keeps_ticking_after_a_tick_raises(caplog):
    calls = []

    def flaky_tick(now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database went away")

    (job,) = build_scheduler(flaky_tick).get_jobs()
    with caplog.at_level(logging.ERROR, logger="bot.clock"):
        for _ in range(3):
            job.func()                                # as the scheduler's worker thread calls it
    assert len(calls) == 3
    assert all(c.tzinfo is not None and c.utcoffset() == timedelta(0) for c in calls)
    (failed,) = [r for r in caplog.records if r.name == "bot.clock"]
    assert failed.getMessage() == "tick failed" and failed.exc_info[0] is RuntimeError


@pytest.mark.db
def test_concurrent_senders_claim_disjoint_rows(world, database_url):
    for n in range(40):
        world.text(f"+1212555{n:04d}", "DAILY", utc(2026, 11, 24, 5, 0))
    now = utc(2026, 11, 24, 14, 0)
    world.daily.enqueue_due(now)
    claims: list[list[int]] = []
    barrier = threading.Barrier(4)

    def claimer():
        barrier.wait()
        mine = []
        while True:
            batch = world.outbox.claim(now, 3)
            if not batch:
                break
            mine.extend(row.id for row in batch)
        claims.append(mine)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    every = [row_id for mine in claims for row_id in mine]
    assert len(every) == 40 and len(set(every)) == 40
    assert all(r.status == "sending" for r in rows(world))
