"""Which daily text a person gets next: pure, so the clock and the tests agree."""

from __future__ import annotations

from flows.content import Content
from flows.rotation import pick
from flows.schedule import due_kind


def compose(content: Content, person_key: str, cursor: int, kinds: str) -> tuple[str, str]:
    """(kind, text) for this person's cursor-th daily text (the footer is added where it leaves).

    With both kinds the cursor alternates them, so each kind's own rotation advances
    every other day; each kind has its own stable, no-repeat order per person.
    """
    kind = due_kind(cursor, kinds)
    pool = content.encouragement if kind == "encouragement" else content.mindfulness
    position = cursor // 2 if kinds == "both" else cursor
    text = pool[pick(len(pool), f"{person_key}:{kind}", position)]
    return kind, text


def invites_reply(text: str) -> bool:
    """A daily text that asks the person something ("Name what you feel right now in one
    word.", "Who's one person you could text today?"): its answer is read as one."""
    body = text.split("\n")[0]
    return "?" in body or body.lower().startswith("name ")
