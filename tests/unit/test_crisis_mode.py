"""Crisis kinds, crisis mode and the everyday understanding the engine builds on them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from flows import crisis_mode, engine, intents
from flows.context import Context
from flows.gsm import first_segment, segments
from flows.helpline import HELPLINE_NUMBER
from flows.turn_values import State
from tests.understanding import CONTENT, MATCHER, UNDERSTANDING

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)


def ctx(at: datetime = NOW) -> Context:
    return Context(content=CONTENT, matcher=MATCHER, now=at, understanding=UNDERSTANDING)


def talk(texts, state=State(), start=NOW, every=timedelta(minutes=1)):
    out, at = [], start
    for text in texts:
        outcome = engine.turn(text, state, ctx(at))
        out.append(outcome)
        state, at = outcome.state, at + every
    return out


@pytest.mark.parametrize(("text", "kind"), [
    ("my friend isnt breathing", "overdose_other"),
    ("i think i took too much my chest hurts", "overdose_self"),
    ("i want to kill myself", "suicide"),
    ("my boyfriend is choking me", "violence"),
    ("SOS", "call_for_help"),
])
def test_each_kind_gets_its_own_reply_with_911_and_988_in_the_first_segment(text, kind):
    (outcome,) = talk([text])
    assert outcome.intent == intents.CRISIS and outcome.detail == kind
    reply = outcome.replies[0]
    assert reply == CONTENT.crisis_reply(kind, "en")
    assert segments(reply) <= 2 and "911" in first_segment(reply) and "988" in first_segment(reply)
    assert HELPLINE_NUMBER in reply


def test_suicide_puts_988_first_and_violence_gives_the_domestic_violence_hotline():
    suicide = CONTENT.crisis_reply("suicide", "en")
    assert suicide.index("988") < suicide.index("911")
    assert "1-800-799-7233" in CONTENT.crisis_reply("violence", "en")


def test_a_spanish_crisis_is_answered_in_spanish_with_988_press_2():
    (outcome,) = talk(["me tome todas las pastillas quiero morir"])
    assert outcome.intent == intents.CRISIS
    assert outcome.replies[0] == CONTENT.crisis_reply(outcome.detail, "es")
    assert "marca 2" in outcome.replies[0] or "AYUDA al 988" in outcome.replies[0]


def test_crisis_mode_answers_the_follow_ups_of_an_overdose():
    first, no_narcan, coming, breathing = talk([
        "help my friend isnt breathing", "i dont have any narcan", "ok the ambulance is on the way",
        "hes breathing again",
    ])
    assert first.state.flow["name"] == crisis_mode.FLOW
    assert (no_narcan.intent, no_narcan.detail) == (intents.CRISIS_FOLLOWUP, "no_naloxone")
    assert "rescue breaths" in no_narcan.replies[0]
    assert (coming.intent, coming.detail) == (intents.CRISIS_FOLLOWUP, "help_coming")
    assert breathing.detail == "breathing_again" and "wear off" in breathing.replies[0]


def test_an_unrecognised_text_in_crisis_mode_gets_the_short_reminder_never_didnt_catch_that():
    _, other = talk(["i want to die", "asdfgh"])
    assert other.intent == intents.CRISIS_FOLLOWUP
    assert other.replies[0].startswith(CONTENT.crisis_reminder("suicide", "en").split("\n")[0])
    assert "Text 988" in other.replies[0] and "didn't catch" not in other.replies[0]


def test_im_ok_ends_crisis_mode_and_a_menu_word_is_answered():
    _, ok, menu = talk(["i want to kill myself", "im ok now, it passed", "MEETINGS"])
    assert ok.detail == "im_ok" and ok.state.flow is None
    assert menu.intent == intents.SUPPORT


def test_stop_ends_crisis_mode_and_silences_everything():
    _, stop, again = talk(["my friend wont wake up", "STOP", "he still wont wake up"])
    assert stop.intent == intents.STOP and stop.state.flow is None and stop.state.opted_out
    assert again.intent == intents.CRISIS and again.replies == ()


def test_crisis_mode_ends_after_its_window():
    first = talk(["my friend wont wake up"])[0]
    later = engine.turn("asdfgh", first.state, ctx(NOW + timedelta(minutes=31)))
    assert later.intent == intents.FALLBACK and later.state.flow is None
    window = replace(ctx(NOW + timedelta(minutes=31)), crisis_window=timedelta(minutes=60))
    assert engine.turn("asdfgh", first.state, window).intent == intents.CRISIS_FOLLOWUP


def test_a_different_danger_in_crisis_mode_gets_its_own_crisis_reply():
    _, suicide = talk(["my friend isnt breathing", "i want to kill myself"])
    assert suicide.intent == intents.CRISIS and suicide.detail == "suicide"


def test_an_unsure_crisis_sends_the_crisis_reply_and_the_answer():
    keen = replace(UNDERSTANDING.thresholds, veto=0.0, sure=1.01)
    from flows.understand import Understanding
    ctx_keen = replace(ctx(), understanding=Understanding(UNDERSTANDING.models, MATCHER, keen))
    outcome = engine.turn("i overdosed in 2019 and thats why i want to quit", State(), ctx_keen)
    assert outcome.intent == intents.CRISIS and len(outcome.replies) == 2
    assert "911" in outcome.replies[0] and "PLAN" not in outcome.replies[0]
    assert outcome.state.flow["name"] == "plan"          # the plan it asked for has begun


def test_the_fallback_opens_with_911_and_988():
    (outcome,) = talk(["qwertyuiop zxcvb"])
    assert outcome.intent == intents.FALLBACK
    first_line = outcome.replies[0].split("\n")[0]
    assert "911" in first_line and "988" in first_line


def test_help_me_opens_with_911_and_988_and_asks_whats_going_on():
    (outcome,) = talk(["can you help me"])
    assert outcome.intent == intents.NEED_HELP
    assert "911" in outcome.replies[0].split("\n")[0] and "What's going on?" in outcome.replies[0]


def test_the_craving_check_in_answer_is_read_only_after_it_was_asked():
    day = NOW + timedelta(hours=13)                              # 11 AM in New York: sending hours
    craving, early = talk(["i really want to use", "kinda"], start=day)
    assert craving.state.flow["name"] == engine.CRAVING_CHECKIN_FLOW
    assert early.intent != intents.CHECKIN                       # asked 15 minutes later, not yet
    answer = engine.turn("kinda", craving.state, ctx(day + timedelta(minutes=20)))
    assert (answer.intent, answer.detail) == (intents.CHECKIN, "partly")
    passed = engine.turn("yeah it passed", craving.state, ctx(day + timedelta(minutes=20)))
    assert passed.detail == "yes" and "rode it out" in passed.replies[0]
    stale = engine.turn("yeah it passed", craving.state, ctx(day + timedelta(hours=8)))
    assert stale.intent != intents.CHECKIN


@pytest.mark.parametrize("text", ["cancel my daily texts", "no more daily messages", "daily texts off please",
                                  "pause daily messages", "dont text me every day"])
def test_cancelling_daily_texts_in_plain_words_turns_them_off(text):
    (outcome,) = talk([text], state=State(daily_enabled=True))
    assert outcome.intent == intents.DAILY_OFF and not outcome.state.daily_enabled


def test_im_in_denver_now_not_ny_moves_the_zone_to_denver():
    (outcome,) = talk(["im in denver now not ny"])
    assert outcome.intent == intents.DAILY_ZONE and outcome.state.timezone == "America/Denver"


def test_text_me_in_the_evening_sets_an_evening_time():
    (outcome,) = talk(["can you text me in the evening"])
    assert outcome.intent == intents.DAILY_TIME and outcome.state.daily_time == "19:00"


def test_just_the_encouraging_ones_chooses_encouragement():
    (outcome,) = talk(["just the encouraging ones"], state=State(daily_enabled=True))
    assert outcome.intent == intents.DAILY_KINDS and outcome.state.daily_kinds == "encouragement"


def test_wanting_off_methadone_is_medication_never_a_plan_to_stop_it():
    (outcome,) = talk(["i want to quit methadone, been on it 2 years"])
    assert outcome.intent == intents.MEDICATION and outcome.state.flow is None
    assert "prescriber" in outcome.replies[0]


def test_a_bare_help_is_the_carrier_help_not_a_crisis():
    (outcome,) = talk(["HELP"])
    assert outcome.intent == intents.HELP and "Msg&data rates may apply" in outcome.replies[0]


def test_how_much_narcan_do_i_give_is_a_crisis():
    (outcome,) = talk(["how much narcan do i give him"])
    assert outcome.intent == intents.CRISIS and outcome.detail == "overdose_other"


def test_an_answer_to_a_daily_prompt_is_taken_in_and_a_request_is_answered_as_itself():
    from flows import daily_texts as daily
    asked = State(flow={"name": engine.DAILY_PROMPT_FLOW, "asked_at": (NOW - timedelta(hours=1)).isoformat()})
    tired = engine.turn("tired", asked, ctx())
    assert (tired.intent, tired.detail, tired.state.flow) == (intents.FEELING, "daily_reply", None)
    sister = engine.turn("my sister probably", asked, ctx())
    assert sister.detail == "daily_reply"
    assert engine.turn("MEETINGS", asked, ctx()).intent == intents.SUPPORT
    late = engine.turn("my sister probably", asked, ctx(NOW + timedelta(hours=12)))
    assert late.detail != "daily_reply"
    assert daily.invites_reply("Who's one person you could text today?\nSAMHSA Helpline: 1-800-662-4357")
    assert daily.invites_reply("Name what you feel right now in one word.")
    assert not daily.invites_reply("Some days will feel easier than others.\nWhat? SAMHSA")


def test_an_overdose_after_a_suicide_text_gets_the_overdose_reply():
    _, overdose = talk(["got the gun in my lap", "fell out after the shot, took way too much, cant stay awake"])
    assert overdose.intent == intents.CRISIS and overdose.detail == "overdose_self"
    assert overdose.replies[0] == CONTENT.crisis_reply("overdose_self", "en")
