"""The console simulator's sandbox (bot.simulator): test numbers talk to Steady through the
conversation path, their clock moves on its own, and nothing of theirs ever reaches Twilio,
whoever's clock gets to it. Real twilio library over real HTTP to the loopback fake, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from bot import models
from bot.app import bootstrap
from bot.conversation import Inbound
from bot.outbox import SANDBOX
from bot.simulator import DAY, HOUR, NEXT_CHECKIN, NEXT_DAILY, Simulator, is_test_number, number_for
from bot.transport import TwilioTransport
from flows.helpline import HELPLINE_NUMBER
from tests.support import make_settings, migrate

pytestmark = pytest.mark.db

SENDER = "+15005550006"
REAL = "+13125550142"          # a Chicago number, an ordinary person texting Steady


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def world(database_url, tmp_path, fake):
    settings = make_settings(database_url, str(tmp_path), send_concurrency=2, default_timezone="America/Chicago")
    transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER, api_base_url=fake.base_url)
    migrate(database_url)
    steady = bootstrap(settings, transport=transport)
    steady.simulator = Simulator(steady)
    steady.text = lambda number, body, now: steady.conversation.handle(Inbound(sender=number, body=body, now=now))
    yield steady
    transport.close()
    steady.store.engine.dispose()


def outbox_rows(steady, number, channel):
    with steady.store.transaction() as tx:
        person = tx.find_person(number, channel)
        return tx.session.execute(
            select(models.OutboxMessage.kind, models.OutboxMessage.status, models.OutboxMessage.delivery_status,
                   models.OutboxMessage.provider_sid)
            .where(models.OutboxMessage.person_id == person.id).order_by(models.OutboxMessage.id)).all()


def test_each_staff_member_gets_a_fictional_number_of_their_own():
    numbers = [number_for(staff_id) for staff_id in range(1, 100)]
    assert len(set(numbers)) == 99
    assert all(is_test_number(n) and n.startswith("+1555555") for n in numbers)
    assert "+15555550100" not in numbers                 # `steady chat`'s own default
    assert number_for(100) == number_for(1)             # the 100th shares, never leaves the range
    assert number_for("Ana@Example.org") == number_for("ana@example.org ")
    assert is_test_number(number_for("ana@example.org"))
    assert not is_test_number("+13125550142") and not is_test_number("+15555550100")


def test_a_craving_then_an_hour_later_its_check_in_arrives_and_twilio_hears_nothing(world, fake):
    sim, number = world.simulator, number_for(1)
    at = utc(2026, 12, 8, 16, 0)                           # 10:00 in Chicago
    turn = sim.say(number, "CRAVING", at)
    assert turn.intent == "craving" and turn.crisis_kind is None
    assert turn.replies and all(HELPLINE_NUMBER in r.text for r in turn.replies)
    assert all(r.encoding == "GSM-7" and 1 <= r.segments <= 3 for r in turn.replies)
    outlook = sim.outlook(number)
    assert [s.status for s in outlook.scheduled] == ["pending"]
    assert outlook.next_checkin == at + world.settings.craving_followup_after

    target = sim.target(number, at, HOUR)
    assert sim.catch_up(number, target) == 1              # one moment on the way: the check-in
    arrived = sim.outlook(number).scheduled
    assert [(s.kind, s.status) for s in arrived] == [("craving_followup", "arrived")]
    assert arrived[0].at == at + world.settings.craving_followup_after
    assert HELPLINE_NUMBER in arrived[0].text and arrived[0].segments >= 1
    assert outbox_rows(world, number, SANDBOX)[0][1:] == ("sent", "sandbox", None)
    assert fake.requests == 0 and fake.messages == []


def test_the_real_clock_sends_to_real_people_and_never_a_sandbox_row(world, fake):
    """The clock's own tick, at real time, finds a sandbox row due beside a real one: the
    real one goes to Twilio, the sandbox one is marked as arrived at the simulator."""
    at = utc(2026, 12, 8, 16, 0)
    number = number_for(2)
    world.simulator.say(number, "CRAVING", at)
    world.text(REAL, "CRAVING", at)
    report = world.tick(at + timedelta(minutes=16))
    assert [m["To"] for m in fake.messages] == [REAL]
    assert fake.requests == 1
    assert report.send.sent == 2
    assert outbox_rows(world, number, SANDBOX)[0][1:] == ("sent", "sandbox", None)
    assert outbox_rows(world, REAL, "sms")[0][1] == "sent"


def test_the_simulators_clock_touches_nobody_elses_rows(world, fake):
    at = utc(2026, 12, 8, 16, 0)
    world.text(REAL, "DAILY", at)                          # a real person's daily text tomorrow at 9:00
    world.text(REAL, "CRAVING", at)
    number = number_for(3)
    sim = world.simulator
    sim.say(number, "DAILY", at)
    sim.catch_up(number, sim.target(number, at, DAY) + timedelta(days=1))
    with world.store.transaction() as tx:
        real = tx.find_person(REAL, "sms")
        theirs = tx.session.execute(select(models.OutboxMessage.kind, models.OutboxMessage.status).where(
            models.OutboxMessage.person_id == real.id)).all()
        assert real.daily_next_at == utc(2026, 12, 9, 15, 0)        # not advanced by the simulator
    assert theirs == [("craving_followup", "pending")]            # not claimed, not written
    assert [s.kind for s in sim.outlook(number).scheduled if s.status == "arrived"] == ["daily", "daily"]
    assert fake.requests == 0


def test_to_the_next_daily_text_and_a_stop_cancels_what_was_coming(world, fake):
    sim, number = world.simulator, number_for(4)
    at = utc(2026, 12, 9, 4, 0)                           # 22:00 in Chicago: quiet hours, no check-in planned
    sim.say(number, "DAILY", at)
    sim.say(number, "CRAVING", at)
    assert sim.outlook(number).next_checkin is None
    target = sim.target(number, at, NEXT_DAILY)
    assert target == utc(2026, 12, 9, 15, 0)              # 9:00 the next morning in Chicago
    sim.catch_up(number, target)
    sim.say(number, "CRAVING", target + timedelta(minutes=1))
    sim.say(number, "STOP", target + timedelta(minutes=2))
    texts = sim.outlook(number).scheduled
    assert [(s.kind, s.status, s.reason) for s in texts] == [
        ("daily", "arrived", None), ("craving_followup", "not_sent", "cancelled")]
    assert sim.target(number, target, NEXT_DAILY) is None   # STOP: no daily text to move to
    assert fake.requests == 0


def test_a_plan_with_a_quit_date_brings_its_texts_and_a_check_in_answer(world, fake):
    sim, number = world.simulator, number_for(5)
    at = utc(2026, 12, 8, 16, 0)
    steps = ["PLAN", "tomorrow", "YES", "stress", "3", "my sister", "no", "YES"]
    turns = [sim.say(number, text, at + timedelta(minutes=i)) for i, text in enumerate(steps)]
    assert turns[0].intent == "plan"
    with world.store.transaction() as tx:
        person = tx.find_person(number, SANDBOX)
        assert person.plan is not None and person.plan_next_at is not None, [t.intent for t in turns]
    now = at + timedelta(minutes=10)
    seen = []
    for _ in range(3):                                   # the quit day, then day 1's check-in
        target = sim.target(number, now, NEXT_CHECKIN)
        sim.catch_up(number, target)
        now = target
        seen = [s for s in sim.outlook(number).scheduled if s.status == "arrived"]
        if any("1 (really hard)" in s.text for s in seen):
            break
    assert any(s.kind == "quit_date" for s in seen)
    assert any("1 (really hard)" in s.text for s in seen)
    answer = sim.say(number, "4", now + timedelta(minutes=5))
    assert answer.intent == "checkin"
    assert fake.requests == 0


def test_a_crisis_shows_its_kind(world):
    turn = world.simulator.say(number_for(6), "my friend is not breathing", utc(2026, 12, 8, 16, 0))
    assert turn.intent == "crisis" and turn.crisis_kind == "overdose_other"
    assert "911" in turn.replies[0].text


def test_reset_erases_the_test_number_and_leaves_no_tombstone(world):
    sim, number = world.simulator, number_for(7)
    at = utc(2026, 12, 8, 16, 0)
    sim.say(number, "CRAVING", at)
    assert sim.say(number, "STOP", at + timedelta(minutes=1)).intent == "stop"
    assert sim.reset(number, at + timedelta(minutes=2)) is True
    with world.store.transaction() as tx:
        assert tx.find_person(number, SANDBOX) is None
        assert tx.session.execute(select(func.count()).select_from(models.ErasedNumber)).scalar() == 0
        assert tx.session.execute(select(func.count()).select_from(models.OutboxMessage)).scalar() == 0
    again = sim.say(number, "hello", at + timedelta(minutes=3))
    assert again.replies                              # a fresh start: not opted out by the STOP before
    assert sim.reset(number, at) is True and sim.reset(number, at) is False


def test_the_clock_never_runs_behind_real_time_or_the_last_text(world):
    sim, number = world.simulator, number_for(8)
    before = datetime.now(timezone.utc)
    assert sim.now(number) >= before
    assert sim.now(number, timedelta(hours=3)) >= before + timedelta(hours=3)
    assert sim.now(number, timedelta(hours=-3)) >= before
    later = before + timedelta(days=2)
    sim.say(number, "hello", later)
    assert sim.now(number) >= later                    # an offset lost (a new session) keeps its time


def test_only_test_numbers_go_on_the_sandbox(world):
    with pytest.raises(ValueError):
        world.simulator.say(REAL, "hello", utc(2026, 12, 8, 16, 0))


def test_a_sandbox_row_whose_earlier_attempt_is_unconfirmed_is_not_even_looked_up(world, fake):
    """The retry path asks Twilio whether an earlier attempt went (bot.sender._sent_before):
    for a sandbox row not even that request is made."""
    at = utc(2026, 12, 8, 16, 0)
    number = number_for(9)
    world.simulator.say(number, "CRAVING", at)
    with world.store.transaction() as tx:
        tx.session.execute(update(models.OutboxMessage).values(attempts=1, delivery_status="unconfirmed"))
    world.tick(at + timedelta(minutes=16))
    assert fake.requests == 0 and fake.lookups == 0
    assert outbox_rows(world, number, SANDBOX)[0][1:] == ("sent", "sandbox", None)
