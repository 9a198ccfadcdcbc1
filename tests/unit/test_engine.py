"""Pure turns of the flow engine: no database, no HTTP, a fixed `now`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from flows import engine, intents
from flows.commands import CancelScheduled, DailyTextsChanged
from flows.context import Context
from flows.gsm import is_gsm7, segments
from flows.helpline import HELPLINE_NUMBER
from flows.turn_values import State

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
from tests.understanding import CONTENT, MATCHER, UNDERSTANDING, as_sent  # noqa: E402

CTX = Context(content=CONTENT, matcher=MATCHER, now=NOW, understanding=UNDERSTANDING)
FRESH = State()
OPTED_OUT = State(opted_out=True)


def turn(text, state=FRESH, ctx=CTX):
    return engine.turn(text, state, ctx)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("HELP", intents.HELP), ("info", intents.HELP),
        ("CRAVING", intents.CRAVING), ("cravng", intents.CRAVING),
        ("I really want to use right now", intents.CRAVING),
        ("WITHDRAWAL", intents.WITHDRAWAL), ("withdrawl", intents.WITHDRAWAL), ("dope sick", intents.WITHDRAWAL),
        ("TREATMENT", intents.TREATMENT), ("where can i get suboxone", intents.TREATMENT),
        ("MEETINGS", intents.SUPPORT), ("BREATHE", intents.MINDFULNESS),
        ("PLAN", intents.PLAN), ("DAILY", intents.DAILY_ON), ("DAILY OFF", intents.DAILY_OFF),
        ("STOP", intents.STOP), ("START", intents.START),
        ("I want to kill myself", intents.CRISIS), ("quiero morir", intents.CRISIS),
        ("my friend isn't breathing", intents.CRISIS),
        ("hello", intents.FALLBACK), ("", intents.FALLBACK),
    ],
)
def test_each_text_gets_its_intent(text, intent):
    assert turn(text).intent == intent


@pytest.mark.parametrize(
    "state",
    [FRESH, State(daily_enabled=True), State(flow={"name": "plan", "step": "triggers"}), State(plan={"quit_date": "2026-12-07"})],
)
def test_crisis_comes_first_whatever_state_the_person_is_in(state):
    outcome = turn("I think I took too much, OD", state)
    assert outcome.intent == intents.CRISIS
    first = outcome.replies[0]
    assert "911" in first and "988" in first and HELPLINE_NUMBER in first
    assert segments(first) <= 2


def test_crisis_words_inside_a_keyword_still_win():
    assert turn("HELP my friend is turning blue").intent == intents.CRISIS


def test_an_idiom_is_not_a_crisis():
    assert turn("I'm dying to get through this week").intent != intents.CRISIS


def test_stop_records_an_opt_out_and_confirms_once():
    outcome = turn("Stop.")
    assert outcome.state.opted_out
    assert [e.kind for e in outcome.events] == ["opt_out"]
    assert len(outcome.replies) == 1 and "START" in outcome.replies[0]
    assert "QUIT" not in outcome.replies[0]
    again = turn("STOP", outcome.state)
    assert again.replies == () and again.events == ()


def test_stop_turns_daily_texts_off_and_cancels_follow_ups():
    outcome = turn("STOP", State(daily_enabled=True))
    assert not outcome.state.daily_enabled
    assert outcome.commands == (CancelScheduled(), DailyTextsChanged(on=False))


@pytest.mark.parametrize("text", ["CRAVING", "HELP", "hello", "", "DAILY", "PLAN", "I want to die"])
def test_after_stop_nothing_but_start_gets_an_answer(text):
    assert turn(text, OPTED_OUT).replies == ()


@pytest.mark.parametrize("text", ["START", "unstop", "YES"])
def test_start_brings_replies_back_and_records_the_opt_in(text):
    outcome = turn(text, OPTED_OUT)
    assert not outcome.state.opted_out
    assert [e.kind for e in outcome.events] == ["opt_in"]
    assert outcome.replies


def test_help_answers_as_ctia_requires():
    ctx = replace(CTX, program="Hope Line", support="call 555-0100")
    (reply,) = turn("HELP", ctx=ctx).replies
    reply = as_sent(reply)
    for part in ("Hope Line", "call 555-0100", "Msg&data rates may apply", "STOP", "988", HELPLINE_NUMBER, "DAILY"):
        assert part in reply
    assert "QUIT" not in reply


def test_a_craving_schedules_one_check_in_about_fifteen_minutes_later():
    outcome = turn("CRAVING")
    (followup,) = outcome.followups
    assert followup.kind == "craving_followup"
    assert followup.due_at == NOW + timedelta(minutes=15)
    assert HELPLINE_NUMBER in as_sent(followup.text)


@pytest.mark.parametrize("text", ["hi", "Hello!", "hey there", "MENU"])
def test_a_greeting_gets_the_welcoming_menu(text):
    outcome = turn(text)
    assert outcome.intent == intents.FALLBACK
    assert outcome.replies[0].startswith(CONTENT.messages["menu"].split("\n")[0])


def test_the_fallback_is_kind_and_shows_the_menu():
    (reply,) = turn("asdkjh").replies
    assert "CRAVING" in reply and "QUIT" not in reply


def test_daily_on_confirms_as_ctia_requires_and_records_consent():
    outcome = turn("DAILY")
    assert outcome.state.daily_enabled
    assert [e.kind for e in outcome.events] == ["daily_on"]
    (reply,) = outcome.replies
    for part in ("1 msg/day", "Msg&data rates may apply", "HELP", "STOP", "9:00 AM"):
        assert part in reply


@pytest.mark.parametrize(("text", "keyword"), [("DAILY", "DAILY"), ("daily", "DAILY"), ("text me every day", "phrase")])
def test_the_daily_consent_record_names_the_keyword_or_says_phrase(text, keyword):
    (event,) = turn(text).events
    assert (event.kind, event.keyword) == ("daily_on", keyword)


def test_daily_off_pauses_without_opting_out():
    outcome = turn("DAILY OFF", State(daily_enabled=True))
    assert not outcome.state.daily_enabled and not outcome.state.opted_out
    assert [e.kind for e in outcome.events] == ["daily_off"]


ALL_TEXTS = ["HELP", "CRAVING", "PLAN", "WITHDRAWAL", "TREATMENT", "MEETINGS", "BREATHE", "DAILY", "DAILY OFF",
             "STOP", "START", "OD", "", "hello", "encouragement only", "TIME 7pm", "TIME 11pm", "ZONE Pacific",
             "ZONE Mars", "TIME banana", "MY PLAN", "SLIP"]
STATES = [FRESH, OPTED_OUT, State(daily_enabled=True), State(flow={"name": "plan", "step": "date", "updated_at": NOW.isoformat()})]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("text", ALL_TEXTS)
def test_every_reply_and_follow_up_carries_the_helpline_and_is_sms_safe(text, state):
    outcome = turn(text, state)
    for message in list(outcome.replies) + [f.text for f in outcome.followups]:
        message = as_sent(message)            # the one door, where it leaves (needing no cut)
        assert HELPLINE_NUMBER in message
        assert is_gsm7(message)
        assert segments(message) <= 3


@hsettings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400), opted_out=st.booleans(), daily=st.booleans())
def test_property_every_message_a_turn_produces_carries_the_helpline(text, opted_out, daily):
    outcome = turn(text, State(opted_out=opted_out, daily_enabled=daily))
    assert outcome.intent in intents.ALL
    for message in list(outcome.replies) + [f.text for f in outcome.followups]:
        assert HELPLINE_NUMBER in as_sent(message)


def test_the_same_inputs_give_the_same_outcome():
    assert turn("I want to use so bad") == turn("I want to use so bad")



def test_a_craving_check_in_that_would_land_in_quiet_hours_is_not_scheduled_or_awaited():
    late = replace(CTX, now=datetime(2026, 11, 25, 2, 50, tzinfo=timezone.utc))   # 21:50 in New York
    outcome = turn("CRAVING", State(timezone="America/New_York"), late)
    assert outcome.intent == intents.CRAVING and outcome.replies
    assert outcome.followups == () and outcome.state.flow is None
    edge = replace(CTX, now=datetime(2026, 11, 25, 1, 45, tzinfo=timezone.utc))    # 20:45: due 21:00, allowed
    assert [f.kind for f in turn("CRAVING", State(timezone="America/New_York"), edge).followups] == [engine.CRAVING_FOLLOWUP]
