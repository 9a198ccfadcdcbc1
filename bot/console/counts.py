"""The console's one reader of the daily aggregates: what bot.retention stored in
daily_counts, plus the days it has not counted yet, counted live from the detail with
the same queries (bot.retention.final_counts / outbox_counts), never stored here.

Today is never final: it is counted live on each request and the pages mark it "so far".
A finished day the clock's daily job has not counted yet (the job runs at the first tick
of a UTC day) is counted live the same way, so the pages never show a gap. Aggregates
only: no person, number, body or plan answer leaves this module.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot import models
from bot.retention import (COUNTED, FINAL_METRICS, FINISHED, OUTBOX_METRICS, _marks, _people_snapshot, _sandbox,
                           final_counts, outbox_counts, read_counts)
from bot.store import Store
from flows.retention_days import ONE_DAY, midnight

outbox = models.OutboxMessage.__table__

# How far back the quit-program retention looks before the range (its longest day: 30).
COHORT_DAYS = 30


@dataclass
class Window:
    """The counts of days first..last ((day, metric, key) -> n), and which were counted live."""

    first: date
    last: date
    counts: dict[tuple[date, str, str], int]
    live: set[date] = field(default_factory=set)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def window(store: Store, days: int, now: datetime, *, before: int = 0) -> Window:
    """The last `days` UTC days up to today (today so far), with `before` more days of
    counts ahead of them (read, not shown: the quit program's cohorts)."""
    today = now.date()
    first = today - timedelta(days=days - 1)
    with store.transaction() as tx:
        found = _marks(tx)
        counts = Counter(read_counts(tx, first - timedelta(days=before), today))
        final_from = _first_uncounted(found.get(COUNTED), first - timedelta(days=before))
        outbox_from = _first_uncounted(_outbox_counted(found.get(FINISHED)), first - timedelta(days=before))
        live: set[date] = set()
        if final_from <= today:
            _overwrite(counts, final_counts(tx, midnight(final_from), now), final_from, "final")
            live.update(final_from + timedelta(days=n) for n in range((today - final_from).days + 1))
        if outbox_from <= today:
            _overwrite(counts, outbox_counts(tx, midnight(outbox_from), midnight(today + ONE_DAY)), outbox_from,
                       "outbox")
            live.update(outbox_from + timedelta(days=n) for n in range((today - outbox_from).days + 1))
        if not any(key[0] == today and key[1] == "people" for key in counts):
            counts.update(_people_snapshot(tx, today))
    return Window(first, today, dict(counts), {d for d in live if d >= first})


def queue_depth(store: Store) -> dict[str, int]:
    """Outbox rows not yet settled, by status (pending, sending): the queue now."""
    with store.transaction() as tx:
        rows = tx.session.execute(
            select(outbox.c.status, func.count())
            .where(outbox.c.status.in_((models.PENDING, models.SENDING)), outbox.c.person_id.not_in(_sandbox(tx)))
            .group_by(outbox.c.status)).all()
    return {models.PENDING: 0, models.SENDING: 0} | {status: int(n) for status, n in rows}


def _first_uncounted(mark: datetime | None, floor: date) -> date:
    """The first day a mark (the last day counted) leaves uncounted, not before `floor`."""
    if mark is None:
        return floor
    return max(mark.date() + ONE_DAY, floor)


def _outbox_counted(finished: datetime | None) -> datetime | None:
    """The outbox is counted up to the day before the daily job last finished."""
    return None if finished is None else finished - ONE_DAY


def _overwrite(counts: Counter, live: Counter, start: date, group: str) -> None:
    """Put live counts in place of whatever was stored for those metrics from `start` on."""
    metrics = FINAL_METRICS if group == "final" else OUTBOX_METRICS
    for key in [key for key in counts if key[0] >= start and key[1] in metrics]:
        del counts[key]
    counts.update({key: n for key, n in live.items() if n})
