"""What an opt-out and an opt-in do to a person's state: the one definition of each.

Both ways Steady learns of an opt-out use `opt_out`: a STOP texted to Steady
(flows.engine) and Twilio refusing a send because the number replied STOP at the
carrier (error 21610, bot.outbox.mark_opted_out). So the two always leave the same
state, and a later START brings back the same thing whichever way the STOP came.
"""

from __future__ import annotations

from dataclasses import replace

from flows.model import State

__all__ = ["opt_in", "opt_out"]


def opt_out(state: State) -> State:
    """The state after an opt-out: consent withdrawn for everything.

    Daily texts and quit-date texts are switched off, and any open flow (PLAN, crisis
    mode, a check-in) ends. START later brings replies back, but scheduled texts need a
    fresh, recorded opt-in (DAILY, or PLAN's last question): a START is consent to be
    answered, not to be texted every day. The plan itself is the person's and stays.
    """
    plan = dict(state.plan) if state.plan else None
    if plan and plan.get("texts"):
        plan["texts"] = False
    return replace(state, opted_out=True, flow=None, daily_enabled=False, plan=plan)


def opt_in(state: State) -> State:
    """The state after START: replies come back; nothing scheduled is switched on."""
    return replace(state, opted_out=False)
