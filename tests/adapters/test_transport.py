"""The outbound transports. TwilioTransport runs the real twilio library over real HTTP
against the loopback FakeTwilio; nothing is mocked."""

from __future__ import annotations

import io
import logging
import socket
import sys
import threading
import time

import pytest

from bot.transport import ConsoleTransport
from bot.transport import MemoryTransport
from bot.transport import SendResult
from bot.transport import Transport
from bot.transport import TwilioTransport
from bot.transport import UnconfiguredTransport
from bot.transport import build_transport
from bot.transport import classify

from tests.fakes.twilio_api import FakeTwilio

PERSON = "+15551234567"
SENDER = "+15005550006"
SERVICE = "MG" + "1" * 32
CALLBACK = "https://steady.example.org/sms/status"
BODY = "A short test text. SAMHSA National Helpline: 1-800-662-4357"


@pytest.fixture
def make_transport():
    """Build TwilioTransports and close their connections after the test."""
    made: list[TwilioTransport] = []

    def make(base_url: str, **kwargs) -> TwilioTransport:
        kwargs.setdefault("from_number", SENDER)
        account_sid = kwargs.pop("account_sid", "AC" + "0" * 32)
        auth_token = kwargs.pop("auth_token", "test-token")
        transport = TwilioTransport(account_sid, auth_token, api_base_url=base_url, **kwargs)
        made.append(transport)
        return transport

    yield make
    for transport in made:
        transport.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- success ----------------------------------------------------------------------------------


def test_a_successful_send_returns_the_sid_twilio_gave(fake, make_transport):
    result = make_transport(fake.base_url).send(PERSON, BODY)
    assert result.ok
    assert result.sid == fake.messages[0]["sid"]
    assert result.sid.startswith("SM") and len(result.sid) == 34
    assert result.status == "queued"
    assert not (result.retryable or result.opted_out or result.undeliverable)


def test_the_api_sees_to_from_body_and_status_callback(fake, make_transport):
    make_transport(fake.base_url).send(PERSON, BODY, status_callback=CALLBACK)
    assert fake.messages == [
        {
            "To": PERSON,
            "From": SENDER,
            "MessagingServiceSid": None,
            "Body": BODY,
            "StatusCallback": CALLBACK,
            "sid": fake.messages[0]["sid"],
        }
    ]


def test_no_status_callback_is_sent_when_none_is_given(fake, make_transport):
    make_transport(fake.base_url).send(PERSON, BODY)
    assert fake.messages[0]["StatusCallback"] is None


def test_a_base_url_with_a_trailing_slash_reaches_the_same_api(fake, make_transport):
    result = make_transport(fake.base_url + "/").send(PERSON, BODY)
    assert result.ok and len(fake.messages) == 1


def test_the_base_url_wins_over_twilio_edge_and_region_settings(fake, make_transport, monkeypatch):
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    monkeypatch.setenv("TWILIO_REGION", "au1")
    assert make_transport(fake.base_url).send(PERSON, BODY).ok
    assert len(fake.messages) == 1


@pytest.mark.parametrize(("no_proxy", "reaches_the_api"), [("", False), ("127.0.0.1", True)])
def test_proxy_settings_in_the_environment_are_honoured(fake, make_transport, monkeypatch, no_proxy, reaches_the_api):
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead_proxy)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, no_proxy)
    result = make_transport(fake.base_url).send(PERSON, BODY)
    assert (result.ok, result.retryable) == (reaches_the_api, not reaches_the_api)
    assert len(fake.messages) == (1 if reaches_the_api else 0)


def test_a_messaging_service_sends_without_a_from_number(fake, make_transport):
    result = make_transport(fake.base_url, from_number=None, messaging_service_sid=SERVICE).send(PERSON, BODY)
    assert result.ok and result.status == "accepted"
    assert fake.messages[0]["MessagingServiceSid"] == SERVICE
    assert fake.messages[0]["From"] is None


def test_the_messaging_service_wins_when_both_senders_are_set(fake, make_transport):
    make_transport(fake.base_url, messaging_service_sid=SERVICE).send(PERSON, BODY)
    assert (fake.messages[0]["MessagingServiceSid"], fake.messages[0]["From"]) == (SERVICE, None)


@pytest.mark.parametrize(
    ("configured_from", "to", "expected_from"),
    [
        (SENDER, "whatsapp:" + PERSON, "whatsapp:" + SENDER),
        (SENDER, PERSON, SENDER),
        ("whatsapp:" + SENDER, "whatsapp:" + PERSON, "whatsapp:" + SENDER),
        ("whatsapp:" + SENDER, PERSON, SENDER),
    ],
)
def test_the_from_number_takes_the_channel_of_the_recipient(fake, make_transport, configured_from, to, expected_from):
    result = make_transport(fake.base_url, from_number=configured_from).send(to, BODY)
    assert result.ok
    assert (fake.messages[0]["To"], fake.messages[0]["From"]) == (to, expected_from)


def test_whatsapp_through_a_messaging_service_sends_only_the_prefixed_to(fake, make_transport):
    to = "whatsapp:" + PERSON
    result = make_transport(fake.base_url, from_number=None, messaging_service_sid=SERVICE).send(to, BODY)
    assert result.ok
    assert (fake.messages[0]["To"], fake.messages[0]["From"]) == (to, None)


# -- failures from the API --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("http_status", "code", "expected"),
    [
        (429, None, SendResult(ok=False, error_code=20429, http_status=429, retryable=True)),
        (500, None, SendResult(ok=False, error_code=20500, http_status=500, retryable=True, maybe_sent=True)),
        (503, None, SendResult(ok=False, error_code=None, http_status=503, retryable=True, maybe_sent=True)),
        (400, 21611, SendResult(ok=False, error_code=21611, http_status=400, retryable=True)),
        (400, 21610, SendResult(ok=False, error_code=21610, http_status=400, opted_out=True)),
        (400, 21211, SendResult(ok=False, error_code=21211, http_status=400, undeliverable=True)),
        (400, 21614, SendResult(ok=False, error_code=21614, http_status=400, undeliverable=True)),
        (400, 21635, SendResult(ok=False, error_code=21635, http_status=400, undeliverable=True)),
        (400, 30005, SendResult(ok=False, error_code=30005, http_status=400, undeliverable=True)),
        (400, 30006, SendResult(ok=False, error_code=30006, http_status=400, undeliverable=True)),
        (400, 63016, SendResult(ok=False, error_code=63016, http_status=400, whatsapp_window=True)),
        (400, 21608, SendResult(ok=False, error_code=21608, http_status=400)),
    ],
)
def test_each_twilio_error_maps_to_what_the_outbox_should_do(fake, make_transport, http_status, code, expected):
    fake.fail_next(1, http_status=http_status, code=code)
    assert make_transport(fake.base_url).send(PERSON, BODY) == expected
    assert fake.messages == []


def test_a_proxy_error_page_that_is_not_json_is_retryable(fake, make_transport):
    fake.fail_next(1, http_status=502, raw_body="<html><body>Bad Gateway</body></html>")
    result = make_transport(fake.base_url).send(PERSON, BODY)
    assert result == SendResult(ok=False, http_status=502, retryable=True, maybe_sent=True)


def test_a_number_that_replied_stop_at_twilio_is_opted_out_every_time(fake, make_transport):
    fake.fail_for(PERSON, http_status=400, code=21610)
    transport = make_transport(fake.base_url)
    results = [transport.send(PERSON, BODY) for _ in range(2)]
    assert all(r.opted_out and not r.retryable and not r.ok for r in results)
    assert transport.send("+15557654321", BODY).ok


def test_a_number_twilio_cannot_parse_is_undeliverable(fake, make_transport):
    result = make_transport(fake.base_url).send("+12", BODY)
    assert (result.ok, result.undeliverable, result.error_code) == (False, True, 21211)


def test_a_wrong_token_is_a_failure_that_is_not_retried(fake, make_transport):
    result = make_transport(fake.base_url, auth_token="wrong-token").send(PERSON, BODY)
    assert result == SendResult(ok=False, error_code=20003, http_status=401)


def test_the_transport_makes_exactly_one_attempt_per_send(fake, make_transport):
    fake.fail_next(1, http_status=503)
    transport = make_transport(fake.base_url)
    assert transport.send(PERSON, BODY).retryable
    assert fake.requests == 1
    assert transport.send(PERSON, BODY).ok
    assert fake.requests == 2


# -- failures of the network ------------------------------------------------------------------


def test_a_server_that_went_away_is_a_retryable_failure(fake, make_transport):
    transport = make_transport(fake.base_url)
    assert transport.send(PERSON, BODY).ok  # leaves a kept-alive connection in the pool
    fake.stop()
    result = transport.send(PERSON, BODY)
    assert result == SendResult(ok=False, retryable=True)


def test_a_closed_port_is_a_retryable_failure(make_transport):
    result = make_transport(f"http://127.0.0.1:{free_port()}").send(PERSON, BODY)
    assert result == SendResult(ok=False, retryable=True)


def test_an_api_slower_than_the_timeout_may_have_sent_so_it_is_retried_only_after_a_look_up(make_transport):
    with FakeTwilio(delay=5.0) as slow:
        started = time.monotonic()
        result = make_transport(slow.base_url, timeout=0.2).send(PERSON, BODY)
        elapsed = time.monotonic() - started
    assert result == SendResult(ok=False, retryable=True, maybe_sent=True)
    assert elapsed < 2.0


def test_a_malformed_base_url_is_a_failure_that_is_not_retried(make_transport):
    result = make_transport("nonsense://nowhere").send(PERSON, BODY)
    assert (result.ok, result.retryable) == (False, False)


# -- logs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("http_status", "code"), [(400, 21211), (400, 21610), (503, None)])
def test_a_failed_send_logs_a_masked_number_and_the_code_never_the_body(fake, make_transport, caplog, http_status, code):
    fake.fail_next(1, http_status=http_status, code=code, message=f"The 'To' number {PERSON} is bad")
    with caplog.at_level(logging.DEBUG):
        make_transport(fake.base_url).send(PERSON, BODY)
    warnings = [r for r in caplog.records if r.name == "bot.transport" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "+1********67" in warnings[0].getMessage()
    assert str(code or http_status) in warnings[0].getMessage()
    everything = caplog.text
    assert PERSON not in everything and PERSON[2:] not in everything
    assert BODY not in everything and "SAMHSA" not in everything


def test_a_network_failure_logs_a_masked_number(make_transport, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.transport"):
        make_transport(f"http://127.0.0.1:{free_port()}").send("whatsapp:" + PERSON, BODY)
    assert "whatsapp:+1********67" in caplog.text
    assert PERSON not in caplog.text and BODY not in caplog.text


# -- threads ----------------------------------------------------------------------------------


def test_sends_from_many_threads_all_arrive_once(fake, make_transport):
    transport = make_transport(fake.base_url)
    results: list[SendResult] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(25):
            result = transport.send(f"+1555{n:03d}{i:04d}", BODY)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 200 and all(r.ok for r in results)
    assert {r.sid for r in results} == {m["sid"] for m in fake.messages}
    assert len(fake.messages) == 200 and fake.requests == 200


# -- construction and selection ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"account_sid": "", "auth_token": "t", "from_number": SENDER},
        {"account_sid": "AC1", "auth_token": "", "from_number": SENDER},
        {"account_sid": "AC1", "auth_token": "t"},
        {"account_sid": "AC1", "auth_token": "t", "from_number": SENDER, "timeout": 0},
    ],
)
def test_a_twilio_transport_refuses_an_incomplete_configuration(kwargs):
    account_sid = kwargs.pop("account_sid")
    auth_token = kwargs.pop("auth_token")
    with pytest.raises(ValueError):
        TwilioTransport(account_sid, auth_token, **kwargs)


SENDER_SETTING = "TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID)"


@pytest.mark.parametrize(
    ("account_sid", "auth_token", "from_number", "service", "missing"),
    [
        (None, None, None, None, ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", SENDER_SETTING)),
        ("AC1", None, SENDER, None, ("TWILIO_AUTH_TOKEN",)),
        (None, "token", SENDER, None, ("TWILIO_ACCOUNT_SID",)),
        ("AC1", "token", None, None, (SENDER_SETTING,)),
        ("AC1", "token", SENDER, None, None),
        ("AC1", "token", None, SERVICE, None),
    ],
)
def test_build_transport_picks_twilio_only_with_full_credentials_and_never_the_console(
    account_sid, auth_token, from_number, service, missing
):
    transport = build_transport(
        account_sid=account_sid,
        auth_token=auth_token,
        from_number=from_number,
        messaging_service_sid=service,
        api_base_url=None,
    )
    if missing is None:
        assert type(transport) is TwilioTransport
        transport.close()
    else:
        assert type(transport) is UnconfiguredTransport
        assert transport.missing == missing


def test_an_unconfigured_transport_fails_every_send_loudly_without_the_body_or_a_sid(caplog, capsys):
    transport = build_transport(account_sid="AC1", auth_token=None, from_number=SENDER, messaging_service_sid=None)
    with caplog.at_level(logging.ERROR, logger="bot.transport"):
        result = transport.send(PERSON, BODY, status_callback=CALLBACK)
    assert not result.ok and result.sid is None
    assert not (result.retryable or result.opted_out or result.undeliverable)   # our own, permanent
    assert result.status == "not_configured"
    assert "TWILIO_AUTH_TOKEN" in caplog.text and "+1********67" in caplog.text
    assert BODY not in caplog.text and PERSON not in caplog.text
    assert capsys.readouterr() == ("", "")


def test_a_twilio_transport_built_with_a_base_url_sends_there(fake):
    transport = build_transport(
        account_sid=fake.account_sid,
        auth_token=fake.auth_token,
        from_number=SENDER,
        messaging_service_sid=None,
        api_base_url=fake.base_url,
    )
    try:
        assert transport.send(PERSON, BODY).ok
    finally:
        transport.close()
    assert fake.messages[0]["To"] == PERSON


@pytest.mark.parametrize(
    "transport",
    [ConsoleTransport(io.StringIO()), MemoryTransport(), TwilioTransport("AC1", "t", from_number=SENDER),
     UnconfiguredTransport(("TWILIO_AUTH_TOKEN",))],
    ids=["console", "memory", "twilio", "unconfigured"],
)
def test_every_transport_implements_the_protocol(transport):
    assert isinstance(transport, Transport)


# -- console and memory -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "line"),
    [
        (PERSON, f"to +1********67: {BODY}\n"),
        ("whatsapp:" + PERSON, f"to whatsapp:+1********67: {BODY}\n"),
    ],
)
def test_the_console_transport_prints_the_body_with_the_number_masked_and_fakes_no_sid(to, line):
    stream = io.StringIO()
    result = ConsoleTransport(stream).send(to, BODY)
    assert stream.getvalue() == line
    assert PERSON not in stream.getvalue()
    assert result.ok and result.sid is None and result.status == "console"


def test_the_console_transport_writes_to_stdout_by_default(capsys):
    ConsoleTransport().send(PERSON, "hello")
    assert capsys.readouterr().out == "to +1********67: hello\n"


def test_the_memory_transport_records_what_it_sent():
    memory = MemoryTransport()
    result = memory.send(PERSON, BODY, status_callback=CALLBACK)
    assert result.ok and result.sid.startswith("SM")
    assert memory.sent == [(PERSON, BODY, CALLBACK)]


@pytest.mark.parametrize(
    ("http_status", "code", "field"),
    [(400, 21610, "opted_out"), (400, 21614, "undeliverable"), (503, None, "retryable"), (None, None, "retryable")],
)
def test_scripted_memory_failures_read_like_twilio_ones(http_status, code, field):
    memory = MemoryTransport()
    memory.fail_next(1, http_status=http_status, code=code)
    failed = memory.send(PERSON, BODY)
    assert not failed.ok and getattr(failed, field)
    assert memory.send(PERSON, BODY).ok
    assert memory.sent == [(PERSON, BODY, None)]
    assert len(memory.attempts) == 2


def test_a_memory_failure_for_one_number_lasts_and_spares_the_others():
    memory = MemoryTransport()
    memory.fail_for(PERSON, http_status=400, code=21610)
    assert memory.send(PERSON, BODY).opted_out
    assert memory.send(PERSON, BODY).opted_out
    assert memory.send("+15557654321", BODY).ok
    assert memory.sent == [("+15557654321", BODY, None)]


@pytest.mark.parametrize(
    ("http_status", "code", "expected"),
    [
        (None, None, SendResult(ok=False, retryable=True)),
        (408, None, SendResult(ok=False, http_status=408, retryable=True)),
        (502, 502, SendResult(ok=False, http_status=502, retryable=True, maybe_sent=True)),
        (503, 21610, SendResult(ok=False, http_status=503, error_code=21610, opted_out=True)),
        (401, 20003, SendResult(ok=False, http_status=401, error_code=20003)),
        (400, 20429, SendResult(ok=False, http_status=400, error_code=20429, retryable=True)),
    ],
)
def test_classify_reads_status_and_code_together(http_status, code, expected):
    assert classify(http_status, code) == expected
