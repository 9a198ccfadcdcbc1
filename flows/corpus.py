"""The labelled example texts (content/examples/) as plain data, checked at load.

A counsellor adds an example by adding a line to a YAML file; the model learns from it
at the next start. The loader (`content.load_examples`) reads the files and hands each
text here with its file, line and labels; `build_corpus` refuses an unknown label, a
text listed twice, and a text under two labels, naming the file and line.

Four shapes, by file name:
- `crisis_*.yaml`: kind -> category -> texts. Each is a crisis of that kind.
- `not_crisis*.yaml`: category -> intent -> texts. Hard negatives: they read like a
  crisis to a keyword list but are not one ("i'm dying my hair").
- `intents.yaml`: intent -> texts. Everyday texts (category "everyday").
- `crisis_followup.yaml`: topic -> texts. What people text in crisis mode.
- `answers.yaml`: yes / no / partly -> texts. Answers to Steady's own check-in question.

The language of every example comes from its file's name: a name ending in `_es`
(`crisis_es.yaml`, `not_crisis_everyday_es.yaml`) holds Spanish and Spanglish texts,
any other name English ones. One language per file keeps `steady eval`'s per-language
figures honest and tells a counsellor where a text belongs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from flows import intents
from flows.content import ContentError
from flows.message import Message

__all__ = [
    "Example", "Corpus", "RawExample", "build_corpus", "CRISIS_KINDS", "CRISIS_TOPICS", "ANSWERS",
    "shape_of", "EVERYDAY", "LANGUAGES", "language_of",
]

CRISIS = "crisis"
INTENT = "intent"
FOLLOWUP = "followup"
ANSWER = "answer"
EVERYDAY = "everyday"

# The kinds of crisis, each with its own reply (content/safety.yaml crisis_kinds).
CRISIS_KINDS = ("overdose_other", "overdose_self", "suicide", "violence", "call_for_help")
# What a person texts in crisis mode, each with its own reply (content/safety.yaml crisis_topics).
CRISIS_TOPICS = (
    "no_naloxone", "naloxone_how", "naloxone_not_working", "rescue_breathing", "recovery_position",
    "cant_call_911", "what_to_say", "help_coming", "breathing_again", "im_ok", "stay_with_me",
    "means", "no_one", "dont_want_to_call", "still_unsafe", "thanks",
)
ANSWERS = ("yes", "no", "partly")
# The languages of the examples, by file name (see language_of).
LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class RawExample:
    """One text as the loader found it: where, and the keys above it in the file."""

    file: str
    line: int
    keys: tuple[str, ...]
    text: object


@dataclass(frozen=True)
class Example:
    text: str
    group: str          # crisis | intent | followup | answer
    label: str          # the intent, "crisis", the topic or the answer
    kind: str = ""      # the crisis kind, for crisis examples
    category: str = ""  # for reports: "means", "past_history", "everyday", ...
    file: str = ""
    line: int = 0
    language: str = "en"  # "es" for a file whose name ends in _es

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Corpus:
    examples: tuple[Example, ...] = ()

    def group(self, name: str) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if e.group == name)

    @property
    def crisis(self) -> tuple[Example, ...]:
        return self.group(CRISIS)

    @property
    def intents(self) -> tuple[Example, ...]:
        return self.group(INTENT)

    @property
    def followups(self) -> tuple[Example, ...]:
        return self.group(FOLLOWUP)

    @property
    def answers(self) -> tuple[Example, ...]:
        return self.group(ANSWER)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.examples:
            key = f"crisis:{e.kind}" if e.group == CRISIS else f"{e.group}:{e.label}"
            out[key] = out.get(key, 0) + 1
        return out


def shape_of(file: str) -> str | None:
    """Which of the four shapes a file in content/examples/ has, by its name."""
    name = file.rsplit("/", 1)[-1]
    if name.startswith("crisis_followup"):
        return FOLLOWUP
    if name.startswith("crisis_"):
        return CRISIS
    if name.startswith("not_crisis"):
        return "negative"
    if name.startswith("intents"):
        return INTENT
    if name.startswith("answers"):
        return ANSWER
    return None


def language_of(file: str) -> str:
    """'es' for an examples file whose name (without .yaml) ends in _es, else 'en'."""
    stem = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return "es" if stem.endswith("_es") else "en"


_DEPTH = {CRISIS: 2, "negative": 2, INTENT: 1, FOLLOWUP: 1, ANSWER: 1}
_HOW = {
    CRISIS: "kind: category: - text",
    "negative": "category: intent: - text",
    INTENT: "intent: - text",
    FOLLOWUP: "topic: - text",
    ANSWER: "answer: - text",
}


def key_of(text: str) -> str:
    """Texts that read the same to Steady are the same example."""
    message = Message.of(text)
    return " ".join((message.folded, "".join(message.emoji))).strip() or " ".join(message.raw.split())


def _example(raw: RawExample, shape: str) -> Example:
    where = f"line {raw.line}"
    if len(raw.keys) != _DEPTH[shape]:
        raise ContentError(raw.file, where, f"expected the layout {_HOW[shape]}")
    if not isinstance(raw.text, str) or not raw.text.strip():
        raise ContentError(raw.file, where, "each example must be a non-empty text")
    text = raw.text.strip()
    language = language_of(raw.file)
    if len(text) > 1600:
        raise ContentError(raw.file, where, "longer than an SMS can be (1600 characters)")
    if shape == CRISIS:
        kind, category = raw.keys
        if kind not in CRISIS_KINDS:
            raise ContentError(raw.file, where, f"unknown crisis kind {kind!r}; expected one of {', '.join(CRISIS_KINDS)}")
        return Example(text, CRISIS, CRISIS, kind, category, raw.file, raw.line, language)
    if shape == "negative":
        category, intent = raw.keys
        _check_intent(intent, raw.file, where)
        return Example(text, INTENT, intent, "", category, raw.file, raw.line, language)
    (label,) = raw.keys
    if shape == INTENT:
        _check_intent(label, raw.file, where)
        return Example(text, INTENT, label, "", EVERYDAY, raw.file, raw.line, language)
    allowed = CRISIS_TOPICS if shape == FOLLOWUP else ANSWERS
    if label not in allowed:
        what = "topic" if shape == FOLLOWUP else "answer"
        raise ContentError(raw.file, where, f"unknown {what} {label!r}; expected one of {', '.join(allowed)}")
    return Example(text, shape, label, "", label, raw.file, raw.line, language)


def _check_intent(intent: str, file: str, where: str) -> None:
    if intent not in intents.CLASSIFIED:
        raise ContentError(file, where, f"unknown intent {intent!r}; expected one of {', '.join(intents.CLASSIFIED)}")


def build_corpus(raws: Iterable[RawExample], *, required: Sequence[str] = ()) -> Corpus:
    """Check every example and build the corpus.

    Crisis and everyday examples share one space (a text is either a crisis or an
    intent, never both); follow-ups and answers each have their own. Raises
    ContentError for an unknown file, label or layout, a duplicate, or a conflict.
    """
    out: list[Example] = []
    seen: dict[tuple[str, str], Example] = {}
    for raw in raws:
        shape = shape_of(raw.file)
        if shape is None:
            raise ContentError(raw.file, "(file)", "not an examples file: name it crisis_*, not_crisis*, "
                                                  "intents*, crisis_followup* or answers*")
        example = _example(raw, shape)
        space = example.group if example.group in (FOLLOWUP, ANSWER) else "understanding"
        key = (space, key_of(example.text))
        first = seen.get(key)
        if first is not None:
            label = f"crisis ({first.kind})" if first.group == CRISIS else first.label
            if (first.label, first.kind) == (example.label, example.kind):
                raise ContentError(raw.file, f"line {raw.line}", f"{example.text!r} is already listed at {first.where}")
            raise ContentError(raw.file, f"line {raw.line}",
                               f"{example.text!r} is also listed at {first.where} as {label}; "
                               "a text has one label")
        seen[key] = example
        out.append(example)
    corpus = Corpus(tuple(out))
    have = {e.label for e in corpus.intents} | ({CRISIS} if corpus.crisis else set())
    for label in required:
        if label not in have:
            raise ContentError("examples", label, "has no examples; the model needs some for every label")
    return corpus
