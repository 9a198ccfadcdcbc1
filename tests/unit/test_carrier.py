"""Carrier keywords: STOP, START and HELP behave as Twilio's default handling does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.carrier import (
    HELP_WORDS,
    OTHER_STOP_WORDS,
    START_WORDS,
    STOP_WORDS,
    carrier_blocked,
    carrier_keyword,
)


def _variants(word: str) -> list[str]:
    return [
        word, word.lower(), word.title(), f"{word}.", f" {word}!! ", f"{word.lower()}?",
        f"\u201c{word}\u201d", f"{word} \U0001F6D1", f"\t{word}\n", f"'{word.lower()}'",
        f"...{word}...", "\uff33\uff34\uff2f\uff30" if word == "STOP" else word.swapcase(),
    ]


STOP_TABLE = [(word, text) for word in STOP_WORDS for text in _variants(word)]
START_TABLE = [(word, text) for word in START_WORDS for text in _variants(word)]
HELP_TABLE = [(word, text) for word in HELP_WORDS for text in _variants(word)]


@pytest.mark.parametrize("word, text", STOP_TABLE)
def test_every_stop_word_opts_out_in_any_case_or_punctuation(word, text):
    assert carrier_keyword(text) == ("stop", word)


@pytest.mark.parametrize("word, text", START_TABLE)
def test_start_and_unstop_opt_back_in(word, text):
    assert carrier_keyword(text) == ("start", word)
    assert carrier_keyword(text, opted_out=True) == ("start", word)


@pytest.mark.parametrize("word, text", HELP_TABLE)
def test_help_and_info_as_the_whole_message_ask_for_help(word, text):
    assert carrier_keyword(text) == ("help", word)


@pytest.mark.parametrize(
    "text, keyword",
    [
        ("STOP ALL", "STOPALL"),
        ("stop all", "STOPALL"),
        ("Opt out", "OPTOUT"),
        ("opt-out", "OPTOUT"),
        ("OPT OUT please", "OPTOUT"),
        ("please stop", "STOP"),
        ("Stop please.", "STOP"),
        ("stop pls", "STOP"),
        ("STOP STOP STOP", "STOP"),
        ("stop it", "STOP"),
        ("stop now thanks", "STOP"),
        ("stop texting", "STOP"),
        ("unsubscribe please", "UNSUBSCRIBE"),
        ("cancel pls", "CANCEL"),
        ("un-subscribe", "UNSUBSCRIBE"),
        ("unsubscibe", "UNSUBSCRIBE"),
        ("unsubcribe", "UNSUBSCRIBE"),
    ],
)
def test_a_stop_word_with_politeness_around_it_still_opts_out(text, keyword):
    assert carrier_keyword(text) == ("stop", keyword)


PLAIN_OPT_OUTS = [
    "stop texting me",
    "Please stop texting me!",
    "can you stop messaging me",
    "why wont you stop texting me",
    "stop sending me messages",
    "stop sending me these texts",
    "stop the texts",
    "unsubscribe me",
    "how do i unsubscribe",
    "opt me out",
    "i want to opt out",
    "remove me",
    "remove me from this list",
    "take me off your list",
    "dont text me anymore",
    "do not text me",
    "Don\u2019t message me again",
    "no more texts",
    "no more messages please",
    "i dont want these texts",
    "cancel my subscription",
    "I revoke consent",
    "wrong number",
    "you have the wrong number",
    "no mas mensajes",
    "no me mandes mas",
]


@pytest.mark.parametrize("text", PLAIN_OPT_OUTS)
def test_a_clear_plain_language_opt_out_is_a_phrase_opt_out(text):
    assert carrier_keyword(text) == ("stop", "phrase")


# Spanish and Canadian French opt-out words, as the whole message (any case, accents).
OTHER_STOP_TABLE = [(word, text) for word in OTHER_STOP_WORDS for text in _variants(word)] + [
    ("ARRET", "ARRÊT"), ("ARRET", "arrêt"), ("ARRET", "Arrêt!"), ("PARAR", "PARÁR"),
    ("ALTO", "¡Alto!"), ("BASTA", "¡¡BASTA!!"), ("BAJA", "Baja."),
]


@pytest.mark.parametrize("word, text", OTHER_STOP_TABLE)
def test_spanish_and_canadian_french_opt_out_words_opt_out_as_the_whole_message(word, text):
    assert carrier_keyword(text) == ("stop", word)
    assert carrier_keyword(text, opted_out=True) == ("stop", word)


@pytest.mark.parametrize(
    "text",
    ["no más mensajes", "No MÁS mensajes por favor", "no me mandes más", "No me mandes más mensajes",
     "ya no me envíes más", "no me mandes mensajes", "quiero darme de baja", "dame de baja"],
)
def test_spanish_opt_outs_count_with_or_without_accents(text):
    assert carrier_keyword(text) == ("stop", "phrase")


# A Spanish request about the daily texts is no full opt-out (which would silence the
# crisis replies too): the matcher sends it to daily_off (tests/unit/test_consent.py).
SPANISH_DAILY_REQUESTS = [
    "no mas mensajes diarios",
    "No más mensajes DIARIOS!",
    "ya no quiero los mensajes diarios",
    "para los mensajes de cada dia",
    "para los mensajes de cada día",
    "no mas recordatorios",
    "no más recordatorios, gracias",
    "no me mandes mas mensajes diarios",
    "no me mandes más el recordatorio",
    "no mas textos de cada dia",
    "no mas mensajes todos los días",
    "ya no me mandes mensajes cada mañana",
    "no me escribas por las mañanas",
    "no más mensajes con la frase diaria",
]


@pytest.mark.parametrize("text", SPANISH_DAILY_REQUESTS)
def test_a_spanish_request_about_the_daily_texts_is_no_opt_out(text):
    assert carrier_keyword(text) is None, text
    assert carrier_keyword(text, opted_out=True) is None, text


@pytest.mark.parametrize(
    "text, expected",
    [("PARAR", ("stop", "PARAR")), ("alto", ("stop", "ALTO")), ("¡Basta!", ("stop", "BASTA")),
     ("no más mensajes", ("stop", "phrase")), ("no me mandes más", ("stop", "phrase")),
     ("no mas mensajes por favor", ("stop", "phrase")), ("no más textos", ("stop", "phrase")),
     ("dame de baja", ("stop", "phrase")),
     # "mañana" alone is "tomorrow", no daily word: still a full opt-out.
     ("no me mandes más mensajes mañana", ("stop", "phrase"))],
)
def test_a_spanish_stop_without_the_daily_words_still_opts_out_fully(text, expected):
    assert carrier_keyword(text) == expected


# Near misses of the Spanish and French words: everyday Spanish, and texts a person in
# distress may send. None of them is an opt-out.
NOT_SPANISH_OPT_OUTS = [
    "para que sirve", "para que sirve la naloxona", "para mi", "es para mi hermano",
    "mi mente no para", "no para de llorar", "dame algo para calmarme", "para que sigo vivo",
    "ya basta, quiero dejarlo", "ya basta", "basta de drogas", "alto riesgo", "estoy en alto",
    "baja la dosis", "me siento bajo", "tengo la presion baja", "cancelar mi plan",
    "quiero parar de usar", "como paro", "no puedo parar", "parar de usar",
    "no más drogas", "no más", "no me dejes",
]


@pytest.mark.parametrize("text", NOT_SPANISH_OPT_OUTS)
def test_spanish_near_misses_do_not_opt_out(text):
    assert (carrier_keyword(text) or ("", ""))[0] != "stop", text


NOT_OPT_OUTS = [
    "i want to stop using",
    "I want to stop",
    "how do i stop",
    "how do i stop craving",
    "i need to stop",
    "i want to quit",
    "I QUIT",
    "i quit yesterday",
    "quit plan",
    "help me quit",
    "stop using heroin",
    "i stopped using 3 days ago",
    "it wont stop",
    "the cravings wont stop",
    "stop texting my dealer",
    "i need to stop texting my dealer",
    "i want to stop this habit",
    "leave me alone",
    "go away",
    "the end",
    "end of the day",
    "cancel this plan",
    "i want to end my daily texts",
    "stop the daily texts",
    "STOP DAILY",
    "stop sending daily messages",
    "unsubscribe from the daily texts",
    "i called the wrong number earlier",
    "don't stop",
    "never stop believing",
    "start",
    "startle",
    "stopped",
    "stops",
    "stop sign",
    "stop being sick",
    "",
    "   ",
    "\U0001F6D1",
]


@pytest.mark.parametrize("text", NOT_OPT_OUTS)
def test_a_sentence_that_only_mentions_stopping_does_not_opt_out(text):
    assert (carrier_keyword(text) or ("", ""))[0] != "stop", text


@pytest.mark.parametrize("text", ["yes", "YES", "Yes!", " yes ", "yes.", "'Yes'"])
def test_yes_opts_in_only_someone_who_has_opted_out(text):
    assert carrier_keyword(text) is None
    assert carrier_keyword(text, opted_out=True) == ("start", "YES")


# Twilio opts in on START, UNSTOP and YES as the whole message only; on anything else it
# keeps blocking the number, so Steady must not opt in either (its reply would be blocked).
NOT_OPT_INS = [
    "y", "Y", "yes please", "yes pls", "yeah", "yep", "ya", "si", "ok",
    "un stop", "un-stop", "UN STOP", "unstop please", "start please", "please start", "start again",
    "start over", "START PLAN", "subscribe", "opt in", "yes i want to quit", "restart", "starts",
    "yess", "yes yes", "stárt",
]


@pytest.mark.parametrize("text", NOT_OPT_INS)
def test_words_twilio_does_not_accept_do_not_opt_in(text):
    assert (carrier_keyword(text, opted_out=True) or ("", ""))[0] != "start", text


@pytest.mark.parametrize(
    "text",
    [
        "help me make a quit plan",
        "help me",
        "i need help",
        "HELP ME PLEASE",
        "can you help",
        "help with withdrawal",
        "more info about suboxone",
        "information",
        "helpful",
    ],
)
def test_help_inside_a_sentence_is_not_the_help_keyword(text):
    assert carrier_keyword(text) is None


@pytest.mark.parametrize(
    "opt_out_type, text, expected",
    [
        ("STOP", "ALTO", ("stop", "ALTO")),
        ("STOP", "Cancelar", ("stop", "CANCELAR")),
        ("STOP", "me salgo", ("stop", "ME SALGO")),       # a custom keyword Steady doesn't know
        ("STOP", "STOP", ("stop", "STOP")),
        ("stop", "Désinscrire", ("stop", "DESINSCRIRE")),   # folded, capitals
        ("START", "COMENZAR", ("start", "COMENZAR")),
        ("START", "start", ("start", "START")),
        ("START", "y", ("start", "Y")),                     # Twilio's word, even on a word it doesn't list
        ("HELP", "AYUDA", ("help", "AYUDA")),
        ("STOP", "", ("stop", "STOP")),
        ("STOP", "abc " * 50, ("stop", ("ABC " * 8).strip())),  # the consent record's column
    ],
)
def test_twilios_opt_out_type_decides_and_the_keyword_sent_is_kept(opt_out_type, text, expected):
    for opted_out in (False, True):
        assert carrier_keyword(text, opted_out=opted_out, opt_out_type=opt_out_type) == expected


@pytest.mark.parametrize("opt_out_type", [None, "", "UNKNOWN", "OPTOUT"])
def test_no_or_an_unknown_opt_out_type_leaves_steady_to_read_the_text(opt_out_type):
    assert carrier_keyword("ALTO", opt_out_type=opt_out_type) == ("stop", "ALTO")
    assert carrier_keyword("COMENZAR", opted_out=True, opt_out_type=opt_out_type) is None


@pytest.mark.parametrize(
    "text, opt_out_type, blocked",
    [
        ("STOP", None, True), ("stop.", None, True), ("Unsubscribe", None, True), ("QUIT", None, True),
        ("optout", None, True), ("REVOKE", None, True),
        ("ALTO", "STOP", True), ("anything", "STOP", True),
        ("ALTO", None, False),                 # Steady's own word: Twilio doesn't block it by default
        ("stop texting me", None, False), ("stop please", None, False), ("STOP ALL", None, False),
        ("STOP", "HELP", False), ("START", None, False), ("COMENZAR", "START", False),
    ],
)
def test_carrier_blocked_is_true_only_when_twilio_blocks_the_number_on_this_text(text, opt_out_type, blocked):
    assert carrier_blocked(text, opt_out_type) is blocked


def test_a_stop_word_wins_over_the_opted_out_state():
    assert carrier_keyword("STOP", opted_out=True) == ("stop", "STOP")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_carrier_keyword_never_raises_and_returns_a_known_shape(text):
    for result in (carrier_keyword(text), carrier_keyword(text, opted_out=True),
                   carrier_keyword(text, opt_out_type="STOP")):
        assert result is None or (result[0] in ("stop", "start", "help") and 0 < len(result[1]) <= 32)
