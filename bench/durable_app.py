"""The durable ceiling for bench/webhook.py: the least a webhook that keeps every text can do.

POST /sms verifies the X-Twilio-Signature (twilio's RequestValidator, against the URL
the server sees, as Steady does), inserts one row for the MessageSid in one
transaction on the same database (`DATABASE_URL`, or the SQLite file Steady would use)
and commits, then answers one fixed TwiML reply. No engine, no state, no dedupe.
Steady's ratio to this shows what its turn costs beyond the durable minimum.

Run by the same gunicorn command and config as Steady (`bench.durable_app:create_app()`);
call `prepare(url)` first.
"""

from __future__ import annotations

import os

from flask import Flask
from flask import Response
from flask import request
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, insert
from twilio.request_validator import RequestValidator

from bench.bare_app import _twiml
from bot import db

_META = MetaData()
# Its own table, so it never touches Steady's schema; created on first start.
INBOUND = Table(
    "bench_durable_inbound", _META,
    Column("message_sid", String(64), primary_key=True),
    Column("length", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), server_default=func.now()),
)


def database_url() -> str:
    instance = os.path.abspath(os.environ.get("STEADY_INSTANCE_PATH") or "instance")
    return db.normalize_url(os.environ.get("DATABASE_URL") or None, instance)


def prepare(url: str) -> None:
    """Create the table once, before the workers start (they would race to create it)."""
    engine = db.make_engine(url)
    try:
        _META.create_all(engine, checkfirst=True)
    finally:
        engine.dispose()


def create_app() -> Flask:
    engine = db.make_engine(database_url())
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    body = _twiml()
    statement = insert(INBOUND)
    app = Flask("bench_durable")

    @app.get("/")
    def health() -> Response:
        return Response("ok\n", status=200, mimetype="text/plain")

    @app.post("/sms")
    def sms() -> Response:
        form = request.form.to_dict(flat=True)
        if not validator.validate(request.url, form, request.headers.get("X-Twilio-Signature", "")):
            return Response("forbidden\n", status=403, mimetype="text/plain")
        with engine.begin() as connection:
            connection.execute(statement, {"message_sid": form.get("MessageSid", ""),
                                           "length": len(form.get("Body", ""))})
        return Response(body, status=200, mimetype="application/xml")

    return app
