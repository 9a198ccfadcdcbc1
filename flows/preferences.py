"""Which daily texts a person wants: encouragement, mindfulness, or both taking turns."""

from __future__ import annotations

import re

from flows.message import Message

KINDS = ("both", "encouragement", "mindfulness")

# How a reply names each choice ({kinds} in daily_kinds_set), by language.
_KIND_LABELS = {
    "en": {
        "both": "encouragement and mindfulness, taking turns",
        "encouragement": "encouragement only",
        "mindfulness": "mindfulness only",
    },
    "es": {
        "both": "ánimo y atención plena, por turnos",
        "encouragement": "solo ánimo",
        "mindfulness": "solo atención plena",
    },
}


def kind_labels(language: str) -> dict[str, str]:
    """The names of the daily-text choices in `language` (English for one without)."""
    return _KIND_LABELS.get(language, _KIND_LABELS["en"])

# Whole-message forms only: "mindfulness" alone is a request for an exercise
# (BREATHE), so choosing a kind needs "only", "just", "DAILY ..." or "both".
_ONLY = re.compile(
    r"^(?:(?:daily|send|texts?|send me)\s+)?(?:(?:only|just)\s+)?(?P<kind>encouragement|encouraging|mindfulness|mindful|both)"
    r"(?:\s+(?:only|texts?|messages?|prompts?|please|pls))*$"
)
_MARKED = re.compile(r"\b(?:only|just|daily|both)\b")


# The same in Spanish (accents dropped): "solo animo", "DIARIO AMBOS", "solo atencion plena".
_ONLY_ES = re.compile(
    r"^(?:(?:diario|diarios|mensajes|manda|mandame|envia|enviame)\s+)?(?:(?:solo|solamente|nomas)\s+)?(?:(?:los|las|de)\s+)?"
    r"(?P<kind>animo|motivacion|atencion plena|mindfulness|ambos|los dos|las dos)"
    r"(?:\s+(?:solo|solamente|nada mas|por favor|porfa|mensajes))*$"
)
_MARKED_ES = re.compile(r"\b(?:solo|solamente|nomas|nada mas|diario|diarios|ambos|los dos|las dos)\b")
_KIND_ES = {"animo": "encouragement", "motivacion": "encouragement", "atencion plena": "mindfulness",
            "mindfulness": "mindfulness", "ambos": "both", "los dos": "both", "las dos": "both"}


def parse_kinds(text: "str | Message") -> str | None:
    """'encouragement only' -> 'encouragement'; 'DAILY BOTH' -> 'both'; 'solo animo' ->
    'encouragement'; else None."""
    message = Message.of(text)
    normal = message.normal
    spanish = _ONLY_ES.match(message.folded)
    if spanish and _MARKED_ES.search(message.folded):
        return _KIND_ES[spanish.group("kind")]
    match = _ONLY.match(normal)
    if not match or not _MARKED.search(normal):
        return None
    kind = match.group("kind")
    if kind.startswith("encourag"):
        return "encouragement"
    if kind.startswith("mindful"):
        return "mindfulness"
    return "both"


_ENCOURAGEMENT = re.compile(r"\b(?:encourag\w*|motivat\w*|positive|uplifting|inspiring|inspirational|pep)\b")
_MINDFULNESS = re.compile(r"\b(?:mindful\w*|breath\w*|calm\w*|meditat\w*|grounding|relax\w*)\b")
_BOTH = re.compile(r"\b(?:both|mix|mixed|all of them|either|all kinds|everything)\b")
_NEGATED = re.compile(r"\b(?:no|not|no more|without|stop|less|fewer|skip|dont|do not|none of the)\s+(?:the\s+)?(?:\w+\s+)?$")


def parse_kinds_loosely(text: "str | Message") -> str | None:
    """Which daily texts a free-form request names: "just the encouraging ones",
    "no more breathing ones, just encouragement". A kind right after "no", "not",
    "no more" or "stop" is the one to drop. None when it names neither."""
    normal = Message.of(text).normal
    wanted = {}
    for kind, pattern in (("encouragement", _ENCOURAGEMENT), ("mindfulness", _MINDFULNESS)):
        for match in pattern.finditer(normal):
            wanted[kind] = not _NEGATED.search(normal[: match.start()])
    if _BOTH.search(normal) and not wanted:
        return "both"
    chosen = [kind for kind, yes in wanted.items() if yes]
    dropped = [kind for kind, yes in wanted.items() if not yes]
    if len(chosen) == 1:
        return chosen[0]
    if len(chosen) == 2:
        return "both"
    if len(dropped) == 1:
        return "mindfulness" if dropped[0] == "encouragement" else "encouragement"
    return None
