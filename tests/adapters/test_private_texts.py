"""PRIVATE on the real clock, SQLite and PostgreSQL: the daily and quit-date texts a person
who asked for PRIVATE gets open with the neutral line, helpline kept; PRIVATE OFF undoes it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows.content_schema import LOCK_SCREEN_WORDS
from flows.helpline import HELPLINE_NUMBER
from tests.adapters.test_clock import sent_to, utc
from tests.adapters.test_erasure import text

pytestmark = pytest.mark.db

NUMBER = "+12125550177"
PLAIN = "+12125550166"
SIGNUP = utc(2026, 11, 24, 5, 0)
SEND = utc(2026, 11, 24, 14, 0)


def first_line(message) -> str:
    return message["Body"].split("\n")[0]


def test_private_daily_texts_open_with_the_neutral_line_and_keep_the_helpline(world, fake):
    for number in (NUMBER, PLAIN):
        text(world, number, "DAILY", SIGNUP)
    assert text(world, NUMBER, "PRIVATE", SIGNUP).intent == "private"
    world.tick(SEND)
    (private,) = sent_to(fake, NUMBER)
    (plain,) = sent_to(fake, PLAIN)
    opener = f"A check-in from {world.settings.program_name}."
    assert first_line(private) == opener and not LOCK_SCREEN_WORDS.search(first_line(private))
    assert HELPLINE_NUMBER in private["Body"] and private["Body"].split("\n\n", 1)[1].strip()
    assert not plain["Body"].startswith(opener)

    text(world, NUMBER, "PRIVATE OFF", SEND + timedelta(hours=1))
    world.tick(SEND + timedelta(days=1))
    assert not sent_to(fake, NUMBER)[-1]["Body"].startswith(opener)


def test_private_quit_date_texts_open_with_the_neutral_line(world, fake):
    for body in ("PLAN", "December 7", "YES", "payday", "walk", "my sister", "SKIP", "YES"):
        text(world, NUMBER, body, SIGNUP)
    text(world, NUMBER, "discreet", SIGNUP)
    world.tick(utc(2026, 12, 4, 14, 0))          # 3 days before the quit date, 9:00 in New York
    (message,) = sent_to(fake, NUMBER)
    assert first_line(message) == f"A check-in from {world.settings.program_name}."
    assert HELPLINE_NUMBER in message["Body"]
