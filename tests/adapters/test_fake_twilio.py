"""The loopback fake of Twilio's Messages API behaves like the parts of Twilio we rely on."""

from __future__ import annotations

import base64
import http.client
import re
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fakes.twilio_api import FakeTwilio
from tests.fakes.twilio_api import num_segments

ACCOUNT = "AC" + "0" * 32
TOKEN = "test-token"
PERSON = "+15551234567"
SENDER = "+15005550006"
SERVICE = "MG" + "1" * 32


@pytest.fixture
def session():
    with requests.Session() as s:
        yield s


def post(session, fake, data, *, auth=(ACCOUNT, TOKEN), account=ACCOUNT):
    """POST a Message create the way twilio-python does (form-encoded, Basic auth)."""
    return session.post(f"{fake.base_url}/2010-04-01/Accounts/{account}/Messages.json", data=data, auth=auth)


VALID = {"To": PERSON, "From": SENDER, "Body": "hello"}


# -- success ----------------------------------------------------------------------------------


def test_a_valid_message_gets_a_201_message_resource(fake, session):
    response = post(session, fake, dict(VALID, StatusCallback="https://x.example/sms/status"))
    assert response.status_code == 201
    message = response.json()
    assert re.fullmatch(r"SM[0-9a-f]{32}", message["sid"])
    assert (message["to"], message["from"], message["body"], message["status"]) == (PERSON, SENDER, "hello", "queued")
    assert message["num_segments"] == "1" and message["direction"] == "outbound-api"
    assert message["uri"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{message['sid']}.json"
    assert fake.messages == [
        {
            "To": PERSON,
            "From": SENDER,
            "MessagingServiceSid": None,
            "Body": "hello",
            "StatusCallback": "https://x.example/sms/status",
            "sid": message["sid"],
        }
    ]
    assert fake.message(message["sid"]) == fake.messages[0]


def test_a_messaging_service_message_is_accepted_without_a_from(fake, session):
    response = post(session, fake, {"To": PERSON, "MessagingServiceSid": SERVICE, "Body": "hi"})
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["from"]) == ("accepted", None)
    assert fake.messages[0]["MessagingServiceSid"] == SERVICE


def test_the_real_twilio_library_parses_the_message_resource(fake):
    client = Client(ACCOUNT, TOKEN, http_client=TwilioHttpClient(timeout=5))
    client.api.base_url = fake.base_url
    try:
        message = client.messages.create(to=PERSON, from_=SENDER, body="x" * 161)
    finally:
        client.http_client.session.close()
    assert message.sid == fake.messages[0]["sid"]
    assert isinstance(message.date_created, datetime) and message.date_created.tzinfo is not None
    assert (message.num_segments, message.status, message.to) == ("2", "queued", PERSON)


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("[" * 80, 1),
        ("[" * 81, 2),
        ("\u00e9" * 160, 1),
        ("\u201c" * 70, 1),
        ("\u201c" * 71, 2),
    ],
)
def test_segments_are_counted_as_gsm_7_or_ucs_2(body, segments):
    assert num_segments(body) == segments


# -- auth -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "account"),
    [
        ((ACCOUNT, "wrong"), ACCOUNT),
        (("AC" + "9" * 32, TOKEN), ACCOUNT),
        (None, ACCOUNT),
        ((ACCOUNT, TOKEN), "AC" + "9" * 32),
    ],
    ids=["wrong-token", "wrong-sid", "no-auth", "other-account-in-path"],
)
def test_bad_credentials_get_401_with_code_20003(fake, session, auth, account):
    response = post(session, fake, VALID, auth=auth, account=account)
    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert fake.messages == [] and fake.requests == 1


def test_an_unknown_path_gets_404(fake, session):
    response = session.post(f"{fake.base_url}/2010-04-01/Accounts/{ACCOUNT}/Calls.json", data=VALID, auth=(ACCOUNT, TOKEN))
    assert (response.status_code, response.json()["code"]) == (404, 20404)


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"From": SENDER, "Body": "hi"}, 21604),
        ({"To": "5551234567", "From": SENDER, "Body": "hi"}, 21211),
        ({"To": "+1", "From": SENDER, "Body": "hi"}, 21211),
        ({"To": PERSON, "From": SENDER}, 21602),
        ({"To": PERSON, "From": SENDER, "Body": ""}, 21602),
        ({"To": PERSON, "From": SENDER, "Body": "x" * 1601}, 21617),
        ({"To": PERSON, "Body": "hi"}, 21603),
        ({"To": "whatsapp:" + PERSON, "From": SENDER, "Body": "hi"}, 21910),
        ({"To": PERSON, "From": "whatsapp:" + SENDER, "Body": "hi"}, 21910),
    ],
)
def test_an_invalid_message_gets_twilios_400_and_code(fake, session, data, code):
    response = post(session, fake, data)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["status"] == 400
    assert fake.messages == []


def test_a_whatsapp_pair_is_valid(fake, session):
    response = post(session, fake, {"To": "whatsapp:" + PERSON, "From": "whatsapp:" + SENDER, "Body": "hi"})
    assert response.status_code == 201


# -- scripted failures ------------------------------------------------------------------------


def test_fail_next_fails_exactly_the_next_n_posts_like_twilio(fake, session):
    fake.fail_next(2, http_status=503, code=20503, message="Service is unavailable")
    first, second, third = (post(session, fake, VALID) for _ in range(3))
    assert first.status_code == second.status_code == 503
    assert first.json() == {
        "code": 20503,
        "message": "Service is unavailable",
        "more_info": "https://www.twilio.com/docs/errors/20503",
        "status": 503,
    }
    assert third.status_code == 201
    assert fake.requests == 3 and len(fake.messages) == 1


@pytest.mark.parametrize(("http_status", "code"), [(429, 20429), (500, 20500), (503, None)])
def test_a_scripted_failure_without_a_code_gets_twilios_usual_one(fake, session, http_status, code):
    fake.fail_next(1, http_status=http_status)
    response = post(session, fake, VALID)
    assert (response.status_code, response.json()["code"]) == (http_status, code)


def test_a_raw_failure_body_is_served_as_is(fake, session):
    fake.fail_next(1, http_status=502, raw_body="<html>Bad Gateway</html>")
    response = post(session, fake, VALID)
    assert (response.status_code, response.text) == (502, "<html>Bad Gateway</html>")
    assert response.headers["Content-Type"].startswith("text/html")


def test_scripted_failures_come_after_the_auth_check(fake, session):
    fake.fail_next(1, http_status=500)
    assert post(session, fake, VALID, auth=(ACCOUNT, "wrong")).status_code == 401
    assert post(session, fake, VALID).status_code == 500


def test_fail_for_fails_that_number_on_every_channel_and_spares_the_others(fake, session):
    fake.fail_for(PERSON, http_status=400, code=21610)
    assert post(session, fake, VALID).json()["code"] == 21610
    assert post(session, fake, VALID).json()["code"] == 21610
    whatsapp = {"To": "whatsapp:" + PERSON, "From": "whatsapp:" + SENDER, "Body": "hi"}
    assert post(session, fake, whatsapp).json()["code"] == 21610
    assert post(session, fake, dict(VALID, To="+15557654321")).status_code == 201
    assert [m["To"] for m in fake.messages] == ["+15557654321"]


def test_reset_forgets_messages_counts_and_failures(fake, session):
    fake.fail_for(PERSON, http_status=400, code=21610)
    post(session, fake, dict(VALID, To="+15557654321"))
    fake.fail_next(1, http_status=500)
    fake.reset()
    assert (fake.messages, fake.requests) == ([], 0)
    assert post(session, fake, VALID).status_code == 201


def test_the_delay_knob_holds_each_answer(session):
    with FakeTwilio(delay=0.3) as slow:
        started = time.monotonic()
        assert post(session, slow, VALID).status_code == 201
        assert time.monotonic() - started >= 0.3


def test_stopping_wakes_a_delayed_request_at_once():
    slow = FakeTwilio(delay=30).start()
    done = threading.Event()

    def call() -> None:
        try:
            with requests.Session() as s:
                post(s, slow, VALID)
        except requests.RequestException:
            pass
        done.set()

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    slow.stop()
    assert done.wait(5)
    thread.join()
    assert time.monotonic() - started < 3


# -- HTTP behaviour ---------------------------------------------------------------------------


def test_one_connection_carries_many_requests(fake):
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    try:
        for _ in range(3):
            conn.request(
                "POST",
                f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
                body="To=%2B15551234567&From=%2B15005550006&Body=hi",
                headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic()},
            )
            response = conn.getresponse()
            response.read()
            assert response.status == 201
        assert len(fake.messages) == 3
    finally:
        conn.close()


def test_stop_cuts_kept_alive_connections_and_frees_the_port():
    fake = FakeTwilio().start()
    port = fake.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/")
        conn.getresponse().read()
        fake.stop()
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            conn.request("GET", "/")
            conn.getresponse().read()
    finally:
        conn.close()
    with pytest.raises(RuntimeError):
        fake.base_url
    with pytest.raises(requests.ConnectionError), requests.Session() as s:
        s.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_the_fake_is_quiet_on_stderr(fake, session, capfd):
    post(session, fake, VALID)
    post(session, fake, VALID, auth=(ACCOUNT, "wrong"))
    assert capfd.readouterr().err == ""


def test_concurrent_posts_are_all_counted_and_kept(fake):
    def worker() -> None:
        with requests.Session() as s:
            for _ in range(50):
                assert post(s, fake, VALID).status_code == 201

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake.requests == 400
    assert len({m["sid"] for m in fake.messages}) == 400


def basic() -> str:
    """An Authorization header with the fake's credentials."""
    return "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()


# -- status callbacks -------------------------------------------------------------------------


class _Receiver:
    """A tiny HTTP endpoint that records status callbacks and answers with `status`."""

    def __init__(self, status: int = 204) -> None:
        self.received: list[tuple[dict[str, str], str | None]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                receiver.received.append((form, self.headers.get("X-Twilio-Signature")))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> _Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms/status"


def test_a_status_callback_is_signed_like_twilio_signs_it(fake, session):
    sid = post(session, fake, VALID).json()["sid"]
    with _Receiver() as receiver:
        answered = fake.send_status(receiver.url, sid, "undelivered", error_code=30003)
    assert answered == 204
    form, signature = receiver.received[0]
    assert form == {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": "undelivered",
        "SmsStatus": "undelivered",
        "To": PERSON,
        "From": SENDER,
        "ErrorCode": "30003",
    }
    assert RequestValidator(TOKEN).validate(receiver.url, form, signature)


def test_a_status_callback_signed_with_another_token_does_not_validate(fake, session):
    sid = post(session, fake, VALID).json()["sid"]
    with _Receiver(status=403) as receiver:
        answered = fake.send_status(receiver.url, sid, "delivered", signer_token="not-the-token")
    form, signature = receiver.received[0]
    assert answered == 403
    assert "ErrorCode" not in form
    assert not RequestValidator(TOKEN).validate(receiver.url, form, signature)
