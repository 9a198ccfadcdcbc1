"""The values a turn takes and returns. Plain frozen dataclasses: easy to store, easy to test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from flows import defaults
from flows.timeparse import to_hhmm


@dataclass(frozen=True)
class State:
    """Everything about a person that a turn may read or change.

    `flow` is the open multi-step conversation (PLAN), or None; it is JSON-able.
    """

    opted_out: bool = False
    timezone: str = defaults.TIMEZONE
    language: str = "en"               # "en" | "es": every text to the person is in it
    language_chosen: bool = False      # set by ESPANOL / ENGLISH: detection never changes it then
    flow: Mapping[str, Any] | None = None
    daily_enabled: bool = False
    daily_time: str = to_hhmm(defaults.SEND_TIME)   # local wall-clock time, HH:MM
    daily_kinds: str = "both"          # both | encouragement | mindfulness
    plan: Mapping[str, Any] | None = None
    private: bool = False              # PRIVATE: scheduled texts keep drug words off the lock screen


@dataclass(frozen=True)
class Event:
    """Something to record beside the turn: consent changes, mostly. Never a message body."""

    kind: str                 # opt_out | opt_in | daily_on | daily_off | ...
    keyword: str = ""         # the keyword or kind of phrase that caused it (e.g. "STOP", "phrase")


@dataclass(frozen=True)
class FollowUp:
    """A message to send later through the outbox (e.g. the craving check-in)."""

    kind: str
    due_at: datetime          # UTC
    text: str


@dataclass(frozen=True)
class Outcome:
    intent: str
    replies: tuple[str, ...]
    state: State
    events: tuple[Event, ...] = ()
    followups: tuple[FollowUp, ...] = ()
    commands: tuple = ()                     # flows.commands: what to do about scheduled texts
    score: int | None = None                 # a 1-5 check-in answer, stored as a number only
    detail: str | None = None                # the crisis kind, crisis-mode topic or check-in answer
