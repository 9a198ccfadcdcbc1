"""Privacy by text, in the pure engine: DELETE asks and waits 10 minutes for DELETE or YES,
anything else cancels it, crisis first; MY DATA; PRIVATE and PRIVATE OFF, and what a
person who asked for PRIVATE sees first on a scheduled text."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from flows import crisis_mode, engine, intents, plan, privacy, quit_program
from flows.carrier import carrier_keyword
from flows.commands import ErasePerson
from flows.content_schema import LOCK_SCREEN_WORDS
from flows.gsm import segments
from flows.helpline import HELPLINE_NUMBER
from flows.outgoing import outgoing
from flows.turn_values import State
from tests.understanding import CONTENT, as_sent
from tests.unit.test_engine import CTX, FRESH, NOW

ASKING = ["DELETE", "delete", "Delete!", "delete my data", "erase everything", "forget me", "erase my number",
          "can you delete my data", "olvidame"]
# Clearly Spanish: asked in Spanish, and Spanish from then on (issue 13).
ASKING_ES = ["borrar mis datos", "borra mis datos"]


def talk(texts, state=FRESH, ctx=CTX, step=timedelta(minutes=1)):
    outcomes, now = [], ctx.now
    for text in texts:
        outcome = engine.turn(text, state, replace(ctx, now=now))
        outcomes.append(outcome)
        state, now = outcome.state, now + step
    return outcomes


def erases(outcome) -> bool:
    return any(isinstance(command, ErasePerson) for command in outcome.commands)


@pytest.mark.parametrize("text", ASKING)
def test_a_delete_request_says_what_will_be_erased_and_asks_first(text):
    outcome = engine.turn(text, FRESH, CTX)
    assert outcome.intent == intents.DELETE and outcome.detail == "asked"
    assert not erases(outcome)
    (reply,) = outcome.replies
    for part in ("plan", "settings", "check-ins", "record of your texts", "DELETE again or YES", "10 minutes"):
        assert part in reply
    assert privacy.is_asked(outcome.state)


@pytest.mark.parametrize("text", ASKING_ES)
def test_a_delete_request_in_spanish_asks_first_in_spanish(text):
    outcome = engine.turn(text, FRESH, CTX)
    assert outcome.intent == intents.DELETE and outcome.detail == "asked" and not erases(outcome)
    assert outcome.state.language == "es" and privacy.is_asked(outcome.state)
    spanish = CONTENT.in_language("es")
    assert outcome.replies[0].startswith(spanish.text("delete_ask")) and "10 minutos" in outcome.replies[0]


@pytest.mark.parametrize("confirm", ["DELETE", "yes", "YES!", "delete"])
def test_delete_again_or_yes_within_ten_minutes_erases(confirm):
    asked, done = talk(["DELETE", confirm], step=timedelta(minutes=9))
    assert done.intent == intents.DELETE and done.detail == "erased" and erases(done)
    (reply,) = done.replies
    assert "erased" in reply and "coded form of the number" in reply and "text again" in reply
    assert segments(outgoing(reply, CONTENT.helpline)) <= 3


def test_yes_that_twilio_marks_as_an_opt_in_word_still_confirms():
    asked = engine.turn("DELETE", FRESH, CTX)
    done = engine.turn("YES", asked.state, replace(CTX, now=NOW + timedelta(minutes=1)), opt_out_type="START")
    assert erases(done)


def test_after_ten_minutes_a_yes_is_just_a_yes():
    asked, late = talk(["DELETE", "yes"], step=timedelta(minutes=11))
    assert not erases(late) and late.intent != intents.DELETE
    assert not privacy.is_asked(late.state)


@pytest.mark.parametrize("other, intent", [("CRAVING", intents.CRAVING), ("hi", intents.FALLBACK),
                                            ("no", intents.FALLBACK), ("MEETINGS", intents.SUPPORT)])
def test_anything_else_cancels_and_is_answered_as_itself(other, intent):
    asked, answered = talk(["DELETE", other])
    assert not erases(answered) and answered.intent == intent
    assert not privacy.is_asked(answered.state)
    assert not erases(engine.turn("YES", answered.state, CTX))


def test_a_crisis_in_the_window_gets_the_crisis_reply_and_cancels_the_delete():
    asked, crisis, yes = talk(["DELETE", "i want to kill myself", "YES"])
    assert crisis.intent == intents.CRISIS and "988" in crisis.replies[0]
    assert crisis_mode.is_on(crisis.state) and not privacy.is_asked(crisis.state)
    assert crisis.state.flow.get("resume") is None          # crisis mode will not bring the ask back
    assert not erases(yes)


def test_stop_in_the_window_opts_out_and_cancels_the_delete():
    asked, stop, yes = talk(["DELETE", "STOP", "YES"])
    assert stop.intent == intents.STOP and stop.state.opted_out
    assert not erases(yes) and yes.intent == intents.START     # YES after STOP is Twilio's opt-in


def test_delete_leaves_an_open_plan_and_the_erase_follows():
    *_, asked, done = talk(["PLAN", "December 7", "forget me", "DELETE"])
    assert asked.intent == intents.DELETE and not plan.is_open(asked.state, NOW)
    assert erases(done)


def test_delete_in_crisis_mode_is_answered_and_ends_crisis_mode():
    crisis, asked = talk(["i want to kill myself", "DELETE"])
    assert asked.intent == intents.DELETE and not crisis_mode.is_on(asked.state)


def test_an_unsure_crisis_with_a_delete_request_gets_only_the_crisis_reply():
    assert intents.DELETE not in engine.ANSWERED_WITH_CRISIS


@pytest.mark.parametrize("text", ASKING + ["MY DATA", "PRIVATE", "PRIVATE OFF", "discreet", "what do you keep on me"])
def test_no_privacy_word_is_a_carrier_keyword(text):
    assert carrier_keyword(text) is None and carrier_keyword(text, opted_out=True) is None


@pytest.mark.parametrize("text", ["MY DATA", "my data", "what do you keep on me", "what info do you have on me",
                                  "What info do you have about me?"])
def test_my_data_says_what_is_kept_for_how_long_and_how_to_erase_it(text):
    outcome = engine.turn(text, FRESH, CTX)
    assert outcome.intent == intents.MY_DATA and outcome.state == FRESH
    (reply,) = outcome.replies
    for part in ("number", "PLAN answers", "check-in", "about 6 months", "about 2 weeks", "a year", "DELETE"):
        assert part in reply
    assert segments(outgoing(reply, CONTENT.helpline)) <= 3


def test_private_turns_on_and_private_off_turns_off():
    on, off = talk(["PRIVATE", "PRIVATE OFF"])
    assert on.intent == intents.PRIVATE and on.state.private is True and "PRIVATE OFF" in on.replies[0]
    assert off.intent == intents.PRIVATE_OFF and off.state.private is False
    assert engine.turn("discreet", FRESH, CTX).state.private is True


def test_the_opt_in_confirmations_offer_private():
    assert "PRIVATE" in engine.turn("DAILY", FRESH, CTX).replies[0]
    assert "PRIVATE" in CONTENT.plan.text("done_texts", time="9:00 AM")


def test_a_private_craving_check_in_opens_with_the_neutral_line():
    (followup,) = engine.turn("CRAVING", replace(FRESH, private=True), CTX).followups
    first = followup.text.split("\n")[0]
    assert first == f"A check-in from {CTX.program}."
    assert not LOCK_SCREEN_WORDS.search(first)
    (plain,) = engine.turn("CRAVING", FRESH, CTX).followups
    assert plain.text == CTX.text("craving_followup")


def test_every_scheduled_text_made_private_keeps_its_helpline_and_whole_words_within_three_segments():
    """The longest program name and the longest personal answers: the opener never pushes a
    quit-date text's check-in question or the helpline off the end."""
    program = "Steady Support Texts"
    answers = {"quit_date": "2026-12-07", "texts": True, "triggers": "t" * 60, "coping": "c" * 60,
               "support": "s" * 60}
    bodies = [quit_program.compose(offset, plan_, CONTENT) for offset in quit_program.OFFSETS
              for plan_ in (answers, {})]
    bodies += list(CONTENT.encouragement) + list(CONTENT.mindfulness) + [CONTENT.text("craving_followup")]
    for body in bodies:
        sent = outgoing(privacy.discreet(body, CONTENT, program), CONTENT.helpline)
        assert sent == privacy.discreet(body, CONTENT, program) + "\n" + CONTENT.helpline or HELPLINE_NUMBER in body
        assert segments(sent) <= 3 and HELPLINE_NUMBER in sent
        assert not LOCK_SCREEN_WORDS.search(sent.split("\n")[0])


def test_the_helpline_footer_says_no_drug_word():
    assert not LOCK_SCREEN_WORDS.search(CONTENT.helpline)


def test_the_confirmation_and_the_ask_are_sent_as_they_are():
    for text in ("DELETE",):
        assert as_sent(engine.turn(text, FRESH, CTX).replies[0])
