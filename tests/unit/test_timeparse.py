from __future__ import annotations

from datetime import time

import pytest

from flows import timeparse
from flows.message import Message
from flows.timeparse import format_time, is_time_request, parse_time


@pytest.mark.parametrize(
    "text, expected",
    [
        ("TIME 7pm", time(19, 0)),
        ("time 7:30", time(7, 30)),
        ("7:30 pm", time(19, 30)),
        ("7:30PM", time(19, 30)),
        ("19:00", time(19, 0)),
        ("text me at 8am", time(8, 0)),
        ("8 am", time(8, 0)),
        ("8 a.m.", time(8, 0)),
        ("8 A.M", time(8, 0)),
        ("at 8", time(8, 0)),
        ("noon", time(12, 0)),
        ("12 noon", time(12, 0)),
        ("midday please", time(12, 0)),
        ("midnight", time(0, 0)),
        ("9.30am", time(9, 30)),
        ("time 9.30", time(9, 30)),
        ("TIME 7", time(7, 0)),
        ("time:7", time(7, 0)),
        ("TIME - 6pm", time(18, 0)),
        ("7p", time(19, 0)),
        ("7a", time(7, 0)),
        ("730pm", time(19, 30)),
        ("1030 am", time(10, 30)),
        ("time 1900", time(19, 0)),
        ("at 0730", time(7, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:15 am", time(0, 15)),
        ("00:30", time(0, 30)),
        ("23:59", time(23, 59)),
        ("7 o'clock", time(7, 0)),
        ("7 o\u2019clock", time(7, 0)),
        ("7 oclock", time(7, 0)),
        ("7 in the evening", time(19, 0)),
        ("8 in the morning", time(8, 0)),
        ("3 in the afternoon", time(15, 0)),
        ("10 at night", time(22, 0)),
        ("12 at night", time(0, 0)),
        ("7 tonight", time(19, 0)),
        ("send them at 7:30", time(7, 30)),
        ("change my time to 6pm", time(18, 0)),
        ("can you text me around 5pm?", time(17, 0)),
        ("8", time(8, 0)),
        ("  9pm.  ", time(21, 0)),
        ("@ 9", time(9, 0)),
        ("45 days in, text me at 8pm", time(20, 0)),
    ],
)
def test_parse_time_reads_the_time_in_a_message(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "TIME",
        "time to quit",
        "25:00",
        "24:00",
        "13pm",
        "0am",
        "13:00pm",
        "7:75",
        "time 2500",
        "at 25",
        "$9.30",
        "it cost 9.30 dollars",
        "I've been off it for 45 days",
        "for 3 years",
        "call 988",
        "my kids are 7 and 9",
        "1/2 a day",
        "version 1.5",
        "in the afternoon",
    ],
)
def test_parse_time_finds_no_time_in_a_message_without_a_valid_one(text):
    assert parse_time(text) is None


@pytest.mark.parametrize(
    "t, expected",
    [
        (time(9, 0), "9:00 AM"),
        (time(19, 30), "7:30 PM"),
        (time(0, 0), "12:00 AM"),
        (time(0, 5), "12:05 AM"),
        (time(12, 0), "12:00 PM"),
        (time(12, 45), "12:45 PM"),
        (time(23, 59), "11:59 PM"),
        (time(21, 0), "9:00 PM"),
    ],
)
def test_format_time_writes_us_style(t, expected):
    assert format_time(t) == expected


@pytest.mark.parametrize("minute", range(0, 24 * 60, 7))
def test_format_time_output_parses_back_to_the_same_time_and_is_plain_ascii(minute):
    t = time(minute // 60, minute % 60)
    text = format_time(t)
    assert text.isascii()
    assert parse_time(text) == t


@pytest.mark.parametrize(
    "text",
    [
        "TIME 7pm",
        "time 7:30",
        "TIME",
        "time 25:00",
        "text me at 8am",
        "Text me at 8 in the morning",
        "send them at 7:30",
        "change my time to 6pm",
        "can you change my time",
        "I want a different time",
        "set a new time",
        "make it 9pm",
        "9pm instead",
        "7:30pm",
        "8am please",
        "noon",
        "can I get the daily texts at 10am",
        "remind me at 6",
        "move it to 9:15",
    ],
)
def test_is_time_request_spots_a_request_to_change_the_send_time(text):
    assert is_time_request(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "what time is it",
        "time to quit",
        "I used at 8pm last night",
        "I don't have time",
        "8",
        "at 8",
        "zone pacific",
        "change my time zone to pacific",
        "TIME ZONE eastern",
        "next time I use I'll call",
        "my kids get home at 3",
        "45 days now",
    ],
)
def test_is_time_request_ignores_other_messages(text):
    assert is_time_request(text) is False


@pytest.mark.parametrize(("value", "expected"), [("07:30", time(7, 30)), ("7:30", time(7, 30)), (" 21:05 ", time(21, 5)), ("00:00", time(0, 0))])
def test_the_stored_hhmm_form_reads_back(value, expected):
    assert timeparse.parse_hhmm(value) == expected
    assert timeparse.parse_hhmm(timeparse.to_hhmm(expected)) == expected


@pytest.mark.parametrize("value", ["", "7", "7pm", "07:3", "24:00", "12:60", "-1:30", "07:30:00", "ab:cd", None])
def test_anything_but_hhmm_is_refused(value):
    with pytest.raises(ValueError):
        timeparse.parse_hhmm(value)


def test_a_message_and_its_raw_text_parse_alike():
    for text in ["text me at 7:30pm please", "TIME 8", "in the evening", "change my time zone", "8\u201330 pm"]:
        message = Message.of(text)
        assert timeparse.parse_time(message) == timeparse.parse_time(text)
        assert timeparse.is_time_request(message) == timeparse.is_time_request(text)
        assert timeparse.parse_part_of_day(message) == timeparse.parse_part_of_day(text)
