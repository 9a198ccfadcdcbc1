"""Multi-turn conversations (tests/data/conversations.yaml), written as a careful product
should behave and run through the pure engine with the shipped models: crisis then
follow-ups, craving then the check-in answer, PLAN with messy answers, STOP mid-crisis."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from flows import engine
from flows.context import Context
from flows.helpline import HELPLINE_NUMBER
from flows.turn_values import State
from tests.understanding import CONTENT, MATCHER, UNDERSTANDING, as_sent

SCRIPTS = yaml.safe_load((Path(__file__).parent.parent / "data" / "conversations.yaml").read_text(encoding="utf-8"))
START = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)     # 10 PM in New York: people text at night


def run(script: dict) -> list[tuple[str, str, str | None, object]]:
    """[(text, expected intent, expected kind/topic, outcome)] for every text turn."""
    # A script may start at its own time: a craving check-in is only asked in sending
    # hours (flows.schedule.refusal), so scripts that answer one start in the day.
    start = datetime.fromisoformat(script["start"]) if "start" in script else START
    state, now, out = State(), start, []
    for step in script["turns"]:
        if "wait_minutes" in step:
            now += timedelta(minutes=int(step["wait_minutes"]))
            continue
        now += timedelta(minutes=1)
        ctx = Context(content=CONTENT, matcher=MATCHER, now=now, understanding=UNDERSTANDING)
        outcome = engine.turn(str(step["text"]), state, ctx)
        out.append((str(step["text"]), step["intent"], step.get("kind") or step.get("topic"), outcome))
        state = outcome.state
    return out


def test_there_are_at_least_30_scripts_with_several_turns_each():
    assert len(SCRIPTS) >= 30
    assert all(sum(1 for t in s["turns"] if "text" in t) >= 3 for s in SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s["name"] for s in SCRIPTS])
def test_each_turn_gets_its_intent(script):
    wrong = []
    for text, intent, detail, outcome in run(script):
        if outcome.intent != intent:
            wrong.append(f"{text!r}: {outcome.intent} (expected {intent})")
        elif detail and outcome.detail not in (detail, None) and intent == "crisis":
            wrong.append(f"{text!r}: kind {outcome.detail} (expected {detail})")
        for reply in outcome.replies:
            assert HELPLINE_NUMBER in as_sent(reply)
    assert wrong == []
