"""What a turn needs besides the text and the state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flows import defaults
from flows.content import Content
from flows.matcher import Matcher
from flows.schedule import QuietHours
from flows.understand import Understanding


@dataclass(frozen=True)
class Context:
    """What a turn needs besides the text and the state. `now` is UTC and given, never read."""

    content: Content
    matcher: Matcher
    now: datetime
    program: str = defaults.PROGRAM
    support: str = defaults.SUPPORT
    craving_followup_after: timedelta = defaults.CRAVING_FOLLOWUP_AFTER
    quiet: QuietHours = QuietHours()
    understanding: Understanding | None = None
    crisis_window: timedelta = defaults.CRISIS_WINDOW

    def __post_init__(self) -> None:
        if self.understanding is None:
            # Built from the same matcher with the models trained elsewhere; a Context
            # without them cannot read free text, and that must fail loudly.
            raise ValueError("Context needs an Understanding (flows.understand) to read texts")

    def text(self, message_id: str, **values: str) -> str:
        return self.content.text(message_id, program=self.program, support=self.support, **values)
