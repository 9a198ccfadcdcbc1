"""`steady people export` and `steady people erase`, in-process with click's CliRunner, on
SQLite and PostgreSQL: the export holds everything about the number; the erase is the
erase by text (only the keyed hash and the consent record stay), logged without the number."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from click.testing import CliRunner

from bot import erasure
from bot.cli import main
from bot.conversation import Inbound
from tests.adapters.test_clock import utc
from tests.support import TEST_DATA_KEY, new_sid

pytestmark = pytest.mark.db

NUMBER = "+12125550155"
MASKED = "+1********55"
SIGNUP = utc(2026, 11, 24, 5, 0)


@pytest.fixture
def steady(app):
    """Steady itself, from the shared `app` (tests/conftest.py): no server, no Twilio."""
    return app.extensions["steady"]


@pytest.fixture
def cli(database_url, tmp_path):
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "STEADY_INSTANCE_PATH": str(tmp_path), "STEADY_DATA_KEY": TEST_DATA_KEY}

    def run(*args, input=None):
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return run


def talk(steady, *texts, number=NUMBER):
    for n, body in enumerate(texts):
        steady.conversation.handle(Inbound(sender=number, body=body, now=SIGNUP + timedelta(minutes=n), sid=new_sid()))


def test_export_prints_everything_stored_about_the_number(steady, cli):
    talk(steady, "DAILY", "PLAN", "December 7", "YES", "payday", "walk", "my sister", "SKIP", "NO", "PRIVATE")
    result = cli("people", "export", "(212) 555-0155")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["number"] == NUMBER and data["erased"] is None
    (person,) = data["people"]
    assert person["person"]["number"] == NUMBER and person["person"]["private"] is True
    assert person["person"]["plan"]["triggers"] == "payday" and person["person"]["daily_enabled"] is True
    assert [(c["kind"], c["keyword"]) for c in person["consent_events"]] == [("daily_on", "DAILY"), ("plan_texts_off", "NO")]
    assert len(person["message_events"]) >= 20 and len(person["processed_messages"]) == 10
    assert set(person) == {"person", "processed_messages", "consent_events", "message_events", "outbox", "checkins",
                           "plan_events"}


def test_erase_is_the_erase_by_text_and_is_logged_without_the_number(steady, cli, caplog):
    talk(steady, "DAILY", "STOP")
    with caplog.at_level(logging.INFO):
        result = cli("people", "erase", NUMBER, "--yes")
    assert result.exit_code == 0, result.output
    assert f"erased {MASKED}" in result.output and NUMBER not in result.output
    assert NUMBER not in caplog.text and NUMBER[2:] not in caplog.text
    assert "erased by the operator" in caplog.text

    data = json.loads(cli("people", "export", NUMBER).output)
    assert data["people"] == []
    kept = data["erased"]
    assert kept["number_hash"] == erasure.number_hash(erasure.data_key(steady.settings), NUMBER)
    assert kept["stopped"] is True
    assert [(c["kind"], c["keyword"]) for c in kept["consent_events"]] == [("daily_on", "DAILY"), ("opt_out", "STOP")]
    assert set(kept) == {"number_hash", "erased_at", "stopped", "consent_events"}
    assert set(kept["consent_events"][0]) == {"kind", "keyword", "at"}

    again = cli("people", "erase", NUMBER, "--yes")
    assert again.exit_code == 0 and "nothing is stored" in again.output


def test_erase_asks_first_and_does_nothing_without_a_yes(steady, cli):
    talk(steady, "DAILY")
    result = cli("people", "erase", NUMBER, input="n\n")
    assert result.exit_code == 1 and MASKED in result.output
    assert json.loads(cli("people", "export", NUMBER).output)["people"]


def test_a_number_that_is_not_one_is_refused(cli, steady):
    result = cli("people", "export", "not-a-number")
    assert result.exit_code != 0 and "is not a phone number" in result.output
