"""The delivery page (/console/delivery): scheduled texts' outcomes by day (sent,
delivered, failed, cancelled) and by reason (ours, or Twilio's error code with its
meaning), the queue now, and the clock's last tick. Banners: the clock has not ticked for
5 minutes, or a day's failures exceed 5% of its sends. Owned by console-data.

`clock_status(store, now)` is also the settings page's "the clock is alive" check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template, request
from sqlalchemy import select

from bot import models
from bot.clock import CLOCK
from bot.console import bp, charts, counts, figures
from bot.console.auth import now, staff_required
from bot.store import Store

_TICKS = models.ClockTick.__table__


@dataclass(frozen=True)
class ClockStatus:
    """The clock's last tick as recorded (bot.clock.record_tick), judged at `now`."""

    at: datetime | None       # UTC; None: no tick ever recorded
    seconds: float | None     # how long it took
    errors: int               # steps that failed in it
    age_seconds: float | None

    @property
    def alive(self) -> bool:
        """Ticked within CLOCK_STALE_SECONDS (5 minutes)."""
        return self.age_seconds is not None and self.age_seconds <= figures.CLOCK_STALE_SECONDS


def clock_status(store: Store, now: datetime) -> ClockStatus:
    """When the clock last ticked, how long it took, and whether that is recent enough."""
    with store.transaction() as tx:
        row = tx.session.execute(
            select(_TICKS.c.at, _TICKS.c.seconds, _TICKS.c.errors).where(_TICKS.c.name == CLOCK)).first()
    if row is None:
        return ClockStatus(None, None, 0, None)
    return ClockStatus(row.at, row.seconds, row.errors, (now - row.at).total_seconds())


@bp.route("/delivery")
@staff_required
def delivery():
    steady = current_app.extensions["steady"]
    days = figures.choose_range(request.args.get("days"))
    at = now()
    found = counts.window(steady.store, days, at, metrics=counts.DELIVERY)
    rows = figures.delivery_rows(found.counts, found.days, at.date())
    labels = [row.day.strftime("%b %d") for row in rows]
    shown = ("delivered", "undelivered", "failed", "cancelled")
    names = dict((name, label) for name, label, _ in figures.DELIVERY_COLUMNS)
    series = [("Sent, no receipt yet", [row.values["sent"] - row.values["delivered"] - row.values["undelivered"]
                                         for row in rows])]
    series += [(names[name], [row.values[name] for row in rows]) for name in shown]
    svg = charts.bars("Scheduled texts by outcome", labels, series, chart_id="outcomes",
                      desc=f"Scheduled texts by outcome, per day, {labels[0]} to {labels[-1]}")
    return render_template(
        "console/delivery.html", days=days, ranges=figures.RANGES, rows=rows, svg=svg,
        columns=[(name, label) for name, label, _ in figures.DELIVERY_COLUMNS],
        shares={row.day: figures.failure_share(row) for row in rows}, failing=figures.failing_days(rows),
        reasons=figures.reasons(found.counts, found.days), codes=sorted(figures.TWILIO_ERRORS.items()),
        queue=counts.queue_depth(steady.store), clock=clock_status(steady.store, at), now=at,
        share_limit=round(figures.FAILURE_SHARE * 100), stale_minutes=figures.CLOCK_STALE_SECONDS // 60)
