"""PLAN's short answers in Spanish (issue 13): yes, no, skip, new, nobody."""

from __future__ import annotations

import pytest

from flows.plan_words import ALL_WORDS, CONNECTORS, has_words, is_new, is_no, is_nobody, is_skip, is_yes, leans


@pytest.mark.parametrize(
    "text",
    ["sí", "si", "Sí", "SI", "Sí!", "sí.", "Sí, por favor", "si por favor", "si, gracias", "claro",
     "¡Claro!", "claro que sí", "CLARO QUE SI", "sí, claro", "por supuesto", "de acuerdo", "está bien",
     "esta bien", "correcto", "es correcto", "exacto", "así es", "perfecto", "vale", "listo", "sip", "okey"],
)
def test_spanish_yes(text):
    assert is_yes(text) is True
    assert leans(text) == "yes"
    assert not is_no(text) and not is_skip(text)


@pytest.mark.parametrize(
    "text",
    ["no", "No!", "no gracias", "No, gracias", "nop", "nel", "para nada", "ahora no", "ahorita no",
     "todavía no", "aún no", "por ahora no", "incorrecto", "está mal", "no es correcto", "no es así"],
)
def test_spanish_no(text):
    assert is_no(text) is True
    assert leans(text) == "no"
    assert not is_yes(text)


@pytest.mark.parametrize(
    "text",
    ["saltar", "Saltar", "sáltalo", "paso", "siguiente", "omitir", "no sé", "No se", "no lo sé", "ni idea",
     "no estoy seguro", "no estoy segura", "quizás", "tal vez", "a lo mejor", "después", "luego",
     "más tarde", "prefiero no", "prefiero no decirlo"],
)
def test_spanish_skip(text):
    assert is_skip(text) is True
    assert not is_yes(text) and not is_no(text)
    assert leans(text) is None                      # "no sé" is not a no


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sí, me gustaría", "yes"),
        ("sí quiero", "yes"),
        ("Sí me interesa", "yes"),            # the accent makes it "yes", not "if"
        ("si, lo quiero", "yes"),             # so does the comma
        ("si!! gracias", "yes"),
        ("claro, gracias", "yes"),
        ("dale, gracias", "yes"),
        ("no, gracias amigo", "no"),
        ("nel, gracias", "no"),
        ("si quiero dejarlo pero no puedo", None),   # "if I want to quit...": not a yes
        ("si me ayudas", None),
        ("si tuviera dinero", None),
        ("no sé si quiero", None),
        ("me muero de hambre", None),
        ("hola", None),
    ],
)
def test_an_answer_opening_with_a_spanish_yes_or_no_leans_that_way(text, expected):
    assert leans(text) == expected


@pytest.mark.parametrize("text", ["si quiero dejarlo", "si me ayudas", "sí por favor ayúdame con algo más largo"])
def test_only_a_whole_si_is_a_yes(text):
    assert is_yes(text) is False


@pytest.mark.parametrize(
    "text", ["nuevo", "nuevo plan", "un plan nuevo", "empezar de nuevo", "de nuevo", "volver a empezar",
             "desde cero", "reiniciar"])
def test_spanish_new_plan(text):
    assert is_new(text) is True


@pytest.mark.parametrize(
    "text", ["nadie", "Nadie.", "ninguno", "nada", "no sé", "no tengo a nadie", "no hay nadie", "nadie realmente"])
def test_spanish_nobody(text):
    assert is_nobody(text) is True


@pytest.mark.parametrize("text", ["mi hermana", "Dale", "mi amigo Dale", "mi consejera", "Simón"])
def test_a_spanish_name_or_person_is_kept_not_read_as_nobody_or_yes(text):
    assert is_nobody(text) is False
    assert has_words(text) is True


def test_spanish_list_words_join_numbers_and_pick_all():
    assert {"y", "o", "todos", "ambos", "numero", "opcion"} <= CONNECTORS
    assert {"all", "todos", "todas"} <= ALL_WORDS
    assert "si" not in CONNECTORS          # "si" never hides in a list answer
