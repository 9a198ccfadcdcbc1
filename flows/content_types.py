"""The shapes of loaded content: what `flows.content.build` returns and what the flows read.

Frozen, so nothing changes a text after it was checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

class ContentError(ValueError):
    """A content file is wrong. Names the file, the key and the problem."""

    def __init__(self, file: str, key: str, problem: str):
        self.file = file
        self.key = key
        self.problem = problem
        super().__init__(f"{file}: {key}: {problem}")


@dataclass(frozen=True)
class IntentWords:
    """How a person may ask for one intent: whole-message keywords and free-form phrases."""

    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuitDayText:
    """One quit-date text: `plain` for anyone, `personal` (optional) using the person's answers."""

    plain: str
    personal: str = ""


@dataclass(frozen=True)
class PlanTexts:
    """plan.yaml: the PLAN flow's texts by id, its coping choices, the quit-date texts by offset."""

    flow: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    coping_options: tuple[str, ...] = ()
    menu_parts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    quit_days: Mapping[int, QuitDayText] = field(default_factory=lambda: MappingProxyType({}))

    def text(self, id: str, **values: Any) -> str:
        """The flow text with its placeholders filled. KeyError on an unknown id or a missing value."""
        return self.flow[id].format(**values)


@dataclass(frozen=True)
class CrisisTexts:
    """One kind of crisis: its reply in English and Spanish, and the short reminders
    crisis mode sends when a text is not understood."""

    en: str
    es: str
    again: str
    again_es: str

    def reply(self, language: str) -> str:
        return self.es if language == "es" else self.en

    def reminder(self, language: str) -> str:
        return self.again_es if language == "es" else self.again


@dataclass(frozen=True)
class Content:
    """Every word Steady sends, validated. Build it with `build` (or `content.load`)."""

    helpline: str
    crisis: str
    messages: Mapping[str, str]
    keywords: Mapping[str, IntentWords]
    encouragement: tuple[str, ...]
    mindfulness: tuple[str, ...]
    plan: PlanTexts = field(default_factory=PlanTexts)
    crisis_kinds: Mapping[str, CrisisTexts] = field(default_factory=lambda: MappingProxyType({}))
    # topic -> {crisis kind or "default": text}
    crisis_topics: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    examples: Any = None     # flows.corpus.Corpus, from content/examples/ (content.load adds it)
    language: str = "en"
    # Every language's Content, this one included (`joined`); not part of equality.
    family: Mapping[str, "Content"] = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages Steady can write in: this one and its translations."""
        return tuple(self.family) or (self.language,)

    def in_language(self, code: str | None) -> "Content":
        """The same content in another language (keywords, examples and crisis kinds are
        shared); itself for its own language or one Steady has no texts for."""
        return self.family.get(code or self.language, self)

    @staticmethod
    def joined(*contents: "Content") -> "Content":
        """The first content, each of `contents` knowing every other (`in_language`)."""
        family = MappingProxyType({c.language: c for c in contents})
        for content in contents:
            object.__setattr__(content, "family", family)
        return contents[0]

    def text(self, id: str, **values: Any) -> str:
        """The message with its placeholders filled. KeyError on an unknown id or a missing value."""
        return self.messages[id].format(**values)

    def crisis_reply(self, kind: str, language: str = "en") -> str:
        """The reply for a kind of crisis; the general crisis text for an unknown kind."""
        texts = self.crisis_kinds.get(kind)
        return texts.reply(language) if texts else self.crisis

    def crisis_reminder(self, kind: str, language: str = "en") -> str:
        texts = self.crisis_kinds.get(kind)
        return texts.reminder(language) if texts else self.crisis

    def crisis_topic(self, topic: str, kind: str) -> str:
        texts = self.crisis_topics[topic]
        return texts.get(kind) or texts["default"]


@dataclass(frozen=True)
class MessageReport:
    """One sendable text as it goes out, measured. `id` reads like "messages.help",
    "daily.encouragement[3]" (counted from 1) or "safety.crisis"."""

    id: str
    text: str
    encoding: str
    characters: int
    segments: int
    problems: list[str] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.id.split(".", 1)[0] + ".yaml"

    @property
    def key(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def language(self) -> str:
        """"en", or the folder of a translation ("es" for "es/messages.help")."""
        head = self.id.split(".", 1)[0]
        return head.split("/", 1)[0] if "/" in head else "en"



def coping_menu(options: tuple[str, ...]) -> str:
    """The numbered coping choices as the flow shows them: "1 Slow breathing..." a line each."""
    return "\n".join(f"{n} {option[:1].upper()}{option[1:]}" for n, option in enumerate(options, 1))
