"""What a turn asks the adapters to do about scheduled texts: the engine says what
changed, so no adapter has to work it out by comparing the state before and after.

`bot.schedules` dispatches each command from one handler table; a follow-up to send later
is a `flows.turn_values.FollowUp` in `Outcome.followups`, handled there too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Mapping

from flows.turn_values import State

__all__ = ["CancelScheduled", "ErasePerson", "DailyTextsChanged", "QuitDateTextsChanged", "quit_date_of", "replan", "schedule_changes"]


@dataclass(frozen=True)
class CancelScheduled:
    """Cancel the person's scheduled texts not yet sent: of these kinds, or all of them."""

    kinds: tuple[str, ...] | None = None      # None: every kind (STOP)


@dataclass(frozen=True)
class ErasePerson:
    """Erase everything about the person, in this turn's transaction (bot.erasure.erase):
    the confirmed DELETE. Their scheduled texts go with them; nothing is saved after it."""


@dataclass(frozen=True)
class DailyTextsChanged:
    """Daily texts were switched on or off, or moved (time, zone): plan the next one anew,
    or, when `on` is False, plan none and cancel the one written."""

    on: bool


@dataclass(frozen=True)
class QuitDateTextsChanged:
    """The quit-date program changed (its date, its yes to texts, the time, the zone, an
    opt-out or opt-in): plan its next day anew, or, when `on` is False, end it."""

    on: bool


def quit_date_of(plan: Mapping[str, Any] | None) -> date | None:
    """The quit date when the person said YES to quit-date texts, else None."""
    if not plan or not plan.get("texts") or not plan.get("quit_date"):
        return None
    try:
        return date.fromisoformat(str(plan["quit_date"]))
    except ValueError:
        return None


def replan(state: State) -> tuple[DailyTextsChanged | QuitDateTextsChanged, ...]:
    """Plan anew every scheduled text the person's consent allows: for a number Twilio
    could not reach (30003 and the like), which works again because the person wrote."""
    return schedule_changes(replace(state, daily_enabled=False, plan=None), state)


def schedule_changes(old: State, new: State) -> tuple[DailyTextsChanged | QuitDateTextsChanged, ...]:
    """The scheduling commands a change of state calls for, the one place that decides it."""
    commands: list[DailyTextsChanged | QuitDateTextsChanged] = []
    moved = old.daily_time != new.daily_time or old.timezone != new.timezone
    daily_on = new.daily_enabled and not new.opted_out
    if daily_on != (old.daily_enabled and not old.opted_out) or (daily_on and moved):
        commands.append(DailyTextsChanged(on=daily_on))
    old_quit = None if old.opted_out else quit_date_of(old.plan)
    new_quit = None if new.opted_out else quit_date_of(new.plan)
    if old_quit != new_quit or (new_quit is not None and moved):
        commands.append(QuitDateTextsChanged(on=new_quit is not None))
    return tuple(commands)
