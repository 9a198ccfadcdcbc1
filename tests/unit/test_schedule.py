from __future__ import annotations

import time as time_module
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.schedule import (
    QuietHours,
    advance,
    due_kind,
    latest_missed_slot,
    local_date_of,
    nearest_allowed,
    next_send_at,
    slot_key,
)

UTC = timezone.utc
NY = "America/New_York"
GRACE = timedelta(hours=2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def wall(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


# --- local-time sends in several zones -------------------------------------------

@pytest.mark.parametrize(
    "zone, after, expected",
    [
        # summer (daylight saving where it applies)
        ("America/New_York", utc(2026, 6, 15, 0), utc(2026, 6, 15, 13)),
        ("America/Chicago", utc(2026, 6, 15, 0), utc(2026, 6, 15, 14)),
        ("America/Denver", utc(2026, 6, 15, 0), utc(2026, 6, 15, 15)),
        ("America/Phoenix", utc(2026, 6, 15, 0), utc(2026, 6, 15, 16)),
        ("America/Los_Angeles", utc(2026, 6, 15, 0), utc(2026, 6, 15, 16)),
        ("America/Anchorage", utc(2026, 6, 15, 0), utc(2026, 6, 15, 17)),
        ("Pacific/Honolulu", utc(2026, 6, 15, 0), utc(2026, 6, 15, 19)),
        ("Europe/London", utc(2026, 6, 15, 0), utc(2026, 6, 15, 8)),
        # winter (standard time)
        ("America/New_York", utc(2026, 1, 15, 0), utc(2026, 1, 15, 14)),
        ("America/Chicago", utc(2026, 1, 15, 0), utc(2026, 1, 15, 15)),
        ("America/Denver", utc(2026, 1, 15, 0), utc(2026, 1, 15, 16)),
        ("America/Phoenix", utc(2026, 1, 15, 0), utc(2026, 1, 15, 16)),
        ("America/Los_Angeles", utc(2026, 1, 15, 0), utc(2026, 1, 15, 17)),
        ("America/Anchorage", utc(2026, 1, 15, 0), utc(2026, 1, 15, 18)),
        ("Pacific/Honolulu", utc(2026, 1, 15, 0), utc(2026, 1, 15, 19)),
        ("Europe/London", utc(2026, 1, 15, 0), utc(2026, 1, 15, 9)),
        # the local 9 AM has passed: tomorrow
        ("America/New_York", utc(2026, 6, 15, 13, 1), utc(2026, 6, 16, 13)),
        ("Pacific/Honolulu", utc(2026, 6, 15, 20), utc(2026, 6, 16, 19)),
        # UTC date already tomorrow, local date still today
        ("America/Los_Angeles", utc(2026, 6, 16, 2), utc(2026, 6, 16, 16)),
    ],
)
def test_next_send_at_is_9am_on_the_persons_wall_clock(zone, after, expected):
    result = next_send_at(time(9, 0), zone, after)
    assert result == expected
    assert result.tzinfo is UTC
    assert wall(result, zone).time() == time(9, 0)


@pytest.mark.parametrize(
    "zone, change_day, hours_between",
    [
        ("America/New_York", date(2026, 3, 8), 23),
        ("America/Chicago", date(2026, 3, 8), 23),
        ("America/Denver", date(2026, 3, 8), 23),
        ("America/Los_Angeles", date(2026, 3, 8), 23),
        ("America/Anchorage", date(2026, 3, 8), 23),
        ("America/Phoenix", date(2026, 3, 8), 24),
        ("Pacific/Honolulu", date(2026, 3, 8), 24),
        ("America/New_York", date(2026, 11, 1), 25),
        ("America/Chicago", date(2026, 11, 1), 25),
        ("America/Denver", date(2026, 11, 1), 25),
        ("America/Los_Angeles", date(2026, 11, 1), 25),
        ("America/Anchorage", date(2026, 11, 1), 25),
        ("America/Phoenix", date(2026, 11, 1), 24),
        ("Europe/London", date(2026, 3, 29), 23),
        ("Europe/London", date(2026, 10, 25), 25),
    ],
)
def test_daily_sends_keep_their_wall_time_across_a_daylight_saving_change(
    zone, change_day, hours_between
):
    before = datetime.combine(change_day - timedelta(days=1), time(9, 0), ZoneInfo(zone))
    first = next_send_at(time(9, 0), zone, before - timedelta(minutes=1))
    second = advance(time(9, 0), zone, first)
    third = advance(time(9, 0), zone, second)
    assert [wall(s, zone) for s in (first, second, third)] == [
        datetime.combine(change_day + timedelta(days=d), time(9, 0)) for d in (-1, 0, 1)
    ]
    assert second - first == timedelta(hours=hours_between)
    assert third - second == timedelta(hours=24)


@pytest.mark.parametrize(
    "local_time, expected",
    [
        (time(1, 59), utc(2026, 3, 8, 6, 59)),   # 1:59 AM EST, before the gap
        (time(2, 0), utc(2026, 3, 8, 7, 0)),     # in the gap: the transition, 3:00 AM EDT
        (time(2, 30), utc(2026, 3, 8, 7, 0)),
        (time(2, 59, 59), utc(2026, 3, 8, 7, 0)),
        (time(3, 0), utc(2026, 3, 8, 7, 0)),     # 3:00 AM EDT exists
        (time(3, 30), utc(2026, 3, 8, 7, 30)),
    ],
)
def test_a_time_in_the_spring_gap_sends_at_the_first_instant_after_it(local_time, expected):
    assert next_send_at(local_time, NY, utc(2026, 3, 8, 0)) == expected


def test_a_time_in_the_spring_gap_is_on_time_again_the_next_day():
    first = next_send_at(time(2, 30), NY, utc(2026, 3, 8, 0))
    assert next_send_at(time(2, 30), NY, first) == utc(2026, 3, 9, 6, 30)


def test_a_time_in_the_london_spring_gap_sends_when_the_clocks_reach_2am():
    result = next_send_at(time(1, 30), "Europe/London", utc(2026, 3, 29, 0, 0))
    assert result == utc(2026, 3, 29, 1, 0)
    assert wall(result, "Europe/London") == datetime(2026, 3, 29, 2, 0)


def test_a_time_in_a_midnight_gap_sends_when_the_clocks_jump():
    # Chile springs forward at local midnight: 0:30 does not exist on 6 September 2026.
    result = next_send_at(time(0, 30), "America/Santiago", utc(2026, 9, 6, 0))
    assert wall(result, "America/Santiago") == datetime(2026, 9, 6, 1, 0)


def test_an_ambiguous_fall_back_time_sends_at_its_first_occurrence():
    result = next_send_at(time(1, 30), NY, utc(2026, 11, 1, 0))
    assert result == utc(2026, 11, 1, 5, 30)  # 1:30 AM EDT, not 1:30 AM EST (6:30 UTC)


@pytest.mark.parametrize("after", [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 0),
                                   utc(2026, 11, 1, 6, 30)])
def test_an_ambiguous_fall_back_time_is_sent_only_once(after):
    assert next_send_at(time(1, 30), NY, after) == utc(2026, 11, 2, 6, 30)


def test_after_exactly_at_a_slot_gives_the_next_days_slot():
    slot = utc(2026, 11, 24, 14, 0)  # 9:00 AM EST
    assert next_send_at(time(9, 0), NY, slot) == utc(2026, 11, 25, 14, 0)


def test_after_just_before_a_slot_gives_that_slot():
    slot = utc(2026, 11, 24, 14, 0)
    assert next_send_at(time(9, 0), NY, slot - timedelta(microseconds=1)) == slot


def test_after_may_be_given_in_any_offset():
    after = datetime(2026, 11, 24, 8, 0, tzinfo=timezone(timedelta(hours=-6)))
    assert next_send_at(time(9, 0), NY, after) == next_send_at(
        time(9, 0), NY, after.astimezone(UTC)
    )


def test_advance_is_next_send_at_from_now():
    now = utc(2026, 11, 24, 14, 3)
    assert advance(time(9, 0), NY, now) == next_send_at(time(9, 0), NY, now)
    assert advance(time(9, 0), NY, now) == utc(2026, 11, 25, 14, 0)


@pytest.fixture
def server_in_tokyo(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time_module.tzset()
    yield
    monkeypatch.undo()
    time_module.tzset()


def test_the_servers_own_time_zone_changes_nothing(server_in_tokyo):
    assert next_send_at(time(9, 0), NY, utc(2026, 11, 24, 0)) == utc(2026, 11, 24, 14)
    assert local_date_of(utc(2026, 11, 25, 3), "America/Los_Angeles") == date(2026, 11, 24)


@pytest.mark.parametrize(
    "call",
    [
        lambda: next_send_at(time(9, 0), NY, datetime(2026, 1, 1)),
        lambda: next_send_at(time(9, 0, tzinfo=UTC), NY, utc(2026, 1, 1)),
        lambda: next_send_at(time(9, 0), "Nowhere/Special", utc(2026, 1, 1)),
        lambda: next_send_at(time(9, 0), "localtime", utc(2026, 1, 1)),
        lambda: local_date_of(datetime(2026, 1, 1), NY),
        lambda: latest_missed_slot(time(9, 0), NY, datetime(2026, 1, 1), utc(2026, 1, 1), GRACE),
        lambda: latest_missed_slot(time(9, 0), NY, utc(2026, 1, 1), datetime(2026, 1, 1), GRACE),
    ],
)
def test_naive_datetimes_and_unknown_zones_are_refused(call):
    with pytest.raises(ValueError):
        call()


# --- quiet hours -----------------------------------------------------------------

@pytest.mark.parametrize(
    "t, allowed",
    [
        (time(0, 0), False),
        (time(3, 0), False),
        (time(7, 59), False),
        (time(7, 59, 59), False),
        (time(8, 0), True),
        (time(12, 0), True),
        (time(20, 59), True),
        (time(21, 0), True),
        (time(21, 0, 1), False),
        (time(21, 1), False),
        (time(23, 59), False),
    ],
)
def test_default_quiet_hours_allow_8am_to_9pm_inclusive(t, allowed):
    assert QuietHours().allows(t) is allowed


@pytest.mark.parametrize(
    "t, allowed",
    [(time(21, 59), False), (time(22, 0), True), (time(23, 30), True), (time(0, 0), True),
     (time(6, 0), True), (time(6, 1), False), (time(12, 0), False)],
)
def test_a_window_that_runs_over_midnight_allows_the_night(t, allowed):
    assert QuietHours(start=time(22, 0), end=time(6, 0)).allows(t) is allowed


def test_quiet_hours_are_frozen():
    with pytest.raises(AttributeError):
        QuietHours().start = time(7, 0)  # type: ignore[misc]


@pytest.mark.parametrize(
    "t, expected",
    [
        (time(9, 0), time(9, 0)),
        (time(8, 0), time(8, 0)),
        (time(21, 0), time(21, 0)),
        (time(21, 30), time(21, 0)),
        (time(23, 0), time(21, 0)),
        (time(23, 59), time(21, 0)),
        (time(0, 0), time(21, 0)),
        (time(1, 0), time(21, 0)),
        (time(2, 29), time(21, 0)),
        (time(2, 30), time(8, 0)),   # a tie (5.5 h either way) goes to the morning
        (time(3, 0), time(8, 0)),
        (time(6, 0), time(8, 0)),
        (time(7, 59), time(8, 0)),
    ],
)
def test_nearest_allowed_moves_a_quiet_time_to_the_nearer_window_edge(t, expected):
    assert nearest_allowed(t, QuietHours()) == expected


@pytest.mark.parametrize(
    "window, t, expected",
    [
        ((time(7, 0), time(10, 0)), time(12, 0), time(10, 0)),
        ((time(7, 0), time(10, 0)), time(7, 0), time(7, 0)),
        ((time(7, 0), time(10, 0)), time(20, 0), time(10, 0)),  # 10 h back beats 11 h on
        ((time(7, 0), time(10, 0)), time(21, 0), time(7, 0)),   # 10 h on beats 11 h back
        ((time(19, 0), time(23, 0)), time(17, 0), time(19, 0)),
        ((time(19, 0), time(23, 0)), time(1, 0), time(23, 0)),   # back across midnight
        ((time(22, 0), time(6, 0)), time(12, 0), time(6, 0)),    # a window over midnight
        ((time(22, 0), time(6, 0)), time(15, 0), time(22, 0)),
    ],
)
def test_nearest_allowed_works_for_other_windows(window, t, expected):
    assert nearest_allowed(t, QuietHours(*window)) == expected


# --- slots -----------------------------------------------------------------------

def test_slot_key_is_the_iso_local_date():
    assert slot_key(date(2026, 11, 24)) == "2026-11-24"
    assert slot_key(date(2027, 1, 2)) == "2027-01-02"


@pytest.mark.parametrize(
    "instant, zone, expected",
    [
        (utc(2026, 11, 25, 3, 0), "America/Los_Angeles", date(2026, 11, 24)),
        (utc(2026, 11, 25, 3, 0), "Europe/London", date(2026, 11, 25)),
        (utc(2026, 11, 25, 9, 59), "Pacific/Honolulu", date(2026, 11, 24)),
        (utc(2026, 11, 25, 10, 0), "Pacific/Honolulu", date(2026, 11, 25)),
        (utc(2026, 11, 1, 5, 30), NY, date(2026, 11, 1)),
    ],
)
def test_local_date_of_is_the_date_on_the_persons_wall_clock(instant, zone, expected):
    assert local_date_of(instant, zone) == expected


# --- missed slots after downtime ---------------------------------------------------

PLANNED = utc(2026, 11, 24, 14, 0)  # 9:00 AM EST, Tuesday


@pytest.mark.parametrize(
    "downtime, expected",
    [
        (timedelta(0), PLANNED),
        (timedelta(minutes=5), PLANNED),
        (timedelta(hours=1, minutes=59), PLANNED),
        (timedelta(hours=2), PLANNED),                   # grace is inclusive
        (timedelta(hours=2, minutes=1), None),
        (timedelta(hours=23, minutes=59), None),
        (timedelta(days=1), utc(2026, 11, 25, 14, 0)),   # a new slot just came due
        (timedelta(days=3), utc(2026, 11, 27, 14, 0)),
        (timedelta(days=3, minutes=5), utc(2026, 11, 27, 14, 0)),  # only the latest
        (timedelta(days=3, hours=1, minutes=59), utc(2026, 11, 27, 14, 0)),
        (timedelta(days=3, hours=2, minutes=1), None),
        (timedelta(days=3, hours=3), None),
    ],
)
def test_latest_missed_slot_sends_only_a_recent_latest_slot(downtime, expected):
    assert latest_missed_slot(time(9, 0), NY, PLANNED, PLANNED + downtime, GRACE) == expected


def test_latest_missed_slot_is_none_when_nothing_is_due_yet():
    assert latest_missed_slot(time(9, 0), NY, PLANNED, PLANNED - timedelta(seconds=1), GRACE) is None


def test_latest_missed_slot_counts_the_planned_instant_even_off_the_grid():
    planned = utc(2026, 11, 24, 15, 0)  # planned for 10 AM before the person moved to 9 AM
    now = planned + timedelta(minutes=10)
    assert latest_missed_slot(time(9, 0), NY, planned, now, GRACE) == planned


def test_latest_missed_slot_follows_the_wall_clock_across_fall_back():
    planned = utc(2026, 10, 30, 13, 0)   # Friday 9:00 AM EDT
    now = utc(2026, 11, 2, 14, 5)        # Monday 9:05 AM EST
    assert latest_missed_slot(time(9, 0), NY, planned, now, GRACE) == utc(2026, 11, 2, 14, 0)


def test_a_late_send_in_quiet_hours_is_skipped_when_quiet_hours_are_given():
    planned = utc(2026, 11, 25, 1, 30)   # 8:30 PM EST on the 24th
    now = planned + timedelta(hours=1)   # 9:30 PM EST: inside the grace, but quiet
    assert latest_missed_slot(time(20, 30), NY, planned, now, GRACE) == planned
    assert latest_missed_slot(time(20, 30), NY, planned, now, GRACE, QuietHours()) is None
    early = planned + timedelta(minutes=20)  # 8:50 PM: still allowed
    assert latest_missed_slot(time(20, 30), NY, planned, early, GRACE, QuietHours()) == planned


# --- which kind of text ----------------------------------------------------------

@pytest.mark.parametrize(
    "cursor, kinds, expected",
    [
        (0, "both", "encouragement"),
        (1, "both", "mindfulness"),
        (2, "both", "encouragement"),
        (7, "both", "mindfulness"),
        (0, "mindfulness", "mindfulness"),
        (1, "mindfulness", "mindfulness"),
        (0, "encouragement", "encouragement"),
        (5, "encouragement", "encouragement"),
    ],
)
def test_due_kind_alternates_for_both_and_otherwise_keeps_the_one_kind(cursor, kinds, expected):
    assert due_kind(cursor, kinds) == expected


@pytest.mark.parametrize("cursor, kinds", [(0, "nonsense"), (0, ""), (-1, "both")])
def test_due_kind_refuses_unknown_kinds_and_negative_cursors(cursor, kinds):
    with pytest.raises(ValueError):
        due_kind(cursor, kinds)


# --- properties ------------------------------------------------------------------

ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "Europe/London",
    "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "Europe/Berlin",
    "America/St_Johns", "Pacific/Chatham",
]

afters = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
# Whole seconds, as stored send times are; include times near transitions often.
local_times = st.one_of(
    st.times().map(lambda t: t.replace(microsecond=0, fold=0)),
    st.sampled_from([time(0, 0), time(0, 30), time(1, 0), time(1, 30), time(2, 0),
                     time(2, 30), time(3, 0), time(23, 30)]),
)


def _exists(day: date, t: time, zone: str) -> bool:
    aware = datetime.combine(day, t, ZoneInfo(zone))
    return wall(aware.astimezone(UTC), zone) == datetime.combine(day, t)


def _check_next_send_at(local_time: time, zone: str, after: datetime) -> None:
    """The property: later than `after`, at the wanted wall time (or the end of its gap), first."""
    result = next_send_at(local_time, zone, after)
    assert result > after
    assert result.tzinfo is UTC
    assert result - after <= timedelta(hours=25)
    on_wall = wall(result, zone)
    if on_wall.time() != local_time:
        # only in a gap: the wanted time does not exist that day, and we send at the
        # transition (one second earlier the clock still showed a time before it)
        day = on_wall.date()
        assert not _exists(day, local_time, zone)
        before = result - timedelta(seconds=1)
        assert before.astimezone(ZoneInfo(zone)).utcoffset() != result.astimezone(
            ZoneInfo(zone)).utcoffset()
        # full wall datetimes: a midnight gap starts on the day before (23:59:59)
        assert wall(before, zone) < datetime.combine(day, local_time) < on_wall
    else:
        # when the wall time happens twice (fall back), this is the first time
        second = datetime.combine(on_wall.date(), local_time, ZoneInfo(zone))
        assert result <= second.replace(fold=1).astimezone(UTC)
    # once a day: the following slot is on a later local date
    following = next_send_at(local_time, zone, result)
    assert local_date_of(following, zone) > on_wall.date()
    # nothing earlier qualifies: asking from just before the result gives the result
    assert next_send_at(local_time, zone, result - timedelta(microseconds=1)) == result


@settings(max_examples=400, deadline=None)
@given(local_time=local_times, zone=st.sampled_from(ZONES), after=afters)
def test_next_send_at_is_the_first_later_instant_at_the_wanted_wall_time(local_time, zone, after):
    _check_next_send_at(local_time, zone, after)


@settings(max_examples=200, deadline=None)
@given(
    local_time=local_times,
    zone=st.sampled_from(ZONES),
    planned_after=afters,
    downtime=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
)
def test_latest_missed_slot_is_recent_and_never_before_the_plan(
    local_time, zone, planned_after, downtime
):
    planned = next_send_at(local_time, zone, planned_after)
    now = planned + downtime
    result = latest_missed_slot(local_time, zone, planned, now, GRACE)
    if result is None:
        assert now - planned > GRACE
    else:
        assert planned <= result <= now
        assert now - result <= GRACE
        # it is the latest: the next slot after it is still in the future
        assert next_send_at(local_time, zone, result) > now


def _transitions(zone: str, first_year: int, last_year: int) -> list[datetime]:
    """Every UTC instant the zone's offset changes in the years given (to the hour)."""
    tz = ZoneInfo(zone)
    found = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(tz).utcoffset()
    while moment < end:
        step = moment + timedelta(hours=6)
        if step.astimezone(tz).utcoffset() != offset:
            hour = moment
            while hour.astimezone(tz).utcoffset() == offset:
                hour += timedelta(minutes=15)
            found.append(hour)
            offset = hour.astimezone(tz).utcoffset()
        moment = step
    return found


TRANSITIONS = [(zone, t) for zone in ZONES for t in _transitions(zone, 2025, 2027)]


def test_the_transition_table_holds_the_us_2026_changes():
    assert ("America/New_York", utc(2026, 3, 8, 7)) in TRANSITIONS
    assert ("America/New_York", utc(2026, 11, 1, 6)) in TRANSITIONS


@settings(max_examples=400, deadline=None)
@given(
    local_time=local_times,
    change=st.sampled_from(TRANSITIONS),
    lead=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=30)),
)
def test_next_send_at_holds_its_rules_next_to_clock_changes(local_time, change, lead):
    zone, instant = change
    _check_next_send_at(local_time, zone, instant - lead)


def test_one_rule_refuses_a_text_too_late_or_in_quiet_hours():
    from flows.schedule import GRACE as LATE, QUIET_HOURS, refusal
    quiet = QuietHours()
    due = utc(2026, 11, 24, 14, 0)                                    # 9:00 in New York
    assert refusal(due, due, NY, GRACE, quiet) is None
    assert refusal(due, due + GRACE, NY, GRACE, quiet) is None        # the grace period, inclusive
    assert refusal(due, due + GRACE + timedelta(seconds=1), NY, GRACE, quiet) == LATE
    late_evening = utc(2026, 11, 25, 2, 30)                            # 21:30 in New York
    assert refusal(late_evening, late_evening, NY, GRACE, quiet) == QUIET_HOURS
    assert refusal(late_evening, late_evening, NY, GRACE, None) is None
    with pytest.raises(ValueError):
        refusal(datetime(2026, 11, 24, 14, 0), due, NY, GRACE, quiet)
