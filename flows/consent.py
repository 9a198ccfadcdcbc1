"""What an opt-out and an opt-in do to a person's state, and what a scheduled text needs
to go: the one definition of each.

Both ways Steady learns of an opt-out use `opt_out`: a STOP texted to Steady
(flows.engine) and Twilio refusing a send because the number replied STOP at the
carrier (error 21610, bot.receipts.TwilioFeedback.mark_opted_out). So the two always leave the same
state, and a later START brings back the same thing whichever way the STOP came.

`may_send` is the consent rule for every scheduled text, by kind. The outbox asks it
when a row is claimed and again immediately before the Twilio request (bot.outbox, bot.sender), so a
row written, claimed or put back for a retry under an old consent never goes out on it.
"""

from __future__ import annotations

from dataclasses import replace

from flows.turn_values import State

__all__ = ["CRAVING_CHECKIN_FLOW", "CRAVING_FOLLOWUP", "DAILY", "QUIT_DATE", "may_send", "opt_in", "opt_out"]

# The kinds of scheduled text (the outbox's `kind`).
DAILY = "daily"                          # encouragement or mindfulness, with DAILY's consent
QUIT_DATE = "quit_date"                  # the quit-date program, with PLAN's consent
CRAVING_FOLLOWUP = "craving_followup"    # "did the craving pass?", 15 minutes after a CRAVING
# The flow a craving check-in waits in for its answer (flows.engine).
CRAVING_CHECKIN_FLOW = "craving_checkin"


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


def may_send(state: State, kind: str) -> bool:
    """Whether the person's consent, as it is now, allows a scheduled text of `kind`.

    Never after an opt-out. A daily text needs daily texts on (DAILY, not since DAILY OFF
    or STOP); a quit-date text needs the plan's yes to texts (PLAN's last question); a
    craving check-in needs the check-in still waiting for its answer (a STOP, crisis mode
    or a new PLAN ends that wait). A kind this function does not name is never sent: a new
    kind of scheduled text must say here what consent it needs.
    """
    if state.opted_out:
        return False
    if kind == DAILY:
        return bool(state.daily_enabled)
    if kind == QUIT_DATE:
        return bool(state.plan and state.plan.get("texts"))
    if kind == CRAVING_FOLLOWUP:
        return bool(state.flow) and state.flow.get("name") == CRAVING_CHECKIN_FLOW
    return False
