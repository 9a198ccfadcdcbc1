"""Dates, times and zone names written to a Spanish-speaking person (issue 13).

The English forms are tested in test_dates/test_timeparse/test_zones; here the same
functions with language="es".
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from flows import gsm
from flows.dates import describe, parse_date
from flows.timeparse import format_time, parse_time
from flows.zones import _LABEL_OF, parse_zone, zone_label

SPANISH_DATE_SAMPLE = "miércoles 30 de septiembre"


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 12, 11), "viernes 11 de diciembre"),
        (date(2026, 12, 7), "lunes 7 de diciembre"),
        (date(2026, 9, 30), "miércoles 30 de septiembre"),
        (date(2026, 12, 12), "sábado 12 de diciembre"),
        (date(2027, 1, 1), "viernes 1 de enero"),
        (date(2027, 2, 14), "domingo 14 de febrero"),
    ],
)
def test_a_date_is_read_back_in_spanish(day, expected):
    assert describe(day, language="es") == expected


def test_english_stays_the_default_and_can_be_named():
    day = date(2026, 12, 11)
    assert describe(day) == describe(day, language="en") == "Friday, December 11"
    assert format_time(time(20, 0)) == format_time(time(20, 0), language="en") == "8:00 PM"
    assert zone_label("America/Chicago") == zone_label("America/Chicago", language="en") == "Central time"


def test_the_longest_spanish_date_is_known_and_only_weekday_accents_leave_gsm7():
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(731)]
    texts = [describe(d, language="es") for d in days]
    assert max(len(t) for t in texts) == len(SPANISH_DATE_SAMPLE)
    for d, text in zip(days, texts):
        # é is in GSM-7 ("miércoles"), á is not: only a Saturday ("sábado") is UCS-2.
        assert gsm.is_gsm7(text) == (d.weekday() != 5), text


@pytest.mark.parametrize(
    "t, expected",
    [
        (time(9, 0), "9:00 a.m."),
        (time(20, 0), "8:00 p.m."),
        (time(19, 30), "7:30 p.m."),
        (time(0, 0), "12:00 a.m."),
        (time(12, 0), "12:00 p.m."),
        (time(23, 59), "11:59 p.m."),
    ],
)
def test_a_time_is_written_the_us_spanish_way(t, expected):
    assert format_time(t, language="es") == expected


@pytest.mark.parametrize("minute", range(0, 24 * 60, 7))
def test_spanish_time_output_is_gsm7_and_parses_back(minute):
    t = time(minute // 60, minute % 60)
    text = format_time(t, language="es")
    assert gsm.is_gsm7(text)
    assert parse_time(text) == t


@pytest.mark.parametrize(
    "zone, label",
    [
        ("America/New_York", "hora del Este"),
        ("America/Chicago", "hora del Centro"),
        ("America/Denver", "hora de la Montaña"),
        ("America/Phoenix", "hora de Arizona"),
        ("America/Los_Angeles", "hora del Pacífico"),
        ("America/Anchorage", "hora de Alaska"),
        ("Pacific/Honolulu", "hora de Hawái"),
        ("America/Puerto_Rico", "hora del Atlántico"),
        ("Europe/London", "hora del Reino Unido"),
        ("UTC", "UTC"),
        ("Asia/Tokyo", "Asia/Tokyo"),
    ],
)
def test_zone_names_in_spanish(zone, label):
    assert zone_label(zone, language="es") == label


def test_which_spanish_zone_names_are_gsm7():
    # ñ is in GSM-7, í and á are not: a text naming these zones goes out as UCS-2.
    assert gsm.is_gsm7(zone_label("America/Denver", language="es"))
    assert not gsm.is_gsm7(zone_label("America/Los_Angeles", language="es"))
    assert not gsm.is_gsm7(zone_label("Pacific/Honolulu", language="es"))


def test_every_zone_with_an_english_name_has_a_spanish_one():
    for zone in _LABEL_OF:
        assert zone_label(zone, language="es") != zone_label(zone) or zone_label(zone) == "UTC"


@pytest.mark.parametrize("call", [
    lambda: describe(date(2026, 12, 11), language="fr"),
    lambda: format_time(time(8, 0), language="ES "),
    lambda: zone_label("America/Chicago", language="spanish"),
    lambda: zone_label("Asia/Tokyo", language=""),
])
def test_an_unknown_language_is_an_error_not_english(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_date_read_back_parses_to_itself_in_the_same_language(language):
    today = date(2026, 11, 30)
    for n in range(0, 61):
        d = today + timedelta(days=n)
        assert parse_date(describe(d, language=language), today, language=language) == d


@pytest.mark.parametrize("zone", sorted({"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
                                         "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
                                         "America/Puerto_Rico", "Europe/London", "America/Mexico_City"}))
def test_a_spanish_zone_name_reads_back_as_its_zone(zone):
    assert parse_zone(zone_label(zone, language="es")) == zone
