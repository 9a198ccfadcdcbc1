"""Invariant 1: whatever the text, what is sent carries the SAMHSA Helpline number."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.helpline import HELPLINE_NUMBER, ensure_helpline

FOOTER = "SAMHSA Helpline: 1-800-662-4357 (free, 24/7)"


def test_the_number_is_samhsas_national_helpline():
    assert HELPLINE_NUMBER == "1-800-662-4357"


def test_a_text_without_the_number_gets_the_footer_on_a_new_line():
    assert ensure_helpline("Breathe in for 4.", FOOTER) == "Breathe in for 4.\n" + FOOTER


def test_a_text_that_already_has_the_number_is_unchanged():
    text = "Call 911. SAMHSA Helpline: 1-800-662-4357"
    assert ensure_helpline(text, FOOTER) is text


def test_an_empty_text_becomes_the_footer_alone():
    assert ensure_helpline("", FOOTER) == FOOTER


def test_a_footer_without_the_number_is_refused():
    with pytest.raises(ValueError, match="1-800-662-4357"):
        ensure_helpline("hello", "SAMHSA Helpline (free, 24/7)")


@given(st.text())
def test_any_text_comes_out_with_the_number(text):
    assert HELPLINE_NUMBER in ensure_helpline(text, FOOTER)


@given(st.text())
def test_applying_it_twice_changes_nothing(text):
    once = ensure_helpline(text, FOOTER)
    assert ensure_helpline(once, FOOTER) == once


@given(st.text())
def test_the_original_words_are_kept_in_front(text):
    assert ensure_helpline(text, FOOTER).startswith(text)
