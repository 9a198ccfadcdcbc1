"""The complete erase, by text, on SQLite and PostgreSQL: everything about the number goes in
the turn's transaction; what stays is its keyed hash and its consent record, re-keyed.

Real parts: Steady wired to the loopback fake Twilio (tests.adapters.test_clock's world),
the real outbox sending from a thread for the in-flight case.
"""

from __future__ import annotations

import os
import stat
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import erasure, models
from bot.conversation import Inbound
from tests.adapters.test_clock import sent_to, utc
from tests.adapters.test_stop_race import _in_background, _wait_for
from tests.fakes.twilio_api import FakeTwilio
from tests.support import new_sid

pytestmark = pytest.mark.db

NUMBER = "+12125550188"          # New York: 9:00 is 14:00 UTC
OTHER = "+12125550199"
SIGNUP = utc(2026, 11, 24, 5, 0)
SEND = utc(2026, 11, 24, 14, 0)
PERSON_MODELS = (models.Person, models.ProcessedMessage, models.ConsentEvent, models.MessageEvent,
                 models.OutboxMessage, models.Checkin)


@pytest.fixture
def fake():
    with FakeTwilio(delay=0.3) as server:
        yield server


def text(world, number, body, now, sid=None):
    return world.conversation.handle(Inbound(sender=number, body=body, now=now, sid=sid or new_sid()))


def count(world, model, **where):
    with world.store.transaction() as tx:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return tx.session.execute(query).scalar_one()


def person_id(world, number):
    with world.store.transaction() as tx:
        person = tx.find_person(number, "sms")
        return None if person is None else person.id


def fill(world, number):
    """A person with something in every table: daily texts (a written row), a plan with its
    quit-date texts, a check-in, a craving follow-up, handled MessageSids."""
    text(world, number, "DAILY", SIGNUP)
    for body in ("PLAN", "December 7", "YES", "payday", "call my sister Ana 555-0101", "walk",
                 "SKIP", "YES"):
        text(world, number, body, SIGNUP + timedelta(minutes=1))
    world.daily.enqueue_due(SEND)
    text(world, number, "CRAVING", SEND + timedelta(minutes=5))
    pid = person_id(world, number)
    with world.store.transaction() as tx:
        tx.record_checkin(pid, 4, SEND)
    return pid


def erase_by_text(world, number, at):
    asked = text(world, number, "delete my data", at)
    assert asked.intent == "delete" and "DELETE again or YES within 10 minutes" in asked.replies[0]
    return text(world, number, "YES", at + timedelta(minutes=2))


def test_a_confirmed_delete_erases_everything_and_keeps_only_the_hash_and_consents(world):
    gone = fill(world, NUMBER)
    kept = fill(world, OTHER)
    for model in PERSON_MODELS[1:]:
        assert count(world, model, person_id=gone) >= 1, model.__tablename__
    consents = count(world, models.ConsentEvent, person_id=gone)

    done = erase_by_text(world, NUMBER, SEND + timedelta(hours=1))
    assert done.intent == "delete" and done.detail == "erased"
    (reply,) = done.replies
    assert "erased" in reply and "text again" in reply and "1-800-662-4357" in reply

    assert person_id(world, NUMBER) is None
    for model in PERSON_MODELS[1:]:
        assert count(world, model, person_id=gone) == 0, model.__tablename__
        assert count(world, model, person_id=kept) >= 1, model.__tablename__
    key = erasure.data_key(world.settings)
    digest = erasure.number_hash(key, NUMBER)
    with world.store.transaction() as tx:
        (tomb,) = tx.session.execute(select(models.ErasedNumber)).scalars().all()
        assert tomb.number_hash == digest and tomb.erased_at == SEND + timedelta(hours=1, minutes=2)
        assert tomb.stopped is False
        kept_consents = tx.session.execute(select(models.ErasedConsentEvent)).scalars().all()
    assert len(kept_consents) == consents
    assert {(c.kind, c.keyword) for c in kept_consents} >= {("daily_on", "DAILY")}
    assert all(c.number_hash == digest for c in kept_consents)


def test_no_copy_of_the_number_or_a_plan_answer_is_left_in_any_table(world):
    fill(world, NUMBER)
    erase_by_text(world, NUMBER, SEND + timedelta(hours=1))
    with world.store.transaction() as tx:
        for table in models.Base.metadata.sorted_tables:
            for row in tx.session.execute(select(table)).all():
                flat = repr(tuple(row))
                assert NUMBER not in flat and NUMBER[2:] not in flat, table.name
                assert "Ana" not in flat and "payday" not in flat, table.name


def test_a_repeated_delivery_of_the_confirming_text_gets_the_same_confirmation(world):
    text(world, NUMBER, "DAILY", SIGNUP)
    text(world, NUMBER, "DELETE", SIGNUP + timedelta(minutes=1))
    sid = new_sid()
    done = text(world, NUMBER, "DELETE", SIGNUP + timedelta(minutes=2), sid=sid)
    again = text(world, NUMBER, "DELETE", SIGNUP + timedelta(minutes=3), sid=sid)
    assert again.repeat and again.replies == done.replies
    assert person_id(world, NUMBER) is None


def test_anything_else_cancels_and_is_answered_as_itself(world):
    text(world, NUMBER, "DAILY", SIGNUP)
    text(world, NUMBER, "forget me", SIGNUP + timedelta(minutes=1))
    answer = text(world, NUMBER, "CRAVING", SIGNUP + timedelta(minutes=2))
    assert answer.intent == "craving"
    assert text(world, NUMBER, "YES", SIGNUP + timedelta(minutes=3)).intent != "delete"
    assert person_id(world, NUMBER) is not None


def test_a_confirmation_after_ten_minutes_erases_nothing(world):
    text(world, NUMBER, "DELETE", SIGNUP)
    late = text(world, NUMBER, "YES", SIGNUP + timedelta(minutes=11))
    assert late.intent != "delete"
    assert person_id(world, NUMBER) is not None


def test_a_crisis_during_the_window_gets_the_crisis_reply_and_cancels_the_delete(world):
    text(world, NUMBER, "DELETE", SIGNUP)
    crisis = text(world, NUMBER, "i want to kill myself", SIGNUP + timedelta(minutes=1))
    assert crisis.intent == "crisis" and "988" in crisis.replies[0]
    text(world, NUMBER, "YES", SIGNUP + timedelta(minutes=2))
    assert person_id(world, NUMBER) is not None


def test_erase_during_an_open_plan_works(world):
    text(world, NUMBER, "PLAN", SIGNUP)
    text(world, NUMBER, "December 7", SIGNUP)
    asked = text(world, NUMBER, "DELETE", SIGNUP + timedelta(minutes=1))     # a keyword leaves the flow
    assert asked.intent == "delete"
    assert text(world, NUMBER, "DELETE", SIGNUP + timedelta(minutes=2)).detail == "erased"
    assert person_id(world, NUMBER) is None


def test_an_erased_number_that_texts_again_is_new_and_gets_no_scheduled_texts_until_it_opts_in(world, fake):
    fill(world, NUMBER)
    erase_by_text(world, NUMBER, SIGNUP + timedelta(hours=1))
    again = text(world, NUMBER, "hi", SIGNUP + timedelta(hours=2))
    assert again.replies and "menu" not in again.intent
    with world.store.transaction() as tx:
        person = tx.find_person(NUMBER, "sms")
        assert (person.opted_out, person.daily_enabled, person.plan, person.private) == (False, False, None, False)
    world.tick(SEND + timedelta(days=1))
    world.tick(SEND + timedelta(days=2))
    assert sent_to(fake, NUMBER) == []
    text(world, NUMBER, "DAILY", SEND + timedelta(days=2, hours=1))      # a fresh opt-in: texts again
    world.tick(SEND + timedelta(days=3))
    assert len(sent_to(fake, NUMBER)) == 1


def test_an_erased_number_that_had_texted_stop_starts_opted_out(world):
    text(world, NUMBER, "DAILY", SIGNUP)
    text(world, NUMBER, "STOP", SIGNUP + timedelta(minutes=1))
    with world.store.transaction() as tx:          # the operator's erase (steady people erase)
        assert erasure.erase(tx, NUMBER, erasure.data_key(world.settings), SIGNUP + timedelta(minutes=2)) == 1
    assert text(world, NUMBER, "hi", SIGNUP + timedelta(minutes=3)).replies == ()
    with world.store.transaction() as tx:
        assert tx.find_person(NUMBER, "sms").opted_out is True
    assert text(world, NUMBER, "START", SIGNUP + timedelta(minutes=4)).replies


def test_nothing_reaches_twilio_after_the_erase_confirmation_while_a_text_was_in_flight(world, fake, monkeypatch):
    from bot import conversation

    waits = []
    real_wait = conversation.outbox.wait_in_flight

    def recorded_wait(store, person):                     # the real wait, counted
        waits.append(person)
        return real_wait(store, person)

    monkeypatch.setattr(conversation.outbox, "wait_in_flight", recorded_wait)
    text(world, NUMBER, "DAILY", SIGNUP)
    world.daily.enqueue_due(SEND)
    text(world, NUMBER, "DELETE", SEND)
    join = _in_background(lambda: world.sender.send_due(SEND))
    _wait_for(lambda: fake.requests == 1)                 # the request is at Twilio, unanswered
    done = text(world, NUMBER, "YES", SEND + timedelta(minutes=1))
    assert len(waits) == 1                                # the erase saw it in flight and waited once
    confirmed = time.monotonic()
    assert done.detail == "erased"
    (message,) = sent_to(fake, NUMBER)
    assert fake.received_at[message["sid"]] < confirmed
    join()
    assert count(world, models.OutboxMessage) == 0 and person_id(world, NUMBER) is None
    world.tick(SEND + timedelta(days=1))
    assert len(sent_to(fake, NUMBER)) == 1


def test_a_row_claimed_but_not_yet_requested_is_never_sent_after_the_erase(world, fake):
    text(world, NUMBER, "DAILY", SIGNUP)
    world.daily.enqueue_due(SEND)
    (claimed,) = world.outbox.claim(SEND, 10)
    text(world, NUMBER, "DELETE", SEND)
    text(world, NUMBER, "DELETE", SEND + timedelta(minutes=1))
    from bot.sender import SendReport

    assert world.sender._record([], SEND, SendReport(), gate=[claimed]) == []
    assert fake.requests == 0


def test_the_data_key_is_made_once_in_the_instance_folder_with_mode_0600(world):
    settings = world.settings.with_(data_key=None)    # tests set one (tests.support.make_settings)
    key = erasure.data_key(settings)
    path = erasure.key_path(settings)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert erasure.data_key(settings) == key and len(key) >= 32
    assert erasure.data_key(settings.with_(data_key="k" * 40)) == b"k" * 40


def test_an_erase_by_text_takes_the_number_on_every_channel(world):
    text(world, NUMBER, "DAILY", SIGNUP)
    text(world, f"whatsapp:{NUMBER}", "DAILY", SIGNUP)
    text(world, f"whatsapp:{NUMBER}", "DELETE", SIGNUP + timedelta(minutes=1))
    assert text(world, f"whatsapp:{NUMBER}", "YES", SIGNUP + timedelta(minutes=2)).detail == "erased"
    assert count(world, models.Person) == 0 and count(world, models.ConsentEvent) == 0
    assert count(world, models.ErasedNumber) == 1 and count(world, models.ErasedConsentEvent) == 2


def test_a_stop_on_either_channel_is_kept_when_the_number_is_erased(world):
    text(world, NUMBER, "STOP", SIGNUP)                            # SMS: opted out
    text(world, f"whatsapp:{NUMBER}", "DELETE", SIGNUP + timedelta(minutes=1))
    text(world, f"whatsapp:{NUMBER}", "YES", SIGNUP + timedelta(minutes=2))
    with world.store.transaction() as tx:
        (kept,) = tx.session.execute(select(models.ErasedNumber)).scalars().all()
        assert kept.stopped is True
    assert text(world, NUMBER, "hi", SIGNUP + timedelta(minutes=3)).replies == ()
