"""flows/retention_days.py: when the daily job is due, which days are whole and still to
count, and how far pruning may go."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flows.retention_days import chunks, days_to_count, due, first_whole_day, midnight, prune_cut


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_the_job_is_due_once_per_utc_day():
    assert due(None, utc(2026, 12, 7, 0, 0))
    assert not due(utc(2026, 12, 7, 0, 1), utc(2026, 12, 7, 23, 59))
    assert due(utc(2026, 12, 6, 23, 59), utc(2026, 12, 7, 0, 0))


def test_the_day_is_the_utc_day_whatever_the_offset_given():
    new_york = timezone(timedelta(hours=-5))
    # 20:00 in New York on the 6th is 01:00 UTC on the 7th: a new UTC day.
    assert due(utc(2026, 12, 6, 23, 0), datetime(2026, 12, 6, 20, 0, tzinfo=new_york))


def test_a_day_is_whole_only_if_it_starts_at_or_after_the_cut():
    assert first_whole_day(None) is None
    assert first_whole_day(utc(2026, 6, 10, 0, 0)) == date(2026, 6, 10)
    assert first_whole_day(utc(2026, 6, 10, 0, 0, 1)) == date(2026, 6, 11)


def test_days_to_count_are_the_finished_days_after_the_last_counted():
    today = date(2026, 12, 7)
    assert days_to_count(date(2026, 12, 4), None, None, today) == [date(2026, 12, 5), date(2026, 12, 6)]
    assert days_to_count(date(2026, 12, 6), None, None, today) == []
    assert days_to_count(None, date(2026, 12, 5), None, today) == [date(2026, 12, 5), date(2026, 12, 6)]
    assert days_to_count(None, None, None, today) == []


def test_a_pruned_day_is_never_counted_again():
    today = date(2026, 12, 7)
    assert days_to_count(None, date(2026, 12, 1), date(2026, 12, 5), today) == [date(2026, 12, 5), date(2026, 12, 6)]
    assert days_to_count(date(2026, 11, 1), None, date(2026, 12, 6), today) == [date(2026, 12, 6)]


def test_pruning_never_reaches_a_day_not_yet_counted():
    now = utc(2026, 12, 7, 0, 5)
    assert prune_cut(now, timedelta(days=180), date(2026, 12, 7)) == now - timedelta(days=180)
    assert prune_cut(now, timedelta(days=180), date(2026, 1, 1)) == midnight(date(2026, 1, 1))


def test_chunks_cover_every_day_in_order():
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(10)]
    assert chunks(days, 4) == [days[:4], days[4:8], days[8:]]
    assert chunks([], 4) == []
