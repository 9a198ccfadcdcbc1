"""One inbound text, normalised once per turn and handed to every recogniser.

Crisis rules, carrier keywords, the keyword matcher and the classifier all read the
same `Message`, so a text is folded, split and tokenised once instead of by each of
them in its own way. Every view is computed on first use and then kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from flows.normalize import fold, lowered, normalize

__all__ = ["Message", "MAX_CHARS"]

# An SMS body is at most 1600 characters; a longer text is cut before anything reads it,
# which bounds the work a flood can cause.
MAX_CHARS = 2000

_SENTENCE_END = re.compile(r"(?:[.!?;\n]+|\s+(?:also|btw|and then|but then|oh and|plus)\s+)", re.IGNORECASE)
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


@dataclass(frozen=True)
class Message:
    """A text as Steady reads it. Build with `Message.of(text)`; never raises."""

    raw: str

    @classmethod
    def of(cls, text: object) -> "Message":
        if isinstance(text, Message):
            return text
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        return cls(text[:MAX_CHARS])

    @cached_property
    def normal(self) -> str:
        """Lower case, punctuation-free words ("Don't STOP!!" -> "dont stop")."""
        return normalize(self.raw)

    @cached_property
    def lowered(self) -> str:
        """Lower case with its punctuation kept, for times, dates and places
        (`flows.normalize.lowered`)."""
        return lowered(self.raw)

    @cached_property
    def folded(self) -> str:
        """`normal` with accents dropped and letters repeated 3+ times squeezed."""
        return _REPEATS.sub(r"\1", fold(self.raw))

    @cached_property
    def folded_split(self) -> str:
        """`folded`, but an inner apostrophe splits the word ("od'd" -> "od d")."""
        return _REPEATS.sub(r"\1", fold(self.raw, split_apostrophes=True))

    @cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(self.folded.split())

    @cached_property
    def sentences(self) -> tuple["Message", ...]:
        """The parts of a text that says two things ("send meetings. also i took 20 bars").

        Only when there are at least two parts with words; a one-part text has none.
        """
        parts = [p.strip() for p in _SENTENCE_END.split(self.raw) if p and p.strip()]
        parts = [p for p in parts if fold(p)]
        if len(parts) < 2:
            return ()
        return tuple(Message(p) for p in parts[:8])

    @cached_property
    def emoji(self) -> tuple[str, ...]:
        """Pictographs in the text (normalising drops them, but they carry tone: 💀, 😭)."""
        if self.raw.isascii():
            return ()
        return tuple(ch for ch in self.raw if unicodedata.category(ch) == "So")[:10]

    def __bool__(self) -> bool:
        """False for a text with nothing to read: no words and no pictographs."""
        return bool(self.normal or self.emoji)
