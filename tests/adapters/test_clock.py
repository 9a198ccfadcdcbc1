"""The clock, the outbox and Twilio sending, with a controlled clock: real twilio
library over real HTTP to a loopback fake, on SQLite and PostgreSQL. `world` and `fake`
are in tests/adapters/conftest.py and tests/conftest.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot import crypto
from bot import models
from bot.app import bootstrap
from bot.conversation import Inbound
from bot.outbox import CLAIM_TIMEOUT
from bot.transport import TwilioTransport
from flows.helpline import HELPLINE_NUMBER
from tests.support import make_settings

pytestmark = pytest.mark.db

NY = "+12125550100"       # America/New_York
CHI = "+13125550100"      # America/Chicago
LA = "+14155550100"       # America/Los_Angeles
SENDER = "+15005550006"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def rows(steady, **where):
    with steady.store.transaction() as tx:
        query = select(models.OutboxMessage).order_by(models.OutboxMessage.id)
        for key, value in where.items():
            query = query.where(getattr(models.OutboxMessage, key) == value)
        return tx.session.execute(query).scalars().all()


def sent_to(fake, number):
    return [m for m in fake.messages if m["To"] == number]


def test_daily_texts_go_at_nine_local_time_in_each_zone(world, fake):
    signup = utc(2026, 11, 24, 5, 0)
    for number in (NY, CHI, LA):
        world.text(number, "DAILY", signup)
    # 9:00 in New York is 14:00 UTC, in Chicago 15:00, in Los Angeles 17:00.
    world.tick(utc(2026, 11, 24, 13, 59))
    assert fake.messages == []
    world.tick(utc(2026, 11, 24, 14, 0))
    assert [m["To"] for m in fake.messages] == [NY]
    world.tick(utc(2026, 11, 24, 15, 0, 30))
    world.tick(utc(2026, 11, 24, 17, 0, 30))
    assert [m["To"] for m in fake.messages] == [NY, CHI, LA]
    assert all(HELPLINE_NUMBER in m["Body"] for m in fake.messages)


def test_a_daylight_saving_change_keeps_the_local_send_time(world, fake):
    world.text(NY, "DAILY", utc(2026, 10, 30, 20, 0))
    # Oct 31 is EDT (UTC-4): 9:00 local is 13:00 UTC. Nov 1 is EST (UTC-5): 14:00 UTC.
    world.tick(utc(2026, 10, 31, 13, 0))
    world.tick(utc(2026, 11, 1, 13, 0))
    assert len(sent_to(fake, NY)) == 1
    world.tick(utc(2026, 11, 1, 14, 0))
    assert len(sent_to(fake, NY)) == 2
    slots = [r.slot for r in rows(world, kind="daily")]
    assert slots == ["2026-10-31", "2026-11-01"]


def test_after_downtime_only_the_latest_missed_slot_within_grace_is_sent(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 20, 5, 0))
    # Down from before Nov 20 9:00 until Nov 23 15:30 (1.5 h after that day's slot).
    world.tick(utc(2026, 11, 23, 15, 30))
    assert [r.slot for r in rows(world, kind="daily")] == ["2026-11-23"]
    assert len(sent_to(fake, NY)) == 1


def test_a_slot_missed_by_more_than_the_grace_period_is_skipped(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 23, 5, 0))
    world.tick(utc(2026, 11, 23, 16, 1))     # 2 h 1 min after 9:00 EST
    assert rows(world, kind="daily") == []
    world.tick(utc(2026, 11, 24, 14, 0))     # the next day goes as usual
    assert len(sent_to(fake, NY)) == 1


def test_ticking_twice_or_restarting_mid_tick_never_sends_twice(world, fake, database_url, tmp_path):
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    now = utc(2026, 11, 24, 14, 0)
    world.daily.enqueue_due(now)             # the tick died after writing the row
    again = bootstrap(world.settings, transport=world.transport)
    again.tick(now)
    again.tick(now + timedelta(seconds=30))
    world.tick(now + timedelta(minutes=1))
    assert len(sent_to(fake, NY)) == 1
    again.store.engine.dispose()


def test_a_kill_between_claim_and_send_never_causes_a_second_send(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    now = utc(2026, 11, 24, 14, 0)
    world.daily.enqueue_due(now)
    claimed = world.outbox.claim(now, 10)    # ... and the process is killed here
    assert len(claimed) == 1
    world.tick(now + timedelta(minutes=1))
    assert fake.messages == []
    world.tick(now + CLAIM_TIMEOUT + timedelta(minutes=1))
    (row,) = rows(world, kind="daily")
    assert (row.status, row.delivery_status) == ("failed", "interrupted")
    world.tick(now + timedelta(hours=1))
    assert fake.messages == []


@pytest.mark.parametrize(("http_status", "code"), [(429, 20429), (500, None), (503, None)])
def test_a_passing_failure_is_retried_with_backoff_then_sent_once(world, fake, http_status, code):
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    now = utc(2026, 11, 24, 14, 0)
    fake.fail_next(2, http_status=http_status, code=code)
    world.tick(now)
    (row,) = rows(world, kind="daily")
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == now + timedelta(seconds=30)
    world.tick(now + timedelta(seconds=10))          # not yet due again
    assert rows(world, kind="daily")[0].attempts == 1
    world.tick(now + timedelta(seconds=30))
    (row,) = rows(world, kind="daily")
    assert (row.status, row.attempts) == ("pending", 2)
    assert row.next_attempt_at == now + timedelta(seconds=90)
    world.tick(now + timedelta(seconds=90))
    (row,) = rows(world, kind="daily")
    assert (row.status, row.attempts) == ("sent", 3)
    assert row.provider_sid and len(sent_to(fake, NY)) == 1


def test_twilio_21610_records_an_opt_out_and_nothing_more_is_sent(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    world.text(NY, "CRAVING", utc(2026, 11, 24, 13, 55))
    fake.fail_for(NY, http_status=400, code=21610)
    world.tick(utc(2026, 11, 24, 14, 0))
    statuses = sorted((r.kind, r.status) for r in rows(world))
    assert statuses == [("craving_followup", "cancelled"), ("daily", "failed")] or statuses == [
        ("craving_followup", "failed"), ("daily", "cancelled")]
    with world.store.transaction() as tx:
        person = tx.find_person(NY, "sms")
        assert person.opted_out and person.opted_out_at is not None
        kinds = tx.session.execute(select(models.ConsentEvent.kind).where(models.ConsentEvent.person_id == person.id)).scalars().all()
        assert kinds[-1] == "opt_out"
    world.tick(utc(2026, 11, 25, 14, 0))
    assert fake.messages == []


@pytest.mark.parametrize("code", [21211, 21614])
def test_an_invalid_or_landline_number_stops_all_sending(world, fake, code):
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    fake.fail_for(NY, http_status=400, code=code)
    world.tick(utc(2026, 11, 24, 14, 0))
    (row,) = rows(world, kind="daily")
    assert (row.status, row.error_code) == ("failed", code)
    world.tick(utc(2026, 11, 25, 14, 0))
    assert len(rows(world, kind="daily")) == 1


def test_a_stop_after_a_row_was_written_cancels_it(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    now = utc(2026, 11, 24, 14, 0)
    world.daily.enqueue_due(now)
    world.text(NY, "STOP", now + timedelta(seconds=5))
    world.sender.send_due(now + timedelta(seconds=10))
    assert fake.messages == []
    assert [r.status for r in rows(world)] == ["cancelled"]


def test_a_row_whose_person_opted_out_behind_its_back_is_cancelled_at_send_time(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    now = utc(2026, 11, 24, 14, 0)
    world.daily.enqueue_due(now)
    with world.store.transaction() as tx:   # e.g. another web worker recorded the STOP
        tx.session.execute(update(models.Person).values(opted_out=True))
    world.sender.send_due(now)
    assert fake.messages == []
    assert [(r.status, r.delivery_status) for r in rows(world)] == [("cancelled", "opted_out")]


def test_daily_texts_rotate_without_repeats_until_the_pool_is_used(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 1, 5, 0))
    assert world.text(NY, "encouragement only", utc(2026, 11, 1, 5, 1)).intent == "daily_kinds"
    pool = len(world.content.encouragement)
    day = utc(2026, 11, 2, 15, 0)
    for n in range(pool):
        world.tick(day + timedelta(days=n))
    bodies = [m["Body"] for m in sent_to(fake, NY)]
    assert len(bodies) == pool
    assert len(set(bodies)) == pool
    texts = {t for t in world.content.encouragement}
    assert all(b.split("\n")[0] in texts for b in bodies)


def test_both_kinds_alternate_encouragement_and_mindfulness(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 1, 5, 0))
    for n in range(4):
        world.tick(utc(2026, 11, 2, 15, 0) + timedelta(days=n))
    firsts = [m["Body"].split("\n")[0] for m in sent_to(fake, NY)]
    encouragement, mindfulness = set(world.content.encouragement), set(world.content.mindfulness)
    assert [f in encouragement for f in firsts] == [True, False, True, False]
    assert [f in mindfulness for f in firsts] == [False, True, False, True]


def test_daily_off_stops_daily_texts_but_not_replies(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    answer = world.text(NY, "DAILY OFF", utc(2026, 11, 24, 6, 0))
    assert answer.intent == "daily_off"
    world.tick(utc(2026, 11, 24, 14, 0))
    assert fake.messages == []
    assert world.text(NY, "CRAVING", utc(2026, 11, 24, 15, 0)).replies


def test_a_craving_gets_one_check_in_about_fifteen_minutes_later(world, fake):
    start = utc(2026, 11, 24, 15, 0)
    world.text(NY, "CRAVING", start)
    world.text(NY, "cravings again", start + timedelta(minutes=5))
    pending = rows(world, kind="craving_followup", status="pending")
    assert len(pending) == 1
    assert pending[0].due_at == start + timedelta(minutes=20)
    world.tick(start + timedelta(minutes=16))
    assert fake.messages == []
    world.tick(start + timedelta(minutes=20))
    (message,) = sent_to(fake, NY)
    assert "craving" in message["Body"].lower() and HELPLINE_NUMBER in message["Body"]


def test_stop_cancels_a_pending_craving_check_in(world, fake):
    start = utc(2026, 11, 24, 15, 0)
    world.text(NY, "CRAVING", start)
    world.text(NY, "STOP", start + timedelta(minutes=1))
    world.tick(start + timedelta(minutes=20))
    assert fake.messages == []
    assert [r.status for r in rows(world)] == ["cancelled"]


def test_a_check_in_that_falls_in_quiet_hours_is_not_sent(world, fake):
    late = utc(2026, 11, 25, 3, 0)          # 22:00 in New York
    world.text(NY, "CRAVING", late)
    world.tick(late + timedelta(minutes=20))
    assert fake.messages == []
    assert rows(world) == []                    # the sender would only cancel it: never written
    with world.store.transaction() as tx:       # it never asked, so no answer is waited for
        assert tx.find_person(NY, "sms").flow is None


def test_a_text_whose_person_moved_into_quiet_hours_is_cancelled_at_send_time(world, fake):
    now = utc(2026, 11, 24, 14, 0)                                     # 9:00 in New York
    world.text(NY, "DAILY", utc(2026, 11, 23, 15, 0))
    world.daily.enqueue_due(now)
    world.text(NY, "im in los angeles now", now)                       # 6:00 there: quiet hours
    world.tick(now)
    assert fake.messages == []
    assert [(r.kind, r.status, r.delivery_status) for r in rows(world)] == [("daily", "cancelled", "quiet_hours")]


def test_each_send_asks_for_a_status_callback_and_the_receipt_is_recorded(world, fake, tmp_path):
    world.settings = world.settings.with_(public_base_url="https://steady.example.org")
    world.sender.settings = world.settings
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    world.tick(utc(2026, 11, 24, 14, 0))
    (message,) = fake.messages
    (row,) = rows(world)
    assert message["StatusCallback"] == f"https://steady.example.org/sms/status?outbox={row.id}"   # the row, named
    assert world.receipts(message["sid"], "delivered", None, utc(2026, 11, 24, 14, 1))
    (row,) = rows(world)
    assert (row.delivery_status, row.error_code) == ("delivered", None)


def test_a_failed_receipt_with_21610_opts_the_person_out(world, fake):
    world.text(NY, "DAILY", utc(2026, 11, 24, 5, 0))
    world.tick(utc(2026, 11, 24, 14, 0))
    (message,) = fake.messages
    world.receipts(message["sid"], "failed", 21610, utc(2026, 11, 24, 14, 1))
    with world.store.transaction() as tx:
        assert tx.find_person(NY, "sms").opted_out


def test_the_tick_report_counts_what_it_did(world, fake):
    for number in (NY, "+12125550101", "+12125550102"):
        world.text(number, "DAILY", utc(2026, 11, 24, 5, 0))
    report = world.tick(utc(2026, 11, 24, 14, 0))
    assert (report.enqueue.due, report.enqueue.enqueued, report.send.sent) == (3, 3, 3)
    assert report.errors == []


def test_a_daily_text_that_asks_something_waits_for_its_answer(world, fake):
    from flows import daily_texts
    from flows import engine

    world.text(NY, "DAILY", utc(2026, 11, 24, 3, 0))
    asked = answered = 0
    day = utc(2026, 11, 24, 14, 0)           # 9:00 AM in New York
    for _ in range(40):
        world.tick(day)
        with world.store.transaction() as tx:
            person = tx.session.execute(select(models.Person)).scalars().one()
            flow = person.flow
        sent = [r for r in rows(world, kind="daily") if r.due_at == day]
        if sent and daily_texts.invites_reply(sent[0].body):
            asked += 1
            assert flow == {"name": engine.DAILY_PROMPT_FLOW, "asked_at": day.isoformat()}
            reply = world.text(NY, "tired", day + timedelta(hours=1))
            assert (reply.intent, "Thanks for writing back" in reply.replies[0]) == ("feeling", True)
            answered += 1
        else:
            assert not flow or flow.get("name") != engine.DAILY_PROMPT_FLOW
        day += timedelta(days=1)
    assert asked >= 1 and answered == asked


def test_an_unanswered_daily_prompt_does_not_keep_the_next_one_from_waiting(world, fake):
    from flows import daily_texts
    from flows import engine

    world.text(NY, "DAILY", utc(2026, 11, 24, 3, 0))
    day, asked = utc(2026, 11, 24, 14, 0), []
    for _ in range(60):
        world.tick(day)
        sent = [r for r in rows(world, kind="daily") if r.due_at == day]
        if sent and daily_texts.invites_reply(sent[0].body):
            with world.store.transaction() as tx:
                flow = tx.session.execute(select(models.Person)).scalars().one().flow
            assert flow == {"name": engine.DAILY_PROMPT_FLOW, "asked_at": day.isoformat()}   # never answered
            asked.append(day)
        day += timedelta(days=1)
    assert len(asked) >= 2


# -- WhatsApp's 24-hour window -------------------------------------------------------------

WA = "whatsapp:" + NY


def test_a_whatsapp_text_more_than_24_hours_after_the_person_last_wrote_is_skipped(world, fake):
    for number in (WA, NY):
        world.text(number, "DAILY", utc(2026, 11, 24, 5, 0))
    world.tick(utc(2026, 11, 24, 14, 0))                 # 9 h after they wrote: both go
    report = world.tick(utc(2026, 11, 25, 14, 0))        # 33 h: the WhatsApp one may not
    assert (len(sent_to(fake, WA)), len(sent_to(fake, NY))) == (1, 2)
    daily = [(r.slot, r.status, r.delivery_status) for r in rows(world, kind="daily") if r.status == "cancelled"]
    assert daily == [("2026-11-25", "cancelled", "whatsapp_window")]
    assert (report.send.cancelled, report.send.reasons) == (1, {"whatsapp_window": 1})
    world.text(WA, "thank you", utc(2026, 11, 25, 20, 0))   # writing again opens the window
    world.tick(utc(2026, 11, 26, 14, 0))
    assert len(sent_to(fake, WA)) == 2


def test_twilio_63016_is_recorded_as_the_whatsapp_window(world, fake):
    world.text(WA, "DAILY", utc(2026, 11, 24, 5, 0))
    fake.fail_for(WA, http_status=400, code=63016)
    report = world.tick(utc(2026, 11, 24, 14, 0))
    (row,) = rows(world)
    assert (row.status, row.delivery_status, row.error_code) == ("cancelled", "whatsapp_window", 63016)
    assert (report.send.failed, report.send.cancelled, report.send.reasons) == (0, 1, {"whatsapp_window": 1})
    with world.store.transaction() as tx:
        person = tx.find_person(NY, "whatsapp")
        assert not (person.opted_out or person.undeliverable)


# -- steady tick says why ------------------------------------------------------------------

@pytest.mark.parametrize("as_json", [True, False])
def test_steady_tick_gives_the_reason_for_every_row_it_skipped_or_cancelled(world, fake, database_url, tmp_path,
                                                                            runner, as_json):
    import json

    from bot.cli import main

    now = utc(2026, 11, 24, 14, 0)                     # 9:00 New York, 8:00 Chicago, 6:00 Los Angeles
    for number in (NY, "+12125550101", WA):
        world.text(number, "DAILY", utc(2026, 11, 23, 5, 0))
    world.daily.enqueue_due(now)                        # their rows are written; then, behind their backs:
    with world.store.transaction() as tx:
        tx.session.execute(update(models.Person).where(models.Person.number_hash == crypto.keyring().lookup(NY),
                                                       models.Person.channel == "sms").values(opted_out=True))
        tx.session.execute(update(models.Person).where(models.Person.number_hash == crypto.keyring().lookup("+12125550101"))
                           .values(undeliverable=True))
    world.text(LA, "DAILY", utc(2026, 11, 23, 5, 0))
    world.daily.enqueue_due(now)                        # an LA row is not due: a New Yorker's is ...
    world.text("+12125550102", "DAILY", utc(2026, 11, 23, 5, 0))
    world.daily.enqueue_due(now)
    world.text("+12125550102", "im in los angeles now", now)    # ... who moved to 6 AM: quiet hours
    world.text("+13125550199", "ZONE Europe/London", now - timedelta(hours=4))
    world.text("+13125550199", "CRAVING", now - timedelta(hours=3))   # the clock was down past its check-in
    world.text("+13125550101", "DAILY", utc(2026, 11, 23, 5, 0))   # yesterday's slot, missed by 23 h

    env = {"DATABASE_URL": database_url, "STEADY_INSTANCE_PATH": str(tmp_path),
           "TWILIO_ACCOUNT_SID": fake.account_sid, "TWILIO_AUTH_TOKEN": fake.auth_token,
           "TWILIO_FROM_NUMBER": SENDER, "TWILIO_API_BASE_URL": fake.base_url}
    result = runner.invoke(main, ["tick", "--now", "2026-11-24T14:00:00Z"] + (["--json"] if as_json else []), env=env)
    assert result.exit_code == 0, result.output
    assert fake.messages == []
    cancelled = {"opted_out": 1, "undeliverable": 1, "whatsapp_window": 1, "quiet_hours": 1, "grace": 1}
    if as_json:
        report = json.loads(result.stdout)
        assert report["enqueue"]["skipped"] == 1 and report["enqueue"]["reasons"] == {"grace": 1}
        assert report["send"]["cancelled"] == 5 and report["send"]["reasons"] == cancelled
    else:
        assert "1 skipped (grace 1)" in result.stdout
        assert ("5 cancelled (grace 1, opted_out 1, quiet_hours 1, undeliverable 1, whatsapp_window 1)"
                in result.stdout)
    assert sorted(r.delivery_status for r in rows(world) if r.status == "cancelled") == sorted(cancelled)


# -- the default send time -----------------------------------------------------------------

def test_the_default_send_time_is_what_daily_promises_and_when_it_goes(database_url, tmp_path, fake):
    from datetime import time

    settings = make_settings(database_url, str(tmp_path), quiet_start=time(10, 0),
                             default_send_time=time(10, 30))
    transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER, api_base_url=fake.base_url)
    steady = bootstrap(settings, transport=transport, migrate=True)
    try:
        answer = steady.conversation.handle(Inbound(sender=NY, body="DAILY", now=utc(2026, 11, 24, 5, 0)))
        assert "10:30 AM" in answer.replies[0] and "9:00 AM" not in answer.replies[0]
        steady.tick(utc(2026, 11, 24, 15, 29))
        assert fake.messages == []
        report = steady.tick(utc(2026, 11, 24, 15, 30))      # 10:30 in New York
        assert (report.send.sent, report.send.reasons) == (1, {})
        # Someone who already chose a time keeps it.
        steady.conversation.handle(Inbound(sender=CHI, body="TIME 7pm", now=utc(2026, 11, 24, 5, 0)))
        with steady.store.transaction() as tx:
            assert tx.find_person(CHI, "sms").daily_time == "19:00"
    finally:
        transport.close()
        steady.store.engine.dispose()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"STEADY_QUIET_START": "10:00"}, "STEADY_DEFAULT_SEND_TIME (09:00)"),
        ({"STEADY_DEFAULT_SEND_TIME": "22:00"}, "STEADY_QUIET_END (21:00)"),
        ({"STEADY_DEFAULT_SEND_TIME": "7:59"}, "STEADY_QUIET_START (08:00)"),
    ],
)
def test_a_default_send_time_inside_quiet_hours_refuses_to_start_naming_both_settings(env, named):
    from bot.settings import Settings, SettingsError

    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    message = str(refused.value)
    assert named in message
    assert "STEADY_DEFAULT_SEND_TIME" in message and "STEADY_QUIET_START" in message and "STEADY_QUIET_END" in message


@pytest.mark.parametrize("at", ["08:00", "21:00", "12:15"])
def test_a_default_send_time_inside_the_sending_hours_is_fine(at):
    from datetime import time

    from bot.settings import Settings

    hours, minutes = map(int, at.split(":"))
    assert Settings.from_env({"STEADY_DEFAULT_SEND_TIME": at}).default_send_time == time(hours, minutes)
