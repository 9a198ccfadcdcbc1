"""The shipped content loads and is safe to send; broken content is refused, naming file and key."""

from __future__ import annotations

import re
import shutil
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Callable

import pytest
import yaml

import content
from content import ContentLoader, load, parse
from flows import gsm, intents, plan
from flows.content import (
    FILES,
    KEYWORDS,
    PLAN_FLOW_IDS,
    PROGRAM_MAX,
    QUIT_DAY_KEYS,
    SAMPLES,
    SUPPORT_MAX,
    TIME_MAX,
    ZONE_MAX,
    Content,
    ContentError,
    IntentWords,
    build,
    check,
)
from flows.helpline import HELPLINE_NUMBER

SHIPPED = Path(content.__file__).resolve().parent
# A stand-in while content/keywords.yaml (written by someone else) does not exist yet.
TINY_KEYWORDS = """\
craving:
  keywords: [craving, urge]
  phrases: [i want to use]
plan:
  keywords: [plan]
daily_off:
  keywords: [daily off]
"""
ALLOWED_NUMBERS = {"1-800-662-4357", "1-800-487-4889", "988", "911", "435748", "1-800-484-3731",
                   "1-800-799-7233", "88788"}   # FACTS.md: the National Domestic Violence Hotline
MENU_KEYWORDS = ("CRAVING", "WITHDRAWAL", "PLAN", "TREATMENT", "MEETINGS", "BREATHE", "DAILY", "HELP")


def _keywords_source() -> str:
    real = SHIPPED / KEYWORDS
    return real.read_text(encoding="utf-8") if real.exists() else TINY_KEYWORDS


def _shipped_raw() -> dict:
    raw = {name: parse(SHIPPED / name) for name in FILES if name != KEYWORDS}
    raw[KEYWORDS] = yaml.load(_keywords_source(), Loader=ContentLoader)
    return raw


def _try_build() -> tuple[Content | None, str]:
    try:
        return build(_shipped_raw()), ""
    except ContentError as exc:
        return None, str(exc)


SHIPPED_CONTENT, SHIPPED_ERROR = _try_build()
REPORTS = check(SHIPPED_CONTENT) if SHIPPED_CONTENT else []


@pytest.fixture
def shipped() -> Content:
    assert SHIPPED_CONTENT is not None, SHIPPED_ERROR
    return SHIPPED_CONTENT


def _all_texts(c: Content) -> list[tuple[str, str]]:
    return ([("safety.helpline", c.helpline), ("safety.crisis", c.crisis)]
            + [(f"safety.crisis_kinds.{kind}.{key}", getattr(texts, key))
               for kind, texts in c.crisis_kinds.items() for key in ("en", "es", "again", "again_es")]
            + [(f"safety.crisis_topics.{topic}" + ("" if kind == "default" else f".{kind}"), text)
               for topic, texts in c.crisis_topics.items() for kind, text in texts.items()]
            + [(f"messages.{id}", text) for id, text in c.messages.items()]
            + [(f"daily.encouragement[{n}]", t) for n, t in enumerate(c.encouragement, 1)]
            + [(f"daily.mindfulness[{n}]", t) for n, t in enumerate(c.mindfulness, 1)]
            + _plan_texts(c))


def _plan_texts(c: Content) -> list[tuple[str, str]]:
    texts = [(f"plan.flow.{id}", t) for id, t in c.plan.flow.items()]
    texts += [(f"plan.coping_options[{n}]", t) for n, t in enumerate(c.plan.coping_options, 1)]
    for offset, day in c.plan.quit_days.items():
        texts.append((f"plan.quit_days.{QUIT_DAY_KEYS[offset]}.plain", day.plain))
        if day.personal:
            texts.append((f"plan.quit_days.{QUIT_DAY_KEYS[offset]}.personal", day.personal))
    return texts


# --- the shipped content -------------------------------------------------------------

def test_the_shipped_content_loads():
    assert SHIPPED_ERROR == ""
    assert isinstance(SHIPPED_CONTENT, Content)


def test_the_loader_reads_its_own_folder_by_default():
    if (SHIPPED / KEYWORDS).exists():
        assert load(examples=False) == SHIPPED_CONTENT
    else:
        with pytest.raises(ContentError) as caught:
            load()
        assert (caught.value.file, caught.value.key) == (KEYWORDS, "(file)")


@pytest.mark.parametrize("report", REPORTS, ids=[r.id for r in REPORTS])
def test_every_shipped_text_passes_the_check(report):
    assert report.problems == []
    assert report.encoding == "GSM-7"
    assert HELPLINE_NUMBER in report.text


def test_the_check_covers_every_text(shipped):
    assert [r.id for r in REPORTS] == [id for id, _ in _all_texts(shipped)]


@pytest.mark.parametrize("kind", ["encouragement", "mindfulness"])
def test_each_daily_list_has_at_least_30_distinct_short_texts(shipped, kind):
    texts = getattr(shipped, kind)
    assert len(texts) >= 30
    assert len({t.casefold() for t in texts}) == len(texts)
    too_long = [t for t in texts if gsm.segments(t) > 1]
    assert too_long == []


def test_no_shipped_text_uses_a_stigmatising_word(shipped):
    found = [(id, m.group(0)) for id, text in _all_texts(shipped)
             for m in re.finditer(r"\b(addicts?|junkies?|junky|abusers?|abuse|clean|dirty)\b", text, re.I)]
    assert found == []


def test_every_phone_number_in_the_content_is_a_known_resource(shipped):
    numbers = {(id, token) for id, text in _all_texts(shipped)
               for token in re.findall(r"\d[\d-]*\d|\d", text) if re.search(r"\d{3}", token)}
    assert {token for _, token in numbers} <= ALLOWED_NUMBERS, numbers
    assert [id for id, text in _all_texts(shipped) if re.search(r"\d-[A-Z]{4}\b", text)] == []


def test_no_text_gives_a_dose(shipped):
    assert [id for id, text in _all_texts(shipped) if re.search(r"\d\s*(mg|ml|milligram)", text, re.I)] == []


def test_no_text_tells_anyone_they_must(shipped):
    assert [id for id, text in _all_texts(shipped) if re.search(r"\byou (must|should)\b", text, re.I)] == []


@pytest.mark.parametrize("id", ["menu", "help", "fallback"])
def test_the_menus_list_the_keywords_and_never_quit(shipped, id):
    text = shipped.messages[id]
    expected = MENU_KEYWORDS if id != "help" else MENU_KEYWORDS[:-1]  # HELP's answer skips HELP
    assert [word for word in expected if word not in text] == []
    assert "QUIT" not in text


@pytest.mark.parametrize(
    "word, intent",
    [("CRAVING", "craving"), ("WITHDRAWAL", "withdrawal"), ("PLAN", "plan"), ("TREATMENT", "treatment"),
     ("MEETINGS", "support"), ("BREATHE", "mindfulness"), ("DAILY", "daily_on"), ("DAILY OFF", "daily_off")],
)
def test_every_word_the_texts_advertise_reaches_its_reply(shipped, word, intent):
    if not (SHIPPED / KEYWORDS).exists():
        pytest.skip("content/keywords.yaml is not written yet")
    words = shipped.keywords.get(intent, IntentWords())
    assert word.casefold() in {w.casefold() for w in words.keywords + words.phrases}


@pytest.mark.parametrize(
    "id, needed",
    [
        ("help", ["{program}", "{support}", "1 msg/day", "DAILY", "Msg&data rates may apply",
                  "Reply STOP to cancel", "988"]),
        ("stop_confirm", ["{program}", "Reply START to come back", "START, then PLAN", "911", "988"]),
        ("daily_on", ["{program}", "1 msg/day", "Msg&data rates may apply",
                      "Reply HELP for help, STOP to cancel", "{time}", "{zone}", "TIME 7pm", "DAILY OFF"]),
        ("daily_off", ["paused", "DAILY"]),
        ("start_confirm", ["{program}", "Welcome back"]),
        ("craving_followup", ["did the craving pass?", "Text CRAVING if it's still strong"]),
        ("craving", ["Wait", "Breathe", "Move", "someone you trust", "don't use alone", "1-800-484-3731"]),
        ("withdrawal", ["muscle aches", "anxiety", "nausea", "diarrhea", "cramps", "sleep", "water",
                        "rest", "Over-the-counter", "clinician", "vomiting", "chest pain", "confusion",
                        "fever", "overdose"]),
        ("treatment", ["buprenorphine", "methadone", "naltrexone", "therapy", "FindTreatment.gov", "435748"]),
        ("support", ["Narcotics Anonymous", "na.org", "friend", "family", "support groups"]),
        ("mindfulness", ["Breathe in for 4"]),
        ("fallback", ["didn't catch that", "911", "988"]),
    ],
)
def test_each_message_says_what_it_is_for(shipped, id, needed):
    text = shipped.messages[id]
    assert [words for words in needed if words.casefold() not in text.casefold()] == []


def test_the_crisis_reply_names_911_988_and_the_helpline_in_two_segments(shipped):
    for number in ("911", "988", HELPLINE_NUMBER):
        assert number in shipped.crisis
    assert gsm.segments(shipped.crisis) <= 2


def test_the_footer_is_the_samhsa_helpline(shipped):
    assert shipped.helpline == "SAMHSA Helpline: 1-800-662-4357 (free, 24/7)"


# --- the Content object --------------------------------------------------------------

def test_text_fills_placeholders(shipped):
    text = shipped.text("daily_on", program="Steady", time="9:00 AM", zone="America/Chicago")
    assert "Steady" in text and "9:00 AM" in text and "America/Chicago" in text and "{" not in text


def test_text_of_an_unknown_id_is_a_key_error(shipped):
    with pytest.raises(KeyError):
        shipped.text("goodbye")


def test_content_cannot_be_changed_after_loading(shipped):
    with pytest.raises(TypeError):
        shipped.messages["menu"] = "changed"  # type: ignore[index]
    with pytest.raises(FrozenInstanceError):
        shipped.crisis = "changed"  # type: ignore[misc]


def test_keywords_become_intent_words_of_tuples(shipped):
    assert set(shipped.keywords) <= set(intents.MATCHABLE)
    for words in shipped.keywords.values():
        assert isinstance(words, IntentWords)
        assert isinstance(words.keywords, tuple) and isinstance(words.phrases, tuple)


@pytest.mark.parametrize(
    "name, value, limit",
    [("program", SAMPLES["program"], PROGRAM_MAX), ("support", SAMPLES["support"], SUPPORT_MAX),
     ("time", SAMPLES["time"], TIME_MAX), ("zone", SAMPLES["zone"], ZONE_MAX)],
)
def test_the_check_fills_placeholders_with_samples_of_the_longest_length(name, value, limit):
    assert len(value) == limit
    assert gsm.is_gsm7(value)


def test_the_report_shows_the_text_as_sent(shipped):
    help_report = next(r for r in REPORTS if r.id == "messages.help")
    assert SAMPLES["program"] in help_report.text
    assert help_report.text.endswith("\n" + shipped.helpline)
    assert help_report.characters == len(help_report.text)
    assert help_report.segments == gsm.segments(help_report.text)
    assert (help_report.file, help_report.key) == ("messages.yaml", "help")


def test_check_lists_every_problem_not_only_the_first(shipped):
    broken = Content(
        helpline=shipped.helpline, crisis=shipped.crisis,
        messages={**shipped.messages, "menu": "Stay clean \U0001F4AA", "daily_off": "Paused {who}"},
        keywords=shipped.keywords, encouragement=shipped.encouragement, mindfulness=shipped.mindfulness,
    )
    problems = {r.id: r.problems for r in check(broken) if r.problems}
    assert set(problems) == {"messages.menu", "messages.daily_off"}
    assert len(problems["messages.menu"]) == 2
    assert any("{who}" in p for p in problems["messages.daily_off"])
    menu = next(r for r in check(broken) if r.id == "messages.menu")
    assert menu.encoding == "UCS-2"


def test_check_reports_a_message_id_no_flow_sends(shipped):
    extra = Content(
        helpline=shipped.helpline, crisis=shipped.crisis, messages={**shipped.messages, "goodbye": "Bye."},
        keywords=shipped.keywords, encouragement=shipped.encouragement, mindfulness=shipped.mindfulness,
    )
    assert [r.id for r in check(extra) if r.problems] == ["messages.goodbye"]


# --- the loader ----------------------------------------------------------------------

def test_the_loader_keeps_every_plain_value_as_text():
    data = yaml.load("a: on\nb: 988\nc: [yes, no]\nd:\n", Loader=ContentLoader)
    assert data == {"a": "on", "b": "988", "c": ["yes", "no"], "d": ""}


def test_build_trims_blank_lines_around_a_text(shipped):
    raw = _shipped_raw()
    raw["messages.yaml"]["messages"]["daily_off"] = "\n  Daily texts are paused. Text DAILY to restart.\n\n"
    assert build(raw).messages["daily_off"] == "Daily texts are paused. Text DAILY to restart."


@pytest.mark.parametrize(
    "intent_words, expected",
    [
        ({"craving": {"keywords": ["craving"]}}, {"craving": IntentWords(("craving",), ())}),
        ({"plan": {"phrases": ["make a plan"]}}, {"plan": IntentWords((), ("make a plan",))}),
        ({"daily_on": {"keywords": ["daily", "daily on"], "phrases": []}},
         {"daily_on": IntentWords(("daily", "daily on"), ())}),
    ],
)
def test_keywords_load_either_list_alone(intent_words, expected):
    raw = _shipped_raw()
    raw[KEYWORDS] = intent_words
    assert dict(build(raw).keywords) == expected


# --- broken content ------------------------------------------------------------------

Mutation = Callable[[Path], None]


def edit(file: str, change: Callable[[dict], None]) -> Mutation:
    """Load one file, change its data, write it back as YAML."""
    def apply(folder: Path) -> None:
        path = folder / file
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=ContentLoader)
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return apply


def append(file: str, source: str) -> Mutation:
    def apply(folder: Path) -> None:
        with open(folder / file, "a", encoding="utf-8") as handle:
            handle.write(source)
    return apply


def replace_file(file: str, source: str | None) -> Mutation:
    def apply(folder: Path) -> None:
        if source is None:
            (folder / file).unlink()
        else:
            (folder / file).write_text(source, encoding="utf-8")
    return apply


def msgs(change: Callable[[dict], None]) -> Mutation:
    return edit("messages.yaml", lambda data: change(data["messages"]))


def setitem(mapping: dict, key: str, value) -> None:
    mapping[key] = value


def _crisis_without_988(data: dict) -> None:
    data["crisis"] = data["crisis"].replace("988", "the Lifeline")


def _unquoted_colon_first(folder: Path) -> None:
    """Write the first mindfulness text by hand, as a person might: unquoted, with a colon."""
    path = folder / "daily.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=ContentLoader)
    rest = yaml.safe_dump({"x": data["mindfulness"][1:]}).split("\n", 1)[1]
    path.write_text(yaml.safe_dump({"encouragement": data["encouragement"]})
                    + "mindfulness:\n- Try this: breathe slowly.\n" + rest, encoding="utf-8")


BROKEN = [
    # (case, mutation, file, key, words the problem must contain)
    ("curly quote", msgs(lambda m: setitem(m, "craving", m["craving"].replace("'", "\u2019"))),
     "messages.yaml", "craving", "RIGHT SINGLE QUOTATION MARK"),
    ("emoji", edit("daily.yaml", lambda d: d["encouragement"].__setitem__(0, d["encouragement"][0] + " \U0001F4AA")),
     "daily.yaml", "encouragement[1]", "not GSM-7"),
    ("en dash", edit("safety.yaml", lambda d: setitem(d, "crisis", d["crisis"].replace(", call 911", " \u2013 call 911"))),
     "safety.yaml", "crisis", "EN DASH"),
    ("non-breaking space", msgs(lambda m: setitem(m, "support", m["support"].replace(" ", "\u00a0", 1))),
     "messages.yaml", "support", "plain space"),
    ("too long", msgs(lambda m: setitem(m, "withdrawal", m["withdrawal"] + " Rest." * 10)),
     "messages.yaml", "withdrawal", "too long"),
    ("crisis in 3 segments", edit("safety.yaml", lambda d: setitem(d, "crisis", d["crisis"] + " You are not alone in this.")),
     "safety.yaml", "crisis", "at most 2"),
    ("missing helpline number", edit("safety.yaml", lambda d: setitem(d, "helpline", "SAMHSA Helpline (free, 24/7)")),
     "safety.yaml", "helpline", HELPLINE_NUMBER),
    ("crisis without 988", edit("safety.yaml", _crisis_without_988), "safety.yaml", "crisis", "988"),
    ("unknown message id", msgs(lambda m: setitem(m, "goodbye", "Bye for now.")),
     "messages.yaml", "goodbye", "unknown key"),
    ("unknown top-level key", edit("daily.yaml", lambda d: setitem(d, "quotes", ["One day at a time."])),
     "daily.yaml", "quotes", "unknown key"),
    ("missing id", msgs(lambda m: m.pop("craving_followup")), "messages.yaml", "craving_followup", "missing"),
    ("duplicate YAML key", append("safety.yaml", '\nhelpline: "Helpline: 1-800-662-4357"\n'),
     "safety.yaml", "helpline", "twice"),
    ("duplicate daily text", edit("daily.yaml", lambda d: d["mindfulness"].__setitem__(5, d["mindfulness"][0])),
     "daily.yaml", "mindfulness[6]", "same text as daily.mindfulness[1]"),
    ("unknown placeholder", msgs(lambda m: setitem(m, "menu", m["menu"] + " {name}")),
     "messages.yaml", "menu", "{name}"),
    ("placeholder this id may not use", msgs(lambda m: setitem(m, "daily_off", m["daily_off"] + " {program}")),
     "messages.yaml", "daily_off", "not allowed"),
    ("lone brace", msgs(lambda m: setitem(m, "treatment", m["treatment"] + " {")),
     "messages.yaml", "treatment", "without its partner"),
    ("placeholder in a daily text", edit("daily.yaml", lambda d: d["encouragement"].__setitem__(0, "Hi from {program}.")),
     "daily.yaml", "encouragement[1]", "placeholders work only"),
    ("stigmatising word", edit("daily.yaml", lambda d: d["encouragement"].__setitem__(2, "Every clean day counts.")),
     "daily.yaml", "encouragement[3]", "stigmatising"),
    ("stigmatising word in capitals", msgs(lambda m: setitem(m, "treatment", "No ADDICT is beyond help. " + m["treatment"])),
     "messages.yaml", "treatment", "stigmatising"),
    ("QUIT advertised", msgs(lambda m: setitem(m, "menu", m["menu"] + "\nQUIT - stop using")),
     "messages.yaml", "menu", "QUIT"),
    ("help without STOP", msgs(lambda m: setitem(m, "help", m["help"].replace("Reply STOP to cancel.", ""))),
     "messages.yaml", "help", "STOP"),
    ("empty text", msgs(lambda m: setitem(m, "daily_off", "  ")), "messages.yaml", "daily_off", "empty"),
    ("a list where a text belongs", msgs(lambda m: setitem(m, "menu", ["CRAVING", "PLAN"])),
     "messages.yaml", "menu", "must be text"),
    ("fewer than 30 daily texts", edit("daily.yaml", lambda d: setitem(d, "encouragement", d["encouragement"][:29])),
     "daily.yaml", "encouragement", "at least 30"),
    ("missing file", replace_file("daily.yaml", None), "daily.yaml", "(file)", "not found"),
    ("empty file", replace_file("safety.yaml", ""), "safety.yaml", "(top level)", "empty; expected keys: helpline"),
    ("an unquoted colon in a daily text", _unquoted_colon_first, "daily.yaml", "mindfulness[1]", "double quotes"),
    ("unknown intent", replace_file("keywords.yaml", "dance:\n  keywords: [dance]\n"),
     "keywords.yaml", "dance", "unknown intent"),
    ("unknown keyword sub-key", replace_file("keywords.yaml", "craving:\n  synonyms: [urge]\n"),
     "keywords.yaml", "craving.synonyms", "unknown key"),
    ("empty keyword", replace_file("keywords.yaml", "craving:\n  keywords: [craving, '']\n"),
     "keywords.yaml", "craving.keywords[2]", "not empty"),
    ("same keyword under two intents",
     replace_file("keywords.yaml", "craving:\n  keywords: [urge]\nplan:\n  keywords: [plan, Urge]\n"),
     "keywords.yaml", "plan.keywords[2]", "already a keyword of craving"),
    ("duplicate key in keywords", replace_file("keywords.yaml", "plan:\n  keywords: [plan]\nplan:\n  phrases: [a plan]\n"),
     "keywords.yaml", "plan", "twice"),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped content to break."""
    for name in FILES:
        if name != KEYWORDS:
            shutil.copy(SHIPPED / name, tmp_path / name)
    (tmp_path / KEYWORDS).write_text(_keywords_source(), encoding="utf-8")
    shutil.copytree(SHIPPED / "es", tmp_path / "es")     # the Spanish texts (issue 13)
    return tmp_path


def test_the_copy_to_break_loads_unbroken(folder):
    assert load(folder) == SHIPPED_CONTENT


@pytest.mark.parametrize("case, mutate, file, key, words", BROKEN, ids=[row[0] for row in BROKEN])
def test_broken_content_is_refused_naming_the_file_and_key(folder, case, mutate, file, key, words):
    mutate(folder)
    with pytest.raises(ContentError) as caught:
        load(folder)
    error = caught.value
    assert (error.file, error.key) == (file, key), str(error)
    assert words in error.problem
    assert str(error).startswith(f"{file}: {key}: ")


def test_a_yaml_syntax_error_names_the_file_and_line(folder):
    (folder / "messages.yaml").write_text("messages:\n  menu: [unclosed\n  help: x\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load(folder)
    assert caught.value.file == "messages.yaml"
    assert re.fullmatch(r"line \d+", caught.value.key)
    assert "not valid YAML" in caught.value.problem


def test_a_bad_character_is_named_with_its_position(folder):
    msgs(lambda m: setitem(m, "daily_off", "Daily texts \u2014 paused. Text DAILY to restart."))(folder)
    with pytest.raises(ContentError) as caught:
        load(folder)
    assert "character 13" in caught.value.problem
    assert "EM DASH" in caught.value.problem
    assert "type - instead" in caught.value.problem


def test_a_too_long_text_says_how_much_to_cut(folder):
    msgs(lambda m: setitem(m, "craving", "a" * 420))(folder)  # 420 + 45 footer = 465, room for 459
    with pytest.raises(ContentError) as caught:
        load(folder)
    assert "4 segments" in caught.value.problem
    assert "Cut about 6 characters" in caught.value.problem


def test_an_unknown_file_given_to_build_is_refused():
    raw = _shipped_raw()
    raw["extra.yaml"] = {}
    with pytest.raises(ContentError) as caught:
        build(raw)
    assert (caught.value.file, caught.value.key) == ("extra.yaml", "(file)")


# --- plan.yaml ---------------------------------------------------------------------------

def plan_yaml(change: Callable[[dict], None]) -> Mutation:
    return edit("plan.yaml", change)


def test_every_plan_id_and_quit_day_exists(shipped):
    assert set(shipped.plan.flow) == set(PLAN_FLOW_IDS)
    assert set(shipped.plan.quit_days) == set(QUIT_DAY_KEYS)
    assert 3 <= len(shipped.plan.coping_options) <= 9
    assert all(day.plain for day in shipped.plan.quit_days.values())


def test_the_check_measures_a_lead_with_the_longest_question_under_it(shipped):
    report = next(r for r in REPORTS if r.id == "plan.flow.skipped")
    assert report.text.startswith(shipped.plan.flow["skipped"] + "\n")
    assert shipped.plan.coping_options[0] in report.text.casefold()
    assert (report.file, report.key) == ("plan.yaml", "flow.skipped")


def test_the_check_measures_a_check_in_day_with_its_question(shipped):
    report = next(r for r in REPORTS if r.id == "plan.quit_days.day_7.plain")
    assert shipped.plan.flow["checkin_question"] in report.text
    quiet = next(r for r in REPORTS if r.id == "plan.quit_days.day_2.plain")
    assert shipped.plan.flow["checkin_question"] not in quiet.text


def test_the_check_fills_personal_answers_at_their_longest(shipped):
    report = next(r for r in REPORTS if r.id == "plan.quit_days.quit_day.personal")
    assert "{coping}" not in report.text
    assert len(report.text) >= len(shipped.plan.quit_days[0].personal) - len("{coping}") + 60


@pytest.mark.parametrize(
    "where, needed",
    [
        ("slip", ["tolerance", "overdose", "alone", "1-800-484-3731", "naloxone", "over the counter",
                  "911", "won't wake up", "isn't breathing", "PLAN"]),
        ("plan.confirm_date", ["{date}", "is that right?", "YES", "another date"]),
        ("plan.ask_coping", ["{options}", "numbers", "own words", "SKIP"]),
        ("plan.ask_mat", ["medication-assisted treatment (MAT)", "YES", "NO", "SKIP"]),
        ("plan.ask_texts", ["{program}", "{time}", "9 texts", "Msg&data rates may apply", "YES", "NO", "STOP"]),
        ("plan.menu", ["1 Quit date", "6 Quit-date texts", "NEW"]),
        ("plan.resume_offer", ["PLAN", "pick up where you left off"]),
        ("plan.my_plan_empty", ["PLAN"]),
        ("plan.checkin_question", ["How are you doing today?", "Reply 1 (really hard) to 5 (good)"]),
        ("plan.checkin_low", ["CRAVING", "TREATMENT", HELPLINE_NUMBER, "911", "988"]),
        ("plan.checkin_high", ["great"]),
    ],
)
def test_each_plan_text_says_what_it_is_for(shipped, where, needed):
    text = shipped.plan.flow[where[5:]] if where.startswith("plan.") else shipped.messages[where]
    text = text.replace("{parts}", plan.menu_list(shipped.plan))   # the menu as PLAN sends it
    assert [words for words in needed if words.casefold() not in text.casefold()] == []


def test_the_quit_day_texts_carry_the_guides_advice(shipped):
    days = " ".join(t for day in shipped.plan.quit_days.values() for t in (day.plain, day.personal))
    for words in ("muscle aches", "anxiety", "nausea", "diarrhea", "sleep", "cramping", "over-the-counter",
                  "water", "walk", "yoga", "breathe", "NA meeting", "TREATMENT", "medication (MAT)",
                  "tolerance is lower", "overdose", "Don't use alone", "naloxone"):
        assert words in days, words


@pytest.mark.parametrize("offset", list(QUIT_DAY_KEYS))
def test_no_quit_day_text_advertises_quit(shipped, offset):
    day = shipped.plan.quit_days[offset]
    assert "QUIT" not in day.plain and "QUIT" not in day.personal


PLAN_BROKEN = [
    ("curly quote in a plan question", plan_yaml(lambda d: setitem(d["flow"], "ask_date", "What\u2019s your date? SKIP")),
     "flow.ask_date", "RIGHT SINGLE QUOTATION MARK"),
    ("missing plan id", plan_yaml(lambda d: d["flow"].pop("resume_offer")), "flow.resume_offer", "missing"),
    ("unknown plan id", plan_yaml(lambda d: setitem(d["flow"], "goodbye", "Bye.")), "flow.goodbye", "unknown key"),
    ("unknown placeholder in a plan text", plan_yaml(lambda d: setitem(d["flow"], "ask_triggers", "Hi {name}. SKIP")),
     "flow.ask_triggers", "{name}"),
    ("consent question without STOP",
     plan_yaml(lambda d: setitem(d["flow"], "ask_texts", d["flow"]["ask_texts"].replace("Reply STOP any time to end all texts.", ""))),
     "flow.ask_texts", "STOP"),
    ("a lead too long for its question", plan_yaml(lambda d: setitem(d["flow"], "skipped", "OK. " * 40)),
     "flow.skipped", "too long"),
    ("missing quit day", plan_yaml(lambda d: d["quit_days"].pop("day_30")), "quit_days.day_30", "missing"),
    ("unknown key in a quit day", plan_yaml(lambda d: setitem(d["quit_days"]["day_1"], "note", "x")),
     "quit_days.day_1.note", "unknown key"),
    ("a quit day without plain", plan_yaml(lambda d: d["quit_days"]["day_1"].pop("plain")),
     "quit_days.day_1.plain", "missing"),
    ("placeholder in a plain quit-day text",
     plan_yaml(lambda d: setitem(d["quit_days"]["day_1"], "plain", "Day 1. Lean on {people}.")),
     "quit_days.day_1.plain", "personal text"),
    ("program in a personal text",
     plan_yaml(lambda d: setitem(d["quit_days"]["day_1"], "personal", "{program} says hi to {people}.")),
     "quit_days.day_1.personal", "not allowed"),
    ("personal text without an answer",
     plan_yaml(lambda d: setitem(d["quit_days"]["day_1"], "personal", "Day 1. Hello.")),
     "quit_days.day_1.personal", "at least one of"),
    ("personal text too long with long answers",
     plan_yaml(lambda d: setitem(d["quit_days"]["day_3"], "personal", d["quit_days"]["day_3"]["personal"] + " {coping}" * 3)),
     "quit_days.day_3.personal", "too long"),
    ("stigmatising word in a quit day",
     plan_yaml(lambda d: setitem(d["quit_days"]["day_7"], "plain", "One clean week.")),
     "quit_days.day_7.plain", "stigmatising"),
    ("QUIT advertised in the plan menu", plan_yaml(lambda d: setitem(d["flow"], "menu", d["flow"]["menu"] + " Or QUIT.")),
     "flow.menu", "QUIT"),
    ("a part missing from the menu", plan_yaml(lambda d: d["menu_parts"].pop("mat")), "menu_parts.mat", "missing"),
    ("a menu part PLAN does not ask", plan_yaml(lambda d: setitem(d["menu_parts"], "mood", "Mood")),
     "menu_parts.mood", "unknown key"),
    ("a menu without its parts", plan_yaml(lambda d: setitem(d["flow"], "menu", d["flow"]["menu"].replace("{parts}", "1 Date"))),
     "flow.menu", "{parts}"),
    ("a curly quote in a menu part", plan_yaml(lambda d: setitem(d["menu_parts"], "mat", "Meds \u2019")),
     "menu_parts.mat", "RIGHT SINGLE QUOTATION MARK"),
    ("too few coping options", plan_yaml(lambda d: setitem(d, "coping_options", ["breathe", "walk"])),
     "coping_options", "3 to 9"),
    ("duplicate coping option", plan_yaml(lambda d: d["coping_options"].__setitem__(1, d["coping_options"][0].upper())),
     "coping_options[2]", "same text as plan.coping_options[1]"),
    ("unknown top-level key in plan.yaml", plan_yaml(lambda d: setitem(d, "extra", "x")), "extra", "unknown key"),
    ("duplicate key in plan.yaml", append("plan.yaml", "\ncoping_options: [a, b, c]\n"), "coping_options", "twice"),
    ("missing plan.yaml", replace_file("plan.yaml", None), "(file)", "not found"),
]


@pytest.mark.parametrize("case, mutate, key, words", PLAN_BROKEN, ids=[row[0] for row in PLAN_BROKEN])
def test_broken_plan_content_is_refused_naming_the_key(folder, case, mutate, key, words):
    mutate(folder)
    with pytest.raises(ContentError) as caught:
        load(folder)
    assert (caught.value.file, caught.value.key) == ("plan.yaml", key), str(caught.value)
    assert words in caught.value.problem


def test_a_slip_reply_without_911_is_refused(folder):
    msgs(lambda m: setitem(m, "slip", m["slip"].replace("call 911", "get help")))(folder)
    with pytest.raises(ContentError) as caught:
        load(folder)
    assert (caught.value.file, caught.value.key) == ("messages.yaml", "slip")
    assert "911" in caught.value.problem


def test_content_built_without_plan_texts_still_works(shipped):
    bare = Content(helpline=shipped.helpline, crisis=shipped.crisis, messages=shipped.messages,
                   keywords=shipped.keywords, encouragement=shipped.encouragement, mindfulness=shipped.mindfulness)
    assert dict(bare.plan.flow) == {} and bare.plan.coping_options == ()
    assert [r.id for r in check(bare) if r.id.startswith("plan.")] == []
