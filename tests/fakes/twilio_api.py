"""A loopback fake of Twilio's Messages API, over real HTTP, for the real twilio library.

Tests and bench/ scripts point `TwilioTransport(api_base_url=fake.base_url)` at it, so the
whole path (twilio-python, requests, sockets, JSON, error mapping) runs as in production.
Standard library only (twilio is imported lazily by `send_status`, to sign callbacks).

It does what the transport relies on: HTTP Basic auth (20003), Twilio's validation of
To / Body / From-or-MessagingServiceSid (21604, 21602, 21603, 21211, 21617, 21910), a 201
Message resource, and scripted failures shaped like Twilio's error JSON. It does not queue,
deliver or rate-limit anything unless told to.

The Messages list (GET, filtered by To, From and DateSent, paginated newest first like
Twilio's) lets the outbox look a message up after a failure that may hide a create; the
faults for that are `create_then_fail` (created, then a 5xx) and `fail_lookups`.

DELETE of one Message (`/Messages/{MessageSid}.json`) removes a message it holds, sent
(`messages`) or received (`receive` records one, as Twilio does when a text arrives): 204,
or 404 (20404) for a SID it does not hold. `fail_deletes` scripts failures (the in-progress
error 20009, a 5xx); `hold_deletes` keeps every DELETE waiting until released.
"""

from __future__ import annotations

import base64
import hmac
import http
import json
import math
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

API_VERSION = "2010-04-01"
_ROUTE = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")
_MESSAGE_ROUTE = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json$")
#: Twilio's error for a message it has not finished with: twilio.com/docs/api/errors/20009.
IN_PROGRESS_CODE = 20009
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_WHATSAPP = "whatsapp:"
_MAX_BODY = 1600

#: Twilio's own code for a bare HTTP status, used when a scripted failure names none.
_DEFAULT_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500}

# GSM 03.38: the basic set costs one septet, the extension set two (escape + char).
_GSM_BASIC = set(
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9"
    " !\"#\u00a4%&'()*+,-./0123456789:;<=>?\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1"
    "\u00dc\u00a7\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"
)
_GSM_EXTENDED = set("^{}\\[~]|\u20ac\f")


def num_segments(body: str) -> int:
    """How many SMS segments Twilio would bill for `body` (GSM-7 160/153, else UCS-2 70/67)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in body):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in body)
        single, multi = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if units <= single else math.ceil(units / multi)


@dataclass(frozen=True)
class _Failure:
    """One scripted failure response."""

    http_status: int
    code: int | None
    message: str
    raw_body: str | None = None


@dataclass
class _Listed:
    """One created message as the Messages list shows it."""

    resource: dict[str, Any]
    created: datetime
    sent: datetime | None


class _Server(ThreadingHTTPServer):
    """Tracks open connections so `stop()` can cut keep-alive ones, like a dead server."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeTwilio) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        """Quiet: a client that hung up (timeout tests) is expected, not news."""

    def cut_connections(self) -> None:
        """Shut every open connection down, waking handler threads blocked on them."""
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive; each response written in one send."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no access log on stderr."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:   # the client went away mid-body (killed): no request reached Twilio
            self.close_connection = True
            return
        status, payload = self.server.fake._handle_post(self.path, self.headers.get("Authorization"), raw)
        self._reply(status, payload)

    def do_GET(self) -> None:
        status, payload = self.server.fake._handle_get(self.path, self.headers.get("Authorization"))
        self._reply(status, payload)

    def do_DELETE(self) -> None:
        status, payload = self.server.fake._handle_delete(self.path, self.headers.get("Authorization"))
        self._reply(status, payload)

    def _reply(self, status: int, payload: str | bytes) -> None:
        """Status line, headers and body in one write (no Nagle/delayed-ACK stall)."""
        body = payload.encode() if isinstance(payload, str) else payload
        ctype = "application/json" if body[:1] in (b"{", b"[") else "text/html"
        length = "" if status == 204 else f"Content-Length: {len(body)}\r\n"     # 204: no body, no length
        head = (
            f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
            f"Content-Type: {ctype}; charset=utf-8\r\n"
            f"{length}"
            f"Twilio-Request-Id: RQ{uuid.uuid4().hex}\r\n"
            "\r\n"
        ).encode("latin-1")
        self.wfile.write(head + body)


def _error_json(http_status: int, code: int | None, message: str) -> str:
    """An error body shaped like Twilio's (legacy, non RFC-9457 form)."""
    more_info = f"https://www.twilio.com/docs/errors/{code}" if code else None
    return json.dumps({"code": code, "message": message, "more_info": more_info, "status": http_status})


class FakeTwilio:
    """Loopback fake of the Messages API, over real HTTP, for the real twilio library.

    `messages` holds every accepted message as a dict with To, From, MessagingServiceSid,
    Body, StatusCallback and sid; `received_at[sid]` is time.monotonic() when its POST
    arrived (before any delay); `requests` counts every POST, failed or not. `delay`
    (seconds) holds each POST before answering, to test client timeouts and texts in flight.

    `lookups` counts every GET of the Messages list. `clock` (a callable giving an aware
    UTC datetime) stamps DateCreated and DateSent, so tests with a controlled clock agree
    with it. With `sends_at_once` (the default) a message is listed as sent the moment it
    is created; without it, it stays queued (no DateSent, as at Twilio before the carrier
    has it).
    """

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "test-token",
        *,
        delay: float = 0.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.delay = delay
        self.messages: list[dict[str, str | None]] = []
        self.received_at: dict[str, float] = {}
        self.requests = 0
        self._failures: deque[_Failure] = deque()
        self._fail_for: dict[str, _Failure] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._init_list()
        self._init_deletes()

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
            name="fake-twilio", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, cut open keep-alive connections, free the port."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.cut_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only while started)."""
        if self._server is None:
            raise RuntimeError("FakeTwilio is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What to give TwilioTransport as api_base_url, e.g. http://127.0.0.1:54321."""
        return f"http://127.0.0.1:{self.port}"

    # -- scripting --------------------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        *,
        http_status: int,
        code: int | None = None,
        message: str = "",
        raw_body: str | None = None,
    ) -> None:
        """The next `n` authenticated POSTs fail with this status and Twilio error JSON
        (or with `raw_body` as-is, like an HTML page from a proxy)."""
        failure = self._failure(http_status, code, message, raw_body)
        with self._lock:
            self._failures.extend([failure] * n)

    def fail_for(self, to: str, *, http_status: int, code: int, message: str = "") -> None:
        """Every valid POST to `to` (with or without a "whatsapp:" prefix) fails like this."""
        with self._lock:
            self._fail_for[_bare(to)] = self._failure(http_status, code, message, None)

    def reset(self) -> None:
        """Forget messages, counts and scripted failures (between benchmark rounds)."""
        with self._lock:
            self.messages.clear()
            self.received_at.clear()
            self.requests = 0
            self._failures.clear()
            self._fail_for.clear()
            self._reset_list()
            self._reset_deletes()

    def message(self, sid: str) -> dict[str, str | None] | None:
        """The accepted message with this sid, if any."""
        with self._lock:
            return next((m for m in self.messages if m["sid"] == sid), None)

    # -- the Messages list, and the faults around it ---------------------------------------

    def _init_list(self) -> None:
        self.clock = lambda: datetime.now(timezone.utc)
        self.sends_at_once = True
        self.lookups = 0
        self._listed: list[_Listed] = []
        self._fail_after_create: deque[_Failure] = deque()
        self._lookup_failures: deque[_Failure] = deque()

    def _reset_list(self) -> None:
        """Part of `reset()` (called with the lock held)."""
        self.lookups = 0
        self._listed.clear()
        self._fail_after_create.clear()
        self._lookup_failures.clear()

    def create_then_fail(
        self, n: int, *, http_status: int = 504, code: int | None = None, message: str = "",
        raw_body: str | None = None,
    ) -> None:
        """The next `n` valid POSTs create their message (in `messages` and the list), then
        answer this failure: a gateway's 502/504, or a 500 after Twilio's write."""
        failure = self._failure(http_status, code, message, raw_body)
        with self._lock:
            self._fail_after_create.extend([failure] * n)

    def fail_lookups(
        self, n: int, *, http_status: int = 500, code: int | None = None, message: str = "",
        raw_body: str | None = None,
    ) -> None:
        """The next `n` authenticated GETs of the Messages list fail like this."""
        failure = self._failure(http_status, code, message, raw_body)
        with self._lock:
            self._lookup_failures.extend([failure] * n)

    def _create(self, form: dict[str, str], arrived: float) -> tuple[int, str]:
        """Accept a valid message; then answer 201, or a failure scripted to follow it."""
        created = self._accept(form, arrived)
        with self._lock:
            after = self._fail_after_create.popleft() if self._fail_after_create else None
        return (201, created) if after is None else self._render(after)

    def _handle_get(self, path: str, authorization: str | None) -> tuple[int, str]:
        """A page of the Messages list, newest first, filtered as Twilio filters it: To,
        From, and DateSent (=, > and <; a bare date means the whole day, a message with no
        DateSent yet matches no DateSent filter). Pages carry a PageToken like Twilio's."""
        with self._lock:
            self.lookups += 1
        query = path.partition("?")[2]
        refused = self._refusal(path, authorization)
        if refused is not None:
            return refused
        with self._lock:
            scripted = self._lookup_failures.popleft() if self._lookup_failures else None
        if scripted is not None:
            return self._render(scripted)
        params = {k: v[0] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        try:
            size = min(1000, max(1, int(params.get("PageSize") or 50)))
            page = max(0, int(params.get("Page") or 0))
            dates = [(key, _when(params[key])) for key in ("DateSent", "DateSent>", "DateSent<") if key in params]
        except ValueError:
            return 400, _error_json(400, 20001, "Invalid PageSize, Page or DateSent")
        with self._lock:
            listed = list(reversed(self._listed))
        matching = [
            m for m in listed
            if params.get("To") in (None, m.resource["to"])
            and params.get("From") in (None, m.resource["from"])
            and all(_date_matches(m.sent, key, when) for key, when in dates)
        ]
        start = 0
        token = params.get("PageToken")
        if token:
            after = next((i for i, m in enumerate(matching) if "PA" + m.resource["sid"] == token), None)
            if after is None:
                return 400, _error_json(400, 20001, "Invalid PageToken")
            start = after + 1
        chunk = matching[start:start + size]
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"
        kept = {k: v for k, v in params.items() if k not in ("Page", "PageSize", "PageToken")}

        def uri(number: int, **extra: str) -> str:
            return base + "?" + urllib.parse.urlencode(dict(kept, PageSize=size, Page=number, **extra))

        more = start + size < len(matching)
        return 200, json.dumps({
            "end": start + max(0, len(chunk) - 1),
            "first_page_uri": uri(0),
            "messages": [_as_listed(m) for m in chunk],
            "next_page_uri": uri(page + 1, PageToken="PA" + chunk[-1].resource["sid"]) if more else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": uri(page - 1) if page else None,
            "start": start,
            "uri": uri(page, **({"PageToken": token} if token else {})),
        })

    # -- received messages, and deleting messages -----------------------------------------

    def _init_deletes(self) -> None:
        self.received: list[dict[str, str | None]] = []
        self.deleted: list[str] = []          # each SID deleted, in order
        self.delete_requests: list[str] = []  # the SID of every authenticated DELETE, failed or not
        self._delete_failures: deque[_Failure] = deque()
        self._deletes_open = threading.Event()
        self._deletes_open.set()

    def _reset_deletes(self) -> None:
        """Part of `reset()` (called with the lock held)."""
        self.received.clear()
        self.deleted.clear()
        self.delete_requests.clear()
        self._delete_failures.clear()
        self._deletes_open.set()

    def receive(self, from_: str, body: str, to: str = "+15005550006", sid: str | None = None) -> str:
        """Hold a received text as Twilio does when one arrives; its MessageSid, to post to
        the webhook."""
        sid = sid or "SM" + uuid.uuid4().hex
        with self._lock:
            self.received.append({"From": from_, "To": to, "Body": body, "sid": sid})
        return sid

    def holds(self, sid: str) -> bool:
        """Whether a message with this SID, sent or received, is still here."""
        with self._lock:
            return any(m["sid"] == sid for m in self.messages) or any(m["sid"] == sid for m in self.received)

    def fail_deletes(
        self, n: int, *, http_status: int = 409, code: int | None = None, message: str = "",
        raw_body: str | None = None,
    ) -> None:
        """The next `n` authenticated DELETEs fail like this. By default as Twilio answers a
        message it has not finished with: error 20009 (its HTTP status is not documented;
        409 here, and the code is what Steady goes by); a 5xx gets Twilio's code for it."""
        if http_status == 409 and code is None:
            code = IN_PROGRESS_CODE
            message = message or "Cannot delete this resource before it is complete"
        failure = self._failure(http_status, code, message, raw_body)
        with self._lock:
            self._delete_failures.extend([failure] * n)

    def hold_deletes(self) -> None:
        """Every DELETE waits (the connection open, no answer) until `release_deletes`."""
        self._deletes_open.clear()

    def release_deletes(self) -> None:
        self._deletes_open.set()

    def _handle_delete(self, path: str, authorization: str | None) -> tuple[int, str]:
        """204 when the message was here (now gone), 404 (20404) when it is not."""
        refused = self._refusal(path, authorization, _MESSAGE_ROUTE)
        if refused is not None:
            return refused
        sid = _MESSAGE_ROUTE.match(path.split("?", 1)[0])["sid"]
        with self._lock:
            self.delete_requests.append(sid)
        while not self._deletes_open.wait(0.05):
            if self._stopping.is_set():
                return 503, _error_json(503, None, "Service Unavailable")
        with self._lock:
            scripted = self._delete_failures.popleft() if self._delete_failures else None
        if scripted is not None:
            return self._render(scripted)
        with self._lock:
            before = len(self.messages) + len(self.received)
            self.messages[:] = [m for m in self.messages if m["sid"] != sid]
            self.received[:] = [m for m in self.received if m["sid"] != sid]
            self._listed[:] = [m for m in self._listed if m.resource["sid"] != sid]
            found = len(self.messages) + len(self.received) < before
            if found:
                self.deleted.append(sid)
        if not found:
            return 404, _error_json(404, 20404, f"The requested resource {path} was not found")
        return 204, ""

    # -- status callbacks -------------------------------------------------------------------

    def send_status(
        self,
        callback_url: str,
        sid: str,
        status: str,
        error_code: int | None = None,
        *,
        signer_token: str | None = None,
        timeout: float = 5.0,
    ) -> int:
        """POST a Twilio-style status callback for message `sid`, signed with `signer_token`
        (default: this fake's auth token) like Twilio's X-Twilio-Signature. Returns the
        HTTP status the callback URL answered."""
        from twilio.request_validator import RequestValidator

        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
        }
        found = self.message(sid)
        if found is not None:
            for key in ("To", "From", "MessagingServiceSid"):
                if found.get(key):
                    params[key] = str(found[key])
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        signature = RequestValidator(signer_token or self.auth_token).compute_signature(callback_url, params)
        request = urllib.request.Request(
            callback_url,
            data=urllib.parse.urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
                "User-Agent": "TwilioProxy/1.1",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code

    # -- request handling (called from handler threads) -------------------------------------

    def _refusal(self, path: str, authorization: str | None, resource=None) -> tuple[int, str] | None:
        """404 for a path that is no Messages resource (`resource`: the list by default),
        401 without this account's credentials (Twilio checks both before anything else),
        or None."""
        route = (resource or _ROUTE).match(path.split("?", 1)[0])
        if route is None:
            return 404, _error_json(404, 20404, f"The requested resource {path} was not found")
        if (
            authorization is None
            or not hmac.compare_digest(authorization.encode(), self._auth.encode())
            or route["account"] != self.account_sid
        ):
            return 401, _error_json(401, 20003, "Authenticate")
        return None

    def _handle_post(self, path: str, authorization: str | None, raw: bytes) -> tuple[int, str]:
        """The status and body for one POST, in the order Twilio checks things."""
        arrived = time.monotonic()
        with self._lock:
            self.requests += 1
        if self.delay > 0 and self._stopping.wait(self.delay):
            return 503, _error_json(503, None, "Service Unavailable")
        refused = self._refusal(path, authorization)
        if refused is not None:
            return refused
        with self._lock:
            scripted = self._failures.popleft() if self._failures else None
        if scripted is not None:
            return self._render(scripted)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items()}
        invalid = _validate(form)
        if invalid is not None:
            return invalid
        with self._lock:
            per_number = self._fail_for.get(_bare(form["To"]))
        if per_number is not None:
            return self._render(per_number)
        return self._create(form, arrived)

    def _accept(self, form: dict[str, str], arrived: float) -> str:
        """Record the message; answer with a Message resource as Twilio does."""
        sid = "SM" + uuid.uuid4().hex
        created = self.clock()
        now = format_datetime(created)
        from_ = form.get("From") or None
        service = form.get("MessagingServiceSid") or None
        record = {
            "To": form["To"],
            "From": from_,
            "MessagingServiceSid": service,
            "Body": form.get("Body"),
            "StatusCallback": form.get("StatusCallback") or None,
            "sid": sid,
        }
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        resource = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": str(num_segments(form.get("Body", ""))),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # Twilio answers "accepted" when a messaging service still has to pick a sender.
            "status": "accepted" if service and not from_ else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": form["To"],
            "uri": f"{uri}.json",
        }
        with self._lock:
            self.messages.append(record)
            self.received_at[sid] = arrived
            self._listed.append(_Listed(resource, created, created if self.sends_at_once else None))
        return json.dumps(resource)

    @staticmethod
    def _failure(http_status: int, code: int | None, message: str, raw_body: str | None) -> _Failure:
        code = code if code is not None else _DEFAULT_CODES.get(http_status)
        return _Failure(http_status, code, message or http.HTTPStatus(http_status).phrase, raw_body)

    @staticmethod
    def _render(failure: _Failure) -> tuple[int, str]:
        if failure.raw_body is not None:
            return failure.http_status, failure.raw_body
        return failure.http_status, _error_json(failure.http_status, failure.code, failure.message)


def _when(value: str) -> tuple[datetime, bool]:
    """A DateSent filter value (YYYY-MM-DD, or an ISO 8601 time as twilio-python sends it):
    the UTC instant, and whether it was a bare date."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc), True
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError("a DateSent time needs a zone")
    return when.astimezone(timezone.utc), False


def _date_matches(sent: datetime | None, key: str, filter_: tuple[datetime, bool]) -> bool:
    """Whether a message sent at `sent` passes one DateSent filter (Twilio's are inclusive)."""
    when, bare_date = filter_
    if sent is None:
        return False
    day_end = when + timedelta(days=1)
    if key == "DateSent":
        return when <= sent < day_end if bare_date else sent.date() == when.date()
    if key == "DateSent>":
        return sent >= when
    return sent < day_end if bare_date else sent <= when


def _as_listed(m: _Listed) -> dict[str, Any]:
    """The Message resource as the list shows it now: sent, or still as created."""
    if m.sent is None:
        return m.resource
    stamp = format_datetime(m.sent)
    return dict(m.resource, status="sent", date_sent=stamp, date_updated=stamp)


def _bare(address: str) -> str:
    """The number without a channel prefix."""
    return address[len(_WHATSAPP):] if address.lower().startswith(_WHATSAPP) else address


def _validate(form: dict[str, str]) -> tuple[int, str] | None:
    """Twilio's 400s for a Message create, or None when the request is valid."""
    to = form.get("To", "")
    if not to:
        return 400, _error_json(400, 21604, "A 'To' phone number is required.")
    if not _E164.match(_bare(to)):
        return 400, _error_json(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
        return 400, _error_json(400, 21602, "Message body is required.")
    if len(form.get("Body", "")) > _MAX_BODY:
        return 400, _error_json(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    from_ = form.get("From", "")
    if not (from_ or form.get("MessagingServiceSid")):
        return 400, _error_json(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
    if from_ and to.lower().startswith(_WHATSAPP) != from_.lower().startswith(_WHATSAPP):
        return 400, _error_json(
            400, 21910, "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same channel.",
        )
    return None
