"""Read a quit date out of a text ("monday", "12/7", "dec 7th", "in 2 weeks") and say it back.

Rules (decided here, so the PLAN flow and its tests agree):
- Accepted: "today", "tonight", "tomorrow" (and "tmrw", "tmr", "tomorow"),
  "day after tomorrow", weekday names and short forms ("monday", "fri", "next friday",
  "this sat"), "next week" (7 days on), "in 3 days", "in 2 weeks", "in a month",
  "10 days from now", "a week from today", US month/day numbers ("12/7", "12-7",
  "12/7/26", "12/07/2026"), ISO ("2026-12-07"), month names either way round
  ("December 7", "dec 7th", "Dec. 7, 2026", "7 december", "the 7th of december"),
  and a bare ordinal day of the month ("the 7th", "on the 21st").
- Numbers are US style: "12/7" is December 7; "13/7" is not a date (no guessing D/M).
- A weekday name means the next such day after today, 1 to 7 days on ("monday" said on
  a Monday is a week later; "today" says today). "next friday" and "this friday" are
  the same day as "friday": people split on what "next" means, and the flow reads the
  date back for a YES, so the person corrects it if they meant the week after.
- A month and day without a year is this year's date if it is at most 30 days gone
  (so "12/19" on December 20 is a date in the past, which the flow questions), else
  next year's ("jan 5" asked on December 20 is January 5 next year). A bare "the 7th"
  is the next 7th on or after today.
- An explicit date comes first, then relative words, then weekdays: "monday 12/7"
  is December 7 (the flow's read-back shows the weekday).
- An impossible date ("2/30", "13/7", "in 100000 days") is None, never a guess.
- Holidays, in either language: "Christmas Eve"/"Nochebuena" (Dec 24), "Christmas"/
  "Navidad" (Dec 25), "New Year's Eve"/"Nochevieja"/"fin de año" (Dec 31), "New Year"/
  "Año Nuevo" (Jan 1), dated like a month and day. "the weekend"/"el fin de semana" is
  the coming Saturday (today on a Saturday or Sunday).
- `check_range` flags a date before today ("past") or more than 60 days on ("far").

Spanish (issue 13) is read by the same function whatever the person's language, so an
English speaker who writes "mañana" is understood; accents and case never matter
("manana", "MIÉRCOLES"). Accepted: "hoy", "esta noche", "mañana" (not "de/por/en la
mañana", which is a time of day), "pasado mañana", weekdays ("el lunes", "este viernes",
"el próximo martes", "el martes que viene": all the next such day, as in English),
"la semana que viene" / "la próxima semana" / "la otra semana" (7 days on), "el mes que
viene", "en 3 días", "en dos semanas", "dentro de un mes", "en un par de días", month
names ("el 15 de enero", "15 de enero de 2027", "1º de mayo", "el primero de mayo",
"enero 15"), a bare day of the month ("el 15", "el día 15"); in "el lunes 14" the day
of the month wins (the read-back shows the weekday it falls on). Past words are read as
past dates, so the flow can say so: "ayer", "anteayer", "el lunes pasado".

Day/month order is the one thing the language decides (`language=`): "5/6" is May 6
in English (US) and 5 June ("5 de junio") in Spanish, the order Spanish speakers from
Latin America and Spain write. Only that order is read: "13/7" is None in English,
"7/13" None in Spanish. The flow reads the date back in words for a YES, so a person
who meant the other order corrects it.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import DamerauLevenshtein
from datetime import date, timedelta

from flows.date_language import check_language, plain
from flows.message import Message

MAX_AHEAD = timedelta(days=60)
RECENT_PAST = timedelta(days=30)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
             "septiembre", "octubre", "noviembre", "diciembre")

_MONTH_WORDS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_WEEKDAY_WORDS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "weds": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
_MONTH_WORDS_ES = {
    "enero": 1, "ene": 1, "febrero": 2, "marzo": 3, "abril": 4, "abr": 4, "mayo": 5, "junio": 6,
    "julio": 7, "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "dic": 12,
}
_MONTH_WORDS.update(_MONTH_WORDS_ES)   # no Spanish month name is an English word
# Spanish weekdays, read after accents are dropped ("miércoles" -> "miercoles"). "mar" is
# left out: it is also March.
_WEEKDAY_WORDS_ES = {
    "lunes": 0, "lun": 0, "martes": 1, "miercoles": 2, "mier": 2, "mie": 2, "miercole": 2,
    "jueves": 3, "jue": 3, "viernes": 4, "vie": 4, "sabado": 5, "sab": 5, "domingo": 6, "dom": 6,
}
_NUMBER_WORDS_ES = {
    "un": 1, "una": 1, "uno": 1, "un par de": 2, "par de": 2, "dos": 2, "tres": 3, "cuatro": 4,
    "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
    "quince": 15, "veinte": 20, "treinta": 30,
}
_UNITS_ES = {"dia": "day", "semana": "week", "mes": "month"}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "couple": 2, "a couple": 2, "a couple of": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12,
}


def _alternatives(words) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_MONTH = _alternatives(_MONTH_WORDS)
_WEEKDAY = _alternatives(_WEEKDAY_WORDS)
_COUNT = rf"(?:\d{{1,3}}|{_alternatives(_NUMBER_WORDS)})"
_ORD = r"(?:st|nd|rd|th)?"

_ISO = re.compile(r"(?<![\d/-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/-])")
_NUMERIC = re.compile(r"(?<![\d/-])(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}|\d{2}))?(?![\d/-])")
_MONTH_DAY = re.compile(rf"\b({_MONTH})\b\.?\s*(?:the\s+)?(\d{{1,2}}){_ORD}\b(?:\s*,?\s*(\d{{4}})\b)?")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH})\b\.?(?:\s*,?\s*(\d{{4}})\b)?")
_IN_SPAN = re.compile(rf"\bin\s+({_COUNT})\s+(day|week|month)s?\b")
_SPAN_FROM = re.compile(rf"\b({_COUNT})\s+(day|week|month)s?\s+from\s+(?:now|today)\b")
_DAY_AFTER_TOMORROW = re.compile(r"\b(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw|tmr|tomorow|tommorow)\b")
_TOMORROW = re.compile(r"\b(?:tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|2morrow|2moro)\b")
_TODAY = re.compile(r"(?<!not )\b(?:today|tonight|2day|this\s+morning|this\s+evening|right\s+now)\b")
_NEXT_WEEK = re.compile(r"\bnext\s+week\b")
_WEEKDAY_RE = re.compile(rf"\b({_WEEKDAY})\b\.?")
_ORDINAL_DAY = re.compile(r"(?<![\d/-])(\d{1,2})(?:st|nd|rd|th)\b")

# --- Spanish (read on accent-free text: "mañana" is "manana") ---
_DAY_MONTH_ES = re.compile(
    rf"(?<![\d/-])(\d{{1,2}})(?:ero|ro|er|o)?\s+(?:de\s+)?(?:(?:el\s+)?mes\s+de\s+)?({_MONTH})\b\.?"
    r"(?:\s*,?\s*(?:del?\s+)?(\d{4})\b)?")
_FIRST_OF = re.compile(rf"\bprimer(?:o|\s+dia)?\s+(?=de\s+(?:{_MONTH})\b)")
_COUNT_ES = rf"(?:\d{{1,3}}|{_alternatives(_NUMBER_WORDS_ES)})"
_IN_SPAN_ES = re.compile(
    rf"\b(?:en|dentro\s+de|de\s+aqui\s+a)\s+(?:(?:unos|unas)\s+)?({_COUNT_ES})\s+(dia|semana|mes)(?:s|es)?\b")
_DAY_AFTER_TOMORROW_ES = re.compile(r"\bpasado\s*manana\b")
# "mañana" is tomorrow, but "8 de la mañana", "por la mañana" are a time of day.
_TOMORROW_ES = re.compile(r"(?<!\bla )(?<!\blas )\bmanana\b(?!\s+no\b)")
_NEXT_WEEK_ES = re.compile(
    r"\b(?:semana\s+que\s+viene|(?:proxima|siguiente|otra)\s+semana|semana\s+(?:proxima|siguiente|entrante))\b")
_NEXT_MONTH_ES = re.compile(r"\b(?:mes\s+que\s+viene|(?:proximo|siguiente)\s+mes|mes\s+(?:proximo|siguiente|entrante))\b")
_TODAY_ES = re.compile(
    r"(?<!\bno )\b(?:hoy|esta\s+noche|esta\s+tarde|esta\s+manana|ahora\s+mismo|ya\s+mismo|ahorita)\b(?!\s+no\b)")
_WEEKDAY_ES = re.compile(rf"\b({_alternatives(_WEEKDAY_WORDS_ES)})\b\.?(\s+pasado)?")
_DAY_OF_MONTH_ES = re.compile(
    r"\bel\s+(?:dia\s+)?(?:(\d{1,2})(?:ero|ro|er|o)?|(primero))\b(?![/:.,-]?\d)"
    r"(?!\s*(?:%|por\s+ciento|dias?\b|semanas?\b|mes(?:es)?\b|anos?\b|horas?\b|minutos?\b|y\s+media))")
# Holidays people pick as a quit date, in both languages (eves before their days).
_HOLIDAYS = (
    (re.compile(r"\b(?:christmas|xmas)\s+eve\b|\bnoche\s*buena\b"), 12, 24),
    (re.compile(r"\b(?:christmas|xmas)\b|\bnavidad(?:es)?\b"), 12, 25),
    (re.compile(r"\bnew\s+year'?s\s+eve\b|\bnoche\s*vieja\b|\bfin\s+de\s+ano\b"), 12, 31),
    (re.compile(r"\bnew\s+years?\b|\bnew\s+year'?s\s+day\b|\bano\s+nuevo\b"), 1, 1),
)
_WEEKEND = re.compile(r"\b(?:weekend|fin\s+de\s+semana|finde)\b")

# "el lunes 14": the day of the month is the more specific part (the read-back shows both).
_WEEKDAY_DAY_ES = re.compile(
    rf"\b(?:{_alternatives(_WEEKDAY_WORDS_ES)})\s+(?:el\s+)?(\d{{1,2}})(?:ero|ro|er|o)?\b(?![/:.,-]?\d)"
    r"(?!\s*(?:[ap]\.?\s?m\b|hrs?\b|horas?\b|de\s+la\b|del\s+medio|y\s+(?:media|cuarto)|en\s+punto))")
_YESTERDAY_ES = re.compile(r"\b(?:(antier|anteayer|antes\s+de\s+ayer)|ayer)\b")


_DAY_NAMES = tuple(day.lower() for day in WEEKDAYS)


def _day_typo(word: str) -> str:
    """'fridy', 'mondy', 'wensday': a weekday one or two letters off (same first letter)."""
    if len(word) < 5 or word in _DAY_NAMES or not word.isalpha():
        return word
    close = [day for day in _DAY_NAMES if day[0] == word[0]
             and DamerauLevenshtein.distance(word, day, score_cutoff=2) <= (1 if len(day) < 8 else 2)]
    return close[0] if len(close) == 1 else word


def _normal(text: "str | Message") -> str:
    """`date_language.plain` (accents dropped) with English weekday typos mended."""
    return " ".join(_day_typo(word) for word in plain(text).split())


def _count(word: str) -> int:
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS[word] if word in _NUMBER_WORDS else _NUMBER_WORDS_ES[" ".join(word.split())]


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def _month_day(month: int, day: int, year: int | None, today: date) -> date | None:
    """A month and day; without a year, this year's if at most 30 days gone, else next year's."""
    if year is not None:
        return _safe(year, month, day)
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    this_year = _safe(today.year, month, day)
    if this_year is not None and this_year >= today - RECENT_PAST:
        return this_year
    for later in range(today.year + 1, today.year + 5):  # Feb 29 waits for a leap year
        found = _safe(later, month, day)
        if found is not None:
            return found
    return None


def _add_months(start: date, months: int) -> date | None:
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    for day in range(start.day, 27, -1):  # Jan 31 + 1 month = Feb 28 (or 29)
        found = _safe(year, month, day)
        if found is not None:
            return found
    return _safe(year, month, start.day)


def _span(count: int, unit: str, today: date) -> date | None:
    try:
        if unit == "month":
            return _add_months(today, count)
        return today + timedelta(days=count * (7 if unit == "week" else 1))
    except (OverflowError, ValueError):
        return None


def _next_day_of_month(day: int, today: date) -> date | None:
    if not 1 <= day <= 31:
        return None
    for months in range(0, 12):
        index = today.month - 1 + months
        found = _safe(today.year + index // 12, index % 12 + 1, day)
        if found is not None and found >= today:
            return found
    return None


def _explicit(low: str, today: date, language: str) -> tuple[bool, date | None]:
    """(found a written-out date?, the date or None if impossible), most specific first."""
    match = _ISO.search(low)
    if match:
        return True, _safe(int(match[1]), int(match[2]), int(match[3]))
    match = _NUMERIC.search(low)
    if match:
        first, second = int(match[1]), int(match[2])
        month, day = (second, first) if language == "es" else (first, second)
        return True, _month_day(month, day, _year(match[3]), today)
    match = _DAY_MONTH_ES.search(_FIRST_OF.sub("1 ", low))
    if match:
        return True, _month_day(_MONTH_WORDS[match[2]], int(match[1]), _year(match[3]), today)
    match = _MONTH_DAY.search(low)
    if match:
        return True, _month_day(_MONTH_WORDS[match[1]], int(match[2]), _year(match[3]), today)
    match = _DAY_MONTH.search(low)
    if match:
        return True, _month_day(_MONTH_WORDS[match[2]], int(match[1]), _year(match[3]), today)
    return False, None


def parse_date(text: "str | Message", today: date, language: str = "en") -> date | None:
    """The date a message names, read against the person's local `today`, or None.

    English and Spanish words are both read whatever `language` is; `language` ("en" or
    "es", the person's) only decides the order of a numeric date: "5/6" is May 6 in
    English, June 5 in Spanish (see the module docstring).
    """
    check_language(language)
    low = _normal(text)
    if not low:
        return None
    found, value = _explicit(low, today, language)
    if found:
        return value
    for pattern, month, day in _HOLIDAYS:
        if pattern.search(low):
            return _month_day(month, day, None, today)
    for pattern in (_IN_SPAN, _SPAN_FROM):
        match = pattern.search(low)
        if match:
            return _span(_count(match[1]), match[2], today)
    match = _IN_SPAN_ES.search(low)
    if match:
        return _span(_count(match[1]), _UNITS_ES[match[2]], today)
    if _DAY_AFTER_TOMORROW.search(low) or _DAY_AFTER_TOMORROW_ES.search(low):
        return today + timedelta(days=2)
    if _TOMORROW.search(low) or _TOMORROW_ES.search(low):
        return today + timedelta(days=1)
    if _NEXT_WEEK.search(low) or _NEXT_WEEK_ES.search(low):
        return today + timedelta(days=7)
    if _NEXT_MONTH_ES.search(low):
        return _add_months(today, 1)
    if _TODAY.search(low) or _TODAY_ES.search(low):
        return today
    return _weekday_or_day(low, today)


def _weekday_or_day(low: str, today: date) -> date | None:
    """The weaker cues, in order: a weekday, a day of the month, then yesterday."""
    match = _WEEKDAY_RE.search(low)
    if match:
        ahead = (_WEEKDAY_WORDS[match[1]] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if _WEEKEND.search(low):   # the coming Saturday, or today on a Saturday or Sunday
        return today + timedelta(days=(5 - today.weekday()) % 7 if today.weekday() < 6 else 0)
    match = _WEEKDAY_DAY_ES.search(low)
    if match:
        return _next_day_of_month(int(match[1]), today)
    match = _WEEKDAY_ES.search(low)
    if match:
        weekday = _WEEKDAY_WORDS_ES[match[1]]
        if match[2]:   # "el lunes pasado": the last one, which the flow calls past
            return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
        return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    match = _ORDINAL_DAY.search(low) or _DAY_OF_MONTH_ES.search(low)
    if match:
        return _next_day_of_month(int(match[1]) if match[1] else 1, today)
    match = _YESTERDAY_ES.search(low)
    if match:
        return today - timedelta(days=2 if match[1] else 1)
    return None


def describe(d: date, language: str = "en") -> str:
    """The date as read back to a person, in their language.

    English: "Monday, December 7" (GSM-7). Spanish: "lunes 7 de diciembre", the usual
    written form (weekday and month in lower case, no comma, no year: the flow only reads
    back dates within the next 60 days). "sábado" has an á, which is not in GSM-7, so a
    text with a Saturday is UCS-2 (the é of "miércoles" is GSM-7); dropping the accent
    would be misspelt Spanish.
    The longest Spanish form is "miércoles 30 de septiembre" (26 characters).
    """
    if check_language(language) == "es":
        return f"{WEEKDAYS_ES[d.weekday()]} {d.day} de {MONTHS_ES[d.month - 1]}"
    return f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}"


def check_range(d: date, today: date) -> str | None:
    """"past" for a date before today, "far" for more than 60 days on, else None."""
    if d < today:
        return "past"
    if d - today > MAX_AHEAD:
        return "far"
    return None
