"""Turn whatever a phone sent into plain, comparable text.

Every matcher (crisis, carrier keywords, intents) reads the same normalized form, so
"Don’t", "DON'T" and "dont" are one word and a stray emoji or "!!!" never decides
anything. `normalize` never raises and is idempotent (a property test checks both).
"""

from __future__ import annotations

import re
import unicodedata

from flows import lookalikes

__all__ = ["normalize", "tokens", "fold", "normalize_keep_apostrophes", "lowered", "strip_marks"]

# Look-alikes mapped before and after NFKC: NFKC leaves curly quotes and dashes alone
# and turns the acute accent (U+00B4, a common apostrophe on some keyboards) into a
# space plus a combining mark, which would split "don´t" in two.
_LOOKALIKES = str.maketrans(lookalikes.PLAIN)

# An apostrophe between two word characters is part of the word ("don't", "od'd").
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_SPACES = re.compile(r"\s+")
# Emoji presentation selectors are combining marks (Mn) but belong to the emoji.
_VARIATION = set(range(0xFE00, 0xFE10)) | set(range(0xE0100, 0xE01F0))


def _char_class(ch: str) -> str:
    """'k' keep, 's' space, 'd' drop."""
    if ch == "'":
        return "k"
    if ch.isspace():
        return "s"
    cat = unicodedata.category(ch)
    if cat[0] in "LN":
        return "k"
    if cat in ("Mn", "Mc"):
        return "d" if ord(ch) in _VARIATION else "k"
    if cat[0] in "PSZ":
        return "s"          # punctuation and symbols separate words: "help😀me"
    return "d"              # controls, format chars (zero-width), unassigned, Me


def _once(text: str, apostrophe: str) -> str:
    text = text.translate(_LOOKALIKES)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_LOOKALIKES).lower()
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        kind = _char_class(ch)
        if kind == "k":
            out.append(ch)
        elif kind == "s":
            out.append(" ")
    text = "".join(out)
    text = _INNER_APOSTROPHE.sub(apostrophe, text)
    text = text.replace("'", " ")
    return _SPACES.sub(" ", text).strip()


# Plain ASCII (most texts) takes one pass through a translation table that does what
# `_char_class` does for those characters: letters, digits and the apostrophe stay,
# whitespace, punctuation and symbols separate words, control characters go.
_ASCII = str.maketrans({
    **{chr(c): " " for c in range(128) if chr(c).isspace() or unicodedata.category(chr(c))[0] in "PSZ"},
    **{chr(c): None for c in range(128) if unicodedata.category(chr(c)) == "Cc" and not chr(c).isspace()},
    "'": "'", "`": "'",      # the grave accent is a look-alike apostrophe (flows.lookalikes)
})


def _normalize(text: object, apostrophe: str) -> str:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if text.isascii():
        plain = text.lower().translate(_ASCII)
        plain = _INNER_APOSTROPHE.sub(apostrophe, plain).replace("'", " ")
        return _SPACES.sub(" ", plain).strip()
    # Case mapping and NFKC can each expose something the other changes (rare
    # letters); a few passes reach a fixed point, which makes the result idempotent.
    for _ in range(4):
        again = _once(text, apostrophe)
        if again == text:
            break
        text = again
    return text


def normalize(text: str) -> str:
    """Lower-case, NFKC, plain punctuation-free words separated by single spaces.

    "Don’t STOP!!" -> "dont stop". Never raises.
    """
    return _normalize(text, "")


def normalize_keep_apostrophes(text: str) -> str:
    """Like `normalize`, but an inner apostrophe becomes a space ("od'd" -> "od d").

    The crisis check reads both forms, so "I OD'd" is not mistaken for "odd".
    """
    return _normalize(text, " ")


def lowered(text: object) -> str:
    """Lower case, look-alike quotes and dashes made plain, whitespace collapsed: and
    nothing else, because times, dates and places need their punctuation ("8:30",
    "2.15", "St. Louis", "12/24"). The one light form the parsers of times, dates, zones
    and check-in scores read ("Fri’day 8–30PM" -> "fri'day 8-30pm")."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not text.isascii():
        text = text.translate(_LOOKALIKES)
    return _SPACES.sub(" ", text.lower()).strip()


def tokens(text: str) -> list[str]:
    """The words of the normalized text."""
    norm = normalize(text)
    return norm.split(" ") if norm else []


def strip_marks(text: str) -> str:
    """Accents and other combining marks removed ("mañana" -> "manana"), nothing else."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", kept)


def fold(text: str, *, split_apostrophes: bool = False) -> str:
    """`normalize`, then accents removed ("más" -> "mas", "daño" -> "dano").

    People often drop accents when texting in Spanish; matchers compare folded text.
    With split_apostrophes, an inner apostrophe becomes a space (see
    `normalize_keep_apostrophes`).
    """
    apostrophe = " " if split_apostrophes else ""
    norm = _normalize(text, apostrophe)
    if norm.isascii():
        return norm
    return _normalize(strip_marks(norm), apostrophe)
