"""Send times written in Spanish (issue 13), read by the same functions as English."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.message import Message
from flows.timeparse import is_time_request, parse_part_of_day, parse_time


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a las 8 de la noche", time(20, 0)),
        ("A LAS 8 DE LA NOCHE", time(20, 0)),
        ("8 de la mañana", time(8, 0)),
        ("8 de la manana", time(8, 0)),
        ("3 de la tarde", time(15, 0)),
        ("a las 3 de la tarde", time(15, 0)),
        ("1 de la madrugada", time(1, 0)),
        ("a las 2 de la noche", time(2, 0)),           # the small hours, not 2 PM
        ("12 de la noche", time(0, 0)),
        ("12 del mediodía", time(12, 0)),
        ("7 por la tarde", time(19, 0)),
        ("9 en la noche", time(21, 0)),
        ("8 esta noche", time(20, 0)),
        ("las 7 y media", time(7, 30)),
        ("7 y media", time(7, 30)),
        ("a las 7 y media de la tarde", time(19, 30)),
        ("a las 6 y cuarto", time(6, 15)),
        ("8 menos cuarto", time(7, 45)),
        ("a las 9 menos 10 de la noche", time(20, 50)),
        ("a las 7 y 20", time(7, 20)),
        ("a las 7 y 05", time(7, 5)),
        ("entre las 7 y 8 de la noche", time(19, 0)),   # "y 8" is another hour, not minutes
        ("a las 8 menos 10", time(7, 50)),
        ("de 7 a 8 pm", time(19, 0)),
        ("a las 7 o 8 de la mañana", time(7, 0)),
        ("between 7 and 8pm", time(19, 0)),
        ("a las 19:00", time(19, 0)),
        ("a las 19:00 hrs", time(19, 0)),
        ("19 hrs", time(19, 0)),
        ("a las 8 en punto", time(8, 0)),
        ("mediodía", time(12, 0)),
        ("mediodia", time(12, 0)),
        ("al mediodía", time(12, 0)),
        ("medianoche", time(0, 0)),
        ("7pm", time(19, 0)),
        ("8 pm", time(20, 0)),
        ("8 p. m.", time(20, 0)),
        ("8:30 p.m.", time(20, 30)),
        ("9 a. m.", time(9, 0)),
        ("a las 8", time(8, 0)),                      # a bare hour is the 24-hour clock, as in English
        ("a la una", time(1, 0)),
        ("a la una de la tarde", time(13, 0)),
        ("a las ocho de la noche", time(20, 0)),
        ("a las ocho y media", time(8, 30)),
        ("A LAS DIEZ de la mañana", time(10, 0)),
        ("tipo 8 de la noche", time(20, 0)),
        ("hora 8", time(8, 0)),
        ("HORA 7pm", time(19, 0)),
        ("mándame los mensajes a las 8 de la mañana", time(8, 0)),
        ("mañana a las 8", time(8, 0)),
        ("llevo 45 días, mándame mensajes a las 8pm", time(20, 0)),
    ],
)
def test_a_spanish_time_is_read(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hora", "HORA", "me muero de hambre", "¿qué hora es?", "tengo 3 hijos",
        "mis hijos tienen 7 y 9", "en 3 horas", "3 horas", "llevo 45 días", "hace 2 años",
        "de la noche", "por la tarde", "la mañana", "mañana", "hora de dejarlo",
        "llama al 988", "cuesta 9.30 dólares", "a las 25", "a las 7:75", "13 de la tarde",
        "dos hijos", "ocho de la noche",   # hour words count only after "a la" / "las"
    ],
)
def test_spanish_text_without_a_time_has_none(text):
    assert parse_time(text) is None


def test_hour_words_need_their_cue():
    assert parse_time("ocho de la noche") is None      # digits or "a las ocho"
    assert parse_time("las ocho") == time(8, 0)


@pytest.mark.parametrize(
    "text",
    [
        "HORA 7pm", "hora 7:30", "HORA", "a las 8 de la noche", "8 de la mañana por favor",
        "las 7 y media", "mándame los mensajes a las 8", "envíame los textos a las 9 de la mañana",
        "cambia mi hora", "puedes cambiar el horario", "quiero otra hora", "mejor a las 6 de la tarde",
        "al mediodía", "19:00 hrs", "a las 7pm gracias", "cámbialo a las 7:30",
        "quiero recibir los mensajes a las 9", "DIARIO a las 8",
    ],
)
def test_a_spanish_request_to_change_the_time_is_spotted(text):
    assert is_time_request(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "hola", "¿qué hora es?", "hora de dejarlo", "no tengo tiempo", "a las 8", "8",
        "hora del pacífico", "hora del este", "zona horaria central", "cambia mi zona horaria",
        "usé a las 8 de la noche", "mis hijos llegan a las 3", "llevo 45 días", "3 horas",
        "me muero de hambre", "hoy me siento mejor, desperté a las 8 de la mañana",
        "tengo una cita a las 3 de la tarde", "le mandé un mensaje a las 8 de la noche",
        "tengo ganas de usar a las 8",
    ],
)
def test_other_spanish_messages_are_not_time_requests(text):
    assert is_time_request(text) is False


@pytest.mark.parametrize(
    "text, expected",
    [
        ("por la mañana", time(9, 0)),
        ("en las mañanas", time(9, 0)),
        ("temprano", time(8, 0)),
        ("al despertar", time(8, 0)),
        ("al mediodía", time(12, 0)),
        ("a la hora del almuerzo", time(12, 0)),
        ("por la tarde", time(14, 0)),
        ("en las tardes", time(14, 0)),
        ("después del trabajo", time(18, 0)),
        ("en la noche", time(19, 0)),
        ("de noche", time(19, 0)),
        ("antes de dormir", time(19, 0)),
    ],
)
def test_a_spanish_part_of_the_day_gives_a_time(text, expected):
    assert parse_part_of_day(text) == expected


@pytest.mark.parametrize("text", ["mañana", "más tarde", "hola", "me muero de hambre", "hora"])
def test_spanish_words_that_are_no_part_of_the_day(text):
    assert parse_part_of_day(text) is None


def test_a_message_and_its_raw_spanish_text_parse_alike():
    for text in ["a las 8 de la noche", "MEDIODÍA", "cámbialo a las 7 y media", "por la tarde"]:
        message = Message.of(text)
        assert parse_time(message) == parse_time(text)
        assert is_time_request(message) == is_time_request(text)
        assert parse_part_of_day(message) == parse_part_of_day(text)


_BITS = st.sampled_from([
    "a las", "a la", "las", "hora", "tipo", "8", "12", "19:00", "7.30", "y media", "y cuarto", "menos",
    "cuarto", "y", "75", "de la", "noche", "mañana", "tarde", "madrugada", "del mediodía", "mediodía",
    "medianoche", "pm", "p. m.", "a.m.", "hrs", "horas", "en punto", "ocho", "una", "zona", " ", "!",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_BITS, max_size=10).map(" ".join))
def test_any_spanish_looking_text_gives_a_time_or_none_and_never_raises(text):
    found = parse_time(text)
    assert found is None or isinstance(found, time)
    assert isinstance(is_time_request(text), bool)
    assert parse_part_of_day(text) is None or isinstance(parse_part_of_day(text), time)
