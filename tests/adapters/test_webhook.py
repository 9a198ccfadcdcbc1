"""The Flask webhook over the Flask test client, with RequestValidator-signed requests
and a real SQLite file."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy import func, select

from bot import models
from flows.helpline import HELPLINE_NUMBER
from tests.support import (
    PERSON, TOKEN, make_app, make_settings, new_sid, post_signed, replies_of, sign, sms_params, text,
)


@pytest.fixture
def database_url(tmp_path) -> str:
    """This module's `app` (tests/conftest.py) runs on a SQLite file only."""
    return f"sqlite:///{tmp_path / 'steady.sqlite3'}"


def count(app, model, **where) -> int:
    store = app.extensions["steady"].store
    with store.transaction() as tx:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return tx.session.execute(query).scalar_one()


def test_the_health_check_answers_200(client):
    assert client.get("/").status_code == 200


def test_a_signed_help_text_gets_the_ctia_help_answer_as_twiml(client):
    response, replies = text(client, "HELP")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert len(replies) == 1
    assert "Msg&data rates may apply" in replies[0]
    assert "STOP" in replies[0] and "988" in replies[0] and HELPLINE_NUMBER in replies[0]


@pytest.mark.parametrize("headers", [{}, {"X-Twilio-Signature": "forged"}, {"X-Twilio-Signature": ""}])
def test_a_forged_or_missing_signature_gets_403(client, headers):
    response = client.post("/sms", data=sms_params("HELP"), headers=headers)
    assert response.status_code == 403


def test_a_signature_made_with_another_token_gets_403(client):
    params = sms_params("HELP")
    response = post_signed(client, "/sms", params, token="not-the-token")
    assert response.status_code == 403


def test_a_tampered_body_gets_403(client):
    params = sms_params("HELP")
    signature = sign("http://localhost/sms", params)
    params["Body"] = "STOP"
    response = client.post("/sms", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_no_auth_token_means_every_request_is_refused(tmp_path):
    app = make_app(make_settings(f"sqlite:///{tmp_path / 'a.sqlite3'}", str(tmp_path), twilio_auth_token=None))
    response = post_signed(app.test_client(), "/sms", sms_params("HELP"))
    assert response.status_code == 403


def test_turning_checks_off_is_explicit_and_warned_about(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        app = make_app(make_settings(f"sqlite:///{tmp_path / 'a.sqlite3'}", str(tmp_path), verify_signatures=False))
    assert any("signature checks are OFF" in r.getMessage() for r in caplog.records)
    response = app.test_client().post("/sms", data=sms_params("HELP"))
    assert response.status_code == 200


def test_behind_a_tls_proxy_the_forwarded_url_is_verified_when_trusted(tmp_path):
    public = "https://steady.example.org/sms"
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "steady.example.org"}
    trusted = make_app(make_settings(f"sqlite:///{tmp_path / 'a.sqlite3'}", str(tmp_path), trust_proxy=True))
    untrusted = make_app(make_settings(f"sqlite:///{tmp_path / 'b.sqlite3'}", str(tmp_path)))
    params = sms_params("HELP")
    ok = post_signed(trusted.test_client(), "/sms", params, url=public, headers=headers)
    refused = post_signed(untrusted.test_client(), "/sms", sms_params("HELP"), url=public, headers=headers)
    assert ok.status_code == 200
    assert refused.status_code == 403


def test_a_public_base_url_setting_is_the_url_that_is_verified(tmp_path):
    app = make_app(make_settings(
        f"sqlite:///{tmp_path / 'a.sqlite3'}", str(tmp_path), public_base_url="https://sms.example.org/",
    ))
    response = post_signed(app.test_client(), "/sms", sms_params("HELP"), url="https://sms.example.org/sms")
    assert response.status_code == 200


def test_a_repeated_delivery_gets_the_same_reply_and_is_recorded_once(app, client):
    sid = new_sid()
    first, first_replies = text(client, "CRAVING", sid=sid)
    second, second_replies = text(client, "CRAVING", sid=sid)
    assert first.status_code == second.status_code == 200
    assert first_replies == second_replies and first_replies
    assert count(app, models.MessageEvent, direction="in") == 1
    assert count(app, models.OutboxMessage, kind="craving_followup") == 1


def test_after_stop_steady_is_silent_until_start(app, client):
    _, stop = text(client, "STOP")
    assert len(stop) == 1 and "START" in stop[0]
    for body in ("CRAVING", "HELP", "hello", "STOP", "DAILY"):
        response, replies = text(client, body)
        assert response.status_code == 200
        assert replies == [], body
    _, start = text(client, "START")
    assert start and HELPLINE_NUMBER in start[0]
    _, craving = text(client, "CRAVING")
    assert craving
    kinds = [e for e in _consents(app)]
    assert kinds == ["opt_out", "opt_in"]


def _consents(app) -> list[str]:
    store = app.extensions["steady"].store
    with store.transaction() as tx:
        rows = tx.session.execute(select(models.ConsentEvent).order_by(models.ConsentEvent.id)).scalars().all()
        assert all(r.at is not None and r.at.tzinfo is not None for r in rows)
        return [r.kind for r in rows]


def test_stop_records_the_keyword_and_time_in_the_consent_record(app, client):
    text(client, "unsubscribe")
    store = app.extensions["steady"].store
    with store.transaction() as tx:
        event = tx.session.execute(select(models.ConsentEvent)).scalar_one()
        assert (event.kind, event.keyword, event.channel) == ("opt_out", "UNSUBSCRIBE", "sms")


def test_a_whatsapp_sender_works_through_the_same_webhook(app, client):
    response, replies = text(client, "BREATHE", sender="whatsapp:+14155550123")
    assert response.status_code == 200 and replies
    store = app.extensions["steady"].store
    with store.transaction() as tx:
        person = tx.find_person("+14155550123", "whatsapp")
        assert person is not None


def test_a_flooding_number_stops_getting_replies_but_crisis_still_answers(app, client):
    sender = "+14155550199"
    answered = [bool(text(client, f"hello {i}", sender=sender)[1]) for i in range(25)]
    assert answered[:20] == [True] * 20
    assert answered[20:] == [False] * 5
    _, crisis = text(client, "i took too much and cant breathe", sender=sender)
    assert crisis and "911" in crisis[0]
    assert count(app, models.MessageEvent, direction="in") == 26


def test_a_flooding_number_still_gets_its_stop_confirmation(app, client):
    sender = "+14155550198"
    for i in range(22):
        text(client, f"hello {i}", sender=sender)
    _, stop = text(client, "STOP", sender=sender)
    assert len(stop) == 1 and "START" in stop[0]
    assert text(client, "hello", sender=sender)[1] == []


@pytest.mark.parametrize(
    "body",
    ["", "   ", "\t\n", "x" * 1700, "hello\x00\x07world", "\U0001F600\U0001F525", "'; DROP TABLE people; --",
     "<Response><Message>hi</Message></Response>", "\u202e\u200b", "CRAVING" * 300],
)
def test_bad_input_gets_a_clear_safe_answer(client, body):
    response, replies = text(client, body)
    assert response.status_code == 200
    assert len(replies) == 1
    assert HELPLINE_NUMBER in replies[0]


def test_an_empty_text_gets_the_menu(client):
    _, replies = text(client, "")
    assert "CRAVING" in replies[0] and "MEETINGS" in replies[0]


@pytest.mark.parametrize("sender", ["", "   "])
def test_a_missing_from_gets_400(client, sender):
    response = post_signed(client, "/sms", sms_params("HELP", sender=sender))
    assert response.status_code == 400


def test_a_from_that_is_not_a_number_gets_400(client):
    response = post_signed(client, "/sms", sms_params("HELP", sender="not-a-number"))
    assert response.status_code == 400


def test_logs_hold_no_message_body_and_no_full_number(client, caplog):
    secret = "my secret words about using tonight"
    with caplog.at_level(logging.DEBUG):
        text(client, secret, sender="+14155550123")
        text(client, "CRAVING", sender="+14155550123")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert secret not in logged
    assert "4155550123" not in logged
    assert "********23" in logged


def test_a_database_failure_is_never_a_500_and_a_crisis_still_gets_the_crisis_reply(tmp_path):
    app = make_app(make_settings(f"sqlite:///{tmp_path / 'a.sqlite3'}", str(tmp_path)))
    steady = app.extensions["steady"]
    steady.store.engine.dispose()
    (tmp_path / "a.sqlite3").unlink()
    (tmp_path / "a.sqlite3").mkdir()   # the database file is gone: every query fails
    client = app.test_client()
    ordinary = post_signed(client, "/sms", sms_params("CRAVING"))
    crisis = post_signed(client, "/sms", sms_params("my friend is not breathing"))
    assert ordinary.status_code == 200
    unavailable = steady.content.text("unavailable")
    assert [unavailable in r and "911" in r and "988" in r and HELPLINE_NUMBER in r
            for r in replies_of(ordinary)] == [True]
    assert crisis.status_code == 200
    assert "911" in replies_of(crisis)[0] and HELPLINE_NUMBER in replies_of(crisis)[0]
    assert unavailable not in replies_of(crisis)[0]
    spanish = post_signed(client, "/sms", sms_params("hola necesito ayuda con las ganas de usar"))
    en_espanol = steady.content.in_language("es").text("unavailable")
    assert en_espanol != unavailable
    assert [en_espanol in r and "911" in r and "988" in r for r in replies_of(spanish)] == [True]


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz")
    return make_app(make_settings(f"sqlite:///{path / 'fuzz.sqlite3'}", str(path))).test_client()


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.text(max_size=2000), sender_digits=st.integers(min_value=2000000, max_value=9999999))
def test_fuzzed_bodies_never_get_a_500(fuzz_client, body, sender_digits):
    response = post_signed(fuzz_client, "/sms", sms_params(body, sender=f"+1415{sender_digits}"))
    assert response.status_code == 200
    for reply in replies_of(response):
        assert HELPLINE_NUMBER in reply


def _sent_row(app, sid="SM" + "f" * 32):
    from datetime import datetime, timezone

    store = app.extensions["steady"].store
    now = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)
    with store.transaction() as tx:
        person = tx.person(PERSON, "sms", timezone="America/Los_Angeles", now=now)
        tx.session.add(models.OutboxMessage(
            person_id=person.id, kind="daily", slot="2026-11-24", body="hi 1-800-662-4357", status="sent",
            due_at=now, provider_sid=sid,
        ))
    return sid


def test_a_signed_status_callback_records_the_delivery_status(app, client):
    sid = _sent_row(app)
    params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003", "AccountSid": "AC" + "0" * 32}
    response = post_signed(client, "/sms/status", params)
    assert response.status_code == 204
    store = app.extensions["steady"].store
    with store.transaction() as tx:
        row = tx.session.execute(select(models.OutboxMessage)).scalar_one()
        assert (row.delivery_status, row.error_code) == ("undelivered", 30003)


def test_a_status_callback_with_21610_records_an_opt_out(app, client):
    sid = _sent_row(app)
    post_signed(client, "/sms/status", {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "21610"})
    _, replies = text(client, "CRAVING")
    assert replies == []


def test_a_forged_status_callback_gets_403(app, client):
    sid = _sent_row(app)
    response = client.post("/sms/status", data={"MessageSid": sid, "MessageStatus": "delivered"},
                           headers={"X-Twilio-Signature": "forged"})
    assert response.status_code == 403


@pytest.mark.parametrize("params", [{}, {"MessageSid": "SM1"}, {"MessageStatus": "sent"}])
def test_a_status_callback_missing_fields_gets_400(client, params):
    assert post_signed(client, "/sms/status", params).status_code == 400


def test_a_status_callback_for_an_unknown_message_is_accepted_quietly(client):
    response = post_signed(client, "/sms/status", {"MessageSid": "SM" + "a" * 32, "MessageStatus": "sent", "ErrorCode": "x"})
    assert response.status_code == 204


@hsettings(max_examples=300, deadline=None)
@given(replies=st.lists(st.text(max_size=200), max_size=3))
def test_twiml_is_byte_for_byte_what_the_twilio_library_writes(replies):
    from twilio.twiml.messaging_response import MessagingResponse

    from bot.webhook import twiml

    expected = MessagingResponse()
    for reply in replies:
        expected.message(reply)
    assert twiml(replies) == str(expected)


def test_twiml_escapes_markup_in_a_reply():
    from bot.webhook import twiml

    assert twiml(["a < b & c > d", "<Redirect>x</Redirect>"]) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>a &lt; b &amp; c &gt; d</Message>'
        "<Message>&lt;Redirect&gt;x&lt;/Redirect&gt;</Message></Response>"
    )
