"""Read a send time out of a text ("TIME 7pm", "text me at 8am") and write one back.

Rules (decided here, so every flow reads times the same way):
- Accepted: "7pm", "7 pm", "7p", "7 p.m.", "7:30", "7:30pm", "19:00", "9.30am",
  "730pm", "noon", "midday", "midnight", "7 o'clock", "7 in the evening",
  "8 in the morning", "10 at night", "7 tonight".
- "9.30" (a dot) is read like "9:30", but like a bare number (below) it needs
  am/pm, a time cue or the whole message to itself, so a price such as "$9.30"
  or "9.30 dollars" is not a time.
- A number with no colon and no am/pm ("7", "1900") counts only after a time cue
  ("time", "at", "@", "around", "about", "to") or when it is the whole message;
  so "45 days" and "for 3 years" hold no time.
- A bare hour is read on the 24-hour clock: "TIME 7" is 7:00 AM. We do not guess
  PM; quiet hours then move 7:00 AM to 8:00 AM and the reply says so, which the
  person can correct ("TIME 7pm").
- The first time-looking part of the message decides. If it is impossible
  ("25:00", "13pm", "7:75") the answer is None rather than a guess; such a
  message still counts as a time request, so the reply can say so.
- Not handled: "half past 7", "quarter to 8", words for numbers ("seven").
"""

from __future__ import annotations

import re
from datetime import time

from flows.date_language import check_language, plain
from flows.message import Message

_CUE_BEFORE = re.compile(r"(?:\btime|\bat|@|\baround|\babout|\bto)\s*[:\-]?\s*$")

_TIME_RE = re.compile(
    r"""
    (?P<word>\bnoon\b|\bmidday\b|\bmidnight\b)
    |
    (?<![\w$./,])(?<!\d:)
    (?P<num>\d{1,4}|\d{1,2}[:.]\d{2})
    (?![\d]|[.:/,]\d)
    (?:\s*(?P<ampm>[ap])\.?\s?m\b\.?|(?P<ap>[ap])\b)?
    (?P<oclock>\s*o\s?'?\s?clock\b)?
    (?:\s*(?P<part>in\ the\ morning|in\ the\ afternoon|in\ the\ evening|at\ night
        |this\ morning|this\ afternoon|this\ evening|tonight|noon)\b)?
    """,
    re.VERBOSE,
)

_PM_PARTS = ("afternoon", "evening", "night", "tonight")


def _normal(text: "str | Message") -> str:
    """The turn's one light form (`Message.lowered`), made here only for a bare string."""
    return Message.of(text).lowered


def _candidate(match: re.Match[str], text: str) -> tuple[bool, time | None]:
    """(does this part of the text count as a time?, the time, or None if impossible)."""
    if match["word"]:
        return True, time(0, 0) if match["word"] == "midnight" else time(12, 0)
    num = match["num"]
    marker = match["ampm"] or match["ap"]
    part = match["part"] or ""
    cued = bool(_CUE_BEFORE.search(text[: match.start()]))
    whole = text[: match.start()].strip() == "" and text[match.end():].strip(" .!?") == ""
    if not (":" in num or marker or part or match["oclock"] or cued or whole):
        return False, None
    if ":" in num or "." in num:
        hour_s, minute_s = re.split(r"[:.]", num)
    elif len(num) > 2:
        hour_s, minute_s = num[:-2], num[-2:]
    else:
        hour_s, minute_s = num, "0"
    hour, minute = int(hour_s), int(minute_s)
    if minute > 59:
        return True, None
    if not marker and part:
        marker = "p" if part == "noon" or part.endswith(_PM_PARTS) else "a"
        if part == "at night" and hour == 12:
            marker = "a"
    if marker:
        if not 1 <= hour <= 12:
            return True, None
        hour = hour % 12 + (12 if marker == "p" else 0)
    elif hour > 23:
        return True, None
    return True, time(hour, minute)


def _scan(low: str) -> tuple[re.Match[str] | None, time | None]:
    """The first part of the text that counts as a time, and its value (None if impossible)."""
    for match in _TIME_RE.finditer(low):
        is_time, value = _candidate(match, low)
        if is_time:
            return match, value
    return None, None


def parse_time(text: "str | Message") -> time | None:
    """The send time in a message, or None (no time, or an impossible one)."""
    return _scan(_normal(text))[1]


def parse_hhmm(value: str) -> time:
    """A stored or configured 24-hour time, "HH:MM" ("07:30", "7:30"), as a time.

    The one reader of the form `State.daily_time` and the settings keep; ValueError for
    anything else.
    """
    hours, sep, minutes = str(value).strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2 or len(hours) > 2:
        raise ValueError(f"not an HH:MM time: {value!r}")
    return time(int(hours), int(minutes))


def to_hhmm(t: time) -> str:
    """The stored form of a time: "07:30"."""
    return f"{t.hour:02d}:{t.minute:02d}"


def format_time(t: time, language: str = "en") -> str:
    """A time as written to a person, GSM-7 in both languages.

    English, US style: "9:00 AM", "7:30 PM", "12:00 PM" for noon.
    Spanish: "9:00 a.m.", "7:30 p.m.", "12:00 p.m." for noon: the 12-hour clock with
    "a.m."/"p.m." is what US Spanish-language media and phones show. The RAE's "p. m."
    has a space a phone may wrap between "p." and "m."; "8 de la noche" is longer and
    has no tidy form for half hours. It parses back with `parse_time`.
    """
    hour = t.hour % 12 or 12
    if check_language(language) == "es":
        return f"{hour}:{t.minute:02d} {'a.m.' if t.hour < 12 else 'p.m.'}"
    return f"{hour}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


_ASK_VERBS = re.compile(
    r"\b(?:text|txt|texts|send|sent|message|messages|msg|msgs|ping|remind|reminder|"
    r"reminders|change|move|switch|set|make|reschedule|prefer|instead|rather|"
    r"earlier|later|schedule|daily|every\s+day|each\s+day|every\s+morning|"
    r"every\s+night|every\s+evening)\b"
)
_CHANGE_TIME = re.compile(
    r"\b(?:change|move|switch|set|reset|update|pick|new|different|another)\b"
    r"\W+(?:\w+\W+){0,2}?time\b"
)
_ZONE_TALK = re.compile(r"\btime\s*zone\b|\bzone\b")
_POLITE = re.compile(r"\b(?:please|pls|plz|thanks|thank you|ok|okay|then|instead)\b")


def is_time_request(text: "str | Message") -> bool:
    """The message asks to change the daily send time.

    True for "TIME" alone or followed by a time ("TIME 7pm"; also "TIME 25:00",
    so the reply can say the time could not be read), a time with a scheduling
    word ("text me at 8am", "send them at 7:30", "change my time to 6pm"), a
    clear time on its own ("7:30pm please"), or asking for a new time without
    one yet ("can you change my time"). Time-zone messages are not time requests
    ("change my time zone"), nor is talk about a time ("I used at 8pm").
    """
    low = _normal(text)
    if not low or _ZONE_TALK.search(low):
        return False
    head = re.match(r"time\b\W*", low)
    if head:
        rest = low[head.end():]
        return rest.strip() == "" or _scan(rest)[0] is not None
    match, _ = _scan(low)
    if match is None:
        return bool(_CHANGE_TIME.search(low))
    if _ASK_VERBS.search(low):
        return True
    leftover = _POLITE.sub(" ", low[: match.start()] + " " + low[match.end():])
    strong = bool(
        match["word"] or match["ampm"] or match["ap"] or match["oclock"] or match["part"]
        or ":" in match["num"]
    )
    return strong and re.fullmatch(r"[\s\W]*", leftover) is not None


# Parts of the day people name instead of a time ("text me in the evening"): a time
# inside the default quiet hours (8 AM to 9 PM) for each.
_PARTS_OF_DAY = (
    (re.compile(r"\b(?:early morning|first thing|when i wake up|wake up)\b"), time(8, 0)),
    (re.compile(r"\b(?:lunch|lunchtime|midday|mid day)\b"), time(12, 0)),
    (re.compile(r"\bafter ?noons?\b"), time(14, 0)),
    (re.compile(r"\b(?:after work|after school|end of the day|end of day|dinner ?time|dinner)\b"), time(18, 0)),
    (re.compile(r"\b(?:evenings?|tonight|nights?|night ?time|before bed|bedtime|later in the day)\b"), time(19, 0)),
    (re.compile(r"\bmornings?\b"), time(9, 0)),
)


def parse_part_of_day(text: "str | Message") -> time | None:
    """A time for a named part of the day ("in the evening" -> 7:00 PM), or None."""
    low = _normal(text)
    for pattern, at in _PARTS_OF_DAY:
        if pattern.search(low):
            return at
    return None
