"""Retention (bot/retention.py) on SQLite and PostgreSQL: each rule prunes exactly what is
older than its limit, the daily counts are made before the detail goes and survive it,
recounting never doubles, 100,000 rows go in bounded memory, and the clock runs the job
once a UTC day and lives through a database error."""

from __future__ import annotations

import json
import tracemalloc
from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select, text

from bot import erasure, models
from bot.app import bootstrap
from bot.cli import main
from bot.retention import COUNTED, METRICS, Retention, count_final_days, read_counts
from bot.transport import MemoryTransport
from tests.support import TEST_DATA_KEY, make_settings

pytestmark = pytest.mark.db

NOW = datetime(2026, 12, 7, 0, 5, tzinfo=timezone.utc)     # the first tick of Dec 7 (UTC)
TODAY = NOW.date()
DAY = timedelta(days=1)
people = models.Person.__table__
events = models.MessageEvent.__table__
checkins = models.Checkin.__table__
consents = models.ConsentEvent.__table__
outbox = models.OutboxMessage.__table__
BODY = "Today is a new day. Marker body 7731"


KEY = b"k" * 32      # the data key of the erase's keyed hash (bot.erasure)


def retention(store, **keep) -> Retention:
    days = {"keep_events": 180, "keep_outbox": 14, "keep_people": 365} | keep
    return Retention(store, data_key=lambda: KEY, **{name: timedelta(days=n) for name, n in days.items()})


def add_person(store, number: str, *, created: datetime, last_in: datetime | None = None, **columns) -> int:
    with store.transaction() as tx:
        return tx.session.execute(insert(people).values(
            number=number, channel="sms", timezone="America/New_York", created_at=created, updated_at=created,
            last_inbound_at=last_in, **columns).returning(people.c.id)).scalar_one()


def add_rows(store, table, rows: list[dict]) -> None:
    with store.transaction() as tx:
        tx.session.execute(insert(table), rows)


def event(person_id: int, at: datetime, intent: str = "craving", direction: str = "in") -> dict:
    return {"person_id": person_id, "direction": direction, "intent": intent, "at": at, "message_sid": None,
            "crisis_kind": None}


def outbox_row(person_id: int, slot: str, status: str, due: datetime, **columns) -> dict:
    row = {"person_id": person_id, "kind": "daily", "slot": slot, "body": BODY, "status": status,
           "due_at": due, "next_attempt_at": due, "attempts": 0, "created_at": due,
           "claimed_at": None, "sent_at": None, "delivery_status": None, "error_code": None}
    return row | columns


def ids(store, table) -> list[int]:
    with store.transaction() as tx:
        return sorted(tx.session.scalars(select(table.c.id)))


def event_times(store) -> list[datetime]:
    with store.transaction() as tx:
        return sorted(tx.session.scalars(select(events.c.at)))


def counts(store, first: date, last: date) -> dict:
    with store.transaction() as tx:
        return read_counts(tx, first, last)


# --- each rule: older than its limit goes, younger stays ----------------------------------

def test_message_events_and_checkins_older_than_the_limit_go_and_younger_stay(store):
    pid = add_person(store, "+12125550101", created=NOW - 400 * DAY, last_in=NOW - DAY)
    old, young = NOW - 180 * DAY - timedelta(seconds=1), NOW - 180 * DAY + timedelta(seconds=1)
    add_rows(store, events, [event(pid, old), event(pid, young), event(pid, NOW - DAY)])
    add_rows(store, checkins, [{"person_id": pid, "score": 2, "at": old}, {"person_id": pid, "score": 4, "at": young}])

    report = retention(store).run(NOW)

    assert event_times(store) == [young, NOW - DAY]
    with store.transaction() as tx:
        assert list(tx.session.scalars(select(checkins.c.score))) == [4]
    assert (report.events, report.checkins, report.finished) == (1, 1, True)


def test_settled_outbox_rows_go_their_limit_after_they_settled_and_nothing_else(store):
    pid = add_person(store, "+12125550102", created=NOW - 100 * DAY, last_in=NOW - DAY)
    long_ago, recent = NOW - 15 * DAY, NOW - 13 * DAY
    add_rows(store, outbox, [
        outbox_row(pid, "gone-sent", "sent", long_ago, claimed_at=long_ago, sent_at=long_ago),
        outbox_row(pid, "gone-cancelled", "cancelled", NOW - 20 * DAY, delivery_status="quiet_hours"),
        outbox_row(pid, "gone-failed", "failed", long_ago, claimed_at=long_ago, error_code=30003),
        outbox_row(pid, "kept-sent", "sent", recent, claimed_at=recent, sent_at=recent),
        # due long ago but sent (settled) only recently: 14 days from the send
        outbox_row(pid, "kept-late", "sent", NOW - 30 * DAY, next_attempt_at=recent, claimed_at=recent,
                   sent_at=recent),
        outbox_row(pid, "kept-pending", "pending", NOW - 20 * DAY),
        outbox_row(pid, "kept-sending", "sending", NOW - 20 * DAY, claimed_at=NOW - 20 * DAY),
    ])

    report = retention(store).run(NOW)

    with store.transaction() as tx:
        slots = sorted(tx.session.scalars(select(outbox.c.slot)))
    assert slots == ["kept-late", "kept-pending", "kept-sending", "kept-sent"]
    assert report.outbox == 3


def test_people_inactive_longer_than_the_limit_are_erased_with_everything_about_them(store):
    cut = NOW - 365 * DAY
    gone = add_person(store, "+12125550103", created=cut - 30 * DAY, last_in=cut - DAY)
    never_texted = add_person(store, "+12125550104", created=cut - DAY)
    texted_in = add_person(store, "+12125550105", created=cut - 30 * DAY, last_in=cut + DAY)
    texted_out = add_person(store, "+12125550106", created=cut - 30 * DAY, last_in=cut - DAY)
    scheduled = add_person(store, "+12125550107", created=cut - 30 * DAY, last_in=cut - DAY)
    subscriber = add_person(store, "+12125550108", created=cut - 30 * DAY, last_in=cut - DAY, daily_enabled=True)
    stopped = add_person(store, "+12125550109", created=cut - 30 * DAY, last_in=cut - DAY, daily_enabled=True,
                         opted_out=True)
    add_rows(store, outbox, [
        outbox_row(texted_out, "2026-12-01", "sent", NOW - 6 * DAY, sent_at=NOW - 6 * DAY),
        outbox_row(scheduled, "2026-12-08", "pending", NOW + DAY),
    ])
    add_rows(store, consents, [{"person_id": gone, "kind": "opt_in", "keyword": "START", "channel": "sms",
                                "at": cut - 30 * DAY}])

    report = retention(store).run(NOW)

    assert ids(store, people) == sorted([texted_in, texted_out, scheduled, subscriber])
    assert report.people == 3 and stopped not in ids(store, people)
    with store.transaction() as tx:
        assert tx.session.scalar(select(func.count()).select_from(consents)) == 0   # erased with the person
        # What stays is what DELETE leaves: the keyed hash, its STOP, the consent record re-keyed to it.
        kept = {row.number_hash: row.stopped for row in tx.session.execute(select(models.ErasedNumber.__table__))}
        moved = tx.session.execute(select(models.ErasedConsentEvent.__table__)).all()
    assert kept == {erasure.number_hash(KEY, "+12125550103"): False, erasure.number_hash(KEY, "+12125550104"): False,
                    erasure.number_hash(KEY, "+12125550109"): True}
    assert [(row.number_hash, row.kind, row.keyword) for row in moved] == [
        (erasure.number_hash(KEY, "+12125550103"), "opt_in", "START")]
    assert never_texted not in ids(store, people)


def test_erasing_goes_in_batches_until_everyone_inactive_is_gone(store):
    cut = NOW - 365 * DAY
    for n in range(7):
        add_person(store, f"+1212555020{n}", created=cut - DAY)
    keeper = add_person(store, "+12125550299", created=cut - DAY, last_in=NOW - DAY)
    report = Retention(store, keep_events=180 * DAY, keep_outbox=14 * DAY, keep_people=365 * DAY,
                       data_key=lambda: KEY, people_batch=3).run(NOW)
    assert report.people == 7
    assert ids(store, people) == [keeper]


def test_a_run_cut_short_by_its_batch_limit_stays_due_and_finishes_on_the_next_tick(store):
    pid = add_person(store, "+12125550190", created=NOW - 400 * DAY, last_in=NOW - DAY)
    add_rows(store, events, [event(pid, NOW - 200 * DAY + timedelta(minutes=n)) for n in range(40)])
    job = Retention(store, keep_events=180 * DAY, keep_outbox=14 * DAY, keep_people=365 * DAY,
                    data_key=lambda: KEY, batch=10)

    first = job.run_if_due(NOW, max_batches=3)
    assert (first.events, first.finished) == (30, False)
    # 10 events, then one batch each finds nothing more: events, check-ins, outbox, people
    second = job.run_if_due(NOW + timedelta(minutes=1), max_batches=6)
    assert second is not None and second.events == 10 and second.finished
    assert job.run_if_due(NOW + timedelta(minutes=2), max_batches=6) is None
    assert event_times(store) == []


# --- the daily counts ----------------------------------------------------------------------

def _a_week_of_texts(store, first_day: date) -> tuple[int, int]:
    """Two people texting on first_day and the day after, a check-in and an opt-out."""
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=timezone.utc)
    a = add_person(store, "+12125550110", created=start + timedelta(hours=1), last_in=NOW - DAY)
    b = add_person(store, "+12125550111", created=start + DAY + timedelta(hours=2), last_in=NOW - DAY)
    add_rows(store, events, [
        event(a, start + timedelta(hours=1), "crisis") | {"crisis_kind": "overdose_other"},
        event(a, start + timedelta(hours=1), "crisis", "out"),
        event(a, start + timedelta(hours=3), "craving"), event(a, start + timedelta(hours=3), "craving", "out"),
        event(a, start + DAY + timedelta(hours=1), "slip"),
        event(b, start + DAY + timedelta(hours=2), "slip"),
        event(b, start + DAY + timedelta(hours=23, minutes=59), "stop"),
    ])
    add_rows(store, checkins, [{"person_id": a, "score": 3, "at": start + DAY + timedelta(hours=5)}])
    add_rows(store, consents, [{"person_id": b, "kind": "opt_out", "keyword": "STOP", "channel": "sms",
                                "at": start + DAY + timedelta(hours=23, minutes=59)}])
    return a, b


EXPECTED = {
    0: {("texts_in", "crisis"): 1, ("replies", "crisis"): 1, ("crisis_kinds", "overdose_other"): 1,
        ("texts_in", "craving"): 1,
        ("replies", "craving"): 1, ("people_texted", ""): 1, ("new_people", ""): 1},
    1: {("texts_in", "slip"): 2, ("texts_in", "stop"): 1, ("people_texted", ""): 2, ("new_people", ""): 1,
        ("checkin_scores", "3"): 1, ("consent", "opt_out"): 1},
}


def _by_day(found: dict, first: date) -> dict:
    out: dict = {}
    for (day, metric, key), n in found.items():
        if metric != "people":
            out.setdefault((day - first).days, {})[(metric, key)] = n
    return out


def test_the_counts_are_made_before_the_detail_goes_and_survive_it(store):
    first = TODAY - 200 * DAY              # both days are past the 180-day limit
    _a_week_of_texts(store, first)

    report = retention(store).run(NOW)

    assert event_times(store) == [] and ids(store, checkins) == []
    assert _by_day(counts(store, first, TODAY), first) == EXPECTED
    assert report.days_counted == 200
    # The next day's run counts one more day and leaves the old ones as they were.
    retention(store).run(NOW + DAY)
    assert _by_day(counts(store, first, TODAY), first) == EXPECTED


def test_recounting_a_day_replaces_its_counts_never_doubles_them(store):
    first = TODAY - 5 * DAY
    _a_week_of_texts(store, first)
    retention(store).run(NOW)
    once = counts(store, first, TODAY)
    with store.transaction() as tx:
        count_final_days(tx, [first, first + DAY])
    with store.transaction() as tx:
        count_final_days(tx, [first, first + DAY])
    retention(store).run(NOW + timedelta(hours=2))         # by hand, the same day
    assert counts(store, first, TODAY) == once
    assert _by_day(once, first) == EXPECTED


def test_a_day_already_pruned_is_never_counted_again_from_what_is_left(store):
    first = TODAY - 200 * DAY
    _a_week_of_texts(store, first)
    retention(store).run(NOW)
    kept = counts(store, first, first + DAY)
    with store.transaction() as tx:                        # the mark is lost (a restore, a bug)
        tx.session.execute(models.RetentionMark.__table__.delete().where(
            models.RetentionMark.__table__.c.name == COUNTED))
    pid = add_person(store, "+12125550120", created=NOW - 300 * DAY)
    add_rows(store, events, [event(pid, NOW - 179 * DAY)])   # detail that is still whole
    retention(store).run(NOW + DAY)
    assert counts(store, first, first + DAY) == kept
    assert counts(store, TODAY - 179 * DAY, TODAY - 179 * DAY)[(TODAY - 179 * DAY, "texts_in", "craving")] == 1


def test_outbox_outcomes_are_counted_again_until_the_rows_go(store):
    pid = add_person(store, "+12125550130", created=NOW - 30 * DAY, last_in=NOW - DAY)
    due = datetime.combine(TODAY - DAY, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=14)
    add_rows(store, outbox, [
        outbox_row(pid, "a", "pending", due),
        outbox_row(pid, "b", "cancelled", due, delivery_status="quiet_hours"),
        outbox_row(pid, "c", "failed", due, error_code=30003, delivery_status="undelivered"),
        outbox_row(pid, "d", "sent", due, sent_at=due, delivery_status="delivered"),
    ])
    retention(store).run(NOW)
    day = TODAY - DAY
    first = counts(store, day, day)
    assert first[(day, "outbox", "pending")] == 1
    assert first[(day, "outbox_reason", "cancelled:quiet_hours")] == 1
    assert first[(day, "outbox_reason", "failed:30003")] == 1
    assert first[(day, "outbox_delivery", "delivered")] == 1
    assert first[(day, "outbox_kind", "daily:sent")] == 1

    with store.transaction() as tx:                        # the pending row went out later
        tx.session.execute(outbox.update().where(outbox.c.slot == "a").values(
            status="sent", sent_at=due + DAY, delivery_status="delivered"))
    retention(store).run(NOW + DAY)
    again = counts(store, day, day)
    assert (day, "outbox", "pending") not in again
    assert again[(day, "outbox", "sent")] == 2 and again[(day, "outbox_delivery", "delivered")] == 2

    retention(store).run(NOW + 20 * DAY)                   # the rows are pruned: their counts stay
    assert ids(store, outbox) == []
    assert counts(store, day, day) == again


def test_the_people_snapshot_is_taken_for_the_day_just_ended(store):
    add_person(store, "+12125550140", created=NOW - 3 * DAY, last_in=NOW - DAY, daily_enabled=True)
    add_person(store, "+12125550141", created=NOW - 3 * DAY, last_in=NOW - DAY, opted_out=True,
               daily_enabled=True)
    retention(store).run(NOW)
    found = counts(store, TODAY - DAY, TODAY - DAY)
    day = TODAY - DAY
    assert found[(day, "people", "total")] == 2
    assert found[(day, "people", "opted_in")] == 1
    assert found[(day, "people", "daily")] == 1
    assert (day, "people", "undeliverable") not in found


def test_counts_hold_no_number_and_no_person_id(store):
    columns = set(models.DailyCount.__table__.c.keys())
    assert columns == {"day", "metric", "key", "count"}
    _a_week_of_texts(store, TODAY - 3 * DAY)
    retention(store).run(NOW)
    found = counts(store, TODAY - 10 * DAY, TODAY)
    assert not any("555" in key for (_, _, key) in found)
    assert {metric for (_, metric, _) in found} <= set(METRICS)


# --- bounded memory ----------------------------------------------------------------------

ROWS = 100_000
PEAK_BOUND = 2 * 1024 * 1024     # measured 0.6 MB; the 100,000 ids alone, loaded, would be more


def test_pruning_100000_rows_stays_within_a_few_megabytes(store):
    pid = add_person(store, "+12125550150", created=NOW - 400 * DAY, last_in=NOW - DAY)
    old = NOW - 200 * DAY
    with store.transaction() as tx:
        tx.session.execute(insert(events), [event(pid, old + timedelta(seconds=n % 86_400), "craving")
                                            for n in range(ROWS // 2)])
    with store.transaction() as tx:
        tx.session.execute(insert(outbox), [outbox_row(pid, f"s{n}", "sent", old, sent_at=old)
                                            for n in range(ROWS // 2)])
    tracemalloc.start()
    try:
        report = retention(store).run(NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (report.events, report.outbox) == (ROWS // 2, ROWS // 2)
    assert ids(store, events) == [] and ids(store, outbox) == []
    assert peak < PEAK_BOUND, f"peak {peak / 1e6:.1f} MB"
    found = counts(store, old.date(), old.date() + DAY)
    assert found[(old.date(), "texts_in", "craving")] + found.get((old.date() + DAY, "texts_in", "craving"), 0) \
        == ROWS // 2


# --- the clock and `steady prune` -----------------------------------------------------------

@pytest.fixture
def steady(database_url, tmp_path):
    settings = make_settings(database_url, str(tmp_path))
    app = bootstrap(settings, transport=MemoryTransport(), migrate=True)
    yield app
    app.store.engine.dispose()


def test_the_clock_runs_the_job_once_a_utc_day(steady):
    pid = add_person(steady.store, "+12125550160", created=NOW - 300 * DAY, last_in=NOW - DAY)
    add_rows(steady.store, events, [event(pid, NOW - 200 * DAY), event(pid, NOW - 10 * DAY)])

    first = steady.tick(NOW)
    assert first.retention is not None and first.retention.events == 1
    assert "retention: " in first.summary()
    add_rows(steady.store, events, [event(pid, NOW - 190 * DAY)])
    for minutes in (1, 2, 600):
        assert steady.tick(NOW + timedelta(minutes=minutes)).retention is None
    assert len(event_times(steady.store)) == 2                # not pruned until tomorrow
    tomorrow = steady.tick(NOW + DAY)
    assert tomorrow.retention is not None and tomorrow.retention.events == 1


def test_a_database_error_in_the_job_is_reported_and_the_clock_carries_on(steady):
    with steady.store.engine.begin() as connection:
        connection.execute(text("DROP TABLE daily_counts"))
    pid = add_person(steady.store, "+12125550170", created=NOW - 10 * DAY, last_in=NOW - 2 * DAY)
    add_rows(steady.store, events, [event(pid, NOW - 2 * DAY)])

    broken = steady.tick(NOW)
    assert broken.retention is None
    assert [e for e in broken.errors if e.startswith("retention: ")]
    models.DailyCount.__table__.create(steady.store.engine)
    fixed = steady.tick(NOW + timedelta(minutes=1))        # still due: it never finished
    assert fixed.errors == [] and fixed.retention is not None and fixed.retention.finished
    assert steady.tick(NOW + timedelta(minutes=2)).retention is None


def test_steady_prune_prints_counts_and_never_a_body(steady, database_url, tmp_path):
    pid = add_person(steady.store, "+12125550180", created=NOW - 100 * DAY, last_in=NOW - DAY)
    add_rows(steady.store, outbox, [outbox_row(pid, "x", "sent", NOW - 30 * DAY, sent_at=NOW - 30 * DAY)])
    env = {"DATABASE_URL": database_url, "STEADY_INSTANCE_PATH": str(tmp_path), "STEADY_DATA_KEY": TEST_DATA_KEY}
    result = CliRunner().invoke(main, ["prune", "--json", "--now", NOW.isoformat()], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["outbox"] == 1 and report["finished"] is True
    again = CliRunner().invoke(main, ["prune", "--now", NOW.isoformat()], env=env)
    assert again.exit_code == 0, again.output
    assert "0 outbox rows" in again.output
    assert BODY not in result.output + again.output and "5550180" not in result.output + again.output


@pytest.mark.slow
def test_the_prune_bench_ends_with_a_json_summary():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    finished = subprocess.run(
        [sys.executable, str(root / "bench" / "prune.py"), "--rows", "3000", "--people", "30", "--database", "sqlite"],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    summary = json.loads(finished.stdout.strip().splitlines()[-1])
    assert summary["sqlite"]["rows"] == 3000 and summary["sqlite"]["people"] == 30
    assert summary["sqlite"]["rows_per_s"] > 0 and summary["sqlite"]["peak_mb"] > 0


def test_an_inactive_person_erased_with_twilio_deletion_on_has_their_texts_queued_there(store):
    """STEADY_TWILIO_DELETE_MESSAGES: retention's erase, like DELETE, queues the person's
    texts at Twilio (sent and received) in the erasing transaction; off, it queues nothing."""
    cut = NOW - 365 * DAY
    gone = add_person(store, "+12125550113", created=cut - 30 * DAY, last_in=cut - DAY)
    add_rows(store, outbox, [outbox_row(gone, "2025-11-01", "sent", cut - 20 * DAY, sent_at=cut - 20 * DAY,
                                        provider_sid="SM" + "a" * 32)])
    add_rows(store, models.ProcessedMessage.__table__, [
        {"message_sid": "SM" + "b" * 32, "person_id": gone, "received_at": cut - 20 * DAY, "replies": []}])
    retention(store, keep_outbox=400).run(NOW)           # the outbox row outlives the person: the erase takes it
    with store.transaction() as tx:
        assert tx.session.scalars(select(models.TwilioDeletion.sid)).all() == []
    other = add_person(store, "+12125550114", created=cut - 30 * DAY, last_in=cut - DAY)
    add_rows(store, outbox, [outbox_row(other, "2025-11-02", "sent", cut - 20 * DAY, sent_at=cut - 20 * DAY,
                                        provider_sid="SM" + "c" * 32)])
    add_rows(store, models.ProcessedMessage.__table__, [
        {"message_sid": "SM" + "d" * 32, "person_id": other, "received_at": cut - 20 * DAY, "replies": []}])
    job = Retention(store, keep_events=180 * DAY, keep_outbox=400 * DAY, keep_people=365 * DAY,
                    data_key=lambda: KEY, at_twilio=True)
    job.run(NOW + DAY)
    with store.transaction() as tx:
        queued = {(row.sid, row.direction) for row in tx.session.execute(select(models.TwilioDeletion.__table__))}
    assert queued == {("SM" + "c" * 32, "out"), ("SM" + "d" * 32, "in")}
    assert other not in ids(store, people)


def test_crisis_texts_are_counted_by_kind_from_real_turns(world):
    """Through the conversation: each crisis text's kind reaches the daily counts (the
    operator console's crisis replies by kind); an everyday text adds none."""
    day = date(2026, 12, 1)
    at = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
    assert world.text("+12125550120", "my friend is not breathing and his lips are blue", at).detail == "overdose_other"
    assert world.text("+12125550121", "i want to kill myself tonight", at + timedelta(minutes=1)).detail == "suicide"
    world.text("+12125550122", "CRAVING", at + timedelta(minutes=2))
    with world.store.transaction() as tx:
        count_final_days(tx, [day])
        found = read_counts(tx, day, day)
    assert {key: n for (_, metric, key), n in found.items() if metric == "crisis_kinds"} == {
        "overdose_other": 1, "suicide": 1}
