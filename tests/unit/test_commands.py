"""The engine says what changed for scheduled texts (flows.commands), in one place."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from flows import consent
from flows.commands import (
    CancelScheduled, DailyTextsChanged, QuitDateTextsChanged, quit_date_of, replan, schedule_changes,
)
from flows.turn_values import State
from tests.unit.test_engine import turn

PLAN = {"quit_date": "2026-12-07", "texts": True}
DAILY = State(daily_enabled=True)
PROGRAM = State(plan=PLAN)


@pytest.mark.parametrize(("old", "new", "expected"), [
    (State(), State(), ()),
    (State(), DAILY, (DailyTextsChanged(on=True),)),
    (DAILY, State(), (DailyTextsChanged(on=False),)),
    (DAILY, replace(DAILY, daily_time="19:00"), (DailyTextsChanged(on=True),)),
    (DAILY, replace(DAILY, timezone="America/Denver"), (DailyTextsChanged(on=True),)),
    (DAILY, replace(DAILY, daily_kinds="mindfulness"), ()),                  # which text, not when
    (State(), replace(State(), daily_time="19:00"), ()),                     # a time saved, nothing on
    (State(), PROGRAM, (QuitDateTextsChanged(on=True),)),
    (PROGRAM, State(plan={**PLAN, "quit_date": "2026-12-09"}), (QuitDateTextsChanged(on=True),)),
    (PROGRAM, State(plan={**PLAN, "texts": False}), (QuitDateTextsChanged(on=False),)),
    (PROGRAM, replace(PROGRAM, timezone="America/Denver"), (QuitDateTextsChanged(on=True),)),
    (replace(PROGRAM, daily_enabled=True), consent.opt_out(replace(PROGRAM, daily_enabled=True)),
     (DailyTextsChanged(on=False), QuitDateTextsChanged(on=False))),
    (replace(DAILY, opted_out=True), DAILY, (DailyTextsChanged(on=True),)),   # an opt-in with texts still on
])
def test_a_change_of_state_gives_exactly_its_commands(old, new, expected):
    assert schedule_changes(old, new) == expected


@pytest.mark.parametrize(("plan", "expected"), [
    (PLAN, date(2026, 12, 7)), ({**PLAN, "texts": False}, None), ({"texts": True}, None),
    ({**PLAN, "quit_date": "soon"}, None), (None, None),
])
def test_the_quit_date_counts_only_with_a_yes_to_texts(plan, expected):
    assert quit_date_of(plan) == expected


def test_turns_carry_their_commands():
    assert turn("DAILY").commands == (DailyTextsChanged(on=True),)
    assert turn("DAILY OFF", DAILY).commands == (DailyTextsChanged(on=False),)
    assert turn("STOP", PROGRAM).commands == (CancelScheduled(), QuitDateTextsChanged(on=False))
    assert turn("MEETINGS", DAILY).commands == ()


def test_a_number_that_works_again_gets_back_what_its_consent_allows():
    both = replace(PROGRAM, daily_enabled=True)
    assert replan(both) == (DailyTextsChanged(on=True), QuitDateTextsChanged(on=True))
    assert replan(DAILY) == (DailyTextsChanged(on=True),)
    assert replan(State()) == ()
    assert replan(consent.opt_out(both)) == ()
