"""Outbound texts: Twilio's REST API in production, the console for `steady run`, memory in tests.

Every transport answers a send with a `SendResult` and never raises for a failed send: the
outbox decides what to do next (retry with backoff, mark a number opted out or undeliverable),
so the transport itself never retries. Logs carry the masked number and the error code only,
never the message body (Twilio's error messages can quote the number, so they are not logged).

A failed send may still have created the message at Twilio: a 5xx can come from a gateway
after Twilio accepted it, and a read timeout can hide a 201. Such a result says
`maybe_sent`, and `find_sent` asks Twilio's Messages list before the outbox sends it again,
so a retry never doubles a text (at most once).

`delete(sid)` removes a message, sent or received, from Twilio (STEADY_TWILIO_DELETE_MESSAGES,
bot.twilio_deletions). It never raises either: a `DeleteResult` says whether the message is
gone or the delete is worth another try later (`classify_delete`).
"""

from __future__ import annotations

import logging
import sys
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Protocol
from typing import TextIO
from typing import runtime_checkable

import requests
import urllib3
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException
from twilio.base.exceptions import TwilioRestException
from twilio.base.exceptions import TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.phones import WHATSAPP_PREFIX
from bot.phones import mask
from bot.settings import twilio_sending_missing

log = logging.getLogger(__name__)

#: Twilio error code for a number that replied STOP to our sender: never send again until START.
OPTED_OUT_CODE = 21610

#: Error codes that say the number itself can never receive our texts. Each one is checked
#: against Twilio's error dictionary (twilio.com/docs/api/errors/<code>). Left out on purpose,
#: because they describe our account or sender rather than the person's number, or because
#: their meaning is not settled: 21408 (region not enabled on the account), 21606/21659 (bad
#: From), 21608 (trial account, unverified number), 21612 (To/From combination not routable).
UNDELIVERABLE_CODES: dict[int, str] = {
    21211: "invalid 'To' phone number",
    21265: "'To' number cannot be a short code",
    21614: "'To' number is not a valid mobile number",
    21635: "'To' number cannot be a landline",
    # These two arrive in status callbacks (the message was accepted, then the carrier said):
    30005: "unknown destination handset (the number does not exist or is no longer in service)",
    30006: "landline or unreachable carrier",
}

#: Error code for a handset that could not be reached (off, out of coverage): passing, unless
#: it keeps happening. UNREACHABLE_LIMIT of these in a row make the number undeliverable.
UNREACHABLE_CODE = 30003
UNREACHABLE_LIMIT = 3

#: Error code for a free-form WhatsApp text outside the 24-hour customer service window
#: (the person last wrote more than 24 h ago): only an approved template could go.
WHATSAPP_WINDOW_CODE = 63016

#: Error codes for a passing condition, worth a retry after a backoff (besides HTTP 429/5xx).
RETRYABLE_CODES: dict[int, str] = {
    20429: "too many concurrent requests",
    21611: "the 'From' number's queue is full (more than its queue limit of messages waiting)",
}

#: HTTP statuses worth a retry besides every server error: request timeout and rate limit.
#: Twilio creates nothing for these, so they are retried without a look-up. A 5xx is
#: retried too, but may come after the message was created (a gateway's 502/504, a 500
#: after the write): it is `maybe_sent`, and looked up before the next attempt.
RETRYABLE_HTTP = frozenset({408, 429})

#: A look-up reaches this far before the row could first have been sent: clock skew
#: between this host and Twilio's (NTP keeps it well under a second).
LOOKUP_SKEW = timedelta(minutes=2)
#: How many messages to one number a look-up reads, per query: a person gets a few a day.
LOOKUP_LIMIT = 50


@dataclass(frozen=True)
class SendResult:
    """What happened to one send. Exactly one of ok / retryable / opted_out / undeliverable /
    whatsapp_window explains a result, or none of them for a permanent failure of our own
    (bad credentials)."""

    ok: bool
    sid: str | None = None
    status: str | None = None
    error_code: int | None = None
    http_status: int | None = None
    retryable: bool = False
    opted_out: bool = False
    undeliverable: bool = False
    whatsapp_window: bool = False
    #: The request reached Twilio and the answer does not rule out that the message was
    #: created (a 5xx, or no answer after the request went out): look before sending again.
    maybe_sent: bool = False


@dataclass(frozen=True)
class SentMessage:
    """A message Twilio holds that matches a send: its SID, status and creation time."""

    sid: str
    status: str | None = None
    created: datetime | None = None


class LookupFailed(Exception):
    """Twilio could not say whether a message was created (an error, or no answer)."""


def classify(http_status: int | None, code: int | None) -> SendResult:
    """The failed `SendResult` for an HTTP status and Twilio error code (None status: no answer).

    The one place that maps Twilio's errors onto what the outbox should do; the memory
    transport uses it too, so scripted failures behave exactly like real ones. Every 5xx is
    retryable and `maybe_sent` (a gateway's 502/504 can follow a created message); 408, 429
    and Twilio's passing codes are retryable only: nothing was created. No status (no answer
    at all, as the memory transport scripts it) is a request that never reached Twilio.
    """
    if code is not None and code == http_status:
        code = None  # twilio-python puts the HTTP status in `code` when the body is not JSON
    if code == OPTED_OUT_CODE:
        return SendResult(ok=False, error_code=code, http_status=http_status, opted_out=True)
    if code in UNDELIVERABLE_CODES:
        return SendResult(ok=False, error_code=code, http_status=http_status, undeliverable=True)
    if code == WHATSAPP_WINDOW_CODE:
        return SendResult(ok=False, error_code=code, http_status=http_status, whatsapp_window=True)
    server_error = http_status is not None and http_status >= 500
    retryable = http_status is None or http_status in RETRYABLE_HTTP or server_error or code in RETRYABLE_CODES
    return SendResult(ok=False, error_code=code, http_status=http_status, retryable=retryable,
                      maybe_sent=server_error)


#: Twilio's error for deleting a message it has not finished with ("Cannot delete this
#: resource before it is complete": twilio.com/docs/api/errors/20009). Twilio asks to wait
#: at least a minute after a message is sent or received, then several minutes between tries.
IN_PROGRESS_CODE = 20009
#: HTTP statuses (besides every 5xx and no answer) after which a delete is tried again: a
#: timeout, the rate limit, and our own credentials (401, 403: fixed by the operator, then
#: the next try works; the attempts are capped).
DELETE_RETRY_HTTP = frozenset({401, 403, 408, 429})

#: The outcomes of a delete.
DELETED, GONE, RETRY, REFUSED = "deleted", "gone", "retry", "refused"


@dataclass(frozen=True)
class DeleteResult:
    """What happened to one delete: DELETED (204), GONE (404: not at Twilio, which is what
    was wanted), RETRY (in progress, 5xx, rate limit, no answer) or REFUSED (anything else:
    a SID Twilio cannot read; trying again would give the same answer)."""

    outcome: str
    http_status: int | None = None
    error_code: int | None = None

    @property
    def done(self) -> bool:
        """The message is not at Twilio any more."""
        return self.outcome in (DELETED, GONE)


def classify_delete(http_status: int | None, code: int | None) -> DeleteResult:
    """The DeleteResult for a failed delete's HTTP status and Twilio error code (None
    status: no answer). The one place that maps Twilio's answers to a delete; the memory
    transport uses it too. A delete is idempotent, so every passing failure is retried."""
    if code is not None and code == http_status:
        code = None  # twilio-python puts the HTTP status in `code` when the body is not JSON
    if http_status == 404:
        return DeleteResult(GONE, http_status, code)
    if (
        code == IN_PROGRESS_CODE
        or http_status is None
        or http_status >= 500
        or http_status in DELETE_RETRY_HTTP
        or code in RETRYABLE_CODES
    ):
        return DeleteResult(RETRY, http_status, code)
    return DeleteResult(REFUSED, http_status, code)


@runtime_checkable
class Transport(Protocol):
    """Sends one text. Implementations never raise for a failed send."""

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Send `body` to `to` (E.164, or "whatsapp:" + E.164)."""
        ...

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """Messages this transport created for `to` with exactly `body` since `since`, oldest
        first: asked before re-sending after a `maybe_sent` result. Raises LookupFailed
        when the answer is not known."""
        ...

    def delete(self, sid: str) -> DeleteResult:
        """Delete message `sid` (sent or received) from the provider; never raises."""
        ...


def _new_sid() -> str:
    """A Message SID shaped like Twilio's: "SM" and 32 hex digits."""
    return "SM" + uuid.uuid4().hex


class TwilioTransport:
    """Sends through Twilio's Messages API with the official library.

    The sender is the messaging service when `messaging_service_sid` is set (it wins over
    `from_number` if both are given: Twilio then picks the sender from the service's pool),
    else `from_number`, prefixed with "whatsapp:" when the recipient is a WhatsApp address.
    `api_base_url` (TWILIO_API_BASE_URL) points the Messages API elsewhere, e.g. at a loopback
    fake; TWILIO_EDGE/TWILIO_REGION are then ignored so the URL is used as given.

    Each thread gets its own twilio Client and requests Session (a Session is not documented
    as thread-safe); connections are kept alive per thread. `close()` closes them all.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_base_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("TwilioTransport needs an account SID and an auth token")
        if not (from_number or messaging_service_sid):
            raise ValueError("TwilioTransport needs a from number or a messaging service SID")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._from_number = _strip_whatsapp(from_number) if from_number else None
        self._messaging_service_sid = messaging_service_sid or None
        self._api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self._timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sessions: list[requests.Session] = []

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Create one Message; map every outcome onto a SendResult."""
        params: dict[str, str] = {"to": to, "body": body}
        if status_callback:
            params["status_callback"] = status_callback
        if self._messaging_service_sid:
            params["messaging_service_sid"] = self._messaging_service_sid
        else:
            params["from_"] = self._sender_for(to)
        try:
            message = self._client().messages.create(**params)
        except (TwilioRestException, TwilioServiceException) as exc:
            result = classify(_as_int(exc.status), _as_int(exc.code))
            self._warn(to, result, "twilio error")
            return result
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            if _never_reached(exc):
                # Refused, DNS, TLS or connect timeout: Twilio never saw the request.
                result = SendResult(ok=False, retryable=True)
            else:
                # A read timeout or a reset after the request went out: Twilio may have
                # accepted the message. Retried, but only after a look-up finds nothing.
                result = SendResult(ok=False, retryable=True, maybe_sent=True)
            self._warn(to, result, type(exc).__name__)
            return result
        except requests.RequestException as exc:
            # A malformed URL or similar: our configuration, not a passing failure.
            result = SendResult(ok=False)
            self._warn(to, result, type(exc).__name__)
            return result
        except (TwilioException, ValueError) as exc:
            # A success status with a body that is not JSON: the message may have been
            # accepted, so a retry could send it twice. Not retried.
            result = SendResult(ok=False)
            self._warn(to, result, type(exc).__name__)
            return result
        log.debug("sent to %s sid=%s status=%s", mask(to), message.sid, message.status)
        return SendResult(ok=True, sid=message.sid, status=message.status, http_status=201)

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """The messages sent through the REST API to `to` from our sender with exactly `body`,
        created since `since` (less LOOKUP_SKEW), oldest first.

        Two reads of the Messages list, filtered by To (and From, unless a messaging service
        picks the sender; then its SID must match): those with a DateSent since `since`, and
        the newest ones whatever their DateSent, since a message still queued at Twilio has
        none yet. Twilio's DateSent filter is documented by the day, so the exact cut is
        made here on DateCreated. Raises LookupFailed for any error or missing answer."""
        after = since - LOOKUP_SKEW
        filters: dict[str, str] = {"to": to}
        if not self._messaging_service_sid:
            filters["from_"] = self._sender_for(to)
        try:
            messages = self._client().messages
            listed = messages.list(date_sent_after=after, limit=LOOKUP_LIMIT, **filters)
            listed += messages.list(limit=LOOKUP_LIMIT, **filters)
        except (TwilioException, requests.RequestException, ValueError) as exc:
            log.warning("look-up of messages to %s failed (%s)", mask(to), type(exc).__name__)
            raise LookupFailed(type(exc).__name__) from exc
        found: dict[str, SentMessage] = {}
        for m in listed:
            if (
                m.body == body
                and m.direction == "outbound-api"
                and (m.date_created is None or m.date_created >= after)
                and (not self._messaging_service_sid or m.messaging_service_sid == self._messaging_service_sid)
            ):
                found[m.sid] = SentMessage(m.sid, m.status, m.date_created)
        return sorted(found.values(), key=lambda m: m.created or after)

    def delete(self, sid: str) -> DeleteResult:
        """DELETE the Message resource `sid` (twilio-python's `messages(sid).delete()`).
        Logged with the masked SID and the status and code only."""
        try:
            self._client().messages(sid).delete()
        except (TwilioRestException, TwilioServiceException) as exc:
            result = classify_delete(_as_int(exc.status), _as_int(exc.code))
        except requests.RequestException as exc:
            # No answer, or a reset: a delete is idempotent, so this is always tried again.
            result = DeleteResult(RETRY)
            log.warning("delete of %s got no answer (%s)", mask_sid(sid), type(exc).__name__)
            return result
        except (TwilioException, ValueError) as exc:
            result = DeleteResult(RETRY)
            log.warning("delete of %s failed (%s)", mask_sid(sid), type(exc).__name__)
            return result
        else:
            log.debug("deleted %s at Twilio", mask_sid(sid))
            return DeleteResult(DELETED, 204)
        if result.outcome != GONE:
            log.warning("delete of %s failed: http_status=%s code=%s outcome=%s",
                        mask_sid(sid), result.http_status, result.error_code, result.outcome)
        return result

    def close(self) -> None:
        """Close every thread's connections (the transport stays usable: they reopen)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def _sender_for(self, to: str) -> str:
        """The From for this recipient: the same channel as `to`."""
        assert self._from_number is not None
        if to.lower().startswith(WHATSAPP_PREFIX):
            return WHATSAPP_PREFIX + self._from_number
        return self._from_number

    def _client(self) -> Client:
        """This thread's client, made on first use."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._new_client()
            self._local.client = client
        return client

    def _new_client(self) -> Client:
        """A twilio Client with a timeout, no retries and (optionally) another base URL."""
        http_client = TwilioHttpClient(timeout=self._timeout)
        session = http_client.session
        assert session is not None
        # max_retries=0: requests/urllib3 make exactly one attempt; the outbox owns retries.
        adapter = HTTPAdapter(max_retries=0, pool_connections=1, pool_maxsize=1)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        # Read proxy and CA-bundle settings (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE) once,
        # not on every request: requests rescans os.environ per call, which halved the rate.
        env = session.merge_environment_settings(
            self._api_base_url or "https://api.twilio.com", {}, None, None, None
        )
        session.proxies.update(env["proxies"])
        session.verify = env["verify"]
        session.cert = env["cert"]
        session.trust_env = False
        client = Client(self._account_sid, self._auth_token, http_client=http_client)
        if self._api_base_url:
            client.api.base_url = self._api_base_url
            client.edge = None
            client.region = None
        with self._lock:
            self._sessions.append(session)
        return client

    @staticmethod
    def _warn(to: str, result: SendResult, reason: str) -> None:
        """One WARNING per failed send: masked number, status, code; never the body."""
        log.warning(
            "send to %s failed (%s): http_status=%s code=%s retryable=%s maybe_sent=%s opted_out=%s undeliverable=%s",
            mask(to),
            reason,
            result.http_status,
            result.error_code,
            result.retryable,
            result.maybe_sent,
            result.opted_out,
            result.undeliverable,
        )


#: The delivery status of a text shown by the ConsoleTransport (never sent).
CONSOLE_STATUS = "console"
#: The delivery status of a text refused by the UnconfiguredTransport.
NOT_CONFIGURED_STATUS = "not_configured"


class ConsoleTransport:
    """`steady run` only (local development; and tests): prints each text to a stream with the
    number masked, the body shown, since it is the developer's own console. Nothing is sent,
    so the result says so: no provider SID, status "console"."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Print "to <masked>: <body>" and report it shown."""
        stream = self._stream if self._stream is not None else sys.stdout
        with self._lock:
            stream.write(f"to {mask(to)}: {body}\n")
            stream.flush()
        return SendResult(ok=True, sid=None, status=CONSOLE_STATUS)

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """Nothing: a printed text has no provider SID, and a console send never fails."""
        return []

    def delete(self, sid: str) -> DeleteResult:
        """Nothing to delete: no Twilio account stands behind the console, so whatever the
        SID, no message of it is at Twilio through this transport."""
        return DeleteResult(GONE)


class UnconfiguredTransport:
    """What a process gets when the Twilio sending settings are missing: every send fails,
    loudly, and is never reported sent.

    The web process can run without those settings (its replies are TwiML, not REST sends);
    `steady tick` and `steady clock` refuse to start without them. This is the last guard if
    anything else sends: an ERROR naming the missing settings, no body, and a permanent
    failure of our own, like bad credentials (the row is failed, not retried)."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        if not missing:
            raise ValueError("UnconfiguredTransport needs the names of the missing settings")
        self.missing = missing

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Refuse: log the masked number and the missing settings."""
        log.error("not sent to %s: Twilio sending is not configured (missing %s)", mask(to), ", ".join(self.missing))
        return SendResult(ok=False, status=NOT_CONFIGURED_STATUS)

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """Nothing: this transport never creates a message (and its failures are not retried)."""
        return []

    def delete(self, sid: str) -> DeleteResult:
        """Refuse, like a send: an ERROR naming the missing settings, and not retried."""
        log.error("not deleted %s: Twilio is not configured (missing %s)", mask_sid(sid), ", ".join(self.missing))
        return DeleteResult(REFUSED)


class MemoryTransport:
    """Tests: records successful sends in `.sent` and every attempt in `.attempts`.

    Failures are scripted with the same vocabulary as the fake Twilio API, and mapped by
    `classify`, so `fail_next(1, http_status=400, code=21610)` gives an opted-out result.
    `find_sent` finds what it accepted (it has no clock, so `since` is not applied).
    `delete` records every attempt in `.delete_attempts` and each SID deleted in `.deleted`
    (a SID deleted before is GONE); `fail_deletes` scripts failures the same way.
    """

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str | None]] = []
        self.attempts: list[tuple[str, str, str | None]] = []
        self.deleted: list[str] = []
        self.delete_attempts: list[str] = []
        self._next_deletes: deque[DeleteResult] = deque()
        self._next: deque[SendResult] = deque()
        self._always: dict[str, SendResult] = {}
        self._created: list[tuple[str, str, str]] = []     # (sid, to, body) of each accepted send
        self._lock = threading.Lock()

    def fail_next(self, n: int, *, http_status: int | None, code: int | None = None) -> None:
        """The next `n` sends fail like this (http_status None: no answer from the network)."""
        result = classify(http_status, code)
        with self._lock:
            self._next.extend([result] * n)

    def fail_for(self, to: str, *, http_status: int | None, code: int | None) -> None:
        """Every send to `to` fails like this."""
        with self._lock:
            self._always[to] = classify(http_status, code)

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Record the attempt; succeed unless a failure was scripted for it."""
        with self._lock:
            self.attempts.append((to, body, status_callback))
            if to in self._always:
                return self._always[to]
            if self._next:
                return self._next.popleft()
            self.sent.append((to, body, status_callback))
            sid = _new_sid()
            self._created.append((sid, to, body))
        return SendResult(ok=True, sid=sid, status="queued")

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """The accepted sends to `to` with `body`, oldest first."""
        with self._lock:
            return [SentMessage(sid, "queued") for sid, t, b in self._created if (t, b) == (to, body)]

    def fail_deletes(self, n: int, *, http_status: int | None, code: int | None = None) -> None:
        """The next `n` deletes fail like this (http_status None: no answer)."""
        result = classify_delete(http_status, code)
        with self._lock:
            self._next_deletes.extend([result] * n)

    def delete(self, sid: str) -> DeleteResult:
        """Record the attempt; delete unless a failure was scripted (GONE the second time)."""
        with self._lock:
            self.delete_attempts.append(sid)
            if self._next_deletes:
                return self._next_deletes.popleft()
            if sid in self.deleted:
                return DeleteResult(GONE, 404, 20404)
            self.deleted.append(sid)
        return DeleteResult(DELETED, 204)


def build_transport(
    *,
    account_sid: str | None,
    auth_token: str | None,
    from_number: str | None,
    messaging_service_sid: str | None,
    api_base_url: str | None = None,
    timeout: float = 10.0,
) -> Transport:
    """Twilio when the SID, token and a sender (number or messaging service) are all set,
    else an UnconfiguredTransport naming what is missing. Never the console: only
    `steady run` chooses that, explicitly."""
    missing = twilio_sending_missing(account_sid, auth_token, from_number, messaging_service_sid)
    if missing:
        return UnconfiguredTransport(missing)
    assert account_sid and auth_token
    return TwilioTransport(
        account_sid,
        auth_token,
        from_number=from_number,
        messaging_service_sid=messaging_service_sid,
        api_base_url=api_base_url,
        timeout=timeout,
    )


def _never_reached(exc: Exception) -> bool:
    """True when the request cannot have reached Twilio (so a retry cannot duplicate it)."""
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.ProxyError)):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.ReadTimeout):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.NameResolutionError))


def mask_sid(sid: str) -> str:
    """A MessageSid as logs show it: its kind and last four characters ("SM...a1b2"). A SID
    names no one, but with Twilio's console it leads to the body, so it is not logged whole."""
    return f"{sid[:2]}...{sid[-4:]}" if len(sid) > 8 else "..."


def _strip_whatsapp(number: str) -> str:
    """The bare number of a configured sender (the channel comes from each recipient)."""
    if number.lower().startswith(WHATSAPP_PREFIX):
        return number[len(WHATSAPP_PREFIX):]
    return number


def _as_int(value: object) -> int | None:
    """An int from Twilio's status/code fields, which are sometimes strings or missing."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
