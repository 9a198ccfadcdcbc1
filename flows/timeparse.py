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

Spanish (issue 13) is read by the same functions, whatever the person's language (no
Spanish time form means something else in English), on accent-free text
(`date_language.plain`, so "mediodía" and "mediodia" are one):
- "a las 8 de la noche", "8 de la mañana", "3 de la tarde", "1 de la madrugada",
  "por la tarde", "en la noche", "12 del mediodía"; "mediodía" (12:00) and "medianoche"
  (0:00); "7pm", "8 p. m.", "19:00 hrs", "a las 8 en punto".
- "y media", "y cuarto", "menos cuarto", "y 20", "menos 10" after the hour
  ("las 7 y media" is 7:30; "8 menos cuarto" is 7:45). "y" with a number that could be
  an hour (1 to 12) is not minutes: "entre las 7 y 8" is 7:00, not 7:08.
- The cues for a bare number are "a las", "a la", "las", "hora", "tipo" ("tipo 8");
  after "a la" / "las", the hours one to twelve in words ("a la una", "a las ocho y media").
- A range is read as its start, with the am/pm or part of the day written after its
  end: "between 7 and 8pm", "de 7 a 8 pm", "entre las 7 y 8 de la noche" are 7:00 PM.
- "de la noche" and "at night" with 12 are midnight, with 1 to 4 the small hours
  ("a las 2 de la noche" is 2:00 AM); "de la mañana" is AM, "de la tarde" PM.
"""

from __future__ import annotations

import re
from datetime import time

from flows.date_language import check_language, plain
from flows.message import Message

_CUE_BEFORE = re.compile(
    r"(?:\btime|\bat|@|\baround|\babout|\bto|\blas|\ba\s+la|\bhora|\btipo)\s*[:\-]?\s*$")

_TIME_RE = re.compile(
    r"""
    (?P<word>\bnoon\b|\bmidday\b|\bmidnight\b|\bmedio\s?dia\b|\bmedia\s?noche\b)
    |
    (?<![\w$./,])(?<!\d:)
    (?P<num>\d{1,4}|\d{1,2}[:.]\d{2})
    (?![\d]|[.:/,]\d)
    (?P<mins>\s+(?:y\s+(?:media|cuarto|0\d|1[3-9]|[2-5]\d)|menos\s+(?:cuarto|\d{1,2}))\b(?![:/.]\d))?
    (?:\s*(?P<ampm>[ap])\.?\s?m\b\.?|(?P<ap>[ap])\b)?
    (?P<oclock>\s*(?:o\s?'?\s?clock|en\s+punto)\b)?
    (?P<hrs>\s*(?:hrs?|horas)\b\.?)?
    (?:\s*(?P<part>in\ the\ morning|in\ the\ afternoon|in\ the\ evening|at\ night
        |this\ morning|this\ afternoon|this\ evening|tonight|noon
        |(?:de|en|por)\ la\ (?:manana|tarde|noche|madrugada)|del\ medio\ ?dia
        |esta\ (?:manana|tarde|noche))\b)?
    """,
    re.VERBOSE,
)

_PM_PARTS = ("afternoon", "evening", "night", "tonight", "tarde", "noche", "mediodia", "medio dia")
_NIGHT_PARTS = ("at night", "noche")
_HOUR_WORDS_ES = {
    "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
}
_HOUR_WORD_ES = re.compile(
    rf"\b(a\s+la|las)\s+({'|'.join(_HOUR_WORDS_ES)})\b")


def _normal(text: "str | Message") -> str:
    """The turn's light form without accents (`date_language.plain`), Spanish hour words
    after "a la"/"las" as digits ("a las ocho" -> "a las 8")."""
    return _HOUR_WORD_ES.sub(lambda m: f"{m[1]} {_HOUR_WORDS_ES[m[2]]}", plain(text))


def _minutes(mins: str) -> int | None:
    """The minutes "y media" / "menos cuarto" / "y 10" add (negative: before the hour)."""
    sign, amount = mins.split()
    value = {"media": 30, "cuarto": 15}.get(amount)
    value = int(amount) if value is None else value
    if value > 59:
        return None
    return value if sign == "y" else -value


def _candidate(match: re.Match[str], text: str) -> tuple[bool, time | None]:
    """(does this part of the text count as a time?, the time, or None if impossible)."""
    if match["word"]:
        midnight = match["word"] == "midnight" or match["word"].startswith("media")
        return True, time(0, 0) if midnight else time(12, 0)
    num = match["num"]
    marker = match["ampm"] or match["ap"]
    part = match["part"] or ""
    mins = match["mins"] or ""
    cued = bool(_CUE_BEFORE.search(text[: match.start()]))
    whole = text[: match.start()].strip() == "" and text[match.end():].strip(" .!?") == ""
    half = mins.endswith(("media", "cuarto"))   # "7 y media": a time however it stands
    if match["hrs"] and not _is_24_hour(num):
        whole = False                           # "3 horas" alone is a length of time
    ranged = ("", "") if marker or part else _range_end(text[match.end():])
    if not (":" in num or marker or part or match["oclock"] or cued or whole or half or any(ranged)):
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
    if not marker and not part:
        marker, part = ranged
    if not marker and part:
        marker = "p" if part == "noon" or part.endswith(_PM_PARTS) else "a"
        if part.endswith(_NIGHT_PARTS) and (hour == 12 or 1 <= hour <= 4):
            marker = "a"
    if marker:
        if not 1 <= hour <= 12:
            return True, None
        hour = hour % 12 + (12 if marker == "p" else 0)
    elif hour > 23:
        return True, None
    if mins:
        return True, _shifted(hour, minute, mins)
    return True, time(hour, minute)


# "between 7 and 8pm", "entre las 7 y 8 de la noche", "de 7 a 8 pm": the first hour
# takes the am/pm or part of the day written after the second.
_RANGE_END = re.compile(r"\s*(?:y|and|o|or|a|to|-)\s*(?:las\s+)?\d{1,2}(?:[:.]\d{2})?")


def _range_end(rest: str) -> tuple[str | None, str]:
    """(am/pm marker, part of the day) of the second time of a range that follows, if any."""
    match = next(_TIME_RE.finditer(rest), None)
    if match is None or not match["num"] or not _RANGE_END.fullmatch(rest[:match.end("num")]):
        return None, ""
    return match["ampm"] or match["ap"], match["part"] or ""


def _shifted(hour: int, minute: int, mins: str) -> time | None:
    """"7 y media" on top of 7:00; None for "7:10 y media" or "y 75"."""
    extra = _minutes(mins)
    if extra is None or minute:
        return None
    total = (hour * 60 + extra) % (24 * 60)
    return time(total // 60, total % 60)


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
    r"every\s+night|every\s+evening|"
    # Spanish: "mándame los mensajes a las 8", "cámbialo a las 7", "mejor a las 9"
    # ("mejor" is only polite: "me siento mejor" is how a person feels, not a request)
    r"manda\w*|mandar|envia\w*|enviar|escribe\w*|escribir|textea\w*|mensajes|textos|recibir\w*|"
    r"recuerda\w*|recordatorios?|avisa\w*|cambia\w*|cambiar|mueve\w*|mover|pon|ponlo|ponla|"
    r"ponme|poner|prefiero|todos\s+los\s+dias|cada\s+dia|cada\s+manana|cada\s+noche|"
    r"diarios?|diarias?|mas\s+temprano|mas\s+tarde)\b"
)
_CHANGE_TIME = re.compile(
    r"\b(?:change|move|switch|set|reset|update|pick|new|different|another)\b"
    r"\W+(?:\w+\W+){0,2}?time\b"
    r"|\b(?:cambia\w*|cambiar|mueve\w*|mover|otra|otro|nueva|nuevo|diferente|distinta|distinto)\b"
    r"\W+(?:\w+\W+){0,2}?(?:hora|horario)\b"
)
_ZONE_TALK = re.compile(
    r"\btime\s*zone\b|\bzone\b|\bzona\b|\bhuso\s+horario\b"
    r"|\bhora\s+(?:del?\s+|de\s+la\s+)?(?:este|centro|central|montana|pacifico|atlantico|alaska"
    r"|hawai|hawaii|arizona|puerto\s+rico)\b"
)
_POLITE = re.compile(
    r"\b(?:please|pls|plz|thanks|thank you|ok|okay|then|instead|at"
    r"|por\s+favor|porfa|porfavor|gracias|vale|entonces|mejor|a\s+las|a\s+la|para\s+las|las|al)\b")


def is_time_request(text: "str | Message") -> bool:
    """The message asks to change the daily send time.

    Spanish alike: "HORA 7pm", "mándame los mensajes a las 8", "a las 8 de la noche",
    "cambia mi hora"; "hora del Pacífico" is a zone, "¿qué hora es?" nothing.
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
    head = re.match(r"(?:time|hora)\b\W*", low)
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
        or ":" in match["num"] or (match["mins"] or "").endswith(("media", "cuarto"))
        or (match["hrs"] and _is_24_hour(match["num"]))
    )
    return strong and re.fullmatch(r"[\s\W]*", leftover) is not None


def _is_24_hour(num: str) -> bool:
    """"19 hrs", "7:30 hrs": a clock time; "3 horas" is more likely a length of time."""
    return ":" in num or "." in num or 13 <= int(num) <= 23


# Parts of the day people name instead of a time ("text me in the evening"): a time
# inside the default quiet hours (8 AM to 9 PM) for each.
# Spanish: "mañana" alone is tomorrow, so the morning needs "la"/"las" ("por la mañana",
# "en las mañanas"); "más tarde" (later) is not the afternoon.
_PARTS_OF_DAY = (
    (re.compile(r"\b(?:early morning|first thing|when i wake up|wake up"
                r"|temprano|al despertar\w*|cuando me despierte|a primera hora)\b"), time(8, 0)),
    (re.compile(r"\b(?:lunch|lunchtime|midday|mid day|medio ?dia|almuerzo|hora de comer)\b"), time(12, 0)),
    (re.compile(r"\bafter ?noons?\b|\blas? tardes?\b"), time(14, 0)),
    (re.compile(r"\b(?:after work|after school|end of the day|end of day|dinner ?time|dinner"
                r"|despues del trabajo|al salir del trabajo|despues de la escuela|la cena|hora de cenar)\b"),
     time(18, 0)),
    (re.compile(r"\b(?:evenings?|tonight|nights?|night ?time|before bed|bedtime|later in the day"
                r"|las? noches?|de noche|esta noche|antes de dormir|antes de acostarme)\b"), time(19, 0)),
    (re.compile(r"\bmornings?\b|\blas? mananas?\b"), time(9, 0)),
)


def parse_part_of_day(text: "str | Message") -> time | None:
    """A time for a named part of the day ("in the evening" -> 7:00 PM), or None."""
    low = _normal(text)
    for pattern, at in _PARTS_OF_DAY:
        if pattern.search(low):
            return at
    return None
