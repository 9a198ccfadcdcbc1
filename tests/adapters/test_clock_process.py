"""The clock process itself: APScheduler ticking, surviving a failing tick, and the
claim being shared between senders with FOR UPDATE SKIP LOCKED on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from bot.clock import build_scheduler
from tests.adapters.test_clock import NY, fake, rows, utc, world  # noqa: F401 - fixtures


def test_the_clock_keeps_ticking_after_a_tick_raises():
    calls = []
    done = threading.Event()

    def flaky_tick(now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        if len(calls) >= 3:
            done.set()

    scheduler = build_scheduler(flaky_tick, interval_seconds=1)
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    try:
        assert done.wait(timeout=10), f"only {len(calls)} ticks"
    finally:
        scheduler.shutdown(wait=False)
        thread.join(timeout=5)
    assert all(c.tzinfo is not None and c.utcoffset() == timedelta(0) for c in calls)


def test_a_slow_tick_never_runs_twice_at_once():
    running = []
    overlap = []
    finished = threading.Event()

    def slow_tick(now):
        if running:
            overlap.append(now)
        running.append(now)
        time.sleep(1.5)
        running.pop()
        if len(overlap) or time.monotonic() - started > 3.5:
            finished.set()

    started = time.monotonic()
    scheduler = build_scheduler(slow_tick, interval_seconds=1)
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    try:
        finished.wait(timeout=10)
    finally:
        scheduler.shutdown(wait=True)
        thread.join(timeout=5)
    assert overlap == []


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
