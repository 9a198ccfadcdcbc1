"""Twilio-facing routes: POST /sms (inbound texts), POST /sms/status (delivery receipts),
GET / and GET /health.

Twilio never gets a 500 from here, and a text never gets silence because something
broke. A crisis text always gets the crisis reply: it needs no person and no database,
so it is sent whoever the sender is and whatever failed. Otherwise a sender that is no
address gets a clear 400, and any internal error (the database down or too slow, a
bug) gets the short `unavailable` text with 911, 988 and the helpline, logged with an id.
"""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, Response, current_app, request

from bot import phones, signature
from bot.conversation import Inbound
from bot.outbox import ROW_PARAM
from bot.timeutil import utcnow
from bot.transport import mask_sid
from flows import engine, intents
from flows.crisis import is_crisis
from flows.language import guess_language
from flows.outgoing import outgoing
from flows.turn_values import State

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)

TWIML = "application/xml"


def twiml(replies) -> str:
    """A TwiML <Response> with one <Message> per reply: byte for byte what twilio's
    MessagingResponse writes (ElementTree's escaping of text: &, < and >; a test compares
    the two), without building an element tree for every answer."""
    if not replies:
        return _EMPTY_TWIML
    messages = "".join(f"<Message>{_escape(text)}</Message>" if text else "<Message />" for text in replies)
    return f"{_XML_DECLARATION}<Response>{messages}</Response>"


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_EMPTY_TWIML = f"{_XML_DECLARATION}<Response />"


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _twiml(replies) -> Response:
    return Response(twiml(replies), status=200, mimetype=TWIML)


def _forbidden() -> Response:
    log.warning("rejected a request with a missing or invalid Twilio signature on %s", request.path)
    return Response("invalid signature\n", status=403, mimetype="text/plain")


@bp.get("/")
def index() -> Response:
    """Cheap liveness: the process answers. GET /health also asks the database."""
    return Response("ok\n", status=200, mimetype="text/plain")


@bp.get("/health")
def health() -> Response:
    """200 when the database answers SELECT 1 within STEADY_DB_TIMEOUT_SECONDS, else 503."""
    steady = current_app.extensions["steady"]
    try:
        with steady.store.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1").scalar_one()
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy", never a 500
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        return Response("database unavailable\n", status=503, mimetype="text/plain")
    return Response("ok\n", status=200, mimetype="text/plain")


def _crisis_replies(steady, body: str, now) -> list[str] | None:
    """The crisis reply when `body` is a crisis, read without the person or the database:
    the engine's own turn on a blank state (so the app's understanding decides, and the
    reply fits the kind and language), keeping only the crisis reply, which comes first
    (what may follow it needs the person's state). If even that fails, the crisis rules
    and the general crisis reply."""
    try:
        outcome = engine.turn(body, State(), steady.conversation.context(now))
        if outcome.intent != intents.CRISIS:
            return None
        return [outgoing(outcome.replies[0], steady.content.helpline)]    # the one door
    except Exception:  # fall back to the rules, which need nothing
        log.exception("crisis check failed; using the crisis rules")
    if is_crisis(body[:engine.MAX_MATCH_CHARS]):
        return [outgoing(steady.content.crisis, steady.content.helpline)]
    return None


@bp.post("/sms")
def inbound_sms() -> Response:
    steady = current_app.extensions["steady"]
    if not signature.is_valid(request, steady.settings):
        return _forbidden()
    sender = request.form.get("From", "").strip()
    body = request.form.get("Body", "")
    sid = request.form.get("MessageSid") or request.form.get("SmsSid") or None
    now = utcnow()
    try:
        address = phones.parse_address(sender, steady.settings.default_region)
    except phones.NotAnAddress:
        log.warning("inbound from an unreadable sender %s", phones.mask(sender))
        crisis = _crisis_replies(steady, body, now)
        if crisis:
            return _twiml(crisis)
        return Response("From is not a phone number\n" if sender else "missing From\n",
                        status=400, mimetype="text/plain")
    try:
        answer = steady.conversation.handle(Inbound(
            sender=sender, body=body, now=now, sid=sid,
            opt_out_type=request.form.get("OptOutType") or None, address=address,
        ))
    except Exception:  # Twilio must never see a 500; the error is logged with an id
        error_id = uuid.uuid4().hex[:12]
        log.exception("inbound failed (error %s) from %s", error_id, phones.mask(sender))
        crisis = _crisis_replies(steady, body, now)
        if crisis:
            return _twiml(crisis)
        # Without the database the person's language is unknown: the text's own decides.
        words = steady.content.in_language(guess_language(body))
        return _twiml([outgoing(words.text("unavailable"), words.helpline)])
    return _twiml(answer.replies)


@bp.post("/sms/status")
def delivery_status() -> Response:
    steady = current_app.extensions["steady"]
    if not signature.is_valid(request, steady.settings):
        return _forbidden()
    sid = request.form.get("MessageSid") or request.form.get("SmsSid")
    status = (request.form.get("MessageStatus") or request.form.get("SmsStatus") or "").strip().lower()
    if not sid or not status:
        return Response("missing MessageSid or MessageStatus\n", status=400, mimetype="text/plain")
    code = request.form.get("ErrorCode") or None
    try:
        error_code = int(code) if code else None
    except ValueError:
        error_code = None
    try:
        # To (with its "whatsapp:" prefix, so the channel too): a receipt for a text Steady
        # didn't send itself (a Messaging Service's reply) still names the person.
        # ?outbox=<row id>: the callback URL Steady gave this text (bot.outbox.ROW_PARAM).
        row = request.args.get(ROW_PARAM, "")
        steady.receipts(sid, status, error_code, utcnow(), to=request.form.get("To") or None,
                        row_id=int(row) if row.isascii() and row.isdigit() and len(row) < 19 else None)
    except Exception:  # noqa: BLE001
        log.exception("status callback for %s failed", mask_sid(sid))
    return _no_content()


def _no_content() -> Response:
    """204 with no body and no Content-Type (Flask would add text/html to an empty body)."""
    response = Response(status=204)
    response.headers.remove("Content-Type")
    return response
