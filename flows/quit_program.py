"""The texts around a quit date (for people who said YES to them), and the check-ins.

Pure: the scheduler asks which day is next (`next_offset`), when it falls (`date_for`)
and what to say (`compose`); the engine reads a check-in answer (`parse_checkin`) and
replies (`checkin_reply`), storing the score as a number only.

Decisions:
- Texts go 3 days before, the day before, on the quit day, and 1, 2, 3, 7, 14 and 30
  days after. Check-ins (the text ends with "How are you doing today? Reply 1 (really
  hard) to 5 (good).") are days 1, 3, 7, 14 and 30: withdrawal is hardest in the first
  days, and then a weekly-ish look back. The quit day itself is encouragement only.
- A day's personal variant (plan.yaml `personal`) is used only when every answer it
  names ({triggers}, {coping}, {people}) was given and names something (not "no one",
  "idk"), cut to PERSONAL_MAX characters in GSM-7; and only if the result still fits in
  3 segments with the footer. Otherwise the plain variant goes.
- A check-in answer is a score only when the text starts with it: "4", "5!", "3 ok",
  "four", "4/5", "I'm a 2". "1-5", "10", "2.5" or "I used 3 times" are not scores.
"""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from typing import Any, Mapping

from flows import gsm
from flows.gsm import shorten
from flows.content import CHECKIN_DAYS, MAX_SEGMENTS, PERSONAL, PERSONAL_MAX, Content
from flows.helpline import ensure_helpline
from flows.outgoing import segment_limit
from flows.message import Message
from flows.plan_words import is_nobody

OFFSETS = (-3, -1, 0, 1, 2, 3, 7, 14, 30)
CHECKIN_OFFSETS = CHECKIN_DAYS            # (1, 3, 7, 14, 30)

# The person's answers, by the placeholder a quit-date text uses for each.
_ANSWER_FOR = {"triggers": "triggers", "coping": "coping", "people": "support"}


def date_for(quit_date: date, offset: int) -> date:
    """The local calendar day of one text: the quit date moved by `offset` days."""
    return quit_date + timedelta(days=offset)


def next_offset(quit_date: date, local_today: date, *, after_today: bool = False) -> int | None:
    """The first offset whose day is today or later (later only, with after_today), or None
    when the program is over. A quit date set for tomorrow starts at -1: past days are
    never sent late."""
    for offset in OFFSETS:
        day = date_for(quit_date, offset)
        if day > local_today or (day == local_today and not after_today):
            return offset
    return None


def is_checkin(offset: int) -> bool:
    return offset in CHECKIN_OFFSETS


def _personal_values(plan: Mapping[str, Any]) -> dict[str, str]:
    values = {}
    for name, key in _ANSWER_FOR.items():
        answer = plan.get(key) if isinstance(plan, Mapping) else None
        if isinstance(answer, str) and answer.strip() and not is_nobody(answer):
            words = shorten(answer.strip().rstrip(".!,;:"), PERSONAL_MAX)  # the text adds its own stop
            if sum(char.isalnum() for char in words) >= 2:
                values[name] = words
    return values


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _fits(text: str, content: Content) -> bool:
    """Fits as sent: GSM-7 in 3 segments, or a Spanish text (á í ó ú) in as many characters."""
    sent = ensure_helpline(text, content.helpline)
    return gsm.segments(sent) <= segment_limit(MAX_SEGMENTS, sent)


def compose(offset: int, plan: Mapping[str, Any], content: Content) -> str:
    """The text for `offset` days from the quit date, without the footer: the personal
    variant where the person's answers allow it, else the plain one; a check-in day ends
    with the check-in question."""
    day = content.plan.quit_days[offset]
    tail = "\n" + content.plan.text("checkin_question") if is_checkin(offset) else ""
    if day.personal:
        values = _personal_values(plan)
        needed = _names(day.personal)
        if needed and needed <= PERSONAL and needed <= values.keys():
            personal = day.personal.format(**values).replace("....", "...") + tail
            if _fits(personal, content):
                return personal
    return day.plain + tail


_NUMBER = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_CHECKIN = re.compile(
    r"(?:(?:i'?m|i\s+am|im|its|it'?s|about|maybe|like|prob|probably|a|an|honestly|today)\s+)*"
    r"(?P<score>[1-5]|one|two|three|four|five)\b"
    r"(?:\s*(?:/|out\s+of|of)\s*(?:5|five)\b)?"
    r"(?P<rest>.*)",
    re.DOTALL,
)


def parse_checkin(text: "str | Message") -> int | None:
    """The 1-5 score a check-in answer starts with, or None."""
    low = Message.of(text).lowered
    match = _CHECKIN.fullmatch(low)
    if match is None:
        return None
    if re.search(r"\d", match["rest"]):  # "1-5", "2.5", "3 or 4": not one clear score
        return None
    return _NUMBER[match["score"]]


def checkin_reply(score: int, content: Content) -> str:
    """1-2: help now (CRAVING, treatment, the helpline); 3: kind; 4-5: celebrated."""
    if score in (1, 2):
        return content.plan.text("checkin_low")
    if score == 3:
        return content.plan.text("checkin_mid")
    if score in (4, 5):
        return content.plan.text("checkin_high")
    raise ValueError(f"a check-in score is 1 to 5, got {score!r}")
