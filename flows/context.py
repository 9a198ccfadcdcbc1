"""What a turn needs besides the text and the state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.content import Content
from flows.matcher import Matcher
from flows.schedule import QuietHours


@dataclass(frozen=True)
class Context:
    """What a turn needs besides the text and the state. `now` is UTC and given, never read."""

    content: Content
    matcher: Matcher
    now: datetime
    program: str = "Steady"
    support: str = "ask the staff who gave you this number"
    craving_followup_after: timedelta = timedelta(minutes=15)
    quiet: QuietHours = QuietHours()

    def text(self, message_id: str, **values: str) -> str:
        return self.content.text(message_id, program=self.program, support=self.support, **values)
