"""Fixtures shared by every test folder: the databases, the fake Twilio, the app and its
test client, and the in-process `steady` command runner.

Database fixtures: every `db` test runs on SQLite and on PostgreSQL.

SQLite is a real file in tmp_path. PostgreSQL is STEADY_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/test); if it does not answer, its cases are
skipped, or fail when STEADY_REQUIRE_POSTGRES=1 (CI sets it when it runs a server).
Each PostgreSQL test gets a schema of its own, named in the URL's connection options
(`options=-csearch_path=t_...`), so anything built from the URL, an engine or
`db.upgrade(url)`, stays inside it; the schema is dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from click.testing import CliRunner

from bot import db
from bot.settings import Settings
from bot.store import Store
from tests.fakes.twilio_api import FakeTwilio
from tests.support import TEST_DATA_KEY, make_app, make_settings, migrate
from tests import understanding as _models  # noqa: F401  (trains once; sets STEADY_MODEL_CACHE for subprocesses)

POSTGRES_DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_S = 2


def _postgres_url() -> str:
    return db.normalize_url(
        os.environ.get("STEADY_TEST_POSTGRES_URL") or POSTGRES_DEFAULT_URL, instance_path=""
    )


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An autocommit engine on the test server. Tried once per session: a skip (or
    failure) is remembered by pytest for every later test that asks."""
    url = _postgres_url()
    engine = create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
    )
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        reason = f"PostgreSQL at {shown} does not answer ({type(exc.orig).__name__})"
        if os.environ.get("STEADY_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}; STEADY_REQUIRE_POSTGRES=1 requires it", pytrace=False)
        pytest.skip(f"{reason}; set STEADY_TEST_POSTGRES_URL to test against it")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL to an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'steady.sqlite3'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"t_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(_postgres_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    """An engine on the empty database (no migrations run)."""
    engine = db.make_engine(db.normalize_url(database_url, instance_path=""))
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine, database_url: str) -> Engine:
    """An engine on a database migrated to head (tests.support.migrate)."""
    empty_engine.dispose()
    migrate(database_url)
    return empty_engine


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(engine)


# --- the fake Twilio, the app, the command line ---------------------------------------------

@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    """The loopback fake Twilio (real HTTP): what was sent is in `fake.messages`."""
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def app_settings(database_url: str, tmp_path) -> Settings:
    """The settings `app` is built with: the test's database, its instance folder, the test
    auth token. A module overrides this fixture to build `app` with other settings."""
    return make_settings(database_url, str(tmp_path))


@pytest.fixture
def app(app_settings: Settings):
    """The Flask app on a migrated database (MemoryTransport); its engine is closed afterwards."""
    steady_app = make_app(app_settings)
    yield steady_app
    steady_app.extensions["steady"].store.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class SteadyRunner(CliRunner):
    """click's CliRunner for `steady` commands in this process, each run as it would start
    and end on its own: Steady's log handler is taken off first (the command installs one
    on the runner's stderr, as a process does on its own); afterwards the database
    connections the command opened are closed (as its exit would close them: `steady
    chat` leaves that to the exit), and the logging handlers, the root level and the
    SIGTERM/SIGINT handlers it installed (`steady tick`) are put back."""

    def invoke(self, *args, **kwargs):
        import logging
        import signal

        from sqlalchemy import event

        from bot.logs import MaskNumbers

        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        signals = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
        root.handlers[:] = [h for h in handlers if not any(isinstance(f, MaskNumbers) for f in h.filters)]
        opened: set[Engine] = set()

        def connected(connection) -> None:
            opened.add(connection.engine)

        event.listen(Engine, "engine_connect", connected)
        try:
            return super().invoke(*args, **kwargs)
        finally:
            event.remove(Engine, "engine_connect", connected)
            for engine in opened:
                engine.dispose()
            root.handlers[:] = handlers
            root.setLevel(level)
            for signum, handler in signals.items():
                signal.signal(signum, handler)


@pytest.fixture
def runner(monkeypatch) -> SteadyRunner:
    """Runs `steady` commands in this process (SteadyRunner). The command sees only the
    settings the test gives it: the caller's STEADY_, TWILIO_, DATABASE_URL and PORT are
    removed for the test (the model cache stays, so no command trains again; the data key
    is the tests' own)."""
    for name in list(os.environ):
        if (name.startswith(("STEADY_", "TWILIO_")) and name != "STEADY_MODEL_CACHE") or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("STEADY_DATA_KEY", TEST_DATA_KEY)    # what the test's own store seals with (bot.crypto)
    return SteadyRunner()
