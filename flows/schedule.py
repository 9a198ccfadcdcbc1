"""When the opt-in daily texts go out: quiet hours, the next slot, missed slots.

All pure: `now`/`after` are passed in as aware datetimes, results are UTC, and the
person's IANA zone is always named (the server's own zone is never used).

A *slot* is one local calendar day's send: the instant on that day whose wall-clock
time in the person's zone is their chosen time. Daylight saving:
- Spring forward (a gap, e.g. 2:30 AM on 8 March 2026 in New York does not exist):
  the slot is the first instant after the gap, i.e. the transition itself (3:00 AM
  EDT). Python's fold=0 would give 3:30 AM (the wall time read with the old offset);
  we send at 3:00 because it is the earliest real moment not before the wanted time.
- Fall back (an overlap, e.g. 1:30 AM on 1 November 2026 happens twice): the slot
  is the first occurrence (fold=0, EDT). The second occurrence is not a slot, so the
  text goes once.
With the default quiet hours (8 AM - 9 PM) neither case arises in the US; it matters
for zones that change clocks in daytime hours or at midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flows import defaults
from flows.zones import load_zone

_DAY = timedelta(days=1)
_SECONDS_PER_DAY = 24 * 60 * 60

ENCOURAGEMENT = "encouragement"
MINDFULNESS = "mindfulness"
KINDS = ("both", ENCOURAGEMENT, MINDFULNESS)


@dataclass(frozen=True)
class QuietHours:
    """The daily window in which scheduled texts may go out, both ends included.

    `start`..`end` is the *sending* window (8:00 AM to 9:00 PM by default); quiet
    hours are the rest of the day. 9:00 PM exactly is allowed, 9:01 PM is not. A
    window with start after end runs over midnight (e.g. 22:00..06:00).
    """

    start: time = defaults.SENDING_START
    end: time = defaults.SENDING_END

    def allows(self, t: time) -> bool:
        if self.start <= self.end:
            return self.start <= t <= self.end
        return t >= self.start or t <= self.end


# Why a scheduled text may not go (kept on a cancelled outbox row, counted in tick reports).
GRACE = "grace"                      # missed by more than the grace period (downtime)
QUIET_HOURS = "quiet_hours"          # it would land outside the person's sending hours


def refusal(due_at: datetime, at: datetime, zone: str, grace: timedelta, quiet: QuietHours | None) -> str | None:
    """The one rule on when a scheduled text may go out, read when a row is written and
    again when it is sent: not more than `grace` after it was due (after downtime a burst
    of stale texts helps no one), and not while the person's wall clock at `at` is in
    quiet hours (a late text must not wake anyone). The reason, or None."""
    if _utc(at, "at") - _utc(due_at, "due_at") > grace:
        return GRACE
    if quiet is not None:
        wall = at.astimezone(load_zone(zone)).time().replace(tzinfo=None)
        if not quiet.allows(wall):
            return QUIET_HOURS
    return None


def _seconds(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def nearest_allowed(t: time, quiet: QuietHours) -> time:
    """`t` if allowed, else the window edge nearest on a real clock (across midnight).

    23:00 -> 21:00 (2 h back), 6:00 -> 8:00 (2 h on), 1:00 -> 21:00 (4 h back, not
    7 h on), 3:00 -> 8:00 (5 h on, not 6 h back). A tie (2:30 with the defaults)
    goes to the start of the window: the morning text.
    """
    if quiet.allows(t):
        return t
    forward = (_seconds(quiet.start) - _seconds(t)) % _SECONDS_PER_DAY
    backward = (_seconds(t) - _seconds(quiet.end)) % _SECONDS_PER_DAY
    return quiet.start if forward <= backward else quiet.end


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got a naive one")
    return moment.astimezone(timezone.utc)


def _check_time(local_time: time) -> None:
    if local_time.tzinfo is not None:
        raise ValueError("local_time must be a naive wall-clock time")


def _slot(local_time: time, zone_name: str, day: date) -> datetime:
    """The UTC instant of the slot on local `day` (gap and overlap rules above)."""
    zone = load_zone(zone_name)
    wall = datetime.combine(day, local_time)
    first = wall.replace(tzinfo=zone, fold=0)
    as_utc = first.astimezone(timezone.utc)
    if as_utc.astimezone(zone).replace(tzinfo=None) == wall:
        return as_utc  # exists (once, or first of two)
    # In a gap: fold=1 reads the wall time with the new offset (an instant before
    # the transition), fold=0 with the old one (after it). Find the transition.
    lo = wall.replace(tzinfo=zone, fold=1).astimezone(timezone.utc)
    hi = as_utc
    if hi <= lo:
        raise ValueError(f"cannot place {local_time} on {day} in {zone_name}")
    after_offset = hi.astimezone(zone).utcoffset()
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp()) + 1
    while hi_s - lo_s > 1:  # invariant: lo_s before the transition, hi_s at or after
        mid = (lo_s + hi_s) // 2
        mid_dt = datetime.fromtimestamp(mid, timezone.utc)
        if mid_dt.astimezone(zone).utcoffset() == after_offset:
            hi_s = mid
        else:
            lo_s = mid
    return datetime.fromtimestamp(hi_s, timezone.utc)


def next_send_at(local_time: time, zone: str, after: datetime) -> datetime:
    """The first slot strictly after `after`, in UTC."""
    _check_time(local_time)
    after_utc = _utc(after, "after")
    day = local_date_of(after_utc, zone) - _DAY
    for _ in range(5):
        candidate = _slot(local_time, zone, day)
        if candidate > after_utc:
            return candidate
        day += _DAY
    raise ValueError(f"no slot for {local_time} in {zone} after {after_utc}")


def advance(local_time: time, zone: str, now: datetime) -> datetime:
    """The next slot to plan once the current one is sent or skipped."""
    return next_send_at(local_time, zone, now)


def slot_key(local_date: date) -> str:
    """The outbox key part for one day's slot: the local date, "2026-11-24"."""
    return local_date.isoformat()


def local_date_of(instant: datetime, zone: str) -> date:
    """The calendar date on the person's wall clock at `instant`."""
    return _utc(instant, "instant").astimezone(load_zone(zone)).date()


def _latest_slot_at_or_before(local_time: time, zone: str, moment: datetime) -> datetime:
    day = local_date_of(moment, zone) + _DAY
    for _ in range(5):
        candidate = _slot(local_time, zone, day)
        if candidate <= moment:
            return candidate
        day -= _DAY
    raise ValueError(f"no slot for {local_time} in {zone} before {moment}")


def latest_missed_slot(
    local_time: time,
    zone: str,
    last_planned: datetime,
    now: datetime,
    grace: timedelta,
    quiet: QuietHours | None = None,
) -> datetime | None:
    """After downtime, the one slot still worth sending now, or None.

    Slots from `last_planned` up to `now` were missed; only the latest may go out,
    and only if it is at most `grace` old (older ones are skipped, never sent in a
    burst). If `last_planned` is not on the grid (the time changed since it was
    planned) it still counts as a slot. None when `last_planned` is after `now`
    (nothing is due), and, if `quiet` is given, when the person's wall clock at
    `now` is in quiet hours (a late text must not wake anyone).
    The caller then plans `advance(local_time, zone, now)`.
    """
    _check_time(local_time)
    planned = _utc(last_planned, "last_planned")
    now_utc = _utc(now, "now")
    if planned > now_utc:
        return None
    latest = max(planned, _latest_slot_at_or_before(local_time, zone, now_utc))
    return None if refusal(latest, now_utc, zone, grace, quiet) else latest


def due_kind(cursor: int, kinds: str) -> str:
    """Which daily text comes next: "both" alternates, starting with encouragement."""
    if cursor < 0:
        raise ValueError(f"cursor must be >= 0, got {cursor}")
    if kinds == "both":
        return ENCOURAGEMENT if cursor % 2 == 0 else MINDFULNESS
    if kinds in (ENCOURAGEMENT, MINDFULNESS):
        return kinds
    raise ValueError(f"kinds must be one of {KINDS}, got {kinds!r}")
