"""Privacy by text: DELETE (asked, then confirmed), MY DATA and PRIVATE. Pure.

DELETE says exactly what will be erased and waits CONFIRM_WINDOW for DELETE again or YES;
anything else cancels it and is answered as itself (flows.engine). A crisis text cancels
it too, and gets the crisis reply first. Confirmed, the turn carries
`flows.commands.ErasePerson`, which the adapter carries out in the same transaction.

PRIVATE: the scheduled texts (daily, quit-date, the craving check-in) open with a neutral
line, "A check-in from {program}.", and their words start below it, off a lock screen's
preview. Replies to the person's own texts are unchanged: they just wrote to Steady.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flows.content import Content
from flows.message import Message
from flows.turn_values import State

DELETE_FLOW = "delete"
CONFIRM_WINDOW = timedelta(minutes=10)
# The whole message that confirms a DELETE asked for within the window.
# Compared with accents dropped: "sí", "SI BORRAR", "sí, borrar".
CONFIRM_WORDS = frozenset({"delete", "yes", "si", "borrar", "si borrar", "borrar si", "yes delete", "delete yes"})
OPENER = "private_opener"        # content/messages.yaml


def ask(state: State, now: datetime) -> State:
    """The state that waits for DELETE's confirmation."""
    return replace(state, flow={"name": DELETE_FLOW, "asked_at": now.isoformat()})


def is_asked(state: State) -> bool:
    return bool(state.flow) and state.flow.get("name") == DELETE_FLOW


def confirms(message: Message, state: State, now: datetime) -> bool:
    """This text confirms a DELETE asked for less than CONFIRM_WINDOW ago."""
    if not is_asked(state) or message.folded not in CONFIRM_WORDS:
        return False
    try:
        asked = datetime.fromisoformat(state.flow["asked_at"])
    except (KeyError, TypeError, ValueError):
        return False
    return asked <= now <= asked + CONFIRM_WINDOW


def without_ask(state: State) -> State:
    """The state with a DELETE no longer waiting (answered, cancelled or too old)."""
    return replace(state, flow=None) if is_asked(state) else state


def discreet(text: str, content: Content, program: str) -> str:
    """A scheduled text as a person who asked for PRIVATE gets it: the neutral opener on
    its own line, then the text (the helpline footer is added where texts leave)."""
    return f"{content.text(OPENER, program=program)}\n\n{text}"
