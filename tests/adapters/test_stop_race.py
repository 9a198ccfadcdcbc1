"""STOP is absolute while the clock is sending, on SQLite and PostgreSQL.

A real send (Sender.send_due, the real twilio library, the loopback fake Twilio made slow so
texts are claimed and in flight for a while) runs in a thread while people text STOP. What
counts is what the fake received: no text reaches it for a number after that number's STOP
was confirmed (Conversation.handle returned the confirmation). Then: a retry after STOP and
START is not sent, and a redelivered MessageSid after STOP gets silence.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import models
from bot.outbox import NO_CONSENT
from bot.sender import SendReport
from tests.adapters.test_clock import rows, sent_to, utc
from tests.fakes.twilio_api import FakeTwilio
from tests.support import post_signed, replies_of, sms_params

pytestmark = pytest.mark.db

NUMBERS = [f"+1212555{3000 + i:04d}" for i in range(24)]     # New York: 9:00 is 14:00 UTC
STOPPING = NUMBERS[1::2]
SIGNUP = utc(2026, 11, 24, 5, 0)
SEND = utc(2026, 11, 24, 14, 0)
DELAY = 0.2      # seconds the fake holds each request: 24 texts, 4 at a time, take about 1.2 s


@pytest.fixture
def fake():
    """The fake Twilio made slow, for this module's tests and the `world` sending to it."""
    with FakeTwilio(delay=DELAY) as server:
        yield server


def _in_background(target):
    """Run `target` in a thread; the returned join() gives its result or raises its error."""
    done: dict = {}

    def run():
        try:
            done["result"] = target()
        except Exception as exc:  # noqa: BLE001 - raised again in the test thread
            done["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join():
        thread.join(30)
        assert not thread.is_alive(), "the send did not finish"
        if "error" in done:
            raise done["error"]
        return done["result"]

    return join


def _wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _row_of(steady, number):
    with steady.store.transaction() as tx:
        person = tx.find_person(number, "sms")
        return tx.session.execute(
            select(models.OutboxMessage).where(models.OutboxMessage.person_id == person.id)
        ).scalar_one()


def test_no_text_reaches_twilio_after_a_stop_confirmed_while_the_clock_was_sending(world, fake):
    for number in NUMBERS:
        world.text(number, "DAILY", SIGNUP)
    assert world.daily.enqueue_due(SEND).enqueued == len(NUMBERS)
    join = _in_background(lambda: world.sender.send_due(SEND))
    _wait_for(lambda: rows(world, status="sending"))           # claimed: the batch is under way

    confirmed = {}
    for number in reversed(STOPPING):    # the last to be sent first: claimed ones, then ones in flight
        answer = world.text(number, "STOP", SEND + timedelta(minutes=1))
        confirmed[number] = time.monotonic()
        assert answer.intent == "stop" and answer.replies
    report = join()

    for number in STOPPING:
        arrived = [fake.received_at[m["sid"]] for m in sent_to(fake, number)]
        late = [at - confirmed[number] for at in arrived if at >= confirmed[number]]
        assert late == [], f"{number}: a text reached Twilio {late} s after the STOP was confirmed"
    # The race was real: the send was under way for these STOPs, and claimed texts were stopped.
    stopped = [n for n in STOPPING if not sent_to(fake, n)]
    assert len(stopped) >= len(STOPPING) // 4, stopped
    assert all(_row_of(world, n).status == "cancelled" for n in stopped)
    assert all(len(sent_to(fake, n)) <= 1 for n in STOPPING)
    # Everyone else got their one daily text.
    assert all(len(sent_to(fake, n)) == 1 for n in NUMBERS if n not in STOPPING)
    assert report.claimed == len(NUMBERS)
    assert report.sent == len(fake.messages) == len(NUMBERS) - len(stopped)
    assert rows(world, status="sending") == []


def test_a_text_in_flight_holds_the_stop_confirmation_until_twilio_answered(world, fake):
    number = NUMBERS[0]
    world.text(number, "DAILY", SIGNUP)
    world.daily.enqueue_due(SEND)
    join = _in_background(lambda: world.sender.send_due(SEND))
    _wait_for(lambda: fake.requests == 1)                       # the request is at Twilio, unanswered
    world.text(number, "STOP", SEND + timedelta(minutes=1))
    confirmed = time.monotonic()
    assert _row_of(world, number).status == "sent"             # its answer was in before the confirmation
    (message,) = sent_to(fake, number)
    assert fake.received_at[message["sid"]] < confirmed
    join()


def test_a_retry_after_stop_then_start_is_not_sent_without_a_fresh_opt_in(world, fake):
    number = NUMBERS[0]
    world.text(number, "DAILY", SIGNUP)
    world.daily.enqueue_due(SEND)
    fake.fail_next(1, http_status=500)                          # a passing failure: retried later
    join = _in_background(lambda: world.sender.send_due(SEND))
    _wait_for(lambda: fake.requests == 1)
    world.text(number, "STOP", SEND + timedelta(minutes=1))     # while that request is in flight
    assert join().retried == 1
    assert _row_of(world, number).status == "pending"          # put back for its retry
    world.text(number, "START", SEND + timedelta(minutes=2))    # replies back; daily texts stay off

    report = world.tick(SEND + timedelta(minutes=10))          # well past the 30 s backoff
    assert fake.messages == []
    row = _row_of(world, number)
    assert (row.status, row.delivery_status) == ("cancelled", NO_CONSENT)
    assert report.send.reasons == {NO_CONSENT: 1}

    world.text(number, "DAILY", SEND + timedelta(hours=3))      # a fresh opt-in: the next day's text goes
    world.tick(SEND + timedelta(days=1))
    assert len(sent_to(fake, number)) == 1


def test_a_retry_is_checked_against_consent_for_its_kind_right_before_the_request(world, fake):
    """A row already back to `pending` when consent goes is cancelled by the turn; one
    claimed for its retry meanwhile is stopped by the check before the request."""
    number = NUMBERS[0]
    world.text(number, "DAILY", SIGNUP)
    world.daily.enqueue_due(SEND)
    fake.fail_next(1, http_status=503)
    assert world.sender.send_due(SEND).retried == 1
    retry_at = SEND + timedelta(minutes=5)
    (claimed,) = world.outbox.claim(retry_at, 10)               # claimed for the retry ...
    world.text(number, "DAILY OFF", retry_at)                   # ... and consent goes before the request
    report = SendReport()
    assert world.sender._record([], retry_at, report, gate=[claimed]) == []    # not let through
    assert report.reasons == {NO_CONSENT: 1}
    assert fake.requests == 1 and fake.messages == []          # only the first, failed, attempt
    assert _row_of(world, number).status == "cancelled"


def test_after_stop_a_redelivered_message_gets_silence_not_its_stored_reply(app):
    client = app.test_client()
    help_text, stop = sms_params("HELP"), sms_params("STOP")
    answered = replies_of(post_signed(client, "/sms", help_text))
    assert answered and replies_of(post_signed(client, "/sms", help_text)) == answered    # a repeat: same reply
    assert replies_of(post_signed(client, "/sms", stop))

    for params in (help_text, stop):         # Twilio delivers them again after the STOP
        response = post_signed(client, "/sms", params)
        assert response.status_code == 200 and replies_of(response) == []

    assert replies_of(post_signed(client, "/sms", sms_params("START")))
    assert replies_of(post_signed(client, "/sms", help_text)) == answered    # opted in again: answered
