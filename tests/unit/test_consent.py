"""Opt-out and opt-in in pure turns: one opt-out (flows.consent) and Twilio's OptOutType
as the carrier's word on it, in the engine's fixed order."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from flows import consent, engine, intents
from flows.commands import CancelScheduled
from flows.context import Context
from flows.turn_values import Event, State
from tests.understanding import CONTENT, MATCHER, UNDERSTANDING

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
CTX = Context(content=CONTENT, matcher=MATCHER, now=NOW, understanding=UNDERSTANDING)
PLAN = {"quit_date": "2026-12-07", "texts": True, "triggers": "people I used with"}
SIGNED_UP = State(daily_enabled=True, plan=PLAN, flow={"name": "plan", "step": "triggers"})
OPTED_OUT = consent.opt_out(SIGNED_UP)
CRISIS_TEXT = "I want to kill myself"


def turn(text, state, opt_out_type=None):
    return engine.turn(text, state, CTX, opt_out_type=opt_out_type)


def test_an_opt_out_turns_daily_and_quit_date_texts_off_and_keeps_the_plan():
    after = consent.opt_out(SIGNED_UP)
    assert after.opted_out and not after.daily_enabled and after.flow is None
    assert after.plan == {**PLAN, "texts": False}
    assert SIGNED_UP.plan["texts"] is True                 # the state given is not changed
    assert consent.opt_out(State()) == State(opted_out=True)


def test_an_opt_in_brings_replies_back_and_switches_nothing_scheduled_on():
    after = consent.opt_in(OPTED_OUT)
    assert not after.opted_out and not after.daily_enabled and after.plan["texts"] is False


@pytest.mark.parametrize("text", ["STOP", "stop texting me", "ALTO", "no más mensajes", "ARRÊT"])
def test_a_texted_stop_leaves_exactly_the_state_of_the_one_opt_out(text):
    outcome = turn(text, SIGNED_UP)
    assert outcome.intent == intents.STOP
    # A Spanish opt-out word is answered in Spanish, and Spanish is the person's language.
    spanish = text in ("ALTO", "no más mensajes")
    assert outcome.state == replace(consent.opt_out(SIGNED_UP), language="es" if spanish else "en")
    assert CancelScheduled() in outcome.commands


# About the DAILY texts only: daily_off, never a full STOP (which silences every reply,
# crisis replies included). The Spanish daily words are carrier.py's `_DAILY`.
SPANISH_DAILY_OFF = [
    "no mas mensajes diarios", "No más mensajes diarios", "ya no quiero los mensajes diarios",
    "para los mensajes de cada dia", "no mas recordatorios", "no me mandes mas mensajes diarios",
    "no mas textos de cada dia", "ya no me mandes mensajes cada mañana",
]


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("text", SPANISH_DAILY_OFF)
def test_a_spanish_request_to_stop_the_daily_texts_turns_only_them_off(text, language):
    state = replace(SIGNED_UP, flow=None, language=language)
    outcome = turn(text, state)
    assert outcome.intent == intents.DAILY_OFF, text
    assert not outcome.state.daily_enabled and not outcome.state.opted_out
    assert outcome.state.plan == PLAN                                 # quit-date texts untouched
    assert CancelScheduled() not in outcome.commands
    # Still answered afterwards, a crisis first of all.
    assert turn(CRISIS_TEXT, outcome.state).intent == intents.CRISIS
    assert turn("no quiero vivir", outcome.state).replies


@pytest.mark.parametrize("text", ["PARAR", "ALTO", "no más mensajes", "no me mandes más"])
def test_a_whole_spanish_stop_still_opts_out_fully(text):
    outcome = turn(text, SIGNED_UP)
    assert outcome.intent == intents.STOP and outcome.state.opted_out
    assert CancelScheduled() in outcome.commands
    assert turn("no quiero vivir", outcome.state).replies == ()      # silence after an opt-out


@pytest.mark.parametrize("text, keyword", [("ALTO", "ALTO"), ("me salgo", "ME SALGO"), ("STOP", "STOP")])
def test_opt_out_type_stop_records_the_opt_out_with_the_keyword_sent(text, keyword):
    outcome = turn(text, SIGNED_UP, "STOP")
    assert outcome.intent == intents.STOP
    assert outcome.state == replace(consent.opt_out(SIGNED_UP), language="es" if text == "ALTO" else "en")
    assert outcome.events == (Event("opt_out", keyword),)
    assert outcome.replies and "911" in outcome.replies[0] and "988" in outcome.replies[0]


def test_opt_out_type_stop_wins_over_a_crisis_because_twilio_already_blocks_the_number():
    outcome = turn(f"stop {CRISIS_TEXT}", SIGNED_UP, "STOP")
    assert outcome.intent == intents.STOP and outcome.state.opted_out
    assert outcome.events == (Event("opt_out", "STOP I WANT TO KILL MYSELF"),)
    # Without Twilio's word the same text is a crisis, answered first.
    assert turn(f"stop {CRISIS_TEXT}", SIGNED_UP).intent == intents.CRISIS


def test_opt_out_type_start_opts_in_on_a_custom_keyword():
    outcome = turn("COMENZAR", OPTED_OUT, "START")
    assert outcome.intent == intents.START and not outcome.state.opted_out
    assert outcome.events == (Event("opt_in", "COMENZAR"),)
    assert outcome.replies == (turn("START", OPTED_OUT).replies[0],)
    assert not outcome.state.daily_enabled and outcome.state.plan["texts"] is False


def test_without_opt_out_type_a_custom_opt_in_word_is_silence_while_opted_out():
    outcome = turn("COMENZAR", OPTED_OUT)
    assert outcome.replies == () and outcome.state.opted_out and outcome.events == ()


def test_opt_out_type_start_with_a_crisis_opts_in_and_answers_the_crisis():
    outcome = turn(f"START {CRISIS_TEXT}", OPTED_OUT, "START")
    assert outcome.intent == intents.CRISIS
    assert not outcome.state.opted_out
    assert Event("opt_in", "START I WANT TO KILL MYSELF") in outcome.events
    assert "988" in outcome.replies[0] and "911" in outcome.replies[0]
    # The same text without Twilio's word: the person is still opted out, so silence.
    silent = turn(f"START {CRISIS_TEXT}", OPTED_OUT)
    assert silent.replies == () and silent.state.opted_out


def test_opt_out_type_help_gets_the_help_reply_and_changes_nothing():
    outcome = turn("AYUDA", State(), "HELP")
    # AYUDA is HELP in Spanish: the Spanish HELP reply, and Spanish from now on.
    assert outcome.intent == intents.HELP and outcome.replies == (turn("HELP", State(language="es")).replies[0],)
    assert outcome.state == State(language="es") and outcome.events == ()
    assert turn("AYUDA", OPTED_OUT, "HELP").replies == ()     # Twilio answers no one it blocks


@pytest.mark.parametrize("text", ["y", "Y", "yes please", "un stop", "subscribe", "opt in", "hello"])
def test_while_opted_out_only_what_twilio_accepts_opts_in(text):
    outcome = turn(text, OPTED_OUT)
    assert outcome.replies == () and outcome.state.opted_out and outcome.events == ()


@pytest.mark.parametrize("text, keyword", [("START", "START"), ("unstop!", "UNSTOP"), ("Yes", "YES")])
def test_start_unstop_and_yes_as_the_whole_message_opt_in(text, keyword):
    outcome = turn(text, OPTED_OUT)
    assert outcome.intent == intents.START and not outcome.state.opted_out
    assert outcome.events == (Event("opt_in", keyword),)


# --- may_send: the consent each kind of scheduled text needs -------------------------------

CRAVING_WAIT = {"name": consent.CRAVING_CHECKIN_FLOW, "from": "2026-11-24T15:15:00+00:00",
                "until": "2026-11-24T21:15:00+00:00"}


def test_a_craving_turn_waits_in_the_flow_may_send_looks_for():
    outcome = turn("CRAVING", State())
    (followup,) = outcome.followups
    assert followup.kind == consent.CRAVING_FOLLOWUP
    assert consent.may_send(outcome.state, followup.kind)


@pytest.mark.parametrize("kind, state, allowed", [
    (consent.DAILY, State(daily_enabled=True), True),
    (consent.DAILY, State(daily_enabled=False), False),                       # DAILY OFF
    (consent.QUIT_DATE, State(plan=PLAN), True),
    (consent.QUIT_DATE, State(plan={**PLAN, "texts": False}), False),         # PLAN without texts
    (consent.QUIT_DATE, State(), False),
    (consent.CRAVING_FOLLOWUP, State(flow=CRAVING_WAIT), True),
    (consent.CRAVING_FOLLOWUP, State(), False),                               # answered, or ended
    (consent.CRAVING_FOLLOWUP, State(flow={"name": "plan", "step": "date"}), False),
    ("something_new", State(daily_enabled=True, plan=PLAN, flow=CRAVING_WAIT), False),
])
def test_each_kind_needs_its_own_consent(kind, state, allowed):
    assert consent.may_send(state, kind) is allowed


@pytest.mark.parametrize("kind", [consent.DAILY, consent.QUIT_DATE, consent.CRAVING_FOLLOWUP])
def test_nothing_scheduled_may_go_after_an_opt_out_nor_after_start_without_a_fresh_opt_in(kind):
    everything = State(daily_enabled=True, plan=PLAN, flow=CRAVING_WAIT)
    assert consent.may_send(everything, kind)
    assert not consent.may_send(replace(everything, opted_out=True), kind)      # opted out, nothing else changed
    stopped = turn("STOP", everything).state
    assert not consent.may_send(stopped, kind)
    started = turn("START", stopped).state
    assert not started.opted_out and not consent.may_send(started, kind)


def test_a_fresh_daily_opt_in_after_start_allows_daily_texts_again():
    started = turn("START", consent.opt_out(State(daily_enabled=True))).state
    assert consent.may_send(turn("DAILY", started).state, consent.DAILY)
