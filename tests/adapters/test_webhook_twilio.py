"""The webhook against what Twilio really sends and does (issue 9): the request bodies
Twilio posts for SMS, WhatsApp and status callbacks, signed with twilio's
RequestValidator; Mexican and number-less WhatsApp senders; a crisis text answered
whatever failed; a database that is down, silent or locked answered inside Twilio's
15 seconds; GET /health; signatures over the URL as Twilio called it."""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask, request
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import MultiDict

from bot import db, models, signature
from bot.app import create_app
from bot.conversation import Inbound
from bot.settings import Settings, SettingsError
from bot.transport import MemoryTransport
from flows.helpline import HELPLINE_NUMBER, ensure_helpline
from tests.support import (
    ACCOUNT,
    PERSON,
    STEADY_NUMBER,
    TOKEN,
    make_app,
    make_settings,
    new_sid,
    post_signed,
    replies_of,
    sign,
)

TWILIO_LIMIT_S = 15          # Twilio gives up on a webhook after 15 seconds
MEXICO_WA = "whatsapp:+5215512345678"       # as WhatsApp and Twilio write a Mexican mobile
MEXICO_E164 = "+525512345678"
USER_ID = "US.13491208655302741918"         # a business-scoped user ID (courier's test vector)
SUICIDE = "I want to kill myself"
OVERDOSE = "my friend is not breathing"


# --- real Twilio bodies ----------------------------------------------------------------

def sms_body(body: str, sender: str = "+14155550123") -> dict:
    """An inbound SMS webhook, every field Twilio posts (Messaging webhook, 2010-04-01)."""
    sid = new_sid()
    return {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
        "FromZip": "94105", "SmsSid": sid, "FromState": "CA", "SmsStatus": "received",
        "FromCity": "SAN FRANCISCO", "Body": body, "FromCountry": "US", "To": STEADY_NUMBER,
        "ToZip": "", "NumSegments": "1", "MessageSid": sid, "AccountSid": ACCOUNT, "From": sender,
        "ApiVersion": "2010-04-01",
    }


def whatsapp_body(body: str, sender: str, wa_id: str | None = None) -> dict:
    """An inbound WhatsApp webhook; a sender without a number has no WaId."""
    sid = new_sid()
    params = {
        "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Ana", "MessageType": "text", "SmsSid": sid,
        "SmsStatus": "received", "Body": body, "To": f"whatsapp:{STEADY_NUMBER}", "NumSegments": "1",
        "ReferralNumMedia": "0", "MessageSid": sid, "AccountSid": ACCOUNT, "From": sender,
        "ApiVersion": "2010-04-01",
    }
    if wa_id:
        params["WaId"] = wa_id
    return params


def status_body(sid: str, status: str = "delivered") -> dict:
    return {
        "SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": "+14155550123",
        "MessageSid": sid, "AccountSid": ACCOUNT, "From": STEADY_NUMBER, "ApiVersion": "2010-04-01",
    }


def crisis_replies(content) -> set[str]:
    """Every crisis reply Steady may send first, as sent (helpline ensured)."""
    texts = {content.crisis} | {kind.reply(lang) for kind in content.crisis_kinds.values() for lang in ("en", "es")}
    return {ensure_helpline(text, content.helpline) for text in texts}


def people(app) -> list[tuple[str, str, str]]:
    with app.extensions["steady"].store.transaction() as tx:
        rows = tx.session.execute(select(models.Person).order_by(models.Person.id)).scalars().all()
        return [(p.number, p.channel, p.timezone) for p in rows]


@pytest.fixture
def build():
    """build(settings, transport=None) -> a Steady app; its engine is closed afterwards."""
    built = []

    def _build(settings, transport=None, migrate=True):
        if migrate:
            app = make_app(settings, transport)
        else:   # a database that is down: nothing may touch it at start-up
            app = create_app(settings, transport=MemoryTransport())
        built.append(app)
        return app

    yield _build
    for app in built:
        app.extensions["steady"].store.engine.dispose()


@pytest.fixture
def app_settings(database_url, tmp_path):
    """`app` (tests/conftest.py) with a one-second database bound."""
    return make_settings(database_url, str(tmp_path), db_timeout=1)


# --- senders -----------------------------------------------------------------------------

def test_a_mexican_whatsapp_sender_in_the_52_1_form_gets_the_crisis_reply_and_one_person(app, client):
    content = app.extensions["steady"].content
    crisis = post_signed(client, "/sms", whatsapp_body(SUICIDE, MEXICO_WA, wa_id="5215512345678"))
    assert crisis.status_code == 200
    assert replies_of(crisis)[0] in crisis_replies(content) and "988" in replies_of(crisis)[0]
    again = post_signed(client, "/sms", whatsapp_body("HELP", "whatsapp:+525512345678", wa_id="525512345678"))
    assert "Msg&data rates may apply" in replies_of(again)[0]
    assert people(app) == [(MEXICO_E164, "whatsapp", "America/Mexico_City")]


def test_a_whatsapp_sender_without_a_number_is_answered_and_stored_as_its_id(app, client, caplog):
    with caplog.at_level(logging.INFO):
        response = post_signed(client, "/sms", whatsapp_body("CRAVING", f"whatsapp:{USER_ID}"))
        crisis = post_signed(client, "/sms", whatsapp_body(OVERDOSE, f"whatsapp:{USER_ID}"))
    assert response.status_code == 200 and "Cravings come in waves" in replies_of(response)[0]
    assert replies_of(crisis)[0] in crisis_replies(app.extensions["steady"].content)
    steady = app.extensions["steady"]
    assert people(app) == [(USER_ID, "whatsapp", steady.settings.default_timezone)]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "13491208655302741918" not in logged and "US.***18" in logged


def test_a_scheduled_text_to_a_whatsapp_id_reaches_the_transport_with_its_address(build, database_url, tmp_path):
    transport = MemoryTransport()
    app = build(make_settings(database_url, str(tmp_path)), transport=transport)
    steady = app.extensions["steady"]
    now = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)     # 10:00 in New York, the default zone
    answer = steady.conversation.handle(Inbound(sender=f"whatsapp:{USER_ID}", body="CRAVING", now=now))
    assert answer.intent == "craving"
    steady.tick(now + timedelta(minutes=16))
    assert [to for to, _, _ in transport.sent] == [f"whatsapp:{USER_ID}"]


@pytest.mark.parametrize("sender", ["", "not-a-number", "whatsapp:", "+1", "whatsapp:US."])
def test_a_crisis_text_from_a_sender_that_is_no_address_gets_the_crisis_reply(app, client, sender):
    content = app.extensions["steady"].content
    crisis = post_signed(client, "/sms", sms_body(OVERDOSE, sender=sender))
    assert crisis.status_code == 200
    assert replies_of(crisis) == [ensure_helpline(content.crisis_reply("overdose_other"), content.helpline)]
    assert post_signed(client, "/sms", sms_body("HELP", sender=sender)).status_code == 400
    assert people(app) == []


def test_a_value_error_inside_a_turn_is_not_a_400_and_a_crisis_is_still_answered(app, client):
    """A stored daily time the scheduler cannot read ("9am") raises ValueError mid-turn;
    that used to come back as 400 "From is not a phone number"."""
    steady = app.extensions["steady"]
    post_signed(client, "/sms", sms_body("hello"))
    with steady.store.transaction() as tx:
        tx.session.execute(update(models.Person).values(daily_time="9am"))
    broken = post_signed(client, "/sms", sms_body("DAILY"))
    assert broken.status_code == 200
    assert replies_of(broken) == [ensure_helpline(steady.content.text("unavailable"), steady.content.helpline)]
    crisis = post_signed(client, "/sms", sms_body(SUICIDE))
    assert crisis.status_code == 200 and replies_of(crisis)[0] in crisis_replies(steady.content)


# --- the database down, silent or locked ---------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SAFETY_S = 10   # a broken bound fails the test on time instead of hanging it


@contextmanager
def _silent_server():
    """A TCP port that accepts connections and never says a word (a hung database)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    safety = threading.Timer(SAFETY_S, server.close)   # resets whoever still waits
    safety.start()
    try:
        yield server.getsockname()[1]
    finally:
        safety.cancel()
        server.close()


def _unreachable(tmp_path, port: int, timeout: int = 2) -> Settings:
    """Settings for PostgreSQL on `port` (build them with migrate=False)."""
    return make_settings(f"postgresql://postgres@127.0.0.1:{port}/test", str(tmp_path), db_timeout=timeout)


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def _assert_answered_while_down(app, bound: float) -> None:
    steady = app.extensions["steady"]
    client = app.test_client()
    unavailable = ensure_helpline(steady.content.text("unavailable"), steady.content.helpline)
    ordinary, took = _timed(lambda: post_signed(client, "/sms", sms_body("CRAVING")))
    assert ordinary.status_code == 200 and took < bound
    assert replies_of(ordinary) == [unavailable]
    assert all(number in unavailable for number in ("911", "988", HELPLINE_NUMBER))
    crisis, took = _timed(lambda: post_signed(client, "/sms", sms_body(SUICIDE)))
    assert crisis.status_code == 200 and took < bound
    assert replies_of(crisis)[0] in crisis_replies(steady.content) and unavailable not in replies_of(crisis)


def test_postgresql_on_a_closed_port_gets_the_static_reply_and_crisis_the_crisis_reply(build, tmp_path):
    app = build(_unreachable(tmp_path, _free_port()), migrate=False)
    _assert_answered_while_down(app, bound=5)


def test_a_database_that_never_answers_is_given_up_on_within_the_timeout(build, tmp_path):
    with _silent_server() as port:
        app = build(_unreachable(tmp_path, port, timeout=2), migrate=False)
        _assert_answered_while_down(app, bound=2 + 2.5)
        assert 2 + 2.5 < TWILIO_LIMIT_S


@contextmanager
def _locked(database_url: str):
    """Another connection holds the lock every turn needs: SQLite's write lock, or an
    exclusive lock on PostgreSQL's people table."""
    url = db.normalize_url(database_url, instance_path="")
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = db.make_engine(url)
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql(f"SET idle_in_transaction_session_timeout = '{SAFETY_S}s'")
            holder.exec_driver_sql("LOCK TABLE people IN ACCESS EXCLUSIVE MODE")
            try:
                yield
            finally:
                holder.rollback()
    finally:
        engine.dispose()


def test_a_locked_database_gets_the_static_reply_in_time_and_recovers(app, client, database_url, caplog):
    assert replies_of(post_signed(client, "/sms", sms_body("hello")))
    with _locked(database_url), caplog.at_level(logging.INFO):
        _assert_answered_while_down(app, bound=1 + 2.5)
        logged = caplog.text
        assert "inbound failed (error " in logged
        assert "4155550123" not in logged and SUICIDE not in logged
        health, took = _timed(lambda: client.get("/health"))
        # SQLite: every transaction takes the write lock first, so the check waits and
        # fails as a turn would; PostgreSQL answers SELECT 1 beside a locked table.
        assert health.status_code == (503 if database_url.startswith("sqlite") else 200)
        assert took < 1 + 2.5
    after = post_signed(client, "/sms", sms_body("CRAVING"))
    assert "Cravings come in waves" in replies_of(after)[0]


# --- GET /health and GET / -----------------------------------------------------------

def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/health")
    assert (response.status_code, response.get_data(as_text=True), response.mimetype) == (200, "ok\n", "text/plain")


@pytest.mark.parametrize("silent", [False, True], ids=["closed port", "never answers"])
def test_health_is_503_within_the_timeout_when_the_database_is_down_and_root_stays_200(build, tmp_path, silent):
    with _silent_server() as port:
        app = build(_unreachable(tmp_path, port if silent else _free_port(), timeout=2), migrate=False)
        client = app.test_client()
        response, took = _timed(lambda: client.get("/health"))
        assert response.status_code == 503 and took < 2 + 2.5
        assert client.get("/").status_code == 200


# --- the database bounds themselves ------------------------------------------------------

def test_every_connection_carries_the_timeouts_and_migrations_get_none(database_url):
    url = db.normalize_url(database_url, instance_path="")
    bounded, unbounded = db.make_engine(url, timeout=3), db.make_engine(url)
    try:
        assert bounded.pool.timeout() == 3
        for _ in range(2):      # a pooled connection after a rollback keeps them
            with bounded.connect() as connection:
                if url.startswith("sqlite"):
                    assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 3000
                else:
                    assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "3s"
                    assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "3s"
                connection.rollback()
        with unbounded.connect() as connection:
            if url.startswith("sqlite"):
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
            else:
                assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
    finally:
        bounded.dispose()
        unbounded.dispose()


def test_a_failed_statement_never_shows_its_parameters(database_url):
    """Errors are logged with their tracebacks; SQLAlchemy would print the parameters."""
    engine = db.make_engine(db.normalize_url(database_url, instance_path=""), timeout=1)
    try:
        with pytest.raises(DBAPIError) as failed, engine.connect() as connection:
            connection.execute(text("INSERT INTO no_such_table (number) VALUES (:number)"), {"number": "+14155550123"})
        assert "4155550123" not in str(failed.value) and "parameters hidden" in str(failed.value)
    finally:
        engine.dispose()


def test_an_in_memory_sqlite_database_takes_the_timeout_too():
    engine = db.make_engine("sqlite://", timeout=2)      # a one-connection pool: no pool timeout
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2000
    finally:
        engine.dispose()


def test_the_database_timeout_setting_is_read_and_bounded_by_twilios_limit():
    assert Settings.from_env({}).db_timeout == 5
    assert Settings.from_env({"STEADY_DB_TIMEOUT_SECONDS": "3"}).db_timeout == 3
    for bad in ("0", "15", "soon"):
        with pytest.raises(SettingsError, match="STEADY_DB_TIMEOUT_SECONDS"):
            Settings.from_env({"STEADY_DB_TIMEOUT_SECONDS": bad})


# --- status callbacks ----------------------------------------------------------------------

def test_a_status_callback_gets_204_with_no_body_and_no_content_type(client):
    response = post_signed(client, "/sms/status", status_body("SM" + "b" * 32))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers


# --- signatures ------------------------------------------------------------------------

ENCODED = "/sms?org=Cl%C3%ADnica"


def test_a_percent_encoded_query_verifies_behind_a_trusted_proxy(build, database_url, tmp_path):
    app = build(make_settings(database_url, str(tmp_path), trust_proxy=True))
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "steady.example.org"}
    client = app.test_client()
    ok = post_signed(client, ENCODED, sms_body("HELP"), url=f"https://steady.example.org{ENCODED}", headers=headers)
    decoded = post_signed(client, ENCODED, sms_body("HELP"), url="https://steady.example.org/sms?org=Clínica",
                          headers=headers)
    assert ok.status_code == 200 and replies_of(ok)
    assert decoded.status_code == 403


@pytest.mark.parametrize("public", [None, "https://sms.example.org"])
def test_a_percent_encoded_query_verifies_directly_and_with_a_public_url(build, tmp_path, public):
    app = build(make_settings(f"sqlite:///{tmp_path / 'a.sqlite3'}", str(tmp_path), public_base_url=public))
    url = f"{public or 'http://localhost'}{ENCODED}"
    assert post_signed(app.test_client(), ENCODED, sms_body("HELP"), url=url).status_code == 200


def test_twilio_pythons_repeated_key_vector_is_accepted():
    """twilio-python's tests/unit/test_request_validator.py: token 12345, Digits twice."""
    form = MultiDict([("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")])
    with Flask(__name__).test_request_context(
        "/myapp.php?foo=1&bar=2", base_url="https://mycompany.com", method="POST", data=form,
        headers={"X-Twilio-Signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU="},
    ):
        assert signature.signed_url(request, Settings()) == "https://mycompany.com/myapp.php?foo=1&bar=2"
        assert signature.is_valid(request, Settings(twilio_auth_token="12345"))


def test_a_webhook_with_a_repeated_key_is_verified_over_every_value(client):
    form = MultiDict(list(sms_body("HELP").items()) + [("MediaUrl0", "https://a.example/1"),
                                                     ("MediaUrl0", "https://a.example/2")])
    assert post_signed(client, "/sms", form).status_code == 200
    first_values_only = sign("http://localhost/sms", form.to_dict(flat=True))
    refused = client.post("/sms", data=form, headers={"X-Twilio-Signature": first_values_only})
    assert refused.status_code == 403


@pytest.mark.parametrize("base", ["https://mycompany.com", "https://mycompany.com:443", "http://localhost",
                                  "http://localhost:80", "http://localhost:5000"])
@pytest.mark.parametrize("signed_as", ["as called", "with the port", "without the port", "another URL"])
def test_one_hmac_per_check_agrees_with_twilios_validate(base, signed_as):
    """bot.signature tries twilio's two URL forms one at a time; it must accept and refuse
    exactly what RequestValidator.validate does."""
    from urllib.parse import urlparse

    from twilio.request_validator import RequestValidator, add_port, remove_port

    form = MultiDict([("Body", "HELP"), ("From", PERSON), ("MessageSid", "SM1"), ("MediaUrl0", "a"), ("MediaUrl0", "b")])
    # werkzeug drops a default port from the host, so that URL is the one signed_url gives
    called = base.removesuffix(":443") if base.startswith("https") else base.removesuffix(":80")
    url = f"{called}/sms?org=Cl%C3%ADnica"
    parsed = urlparse(url)
    target = {"as called": url, "with the port": add_port(parsed), "without the port": remove_port(parsed),
              "another URL": f"{base}/other"}[signed_as]
    header = RequestValidator(TOKEN).compute_signature(target, form)
    with Flask(__name__).test_request_context("/sms?org=Cl%C3%ADnica", base_url=base, method="POST", data=form,
                                              headers={"X-Twilio-Signature": header}):
        assert signature.signed_url(request, Settings()) == url
        ours = signature.is_valid(request, Settings(twilio_auth_token=TOKEN))
        assert ours == RequestValidator(TOKEN).validate(url, request.form, header)
        assert ours == (signed_as != "another URL")
