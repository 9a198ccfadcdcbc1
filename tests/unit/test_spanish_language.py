"""Each person's language (issue 13): chosen with ESPANOL / ENGLISH, detected by the language
model until chosen, never on one ambiguous word; every reply in it. Pure engine turns."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from flows import defaults, engine, intents
from flows.carrier import spanish_keyword
from flows.context import Context
from flows.language import detected_language
from flows.turn_values import State
from tests.understanding import CONTENT, MATCHER, UNDERSTANDING

NOW = datetime(2026, 12, 7, 18, 0, tzinfo=timezone.utc)
CTX = Context(content=CONTENT, matcher=MATCHER, now=NOW, understanding=UNDERSTANDING)
ES = CONTENT.in_language("es")
SPANISH = State(language="es")
CHOSEN_EN = State(language="en", language_chosen=True)


def turn(text: str, state: State = State()):
    return engine.turn(text, state, CTX)


def es_text(id: str, **values) -> str:
    return ES.text(id, program=CTX.program, support=defaults.SUPPORT_ES, **values)


def test_the_default_support_contact_is_said_in_spanish_and_an_operators_own_is_kept():
    assert defaults.SUPPORT_ES in turn("AYUDA", SPANISH).replies[0]
    assert defaults.SUPPORT not in turn("AYUDA", SPANISH).replies[0]
    own = replace(CTX, support="llama al 555-0100")
    assert "llama al 555-0100" in engine.turn("AYUDA", SPANISH, own).replies[0]
    assert defaults.SUPPORT in turn("HELP").replies[0]


# --- the language model -----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "hola, necesito ayuda", "tengo muchas ganas de usar", "sintomas de abstinencia", "quiero dejar la heroina",
    "no se que hacer con mi vida", "me siento muy mal hoy", "donde hay reuniones cerca de mi",
])
def test_clear_spanish_is_read_as_spanish(text):
    assert UNDERSTANDING.language_of(text) == "es"


@pytest.mark.parametrize("text", [
    "i really want to use right now", "where can i find a meeting", "i need help with withdrawal",
    "how do i make a plan to stop",
])
def test_clear_english_is_read_as_english(text):
    assert UNDERSTANDING.language_of(text) == "en"


@pytest.mark.parametrize("text", ["no", "hola", "ok", "si", "Sí", "hola!", "ok si", "no no", "hola ok", "", "👍", "4"])
def test_one_ambiguous_word_or_only_shared_words_decide_nothing(text):
    assert UNDERSTANDING.language_of(text) is None


def test_detection_changes_only_an_unchosen_language_to_another_one():
    assert detected_language("es", "en", chosen=False) == "es"
    assert detected_language("en", "es", chosen=False) == "en"
    assert detected_language("es", "en", chosen=True) is None
    assert detected_language(None, "en", chosen=False) is None
    assert detected_language("en", "en", chosen=False) is None


# --- choosing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["ESPANOL", "ESPAÑOL", "español", "SPANISH", "EN ESPANOL", "en español"])
def test_espanol_chooses_spanish_and_says_so_in_spanish(text):
    outcome = turn(text)
    assert outcome.intent == intents.SPANISH
    assert outcome.state.language == "es" and outcome.state.language_chosen
    assert outcome.replies == (es_text("language_set"),) and "ENGLISH" in outcome.replies[0]


@pytest.mark.parametrize("text", ["ENGLISH", "INGLES", "INGLÉS", "EN INGLES", "english"])
def test_english_chooses_english_and_says_so_in_english(text):
    outcome = turn(text, SPANISH)
    assert outcome.intent == intents.ENGLISH
    assert outcome.state.language == "en" and outcome.state.language_chosen
    assert outcome.replies == (CTX.text("language_set"),) and "ESPANOL" in outcome.replies[0]


def test_a_chosen_language_is_never_overridden_by_what_the_person_writes():
    outcome = turn("tengo muchas ganas de usar", CHOSEN_EN)
    assert outcome.intent == intents.CRAVING and outcome.state.language == "en"
    assert outcome.replies[0] == CTX.text("craving")
    chosen_es = turn("ESPANOL").state
    later = turn("i really want to use right now", chosen_es)
    assert later.state.language == "es" and later.replies[0] == es_text("craving")


def test_choosing_a_language_keeps_an_open_plan_open():
    opened = turn("PLAN").state
    switched = turn("ESPANOL", opened)
    assert switched.state.flow == opened.flow and switched.state.language == "es"
    answered = turn("SALTAR", switched.state)
    assert answered.intent == intents.PLAN and "2." in answered.replies[0]
    assert answered.replies[0] in {r for r in answered.replies} and "SALTAR" in answered.replies[0]


# --- detection -------------------------------------------------------------------------------------

def test_clear_spanish_switches_to_spanish_with_one_line_saying_how_to_switch_back():
    outcome = turn("tengo muchas ganas de usar")
    assert outcome.intent == intents.CRAVING
    assert outcome.state.language == "es" and not outcome.state.language_chosen
    assert outcome.replies[0].startswith(es_text("craving"))
    assert es_text("language_detected") in "\n".join(outcome.replies)
    assert sum(r.count("ENGLISH") for r in outcome.replies) == 1
    again = turn("gracias, me ayudo mucho", outcome.state)
    assert again.state.language == "es" and es_text("language_detected") not in "\n".join(again.replies)


@pytest.mark.parametrize("text", ["hola", "no", "ok", "si"])
def test_one_ambiguous_word_never_switches(text):
    assert turn(text).state.language == "en"
    assert turn(text, SPANISH).state.language == "es"


def test_a_spanish_person_writing_clear_english_is_switched_back_until_they_choose():
    outcome = turn("where can i find a meeting near me", SPANISH)
    assert outcome.state.language == "en" and CTX.text("language_detected") in "\n".join(outcome.replies)


# --- every reply in the person's language ----------------------------------------------------------

@pytest.mark.parametrize("text, id", [
    ("GANAS", "craving"), ("ANTOJO", "craving"), ("ABSTINENCIA", "withdrawal"), ("TRATAMIENTO", "treatment"),
    ("REUNIONES", "support"), ("RESPIRA", "mindfulness"), ("TROPIEZO", "slip"), ("MIS DATOS", "my_data"),
    ("PRIVADO", "private_on"), ("BORRAR", "delete_ask"), ("hola", "menu"),
])
def test_spanish_keywords_get_spanish_replies(text, id):
    outcome = turn(text, SPANISH)
    assert outcome.replies[0] == es_text(id), (text, outcome.intent)


def test_stop_start_and_help_are_answered_in_the_persons_language():
    assert turn("STOP", SPANISH).replies == (es_text("stop_confirm"),)
    assert turn("HELP", SPANISH).replies == (es_text("help"),)
    stopped = turn("PARAR").state
    assert stopped.opted_out and stopped.language == "es"
    assert turn("PARAR").replies == (es_text("stop_confirm"),)
    assert turn("START", stopped).replies == (es_text("start_confirm"),)
    assert turn("AYUDA").replies == (es_text("help"),) and "Pueden aplicarse tarifas" in es_text("help")
    assert turn("AYUDA", CHOSEN_EN).replies == (CTX.text("help"),)   # a chosen English stays English
    assert spanish_keyword("no más mensajes") and spanish_keyword("Parar") and not spanish_keyword("STOP")


def test_delete_is_confirmed_with_spanish_words():
    for confirm in ("SI", "sí", "BORRAR", "si borrar", "Sí, borrar"):
        asked = turn("BORRAR", SPANISH).state
        erased = turn(confirm, asked)
        assert erased.intent == intents.DELETE and erased.detail == "erased", confirm
        assert erased.replies == (es_text("delete_done"),)


def test_a_crisis_is_answered_in_the_language_it_was_written_in():
    spanish = turn("me quiero matar", CHOSEN_EN)
    assert spanish.intent == intents.CRISIS and spanish.replies[0] == CONTENT.crisis_kinds["suicide"].es
    english = turn("i want to kill myself", SPANISH)
    assert english.replies[0] == CONTENT.crisis_kinds["suicide"].en
    bare = turn("911", SPANISH)          # nothing to read a language from: the person's own
    assert bare.intent == intents.CRISIS and bare.replies[0] in {k.es for k in CONTENT.crisis_kinds.values()}


def test_the_crisis_conversation_stays_in_spanish():
    opened = turn("mi amigo no respira, creo que es una sobredosis", SPANISH)
    assert opened.intent == intents.CRISIS and opened.replies[0] == CONTENT.crisis_kinds[opened.detail].es
    topic = turn("no tengo narcan", opened.state)
    assert topic.intent == intents.CRISIS_FOLLOWUP
    assert topic.replies[0] == ES.crisis_topic(topic.detail, opened.detail)
    again = turn("???", opened.state)
    assert again.replies[0] == CONTENT.crisis_kinds[opened.detail].again_es


def test_daily_settings_speak_spanish_dates_times_and_zones():
    on = turn("DIARIO", replace(SPANISH, timezone="America/Chicago"))
    assert on.intent == intents.DAILY_ON and "p.m." in on.replies[0] or "a.m." in on.replies[0]
    assert "hora del Centro" in on.replies[0]
    kinds = turn("solo ánimo", on.state)
    assert kinds.state.daily_kinds == "encouragement" and "solo ánimo" in kinds.replies[0]


def test_my_plan_reads_the_quit_date_back_in_spanish():
    state = replace(SPANISH, plan={"quit_date": date(2026, 12, 11).isoformat(), "triggers": "el estrés"})
    shown = turn("MI PLAN", state)
    assert shown.intent == intents.MY_PLAN and "viernes 11 de diciembre" in shown.replies[0]


def test_a_craving_follow_up_is_written_in_spanish():
    outcome = turn("GANAS", SPANISH)
    (followup,) = outcome.followups
    assert followup.text == es_text("craving_followup")
    private = turn("GANAS", replace(SPANISH, private=True)).followups[0].text
    assert private.startswith(es_text("private_opener")) and private.endswith(es_text("craving_followup"))


def test_the_language_model_cross_validates_as_the_notes_say():
    """5-fold figures at the chosen threshold (/work/notes/es-core.md): when it decides, it is
    right at least 99.5% of the time in both languages, and reads most Spanish texts."""
    from bot.understanding import evaluate_language

    figures = evaluate_language(CONTENT.examples, thresholds=(UNDERSTANDING.thresholds.language,))
    rows = figures[UNDERSTANDING.thresholds.language]
    for group in ("en", "es", "short en", "short es"):
        row = rows[group]
        assert row["texts"] > 100 and row["wrong"] <= 0.005 * (row["right"] + row["wrong"]), (group, row)
    assert rows["es"]["right"] >= 0.85 * rows["es"]["texts"]
    assert rows["short en"]["wrong"] <= 2
