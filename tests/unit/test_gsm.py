"""GSM-7 detection and segment counting, against known examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows import gsm


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("{" * 80, 1),                      # 160 septets
        ("{" * 81, 2),                      # 162 septets
        ("a" * 159 + "€", 2),               # the euro sign costs 2
        ("a" * 152 + "{" + "a" * 152, 3),   # 306 septets, but an escape pair is never split
        ("é" * 160, 1),
        ("ê" * 70, 1),
        ("ê" * 71, 2),
        ("ê" * 134, 2),
        ("ê" * 135, 3),
        ("\u2019" + "a" * 69, 1),           # one curly quote makes the whole text UCS-2
        ("\u2019" + "a" * 70, 2),
        ("\U0001F600" * 35, 1),             # an emoji is 2 UTF-16 units
        ("\U0001F600" * 36, 2),
    ],
)
def test_segments_match_known_examples(text, expected):
    assert gsm.segments(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello, you're doing well. Call 988.", True),
        ("{braces} [brackets] ~ | ^ \\ \u20ac", True),
        ("caf\u00e9 \u00e0 \u00d1 \u00fc \u00a3 \u00a5 \u00a7 \u00bf \u00a1", True),
        ("line one\nline two", True),
        ("for\u00eat", False),            # e with circumflex
        ("don\u2019t", False),            # right single quotation mark
        ("\u201cquoted\u201d", False),
        ("9\u20135", False),              # en dash
        ("wait\u2014breathe", False),     # em dash
        ("a\u00a0b", False),              # non-breaking space
        ("strong \U0001F4AA", False),     # emoji
        ("\x1b", False),                  # the bare escape is not text
        ("tab\there", False),
    ],
)
def test_is_gsm7_knows_the_character_set(text, expected):
    assert gsm.is_gsm7(text) is expected
    assert gsm.encoding(text) == ("GSM-7" if expected else "UCS-2")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("plain text", None),
        ("don\u2019t", (3, "\u2019")),
        ("ok \U0001F4AA then \u2014", (3, "\U0001F4AA")),
        ("\u00eatre", (0, "\u00ea")),
    ],
)
def test_first_non_gsm_names_the_first_bad_character_and_its_index(text, expected):
    assert gsm.first_non_gsm(text) == expected


def test_extension_characters_cost_two_septets():
    assert gsm.units("a{b}") == [1, 2, 1, 2]


@given(st.text(alphabet=sorted(gsm.BASIC), min_size=1, max_size=1000))
def test_basic_text_segments_follow_the_160_and_153_rule(text):
    n = len(text)
    expected = 1 if n <= 160 else -(-n // 153)
    assert gsm.segments(text) == expected


GSM_TEXT = st.text(alphabet=sorted(gsm.BASIC | gsm.EXTENSION), max_size=600)


@given(GSM_TEXT, GSM_TEXT)
def test_adding_words_never_takes_fewer_segments(text, more):
    assert gsm.segments(text + more) >= gsm.segments(text)


@given(GSM_TEXT)
def test_segments_hold_every_septet(text):
    single, per_part = gsm.LIMITS[gsm.GSM7]
    capacity = single if gsm.segments(text) <= 1 else gsm.segments(text) * per_part
    assert sum(gsm.units(text)) <= capacity


# --- a person's own words, made sendable ----------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("my sister\u2019s place", "my sister's place"),
        ("Jos\u00e9 \u2014 my sponsor", "Jos\u00e9 - my sponsor"),      # \u00e9 is GSM-7: kept
        ("caf\u00ea\u2026", "cafe..."),                                 # \u00ea is not: the letter stays
        ("ok \U0001F4AA\U0001F4AA  go", "ok go"),
        ("tab\there", "tab here"),
    ],
)
def test_to_gsm_keeps_the_words_and_drops_what_gsm7_cannot_send(text, expected):
    assert gsm.to_gsm(text) == expected
    assert gsm.is_gsm7(gsm.to_gsm(text))


def test_shorten_cuts_at_a_word_and_marks_the_cut():
    assert gsm.shorten("being alone at night", 60) == "being alone at night"
    assert gsm.shorten("being alone at night after work", 20) == "being alone at..."
    assert gsm.shorten("anything", 2) == ".."


@given(st.text(max_size=300), st.integers(min_value=0, max_value=200))
def test_shorten_never_exceeds_its_limit_and_is_always_gsm7(text, limit):
    short = gsm.shorten(text, limit)
    assert gsm.septets(short) <= limit
    assert gsm.is_gsm7(short)
