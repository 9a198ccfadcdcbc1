"""A wrong deploy fails loudly, in process: a database behind the code is refused (never
migrated on the side), and a web process without Twilio sending settings says so at start,
answers texts with TwiML, and never reports a scheduled text sent. On SQLite and PostgreSQL;
the `steady` commands themselves are covered in tests/e2e/test_cli.py."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, select

from bot import db, models
from bot.app import bootstrap, create_app
from bot.conversation import Inbound
from bot.settings import Settings, SettingsError
from bot.transport import UnconfiguredTransport
from flows.helpline import HELPLINE_NUMBER
from tests.support import make_settings, text

pytestmark = pytest.mark.db

NY = "+12125550100"
TWILIO_SENDING = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID)")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def started():
    """create_app, with each app's engine disposed after the test."""
    apps = []

    def start(settings):
        apps.append(create_app(settings))
        return apps[-1]

    yield start
    for app in apps:
        app.extensions["steady"].store.engine.dispose()


# --- db.require_current --------------------------------------------------------------------

def test_a_database_at_head_is_current(engine):
    db.require_current(engine)


def test_a_database_never_migrated_is_refused_with_the_command_to_run(empty_engine):
    with pytest.raises(db.SchemaNotCurrent, match=r"never migrated\): run `steady db upgrade` first"):
        db.require_current(empty_engine)
    assert inspect(empty_engine).get_table_names() == []


def test_a_database_behind_is_refused_naming_both_revisions_and_the_command(empty_engine):
    db.upgrade(empty_engine, "0001")
    with pytest.raises(db.SchemaNotCurrent) as refused:
        db.require_current(empty_engine)
    assert str(refused.value) == (
        f"the database is at migration 0001, behind this code's {db.head_revision()}: run `steady db upgrade` first"
    )
    assert db.current_revision(empty_engine) == "0001"


def test_a_revision_from_a_newer_release_is_a_warning_not_a_refusal(engine, caplog):
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with caplog.at_level(logging.WARNING, logger="bot.db"):
        db.require_current(engine)
    assert "9999_from_the_future" in caplog.text and "newer release" in caplog.text


# --- bootstrap and create_app without migrate ------------------------------------------------

def test_bootstrap_without_migrate_refuses_a_database_behind_and_leaves_it_so(database_url, tmp_path, empty_engine):
    db.upgrade(empty_engine, "0001")
    with pytest.raises(db.SchemaNotCurrent, match="steady db upgrade"):
        bootstrap(make_settings(database_url, str(tmp_path)))
    assert db.current_revision(empty_engine) == "0001"


def test_the_web_app_refuses_to_start_on_a_database_never_migrated(database_url, tmp_path, empty_engine, caplog):
    with caplog.at_level(logging.ERROR, logger="bot.app"), pytest.raises(db.SchemaNotCurrent):
        create_app(make_settings(database_url, str(tmp_path)))
    assert "not starting: the database has no Steady tables" in caplog.text
    assert "steady db upgrade" in caplog.text
    assert db.current_revision(empty_engine) is None
    assert inspect(empty_engine).get_table_names() == []


def test_the_web_app_starts_on_a_migrated_database_without_migrating_it(engine, database_url, tmp_path, started):
    app = started(make_settings(database_url, str(tmp_path)))
    assert app.extensions["steady"].store is not None
    assert db.current_revision(engine) == db.head_revision()


def test_a_database_that_does_not_answer_at_start_is_logged_and_the_web_app_still_starts(tmp_path, caplog, started):
    unreachable = "postgresql://postgres@127.0.0.1:1/steady?connect_timeout=2"   # nothing listens on port 1
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        app = started(make_settings(unreachable, str(tmp_path)))
    assert "could not read the database's migration at start-up (OperationalError)" in caplog.text
    assert app.extensions["steady"] is not None


# --- a web process without Twilio sending settings ---------------------------------------------

def test_twilio_sending_settings_are_named_when_missing():
    assert Settings().twilio_sending_missing == TWILIO_SENDING
    partial = Settings.from_env({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_MESSAGING_SERVICE_SID": "MG1"})
    assert partial.twilio_sending_missing == ("TWILIO_AUTH_TOKEN",)
    full = partial.with_(twilio_auth_token="t")
    assert full.twilio_sending_missing == () and full.twilio_sending_configured


def test_a_web_app_without_twilio_sending_logs_an_error_answers_by_twiml_and_fakes_no_send(
    engine, database_url, tmp_path, caplog, capsys, started
):
    settings = make_settings(database_url, str(tmp_path))          # an auth token, no account or sender
    with caplog.at_level(logging.ERROR):
        app = started(settings)
    startup = [r for r in caplog.records if r.name == "bot.app" and r.levelno == logging.ERROR]
    assert len(startup) == 1
    message = startup[0].getMessage()
    assert message.startswith("Twilio sending is not configured: set TWILIO_ACCOUNT_SID, TWILIO_FROM_NUMBER")
    assert "TWILIO_AUTH_TOKEN" not in message and "`steady clock` will not start" in message

    response, replies = text(app.test_client(), "HELP")          # a reply needs no REST API
    assert response.status_code == 200 and HELPLINE_NUMBER in replies[0]

    steady = app.extensions["steady"]
    assert isinstance(steady.transport, UnconfiguredTransport)
    steady.conversation.handle(Inbound(sender=NY, body="DAILY", now=utc(2026, 11, 24, 5, 0)))
    caplog.clear()
    capsys.readouterr()
    with caplog.at_level(logging.ERROR):
        report = steady.tick(utc(2026, 11, 24, 14, 0))            # 9:00 AM in New York
    assert (report.send.sent, report.send.failed) == (0, 1)
    with steady.store.transaction() as tx:
        (row,) = tx.session.execute(select(models.OutboxMessage)).scalars().all()
    assert (row.status, row.provider_sid, row.delivery_status) == ("failed", None, "not_configured")
    assert "not sent to +1********00: Twilio sending is not configured" in caplog.text
    assert row.body not in caplog.text
    assert capsys.readouterr().out == ""


# --- the web server's settings, read through the one declaration ---------------------------------

def test_gunicorn_takes_workers_and_threads_from_the_declared_settings(gunicorn_conf):
    conf = gunicorn_conf(WEB_CONCURRENCY="3", STEADY_WEB_THREADS="2")
    assert (conf.workers, conf.threads) == (3, 2)
    assert gunicorn_conf(DATABASE_URL="postgresql://db.example/steady").workers == (os.cpu_count() or 1) + 1
    assert gunicorn_conf(DATABASE_URL="sqlite:////tmp/steady.sqlite3").workers == 1
    assert conf.THREADS == Settings().web_threads


def test_gunicorn_refuses_a_bad_web_setting_with_one_sentence_naming_each(gunicorn_conf):
    with pytest.raises(SystemExit) as refused:
        # (a WEB_CONCURRENCY that is no number at all stops gunicorn itself, which reads it first)
        gunicorn_conf(WEB_CONCURRENCY="0", STEADY_TRUST_PROXY="maybe")
    message = str(refused.value.code)
    assert message.startswith("steady: 2 settings cannot be used:")
    assert "WEB_CONCURRENCY must be at least 1" in message
    assert "STEADY_TRUST_PROXY must be true or false, not 'maybe'" in message


def test_gunicorn_reads_only_its_own_settings_and_leaves_the_rest_to_the_app(gunicorn_conf):
    conf = gunicorn_conf(STEADY_LOOP_LIMIT="not a number", STEADY_TRUST_PROXY="true")
    assert conf.forwarded_allow_ips == "*"
    with pytest.raises(SettingsError, match="STEADY_LOOP_LIMIT must be a whole number"):
        create_app()


def test_steady_run_refuses_a_bad_port_before_starting_anything(tmp_path):
    from click.testing import CliRunner

    from bot.cli import main

    result = CliRunner().invoke(main, ["run"], env={"PORT": "http", "STEADY_INSTANCE_PATH": str(tmp_path)})
    assert result.exit_code == 1
    assert "PORT must be a whole number, not 'http'" in result.output
    assert list(tmp_path.iterdir()) == []              # no database made, nothing migrated
