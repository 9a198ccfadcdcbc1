"""Opt-out and opt-in exactly as Twilio records them, on SQLite and PostgreSQL.

One opt-out for both ways Steady learns of it (a texted STOP, Twilio's 21610 through
the real twilio library and the loopback fake), and Twilio Advanced Opt-Out's
OptOutType over signed webhook requests.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot import models
from flows.helpline import HELPLINE_NUMBER
from tests.adapters.test_clock import utc
from tests.adapters.test_quit_dates import SIGNUP, make_plan, run_days
from tests.support import post_signed, replies_of, sms_params

pytestmark = pytest.mark.db

TEXTED = "+12125550111"     # texts STOP
CARRIER = "+12125550122"    # STOP at the carrier: Twilio answers a send with 21610
CRISIS = "I want to kill myself"


def _person(steady, number):
    with steady.store.transaction() as tx:
        person = tx.find_person(number, "sms")
        state = tx.state_of(person)
        consents = tx.session.execute(
            select(models.ConsentEvent.kind).where(models.ConsentEvent.person_id == person.id)
            .order_by(models.ConsentEvent.id)
        ).scalars().all()
        return state, person.daily_next_at, person.plan_next_at, person.opted_out_at, consents


def _pending(steady, number):
    with steady.store.transaction() as tx:
        person = tx.find_person(number, "sms")
        return tx.session.execute(
            select(models.OutboxMessage.kind).where(
                models.OutboxMessage.person_id == person.id, models.OutboxMessage.status == "pending")
        ).scalars().all()


def test_a_texted_stop_and_twilios_21610_leave_the_same_state_and_start_resumes_neither(world, fake):
    for number in (TEXTED, CARRIER):
        make_plan(world, number=number)                        # quit-date texts on, with consent
        world.text(number, "DAILY", SIGNUP + timedelta(minutes=10))
        world.text(number, "CRAVING", utc(2026, 11, 25, 13, 50))   # a check-in pending at 14:05
        before = _person(world, number)
        assert before[0].daily_enabled and before[0].plan["texts"] is True
        assert before[1] is not None and before[2] is not None

    world.text(TEXTED, "STOP", utc(2026, 11, 25, 13, 55))
    fake.fail_for(CARRIER, http_status=400, code=21610)
    world.tick(utc(2026, 11, 25, 14, 0, 30))                   # CARRIER's daily text: 21610

    texted, carrier = _person(world, TEXTED), _person(world, CARRIER)
    assert carrier[0] == texted[0]                             # the same state, field for field
    state = carrier[0]
    assert state.opted_out and not state.daily_enabled and state.flow is None
    assert state.plan["texts"] is False and state.plan["quit_date"] == "2026-12-07"
    for _, daily_next, plan_next, opted_out_at, consents in (texted, carrier):
        assert (daily_next, plan_next) == (None, None) and opted_out_at is not None
        assert consents[-1] == "opt_out"
    assert _pending(world, TEXTED) == _pending(world, CARRIER) == []

    for number in (TEXTED, CARRIER):
        answer = world.text(number, "START", utc(2026, 11, 25, 16, 0))
        assert answer.replies and HELPLINE_NUMBER in answer.replies[0]
    texted, carrier = _person(world, TEXTED), _person(world, CARRIER)
    assert carrier[0] == texted[0]
    assert not carrier[0].opted_out and not carrier[0].daily_enabled and carrier[0].plan["texts"] is False
    assert (texted[1], texted[2], carrier[1], carrier[2]) == (None, None, None, None)
    assert texted[4][-1] == carrier[4][-1] == "opt_in"

    sent_before = len(fake.messages)
    run_days(world, date(2026, 11, 26), date(2027, 1, 10))    # daily and every quit-date day
    assert len(fake.messages) == sent_before                   # no scheduled text without a fresh opt-in

    world.text(TEXTED, "DAILY", utc(2027, 1, 11, 5, 0))        # a fresh opt-in brings daily texts back
    world.tick(utc(2027, 1, 11, 14, 0, 30))
    assert [m["To"] for m in fake.messages[sent_before:]] == [TEXTED]


def test_a_second_21610_for_an_opted_out_number_records_nothing_new(world, fake):
    world.text(CARRIER, "DAILY", SIGNUP)
    fake.fail_for(CARRIER, http_status=400, code=21610)
    world.tick(utc(2026, 11, 25, 14, 0, 30))
    with world.store.transaction() as tx:
        person_id = tx.find_person(CARRIER, "sms").id
    first = _person(world, CARRIER)
    world.feedback.mark_opted_out(person_id, utc(2026, 11, 25, 15, 0), keyword="21610")
    again = _person(world, CARRIER)
    assert again == first and again[4] == ["daily_on", "opt_out"]


# --- OptOutType over the signed webhook ---------------------------------------------------

PERSON = "+14155550123"


def send(client, body, opt_out_type=None):
    extra = {"OptOutType": opt_out_type} if opt_out_type else {}
    response = post_signed(client, "/sms", sms_params(body, sender=PERSON, **extra))
    assert response.status_code == 200
    return replies_of(response)


def records(app):
    """(consent events as (kind, keyword), out-message events by intent)."""
    with app.extensions["steady"].store.transaction() as tx:
        consents = [(e.kind, e.keyword) for e in tx.session.execute(
            select(models.ConsentEvent).order_by(models.ConsentEvent.id)).scalars()]
        out = tx.session.execute(
            select(models.MessageEvent.intent).where(models.MessageEvent.direction == "out")
            .order_by(models.MessageEvent.id)).scalars().all()
        return consents, out


def opted_out(app) -> bool:
    with app.extensions["steady"].store.transaction() as tx:
        return tx.find_person(PERSON, "sms").opted_out


def test_opt_out_type_stop_on_a_custom_keyword_records_the_opt_out_and_silences(app, client):
    stop = send(client, "ALTO", "STOP")
    assert len(stop) == 1 and "911" in stop[0] and "988" in stop[0]
    assert opted_out(app)
    consents, out = records(app)
    assert consents == [("opt_out", "ALTO")]
    assert out == []                      # Twilio blocked the number: the TwiML reply is not delivered
    assert send(client, "CRAVING") == [] and send(client, CRISIS) == []


def test_opt_out_type_stop_on_a_keyword_steady_does_not_know_is_still_an_opt_out(app, client):
    send(client, "me salgo", "STOP")
    assert opted_out(app) and records(app)[0] == [("opt_out", "ME SALGO")]


def test_opt_out_type_start_on_a_custom_keyword_opts_in_and_a_crisis_is_then_answered(app, client):
    send(client, "STOP")
    assert send(client, CRISIS) == []                          # STOP is absolute
    start = send(client, "COMENZAR", "START")
    assert len(start) == 1 and "Reply STOP to cancel" in start[0]
    assert not opted_out(app)
    assert records(app)[0] == [("opt_out", "STOP"), ("opt_in", "COMENZAR")]
    crisis = send(client, CRISIS)
    assert crisis and "988" in crisis[0] and "911" in crisis[0]


def test_without_opt_out_type_a_custom_opt_in_word_leaves_the_person_opted_out(app, client):
    send(client, "STOP")
    assert send(client, "COMENZAR") == [] and opted_out(app)


def test_opt_out_type_help_gets_the_help_reply(app, client):
    replies = send(client, "AYUDA", "HELP")      # AYUDA is HELP in Spanish: the Spanish HELP reply (issue 13)
    assert len(replies) == 1 and "Pueden aplicarse tarifas de mensajes y datos" in replies[0] and "988" in replies[0]
    assert records(app) == ([], ["help"])


@pytest.mark.parametrize("body", ["y", "Y", "yes please", "un stop", "subscribe"])
def test_after_stop_words_twilio_does_not_accept_get_silence_and_no_opt_in(app, client, body):
    send(client, "STOP")
    assert send(client, body) == []
    assert opted_out(app) and records(app)[0] == [("opt_out", "STOP")]
    assert send(client, "YES") and not opted_out(app)
    assert records(app)[0] == [("opt_out", "STOP"), ("opt_in", "YES")]


@pytest.mark.parametrize(
    "body, delivered",
    [("STOP", 0), ("unsubscribe", 0), ("Quit.", 0),            # Twilio blocks before the reply
     ("stop texting me", 1), ("no más mensajes", 1), ("ALTO", 1)],   # Twilio doesn't: the reply goes out
)
def test_the_stop_confirmation_counts_as_delivered_only_when_twilio_does_not_block_it(app, client, body, delivered):
    replies = send(client, body)
    assert len(replies) == 1 and "START" in replies[0] and "911" in replies[0]
    consents, out = records(app)
    assert consents[0][0] == "opt_out" and out == ["stop"] * delivered


# --- steady twilio opt-out-text -----------------------------------------------------------

def test_steady_twilio_opt_out_text_prints_exactly_what_steady_answers(app, client, runner):
    from bot.cli import main

    result = runner.invoke(main, ["twilio", "opt-out-text"])
    assert result.exit_code == 0, result.output
    stop, start, help_reply = send(client, "STOP"), send(client, "START"), send(client, "HELP")
    ayuda, parar = send(client, "AYUDA"), send(client, "PARAR")     # a Spanish word: the Spanish texts
    sections = re.findall(r"^== ([^\n]+) \(\d+ characters, \d segments\) ==\n(.*?)\n\n", result.output,
                          re.MULTILINE | re.DOTALL)
    assert [label for label, _ in sections] == [
        "Opt-out (STOP) confirmation", "Opt-in (START) confirmation", "HELP reply",
        "Spanish Opt-out (STOP) confirmation, for the custom keywords ALTO, PARAR, PARA, BASTA, CANCELAR, BAJA",
        "Spanish HELP reply, for the custom keywords AYUDA"]
    printed = [body for _, body in sections]
    assert printed == [stop[0], start[0], help_reply[0], parar[0], ayuda[0]]
    assert "911" in printed[0] and "988" in printed[0] and HELPLINE_NUMBER in printed[0]
    assert "911" in printed[3] and "988" in printed[3] and "marca 2" in printed[3] and printed[3] != printed[0]


def test_steady_twilio_opt_out_text_uses_the_program_name_setting(runner):
    from bot.cli import main

    result = runner.invoke(main, ["twilio", "opt-out-text"], env={"STEADY_PROGRAM_NAME": "Clinica Norte"})
    assert result.exit_code == 0, result.output
    assert "Clinica Norte: you're unsubscribed" in result.output
