"""Quit-date texts and check-ins with a controlled clock, through the real outbox and the
real twilio library against the loopback fake, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot import models
from flows import quit_program
from flows.helpline import HELPLINE_NUMBER
from tests.adapters.test_clock import NY, rows, utc

pytestmark = pytest.mark.db

SIGNUP = utc(2026, 11, 24, 15, 0)           # 10:00 in New York
QUIT = date(2026, 12, 7)                     # a Monday


def make_plan(world, texts="YES", number=NY, when=SIGNUP):
    answers = ["PLAN", "December 7", "YES", "people I used with", "1", "my sister", "yes", texts]
    replies = [world.text(number, body, when + timedelta(seconds=i)) for i, body in enumerate(answers)]
    return replies


def days_sent(fake, number=NY):
    return [m for m in fake.messages if m["To"] == number]


def run_days(world, first: date, last: date, hour_utc: int = 14):
    day = first
    while day <= last:
        world.tick(datetime(day.year, day.month, day.day, hour_utc, 0, 30, tzinfo=timezone.utc))
        day += timedelta(days=1)


def test_making_a_plan_with_texts_records_consent_and_schedules_three_days_before(world):
    replies = make_plan(world)
    assert all(HELPLINE_NUMBER in r for a in replies for r in a.replies)
    with world.store.transaction() as tx:
        person = tx.find_person(NY, "sms")
        assert person.plan["quit_date"] == "2026-12-07" and person.plan["texts"] is True
        assert person.plan_next_at == utc(2026, 12, 4, 14, 0)    # 9:00 EST, 3 days before
        kinds = tx.session.execute(select(models.ConsentEvent.kind)).scalars().all()
        assert "plan_texts_on" in kinds


def test_texts_go_on_each_program_day_and_no_other(world, fake):
    make_plan(world)
    days = []             # the days a text went (the outbox keeps sent rows 14 days only: retention)
    day = date(2026, 11, 25)
    while day <= date(2027, 1, 10):
        before = len(days_sent(fake))
        run_days(world, day, day)
        days += [str(day)] * (len(days_sent(fake)) - before)
        day += timedelta(days=1)
    expected = [str(quit_program.date_for(QUIT, offset)) for offset in quit_program.OFFSETS]
    assert days == expected
    assert all(HELPLINE_NUMBER in m["Body"] for m in fake.messages)
    with world.store.transaction() as tx:
        assert tx.find_person(NY, "sms").plan_next_at is None     # the program is over


def test_no_texts_without_consent(world, fake):
    make_plan(world, texts="NO")
    run_days(world, date(2026, 11, 25), date(2026, 12, 20))
    assert fake.messages == []


def test_a_check_in_answer_gets_a_fitting_reply_and_is_stored_as_a_number(world, fake):
    make_plan(world)
    run_days(world, date(2026, 12, 4), date(2026, 12, 8))        # day 1 after quit is a check-in
    assert "Reply 1" in days_sent(fake)[-1]["Body"]
    answer = world.text(NY, "2", utc(2026, 12, 8, 16, 0))
    assert answer.intent == "checkin"
    assert "CRAVING" in answer.replies[0] and HELPLINE_NUMBER in answer.replies[0]
    high = None
    run_days(world, date(2026, 12, 9), date(2026, 12, 10))       # day 3 is a check-in
    high = world.text(NY, "5!", utc(2026, 12, 10, 16, 0))
    assert high.intent == "checkin"
    with world.store.transaction() as tx:
        scores = tx.session.execute(select(models.Checkin.score).order_by(models.Checkin.id)).scalars().all()
    assert scores == [2, 5]
    # With no check-in waiting, a bare number is just a number.
    assert world.text(NY, "4", utc(2026, 12, 10, 17, 0)).intent == "fallback"


def test_on_a_program_day_the_daily_text_is_merged_away(world, fake):
    world.text(NY, "DAILY", SIGNUP - timedelta(minutes=5))
    make_plan(world)
    run_days(world, date(2026, 12, 3), date(2026, 12, 9))
    per_day = Counter(r.slot for r in rows(world) if r.status == "sent")
    assert max(per_day.values()) == 1
    kinds = {r.slot: r.kind for r in rows(world) if r.status == "sent"}
    assert kinds["2026-12-04"] == "quit_date" and kinds["2026-12-05"] == "daily"
    assert kinds["2026-12-07"] == "quit_date" and kinds["2026-12-09"] == "quit_date"


def test_no_one_gets_more_than_two_scheduled_texts_in_a_day(world, fake):
    world.text(NY, "DAILY", SIGNUP - timedelta(minutes=5))
    make_plan(world)
    day = utc(2026, 12, 7, 13, 0)                                 # quit day, 8:00 EST
    for minutes in (0, 30, 90, 150, 300):                          # cravings all day long
        world.text(NY, "CRAVING", day + timedelta(minutes=minutes))
        world.tick(day + timedelta(minutes=minutes + 16))
        world.tick(day + timedelta(minutes=minutes + 45))
    assert len(days_sent(fake)) <= 2
    assert len(days_sent(fake)) == 2


def test_stop_in_the_middle_of_the_program_ends_it(world, fake):
    make_plan(world)
    run_days(world, date(2026, 12, 4), date(2026, 12, 7))
    sent_before = len(days_sent(fake))
    world.text(NY, "STOP", utc(2026, 12, 7, 16, 0))
    world.text(NY, "START", utc(2026, 12, 7, 16, 5))
    run_days(world, date(2026, 12, 8), date(2027, 1, 10))
    assert len(days_sent(fake)) == sent_before
    with world.store.transaction() as tx:
        person = tx.find_person(NY, "sms")
        assert person.plan["quit_date"] == "2026-12-07"            # the plan is theirs and stays
        assert person.plan_next_at is None


def test_a_new_quit_date_moves_the_texts(world, fake):
    make_plan(world)
    world.text(NY, "PLAN", SIGNUP + timedelta(minutes=5))
    world.text(NY, "1", SIGNUP + timedelta(minutes=6))              # change the date
    world.text(NY, "December 14", SIGNUP + timedelta(minutes=7))
    world.text(NY, "YES", SIGNUP + timedelta(minutes=8))
    with world.store.transaction() as tx:
        person = tx.find_person(NY, "sms")
        assert person.plan["quit_date"] == "2026-12-14"
        assert person.plan_next_at == utc(2026, 12, 11, 14, 0)


@pytest.mark.parametrize(
    ("up_until", "back_at", "slot"),
    [
        # Down over the "3 days before" day (Dec 4), back at 9:01 EST on the day before.
        (None, utc(2026, 12, 6, 14, 1), "2026-12-06"),
        # Down over the quit day (Dec 7), back at 9:01 EST on day 1 after it.
        (date(2026, 12, 6), utc(2026, 12, 8, 14, 1), "2026-12-08"),
    ],
)
def test_after_downtime_the_latest_missed_quit_date_slot_within_grace_is_sent(world, fake, up_until, back_at, slot):
    make_plan(world)
    if up_until:
        run_days(world, date(2026, 12, 4), up_until)
    before = {r.slot for r in rows(world, kind="quit_date")}
    report = world.tick(back_at)
    new = [r for r in rows(world, kind="quit_date") if r.slot not in before]
    assert [(r.slot, r.status) for r in new] == [(slot, "sent")]
    assert new[0].due_at == back_at - timedelta(minutes=1)
    assert report.enqueue.reasons == {}
    with world.store.transaction() as tx:     # the next one is planned for the day after
        next_day = tx.find_person(NY, "sms").plan_next_at
    assert schedule_day(next_day) > date.fromisoformat(slot)


def test_after_downtime_a_quit_date_slot_older_than_the_grace_period_is_skipped(world, fake):
    make_plan(world)
    report = world.tick(utc(2026, 12, 6, 16, 1))       # 2 h 1 min after 9:00 EST on the day before
    assert rows(world, kind="quit_date") == []
    assert report.enqueue.reasons == {"grace": 1}
    world.tick(utc(2026, 12, 7, 14, 0))                # the quit day goes as usual
    assert [r.slot for r in rows(world, kind="quit_date")] == ["2026-12-07"]


def test_a_quit_date_text_that_would_land_in_quiet_hours_is_not_written(world, fake):
    """Written only to be cancelled by the sender? The writer applies the sender's rule."""
    make_plan(world)
    world.text(NY, "TIME 8:30pm", SIGNUP + timedelta(minutes=5))
    report = world.tick(utc(2026, 12, 7, 2, 15))          # 21:15 EST on Dec 6: 45 min late, quiet hours
    assert [r.slot for r in rows(world, kind="quit_date")] == []
    assert report.enqueue.reasons == {"quiet_hours": 1}
    assert fake.messages == []
    world.tick(utc(2026, 12, 8, 1, 30))                    # 20:30 EST on the quit day goes as usual
    assert [(r.slot, r.status) for r in rows(world, kind="quit_date")] == [("2026-12-07", "sent")]


def schedule_day(instant):
    from flows.schedule import local_date_of

    return local_date_of(instant, "America/New_York")


def test_whatsapp_quit_date_texts_outside_the_window_are_skipped_and_their_check_in_is_not_awaited(world, fake):
    whatsapp = "whatsapp:" + NY
    make_plan(world, number=whatsapp)                 # Nov 24: more than 24 h before every program day
    run_days(world, date(2026, 12, 4), date(2026, 12, 8))          # Dec 8, day 1, is a check-in
    assert fake.messages == []
    kept = {r.slot: (r.status, r.delivery_status) for r in rows(world, kind="quit_date")}
    assert kept == {day: ("cancelled", "whatsapp_window")
                    for day in ("2026-12-04", "2026-12-06", "2026-12-07", "2026-12-08")}
    with world.store.transaction() as tx:
        assert tx.find_person(NY, "whatsapp").flow is None   # the check-in was never asked
    assert world.text(whatsapp, "4", utc(2026, 12, 8, 16, 0)).intent != "checkin"
    with world.store.transaction() as tx:
        assert tx.session.execute(select(models.Checkin)).first() is None
