"""The content schema: what `content/` must hold, checked once at load.

`build` turns parsed YAML into a `Content` and refuses anything a person should never
receive (a broken encoding, a dropped helpline, a stigmatising word); `check` measures
every text as it will really be sent, for `steady content check`. Parsing the files is
the loader's job (`content.load`); this module only sees plain data.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from flows import gsm
from flows import intents
from flows.helpline import HELPLINE_NUMBER, ensure_helpline


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


SAFETY = "safety.yaml"
MESSAGES = "messages.yaml"
DAILY = "daily.yaml"
KEYWORDS = "keywords.yaml"
PLAN = "plan.yaml"
FILES = (SAFETY, MESSAGES, DAILY, KEYWORDS, PLAN)

# Every message id a flow may ask for, and the placeholders its text may use.
MESSAGE_IDS: dict[str, frozenset[str]] = {
    "menu": frozenset(),
    "help": frozenset({"program", "support"}),
    "craving": frozenset(),
    "withdrawal": frozenset(),
    "treatment": frozenset(),
    "support": frozenset(),
    "mindfulness": frozenset(),
    "plan_checklist": frozenset(),
    "fallback": frozenset(),
    "stop_confirm": frozenset({"program"}),
    "start_confirm": frozenset({"program"}),
    "daily_on": frozenset({"program", "time", "zone"}),
    "daily_off": frozenset(),
    "craving_followup": frozenset(),
    "slip": frozenset(),
    "daily_time_set": frozenset({"time", "zone"}),
    "daily_time_saved": frozenset({"time"}),
    "daily_time_quiet": frozenset({"time", "nearest", "earliest", "latest"}),
    "daily_time_unclear": frozenset(),
    "daily_zone_set": frozenset({"zone", "time"}),
    "daily_zone_unknown": frozenset(),
    "daily_kinds_set": frozenset({"kinds"}),
    "naloxone": frozenset(),
    "medication": frozenset(),
    "dosing": frozenset(),
    "pregnancy": frozenset(),
    "about": frozenset({"program"}),
    "thanks": frozenset(),
    "need_help": frozenset(),
    "feeling": frozenset(),
    "checkin_passed": frozenset(),
    "checkin_not_yet": frozenset(),
    "checkin_partly": frozenset(),
    "daily_reply": frozenset(),
    "unavailable": frozenset(),
}

# Words some messages cannot lose: carrier (CTIA) rules for HELP, opt-out and opt-in,
# and the keyword that gets a person back to what they asked for.
MUST_CONTAIN: dict[str, tuple[str, ...]] = {
    "help": ("{program}", "{support}", "Msg&data rates may apply", "STOP", "988"),
    "stop_confirm": ("START",),
    "start_confirm": ("{program}",),
    "daily_on": ("{program}", "{time}", "{zone}", "1 msg/day", "Msg&data rates may apply",
                 "HELP", "STOP", "DAILY OFF"),
    "daily_off": ("DAILY",),
    "craving_followup": ("CRAVING",),
    "slip": ("911", "naloxone", "PLAN"),
    "daily_time_saved": ("DAILY",),
    "daily_time_quiet": ("{nearest}", "TIME"),
    "daily_time_unclear": ("TIME",),
    "daily_zone_unknown": ("ZONE",),
    "fallback": ("911", "988"),
    "need_help": ("911", "988"),
    "naloxone": ("911",),
    "dosing": ("911",),
    "about": ("988",),
    "unavailable": ("911", "988"),
}

# plan.yaml: the PLAN flow's texts (under `flow:`), the coping choices it offers, and the
# quit-date texts. Placeholders: {date} a date read back ("Monday, December 7");
# {options} the numbered coping_options; {time} the daily send time; {program};
# {triggers}, {coping}, {people} the person's own answers; {quit_date}, {mat}, {texts}
# the parts of MY PLAN.
PLAN_FLOW_IDS: dict[str, frozenset[str]] = {
    "ask_date": frozenset(),
    "retry_date": frozenset(),
    "confirm_date": frozenset({"date"}),
    "retry_confirm": frozenset({"date"}),
    "date_past": frozenset({"date"}),
    "date_far": frozenset({"date"}),
    "ask_triggers": frozenset(),
    "retry_triggers": frozenset(),
    "ask_coping": frozenset({"options"}),
    "retry_coping": frozenset(),
    "ask_support": frozenset(),
    "retry_support": frozenset(),
    "ask_mat": frozenset(),
    "retry_mat": frozenset(),
    "ask_texts": frozenset({"program", "time"}),
    "retry_texts": frozenset(),
    "menu": frozenset({"parts"}),
    "retry_menu": frozenset(),
    "menu_left": frozenset(),
    "intro": frozenset(),
    "date_saved": frozenset({"date"}),
    "no_support": frozenset(),
    "skipped": frozenset(),
    "resume": frozenset(),
    "expired": frozenset(),
    "texts_need_date": frozenset(),
    "resume_offer": frozenset(),
    "done": frozenset(),
    "done_texts": frozenset({"time"}),
    "part_saved": frozenset(),
    "nothing_saved": frozenset(),
    "show": frozenset({"quit_date", "triggers", "coping", "people", "mat", "texts"}),
    "show_not_set": frozenset(),
    "show_mat_yes": frozenset(),
    "show_mat_no": frozenset(),
    "show_texts_on": frozenset(),
    "show_texts_off": frozenset(),
    "my_plan_empty": frozenset(),
    "checkin_question": frozenset(),
    "checkin_low": frozenset(),
    "checkin_mid": frozenset(),
    "checkin_high": frozenset(),
}
# Short openers the flow puts on the line above a question, in the same text.
PLAN_LEADS = ("intro", "date_saved", "no_support", "skipped", "resume", "expired", "texts_need_date")
# The texts a lead can sit above: the questions, and the texts that end the flow.
PLAN_QUESTIONS = ("ask_date", "confirm_date", "ask_triggers", "ask_coping", "ask_support",
                  "ask_mat", "ask_texts", "menu", "done", "done_texts", "part_saved",
                  "nothing_saved", "menu_left")
PLAN_MUST_CONTAIN: dict[str, tuple[str, ...]] = {
    "ask_date": ("SKIP",),
    "confirm_date": ("{date}", "YES"),
    "ask_triggers": ("SKIP",),
    "ask_coping": ("{options}", "SKIP"),
    "ask_support": ("SKIP",),
    "ask_mat": ("YES", "NO", "SKIP"),
    "retry_mat": ("YES", "NO"),
    "ask_texts": ("{program}", "YES", "NO", "Msg&data rates may apply", "STOP"),
    "retry_texts": ("YES", "NO"),
    "menu": ("{parts}", "NEW"),
    "resume_offer": ("PLAN",),
    "my_plan_empty": ("PLAN",),
    "checkin_question": ("1", "5"),
    "checkin_low": ("CRAVING", "TREATMENT"),
}
# The quit-date texts, by days from the quit date, and their keys in plan.yaml.
QUIT_DAY_KEYS: Mapping[int, str] = MappingProxyType({
    -3: "3_days_before", -1: "1_day_before", 0: "quit_day", 1: "day_1", 2: "day_2",
    3: "day_3", 7: "day_7", 14: "day_14", 30: "day_30",
})
# Days whose text ends with checkin_question (flows.quitdays.CHECKIN_OFFSETS agrees; a test checks).
CHECKIN_DAYS = (1, 3, 7, 14, 30)
PERSONAL = frozenset({"triggers", "coping", "people"})
# The person's words are cut to this many characters inside a quit-date text, and MY PLAN
# always leaves at least this much room for each answer.
PERSONAL_MAX = 60
MIN_COPING_OPTIONS = 3
MAX_COPING_OPTIONS = 9

# The longest value each placeholder may take. check() fills placeholders with samples
# exactly this long, so a text that passes fits whatever the operator configures.
PROGRAM_MAX = 20
SUPPORT_MAX = 40
TIME_MAX = 8
ZONE_MAX = 30
SAMPLES: Mapping[str, str] = MappingProxyType({
    "program": "Steady Support Texts",
    "support": "support-team@steady-helpline.example.org",
    "time": "12:30 PM",
    "zone": "America/Argentina/Buenos_Aires",
    "nearest": "12:30 PM",
    "earliest": "12:30 PM",
    "latest": "12:30 PM",
    "kinds": "encouragement and mindfulness, taking turns",
})
# The longest date the flow reads back (flows.dates.describe).
DATE_SAMPLE = "Wednesday, September 30"
PERSONAL_SAMPLE = ("words of my own " * 4)[:PERSONAL_MAX]

MAX_SEGMENTS = 3
CRISIS_MAX_SEGMENTS = 2
FOOTER_MAX_CHARACTERS = 60
MIN_DAILY = 30
CRISIS_NUMBERS = ("911", "988", HELPLINE_NUMBER)

STIGMA = re.compile(r"\b(addicts?|junkies|junkie|junky|abusers?|clean|dirty)\b", re.IGNORECASE)
QUIT_KEYWORD = re.compile(r"\bQUIT\b")

# What to type instead of the characters a word processor slips in.
_INSTEAD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00a0": "a plain space", "\u202f": "a plain space", "\u2009": "a plain space",
    "\t": "a plain space", "\u2022": "-", "\u00b7": "-",
}


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


# --- building ---------------------------------------------------------------------

def build(raw: Mapping[str, Any]) -> Content:
    """Validate parsed content files ({"safety.yaml": {...}, ...}) into a Content.

    Raises the first ContentError found: the structure of each file first, then every
    text as `check` measures it.
    """
    for name in raw:
        if name not in FILES:
            raise ContentError(name, "(file)", f"not a content file; expected {', '.join(FILES)}")
    for name in FILES:
        if name not in raw:
            raise ContentError(name, "(file)", "missing")
    safety = _table(SAFETY, raw[SAFETY], ("helpline", "crisis", "crisis_kinds", "crisis_topics"))
    messages = _table(MESSAGES, raw[MESSAGES], ("messages",))["messages"]
    messages = _table(MESSAGES, messages, tuple(MESSAGE_IDS), where="messages")
    daily = _table(DAILY, raw[DAILY], ("encouragement", "mindfulness"))
    content = Content(
        helpline=_text(SAFETY, "helpline", safety["helpline"]),
        crisis=_text(SAFETY, "crisis", safety["crisis"]),
        messages=MappingProxyType({id: _text(MESSAGES, id, messages[id]) for id in MESSAGE_IDS}),
        keywords=MappingProxyType(_keywords(raw[KEYWORDS])),
        encouragement=_daily_list("encouragement", daily["encouragement"]),
        mindfulness=_daily_list("mindfulness", daily["mindfulness"]),
        plan=_plan(raw[PLAN]),
        crisis_kinds=_crisis_kinds(safety["crisis_kinds"]),
        crisis_topics=_crisis_topics(safety["crisis_topics"]),
    )
    for report in check(content):
        if report.problems:
            raise ContentError(report.file, report.key, report.problems[0])
    return content


def _table(file: str, data: Any, keys: tuple[str, ...], where: str = "(top level)",
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


# Crisis kinds and crisis-mode topics (their names live in flows.corpus, beside the
# examples that teach them).
CRISIS_TEXT_KEYS = ("en", "es", "again", "again_es")
DV_HOTLINE = "1-800-799-7233"


def _crisis_kinds(data: Any) -> Mapping[str, CrisisTexts]:
    from flows.corpus import CRISIS_KINDS

    kinds = _table(SAFETY, data, CRISIS_KINDS, where="crisis_kinds", prefix="crisis_kinds.")
    out = {}
    for kind in CRISIS_KINDS:
        texts = _table(SAFETY, kinds[kind], CRISIS_TEXT_KEYS, where=f"crisis_kinds.{kind}",
                       prefix=f"crisis_kinds.{kind}.")
        out[kind] = CrisisTexts(**{key: _text(SAFETY, f"crisis_kinds.{kind}.{key}", texts[key])
                                   for key in CRISIS_TEXT_KEYS})
    return MappingProxyType(out)


def _crisis_topics(data: Any) -> Mapping[str, Mapping[str, str]]:
    from flows.corpus import CRISIS_KINDS, CRISIS_TOPICS

    topics = _table(SAFETY, data, CRISIS_TOPICS, where="crisis_topics", prefix="crisis_topics.")
    out = {}
    for topic in CRISIS_TOPICS:
        value = topics[topic]
        if isinstance(value, Mapping):
            per = _table(SAFETY, value, ("default",), where=f"crisis_topics.{topic}",
                         prefix=f"crisis_topics.{topic}.", optional=CRISIS_KINDS)
            out[topic] = MappingProxyType({k: _text(SAFETY, f"crisis_topics.{topic}.{k}", v) for k, v in per.items()})
        else:
            out[topic] = MappingProxyType({"default": _text(SAFETY, f"crisis_topics.{topic}", value)})
    return MappingProxyType(out)


def _plan(data: Any) -> PlanTexts:
    """plan.yaml: `flow` (every id in PLAN_FLOW_IDS), `coping_options` (a list), `quit_days`."""
    from flows.plan import PARTS

    top = _table(PLAN, data, ("flow", "coping_options", "menu_parts", "quit_days"))
    part_ids = tuple(part.id for part in PARTS)
    menu_parts = _table(PLAN, top["menu_parts"], part_ids, where="menu_parts", prefix="menu_parts.")
    for id in part_ids:  # a label is sent inside the menu, so it is measured there; checked here too
        problems = _shared_problems(_text(PLAN, f"menu_parts.{id}", menu_parts[id])) + _no_braces(menu_parts[id])
        if problems:
            raise ContentError(PLAN, f"menu_parts.{id}", problems[0])
    flow = _table(PLAN, top["flow"], tuple(PLAN_FLOW_IDS), where="flow", prefix="flow.")
    options = top["coping_options"]
    if not isinstance(options, list):
        raise ContentError(PLAN, "coping_options", "must be a list of texts (each line starting with - )")
    if not MIN_COPING_OPTIONS <= len(options) <= MAX_COPING_OPTIONS:
        raise ContentError(PLAN, "coping_options", f"has {len(options)} choices; people reply with one "
                                                   f"digit, so keep {MIN_COPING_OPTIONS} to {MAX_COPING_OPTIONS}")
    keys = tuple(QUIT_DAY_KEYS.values())
    days = _table(PLAN, top["quit_days"], keys, where="quit_days", prefix="quit_days.")
    quit_days = {}
    for offset, key in QUIT_DAY_KEYS.items():
        day = _table(PLAN, days[key], ("plain",), where=f"quit_days.{key}", prefix=f"quit_days.{key}.",
                     optional=("personal",))
        personal = day.get("personal")
        quit_days[offset] = QuitDayText(
            plain=_text(PLAN, f"quit_days.{key}.plain", day["plain"]),
            personal="" if personal in (None, "") else _text(PLAN, f"quit_days.{key}.personal", personal),
        )
    return PlanTexts(
        flow=MappingProxyType({id: _text(PLAN, f"flow.{id}", flow[id]) for id in PLAN_FLOW_IDS}),
        coping_options=tuple(_text(PLAN, f"coping_options[{n}]", item) for n, item in enumerate(options, 1)),
        menu_parts=MappingProxyType({id: _text(PLAN, f"menu_parts.{id}", menu_parts[id]) for id in part_ids}),
        quit_days=MappingProxyType(quit_days),
    )


def _text(file: str, key: str, value: Any) -> str:
    """A text, without the stray blank lines a YAML block scalar leaves at its ends."""
    if isinstance(value, Mapping):  # `- Note: breathe` reads as a mapping in YAML
        raise ContentError(file, key, "must be text; put a text holding ': ' in double quotes")
    if not isinstance(value, str):
        raise ContentError(file, key, "must be text")
    return value.strip()


def _daily_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ContentError(DAILY, key, "must be a list of texts (each line starting with - )")
    texts = tuple(_text(DAILY, f"{key}[{n}]", item) for n, item in enumerate(value, 1))
    if len(texts) < MIN_DAILY:
        raise ContentError(DAILY, key, f"has {len(texts)} texts; needs at least {MIN_DAILY}, "
                                       "so a month of daily texts has no repeats")
    return texts


def _keywords(data: Any) -> dict[str, IntentWords]:
    """keywords.yaml: intent -> {keywords: [...], phrases: [...]}; a keyword belongs to one intent."""
    if not isinstance(data, Mapping):
        raise ContentError(KEYWORDS, "(top level)", f"expected intents: {', '.join(intents.MATCHABLE)}")
    owner: dict[str, str] = {}
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
        for n, keyword in enumerate(lists["keywords"], 1):
            folded = _fold(keyword)
            if owner.get(folded, intent) != intent:
                raise ContentError(KEYWORDS, f"{intent}.keywords[{n}]",
                                   f"'{keyword}' is already a keyword of {owner[folded]}")
            owner[folded] = intent
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


def _fold(text: str) -> str:
    """Compare texts the way a reader would: case and spacing do not make them different."""
    return " ".join(text.casefold().split())


# --- checking ---------------------------------------------------------------------

def check(content: Content) -> list[MessageReport]:
    """Every sendable text as sent (placeholders at their longest, helpline footer added),
    measured, with every problem found. An empty problem list means the text is fine."""
    footer = content.helpline
    reports = [
        _measure("safety.helpline", footer, footer, _footer_problems(footer)),
        _measure("safety.crisis", content.crisis, content.crisis, _crisis_problems(content.crisis),
                 limit=CRISIS_MAX_SEGMENTS),
    ]
    for kind, texts in content.crisis_kinds.items():
        for key in CRISIS_TEXT_KEYS:
            text = getattr(texts, key)
            problems = _crisis_problems(text) + _first_segment_problems(text)
            if kind == "violence" and DV_HOTLINE not in text:
                problems.append(f"must contain the National Domestic Violence Hotline, {DV_HOTLINE}")
            reports.append(_measure(f"safety.crisis_kinds.{kind}.{key}", text, _as_sent(text, footer), problems,
                                    limit=CRISIS_MAX_SEGMENTS))
    for topic, texts in content.crisis_topics.items():
        for kind, text in texts.items():
            id = f"safety.crisis_topics.{topic}" + ("" if kind == "default" else f".{kind}")
            reports.append(_measure(id, text, _as_sent(text, footer), _no_braces(text), limit=CRISIS_MAX_SEGMENTS))
    for id, template in content.messages.items():
        problems, filled = _template_problems(id, template)
        reports.append(_measure(f"messages.{id}", template, _as_sent(filled, footer), problems))
    seen: dict[str, str] = {}
    for kind in ("encouragement", "mindfulness"):
        for n, text in enumerate(getattr(content, kind), 1):
            id = f"daily.{kind}[{n}]"
            problems = _no_braces(text)
            first = seen.setdefault(_fold(text), id)
            if first != id:
                problems.append(f"same text as {first}")
            reports.append(_measure(id, text, _as_sent(text, footer), problems))
    return reports + _plan_reports(content.plan, footer)


def _measure(id: str, raw: str, sent: str, problems: list[str],
             limit: int = MAX_SEGMENTS) -> MessageReport:
    """The rules every text shares (on the text as written), then the caller's, then the
    length (on the text as sent)."""
    found = _shared_problems(raw) + problems
    count = gsm.segments(sent)
    if count > limit:
        per_part = gsm.LIMITS[gsm.encoding(sent)][1]
        excess = sum(gsm.units(sent)) - limit * per_part
        why = "" if gsm.is_gsm7(sent) else " (sent as UCS-2 because of a non-GSM-7 character)"
        found.append(f"too long: {count} segments as sent with the helpline footer{why}; "
                     f"at most {limit}. Cut about {excess} characters")
    return MessageReport(id=id, text=sent, encoding=gsm.encoding(sent), characters=len(sent),
                         segments=count, problems=found)


def _shared_problems(text: str) -> list[str]:
    problems = []
    if not text.strip():
        problems.append("empty: every text needs words")
    bad = gsm.first_non_gsm(text)
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


def _footer_problems(footer: str) -> list[str]:
    problems = []
    if HELPLINE_NUMBER not in footer:
        problems.append(f"must contain {HELPLINE_NUMBER}: it is added to every text that lacks it")
    if len(footer) > FOOTER_MAX_CHARACTERS:
        problems.append(f"{len(footer)} characters; the footer goes on nearly every text, "
                        f"so keep it to {FOOTER_MAX_CHARACTERS}")
    return problems + _no_braces(footer)


def _crisis_problems(crisis: str) -> list[str]:
    problems = [f"must contain {number}" for number in CRISIS_NUMBERS
                if not re.search(rf"(?<![\d-]){re.escape(number)}(?![\d-])", crisis)]
    return problems + _no_braces(crisis)


def _first_segment_problems(text: str) -> list[str]:
    """911 and 988 must be readable before a phone shows "more": in the first segment."""
    first = gsm.first_segment(text)
    return [f"{number} must be in the first segment (the first {len(first)} characters)"
            for number in ("911", "988") if not re.search(rf"(?<!\d){number}(?!\d)", first)]


def _template_problems(id: str, template: str, ids: Mapping[str, frozenset[str]] = MESSAGE_IDS,
                       must: Mapping[str, tuple[str, ...]] = MUST_CONTAIN,
                       samples: Mapping[str, str] = SAMPLES) -> tuple[list[str], str]:
    """Placeholder and required-word problems, and the text filled with the longest samples."""
    if id not in ids:
        return ["unknown message id: no flow sends it"], template
    allowed = ids[id]
    problems = []
    try:
        fields = [(name, conv, spec) for _, name, spec, conv in string.Formatter().parse(template)
                  if name is not None]
    except ValueError:
        return ["a { or } without its partner: placeholders look like {program}"], template
    for name, conv, spec in fields:
        if name not in allowed:
            may = ", ".join(f"{{{a}}}" for a in sorted(allowed)) or "no placeholders"
            problems.append(f"placeholder {{{name}}} is not allowed here; this message may use {may}")
        elif conv or spec:
            problems.append(f"write the placeholder plainly, as {{{name}}}")
    filled = template if problems else template.format(**samples)
    problems += [f"must contain {words}" for words in must.get(id, ()) if words not in template]
    return problems, filled


def _no_braces(text: str) -> list[str]:
    if "{" in text or "}" in text:
        return ["{ and } are sent as they are here: placeholders work only in messages.yaml"]
    return []


def _as_sent(text: str, footer: str) -> str:
    """The text with the footer, even when the footer is broken (that has its own report)."""
    try:
        return ensure_helpline(text, footer)
    except ValueError:
        return f"{text}\n{footer}"


# --- checking plan.yaml -------------------------------------------------------------

def coping_menu(options: tuple[str, ...]) -> str:
    """The numbered coping choices as the flow shows them: "1 Slow breathing..." a line each."""
    return "\n".join(f"{n} {option[:1].upper()}{option[1:]}" for n, option in enumerate(options, 1))


def _longest(texts: list[str]) -> str:
    return max(texts, key=lambda t: (sum(gsm.units(t)), t)) if texts else ""


def _plan_samples(plan: PlanTexts) -> dict[str, str]:
    """Each plan placeholder at its longest: the fixed parts as the flow fills them, the
    person's own words at PERSONAL_MAX (the flow cuts them to fit)."""
    flow = plan.flow
    not_set = flow.get("show_not_set", "")
    return {
        **SAMPLES,
        "date": DATE_SAMPLE,
        "options": coping_menu(plan.coping_options),
        "parts": "\n".join(f"{n} {label}" for n, label in enumerate(plan.menu_parts.values(), 1)),
        "quit_date": _longest([DATE_SAMPLE, not_set]),
        "mat": _longest([flow.get("show_mat_yes", ""), flow.get("show_mat_no", ""), not_set]),
        "texts": _longest([flow.get("show_texts_on", ""), flow.get("show_texts_off", "")]),
        **{name: PERSONAL_SAMPLE for name in PERSONAL},
    }


def _plan_reports(plan: PlanTexts, footer: str) -> list[MessageReport]:
    """plan.yaml's texts as sent: a lead with the longest question it can sit above, a
    check-in day with its question, a personal text with answers PERSONAL_MAX long."""
    samples = _plan_samples(plan)
    reports = []
    filled_flow: dict[str, str] = {}
    for id, template in plan.flow.items():
        problems, filled = _template_problems(id, template, PLAN_FLOW_IDS, PLAN_MUST_CONTAIN, samples)
        filled_flow[id] = filled
        if id in PLAN_LEADS:
            questions = [filled_flow.get(q) or _safe_fill(plan.flow.get(q, ""), samples) for q in PLAN_QUESTIONS]
            filled = f"{filled}\n{_longest(questions)}"
        reports.append(_measure(f"plan.flow.{id}", template, _as_sent(filled, footer), problems))
    seen: dict[str, str] = {}
    for n, option in enumerate(plan.coping_options, 1):
        id = f"plan.coping_options[{n}]"
        problems = ["{ and } are sent as they are here: write the choice plainly"] if "{" in option or "}" in option else []
        first = seen.setdefault(_fold(option), id)
        if first != id:
            problems.append(f"same text as {first}")
        reports.append(_measure(id, option, _as_sent(option, footer), problems))
    question = _safe_fill(plan.flow.get("checkin_question", ""), samples)
    for offset, day in plan.quit_days.items():
        key = QUIT_DAY_KEYS.get(offset, str(offset))
        tail = f"\n{question}" if offset in CHECKIN_DAYS else ""
        problems = (["{ and } are sent as they are in a plain text; put {triggers}, {coping} "
                     "or {people} in its personal text"] if "{" in day.plain or "}" in day.plain else [])
        reports.append(_measure(f"plan.quit_days.{key}.plain", day.plain,
                                _as_sent(day.plain + tail, footer), problems))
        if day.personal:
            problems, filled = _personal_problems(day.personal, samples)
            reports.append(_measure(f"plan.quit_days.{key}.personal", day.personal,
                                    _as_sent(filled + tail, footer), problems))
    return reports


def _safe_fill(template: str, samples: Mapping[str, str]) -> str:
    try:
        return template.format(**samples)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return template


def _personal_problems(template: str, samples: Mapping[str, str]) -> tuple[list[str], str]:
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
    return problems, _safe_fill(template, samples)
