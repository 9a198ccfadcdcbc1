"""Quit dates in plain words, read against the person's local today, and read back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows import gsm
from flows.content import DATE_SAMPLE
from flows.dates import check_range, describe, parse_date

MONDAY = date(2026, 11, 30)  # a Monday; December 7, 2026 is the Monday after


@pytest.mark.parametrize(
    "text, expected",
    [
        ("today", date(2026, 11, 30)),
        ("Tonight", date(2026, 11, 30)),
        ("tomorrow", date(2026, 12, 1)),
        ("Tomorrow!", date(2026, 12, 1)),
        ("tmrw", date(2026, 12, 1)),
        ("tomorow", date(2026, 12, 1)),
        ("the day after tomorrow", date(2026, 12, 2)),
        ("monday", date(2026, 12, 7)),           # said on a Monday: the next one
        ("MON", date(2026, 12, 7)),
        ("friday", date(2026, 12, 4)),
        ("next friday", date(2026, 12, 4)),
        ("this fri", date(2026, 12, 4)),
        ("on Sunday", date(2026, 12, 6)),
        ("tuesday", date(2026, 12, 1)),
        ("12/7", date(2026, 12, 7)),             # M/D, US style
        ("12-7", date(2026, 12, 7)),
        ("12/07/2026", date(2026, 12, 7)),
        ("12/7/26", date(2026, 12, 7)),
        ("2026-12-07", date(2026, 12, 7)),
        ("December 7", date(2026, 12, 7)),
        ("dec 7th", date(2026, 12, 7)),
        ("Dec. 7", date(2026, 12, 7)),
        ("december 7, 2026", date(2026, 12, 7)),
        ("7 December", date(2026, 12, 7)),
        ("the 7th of december", date(2026, 12, 7)),
        ("the 7th", date(2026, 12, 7)),
        ("on the 1st", date(2026, 12, 1)),
        ("the 30th", date(2026, 11, 30)),         # today is the 30th
        ("in 2 weeks", date(2026, 12, 14)),
        ("in two weeks", date(2026, 12, 14)),
        ("in 3 days", date(2026, 12, 3)),
        ("in a week", date(2026, 12, 7)),
        ("in a couple of days", date(2026, 12, 2)),
        ("10 days from now", date(2026, 12, 10)),
        ("a week from today", date(2026, 12, 7)),
        ("in a month", date(2026, 12, 30)),
        ("next week", date(2026, 12, 7)),
        ("maybe monday?", date(2026, 12, 7)),
        ("I'll stop on 12/7", date(2026, 12, 7)),
        ("monday 12/14", date(2026, 12, 14)),    # a written date beats a weekday
        ("11/20", date(2026, 11, 20)),           # 10 days gone: this year's, so the flow says "past"
        ("nov 1", date(2026, 11, 1)),            # 29 days gone: still this year's
        ("oct 30", date(2027, 10, 30)),          # 31 days gone: next year's
        ("2/29", date(2028, 2, 29)),             # waits for a leap year
        ("2025-12-07", date(2025, 12, 7)),       # an explicit year is kept, even in the past
    ],
)
def test_a_date_in_plain_words_is_read(text, expected):
    assert parse_date(text, MONDAY) == expected


@pytest.mark.parametrize(
    "text, today, expected",
    [
        ("jan 5", date(2026, 12, 20), date(2027, 1, 5)),
        ("1/5", date(2026, 12, 20), date(2027, 1, 5)),
        ("January 5th", date(2026, 12, 20), date(2027, 1, 5)),
        ("12/19", date(2026, 12, 20), date(2026, 12, 19)),
        ("the 3rd", date(2026, 12, 20), date(2027, 1, 3)),
        ("in 2 weeks", date(2026, 12, 20), date(2027, 1, 3)),
        ("friday", date(2026, 12, 31), date(2027, 1, 1)),
        ("in a month", date(2027, 1, 31), date(2027, 2, 28)),
        ("the 31st", date(2027, 2, 1), date(2027, 3, 31)),
    ],
)
def test_dates_wrap_into_the_next_year_and_month(text, today, expected):
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "soon", "whenever I can", "yes", "2", "13/7", "2/30", "12/32", "2026-02-30",
     "not now", "not today", "in 100000 days", "payday", "7:30"],
)
def test_no_date_or_an_impossible_one_is_none(text):
    assert parse_date(text, MONDAY) is None


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 12, 7), "Monday, December 7"),
        (date(2026, 9, 30), "Wednesday, September 30"),
        (date(2027, 1, 1), "Friday, January 1"),
    ],
)
def test_a_date_is_read_back_with_its_weekday(day, expected):
    assert describe(day) == expected


def test_no_date_reads_back_longer_than_the_sample_the_content_check_uses():
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(731)]
    longest = max(days, key=lambda d: len(describe(d)))
    assert len(describe(longest)) == len(DATE_SAMPLE)
    assert all(gsm.is_gsm7(describe(d)) for d in days)


@pytest.mark.parametrize(
    "offset, expected",
    [(-1, "past"), (-400, "past"), (0, None), (1, None), (60, None), (61, "far"), (365, "far")],
)
def test_a_date_in_the_past_or_over_60_days_on_is_flagged(offset, expected):
    assert check_range(MONDAY + timedelta(days=offset), MONDAY) == expected


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80), st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_any_text_gives_a_date_or_none_and_never_raises(text, today):
    found = parse_date(text, today)
    assert found is None or isinstance(found, date)
