"""GSM 03.38 (GSM-7) encoding and SMS segment counting.

A text that holds one character outside GSM-7 is sent as UCS-2, which cuts a segment
from 160 characters to 70 and can triple what a message costs, or split it across
phones that reassemble badly. Content is checked against these tables when it loads.
"""

from __future__ import annotations

import unicodedata

from flows import lookalikes

# The basic character set, in table order (0x1B, the escape, is left out: it is not text).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as escape + character, so it costs 2 septets.
EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# (one-segment limit, per-part limit of a concatenated message), in units:
# septets for GSM-7, UTF-16 code units for UCS-2. A concatenated part loses room to
# its header, and a unit pair (escape + character, surrogate pair) is never split.
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


def first_non_gsm(text: str) -> tuple[int, str] | None:
    """The index (0-based) and character of the first character GSM-7 cannot send."""
    for index, char in enumerate(text):
        if char not in BASIC and char not in EXTENSION:
            return index, char
    return None


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic set or its extension table."""
    return first_non_gsm(text) is None


def encoding(text: str) -> str:
    """The encoding a carrier will use: "GSM-7" when it can, else "UCS-2"."""
    return GSM7 if is_gsm7(text) else UCS2


def units(text: str) -> list[int]:
    """What each character costs in the encoding the text will be sent in."""
    return _costs(text, encoding(text))


def segments(text: str) -> int:
    """How many SMS segments the text takes (0 for an empty text)."""
    sent_as = encoding(text)
    costs = _costs(text, sent_as)
    single, per_part = LIMITS[sent_as]
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            parts, used = parts + 1, 0
        used += cost
    return parts


def _costs(text: str, sent_as: str) -> list[int]:
    if sent_as == GSM7:
        return [2 if char in EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def first_segment(text: str) -> str:
    """The part of the text a phone shows first: all of it when it fits one segment,
    else what fits in the first part of a multi-part message."""
    sent_as = encoding(text)
    costs = _costs(text, sent_as)
    single, per_part = LIMITS[sent_as]
    if sum(costs) <= single:
        return text
    used = 0
    for index, cost in enumerate(costs):
        if used + cost > per_part:
            return text[:index]
        used += cost
    return text


def septets(text: str) -> int:
    """What the whole text costs, in the units of the encoding it will be sent in."""
    return sum(units(text))


# Characters a phone keyboard or a word processor slips in, and what GSM-7 sends instead.
# (flows.lookalikes), plus what only sending needs: bullets and the ellipsis.
_LOOKALIKES = {**lookalikes.PLAIN, "\u2022": "-", "\u00b7": "-", "\u2026": "..."}


def to_gsm(text: str) -> str:
    """The text as GSM-7 can send it: look-alike quotes and dashes made plain, accents a
    phone can't send dropped from their letters, emoji and other symbols left out. One
    stray emoji would otherwise send the whole text as UCS-2, at less than half the room.
    For a person's own words shown back to them; content is checked, never folded."""
    out = []
    for char in text:
        if is_gsm7(char):
            out.append(char)
        elif char in _LOOKALIKES:
            out.append(_LOOKALIKES[char])
        elif char.isspace():
            out.append(" ")
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if is_gsm7(c) and c.isalnum())
            out.append(base)
    return " ".join("".join(out).split())


def shorten(text: str, limit: int) -> str:
    """`text` in GSM-7, cut to at most `limit` septets at a word boundary, with "..." when cut."""
    plain = to_gsm(text)
    if septets(plain) <= limit:
        return plain
    if limit < 4:
        return "..."[:max(limit, 0)]
    room = limit - 3
    cut = plain
    while septets(cut) > room:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-.") + "..."
