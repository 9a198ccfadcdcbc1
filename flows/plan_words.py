"""How PLAN reads a short answer: yes, no, skip, "no one", and a person's own words as kept.

Whole answers are compared folded (flows.normalize.fold), so "Yes!" and "yes" are one.
"""

from __future__ import annotations

import unicodedata

from flows.normalize import fold

MAX_ANSWER = 160          # characters kept of each free-text answer

_YES = frozenset({"yes", "y", "yeah", "yea", "yep", "yup", "ya", "yes please", "sure", "ok", "okay",
                  "k", "correct", "right", "thats right", "that is right", "yes thats right",
                  "sounds good", "perfect", "yes it is", "it is", "confirm", "si"})
_NO = frozenset({"no", "n", "nope", "nah", "no thanks", "no thank you", "not now", "not really",
                 "not yet", "no not now", "wrong", "thats wrong", "not right", "none"})
_SKIP = frozenset({"skip", "skip it", "skip this", "skip that", "skip this one", "skip please", "pass",
                   "next", "idk", "i dont know", "dont know", "dunno", "not sure", "im not sure",
                   "i am not sure", "no idea", "rather not", "id rather not", "maybe", "later",
                   "ask me later", "n a"})
_NEW = frozenset({"new", "new plan", "a new plan", "start over", "restart", "start again", "from scratch"})
_NOBODY = frozenset({"no", "none", "no one", "noone", "nobody", "no body", "nothing", "n a",
                     "idk", "i dont know", "dunno", "not sure", "nobody really", "no one really",
                     "nope", "nah"})
# Words that join numbers in a list answer ("1 and 3", "numbers 2, 4").
CONNECTORS = frozenset({"and", "or", "plus", "both", "also", "then", "n", "number", "numbers", "options",
                        "option", "all", "of", "the"})

_YES_FIRST = frozenset({"yes", "yeah", "yea", "yep", "yup", "sure", "absolutely", "definitely", "ok", "okay"})
_NO_FIRST = frozenset({"no", "nope", "nah"})


def words(text: str) -> str:
    return fold(text)


def is_skip(text: str) -> bool:
    return words(text) in _SKIP


def is_yes(text: str) -> bool:
    return words(text) in _YES


def is_no(text: str) -> bool:
    return words(text) in _NO


def is_new(text: str) -> bool:
    return words(text) in _NEW


def leans(text: str) -> str | None:
    """"yes" or "no" for an answer that opens with one ("yes please!", "no thanks man"),
    else None. Exact words first, so "not really" is a no."""
    if is_yes(text):
        return "yes"
    if is_no(text):
        return "no"
    first = (words(text).split() or [""])[0]
    return "yes" if first in _YES_FIRST else "no" if first in _NO_FIRST else None


def is_nobody(text: str) -> bool:
    """An answer that names nothing ("no one", "none", "idk"): kept, but never quoted back
    in a sentence as if it were a name or a trigger."""
    return words(text) in _NOBODY


_CONTROL = ("Cc", "Cf", "Cs", "Co", "Cn")


def clean_answer(text: str) -> str:
    """A free-text answer as stored: as written, minus control and invisible characters,
    whitespace runs as one space, at most MAX_ANSWER characters."""
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in _CONTROL:
            kept.append(char)
    return " ".join("".join(kept).split())[:MAX_ANSWER].strip()


def has_words(text: str) -> bool:
    """Enough of an answer to keep: two letters or digits, and not just a yes."""
    return sum(char.isalnum() for char in text) >= 2 and not is_yes(text)
