"""Which days retention counts and when its daily job is due: pure date arithmetic on
UTC values the caller reads (bot/retention.py does the reading, counting and pruning).

A day is a UTC calendar day. Detail (message events, check-ins, outbox rows) is pruned
by a cut-off instant; a day is *whole* while none of its rows can have been pruned, that
is when it starts at or after the latest cut-off used. Only whole days are ever counted,
so a pruned day keeps its counts and is never overwritten with what little is left.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flows.quit_program import OFFSETS

ONE_DAY = timedelta(days=1)


def midnight(day: date) -> datetime:
    """The instant `day` starts, in UTC."""
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def due(last_finished: datetime | None, now: datetime) -> bool:
    """The daily job is due once per UTC day: at the first tick of a day it has not yet
    finished on (so yesterday is over and can be counted whole)."""
    return last_finished is None or last_finished.astimezone(timezone.utc).date() < now.astimezone(timezone.utc).date()


def first_whole_day(cut: datetime | None) -> date | None:
    """The first day none of whose rows a prune at `cut` (rows before it) can have touched;
    None when nothing was ever pruned (every day is whole)."""
    if cut is None:
        return None
    cut = cut.astimezone(timezone.utc)
    return cut.date() if cut == midnight(cut.date()) else cut.date() + ONE_DAY


def days_to_count(after: date | None, earliest: date | None, whole_from: date | None, today: date) -> list[date]:
    """The finished days (before `today`) still to count: those after `after` (the last day
    counted; None: none yet, so from `earliest`, the first day any detail exists), and
    never one before `whole_from` (pruned already)."""
    start = after + ONE_DAY if after is not None else earliest
    if start is None:
        return []
    if whole_from is not None and start < whole_from:
        start = whole_from
    return [start + ONE_DAY * n for n in range((today - start).days)] if start < today else []


def prune_cut(now: datetime, keep: timedelta, first_uncounted: date) -> datetime:
    """What may be pruned: rows older than `keep`, but never one of a day not yet counted
    (`first_uncounted` on), whatever its age."""
    return min(now - keep, midnight(first_uncounted))


def chunks(days: list[date], size: int) -> list[list[date]]:
    """Consecutive runs of at most `size` days (one transaction each, bounded)."""
    return [days[i:i + size] for i in range(0, len(days), size)]


def program_day(slot: str, quit_date: object) -> int | None:
    """Which quit-program day a quit-date text's slot (its local date, "2026-12-01") is
    for: its distance from `quit_date` (the plan's ISO date), or None when that is not one
    of the program's days (the date was changed since, or is unreadable)."""
    try:
        offset = (date.fromisoformat(slot) - date.fromisoformat(str(quit_date))).days
    except ValueError:
        return None
    return offset if offset in OFFSETS else None
