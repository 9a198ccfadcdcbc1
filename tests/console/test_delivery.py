"""The Delivery page on each database: outcomes by day and by reason with the Twilio
code's meaning, the queue now, the clock's last tick, and the two banners (the clock
stopped for 5 minutes; a day's failures over 5% of its sends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from bot import clock, models
from bot.console.delivery import clock_status
from bot.retention import FINISHED, _set_mark
from tests.console.conftest import START

pytestmark = pytest.mark.db

TODAY = START.date()
counts = models.DailyCount.__table__
STALE = "The clock has not ticked"


def stored(store, rows) -> None:
    """Counts as the clock's daily job left them this morning (it counted up to yesterday)."""
    with store.transaction() as tx:
        tx.session.execute(insert(counts), [{"day": d, "metric": m, "key": k, "count": n} for d, m, k, n in rows])
        _set_mark(tx, FINISHED, START.replace(hour=0, minute=5))


def test_no_tick_recorded_shows_the_banner_and_a_fresh_tick_clears_it(console_app, console_client, console_clock):
    store = console_app.extensions["steady"].store
    html = console_client.get("/console/delivery").get_data(as_text=True)
    assert "The clock has never ticked" in html
    clock.record_tick(store, START - timedelta(minutes=1), 0.25, 0)
    html = console_client.get("/console/delivery").get_data(as_text=True)
    assert "never ticked" not in html and STALE not in html
    assert "2026-12-01 11:59:00" in html and "took 0.25 s" in html
    console_clock.move(minutes=5)       # 6 minutes since the tick
    html = console_client.get("/console/delivery").get_data(as_text=True)
    assert STALE + " for 6 minutes" in html


def test_outcomes_reasons_queue_and_the_failure_banner(console_app, console_client):
    store = console_app.extensions["steady"].store
    clock.record_tick(store, START, 0.1, 0)
    good, bad = TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    stored(store, [
        (good, "outbox", "sent", 100), (good, "outbox_delivery", "delivered", 98),
        (good, "outbox_delivery", "undelivered", 2), (good, "outbox_error", "30003", 2),
        (bad, "outbox", "sent", 90), (bad, "outbox", "failed", 10), (bad, "outbox", "cancelled", 4),
        (bad, "outbox_reason", "failed:30006", 10), (bad, "outbox_reason", "cancelled:quiet_hours", 4),
    ])
    html = console_client.get("/console/delivery?days=7").get_data(as_text=True)
    assert "Failures exceeded 5% of the day's sends on 1 day: " + bad.isoformat() + " (10.0%)" in html
    assert "Landline or unreachable carrier" in html and "<code>30006</code>" in html
    assert "Unreachable handset" in html
    assert "quiet hours" in html
    assert "0 scheduled texts waiting" in html
    assert STALE not in html


def test_clock_status_is_alive_within_five_minutes(console_app):
    store = console_app.extensions["steady"].store
    assert clock_status(store, START).at is None and not clock_status(store, START).alive
    clock.record_tick(store, START, 1.5, 1)
    clock.record_tick(store, START + timedelta(minutes=1), 0.5, 0)    # one row, replaced
    status = clock_status(store, START + timedelta(minutes=6))
    assert (status.at, status.seconds, status.errors) == (START + timedelta(minutes=1), 0.5, 0)
    assert status.alive
    assert not clock_status(store, START + timedelta(minutes=6, seconds=1)).alive
