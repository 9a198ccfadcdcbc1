"""What PLAN keeps between texts, typed: the open flow (`PlanFlow`) and the saved plan.

`state.flow` is stored as JSON (a column beside the person), so a `PlanFlow` is read from it
and written back through `PlanFlow.read` and `PlanFlow.to_json` only, and nowhere else. The
JSON shape is the one stored since PLAN shipped, so a person mid-PLAN when a new version
deploys carries on:

    {"name": "plan", "step": "confirm", "updated_at": "2026-11-30T17:00:00+00:00",
     "retries": 0, "draft": {"quit_date": ...}, "mode": "new" | "edit",
     "queue": ["triggers", ...], "pending_date": "2026-12-07" (only while a date waits)}

The saved plan (`state.plan`) is read by the scheduler and the quit-date texts as well, so it
stays a plain mapping holding only PLAN_KEYS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Collection, Mapping

from flows.turn_values import Event, State

if TYPE_CHECKING:  # flows.context pulls in the matcher; PLAN needs only its fields
    from flows.context import Context

FLOW = "plan"
NEW_PLAN, EDIT = "new", "edit"      # a plan from its first part, or the parts chosen at the menu
PLAN_KEYS = ("quit_date", "triggers", "coping", "support", "mat", "texts", "updated_at")


@dataclass(frozen=True)
class PlanTurn:
    replies: tuple[str, ...]
    state: State                       # with flow/plan updated
    events: tuple[Event, ...] = ()     # plan_texts_on / plan_texts_off when texts are answered


@dataclass(frozen=True)
class PlanFlow:
    """An open PLAN: the step waiting for an answer, the answers so far (`draft`), the parts
    still to ask (`queue`), how often this step was asked again, and a date waiting for its YES."""

    step: str
    updated_at: datetime
    mode: str = NEW_PLAN
    queue: tuple[str, ...] = ()
    draft: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    retries: int = 0
    pending_date: date | None = None

    @classmethod
    def read(cls, flow: Any, steps: Collection[str]) -> PlanFlow | None:
        """The flow stored in `state.flow`, or None when it is not a readable PLAN at a known
        step (another flow, no time stamp, a time stamp without its zone, an unknown step)."""
        if not isinstance(flow, Mapping) or flow.get("name") != FLOW or flow.get("step") not in steps:
            return None
        updated = _parse_stamp(flow.get("updated_at"))
        if updated is None:
            return None
        draft = flow.get("draft")
        queue = flow.get("queue")
        retries = flow.get("retries")
        return cls(
            step=flow["step"],
            updated_at=updated,
            mode=EDIT if flow.get("mode") == EDIT else NEW_PLAN,
            queue=tuple(q for q in queue if q in steps) if isinstance(queue, list) else (),
            draft=MappingProxyType(dict(draft) if isinstance(draft, Mapping) else {}),
            retries=retries if isinstance(retries, int) and not isinstance(retries, bool) else 0,
            pending_date=_iso_date(flow.get("pending_date")),
        )

    def to_json(self) -> dict[str, Any]:
        """The stored form (see the module docstring); `read` of it gives this flow back."""
        data: dict[str, Any] = {
            "name": FLOW, "step": self.step, "updated_at": stamp(self.updated_at), "retries": self.retries,
            "draft": dict(self.draft), "mode": self.mode, "queue": list(self.queue),
        }
        if self.pending_date is not None:
            data["pending_date"] = self.pending_date.isoformat()
        return data


def is_plan_flow(flow: Any) -> bool:
    """A flow that says it is PLAN's, readable or not."""
    return isinstance(flow, Mapping) and flow.get("name") == FLOW


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def _parse_stamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment


def _iso_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# --- the saved plan -------------------------------------------------------------------

def parts_of(plan: Any) -> dict[str, Any]:
    """The answered parts of a saved plan (no updated_at, no unknown keys)."""
    if not isinstance(plan, Mapping):
        return {}
    return {key: plan[key] for key in PLAN_KEYS if key != "updated_at" and key in plan}


def has_plan(state: State) -> bool:
    parts = parts_of(state.plan)
    return any(key != "texts" for key in parts) or bool(parts.get("texts"))


def quit_date_of(parts: Mapping[str, Any]) -> date | None:
    return _iso_date(parts.get("quit_date"))


def say(ctx: Context, id: str, **values: str) -> str:
    """A plan.yaml flow text for this person (program and support filled in)."""
    return ctx.content.plan.text(id, program=ctx.program, support=ctx.support, **values)
