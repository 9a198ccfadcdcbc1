"""The baseline for bench/webhook.py: a bare Flask endpoint that answers every POST /sms
with one fixed TwiML reply, so the benchmark measures what Steady adds on top of
Flask, gunicorn and HTTP (signature check, database transaction, the turn).

Run by the same gunicorn command and config as Steady (`bench.bare_app:create_app()`,
`--config python:bot.gunicorn_conf`), so workers and threads match.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from twilio.twiml.messaging_response import MessagingResponse

# About the length of one of Steady's replies, helpline footer included.
REPLY = (
    "Thanks for your text. A craving passes, usually in 15 to 30 minutes. "
    "Wait it out, breathe slowly, move, and reach out to someone you trust. "
    "SAMHSA Helpline: 1-800-662-4357 (free, 24/7)"
)


def _twiml() -> str:
    """The reply as TwiML, built once: the baseline does no per-request work."""
    response = MessagingResponse()
    response.message(REPLY)
    return str(response)


def create_app() -> Flask:
    """A Flask app with GET / (health, as Steady's) and POST /sms (the fixed reply)."""
    app = Flask("bench_bare")
    body = _twiml()

    @app.get("/")
    def health() -> Response:
        return Response("ok\n", status=200, mimetype="text/plain")

    @app.post("/sms")
    def sms() -> Response:
        return Response(body, status=200, mimetype="application/xml")

    return app
