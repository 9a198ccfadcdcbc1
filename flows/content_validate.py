"""Checking content against flows.content_schema: the structure of each file, and the rules
every text must keep. Generic: one function reads any mapping of exact keys (`table`), one
checks any template against its `Spec` (`template_problems`); the specs say what differs.

Errors name the file, the key and the problem (ContentError).
"""

from __future__ import annotations

import re
import string
import unicodedata
from types import MappingProxyType
from typing import Any, Mapping

from flows import gsm
from flows import intents
from flows.content_schema import (
    CRISIS_NUMBERS,
    CRISIS_TEXT_KEYS,
    DAILY,
    ENGLISH,
    ENGLISH_ONLY_ES,
    SPANISH,
    SPANISH_UCS2,
    STIGMA_ES,
    TRANSLATED_FILES,
    TRANSLATED_SAFETY_KEYS,
    file_in,
    FILES,
    FOOTER_MAX_CHARACTERS,
    KEYWORDS,
    MAX_COPING_OPTIONS,
    MESSAGES,
    MESSAGE_SPECS,
    MIN_COPING_OPTIONS,
    MIN_DAILY,
    PERSONAL,
    PLAN,
    PLAN_SPECS,
    QUIT_DAY_KEYS,
    QUIT_KEYWORD,
    LOCK_SCREEN_WORDS,
    SAFETY,
    STIGMA,
    Spec,
)
from flows.content_types import Content, ContentError, CrisisTexts, IntentWords, PlanTexts, QuitDayText
from flows.helpline import HELPLINE_NUMBER
from flows.matcher import canonical_tokens

MESSAGE_SPEC = MappingProxyType({spec.id: spec for spec in MESSAGE_SPECS})
PLAN_SPEC = MappingProxyType({spec.id: spec for spec in PLAN_SPECS})

# What to type instead of the characters a word processor slips in.
_INSTEAD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00a0": "a plain space", "\u202f": "a plain space", "\u2009": "a plain space",
    "\t": "a plain space", "\u2022": "-", "\u00b7": "-",
}



# --- the structure of the files -------------------------------------------------------

def table(file: str, data: Any, keys: tuple[str, ...], where: str = "(top level)",
           prefix: str = "", optional: tuple[str, ...] = ()) -> Mapping[str, Any]:
    """A mapping holding exactly `keys` (plus any of `optional`): an unknown key is as wrong
    as a missing one. `prefix` names the enclosing key in errors ("quit_days.day_1.")."""
    if not isinstance(data, Mapping):
        empty = "empty; " if data in (None, "") else ""
        raise ContentError(file, where, f"{empty}expected keys: {', '.join(keys + optional)}")
    for key in data:
        if key not in keys and key not in optional:
            raise ContentError(file, f"{prefix}{key}", f"unknown key; expected one of: {', '.join(keys + optional)}")
    for key in keys:
        if key not in data:
            raise ContentError(file, f"{prefix}{key}", "missing")
    return data



def crisis_kinds(data: Any) -> Mapping[str, CrisisTexts]:
    from flows.corpus import CRISIS_KINDS

    kinds = table(SAFETY, data, CRISIS_KINDS, where="crisis_kinds", prefix="crisis_kinds.")
    out = {}
    for kind in CRISIS_KINDS:
        texts = table(SAFETY, kinds[kind], CRISIS_TEXT_KEYS, where=f"crisis_kinds.{kind}",
                       prefix=f"crisis_kinds.{kind}.")
        out[kind] = CrisisTexts(**{key: as_text(SAFETY, f"crisis_kinds.{kind}.{key}", texts[key])
                                   for key in CRISIS_TEXT_KEYS})
    return MappingProxyType(out)


def crisis_topics(data: Any, file: str = SAFETY) -> Mapping[str, Mapping[str, str]]:
    from flows.corpus import CRISIS_KINDS, CRISIS_TOPICS

    SAFETY = file  # noqa: N806 - the file errors name (es/safety.yaml for Spanish)
    topics = table(SAFETY, data, CRISIS_TOPICS, where="crisis_topics", prefix="crisis_topics.")
    out = {}
    for topic in CRISIS_TOPICS:
        value = topics[topic]
        if isinstance(value, Mapping):
            per = table(SAFETY, value, ("default",), where=f"crisis_topics.{topic}",
                         prefix=f"crisis_topics.{topic}.", optional=CRISIS_KINDS)
            out[topic] = MappingProxyType({k: as_text(SAFETY, f"crisis_topics.{topic}.{k}", v) for k, v in per.items()})
        else:
            out[topic] = MappingProxyType({"default": as_text(SAFETY, f"crisis_topics.{topic}", value)})
    return MappingProxyType(out)


def plan_texts(data: Any, file: str = PLAN, language: str = ENGLISH) -> PlanTexts:
    """plan.yaml: `flow` (every id in PLAN_SPECS), `coping_options` (a list), `quit_days`."""
    from flows.plan import PARTS

    PLAN = file  # noqa: N806 - the file errors name (es/plan.yaml for Spanish)

    top = table(PLAN, data, ("flow", "coping_options", "menu_parts", "quit_days"))
    part_ids = tuple(part.id for part in PARTS)
    menu_parts = table(PLAN, top["menu_parts"], part_ids, where="menu_parts", prefix="menu_parts.")
    for id in part_ids:  # a label is sent inside the menu, so it is measured there; checked here too
        problems = shared_problems(as_text(PLAN, f"menu_parts.{id}", menu_parts[id]), language) + no_braces(menu_parts[id])
        if problems:
            raise ContentError(PLAN, f"menu_parts.{id}", problems[0])
    flow = table(PLAN, top["flow"], tuple(PLAN_SPEC), where="flow", prefix="flow.")
    options = top["coping_options"]
    if not isinstance(options, list):
        raise ContentError(PLAN, "coping_options", "must be a list of texts (each line starting with - )")
    if not MIN_COPING_OPTIONS <= len(options) <= MAX_COPING_OPTIONS:
        raise ContentError(PLAN, "coping_options", f"has {len(options)} choices; people reply with one "
                                                   f"digit, so keep {MIN_COPING_OPTIONS} to {MAX_COPING_OPTIONS}")
    keys = tuple(QUIT_DAY_KEYS.values())
    days = table(PLAN, top["quit_days"], keys, where="quit_days", prefix="quit_days.")
    quit_days = {}
    for offset, key in QUIT_DAY_KEYS.items():
        day = table(PLAN, days[key], ("plain",), where=f"quit_days.{key}", prefix=f"quit_days.{key}.",
                     optional=("personal",))
        personal = day.get("personal")
        quit_days[offset] = QuitDayText(
            plain=as_text(PLAN, f"quit_days.{key}.plain", day["plain"]),
            personal="" if personal in (None, "") else as_text(PLAN, f"quit_days.{key}.personal", personal),
        )
    return PlanTexts(
        flow=MappingProxyType({id: as_text(PLAN, f"flow.{id}", flow[id]) for id in PLAN_SPEC}),
        coping_options=tuple(as_text(PLAN, f"coping_options[{n}]", item) for n, item in enumerate(options, 1)),
        menu_parts=MappingProxyType({id: as_text(PLAN, f"menu_parts.{id}", menu_parts[id]) for id in part_ids}),
        quit_days=MappingProxyType(quit_days),
    )


def as_text(file: str, key: str, value: Any) -> str:
    """A text, without the stray blank lines a YAML block scalar leaves at its ends."""
    if isinstance(value, Mapping):  # `- Note: breathe` reads as a mapping in YAML
        raise ContentError(file, key, "must be text; put a text holding ': ' in double quotes")
    if not isinstance(value, str):
        raise ContentError(file, key, "must be text")
    return value.strip()


def daily_list(key: str, value: Any, DAILY: str = DAILY) -> tuple[str, ...]:  # noqa: N803
    if not isinstance(value, list):
        raise ContentError(DAILY, key, "must be a list of texts (each line starting with - )")
    texts = tuple(as_text(DAILY, f"{key}[{n}]", item) for n, item in enumerate(value, 1))
    if len(texts) < MIN_DAILY:
        raise ContentError(DAILY, key, f"has {len(texts)} texts; needs at least {MIN_DAILY}, "
                                       "so a month of daily texts has no repeats")
    return texts


def keywords(data: Any) -> dict[str, IntentWords]:
    """keywords.yaml: intent -> {keywords: [...], phrases: [...]}; a keyword belongs to one intent."""
    if not isinstance(data, Mapping):
        raise ContentError(KEYWORDS, "(top level)", f"expected intents: {', '.join(intents.MATCHABLE)}")
    owner: dict[tuple[str, ...], tuple[str, str]] = {}
    words: dict[str, IntentWords] = {}
    for intent, entry in data.items():
        if intent not in intents.MATCHABLE:
            raise ContentError(KEYWORDS, str(intent),
                               f"unknown intent; expected one of: {', '.join(intents.MATCHABLE)}")
        if entry in (None, ""):
            entry = {}
        if not isinstance(entry, Mapping):
            raise ContentError(KEYWORDS, intent, "expected keywords: and phrases: lists")
        for sub in entry:
            if sub not in ("keywords", "phrases"):
                raise ContentError(KEYWORDS, f"{intent}.{sub}", "unknown key; expected keywords or phrases")
        lists = {sub: _word_list(f"{intent}.{sub}", entry.get(sub)) for sub in ("keywords", "phrases")}
        # Compared as the matcher compares them (case, accents, plurals), across keywords
        # and phrases: a word that reaches two intents would answer one of them at random.
        for sub, items in lists.items():
            for n, item in enumerate(items, 1):
                canon = canonical_tokens(item)
                if not canon:
                    raise ContentError(KEYWORDS, f"{intent}.{sub}[{n}]", f"'{item}' has no words left after normalizing")
                other = owner.setdefault(canon, (intent, sub[:-1]))
                if other[0] != intent:
                    raise ContentError(KEYWORDS, f"{intent}.{sub}[{n}]", f"'{item}' is already a {other[1]} of {other[0]}")
        words[intent] = IntentWords(keywords=lists["keywords"], phrases=lists["phrases"])
    return words


def _word_list(key: str, value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        raise ContentError(KEYWORDS, key, "must be a list")
    words = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, str) or not item.strip():
            raise ContentError(KEYWORDS, f"{key}[{n}]", "must be a word or phrase, not empty")
        words.append(item.strip())
    return tuple(words)


def fold(text: str) -> str:
    """Compare texts the way a reader would: case and spacing do not make them different."""
    return " ".join(text.casefold().split())



# --- the rules every text keeps -------------------------------------------------------

def shared_problems(text: str, language: str = ENGLISH, gsm_only: bool = True) -> list[str]:
    """The rules every text keeps. A Spanish text that need not be GSM-7 (`gsm_only`
    False: not a crisis text, not the footer) may hold á í ó ú, and goes as UCS-2."""
    problems = []
    if not text.strip():
        problems.append("empty: every text needs words")
    bad = gsm.first_non_gsm(text)
    if bad is not None and language != ENGLISH and not gsm_only:
        bad = next(((i, c) for i, c in enumerate(text) if not gsm.is_gsm7(c) and c not in SPANISH_UCS2), None)
    if bad is not None:
        index, char = bad
        name = f"{unicodedata.name(char, 'unnamed')}, U+{ord(char):04X}"
        instead = _INSTEAD.get(char)
        hint = f"; type {instead} instead" if instead else "; remove it (emoji and symbols cannot be sent as GSM-7)"
        problems.append(f"character {index + 1}{_where(text, index)} is \"{char}\" ({name}), "
                        f"which is not GSM-7{hint}")
    for match in STIGMA.finditer(text):
        problems.append(f"stigmatising word '{match.group(0)}': use person-first words "
                        "(person who uses drugs, in recovery, not using)")
    if language == SPANISH:
        for match in STIGMA_ES.finditer(text):
            problems.append(f"stigmatising word '{match.group(0)}': use person-first words "
                            "(persona que usa drogas, en recuperación, sin usar)")
        for match in ENGLISH_ONLY_ES.finditer(text):
            problems.append(f"'{match.group(0)}' is SAMHSA's English-only text service: never offer it in Spanish")
    if QUIT_KEYWORD.search(text):
        problems.append("QUIT in capitals reads as a keyword, and carriers treat QUIT as opt-out; "
                        "write 'stop using' or 'quit' in lower case")
    return problems


def _where(text: str, index: int) -> str:
    """Help find a character in a long text: its line and column, and the words around it."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    near = text[max(0, index - 12):index + 12].replace("\n", " ")
    at = f"line {line}, column {column}, " if "\n" in text else ""
    return f" ({at}near \"{near}\")"


def footer_problems(footer: str) -> list[str]:
    problems = []
    if HELPLINE_NUMBER not in footer:
        problems.append(f"must contain {HELPLINE_NUMBER}: it is added to every text that lacks it")
    if len(footer) > FOOTER_MAX_CHARACTERS:
        problems.append(f"{len(footer)} characters; the footer goes on nearly every text, "
                        f"so keep it to {FOOTER_MAX_CHARACTERS}")
    return problems + no_braces(footer)


def crisis_problems(crisis: str) -> list[str]:
    problems = [f"must contain {number}" for number in CRISIS_NUMBERS
                if not re.search(rf"(?<![\d-]){re.escape(number)}(?![\d-])", crisis)]
    return problems + no_braces(crisis)


def first_segment_problems(text: str) -> list[str]:
    """911 and 988 must be readable before a phone shows "more": in the first segment."""
    first = gsm.first_segment(text)
    return [f"{number} must be in the first segment (the first {len(first)} characters)"
            for number in ("911", "988") if not re.search(rf"(?<!\d){number}(?!\d)", first)]


def template_problems(spec: Spec | None, template: str, samples: Mapping[str, str],
                      language: str = ENGLISH) -> tuple[list[str], str]:
    """Any template against its spec (None: an id no flow sends): placeholder and
    required-word problems, and the text filled with the longest samples."""
    if spec is None:
        return ["unknown message id: no flow sends it"], template
    allowed = frozenset(spec.placeholders)
    problems = []
    try:
        fields = [(name, conv, form) for _, name, form, conv in string.Formatter().parse(template)
                  if name is not None]
    except ValueError:
        return ["a { or } without its partner: placeholders look like {program}"], template
    for name, conv, form in fields:
        if name not in allowed:
            may = ", ".join(f"{{{a}}}" for a in sorted(allowed)) or "no placeholders"
            problems.append(f"placeholder {{{name}}} is not allowed here; this message may use {may}")
        elif conv or form:
            problems.append(f"write the placeholder plainly, as {{{name}}}")
    filled = template if problems else template.format(**samples)
    problems += [f"must contain {words}" for words in spec.must_contain_in(language) if words not in template]
    if spec.lock_screen:
        problems += [f"'{m.group(0)}' would show on a lock screen: this text must say nothing of drugs or the "
                     "program" for m in LOCK_SCREEN_WORDS.finditer(template)]
    return problems, filled


def no_braces(text: str) -> list[str]:
    if "{" in text or "}" in text:
        return ["{ and } are sent as they are here: placeholders work only in messages.yaml"]
    return []



def safe_fill(template: str, samples: Mapping[str, str]) -> str:
    try:
        return template.format(**samples)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return template


def personal_problems(template: str, samples: Mapping[str, str]) -> tuple[list[str], str]:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return ["a { or } without its partner: placeholders look like {coping}"], template
    allowed = ", ".join(f"{{{name}}}" for name in sorted(PERSONAL))
    problems = [f"placeholder {{{name}}} is not allowed here; a personal text may use {allowed}"
                for name in sorted(names - PERSONAL)]
    problems += [f"write the placeholder plainly, as {{{name}}}"
                 for _, name, spec, conv in string.Formatter().parse(template)
                 if name in PERSONAL and (spec or conv)]
    if not names & PERSONAL:
        problems.append(f"a personal text uses at least one of {allowed}; otherwise leave it out")
    if problems:
        return problems, template
    return problems, safe_fill(template, samples)



# --- the files, read whole ------------------------------------------------------------

def read(raw: Mapping[str, Any]) -> Content:
    """Parsed content files ({"safety.yaml": {...}, ...}) checked for structure into a Content.
    The texts' own rules run after, in flows.content_measure (flows.content.build runs both)."""
    for name in raw:
        if name not in FILES:
            raise ContentError(name, "(file)", f"not a content file; expected {', '.join(FILES)}")
    for name in FILES:
        if name not in raw:
            raise ContentError(name, "(file)", "missing")
    safety = table(SAFETY, raw[SAFETY], ("helpline", "crisis", "crisis_kinds", "crisis_topics"))
    messages = table(MESSAGES, raw[MESSAGES], ("messages",))["messages"]
    messages = table(MESSAGES, messages, tuple(MESSAGE_SPEC), where="messages")
    daily = table(DAILY, raw[DAILY], ("encouragement", "mindfulness"))
    return Content(
        helpline=as_text(SAFETY, "helpline", safety["helpline"]),
        crisis=as_text(SAFETY, "crisis", safety["crisis"]),
        messages=MappingProxyType({id: as_text(MESSAGES, id, messages[id]) for id in MESSAGE_SPEC}),
        keywords=MappingProxyType(keywords(raw[KEYWORDS])),
        encouragement=daily_list("encouragement", daily["encouragement"]),
        mindfulness=daily_list("mindfulness", daily["mindfulness"]),
        plan=plan_texts(raw[PLAN]),
        crisis_kinds=crisis_kinds(safety["crisis_kinds"]),
        crisis_topics=crisis_topics(safety["crisis_topics"]),
    )



# --- a translation (content/es/), read against the English it translates ------------------

def read_translation(raw: Mapping[str, Any], language: str, root: Content) -> Content:
    """A language folder's files ({"messages.yaml": {...}, ...}) checked for structure into
    a Content of that language, sharing `root`'s keywords, examples and crisis kinds.
    Every id of English and no other, and the same placeholders in each text."""
    for name in raw:
        if name not in TRANSLATED_FILES:
            raise ContentError(file_in(language, name), "(file)",
                               f"not a content file; expected {', '.join(TRANSLATED_FILES)}")
    for name in TRANSLATED_FILES:
        if name not in raw:
            raise ContentError(file_in(language, name), "(file)", "missing")
    safety_file, messages_file = file_in(language, SAFETY), file_in(language, MESSAGES)
    daily_file, plan_file = file_in(language, DAILY), file_in(language, PLAN)
    safety = table(safety_file, raw[SAFETY], TRANSLATED_SAFETY_KEYS)
    messages = table(messages_file, raw[MESSAGES], ("messages",))["messages"]
    messages = table(messages_file, messages, tuple(MESSAGE_SPEC), where="messages")
    daily = table(daily_file, raw[DAILY], ("encouragement", "mindfulness"))
    translated = Content(
        helpline=as_text(safety_file, "helpline", safety["helpline"]),
        crisis=as_text(safety_file, "crisis", safety["crisis"]),
        messages=MappingProxyType({id: as_text(messages_file, id, messages[id]) for id in MESSAGE_SPEC}),
        keywords=root.keywords,
        encouragement=daily_list("encouragement", daily["encouragement"], daily_file),
        mindfulness=daily_list("mindfulness", daily["mindfulness"], daily_file),
        plan=plan_texts(raw[PLAN], plan_file, language),
        crisis_kinds=root.crisis_kinds,
        crisis_topics=crisis_topics(safety["crisis_topics"], safety_file),
        examples=root.examples,
        language=language,
    )
    _same_shape(root, translated)
    return translated


def placeholders_of(template: str) -> frozenset[str]:
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)
    except ValueError:
        return frozenset()


def _same_shape(english: Content, other: Content) -> None:
    """What a translation must keep of the English: each text's placeholders, the number
    of coping choices (people answer with a digit), which quit-date days have a personal
    text, and which crisis kinds have a topic text of their own."""
    language = other.language

    def compare(file: str, key: str, theirs: str, ours: str) -> None:
        mine, base = placeholders_of(theirs), placeholders_of(ours)
        if mine != base:
            show = ", ".join(f"{{{n}}}" for n in sorted(mine ^ base))
            raise ContentError(file_in(language, file), key,
                               f"placeholder {show} is in one language and not the other "
                               f"({file_in(language, file)} and {file} must use the same)")

    for id, text in other.messages.items():
        compare(MESSAGES, id, text, english.messages[id])
    for id, text in other.plan.flow.items():
        compare(PLAN, f"flow.{id}", text, english.plan.flow[id])
    if len(other.plan.coping_options) != len(english.plan.coping_options):
        raise ContentError(file_in(language, PLAN), "coping_options",
                           f"has {len(other.plan.coping_options)} choices and {PLAN} has "
                           f"{len(english.plan.coping_options)}: people answer with the same digits in both")
    for offset, day in other.plan.quit_days.items():
        key = f"quit_days.{QUIT_DAY_KEYS[offset]}.personal"
        base = english.plan.quit_days[offset].personal
        if bool(day.personal) != bool(base):
            raise ContentError(file_in(language, PLAN), key,
                               f"is {'given' if day.personal else 'missing'} here and "
                               f"{'given' if base else 'missing'} in {PLAN}: keep the two alike")
        compare(PLAN, key, day.personal, base)
    for topic, texts in other.crisis_topics.items():
        if set(texts) != set(english.crisis_topics[topic]):
            differ = ", ".join(sorted(set(texts) ^ set(english.crisis_topics[topic])))
            raise ContentError(file_in(language, SAFETY), f"crisis_topics.{topic}",
                               f"the kinds with a text of their own differ from {SAFETY} ({differ})")
