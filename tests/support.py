"""Helpers shared by adapter and end-to-end tests: signed Twilio requests, TwiML parsing."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET
from functools import lru_cache

from sqlalchemy import event
from twilio.request_validator import RequestValidator

from bot import crypto
from bot import db
from bot.app import create_app
from bot.settings import Settings
from bot.transport import MemoryTransport

TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT = "AC" + "0" * 32
STEADY_NUMBER = "+15005550006"
PERSON = "+14155550123"
# Every test seals with this key (bot.crypto): the test process's own store and the apps
# and processes it starts (make_settings, STEADY_DATA_KEY in their environment) read each
# other's rows.
TEST_DATA_KEY = "test-data-key-0123456789abcdef-0123456789"
crypto.use(crypto.Keys(TEST_DATA_KEY.encode("utf-8")))
os.environ["STEADY_DATA_KEY"] = TEST_DATA_KEY      # `steady ...` run in-process (CliRunner) and child processes
_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def make_settings(database_url: str, instance_path: str, **overrides) -> Settings:
    values = dict(database_url=database_url, instance_path=instance_path, twilio_auth_token=TOKEN,
                  data_key=TEST_DATA_KEY)
    values.update(overrides)
    return Settings(**values)


@lru_cache(maxsize=1)
def _sqlite_template() -> str:
    """One SQLite file migrated to head per test process; each test gets a copy of it."""
    path = os.path.join(tempfile.mkdtemp(prefix="steady-template-"), "template.sqlite3")
    db.upgrade(f"sqlite:///{path}")
    return path


# The statements the migrations sent PostgreSQL on this process's first run from an empty
# schema to head (DDL and alembic_version's rows, as alembic rendered them); None: not yet.
_POSTGRES_STATEMENTS: list[str] | None = None


def _migrate_postgres(database_url: str) -> None:
    """An empty schema gets the statements one real run of the migrations sent (alembic's
    own start-up, reading its scripts and the catalog, was most of the time); the first
    run in a process, or a schema that is not empty, goes through the migrations."""
    global _POSTGRES_STATEMENTS
    engine = db.make_engine(db.normalize_url(database_url, instance_path=""))
    try:
        with engine.begin() as connection:
            empty = connection.exec_driver_sql(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() LIMIT 1"
            ).first() is None
            if empty and _POSTGRES_STATEMENTS is not None:
                for statement in _POSTGRES_STATEMENTS:
                    connection.exec_driver_sql(statement)
                return
        sent: list[str] = []
        parametrised: list[str] = []

        def record(_connection, _cursor, statement, parameters, _context, _many) -> None:
            if not statement.lstrip().upper().startswith("SELECT"):      # alembic looking, not changing
                (parametrised if parameters else sent).append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            db.upgrade(engine)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        if empty and sent and not parametrised:
            _POSTGRES_STATEMENTS = sent
    finally:
        engine.dispose()


def migrate(database_url: str) -> None:
    """Bring a test's database to head: a new SQLite file is a copy of the migrated
    template, an empty PostgreSQL schema gets the statements the migrations sent on their
    first run (migrating every test's database again was much of the suite's time);
    anything else goes through the migrations. The migrations themselves are tested on
    their own (tests/adapters/test_migrations.py)."""
    if database_url.startswith("sqlite:///"):
        path = database_url[len("sqlite:///"):]
        if not os.path.exists(path) or os.path.getsize(path) == 0:     # new (bot.db creates it empty)
            shutil.copyfile(_sqlite_template(), path)
            os.chmod(path, 0o600)
            return
    if database_url.startswith(("postgresql", "postgres:")):
        _migrate_postgres(database_url)
        return
    db.upgrade(database_url)


def make_app(settings: Settings, transport=None):
    if settings.database_url:
        migrate(settings.database_url)
    app = create_app(settings, transport=transport or MemoryTransport(), migrate=not settings.database_url)
    app.config["TESTING"] = True
    return app


def sign(url: str, params: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def sms_params(body: str, sender: str = PERSON, sid: str | None = None, **extra) -> dict:
    params = {
        "MessageSid": sid or new_sid(),
        "AccountSid": ACCOUNT,
        "From": sender,
        "To": STEADY_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    params.update(extra)
    return params


def post_signed(client, path: str, params: dict, *, url: str | None = None, token: str = TOKEN, headers=None):
    """POST form params with a valid X-Twilio-Signature for `url` (default: the test URL)."""
    url = url or f"http://localhost{path}"
    all_headers = {"X-Twilio-Signature": sign(url, params, token)}
    all_headers.update(headers or {})
    return client.post(path, data=params, headers=all_headers)


def text(client, body: str, sender: str = PERSON, sid: str | None = None):
    """Send one signed text; return (response, replies)."""
    response = post_signed(client, "/sms", sms_params(body, sender=sender, sid=sid))
    return response, replies_of(response)


def replies_of(response) -> list[str]:
    if response.status_code != 200:
        return []
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return [message.text or "" for message in root.iter("Message")]
