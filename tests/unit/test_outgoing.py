"""The one door for outgoing texts (flows.outgoing): whatever a composer wrote, what leaves
carries the helpline once, is GSM-7 and fits in MAX_SEGMENTS."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from flows import gsm
from flows.helpline import HELPLINE_NUMBER
from flows.content_schema import SPANISH_UCS2
from flows.outgoing import MAX_SEGMENTS, outgoing, segment_limit

FOOTER = "SAMHSA Helpline: 1-800-662-4357 (free, 24/7)"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=2000))
def test_whatever_a_composer_wrote_leaves_safe(text):
    sent = outgoing(text, FOOTER)
    assert HELPLINE_NUMBER in sent
    # GSM-7, but for Spanish's á í ó ú (UCS-2 then, with as many characters: segment_limit).
    assert all(gsm.is_gsm7(char) or char in SPANISH_UCS2 for char in sent)
    assert gsm.segments(sent) <= segment_limit(MAX_SEGMENTS, sent)


def test_spanish_accents_are_kept_within_the_same_room_in_characters():
    sent = outgoing("Respira despacio. Aquí estás, sí. \u201cCalma\u201d \u2764", FOOTER)
    assert sent.startswith('Respira despacio. Aquí estás, sí. "Calma"') and gsm.encoding(sent) == gsm.UCS2
    assert segment_limit(3, sent) == 7 and segment_limit(2, sent) == 5 and segment_limit(3, "plain") == 3
    long = outgoing("Sí, aquí. " * 60, FOOTER)        # 600 characters: over 7 UCS-2 segments
    assert long.endswith(FOOTER) and gsm.is_gsm7(long) and gsm.segments(long) <= MAX_SEGMENTS


def test_the_footer_is_added_once_and_a_text_that_gives_the_number_keeps_its_words():
    assert outgoing("Breathe in for 4.", FOOTER) == f"Breathe in for 4.\n{FOOTER}"
    assert outgoing(f"Call {HELPLINE_NUMBER} now.", FOOTER) == f"Call {HELPLINE_NUMBER} now."
    assert outgoing(outgoing("Hi", FOOTER), FOOTER) == outgoing("Hi", FOOTER)


def test_a_long_text_is_cut_at_a_word_and_keeps_the_footer_whole():
    sent = outgoing("one more step " * 80, FOOTER)
    body, footer = sent.rsplit("\n", 1)
    assert footer == FOOTER
    assert body.endswith("...") and " ".join(body[:-3].split()) in " ".join(("one more step " * 80).split())
    assert gsm.segments(sent) == MAX_SEGMENTS


def test_a_persons_own_words_are_folded_to_gsm7_not_sent_as_ucs2():
    sent = outgoing("my sister Zoë \u2764\ufe0f \u201cmy rock\u201d", FOOTER)
    assert gsm.is_gsm7(sent) and '"my rock"' in sent


def test_a_footer_without_the_number_is_refused():
    with pytest.raises(ValueError):
        outgoing("hi", "SAMHSA Helpline")
