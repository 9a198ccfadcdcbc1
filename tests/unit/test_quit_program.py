"""The texts around a quit date: which day, what they say, and the check-ins."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

import content
from flows import gsm
from flows.content import CHECKIN_DAYS, MAX_SEGMENTS, QUIT_DAY_KEYS, QUIT_KEYWORD, STIGMA
from flows.helpline import HELPLINE_NUMBER, ensure_helpline
from flows.quit_program import (
    CHECKIN_OFFSETS,
    OFFSETS,
    checkin_reply,
    compose,
    date_for,
    is_checkin,
    next_offset,
    parse_checkin,
)

CONTENT = content.load()
QUIT = date(2026, 12, 7)
QUESTION = CONTENT.plan.text("checkin_question")
LONG = "x" * 20 + " and then " + "y" * 130
FULL = {"quit_date": "2026-12-07", "triggers": "payday and being alone at night",
        "coping": "a walk, exercise or yoga", "support": "my sister Ana", "mat": "yes", "texts": True}
PLANS = {
    "empty": {},
    "full": FULL,
    "only triggers": {"triggers": "payday"},
    "long answers": {"triggers": LONG, "coping": LONG, "support": LONG},
    "extension characters": {"triggers": "{[~]}" * 32, "coping": "^|\\" * 53, "support": "\u20ac" * 160},
    "emoji and curly quotes": {"triggers": "my ex\u2019s place \U0001F494", "coping": "\u201cbreathe\u201d",
                               "support": "m\u00e3e \u2013 Rosa"},
    "nobody": {"triggers": "idk", "coping": "nothing", "support": "no one"},
}


def test_the_offsets_are_the_days_around_the_quit_date():
    assert OFFSETS == (-3, -1, 0, 1, 2, 3, 7, 14, 30)
    assert tuple(QUIT_DAY_KEYS) == OFFSETS
    assert set(CONTENT.plan.quit_days) == set(OFFSETS)


def test_check_ins_are_days_from_the_quit_day_on():
    assert CHECKIN_OFFSETS == CHECKIN_DAYS == (1, 3, 7, 14, 30)
    assert set(CHECKIN_OFFSETS) <= {o for o in OFFSETS if o >= 0}
    assert [o for o in OFFSETS if is_checkin(o)] == list(CHECKIN_OFFSETS)


@pytest.mark.parametrize(
    "offset, expected",
    [(-3, date(2026, 12, 4)), (-1, date(2026, 12, 6)), (0, QUIT), (1, date(2026, 12, 8)),
     (30, date(2027, 1, 6))],
)
def test_date_for_moves_the_quit_date_by_the_offset(offset, expected):
    assert date_for(QUIT, offset) == expected


@pytest.mark.parametrize(
    "days_from_quit, after_today, expected",
    [
        (-10, False, -3),
        (-4, False, -3),
        (-3, False, -3),
        (-3, True, -1),
        (-2, False, -1),
        (-1, False, -1),
        (-1, True, 0),
        (0, False, 0),
        (0, True, 1),
        (1, False, 1),
        (2, False, 2),
        (3, False, 3),
        (3, True, 7),
        (4, False, 7),
        (7, False, 7),
        (8, False, 14),
        (14, True, 30),
        (29, False, 30),
        (30, False, 30),
        (30, True, None),
        (31, False, None),
        (400, False, None),
    ],
)
def test_next_offset_at_each_boundary(days_from_quit, after_today, expected):
    today = QUIT + timedelta(days=days_from_quit)
    assert next_offset(QUIT, today, after_today=after_today) == expected


@pytest.mark.parametrize("offset", OFFSETS)
def test_without_answers_each_day_gets_its_plain_text(offset):
    text = compose(offset, {}, CONTENT)
    plain = CONTENT.plan.quit_days[offset].plain
    assert text == (f"{plain}\n{QUESTION}" if is_checkin(offset) else plain)


@pytest.mark.parametrize("offset", OFFSETS)
def test_a_check_in_day_ends_with_the_question_and_no_other_day_asks_it(offset):
    text = compose(offset, FULL, CONTENT)
    assert text.endswith("\n" + QUESTION) == is_checkin(offset)
    assert ("Reply 1 (really hard) to 5 (good)" in text) == is_checkin(offset)


@pytest.mark.parametrize(
    "offset, words",
    [(-3, "my sister Ana"), (-1, "payday and being alone at night"), (0, "a walk, exercise or yoga"),
     (1, "my sister Ana"), (2, "a walk, exercise or yoga"), (3, "payday and being alone at night"),
     (7, "my sister Ana"), (30, "a walk, exercise or yoga")],
)
def test_with_answers_a_day_uses_the_persons_own_words(offset, words):
    assert words in compose(offset, FULL, CONTENT)


def test_a_personal_text_needs_every_answer_it_names():
    # day_14's personal text names triggers and coping; with triggers alone it stays plain.
    assert compose(14, {"triggers": "payday"}, CONTENT) == compose(14, {}, CONTENT)
    both = compose(14, {"triggers": "payday", "coping": "a walk"}, CONTENT)
    assert "payday" in both and "a walk" in both


def test_an_answer_that_names_nobody_is_not_quoted_back():
    assert compose(7, {"support": "no one"}, CONTENT) == compose(7, {}, CONTENT)
    assert compose(1, {"support": "Nobody."}, CONTENT) == compose(1, {}, CONTENT)


def test_a_long_answer_is_cut_with_an_ellipsis():
    text = compose(3, {"triggers": LONG}, CONTENT)
    assert "x" * 20 + " and then" in text
    assert "y" * 130 not in text
    assert "..." in text and "...." not in text


def test_an_answer_with_its_own_full_stop_gets_no_second_one():
    text = compose(1, {"support": "my sister."}, CONTENT)
    assert "my sister." in text and "my sister.." not in text


def test_braces_in_an_answer_are_sent_as_written_not_filled():
    text = compose(0, {"coping": "{triggers} {0}"}, CONTENT)
    assert "{triggers} {0}" in text


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("plan_name", list(PLANS))
def test_every_composed_text_passes_the_content_checks(offset, plan_name):
    text = compose(offset, PLANS[plan_name], CONTENT)
    sent = ensure_helpline(text, CONTENT.helpline)
    assert gsm.is_gsm7(sent)
    assert gsm.segments(sent) <= MAX_SEGMENTS
    assert HELPLINE_NUMBER in sent
    assert STIGMA.search(text) is None and QUIT_KEYWORD.search(text) is None
    assert re.search(r"\{(triggers|coping|people)\}", text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 5),
        (" 5! ", 5), ("5.", 5), ("3 ok", 3), ("3 - ok I guess", 3), ("four", 4), ("Five!!", 5),
        ("4/5", 4), ("2 out of 5", 2), ("I'm a 2", 2), ("im a 1 today", 1), ("it\u2019s a 4", 4),
        ("0", None), ("6", None), ("10", None), ("1-5", None), ("2.5", None), ("3 or 4", None),
        ("six", None), ("", None), ("ok", None), ("good", None), ("I used 3 times", None),
        ("yes", None), ("15", None),
    ],
)
def test_a_check_in_answer_is_a_score_only_when_it_starts_with_one(text, expected):
    assert parse_checkin(text) == expected


@pytest.mark.parametrize("score", [1, 2])
def test_a_low_score_offers_craving_help_treatment_and_the_helpline(score):
    reply = checkin_reply(score, CONTENT)
    assert "CRAVING" in reply and "TREATMENT" in reply and HELPLINE_NUMBER in reply
    assert "911" in reply


def test_a_middling_score_gets_a_kind_word():
    assert checkin_reply(3, CONTENT) == CONTENT.plan.text("checkin_mid")


@pytest.mark.parametrize("score", [4, 5])
def test_a_high_score_is_celebrated(score):
    reply = checkin_reply(score, CONTENT)
    assert reply == CONTENT.plan.text("checkin_high")
    assert "great" in reply


def test_each_score_band_gets_a_different_reply():
    assert len({checkin_reply(score, CONTENT) for score in (1, 3, 5)}) == 3


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_score_outside_1_to_5_is_refused(score):
    with pytest.raises(ValueError):
        checkin_reply(score, CONTENT)
