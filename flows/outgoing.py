"""The one door every text Steady sends passes through, called exactly where texts leave:
the answer to an inbound text (bot.conversation: the TwiML reply, `steady chat`, and the
copy kept for a repeated delivery), the web process's fallback replies (bot.webhook), and
the outbox insert (bot.scheduled_rows.insert_new, and the follow-ups bot.schedules
writes). Composers write only their words: invariant 1 (the SAMHSA Helpline on every
text) and invariant 5 (GSM-7, a few segments) hold here, whatever a composer wrote.
"""

from __future__ import annotations

from flows import gsm
from flows.helpline import ensure_helpline

# A text is at most this many SMS segments as sent (content is checked to fit at load).
MAX_SEGMENTS = 3
_SEPTETS_PER_PART = gsm.LIMITS[gsm.GSM7][1]


def outgoing(text: str, footer: str) -> str:
    """The text as sent: in GSM-7 (a person's own words or a stray symbol folded by
    `gsm.to_gsm`, so one emoji never halves the room), the helpline footer added once
    unless the text already gives the number, and cut at a word (the words, never the
    footer) to fit MAX_SEGMENTS. Raises ValueError if the footer lacks the number."""
    body = text if gsm.is_gsm7(text) else gsm.to_gsm(text)
    sent = ensure_helpline(body, footer)
    if gsm.segments(sent) <= MAX_SEGMENTS:
        return sent
    room = MAX_SEGMENTS * _SEPTETS_PER_PART - gsm.septets(ensure_helpline("", footer)) - 1
    return ensure_helpline(gsm.shorten(body, room), footer)
