"""The console's counts on SQLite and PostgreSQL: plans saved and quit-program days are
counted per day (never an answer), and the console's window reads stored days and counts
the days not yet counted live, without storing them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select

from bot import models
from bot.console import counts as console_counts
from bot.retention import COUNTED, FINISHED, _set_mark, count_final_days, count_outbox_days, read_counts

pytestmark = pytest.mark.db

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
DAY = timedelta(days=1)
outbox = models.OutboxMessage.__table__
daily_counts = models.DailyCount.__table__


def person(store, number: str, plan=None) -> int:
    with store.transaction() as tx:
        row = tx.person(number, "sms", timezone="America/New_York", now=NOW - 40 * DAY)
        row.plan = plan
        tx.session.flush()
        return row.id


def sent(person_id: int, slot: date, due: datetime, kind: str = "quit_date") -> dict:
    return {"person_id": person_id, "kind": kind, "slot": slot.isoformat(), "body": "text", "status": "sent",
            "due_at": due, "next_attempt_at": due, "attempts": 1, "created_at": due, "sent_at": due}


def test_plans_are_counted_by_day_and_kind(store):
    someone = person(store, "+15555550101")
    with store.transaction() as tx:
        tx.record_plan(someone, "made", NOW - 2 * DAY)
        tx.record_plan(someone, "changed", NOW - 2 * DAY + timedelta(hours=1))
        tx.record_plan(someone, "changed", NOW - DAY)
        count_final_days(tx, [TODAY - 2 * DAY, TODAY - DAY])
        found = read_counts(tx, TODAY - 2 * DAY, TODAY - DAY)
    assert found[(TODAY - 2 * DAY, "plans", "made")] == 1
    assert found[(TODAY - 2 * DAY, "plans", "changed")] == 1
    assert found[(TODAY - DAY, "plans", "changed")] == 1


def test_quit_date_texts_are_counted_by_program_day(store):
    quit_day = TODAY - 10 * DAY
    one = person(store, "+15555550102", {"quit_date": quit_day.isoformat(), "texts": True, "triggers": "x"})
    other = person(store, "+15555550103", {"quit_date": "not a date", "texts": True})
    rows = [sent(one, quit_day, NOW - 10 * DAY), sent(one, quit_day + 7 * DAY, NOW - 3 * DAY),
            sent(other, quit_day, NOW - 10 * DAY), sent(one, quit_day, NOW - 10 * DAY, kind="daily")]
    rows[2]["slot"] = (quit_day - DAY).isoformat()
    with store.transaction() as tx:
        tx.session.execute(insert(outbox), rows)
        days = [TODAY - 10 * DAY + n * DAY for n in range(10)]
        count_outbox_days(tx, days)
        found = read_counts(tx, days[0], days[-1])
    quit_counts = {(d, k): n for (d, m, k), n in found.items() if m == "quit_day"}
    assert quit_counts == {(TODAY - 10 * DAY, "0"): 1, (TODAY - 3 * DAY, "7"): 1}


def test_the_window_reads_stored_days_and_counts_the_rest_live(store):
    someone = person(store, "+15555550104")
    with store.transaction() as tx:
        tx.session.execute(insert(daily_counts), [
            {"day": TODAY - 3 * DAY, "metric": "texts_in", "key": "slip", "count": 5},
            {"day": TODAY - 2 * DAY, "metric": "texts_in", "key": "slip", "count": 99},   # not yet counted: ignored
        ])
        _set_mark(tx, COUNTED, datetime.combine(TODAY - 3 * DAY, datetime.min.time(), tzinfo=timezone.utc))
        _set_mark(tx, FINISHED, NOW - 2 * DAY)
        tx.record_turn(tx.session.get(models.Person, someone), "slip", 1, NOW - 2 * DAY)
        tx.record_turn(tx.session.get(models.Person, someone), "slip", 1, NOW - timedelta(hours=1))
        tx.session.execute(insert(outbox), [sent(someone, TODAY, NOW - timedelta(hours=2), kind="daily")])
    found = console_counts.window(store, 7, NOW)
    assert found.first == TODAY - 6 * DAY and found.last == TODAY
    assert found.live == {TODAY - 2 * DAY, TODAY - DAY, TODAY}
    assert found.counts[(TODAY - 3 * DAY, "texts_in", "slip")] == 5
    assert found.counts[(TODAY - 2 * DAY, "texts_in", "slip")] == 1
    assert found.counts[(TODAY, "texts_in", "slip")] == 1
    assert found.counts[(TODAY, "outbox", "sent")] == 1
    assert found.counts[(TODAY, "people", "total")] == 1
    with store.transaction() as tx:     # nothing stored by reading
        assert tx.session.scalar(select(func.count()).select_from(daily_counts)) == 2
    assert console_counts.queue_depth(store) == {"pending": 0, "sending": 0}


def test_a_plan_made_by_text_is_one_event_and_its_program_days_are_counted(world):
    from tests.adapters.test_quit_dates import NY, QUIT, SIGNUP, make_plan, run_days

    make_plan(world)
    world.text(NY, "STOP", SIGNUP + timedelta(days=20))         # turns plan texts off: not a plan saved
    with world.store.transaction() as tx:
        saved = tx.session.execute(select(models.PlanEvent.kind, models.PlanEvent.at)).all()
    assert saved == [("made", SIGNUP + timedelta(seconds=7))]
    assert set(models.PlanEvent.__table__.c.keys()) == {"id", "person_id", "kind", "at"}   # no answer kept


def test_the_program_days_of_texts_sent_are_counted_by_day(world):
    from tests.adapters.test_quit_dates import QUIT, make_plan, run_days

    make_plan(world)
    run_days(world, QUIT - 3 * DAY, QUIT + 8 * DAY)
    days = [QUIT - 3 * DAY + n * DAY for n in range(12)]
    with world.store.transaction() as tx:
        count_outbox_days(tx, days)
        found = read_counts(tx, days[0], days[-1], ["quit_day"])
    assert {(d - QUIT).days: key for (d, _, key), n in found.items() if n == 1} == {
        -3: "-3", -1: "-1", 0: "0", 1: "1", 2: "2", 3: "3", 7: "7"}


def test_a_pruned_day_is_read_as_stored_never_recounted_live(store):
    from bot.retention import DETAIL_CUT
    from flows.retention_days import midnight

    with store.transaction() as tx:
        tx.session.execute(insert(daily_counts), [{"day": TODAY - 3 * DAY, "metric": "plans", "key": "made", "count": 4}])
        _set_mark(tx, DETAIL_CUT, midnight(TODAY - 2 * DAY))      # no COUNTED mark: the job stopped part-way
    found = console_counts.window(store, 7, NOW)
    assert found.counts[(TODAY - 3 * DAY, "plans", "made")] == 4
