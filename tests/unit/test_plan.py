"""PLAN, step by step: questions, SKIP, retries, the date read-back, timeouts, the menu, MY PLAN."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import content
from flows import gsm, plan
from flows.content import MAX_SEGMENTS, Content
from flows.dates import describe
from flows.helpline import HELPLINE_NUMBER, ensure_helpline
from flows.turn_values import Event, State
from flows.plan_state import PlanFlow

CONTENT = content.load()
NOW = datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)   # Monday Nov 30, noon in New York
TODAY = date(2026, 11, 30)


@dataclass(frozen=True)
class FakeContext:
    """The fields of flows.context.Context that the flow reads (it never matches keywords)."""

    content: Content
    now: datetime
    program: str = "Steady"
    support: str = "ask the staff who gave you this number"

    def text(self, message_id: str, **values: str) -> str:
        return self.content.text(message_id, program=self.program, support=self.support, **values)


CTX = FakeContext(CONTENT, NOW)


def say(id: str, **values: str) -> str:
    return CONTENT.plan.text(id, program=CTX.program, support=CTX.support, **values)


def ask(id: str) -> str:
    values = {"options": "\n".join(f"{n} {o[0].upper()}{o[1:]}" for n, o in enumerate(CONTENT.plan.coping_options, 1)),
              "program": "Steady", "time": "9:00 AM"}
    return CONTENT.plan.text(id, **values)


def walk(answers, state: State | None = None, ctx: FakeContext = CTX) -> tuple[plan.PlanTurn, list[plan.PlanTurn]]:
    """PLAN, then each answer in turn: the last turn and every turn."""
    turn = plan.begin(state or State(), ctx)
    turns = [turn]
    for answer in answers:
        assert plan.is_open(turn.state, ctx.now), f"flow closed before {answer!r}"
        turn = plan.step(turn.state, answer, ctx)
        turns.append(turn)
    return turn, turns


FULL = ["monday", "yes", "payday, being alone at night", "1 and 3", "my sister Ana", "yes", "yes"]
SAVED = {"quit_date": "2026-12-07", "triggers": "payday", "coping": "a walk", "support": "my sister",
         "mat": "no", "texts": True, "updated_at": "2026-11-01T12:00:00+00:00"}


# --- the walk through --------------------------------------------------------------------

def test_plan_starts_with_the_date_question():
    turn = plan.begin(State(), CTX)
    assert turn.replies == (say("intro") + "\n" + ask("ask_date"),)
    flow = turn.state.flow
    assert flow["name"] == plan.FLOW == "plan"
    assert flow["step"] == "date"
    assert flow["retries"] == 0 and flow["draft"] == {}
    assert datetime.fromisoformat(flow["updated_at"]) == NOW
    assert plan.is_open(turn.state, NOW)


def test_a_full_plan_is_saved_with_only_its_parts():
    turn, _ = walk(FULL)
    assert turn.state.flow is None
    assert turn.state.plan == {
        "quit_date": "2026-12-07",
        "triggers": "payday, being alone at night",
        "coping": "slow breathing or meditation; calling or texting someone I trust",
        "support": "my sister Ana",
        "mat": "yes",
        "texts": True,
        "updated_at": NOW.isoformat(),
    }
    assert turn.events == (Event("plan_texts_on", "YES"),)
    assert turn.replies == (say("done_texts", time="9:00 AM"),)


@pytest.mark.parametrize(
    "answers_so_far, expected_question",
    [
        ([], "ask_date"),
        (["monday"], "confirm_date"),
        (["monday", "yes"], "ask_triggers"),
        (FULL[:3], "ask_coping"),
        (FULL[:4], "ask_support"),
        (FULL[:5], "ask_mat"),
        (FULL[:6], "ask_texts"),
    ],
)
def test_each_answer_leads_to_the_next_question(answers_so_far, expected_question):
    turn, _ = walk(answers_so_far)
    question = say("confirm_date", date="Monday, December 7") if expected_question == "confirm_date" \
        else ask(expected_question)
    assert turn.replies[0].endswith(question)
    assert len(turn.replies) == 1


def test_the_confirmed_date_is_said_back_above_the_next_question():
    turn, _ = walk(["dec 7th", "yes"])
    assert turn.replies == (say("date_saved", date="Monday, December 7") + "\n" + ask("ask_triggers"),)
    assert turn.state.flow["draft"] == {"quit_date": "2026-12-07"}
    assert "pending_date" not in turn.state.flow


def test_the_flow_stays_json_at_every_step():
    _, turns = walk(FULL)
    for turn in turns:
        json.dumps(turn.state.flow)
        json.dumps(turn.state.plan)


def test_no_reply_carries_the_helpline_the_engine_adds_it():
    _, turns = walk(FULL)
    assert all(CONTENT.helpline not in reply for turn in turns for reply in turn.replies)


@pytest.mark.parametrize("program", ["Steady", "Steady Support Texts"])
def test_every_reply_fits_three_segments_with_the_footer(program):
    ctx = replace(CTX, program=program)
    long = "w" * 159 + "\u2019"
    _, turns = walk(["in 3 days", "yes", long, long, long, "no", "yes"], ctx=ctx)
    for turn in turns:
        for reply in turn.replies:
            sent = ensure_helpline(reply, CONTENT.helpline)
            assert gsm.segments(sent) <= MAX_SEGMENTS and gsm.is_gsm7(sent)


# --- SKIP ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "answers, missing",
    [
        (["SKIP", "payday", "2", "my sister", "no"], "quit_date"),
        (["monday", "skip", "payday", "2", "my sister", "no"], "quit_date"),
        (["monday", "yes", "skip", "2", "my sister", "no", "yes"], "triggers"),
        (["monday", "yes", "payday", "Skip.", "my sister", "no", "yes"], "coping"),
        (["monday", "yes", "payday", "2", "pass", "no", "yes"], "support"),
        (["monday", "yes", "payday", "2", "my sister", "not sure", "yes"], "mat"),
        (["monday", "yes", "payday", "2", "my sister", "no", "skip"], "texts"),
    ],
)
def test_every_question_can_be_skipped(answers, missing):
    turn, turns = walk(answers)
    assert turn.state.flow is None
    saved = turn.state.plan
    if missing == "texts":
        assert saved["texts"] is False
        assert turn.events == ()
    else:
        assert missing not in saved
    assert sum(t.replies[0].startswith(say("skipped")) for t in turns[1:]) == 1


def test_without_a_quit_date_the_texts_question_is_not_asked():
    turn, turns = walk(["skip", "payday", "2", "my sister", "no"])
    assert all(ask("ask_texts") not in reply for t in turns for reply in t.replies)
    assert turn.state.plan["texts"] is False
    assert turn.replies == (say("done"),)
    assert turn.events == ()


def test_skipping_everything_saves_nothing():
    turn, _ = walk(["skip", "skip", "skip", "skip", "skip"])
    assert turn.state.plan is None and turn.state.flow is None
    assert turn.replies == (say("skipped") + "\n" + say("nothing_saved"),)


# --- answers that make no sense -------------------------------------------------------------

@pytest.mark.parametrize(
    "before, bad, retry, next_question, missing",
    [
        ([], "blue sky", "retry_date", "ask_triggers", "quit_date"),
        (["monday"], "purple", "retry_confirm", "ask_triggers", "quit_date"),
        (["monday", "yes"], "??", "retry_triggers", "ask_coping", "triggers"),
        (["monday", "yes", "payday"], "9", "retry_coping", "ask_support", "coping"),
        (["monday", "yes", "payday", "2"], "!", "retry_support", "ask_mat", "support"),
        (["monday", "yes", "payday", "2", "Ana"], "potato", "retry_mat", "ask_texts", "mat"),
    ],
)
def test_a_bad_answer_is_asked_again_once_with_an_example_then_skipped(before, bad, retry, next_question, missing):
    first, _ = walk(before + [bad])
    expected_retry = say(retry, date="Monday, December 7") if retry == "retry_confirm" else say(retry)
    assert first.replies == (expected_retry,)
    assert first.state.flow["retries"] == 1
    second = plan.step(first.state, bad, CTX)
    assert second.replies == (say("skipped") + "\n" + ask(next_question),)
    assert second.state.flow["retries"] == 0
    assert missing not in second.state.flow["draft"]


def test_a_bad_answer_to_the_last_question_is_skipped_and_texts_stay_off():
    first, _ = walk(FULL[:6] + ["purple"])
    assert first.replies == (say("retry_texts"),)
    second = plan.step(first.state, "purple", CTX)
    assert second.state.plan["texts"] is False
    assert second.replies == (say("skipped") + "\n" + say("done"),)


def test_a_good_answer_after_a_retry_is_kept():
    turn, _ = walk(["blue sky", "friday", "yes"])
    assert turn.state.flow["draft"]["quit_date"] == "2026-12-04"


# --- the date -----------------------------------------------------------------------------

def test_a_date_is_read_back_for_a_yes():
    turn, _ = walk(["12/7"])
    assert turn.replies == ("Monday, December 7 - is that right? Reply YES or send another date.",)
    assert turn.state.flow["step"] == "confirm"
    assert turn.state.flow["pending_date"] == "2026-12-07"


def test_another_date_at_the_read_back_replaces_the_first():
    turn, _ = walk(["12/7", "actually in 2 weeks"])
    assert turn.replies == (say("confirm_date", date="Monday, December 14"),)
    assert turn.state.flow["pending_date"] == "2026-12-14"
    done, _ = walk(["12/7", "actually in 2 weeks", "yep"])
    assert done.state.flow["draft"]["quit_date"] == "2026-12-14"


def test_no_with_a_date_at_the_read_back_takes_the_new_date():
    turn, _ = walk(["12/7", "no, the 14th"])
    assert turn.state.flow["pending_date"] == "2026-12-14"
    assert turn.replies == (say("confirm_date", date="Monday, December 14"),)


def test_yes_in_other_words_at_the_read_back_is_a_yes():
    turn, _ = walk(["12/7", "Yes that works"])
    assert turn.state.flow["draft"]["quit_date"] == "2026-12-07"


def test_no_at_the_read_back_asks_for_the_date_again():
    turn, _ = walk(["12/7", "no"])
    assert turn.replies == (ask("ask_date"),)
    assert turn.state.flow["step"] == "date" and "pending_date" not in turn.state.flow


@pytest.mark.parametrize(
    "answer, problem, shown",
    [("11/20", "date_past", "Friday, November 20"), ("2025-12-07", "date_past", "Sunday, December 7"),
     ("feb 1", "date_far", "Monday, February 1"), ("in 9 weeks", "date_far", "Monday, February 1")],
)
def test_a_past_or_far_date_is_explained_and_asked_again(answer, problem, shown):
    turn, _ = walk([answer])
    assert turn.replies == (say(problem, date=shown),)
    assert turn.state.flow["step"] == "date"
    assert "pending_date" not in turn.state.flow
    assert turn.state.flow["retries"] == 0


def test_a_past_date_at_the_read_back_is_questioned_too():
    turn, _ = walk(["12/7", "11/1"])
    assert turn.replies == (say("date_past", date="Sunday, November 1"),)
    assert turn.state.flow["step"] == "date"


@pytest.mark.parametrize("days, step", [(0, "confirm"), (60, "confirm"), (61, "date")])
def test_today_and_60_days_on_are_fine_and_61_is_too_far(days, step):
    answer = (TODAY + timedelta(days=days)).strftime("%Y-%m-%d")
    turn, _ = walk([answer])
    assert turn.state.flow["step"] == step


def test_a_yes_after_midnight_for_a_date_now_gone_is_questioned():
    turn, _ = walk(["today"])
    later = replace(CTX, now=NOW + timedelta(hours=12))   # Tuesday in New York
    after = plan.step(turn.state, "yes", later)
    assert after.replies == (say("date_past", date="Monday, November 30"),)


@pytest.mark.parametrize("zone, expected", [("Pacific/Honolulu", "2026-11-30"), ("UTC", "2026-12-01")])
def test_today_is_the_persons_local_day(zone, expected):
    late = replace(CTX, now=datetime(2026, 12, 1, 5, 0, tzinfo=timezone.utc))  # 7 PM Nov 30 in Honolulu
    turn, _ = walk(["today"], state=State(timezone=zone), ctx=late)
    assert turn.state.flow["pending_date"] == expected


# --- the answers --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "answer, stored",
    [
        ("1", "slow breathing or meditation"),
        ("1 and 3", "slow breathing or meditation; calling or texting someone I trust"),
        ("13", "slow breathing or meditation; calling or texting someone I trust"),
        ("3, 1", "calling or texting someone I trust; slow breathing or meditation"),
        ("2 2", "a walk, exercise or yoga"),
        ("call my sponsor, go to the gym", "call my sponsor, go to the gym"),
    ],
)
def test_coping_takes_numbers_or_the_persons_own_words(answer, stored):
    turn, _ = walk(["skip", "skip", answer])
    assert turn.state.flow["draft"]["coping"] == stored


def test_all_of_the_coping_choices_fit_within_the_cap():
    turn, _ = walk(["skip", "skip", "all of them"])
    coping = turn.state.flow["draft"]["coping"]
    assert coping.startswith("slow breathing or meditation; a walk, exercise or yoga")
    assert len(coping) <= plan.MAX_ANSWER
    assert set(coping.split("; ")) <= set(CONTENT.plan.coping_options)


@pytest.mark.parametrize(
    "answer, stored",
    [
        ("x" * 500, "x" * 160),
        ("my\tsister\nAna", "my sister Ana"),
        ("pay\x00day\u200b and \x1b[31mnights", "payday and [31mnights"),
        ("  my ex\u2019s place \U0001F494 ", "my ex\u2019s place \U0001F494"),
    ],
)
def test_free_text_is_kept_as_written_minus_control_characters_and_capped(answer, stored):
    turn, _ = walk(["skip", answer])
    assert turn.state.flow["draft"]["triggers"] == stored


def test_no_one_as_support_is_kept_and_met_kindly():
    turn, _ = walk(["skip", "skip", "skip", "no one"])
    assert turn.state.flow["draft"]["support"] == "no one"
    assert turn.replies == (say("no_support") + "\n" + ask("ask_mat"),)


@pytest.mark.parametrize(
    "answer, stored",
    [("yes", "yes"), ("Yeah!", "yes"), ("yes please, I would", "yes"), ("no", "no"), ("nope", "no"),
     ("no thanks man", "no"), ("not really", "no")],
)
def test_the_medication_answer_is_yes_or_no(answer, stored):
    turn, _ = walk(["skip", "skip", "skip", "skip", answer])
    assert turn.state.plan["mat"] == stored


def test_no_to_texts_is_recorded_as_consent_refused():
    turn, _ = walk(FULL[:6] + ["NO"])
    assert turn.state.plan["texts"] is False
    assert turn.events == (Event("plan_texts_off", "NO"),)
    assert turn.replies == (say("done"),)


def test_starting_over_without_texts_turns_saved_texts_off():
    menu = plan.begin(State(plan=SAVED), CTX)
    turn, _ = walk(["new", "skip", "payday", "skip", "skip", "skip"], state=menu.state)
    assert turn.state.plan["texts"] is False
    assert turn.events == (Event("plan_texts_off", "PLAN"),)


# --- timeout and resume ----------------------------------------------------------------------

def test_a_flow_is_open_at_23_hours_and_dropped_at_24():
    turn, _ = walk(["monday", "yes", "payday"])
    state = replace(turn.state, plan=SAVED)
    at_23 = NOW + timedelta(hours=23)
    at_24 = NOW + timedelta(hours=24)
    assert plan.is_open(state, at_23)
    assert plan.drop_if_expired(state, at_23) == state
    assert not plan.is_open(state, at_24)
    dropped = plan.drop_if_expired(state, at_24)
    assert dropped.flow is None
    assert dropped.plan == SAVED


def test_dropping_leaves_other_flows_and_no_flow_alone():
    other = State(flow={"name": "zone", "updated_at": "2020-01-01T00:00:00+00:00"})
    assert plan.drop_if_expired(other, NOW) == other
    assert plan.drop_if_expired(State(), NOW) == State()
    assert not plan.is_open(other, NOW)


@pytest.mark.parametrize(
    "flow",
    [{"name": "plan", "step": "date", "updated_at": "yesterday"},
     {"name": "plan", "step": "date", "updated_at": "2026-11-30T17:00:00"},
     {"name": "plan", "step": "dance", "updated_at": NOW.isoformat()},
     {"name": "plan", "step": "date"}],
)
def test_an_unreadable_plan_flow_is_not_open_and_is_dropped(flow):
    state = State(flow=flow)
    assert not plan.is_open(state, NOW)
    assert plan.drop_if_expired(state, NOW).flow is None


def test_each_answer_keeps_the_flow_fresh():
    turn = plan.begin(State(), CTX)
    later = replace(CTX, now=NOW + timedelta(hours=20))
    turn = plan.step(turn.state, "monday", later)
    assert plan.is_open(turn.state, NOW + timedelta(hours=40))


def test_resume_offer_only_while_a_flow_is_open():
    turn, _ = walk(["monday", "yes"])
    assert plan.resume_offer(turn.state, CTX) == "When you're ready, text PLAN to pick up where you left off."
    assert plan.resume_offer(State(), CTX) is None
    late = replace(CTX, now=NOW + timedelta(hours=24))
    assert plan.resume_offer(turn.state, late) is None


def test_plan_again_picks_up_at_the_same_step():
    turn, _ = walk(["monday", "yes", "payday"])
    later = replace(CTX, now=NOW + timedelta(hours=2))
    again = plan.begin(turn.state, later)
    assert again.replies == (say("resume") + "\n" + ask("ask_coping"),)
    assert again.state.flow["step"] == "coping"
    assert again.state.flow["draft"] == {"quit_date": "2026-12-07", "triggers": "payday"}
    assert datetime.fromisoformat(again.state.flow["updated_at"]) == later.now


def test_plan_again_at_the_read_back_repeats_the_date():
    turn, _ = walk(["monday"])
    again = plan.begin(turn.state, CTX)
    assert again.replies == (say("resume") + "\n" + say("confirm_date", date="Monday, December 7"),)


def test_plan_after_the_timeout_starts_fresh_and_says_so():
    turn, _ = walk(["monday", "yes", "payday"])
    late = replace(CTX, now=NOW + timedelta(hours=25))
    again = plan.begin(turn.state, late)
    assert again.replies == (say("expired") + "\n" + ask("ask_date"),)
    assert again.state.flow["draft"] == {}


def test_an_answer_after_the_timeout_does_not_land_in_the_old_flow():
    turn, _ = walk(["monday", "yes"])
    late = replace(CTX, now=NOW + timedelta(hours=30))
    after = plan.step(turn.state, "payday", late)
    assert after.state.flow["step"] == "date" and after.state.flow["draft"] == {}
    assert after.replies[0].startswith(say("expired"))


# --- a saved plan: change one part ------------------------------------------------------------

def test_plan_with_a_saved_plan_offers_to_change_one_part():
    turn = plan.begin(State(plan=SAVED), CTX)
    assert turn.replies == (say("menu", parts=plan.menu_list(CONTENT.plan)),)
    assert turn.replies[0] == (  # the parts numbered in the order PLAN asks them
        "You have a plan saved. To change one part, reply its number:\n"
        "1 Quit date\n2 Triggers\n3 Coping\n4 Support\n5 Medication (MAT)\n6 Quit-date texts\n"
        "Or reply NEW to start over. Text MY PLAN to see it.")
    assert turn.state.flow["step"] == "menu"
    assert turn.state.plan == SAVED


@pytest.mark.parametrize(
    "choice, answers, key, value",
    [
        ("1", ["12/14", "yes"], "quit_date", "2026-12-14"),
        ("2", ["seeing old friends"], "triggers", "seeing old friends"),
        ("3", ["4"], "coping", "going to an NA or support group meeting"),
        ("4", ["my NA group"], "support", "my NA group"),
        ("5", ["yes"], "mat", "yes"),
        ("triggers", ["being bored"], "triggers", "being bored"),
    ],
)
def test_one_part_is_changed_and_the_rest_kept(choice, answers, key, value):
    menu = plan.begin(State(plan=SAVED), CTX)
    turn, _ = walk([choice] + answers, state=menu.state)
    assert turn.state.flow is None
    expected = {**SAVED, key: value, "updated_at": NOW.isoformat()}
    assert turn.state.plan == expected
    assert turn.replies[-1].endswith(say("part_saved"))


def test_turning_texts_off_from_the_menu_records_it():
    menu = plan.begin(State(plan=SAVED), CTX)
    turn, _ = walk(["6", "no"], state=menu.state)
    assert turn.state.plan["texts"] is False
    assert turn.events == (Event("plan_texts_off", "NO"),)


def test_texts_without_a_quit_date_ask_for_the_date_first():
    saved = {"triggers": "payday", "texts": False, "updated_at": "2026-11-01T12:00:00+00:00"}
    menu = plan.begin(State(plan=saved), CTX)
    first = plan.step(menu.state, "6", CTX)
    assert first.replies == (say("texts_need_date") + "\n" + ask("ask_date"),)
    turn, _ = walk(["6", "friday", "yes", "yes"], state=menu.state)
    assert turn.state.plan == {"triggers": "payday", "quit_date": "2026-12-04", "texts": True,
                               "updated_at": NOW.isoformat()}
    assert turn.events == (Event("plan_texts_on", "YES"),)
    assert turn.replies == (say("done_texts", time="9:00 AM"),)


def test_skipping_the_part_leaves_the_plan_as_it_was():
    menu = plan.begin(State(plan=SAVED), CTX)
    turn, _ = walk(["2", "skip"], state=menu.state)
    assert turn.state.plan == SAVED
    assert turn.replies == (say("skipped") + "\n" + say("menu_left"),)


def test_new_starts_over_from_the_first_question():
    menu = plan.begin(State(plan=SAVED), CTX)
    turn = plan.step(menu.state, "NEW", CTX)
    assert turn.replies == (say("intro") + "\n" + ask("ask_date"),)
    assert turn.state.flow["draft"] == {} and turn.state.flow["mode"] == "new"
    done, _ = walk(["new", "skip", "being bored", "skip", "skip", "no"], state=menu.state)
    assert done.state.plan == {"triggers": "being bored", "mat": "no", "texts": False,
                               "updated_at": NOW.isoformat()}


@pytest.mark.parametrize("answer", ["skip", "no"])
def test_skip_or_no_at_the_menu_leaves_the_plan_unchanged(answer):
    menu = plan.begin(State(plan=SAVED), CTX)
    turn = plan.step(menu.state, answer, CTX)
    assert turn.replies == (say("menu_left"),)
    assert turn.state.flow is None and turn.state.plan == SAVED


def test_a_bad_menu_answer_is_asked_again_once_then_left():
    menu = plan.begin(State(plan=SAVED), CTX)
    first = plan.step(menu.state, "9", CTX)
    assert first.replies == (say("retry_menu"),)
    second = plan.step(first.state, "banana", CTX)
    assert second.replies == (say("menu_left"),)
    assert second.state.flow is None and second.state.plan == SAVED


def test_two_parts_at_once_are_asked_in_order():
    menu = plan.begin(State(plan=SAVED), CTX)
    turn, _ = walk(["4 and 2", "being bored", "my NA group"], state=menu.state)
    assert turn.state.plan["triggers"] == "being bored"
    assert turn.state.plan["support"] == "my NA group"


# --- MY PLAN ----------------------------------------------------------------------------------

def test_my_plan_without_a_plan_offers_plan():
    turn = plan.show(State(), CTX)
    assert turn.replies == (say("my_plan_empty"),)
    assert "PLAN" in turn.replies[0]
    assert turn.state == State()


def test_my_plan_shows_every_part():
    turn = plan.show(State(plan=SAVED), CTX)
    text = turn.replies[0]
    for words in ("Monday, December 7", "payday", "a walk", "my sister", say("show_mat_no"), say("show_texts_on")):
        assert words in text
    assert turn.state == State(plan=SAVED)


def test_my_plan_says_which_parts_are_not_set():
    turn = plan.show(State(plan={"triggers": "payday", "texts": False}), CTX)
    assert turn.replies[0].count(say("show_not_set")) == 4   # date, coping, support, mat


@pytest.mark.parametrize(
    "answer",
    ["w" * 160, ("word " * 40)[:160], "{[~]}" * 32, "\u20ac" * 160, "emoji \U0001F494" * 20, "\u201cquote\u201d " * 20],
)
def test_my_plan_fits_three_segments_even_with_six_long_answers(answer):
    saved = {"quit_date": "2026-09-30", "triggers": answer, "coping": answer, "support": answer,
             "mat": "no", "texts": False, "updated_at": NOW.isoformat()}
    text = plan.show(State(plan=saved), CTX).replies[0]
    sent = ensure_helpline(text, CONTENT.helpline)
    assert gsm.is_gsm7(sent)
    assert gsm.segments(sent) <= MAX_SEGMENTS
    assert HELPLINE_NUMBER not in text
    assert "Wednesday, September 30" in text


def test_my_plan_cuts_long_answers_evenly_and_keeps_short_ones_whole():
    long = "I get cravings when " + "I walk past the corner store on payday " * 4
    saved = {"quit_date": "2026-12-07", "triggers": long[:160], "coping": long[:160], "support": "my sister Ana",
             "mat": "yes", "texts": True, "updated_at": NOW.isoformat()}
    text = plan.show(State(plan=saved), CTX).replies[0]
    assert "4 Support: my sister Ana\n" in text
    lines = text.split("\n")
    triggers = next(line for line in lines if line.startswith("2 Triggers: "))
    coping = next(line for line in lines if line.startswith("3 Coping: "))
    assert triggers.endswith("...") and coping.endswith("...")
    assert triggers[len("2 Triggers: "):] == coping[len("3 Coping: "):]
    assert len(triggers) > 60


def test_my_plan_shows_a_short_plan_whole():
    saved = {**SAVED, "triggers": "payday, being alone at night"}
    text = plan.show(State(plan=saved), CTX).replies[0]
    assert "payday, being alone at night\n" in text and "..." not in text


# --- the table -------------------------------------------------------------------------------

def test_every_step_asks_a_question_the_content_has():
    assert set(plan.STEPS) == {"menu", "date", "confirm", "triggers", "coping", "support", "mat", "texts"}
    for step in plan.STEPS.values():
        assert step.question in CONTENT.plan.flow and step.retry in CONTENT.plan.flow


def test_the_diagram_beside_the_declaration_names_every_step_and_exit():
    drawn = set(re.findall(r"\[(\w+)\]", plan.DIAGRAM))
    assert drawn == set(plan.STEPS)
    for exit in (*plan.EXITS, "TIMEOUT", "SKIP"):
        assert re.search(rf"\b{exit}\b", plan.DIAGRAM), exit
    assert plan.DIAGRAM.isascii() and (plan.__doc__ or "").isascii()


def test_every_transition_leads_to_a_step_or_an_exit_and_every_step_is_reached():
    targets = {plan.STEPS["menu"].skip} | {plan.NEXT, plan.RESTART}
    for step in plan.STEPS.values():
        assert set(step.on.values()) <= set(plan.STEPS) | set(plan.EXITS), step
        assert step.skip in set(plan.STEPS) | set(plan.EXITS)
        targets |= set(step.on.values())
    reached = {t for t in targets if t in plan.STEPS} | {part.id for part in plan.PARTS} | {"menu"}
    assert reached == set(plan.STEPS)


def test_every_part_is_asked_by_a_step_and_saved_under_a_plan_key():
    for part in plan.PARTS:
        assert part.id in plan.STEPS
        assert part.saves in plan.PLAN_KEYS
        assert not part.needs or part.needs in {p.saves for p in plan.PARTS}
    words = [w for part in plan.PARTS for w in part.words]
    assert len(words) == len(set(words)), "a menu word may choose one part only"


def test_the_numbers_in_the_texts_follow_the_order_of_the_parts():
    """The menu is built from PARTS; the numbers written in the questions, the retry, the
    intro and MY PLAN must agree with it."""
    flow = CONTENT.plan.flow
    count = len(plan.PARTS)
    for n, part in enumerate(plan.PARTS, 1):
        assert flow[plan.STEPS[part.id].question].startswith(f"{n}. "), part.id
    assert f"1 to {count}" in flow["retry_menu"]
    assert f"{count} short questions" in flow["intro"] and f"{count} short questions" in flow["my_plan_empty"]
    shown = [re.match(r"(\d) .*\{(\w+)\}", line) for line in flow["show"].splitlines()]
    placeholders = {"quit_date": "date", "people": "support"}
    order = [placeholders.get(m.group(2), m.group(2)) for m in shown if m]
    assert order == [part.id for part in plan.PARTS]
    assert [int(m.group(1)) for m in shown if m] == list(range(1, count + 1))


def test_the_menu_numbers_choose_the_parts_in_declared_order():
    for n, part in enumerate(plan.PARTS, 1):
        turn = plan.step(plan.begin(State(plan=SAVED), CTX).state, str(n), CTX)
        assert turn.state.flow["step"] == part.id
        assert plan.menu_list(CONTENT.plan).splitlines()[n - 1].startswith(f"{n} ")


# --- the stored flow ---------------------------------------------------------------------------

# Flows exactly as the version before the declaration stored them (a person mid-PLAN on deploy).
OLD_FLOWS = {
    "at the read-back": {"name": "plan", "step": "confirm", "updated_at": "2026-11-30T16:00:00+00:00",
                         "retries": 0, "draft": {}, "mode": "new",
                         "queue": ["triggers", "coping", "support", "mat", "texts"],
                         "pending_date": "2026-12-07"},
    "at support, retried once": {"name": "plan", "step": "support", "updated_at": "2026-11-30T16:00:00+00:00",
                                 "retries": 1, "draft": {"quit_date": "2026-12-07", "triggers": "payday",
                                                         "coping": "a walk"},
                                 "mode": "new", "queue": ["mat", "texts"]},
    "editing from the menu": {"name": "plan", "step": "menu", "updated_at": "2026-11-30T16:00:00+00:00",
                              "retries": 0, "draft": {k: v for k, v in SAVED.items() if k != "updated_at"},
                              "mode": "edit", "queue": []},
}


@pytest.mark.parametrize("name", list(OLD_FLOWS))
def test_a_flow_stored_before_the_declaration_reads_back_unchanged(name):
    stored = OLD_FLOWS[name]
    flow = PlanFlow.read(stored, plan.STEPS)
    assert flow is not None and flow.step == stored["step"]
    assert flow.to_json() == stored


def test_a_person_mid_plan_on_deploy_carries_on_where_they_were():
    state = State(flow=OLD_FLOWS["at the read-back"])
    assert plan.is_open(state, NOW)
    turn = plan.step(state, "yes", CTX)
    assert turn.replies == (say("date_saved", date="Monday, December 7") + "\n" + ask("ask_triggers"),)
    state = State(flow=OLD_FLOWS["at support, retried once"])
    turn = plan.step(state, "?!", CTX)          # the retry was used: skipped, on to MAT
    assert turn.state.flow["step"] == "mat" and turn.state.flow["queue"] == ["texts"]
    assert turn.state.flow["retries"] == 0
    edit = plan.step(State(plan=SAVED, flow=OLD_FLOWS["editing from the menu"]), "2", CTX)
    assert edit.state.flow["step"] == "triggers" and edit.state.flow["mode"] == "edit"


def test_a_flow_written_by_the_declaration_reads_back_as_the_same_flow():
    _, turns = walk(FULL[:1] + ["2 weeks"])
    for turn in turns:
        flow = PlanFlow.read(turn.state.flow, plan.STEPS)
        assert flow is not None and PlanFlow.read(flow.to_json(), plan.STEPS) == flow


@pytest.mark.parametrize("bad", [{"queue": ["dance", "mat"]}, {"retries": "x"}, {"draft": "x"}, {"mode": "x"},
                                 {"pending_date": "soon"}])
def test_odd_fields_in_a_stored_flow_fall_back_to_safe_values(bad):
    flow = PlanFlow.read({**OLD_FLOWS["at support, retried once"], **bad}, plan.STEPS)
    assert flow is not None
    assert set(flow.queue) <= set(plan.STEPS) and isinstance(flow.retries, int)
    assert flow.mode in ("new", "edit") and flow.pending_date is None


def test_the_saved_plan_keys_are_exactly_the_contract():
    assert plan.PLAN_KEYS == ("quit_date", "triggers", "coping", "support", "mat", "texts", "updated_at")
    turn, _ = walk(FULL)
    assert set(turn.state.plan) <= set(plan.PLAN_KEYS)


def test_describe_matches_what_the_flow_reads_back():
    turn, _ = walk(["2026-12-07"])
    assert describe(date(2026, 12, 7)) in turn.replies[0]


# --- any text at all ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_answer_is_stored_without_control_characters_and_capped(text):
    stored = plan.clean_answer(text)
    assert len(stored) <= plan.MAX_ANSWER
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in stored)
    assert stored == stored.strip()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=400), min_size=3, max_size=3))
def test_my_plan_fits_whatever_was_written(answers):
    triggers, coping, support = (plan.clean_answer(a) or "x" for a in answers)
    saved = {"quit_date": "2026-09-30", "triggers": triggers, "coping": coping, "support": support,
             "mat": "no", "texts": True}
    text = plan.show(State(plan=saved), CTX).replies[0]
    sent = ensure_helpline(text, CONTENT.helpline)
    assert gsm.is_gsm7(sent) and gsm.segments(sent) <= MAX_SEGMENTS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_answer_at_any_step_gives_one_sendable_reply(text):
    for before in ([], ["monday"], ["skip", "skip"], ["skip", "skip", "skip"], FULL[:5], FULL[:6]):
        turn, _ = walk(before)
        after = plan.step(turn.state, text, CTX)
        assert len(after.replies) == 1
        sent = ensure_helpline(after.replies[0], CONTENT.helpline)
        assert gsm.is_gsm7(sent) and gsm.segments(sent) <= MAX_SEGMENTS
        json.dumps(after.state.flow)
        json.dumps(after.state.plan)
