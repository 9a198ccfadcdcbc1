"""Invariant 1, in one place: every message Steady sends carries the SAMHSA Helpline.

Flows and the scheduler pass each outgoing text through `ensure_helpline`, so no flow
has to remember the footer and no edit to the content can drop it.
"""

from __future__ import annotations

HELPLINE_NUMBER = "1-800-662-4357"


def ensure_helpline(text: str, footer: str) -> str:
    """The text as sent: unchanged if it already holds the number, else text + newline + footer.

    Raises ValueError if the footer itself lacks the number: that would break the
    guarantee silently.
    """
    if HELPLINE_NUMBER not in footer:
        raise ValueError(f"the footer must contain {HELPLINE_NUMBER}")
    if HELPLINE_NUMBER in text:
        return text
    return f"{text}\n{footer}" if text else footer
