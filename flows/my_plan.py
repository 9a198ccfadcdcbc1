"""MY PLAN: the saved plan read back in at most MAX_SEGMENTS texts' worth, footer included.

The person's own words are cut evenly (the shortest kept whole) when they would not fit,
folded to GSM-7 so one emoji cannot halve the room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import dates, gsm
from flows.content import MAX_SEGMENTS
from flows.helpline import ensure_helpline
from flows.outgoing import segment_limit
from flows.turn_values import State
from flows.plan_state import PlanTurn, has_plan, parts_of, quit_date_of, say
from flows.plan_words import MAX_ANSWER

if TYPE_CHECKING:
    from flows.context import Context


def show(state: State, ctx: Context) -> PlanTurn:
    """MY PLAN: the saved plan, or how to make one."""
    if not has_plan(state):
        return PlanTurn((say(ctx, "my_plan_empty"),), state)
    parts = parts_of(state.plan)
    not_set = say(ctx, "show_not_set")
    quit_date = quit_date_of(parts)
    mat = {"yes": "show_mat_yes", "no": "show_mat_no"}.get(parts.get("mat"))
    fixed = {
        "quit_date": dates.describe(quit_date, language=ctx.content.language) if quit_date else not_set,
        "mat": say(ctx, mat) if mat else not_set,
        "texts": say(ctx, "show_texts_on" if parts.get("texts") else "show_texts_off"),
    }
    own = {"triggers": parts.get("triggers"), "coping": parts.get("coping"), "people": parts.get("support")}

    def render(limit: int) -> str:
        words = {name: (gsm.shorten(value, limit) or "...") if isinstance(value, str) and value.strip()
                 else not_set for name, value in own.items()}
        return say(ctx, "show", **fixed, **words)

    def fits(limit: int) -> bool:
        sent = ensure_helpline(render(limit), ctx.content.helpline)
        return gsm.segments(sent) <= segment_limit(MAX_SEGMENTS, sent)   # Spanish may be UCS-2

    low, high = 0, MAX_ANSWER * 2  # extension characters cost 2 septets each
    if fits(high):
        return PlanTurn((render(high),), state)
    while high - low > 1:  # invariant: fits(low), not fits(high)
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return PlanTurn((render(low),), state)
