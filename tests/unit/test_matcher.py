"""The matcher: what a person's text asks for, from content/keywords.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.carrier import carrier_keyword
from flows.content import ContentError, IntentWords
from flows.crisis import is_crisis
from flows.intents import MATCHABLE
from flows.content_validate import keywords as validated_keywords
from flows.matcher import Matcher, canonical_tokens

KEYWORDS_FILE = Path(__file__).resolve().parents[2] / "content" / "keywords.yaml"


def shipped_keywords() -> dict[str, IntentWords]:
    """The shipped keywords.yaml, read the way the content loader reads it."""
    with open(KEYWORDS_FILE, encoding="utf-8") as fh:
        return validated_keywords(yaml.safe_load(fh))


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(shipped_keywords())


CASES = {
    "craving": [
        "CRAVING", "craving", "Cravings!", "cravings...", "  craving  ", "craving pls",
        "hi craving", "URGE", "urges", "jonesing", "fiending", "cravng", "cravin", "crvaing",
        "I really want to use right now", "i want to use so bad",
        "i wanna use", "i need a fix", "need a fix bad", "i want to get high tonight",
        "thinking about calling my dealer", "about to text my dealer",
        "i'm craving so bad", "this craving is killing me", "want some dope",
        "want to score", "im about to relapse", "im fiending hard",
        "cant stop thinking about using", "i want 2 use", "i want to use rn",
    ],
    "plan": [
        "PLAN", "plan", "Plans", "plan please", "quit plan", "QUITPLAN", "quit date",
        "help me make a quit plan", "I want to quit", "i wanna quit", "i want to quit heroin",
        "set a quit date", "how do i quit", "i want to stop using", "i dont want to use anymore",
        "help me make a plan", "im ready to quit", "i need a plan",
        "how can i quit dope", "i don't want to use", "i never want to use again",
    ],
    "withdrawal": [
        "WITHDRAWAL", "withdrawals", "withdrawl", "withdrawel", "withdrawal!!", "sick",
        "dope sick", "dopesick", "DOPE-SICK", "im so dopesick", "i'm dope sick",
        "im sick af", "kicking", "detoxing", "cold turkey", "symptoms",
        "how long does withdrawal last", "my bones hurt and i have cold sweats",
        "restless legs all night", "throwing up all day", "i feel sick",
        "withdrawl symptoms", "going thru withdrawls", "dopesik", "dope sik",
        "i need to get well", "i'm kicking it cold turkey", "got the chills", "my body hurts",
    ],
    "treatment": [
        "TREATMENT", "treatment", "tretment", "treatmnet", "MAT", "mat", "suboxone", "Suboxone?",
        "subs", "methadone", "methadon", "rehab", "detox", "where can i get suboxone",
        "how do i get on methadone", "i need treatment", "find a rehab near me",
        "is there a methadone clinic", "can i get suboxone", "i want to go to detox",
        "i need a doctor", "vivitrol", "sublocade", "buprenorphine", "bupe",
        "where do i get subaxone",
    ],
    "support": [
        "SUPPORT", "support", "suport", "meetings", "meeting", "meetngs", "NA", "na",
        "group", "groups", "sponsor", "find a meeting", "is there an na meeting tonight",
        "narcotics anonymous", "i need someone to talk to", "i feel so alone",
        "support groups near me", "i need a sponsor", "i need support",
        "where can i find narcotics anonymus", "i need a sponser", "any meetings", "na near me",
        "aa meeting tonight?",
    ],
    "mindfulness": [
        "BREATHE", "breathe", "breath", "breathing", "calm", "mindful", "meditate",
        "meditation", "medtation", "relax", "anxious", "panic", "stressed",
        "help me calm down", "i cant calm down", "im panicking", "having a panic attack",
        "breathing exercise", "i'm so anxious", "my mind is racing", "i'm freaking out",
        "can you send a breathing exercise", "mindfulness",
    ],
    "daily_on": [
        "DAILY", "daily", "Daily!", "daily on", "DAILY ON", "subscribe", "daily texts",
        "text me every day", "sign me up for daily messages", "can you text me everyday",
        "i want daily messages", "daily encouragement please", "dialy", "daliy",
        "send me daily encouragement",
    ],
    "daily_off": [
        "DAILY OFF", "daily off", "Daily Off.", "daily-off", "dailyoff", "daily of",
        "daily offf", "pause", "PAUSE", "no more daily texts", "stop the daily texts",
        "STOP DAILY", "stop daily please", "cancel daily", "turn off daily messages",
        "i dont want daily texts anymore", "too many texts", "unsubscribe from daily",
        "stop texting me every day", "no daily",
    ],
    "slip": [
        "SLIP", "slip", "i relapsed", "I slipped last night", "i used", "I used again", "i messed up",
        "relapsed", "i just used", "had a slip", "i went back to using",
    ],
    "my_plan": ["MY PLAN", "my plan", "show my plan", "what is my plan", "myplan"],
}
CASE_TABLE = [(intent, text) for intent, texts in CASES.items() for text in texts]

NEAR_MISSES = [
    "i used to smoke a lot", "hello", "hi", "ok", "okay", "thanks", "thank you", "lol", "what?", "?", "", "   ",
    "\U0001F600", "pain", "plain", "pan", "dairy", "carving a pumpkin", "cause",
    "parse this", "melting", "i'm sick of this", "so sick of waiting", "sick of it",
    "i am not craving anything",
    "yes", "no", "who is this", "how are you", "good morning", "i'm fine",
    "my name is sam", "where are you located", "what time is it",
    "i'm finding it hard", "swearing a lot", "the sea", "testing", "my mom found out",
    "chill", "i'm kicking it with friends", "im so tired of this",
]


@pytest.mark.parametrize("intent, text", CASE_TABLE)
def test_a_text_reaches_its_intent(matcher, intent, text):
    assert matcher.match(text) == intent, text


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_a_near_miss_matches_nothing_that_changes_the_conversation(matcher, text):
    hit = matcher.match(text)
    assert hit is None, (text, hit)


def test_every_matchable_intent_has_a_table(matcher):
    assert set(CASES) == set(MATCHABLE)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("stop the daily texts", "daily_off"),          # longer than "daily texts"
        ("i want to quit but im so dopesick", "plan"),  # "i want to quit" is longer
        ("no more daily messages please", "daily_off"),
        ("sign me up for daily mindfulness", "daily_on"),
        ("help me calm down", "mindfulness"),
    ],
)
def test_the_longest_phrase_wins(matcher, text, intent):
    assert matcher.match(text) == intent


def test_a_phrase_after_a_negation_is_skipped(matcher):
    assert matcher.match("i'm not dopesick") is None
    assert matcher.match("i am not craving") is None


def test_sick_of_means_fed_up_not_withdrawal(matcher):
    assert matcher.match("im so sick of this") is None
    assert matcher.match("im so sick") == "withdrawal"


@pytest.mark.parametrize("text", ["plan", "pain", "plans", "plane"])
def test_short_words_must_match_exactly(matcher, text):
    assert matcher.match(text) == ("plan" if text in ("plan", "plans") else None)


def test_an_empty_table_matches_nothing():
    assert Matcher({}).match("craving") is None


def test_the_matcher_reads_only_what_it_is_given():
    words = {"craving": IntentWords(keywords=("urge",), phrases=("need a fix",))}
    m = Matcher(words)
    assert m.match("URGE") == "craving"
    assert m.match("i need a fix") == "craving"
    assert m.match("plan") is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_match_never_raises_and_returns_a_known_intent(matcher, text):
    assert matcher.match(text) in (None, *MATCHABLE)


def test_canonical_tokens_expand_slang_and_fold_plurals():
    assert canonical_tokens("I wanna use RN!!") == ("i", "want", "to", "use", "right", "now")
    assert canonical_tokens("Cravings") == ("craving",)
    assert canonical_tokens("I really just want dope") == ("i", "want", "dope")
    assert canonical_tokens("craaaaving") == ("craving",)
    assert canonical_tokens("DAILIES") == ("daily",)


# -- the shipped file ----------------------------------------------------------------

def test_the_shipped_file_lists_every_matchable_intent():
    with open(KEYWORDS_FILE, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    assert set(raw) == set(MATCHABLE)
    for intent in MATCHABLE:
        assert raw[intent]["keywords"], intent
        assert raw[intent]["phrases"], intent


def _entries():
    for intent, words in shipped_keywords().items():
        for item in words.keywords:
            yield intent, "keywords", item
        for item in words.phrases:
            yield intent, "phrases", item


ENTRIES = list(_entries())


@pytest.mark.parametrize("intent, kind, text", ENTRIES)
def test_every_shipped_word_reaches_its_own_intent(matcher, intent, kind, text):
    assert matcher.match(text) == intent, (kind, text)


@pytest.mark.parametrize("intent, kind, text", ENTRIES)
def test_no_shipped_word_is_a_carrier_keyword_or_a_crisis(intent, kind, text):
    assert carrier_keyword(text) is None, (intent, text)
    assert carrier_keyword(text, opted_out=True) is None, (intent, text)
    assert not is_crisis(text), (intent, text)


def test_a_one_word_phrase_is_long_enough_to_be_specific():
    short = [
        text for _, kind, text in ENTRIES
        if kind == "phrases" and len(canonical_tokens(text)) == 1 and len(canonical_tokens(text)[0]) < 5
    ]
    assert short == []


def test_no_shipped_word_is_a_lone_quit():
    assert all(canonical_tokens(text) != ("quit",) for _, _, text in ENTRIES)


# -- the one keywords validator (flows.content_validate.keywords) ---------------------------

def test_the_keywords_validator_builds_intent_words():
    words = validated_keywords({"plan": {"keywords": ["PLAN"], "phrases": ["quit plan"]}})
    assert words["plan"] == IntentWords(keywords=("PLAN",), phrases=("quit plan",))


@pytest.mark.parametrize(
    "raw, key, problem",
    [
        ({"cravings": {"keywords": ["x"]}}, "cravings", "unknown intent"),
        ({"plan": ["plan"]}, "plan", "expected keywords: and phrases:"),
        ({"plan": {"keywords": "plan"}}, "plan.keywords", "must be a list"),
        ({"plan": {"keywords": ["plan", 3]}}, "plan.keywords[2]", "not empty"),
        ({"plan": {"keywords": ["!!!"]}}, "plan.keywords[1]", "no words left"),
        ({"plan": {"words": ["plan"]}}, "plan.words", "unknown key"),
        ({"plan": {"keywords": ["Urge"]}, "craving": {"phrases": ["urges"]}}, "craving.phrases[1]", "already a keyword of plan"),
        ({"plan": {"phrases": ["my urge"]}, "craving": {"keywords": ["MY URGES"]}}, "craving.keywords[1]", "already a phrase of plan"),
        (["plan"], "(top level)", "expected intents"),
    ],
)
def test_a_bad_keywords_file_names_the_key_and_the_problem(raw, key, problem):
    with pytest.raises(ContentError) as info:
        validated_keywords(raw)
    assert info.value.file == "keywords.yaml"
    assert info.value.key == key
    assert problem in info.value.problem


# -- privacy by text (issue 12): read from their words only ---------------------------------
# Added at the end: the equality test above reads CASES when it runs.
PRIVACY_CASES = {
    "delete": ["DELETE", "delete", "Delete!", "delete my data", "erase everything", "forget me",
               "erase my number", "borrar mis datos", "borra mis datos", "olvidame", "please delete my info"],
    "my_data": ["MY DATA", "my data", "what do you keep on me", "what info do you have on me", "mis datos"],
    "private": ["PRIVATE", "private", "discreet", "Discreet texts", "keep my texts private"],
    "private_off": ["PRIVATE OFF", "private off", "discreet off"],
}
CASES.update(PRIVACY_CASES)

# Issue 13: choosing a language, by its words only.
LANGUAGE_CASES = {
    "spanish": ["ESPANOL", "Español", "SPANISH", "en español", "hablas espanol?", "castellano"],
    "english": ["ENGLISH", "ingles", "INGLÉS", "en ingles", "do you speak english"],
}
CASES.update(LANGUAGE_CASES)


@pytest.mark.parametrize("intent, text", [(i, t) for i, texts in LANGUAGE_CASES.items() for t in texts])
def test_a_language_is_chosen_from_its_words(matcher, intent, text):
    assert matcher.match(text) == intent, text


@pytest.mark.parametrize("intent, text", [(i, t) for i, texts in PRIVACY_CASES.items() for t in texts])
def test_a_privacy_request_is_matched_from_its_words(matcher, intent, text):
    assert matcher.match(text) == intent
    from flows.intents import BY_WORDS_ONLY

    assert matcher.phrase(text, BY_WORDS_ONLY) == intent or matcher.keyword(text) == intent
