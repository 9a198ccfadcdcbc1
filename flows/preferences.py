"""Which daily texts a person wants: encouragement, mindfulness, or both taking turns."""

from __future__ import annotations

import re

from flows.normalize import normalize

KINDS = ("both", "encouragement", "mindfulness")

# Whole-message forms only: "mindfulness" alone is a request for an exercise
# (BREATHE), so choosing a kind needs "only", "just", "DAILY ..." or "both".
_ONLY = re.compile(
    r"^(?:(?:daily|send|texts?|send me)\s+)?(?:(?:only|just)\s+)?(?P<kind>encouragement|encouraging|mindfulness|mindful|both)"
    r"(?:\s+(?:only|texts?|messages?|prompts?|please|pls))*$"
)
_MARKED = re.compile(r"\b(?:only|just|daily|both)\b")


def parse_kinds(text: str) -> str | None:
    """'encouragement only' -> 'encouragement'; 'DAILY BOTH' -> 'both'; else None."""
    normal = normalize(text)
    match = _ONLY.match(normal)
    if not match or not _MARKED.search(normal):
        return None
    kind = match.group("kind")
    if kind.startswith("encourag"):
        return "encouragement"
    if kind.startswith("mindful"):
        return "mindfulness"
    return "both"
