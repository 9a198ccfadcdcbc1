"""The Flask application factory (`bot.app:create_app`) and the one bootstrap that wires
Steady's adapters together for the web, the CLI and the clock alike."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

import content as content_package
from bot import clock, crypto, db, logs
from bot.conversation import Conversation
from bot.daily_writer import Daily
from bot.outbox import Outbox
from bot.quit_date_writer import QuitDates
from bot.receipts import TwilioFeedback
from bot.retention import Retention
from bot.schedules import Schedules
from bot.sender import Sender
from bot.settings import Settings
from bot.store import Store
from bot.transport import Transport, build_transport
from bot.twilio_deletions import TwilioDeletions
from flows.content import Content
from flows.matcher import Matcher
from flows.understand import Understanding

log = logging.getLogger(__name__)


@dataclass
class Steady:
    """Everything a request or a tick needs, built once per process."""

    settings: Settings
    content: Content
    matcher: Matcher
    understanding: Understanding
    store: Store
    transport: Transport
    outbox: Outbox
    sender: Sender
    feedback: TwilioFeedback
    daily: Daily
    quit_dates: QuitDates
    conversation: Conversation
    schedules: Schedules
    deletions: TwilioDeletions

    def receipts(self, sid: str, status: str, error_code: int | None, now: datetime, to: str | None = None,
                 row_id: int | None = None) -> bool:
        return self.feedback.record_receipt(sid, status, error_code, now, to=to, row_id=row_id)

    def tick(self, now: datetime) -> clock.TickReport:
        return clock.tick(self.store, self.schedules.writers, self.sender, now, self.settings.processed_retention,
                          self.deletions, daily=Retention.from_settings(self.store, self.settings).run_if_due)


def bootstrap(settings: Settings, *, transport: Transport | None = None, migrate: bool = False) -> Steady:
    """Load content (fail fast), open the database, build the services.

    `migrate` is for `steady run` and tests; everything else gets the database as it is and
    refuses one behind this code's migrations (db.SchemaNotCurrent). A database that does
    not answer is logged, not refused: the web process still gives the static crisis reply.
    """
    from bot.understanding import models_for

    crypto.use_settings(settings)   # before the migrations: 0006 seals existing rows
    url = db.normalize_url(settings.database_url, settings.instance_dir)
    if migrate:
        db.upgrade(url)
    engine = db.make_engine(url, timeout=settings.db_timeout)
    if not migrate:
        _check_schema(engine)
    loaded = content_package.load()
    matcher = Matcher(loaded.keywords)
    understanding = Understanding(models_for(loaded.examples, settings.model_cache_dir), matcher)
    store = Store(engine)
    transport = transport or build_transport(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        from_number=settings.twilio_from_number,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        api_base_url=settings.twilio_api_base_url,
    )
    outbox = Outbox(store, settings)
    feedback = TwilioFeedback(store, settings, outbox.cancel_pending)   # what Twilio tells us
    sender = Sender(outbox, settings, transport, feedback, concurrency=settings.send_concurrency)
    daily = Daily(store, loaded, settings, outbox)
    quit_dates = QuitDates(store, loaded, settings, outbox)
    schedules = Schedules(daily, quit_dates, outbox, loaded.helpline)
    conversation = Conversation(store, loaded, matcher, settings, schedules=schedules,
                                understanding=understanding)
    deletions = TwilioDeletions(store, transport, enabled=settings.twilio_delete_messages,
                                concurrency=settings.send_concurrency, stopping=lambda: sender.stopping)
    return Steady(settings, loaded, matcher, understanding, store, transport, outbox, sender, feedback, daily,
                  quit_dates, conversation, schedules, deletions)


def _check_schema(engine: Engine) -> None:
    """db.require_current, except that a database that cannot be read is logged, not raised."""
    try:
        db.require_current(engine)
    except SQLAlchemyError as exc:
        log.error("could not read the database's migration at start-up (%s); carrying on", type(exc).__name__)
    except db.SchemaNotCurrent:
        engine.dispose()
        raise


def twilio_missing_message(settings: Settings) -> str:
    """The one sentence naming the Twilio settings a deploy still lacks."""
    return "Twilio sending is not configured: set " + ", ".join(settings.twilio_sending_missing)


def create_app(settings: Settings | None = None, *, transport: Transport | None = None, migrate: bool = False) -> Flask:
    """Build the web app. Reads the environment only when no settings are given."""
    settings = settings or Settings.from_env()
    logs.configure(settings.log_level)
    app = Flask("bot", instance_path=settings.instance_dir)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)
    if not settings.verify_signatures:
        log.warning("Twilio signature checks are OFF (TWILIO_VERIFY_SIGNATURES=false): development only")
    elif not settings.twilio_auth_token:
        log.warning("TWILIO_AUTH_TOKEN is not set: every /sms request will be refused with 403")
    if transport is None and not settings.twilio_sending_configured:
        log.error("%s. Replies to texts still go out (TwiML); scheduled texts cannot, "
                  "and `steady clock` will not start", twilio_missing_message(settings))
    try:
        app.extensions["steady"] = bootstrap(settings, transport=transport, migrate=migrate)
    except db.SchemaNotCurrent as exc:
        log.error("not starting: %s", exc)
        raise

    from bot import console
    from bot.webhook import bp

    app.register_blueprint(bp)
    console.init_app(app, app.extensions["steady"])     # only when STEADY_CONSOLE is true
    return app
