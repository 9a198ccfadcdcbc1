"""Spanish content (content/es/, issue 13): loaded beside the English, read against it, and
refused at load, naming the file and key, for anything a Spanish speaker should never get."""

from __future__ import annotations

import copy
import re

import pytest

import content
from flows import gsm
from flows.content import FILES, TRANSLATED_FILES, Content, ContentError, build, check
from flows.content_measure import ucs2_reason
from flows.helpline import HELPLINE_NUMBER
from flows.outgoing import segment_limit

SHIPPED = content.HERE
ENGLISH_RAW = {name: content.parse(SHIPPED / name) for name in FILES}
SPANISH_RAW = {name: content.parse(SHIPPED / "es" / name, f"es/{name}") for name in TRANSLATED_FILES}
LOADED = content.load(examples=False)
SPANISH = LOADED.in_language("es")
# FACTS.md's numbers, less HELP4U's 435748 (English only).
SPANISH_NUMBERS = {"1-800-662-4357", "1-800-487-4889", "988", "911", "1-800-484-3731", "1-800-799-7233", "88788"}


def build_with(mutate) -> Content:
    spanish = copy.deepcopy(SPANISH_RAW)
    mutate(spanish)
    return build(ENGLISH_RAW, {"es": spanish})


def refused(mutate) -> ContentError:
    with pytest.raises(ContentError) as caught:
        build_with(mutate)
    return caught.value


def messages(spanish) -> dict:
    return spanish["messages.yaml"]["messages"]


# --- the shipped Spanish ------------------------------------------------------------------

def test_the_shipped_content_has_both_languages_sharing_keywords_examples_and_crisis_kinds():
    loaded = content.load()
    spanish = loaded.in_language("es")
    assert loaded.languages == ("en", "es") and spanish.languages == ("en", "es")
    assert loaded.language == "en" and spanish.language == "es"
    assert spanish.in_language("en") is loaded and loaded.in_language("fr") is loaded
    assert spanish.keywords is loaded.keywords and spanish.examples is loaded.examples
    assert spanish.crisis_kinds is loaded.crisis_kinds
    assert set(spanish.messages) == set(loaded.messages) and spanish.messages["craving"] != loaded.messages["craving"]
    assert HELPLINE_NUMBER in spanish.helpline and gsm.is_gsm7(spanish.helpline)
    assert len(spanish.encouragement) >= 30 and len(spanish.mindfulness) >= 30


def test_every_shipped_spanish_text_passes_and_ucs2_ones_fit_seven_segments():
    reports = [r for r in check(LOADED) if r.language == "es"]
    assert reports and all(r.id.startswith("es/") and r.file.startswith("es/") for r in reports)
    assert [(r.id, r.problems) for r in reports if r.problems] == []
    ucs2 = [r for r in reports if r.encoding == gsm.UCS2]
    assert ucs2, "the Spanish texts use á í ó ú somewhere"
    for report in ucs2:
        assert ucs2_reason(report.text) in "áíóúÁÍÓÚ"
        assert report.segments <= segment_limit(3, report.text) == 7
    crisis = [r for r in reports if r.id.startswith(("es/safety.crisis", "es/safety.helpline"))]
    assert crisis and all(r.encoding == gsm.GSM7 and r.segments <= 2 for r in crisis)


def test_the_spanish_texts_give_only_facts_numbers_and_never_help4u():
    texts = [r.text for r in check(LOADED) if r.language == "es"] + [k.es for k in LOADED.crisis_kinds.values()]
    numbers = {token for text in texts for token in re.findall(r"\d[\d-]*\d|\d", text) if re.search(r"\d{3}", token)}
    assert numbers <= SPANISH_NUMBERS, numbers - SPANISH_NUMBERS
    assert not any(re.search(r"HELP4U|435748", text, re.I) for text in texts)
    assert not any(re.search(r"\b(adict[oa]s?|drogadict[oa]s?|limpi[oa]s?|suci[oa]s?|yonquis?)\b", text, re.I)
                   for text in texts)


# --- refused, naming file and key ------------------------------------------------------------

@pytest.mark.parametrize("case, mutate, file, key, words", [
    ("a missing id", lambda es: messages(es).pop("craving"), "es/messages.yaml", "craving", "missing"),
    ("an extra id", lambda es: messages(es).__setitem__("hello", "Hola"), "es/messages.yaml", "hello", "unknown key"),
    ("a placeholder in one language only", lambda es: messages(es).__setitem__(
        "start_confirm", "Hola de nuevo, {support}."), "es/messages.yaml", "start_confirm", "{program}, {support}"),
    ("a missing placeholder", lambda es: messages(es).__setitem__(
        "daily_time_saved", "Guardado. Escribe DIARIO."), "es/messages.yaml", "daily_time_saved", "{time}"),
    ("a coping choice fewer", lambda es: es["plan.yaml"]["coping_options"].pop(),
     "es/plan.yaml", "coping_options", "same digits"),
    ("a personal quit-day text in one language only", lambda es: es["plan.yaml"]["quit_days"]["day_1"].pop("personal"),
     "es/plan.yaml", "quit_days.day_1.personal", "missing here"),
    ("a missing helpline", lambda es: es["safety.yaml"].pop("helpline"), "es/safety.yaml", "helpline", "missing"),
    ("a helpline without the number", lambda es: es["safety.yaml"].__setitem__("helpline", "SAMHSA, gratis"),
     "es/safety.yaml", "helpline", HELPLINE_NUMBER),
    ("a missing file", lambda es: es.pop("daily.yaml"), "es/daily.yaml", "(file)", "missing"),
    ("adicto", lambda es: es["daily.yaml"]["encouragement"].__setitem__(0, "No eres un adicto: eres una persona."),
     "es/daily.yaml", "encouragement[1]", "stigmatising word 'adicto'"),
    ("limpia", lambda es: es["daily.yaml"]["mindfulness"].__setitem__(2, "Hoy estás limpia y eso vale."),
     "es/daily.yaml", "mindfulness[3]", "stigmatising word 'limpia'"),
    ("yonqui", lambda es: messages(es).__setitem__("thanks", "De nada, yonqui."), "es/messages.yaml", "thanks",
     "stigmatising word 'yonqui'"),
    ("HELP4U", lambda es: messages(es).__setitem__("treatment", "Envía tu código postal a 435748."),
     "es/messages.yaml", "treatment", "English-only"),
    ("an accent in the crisis text", lambda es: es["safety.yaml"].__setitem__(
        "crisis", "Llama al 911 ahora. Línea 988 o 1-800-662-4357."), "es/safety.yaml", "crisis", "not GSM-7"),
    ("an accent in a crisis-mode text", lambda es: es["safety.yaml"]["crisis_topics"].__setitem__(
        "thanks", "Aquí estoy."), "es/safety.yaml", "crisis_topics.thanks", "not GSM-7"),
    ("a curly quote", lambda es: messages(es).__setitem__("thanks", "De nada \u201camigo\u201d."),
     "es/messages.yaml", "thanks", "type \" instead"),
    ("the Spanish carrier words lost", lambda es: messages(es).__setitem__(
        "help", messages(es)["help"].replace("Pueden aplicarse tarifas de mensajes y datos", "Hay tarifas")),
     "es/messages.yaml", "help", "Pueden aplicarse tarifas de mensajes y datos"),
    ("a Spanish keyword lost", lambda es: messages(es).__setitem__("daily_off", "Pausados. Escribe START."),
     "es/messages.yaml", "daily_off", "must contain DIARIO"),
    ("over seven UCS-2 segments", lambda es: messages(es).__setitem__("craving", "Respirá despacio. " * 26),
     "es/messages.yaml", "craving", "sent as UCS-2 because of \"á\""),
], ids=lambda value: value if isinstance(value, str) and " " in value else None)
def test_broken_spanish_is_refused_naming_the_file_and_key(case, mutate, file, key, words):
    error = refused(mutate)
    assert (error.file, error.key) == (file, key), str(error)
    assert words in error.problem, error.problem


def test_whole_words_only_and_accents_outside_crisis_texts_pass():
    def fine(es):
        es["daily.yaml"]["encouragement"][0] = "La adicción es una condición de salud. Limpiar tu cuarto también cuenta."
        messages(es)["thanks"] = "De nada. Aquí estoy, día y noche. Escribe MENU."
    spanish = build_with(fine).in_language("es")
    assert spanish.messages["thanks"].startswith("De nada. Aquí")
    assert spanish.encouragement[0].startswith("La adicción")


def test_a_gsm7_spanish_text_keeps_the_english_limit_of_three_segments():
    error = refused(lambda es: messages(es).__setitem__("craving", "Respira despacio. " * 30))    # 540 GSM-7
    assert (error.file, error.key) == ("es/messages.yaml", "craving")
    assert "4 segments" in error.problem and "UCS-2" not in error.problem


def test_english_texts_are_still_gsm7_only():
    english = copy.deepcopy(ENGLISH_RAW)
    english["messages.yaml"]["messages"]["thanks"] = "You're welcome. Aquí. Text MENU."
    with pytest.raises(ContentError) as caught:
        build(english, {"es": SPANISH_RAW})
    assert (caught.value.file, caught.value.key) == ("messages.yaml", "thanks") and "not GSM-7" in caught.value.problem


def test_an_english_problem_is_named_in_the_english_file_before_the_spanish_is_compared():
    english = copy.deepcopy(ENGLISH_RAW)
    english["messages.yaml"]["messages"]["thanks"] = "You're welcome, {name}."
    with pytest.raises(ContentError) as caught:
        build(english, {"es": SPANISH_RAW})
    assert (caught.value.file, caught.value.key) == ("messages.yaml", "thanks")


def test_the_loader_needs_the_spanish_folder(tmp_path):
    import shutil

    for name in FILES:
        shutil.copy(SHIPPED / name, tmp_path / name)
    with pytest.raises(ContentError) as caught:
        content.load(tmp_path, examples=False)
    assert caught.value.file.startswith("es/") and caught.value.key == "(file)"
    shutil.copytree(SHIPPED / "es", tmp_path / "es")
    assert content.load(tmp_path, examples=False) == LOADED
