"""Quit dates written in Spanish (issue 13), read by the same `parse_date` as English."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.dates import parse_date

MONDAY = date(2026, 11, 30)  # a Monday; Friday December 4, Monday December 7


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hoy", date(2026, 11, 30)),
        ("HOY", date(2026, 11, 30)),
        ("hoy mismo", date(2026, 11, 30)),
        ("esta noche", date(2026, 11, 30)),
        ("ahora mismo", date(2026, 11, 30)),
        ("mañana", date(2026, 12, 1)),
        ("manana", date(2026, 12, 1)),
        ("MAÑANA", date(2026, 12, 1)),
        ("Mañana!", date(2026, 12, 1)),
        ("mañana por la mañana", date(2026, 12, 1)),
        ("mañana a las 8", date(2026, 12, 1)),
        ("pasado mañana", date(2026, 12, 2)),
        ("pasado manana", date(2026, 12, 2)),
        ("el lunes", date(2026, 12, 7)),              # said on a Monday: the next one
        ("lunes", date(2026, 12, 7)),
        ("el martes", date(2026, 12, 1)),
        ("este viernes", date(2026, 12, 4)),
        ("el próximo martes", date(2026, 12, 1)),     # "próximo" is the same day, as "next" is
        ("el proximo martes", date(2026, 12, 1)),
        ("el martes que viene", date(2026, 12, 1)),
        ("miércoles", date(2026, 12, 2)),
        ("MIERCOLES", date(2026, 12, 2)),
        ("el jueves", date(2026, 12, 3)),
        ("el sábado", date(2026, 12, 5)),
        ("el sabado", date(2026, 12, 5)),
        ("el domingo", date(2026, 12, 6)),
        ("quiero dejarlo el viernes", date(2026, 12, 4)),
        ("sí, el lunes", date(2026, 12, 7)),
        ("la semana que viene", date(2026, 12, 7)),
        ("la próxima semana", date(2026, 12, 7)),
        ("la semana próxima", date(2026, 12, 7)),
        ("la otra semana", date(2026, 12, 7)),        # Mexican "next week"
        ("el mes que viene", date(2026, 12, 30)),
        ("en dos semanas", date(2026, 12, 14)),
        ("en 2 semanas", date(2026, 12, 14)),
        ("en 3 días", date(2026, 12, 3)),
        ("en 3 dias", date(2026, 12, 3)),
        ("en una semana", date(2026, 12, 7)),
        ("en un mes", date(2026, 12, 30)),
        ("dentro de un mes", date(2026, 12, 30)),
        ("dentro de 10 días", date(2026, 12, 10)),
        ("en un par de días", date(2026, 12, 2)),
        ("en unos 5 días", date(2026, 12, 5)),
        ("en quince días", date(2026, 12, 15)),
        ("el 15 de enero", date(2027, 1, 15)),
        ("15 de enero", date(2027, 1, 15)),
        ("15 DE ENERO", date(2027, 1, 15)),
        ("15 enero", date(2027, 1, 15)),
        ("enero 15", date(2027, 1, 15)),
        ("15 de enero de 2027", date(2027, 1, 15)),
        ("15 de enero del 2027", date(2027, 1, 15)),
        ("el 7 de diciembre", date(2026, 12, 7)),
        ("el lunes 7 de diciembre", date(2026, 12, 7)),
        ("el lunes 14", date(2026, 12, 14)),        # the day of the month is more specific
        ("viernes 11", date(2026, 12, 11)),
        ("el lunes 8pm", date(2026, 12, 7)),         # a time, not the 8th
        ("el lunes 8 de la noche", date(2026, 12, 7)),
        ("7 de dic", date(2026, 12, 7)),
        ("el 1 de septiembre", date(2027, 9, 1)),
        ("el 1 de setiembre", date(2027, 9, 1)),
        ("el primero de enero", date(2027, 1, 1)),
        ("1º de enero", date(2027, 1, 1)),
        ("1° de enero", date(2027, 1, 1)),
        ("1ro de mayo", date(2027, 5, 1)),
        ("1ero de mayo", date(2027, 5, 1)),
        ("1er de mayo", date(2027, 5, 1)),
        ("el 15", date(2026, 12, 15)),
        ("el día 15", date(2026, 12, 15)),
        ("el dia 15", date(2026, 12, 15)),
        ("el 1ro", date(2026, 12, 1)),
        ("el primero", date(2026, 12, 1)),
        ("el 30", date(2026, 11, 30)),                # today is the 30th
        ("en Navidad", date(2026, 12, 25)),
        ("Nochebuena", date(2026, 12, 24)),
        ("para Año Nuevo", date(2027, 1, 1)),
        ("el año nuevo", date(2027, 1, 1)),
        ("Nochevieja", date(2026, 12, 31)),
        ("este fin de semana", date(2026, 12, 5)),
        # Past words are past dates, so the flow can say the date has gone.
        ("ayer", date(2026, 11, 29)),
        ("anteayer", date(2026, 11, 28)),
        ("el lunes pasado", date(2026, 11, 23)),
        ("el viernes pasado", date(2026, 11, 27)),
    ],
)
def test_a_spanish_date_is_read_in_either_language(text, expected):
    assert parse_date(text, MONDAY, language="es") == expected
    # Words mean the same to everyone: an English speaker who writes "mañana" is understood.
    assert parse_date(text, MONDAY) == expected


@pytest.mark.parametrize(
    "text, today, expected",
    [
        ("christmas", date(2026, 11, 30), date(2026, 12, 25)),
        ("Christmas Eve", date(2026, 11, 30), date(2026, 12, 24)),
        ("new year's day", date(2026, 11, 30), date(2027, 1, 1)),
        ("New Years", date(2026, 11, 30), date(2027, 1, 1)),
        ("new year's eve", date(2026, 11, 30), date(2026, 12, 31)),
        ("after new year", date(2027, 1, 10), date(2027, 1, 1)),      # just gone: the flow says "past"
        ("navidad", date(2027, 1, 30), date(2027, 12, 25)),
        ("the weekend", date(2026, 12, 2), date(2026, 12, 5)),
        ("fin de semana", date(2026, 12, 5), date(2026, 12, 5)),      # a Saturday: today
        ("el fin de semana", date(2026, 12, 6), date(2026, 12, 6)),   # a Sunday: today
        ("este finde", date(2026, 12, 7), date(2026, 12, 12)),
    ],
)
def test_holidays_and_the_weekend_in_either_language(text, today, expected):
    assert parse_date(text, today) == expected
    assert parse_date(text, today, language="es") == expected


@pytest.mark.parametrize(
    "text, english, spanish",
    [
        ("5/6", date(2027, 5, 6), date(2027, 6, 5)),
        ("12/7", date(2026, 12, 7), date(2027, 7, 12)),
        ("7/12", date(2027, 7, 12), date(2026, 12, 7)),
        ("15/1", None, date(2027, 1, 15)),
        ("1/15", date(2027, 1, 15), None),
        ("13/7", None, date(2027, 7, 13)),
        ("7-12", date(2027, 7, 12), date(2026, 12, 7)),
        ("7/12/26", date(2026, 7, 12), date(2026, 12, 7)),
        ("el 5/6", date(2027, 5, 6), date(2027, 6, 5)),
        ("2026-12-07", date(2026, 12, 7), date(2026, 12, 7)),   # ISO is one order everywhere
        ("31/12", None, date(2026, 12, 31)),
        ("30/2", None, None),
    ],
)
def test_numeric_dates_follow_the_persons_language(text, english, spanish):
    assert parse_date(text, MONDAY, language="en") == english
    assert parse_date(text, MONDAY, language="es") == spanish


@pytest.mark.parametrize(
    "text, today, expected",
    [
        ("15/1", date(2026, 12, 20), date(2027, 1, 15)),
        ("el 3", date(2026, 12, 20), date(2027, 1, 3)),
        ("el viernes", date(2026, 12, 31), date(2027, 1, 1)),
        ("en un mes", date(2027, 1, 31), date(2027, 2, 28)),
        ("19/12", date(2026, 12, 20), date(2026, 12, 19)),       # just gone: this year's, "past"
        ("29 de febrero", date(2026, 12, 20), date(2028, 2, 29)),
    ],
)
def test_spanish_dates_wrap_like_english_ones(text, today, expected):
    assert parse_date(text, today, language="es") == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "me muero de hambre", "tengo muchas ganas de usar", "no sé", "no se", "hola",
        "cuando pueda", "pronto", "algún día", "hoy no", "no hoy", "ahorita no", "mañana no",
        "8 de la mañana", "por la mañana", "en la mañana", "a las 8 de la noche", "de la tarde",
        "las 7 y media", "en 3 horas", "en 20 minutos", "hace 3 días", "el 15 por ciento",
        "el 15%", "tengo 2 hijos", "llevo 45 días", "si", "sí", "claro", "gracias",
        "32 de enero", "30 de febrero de 2027", "en 100000 días", "la próxima", "esta semana",
        "el 7:30", "el 45", "mayonesa", "marzo",
    ],
)
def test_spanish_text_with_no_date_is_none(text):
    assert parse_date(text, MONDAY, language="es") is None
    assert parse_date(text, MONDAY) is None


_SPANISH_BITS = st.sampled_from([
    "el", "la", "de", "en", "mañana", "manana", "pasado", "hoy", "no", "lunes", "miércoles", "semana",
    "que", "viene", "próxima", "dos", "un par de", "días", "mes", "15", "1º", "primero", "enero",
    "/", "-", "7", "31", "2027", "del", "ayer", "a las", "8", "y media", " ", ",", "ñ", "Á",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_SPANISH_BITS, max_size=12).map(" ".join), st.sampled_from(["en", "es"]),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_any_spanish_looking_text_gives_a_date_or_none_and_never_raises(text, language, today):
    found = parse_date(text, today, language=language)
    assert found is None or isinstance(found, date)


def test_an_unknown_language_is_an_error():
    with pytest.raises(ValueError):
        parse_date("mañana", MONDAY, language="sp")
