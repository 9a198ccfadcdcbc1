"""What the date, time and zone readers share for Spanish: the languages they write, and
the one text form they read.

People type Spanish with or without accents and in any case ("mañana", "manana",
"MIÉRCOLES"), so the parsers read `plain`: `flows.normalize.lowered` (lower case,
punctuation kept, because "8:30", "15/1" and "St. Louis" need it) with accents and the
tilde dropped ("mañana" -> "manana", "miércoles" -> "miercoles"). English text is
unchanged by the extra step, so one reader serves both languages.
"""

from __future__ import annotations

from flows.message import Message
from flows.normalize import strip_marks

LANGUAGES = ("en", "es")

# Ordinal indicators people type after a day number ("1º de enero", "1° de mayo"): read as
# a plain "o" so "1o" matches like "1ro"; NFD would leave them as they are.
_ORDINAL_MARKS = str.maketrans({"\u00ba": "o", "\u00b0": "o", "\u00aa": "a"})


def check_language(language: str) -> str:
    """The language itself, or ValueError: a typo must not silently answer in English."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")
    return language


def plain(text: "str | Message") -> str:
    """`Message.lowered` without accents: "Mañana a las 8:30" -> "manana a las 8:30"."""
    low = Message.of(text).lowered
    if low.isascii():
        return low
    return strip_marks(low.translate(_ORDINAL_MARKS))
