"""Twilio-facing routes: POST /sms (inbound texts), POST /sms/status (delivery receipts), GET /.

Twilio never gets a 500 from here: bad input gets a clear 4xx, and an internal error
gets empty TwiML (or, for a crisis text, the crisis reply, which needs no database).
"""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from bot import phones, signature
from bot.conversation import Inbound
from bot.timeutil import utcnow
from flows.crisis import is_crisis
from flows.engine import MAX_MATCH_CHARS
from flows.helpline import ensure_helpline

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)

TWIML = "application/xml"


def _twiml(replies) -> Response:
    response = MessagingResponse()
    for text in replies:
        response.message(text)
    return Response(str(response), status=200, mimetype=TWIML)


def _forbidden() -> Response:
    log.warning("rejected a request with a missing or invalid Twilio signature on %s", request.path)
    return Response("invalid signature\n", status=403, mimetype="text/plain")


@bp.get("/")
def health() -> Response:
    return Response("ok\n", status=200, mimetype="text/plain")


@bp.post("/sms")
def inbound_sms() -> Response:
    steady = current_app.extensions["steady"]
    if not signature.is_valid(request, steady.settings):
        return _forbidden()
    sender = request.form.get("From", "").strip()
    if not sender:
        return Response("missing From\n", status=400, mimetype="text/plain")
    body = request.form.get("Body", "")
    sid = request.form.get("MessageSid") or request.form.get("SmsSid") or None
    try:
        answer = steady.conversation.handle(Inbound(sender=sender, body=body, now=utcnow(), sid=sid, opt_out_type=request.form.get("OptOutType") or None))
    except ValueError:
        log.warning("inbound from an unreadable sender %s", phones.mask(sender))
        return Response("From is not a phone number\n", status=400, mimetype="text/plain")
    except Exception:  # noqa: BLE001 - Twilio must never see a 500; the error is logged with an id
        error_id = uuid.uuid4().hex[:12]
        log.exception("inbound failed (error %s) from %s", error_id, phones.mask(sender))
        if is_crisis(body[:MAX_MATCH_CHARS]):
            return _twiml([ensure_helpline(steady.content.crisis, steady.content.helpline)])
        return _twiml([])
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
        steady.receipts(sid, status, error_code, utcnow())
    except Exception:  # noqa: BLE001
        log.exception("status callback for %s failed", sid)
    return Response("", status=204)
