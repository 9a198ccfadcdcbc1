"""The console's one reader of the daily aggregates: what bot.retention stored in
daily_counts, plus the days it has not counted yet, counted live from the detail with
the same queries (bot.retention.final_counts / outbox_counts), never stored here.

Today is never final: it is counted live on each request and the pages mark it "so far".
A finished day the clock's daily job has not counted yet (the job runs at the first tick
of a UTC day) is counted live the same way, so the pages never show a gap. Aggregates
only: no person, number, body or plan answer leaves this module.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot import models
from bot.retention import (COUNTED, DETAIL_CUT, FINAL_METRICS, FINISHED, OUTBOX_CUT, OUTBOX_METRICS, _marks,
                           _people_snapshot, _sandbox, final_counts, outbox_counts, read_counts)
from bot.store import Store
from flows.retention_days import ONE_DAY, first_whole_day, midnight

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


# What each page reads: the Overview every final metric, the people snapshot and the
# outbox's sent count and quit-program days; Delivery the outbox metrics only.
OVERVIEW = (*FINAL_METRICS, "people", "outbox", "quit_day")
DELIVERY = ("outbox", "outbox_delivery", "outbox_reason", "outbox_error")


def window(store: Store, days: int, now: datetime, *, before: int = 0,
           metrics: Iterable[str] = OVERVIEW) -> Window:
    """The last `days` UTC days up to today (today so far) of `metrics`, with `before` more
    days of counts ahead of them (read, not shown: the quit program's cohorts). Only the
    groups asked for are counted live (the people snapshot is a scan of every person)."""
    metrics = tuple(metrics)
    today = now.date()
    first = today - timedelta(days=days - 1)
    start = first - timedelta(days=before)
    with store.transaction() as tx:
        found = _marks(tx)
        counts = Counter(read_counts(tx, first, today, metrics))
        if start < first:       # the days before: only what the quit program's cohorts need
            counts.update(read_counts(tx, start, first - ONE_DAY, [m for m in metrics if m == "quit_day"]))
        live: set[date] = set()
        if any(metric in FINAL_METRICS for metric in metrics):
            final_from = _first_uncounted(found.get(COUNTED), start, found.get(DETAIL_CUT))
            _overwrite(counts, final_counts(tx, midnight(final_from), now), final_from, FINAL_METRICS, metrics)
            live.update(_days(final_from, today))
        if any(metric in OUTBOX_METRICS for metric in metrics):
            outbox_from = _first_uncounted(_outbox_counted(found.get(FINISHED)), start, found.get(OUTBOX_CUT))
            # quit_day only for finished days (today's is never shown), and only if asked for.
            quit_until = midnight(today) if "quit_day" in metrics else midnight(outbox_from)
            _overwrite(counts, outbox_counts(tx, midnight(outbox_from), midnight(today + ONE_DAY), quit_until),
                       outbox_from, OUTBOX_METRICS, metrics)
            live.update(_days(outbox_from, today))
        if "people" in metrics and not any(key[0] == today and key[1] == "people" for key in counts):
            counts.update(_snapshot_now(store, tx, now))
    return Window(first, today, dict(counts), {d for d in live if d >= first})


# The live people snapshot (who is signed up for what now) scans every person: ~100 ms at
# 100,000 on SQLite. It is kept this long per store, so a page reloaded within a minute
# does not pay it again; it is a figure "now", and a minute old is still now enough.
SNAPSHOT_SECONDS = 60
_snapshots: "weakref.WeakKeyDictionary[Store, tuple[datetime, Counter]]" = weakref.WeakKeyDictionary()


def _snapshot_now(store: Store, tx, now: datetime) -> Counter:
    kept = _snapshots.get(store)
    if kept is not None and kept[0].date() == now.date() and 0 <= (now - kept[0]).total_seconds() < SNAPSHOT_SECONDS:
        return kept[1]
    found = _people_snapshot(tx, now.date())
    _snapshots[store] = (now, found)
    return found


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def queue_depth(store: Store) -> dict[str, int]:
    """Outbox rows not yet settled, by status (pending, sending): the queue now."""
    with store.transaction() as tx:
        rows = tx.session.execute(
            select(outbox.c.status, func.count())
            .where(outbox.c.status.in_((models.PENDING, models.SENDING)), outbox.c.person_id.not_in(_sandbox(tx)))
            .group_by(outbox.c.status)).all()
    return {models.PENDING: 0, models.SENDING: 0} | {status: int(n) for status, n in rows}


def _first_uncounted(mark: datetime | None, floor: date, cut: datetime | None) -> date:
    """The first day a mark (the last day counted) leaves uncounted, not before `floor`,
    nor before the first day a prune at `cut` left whole (a pruned day is never recounted)."""
    first = floor if mark is None else max(mark.date() + ONE_DAY, floor)
    whole = first_whole_day(cut)
    return first if whole is None else max(first, whole)


def _outbox_counted(finished: datetime | None) -> datetime | None:
    """The outbox is counted up to the day before the daily job last finished."""
    return None if finished is None else finished - ONE_DAY


def _overwrite(counts: Counter, live: Counter, start: date, group, wanted: tuple[str, ...]) -> None:
    """Put live counts in place of whatever was stored for that group's metrics from `start` on."""
    for key in [key for key in counts if key[0] >= start and key[1] in group]:
        del counts[key]
    counts.update({key: n for key, n in live.items() if n and key[1] in wanted})
