"""The one door every text Steady sends passes through, called exactly where texts leave:
the answer to an inbound text (bot.conversation: the TwiML reply, `steady chat`, and the
copy kept for a repeated delivery), the web process's fallback replies (bot.webhook), and
the outbox insert (bot.scheduled_rows.insert_new, and the follow-ups bot.schedules
writes). Composers write only their words: invariant 1 (the SAMHSA Helpline on every
text) and invariant 5 (GSM-7, a few segments) hold here, whatever a composer wrote.

Spanish (issue 13): á í ó ú are not GSM-7, and correct Spanish needs them, so a text
holding them goes as UCS-2 with the same room in characters (`segment_limit`); every
other character outside GSM-7 is still folded. Only checked Spanish content holds them:
a person's own words shown back are folded before they get here (gsm.shorten).
"""

from __future__ import annotations

import math

from flows import gsm
from flows.content_schema import SPANISH_UCS2
from flows.helpline import ensure_helpline

# A text is at most this many SMS segments as sent (content is checked to fit at load).
MAX_SEGMENTS = 3
_SEPTETS_PER_PART = gsm.LIMITS[gsm.GSM7][1]
_UNITS_PER_PART = gsm.LIMITS[gsm.UCS2][1]


def segment_limit(gsm_segments: int, text: str) -> int:
    """The segments `text` may take when its limit is `gsm_segments` of GSM-7: the same,
    for a GSM-7 text; for a UCS-2 one, the fewest that hold as many characters
    (m * 67 >= n * 153: 3 -> 7, 2 -> 5)."""
    if gsm.is_gsm7(text):
        return gsm_segments
    return math.ceil(gsm_segments * _SEPTETS_PER_PART / _UNITS_PER_PART)


def _plain(text: str) -> str:
    """The text in GSM-7, but for the Spanish letters outside it (kept, so UCS-2)."""
    if gsm.is_gsm7(text):
        return text
    if not any(char in SPANISH_UCS2 for char in text):
        return gsm.to_gsm(text)
    return "".join(char if gsm.is_gsm7(char) or char in SPANISH_UCS2
                   else " " if char.isspace() else gsm.to_gsm(char) for char in text)


def outgoing(text: str, footer: str) -> str:
    """The text as sent: in GSM-7 (a person's own words or a stray symbol folded by
    `gsm.to_gsm`, so one emoji never halves the room) but for Spanish's á í ó ú, the
    helpline footer added once unless the text already gives the number, and cut at a
    word (the words, never the footer) to fit MAX_SEGMENTS (`segment_limit` of them for
    a UCS-2 text). Raises ValueError if the footer lacks the number."""
    body = _plain(text)
    sent = ensure_helpline(body, footer)
    if gsm.segments(sent) <= segment_limit(MAX_SEGMENTS, sent):
        return sent
    body = gsm.to_gsm(body)           # too long: folded to GSM-7, then cut
    room = MAX_SEGMENTS * _SEPTETS_PER_PART - gsm.septets(ensure_helpline("", gsm.to_gsm(footer))) - 1
    return ensure_helpline(gsm.shorten(body, room), gsm.to_gsm(footer))
