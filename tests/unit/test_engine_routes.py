"""The engine's routing around flows and settings: PLAN, MY PLAN, SLIP, check-ins,
TIME, ZONE and which daily texts. Pure, with a fixed `now`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from flows import engine, intents, plan
from flows.helpline import HELPLINE_NUMBER
from flows.turn_values import State
from tests.understanding import as_sent
from tests.unit.test_engine import CTX, FRESH, NOW

SHAMING = ("addict", "junkie", "clean", "dirty", "failure", "failed", "should have", "weak")


def talk(texts, state=FRESH, ctx=CTX):
    outcomes = []
    for text in texts:
        outcome = engine.turn(text, state, ctx)
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def test_plan_starts_the_flow_and_its_answers_stay_in_it():
    first, date, confirm, triggers = talk(["PLAN", "December 7", "YES", "stress"])
    assert first.intent == intents.PLAN and first.state.flow["step"] == "date"
    assert date.state.flow["step"] == "confirm" and "December 7" in date.replies[0]
    assert confirm.state.flow["step"] == "triggers"
    # "stress" is a keyword elsewhere, but inside the flow it is an answer.
    assert triggers.intent == intents.PLAN
    assert triggers.state.flow["draft"]["triggers"] == "stress"


@pytest.mark.parametrize(("word", "intent"), [("CRAVING", intents.CRAVING), ("BREATHE", intents.MINDFULNESS),
                                              ("MY PLAN", intents.MY_PLAN), ("menu", intents.FALLBACK)])
def test_a_menu_keyword_leaves_the_flow(word, intent):
    *_, left = talk(["PLAN", word])
    assert left.intent == intent
    assert not plan.is_open(left.state, NOW)
    if intent == intents.CRAVING:       # the craving check-in's answer is awaited instead
        assert left.state.flow["name"] == engine.CRAVING_CHECKIN_FLOW
    else:
        assert left.state.flow is None


def test_crisis_mid_plan_answers_first_and_offers_to_pick_up_again():
    *_, crisis = talk(["PLAN", "December 7", "YES", "i want to kill myself"])
    assert crisis.intent == intents.CRISIS
    assert "911" in crisis.replies[0] and "988" in crisis.replies[0]
    assert "PLAN" in crisis.replies[1]
    assert crisis.state.flow["name"] == "crisis"            # crisis mode, the plan kept inside it
    assert crisis.state.flow["resume"]["step"] == "triggers"
    resumed = engine.turn("PLAN", crisis.state, CTX)
    assert resumed.state.flow["step"] == "triggers"


def test_a_flow_untouched_for_a_day_is_dropped():
    (start,) = talk(["PLAN"])
    later = replace(CTX, now=NOW + timedelta(hours=25))
    outcome = engine.turn("December 7", start.state, later)
    assert outcome.state.flow is None or outcome.state.flow.get("step") != "confirm"


def test_a_slip_is_met_with_safety_and_no_shame():
    (outcome,) = talk(["I used last night"])
    assert outcome.intent == intents.SLIP
    reply = outcome.replies[0].lower()
    for fact in ("911", "naloxone", "plan", "alone"):
        assert fact in reply
    assert not any(word in reply for word in SHAMING)


def test_my_plan_without_a_plan_offers_plan():
    (outcome,) = talk(["MY PLAN"])
    assert outcome.intent == intents.MY_PLAN and "PLAN" in outcome.replies[0]


def test_a_check_in_answer_is_read_only_while_one_is_waiting():
    waiting = State(flow={"name": engine.CHECKIN_FLOW, "asked_at": (NOW - timedelta(hours=2)).isoformat(), "offset": 1})
    answered = engine.turn("2", waiting, CTX)
    assert answered.intent == intents.CHECKIN and answered.score == 2
    assert "CRAVING" in answered.replies[0]
    assert answered.state.flow is None
    assert engine.turn("2", FRESH, CTX).intent == intents.FALLBACK
    stale = replace(waiting, flow={**waiting.flow, "asked_at": (NOW - timedelta(hours=30)).isoformat()})
    assert engine.turn("2", stale, CTX).intent == intents.FALLBACK


@pytest.mark.parametrize(("score", "expect"), [(1, "CRAVING"), (5, None)])
def test_check_in_replies_fit_the_score(score, expect):
    waiting = State(flow={"name": engine.CHECKIN_FLOW, "asked_at": NOW.isoformat(), "offset": 3})
    reply = as_sent(engine.turn(str(score), waiting, CTX).replies[0])
    assert HELPLINE_NUMBER in reply
    if expect:
        assert expect in reply


@pytest.mark.parametrize(("text", "hhmm"), [("TIME 7pm", "19:00"), ("text me at 8am", "08:00"), ("time 7:30", "08:00")])
def test_time_moves_the_daily_send_time(text, hhmm):
    outcome = engine.turn(text, State(daily_enabled=True), CTX)
    assert outcome.intent == intents.DAILY_TIME
    if hhmm == "08:00" and "7:30" in text:
        # 7:30 AM is before quiet hours end: explained, nearest offered, nothing changed.
        assert outcome.state.daily_time == "09:00"
        assert "8:00 AM" in outcome.replies[0]
    else:
        assert outcome.state.daily_time == hhmm


def test_a_time_in_quiet_hours_is_explained_and_the_nearest_offered():
    outcome = engine.turn("TIME 11pm", State(daily_enabled=True), CTX)
    assert outcome.state.daily_time == "09:00"
    assert "9:00 PM" in outcome.replies[0] and "TIME" in outcome.replies[0]


def test_a_time_set_before_daily_is_on_says_how_to_start():
    outcome = engine.turn("TIME 6pm", FRESH, CTX)
    assert outcome.state.daily_time == "18:00" and not outcome.state.daily_enabled
    assert "DAILY" in outcome.replies[0]


def test_an_unreadable_time_asks_again_with_an_example():
    outcome = engine.turn("TIME 25:00", FRESH, CTX)
    assert outcome.intent == intents.DAILY_TIME and "TIME 7pm" in outcome.replies[0]


@pytest.mark.parametrize(("text", "zone"), [("ZONE Pacific", "America/Los_Angeles"), ("I'm in Chicago", "America/Chicago"),
                                            ("zone mountain", "America/Denver")])
def test_zone_changes_the_time_zone(text, zone):
    outcome = engine.turn(text, FRESH, CTX)
    assert outcome.intent == intents.DAILY_ZONE and outcome.state.timezone == zone


def test_an_unknown_zone_is_explained():
    outcome = engine.turn("ZONE Mars", FRESH, CTX)
    assert outcome.state.timezone == FRESH.timezone and "ZONE Pacific" in outcome.replies[0]


def test_choosing_daily_kinds_when_daily_is_on():
    outcome = engine.turn("mindfulness only", State(daily_enabled=True), CTX)
    assert outcome.intent == intents.DAILY_KINDS and outcome.state.daily_kinds == "mindfulness"


def test_choosing_a_kind_before_daily_is_on_is_an_opt_in_with_the_ctia_confirmation():
    outcome = engine.turn("daily encouragement please", FRESH, CTX)
    assert outcome.intent == intents.DAILY_ON
    assert outcome.state.daily_enabled and outcome.state.daily_kinds == "encouragement"
    assert "1 msg/day" in outcome.replies[0]
    assert [e.kind for e in outcome.events] == ["daily_on"]


def test_stop_withdraws_quit_date_text_consent_but_keeps_the_plan():
    state = State(plan={"quit_date": "2026-12-07", "texts": True, "triggers": "payday"})
    outcome = engine.turn("STOP", state, CTX)
    assert outcome.state.plan["texts"] is False
    assert outcome.state.plan["triggers"] == "payday"


def test_every_request_the_understanding_can_name_has_one_handler():
    """A classified or keyword intent without a route would crash a turn (KeyError): the
    table must cover what the model, the keywords and an open flow's menu words can name,
    and hold nothing that no reader can produce."""
    reachable = set(intents.CLASSIFIED) | set(engine.LEAVE_FLOW.values()) | set(engine.ANSWERED_WITH_CRISIS)
    assert set(engine.ROUTES) == reachable


@pytest.mark.parametrize("intent", sorted(engine.REPLY_FOR))
def test_a_simple_request_gets_its_own_content_reply_and_changes_nothing(intent):
    outcome = engine._keyword(intent, FRESH, CTX)
    assert outcome.intent == intent
    assert outcome.replies[0] == CTX.text(engine.REPLY_FOR[intent])
    assert outcome.state.daily_enabled == FRESH.daily_enabled and outcome.events == ()
