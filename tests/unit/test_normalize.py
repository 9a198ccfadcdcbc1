"""normalize: one plain form for every way a phone can spell the same words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.normalize import fold, normalize, normalize_keep_apostrophes, tokens

EXAMPLES = [
    ("STOP", "stop"),
    ("  Stop.  ", "stop"),
    ("Don\u2019t", "dont"),
    ("DON'T", "dont"),
    ("don\u00b4t", "dont"),
    ("don`t", "dont"),
    ("I\u2019m ok", "im ok"),
    ("\u201cquoted\u201d", "quoted"),
    ("'stop'", "stop"),
    ("DAILY\u2014OFF", "daily off"),
    ("dope-sick", "dope sick"),
    ("k.m.s", "k m s"),
    ("help\U0001F600me", "help me"),
    ("I \u2764\ufe0f you", "i you"),
    ("thumbs \U0001F44D\U0001F3FD up", "thumbs up"),
    ("st\u200bop", "stop"),
    ("tab\there\nnew line\r\n", "tab here new line"),
    ("bell\x07char", "bellchar"),
    ("\uff33\uff34\uff2f\uff30", "stop"),
    ("\u2460 one", "1 one"),
    ("what???", "what"),
    ("24/7", "24 7"),
    ("no quiero vivir m\u00e1s", "no quiero vivir m\u00e1s"),
    ("", ""),
    ("   ", ""),
    ("!!!", ""),
    ("\U0001F622\U0001F622", ""),
    ("rock'n'roll", "rocknroll"),
    ("under_score", "under score"),
]


@pytest.mark.parametrize("raw, expected", EXAMPLES)
def test_normalize_gives_the_plain_form(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [("I OD'd", "i od d"), ("can\u2019t", "can t"), ("'stop'", "stop"), ("Hello!", "hello")],
)
def test_the_apostrophe_variant_splits_inner_apostrophes(raw, expected):
    assert normalize_keep_apostrophes(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("No quiero vivir M\u00c1S", "no quiero vivir mas"),
        ("hacerme da\u00f1o", "hacerme dano"),
        ("respiraci\u00f3n", "respiracion"),
        ("plain", "plain"),
    ],
)
def test_fold_removes_accents_after_normalizing(raw, expected):
    assert fold(raw) == expected


def test_tokens_are_the_words_of_the_normalized_text():
    assert tokens(" Need   a FIX!! ") == ["need", "a", "fix"]
    assert tokens("") == []
    assert tokens("\U0001F600") == []


@pytest.mark.parametrize("value", [None, 42, b"bytes"])
def test_normalize_survives_something_that_is_not_a_string(value):
    assert isinstance(normalize(value), str)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_normalize_of_any_text_is_a_string_and_idempotent(text):
    once = normalize(text)
    assert isinstance(once, str)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalized_text_has_no_case_edges_runs_or_punctuation(text):
    once = normalize(text)
    assert once == once.strip()
    assert "  " not in once
    assert "'" not in once
    assert once == once.lower()
    assert not any(ch in once for ch in "!?.,;:\"()[]{}\n\t")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_and_the_apostrophe_variant_are_idempotent(text):
    folded = fold(text)
    assert fold(folded) == folded
    spaced = normalize_keep_apostrophes(text)
    assert normalize_keep_apostrophes(spaced) == spaced


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=1))
def test_plain_ascii_words_only_change_case(word):
    assert normalize(word) == word.lower()


@pytest.mark.parametrize(("text", "expected"), [
    ("Fri\u2019day  8\u201330PM", "fri'day 8-30pm"),
    ("St. Louis, MO", "st. louis, mo"),
    ("  TEXT me at 7:30\n", "text me at 7:30"),
    (None, ""),
])
def test_lowered_keeps_punctuation_and_plains_the_look_alikes(text, expected):
    from flows.normalize import lowered
    assert lowered(text) == expected
