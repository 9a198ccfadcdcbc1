"""Crisis mode: the half hour after a crisis reply, when every text is answered as part
of the same emergency (no naloxone? rescue breaths? they're coming? I'm ok now).

State lives in `state.flow` as {"name": "crisis", "kind", "lang", "at" (ISO UTC),
"resume": the flow that was open before, e.g. a PLAN draft}. Leaving crisis mode puts
that flow back. Pure: the window is given (Context.crisis_window), never read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flows.turn_values import State
from flows.understand import CrisisReading

FLOW = "crisis"


def is_on(state: State) -> bool:
    return bool(state.flow) and state.flow.get("name") == FLOW


def begin(state: State, reading: CrisisReading, now: datetime) -> State:
    """Enter (or renew) crisis mode for this kind of crisis."""
    resume = state.flow.get("resume") if is_on(state) else state.flow
    flow = {"name": FLOW, "kind": reading.kind, "lang": reading.language, "at": now.isoformat()}
    if resume:
        flow["resume"] = dict(resume)
    return replace(state, flow=flow)


def end(state: State) -> State:
    """Leave crisis mode, putting back the flow it interrupted."""
    if not is_on(state):
        return state
    resume = state.flow.get("resume")
    return replace(state, flow=dict(resume) if resume else None)


def drop_if_over(state: State, now: datetime, window: timedelta) -> State:
    """Crisis mode ends `window` after the last crisis reply (or at once if unreadable)."""
    if not is_on(state):
        return state
    try:
        started = datetime.fromisoformat(state.flow.get("at"))
        over = now - started > window or started > now + timedelta(minutes=5)
    except (TypeError, ValueError):
        over = True
    return end(state) if over else state


def kind(state: State) -> str:
    return str(state.flow.get("kind") or "call_for_help")


def language(state: State) -> str:
    return "es" if state.flow.get("lang") == "es" else "en"
