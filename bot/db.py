"""Database plumbing: URLs, engines, UTC timestamps, sessions and Alembic migrations.

SQLite (a file in the instance folder) is the embedded default; PostgreSQL (psycopg 3)
is the production database. Both must behave the same to the code above this module,
so the differences are settled here: SQLite pragmas and transaction start, timestamps
stored as naive UTC and handed back as aware UTC.
"""

from __future__ import annotations

import logging
import math
import os
import weakref
from contextlib import suppress
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import DateTime
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

SQLITE_FILENAME = "steady.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 5000
# Execution option: this transaction may wait only this many ms for SQLite's write lock
# (what is left of its bound after queueing in the process; see Store.transaction).
SQLITE_BUSY_BUDGET_MS = "steady_sqlite_busy_budget_ms"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "steady db upgrade"

log = logging.getLogger(__name__)
_BOUNDS: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()


class SchemaNotCurrent(RuntimeError):
    """The database is behind this code's migrations. The message names the command to run."""


def private_folder(path: str | os.PathLike) -> None:
    """Create `path`, and each missing folder above it, readable by the user Steady runs as
    only (0700): the instance folder holds the SQLite file, the data key and the models,
    and whichever of them is made first makes the folder. A folder that exists keeps its
    mode. (os.makedirs gives its mode to the last folder only, the others get the umask's.)"""
    path = os.path.abspath(path)
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for folder in reversed(missing):
        with suppress(FileExistsError):     # another process made it meanwhile
            os.mkdir(folder, 0o700)


def normalize_url(url: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL for a DATABASE_URL value.

    Empty means the embedded SQLite file in the instance folder (created if missing,
    private to the user Steady runs as: 0700).
    Heroku-style `postgres://` and plain `postgresql://` both select psycopg 3, the
    driver we ship; SQLAlchemy would otherwise pick psycopg2.
    """
    if not url:
        private_folder(instance_path)
        return f"sqlite:///{os.path.join(instance_path, SQLITE_FILENAME)}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column that only takes aware datetimes and always returns aware UTC.

    Stored as a naive UTC `DateTime` on every database, so SQLite (which has no time
    zones) and PostgreSQL round-trip the same values. A naive input is a bug (whose
    local time was it?) and raises ValueError rather than being guessed at.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise ValueError(f"UTCDateTime needs a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("UTCDateTime refuses a naive datetime; pass an aware UTC time")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def make_engine(url: str, *, connect_args: dict[str, Any] | None = None, timeout: float | None = None) -> Engine:
    """An Engine for `url` (already normalised), tuned for the database behind it.

    SQLite gets WAL (readers never block the writer), a busy timeout, foreign keys
    (so ON DELETE CASCADE works) and synchronous=NORMAL (safe with WAL). Its
    transactions start with BEGIN IMMEDIATE: the write lock is taken up front and
    waited for (busy_timeout), so two writers queue instead of one failing with
    "database is locked" when it upgrades a read snapshot. PostgreSQL gets
    pool_pre_ping so a dropped connection is replaced instead of failing a request.
    Statement parameters are kept out of error messages (no numbers in logs).

    `timeout` (seconds; STEADY_DB_TIMEOUT_SECONDS) bounds every wait on the database, so
    a webhook answers inside Twilio's 15 seconds even when the database is down, locked
    or stuck: waiting for a pooled connection, connecting (PostgreSQL's connect_timeout,
    at least 2 s in libpq and psycopg), each statement and lock wait on PostgreSQL
    (statement_timeout, lock_timeout) and the write lock on SQLite (busy_timeout).
    Without it (migrations, which may run long) only SQLite's default busy timeout applies.
    """
    # hide_parameters: a failed statement's error (logged with its traceback) must not
    # carry a number or a plan answer into the logs.
    kwargs: dict[str, Any] = {"future": True, "hide_parameters": True}
    connect = dict(connect_args or {})
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        kwargs["pool_pre_ping"] = True
    if timeout is not None:
        if issubclass(parsed.get_dialect().get_pool_class(parsed), QueuePool):
            kwargs["pool_timeout"] = timeout    # in-memory SQLite's one-connection pool has none
        if backend == "postgresql":
            connect.setdefault("connect_timeout", max(1, math.ceil(timeout)))
    if connect:
        kwargs["connect_args"] = connect
    if backend == "sqlite":
        _create_private(parsed.database)
    engine = create_engine(url, **kwargs)
    if timeout is not None:
        _BOUNDS[engine] = timeout
    if backend == "sqlite":
        busy_ms = SQLITE_BUSY_TIMEOUT_MS if timeout is None else int(timeout * 1000)
        _tune_sqlite(engine, busy_ms)
    elif backend == "postgresql" and timeout is not None:
        _bound_postgres(engine, int(timeout * 1000))
    return engine


def _create_private(database: str | None) -> None:
    """Create a missing SQLite file as 0600 (an empty file is a new database). SQLite gives
    its -wal and -shm files the database file's mode, so they are 0600 too; left to
    sqlite3 they would all be 0644, readable by every user of the machine."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    # It may exist (its mode is left alone), or SQLite will say why it cannot open it.
    with suppress(OSError):
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def wait_bound(engine: Engine) -> float | None:
    """The `timeout` `engine` was made with (seconds), or None: unbounded."""
    return _BOUNDS.get(engine)


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Register the SQLite connect and begin hooks described in make_engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        budget = connection.get_execution_options().get(SQLITE_BUSY_BUDGET_MS)
        if budget is None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(budget)}")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")


def _bound_postgres(engine: Engine, timeout_ms: int) -> None:
    """Every new PostgreSQL connection gets statement_timeout and lock_timeout for the
    session (set outside a transaction, so they outlive the first rollback)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {int(timeout_ms)}")
                cursor.execute(f"SET lock_timeout = {int(timeout_ms)}")
        finally:
            dbapi_connection.autocommit = autocommit


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions bound to `engine`.

    expire_on_commit=False: objects stay readable after their transaction ends, so a
    caller may use the person it loaded once the reply has been committed.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config built in code, so migrations run from an installed package
    without an alembic.ini in the working directory.

    `url` (kept out of the ini options, where '%' would be read as interpolation) is
    for commands that make their own connection, e.g. `command.revision(...,
    autogenerate=True)`; `upgrade` hands env.py a connection instead.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url:
        config.attributes["url"] = url
    return config


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (head by default); a no-op when current.

    `target` is a URL (normalised or not: postgres:// works) or an Engine. Pass an
    Engine to keep its connect arguments, e.g. a PostgreSQL search_path.
    """
    if isinstance(target, Engine):
        _upgrade_engine(target, revision)
        return
    if not target:
        raise ValueError("upgrade needs a database URL (normalise an empty one first)")
    engine = make_engine(normalize_url(target, instance_path=""))
    try:
        _upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def _upgrade_engine(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        # env.py runs the migrations on this connection, inside this transaction.
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this code (what `upgrade` moves to)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def require_current(engine: Engine) -> None:
    """Refuse a database that is behind this code's migrations, or was never migrated.

    Only `steady db upgrade` (the Procfile's release line) and `steady run` migrate; every
    other entry point checks with this instead, so a command pointed at the wrong database
    never changes it. A revision this code does not know is a newer release's (a rollback,
    or old workers during a rolling deploy): a warning, not a refusal, so texts are still
    answered.
    """
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaNotCurrent(
            f"the database has no Steady tables (it was never migrated): run `{UPGRADE_COMMAND}` first"
        )
    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(current) is not None
    except CommandError:
        known = False
    if not known:
        log.warning("the database is at revision %s, which this code (head %s) does not know: "
                    "a newer release migrated it", current, head)
        return
    raise SchemaNotCurrent(
        f"the database is at migration {current}, behind this code's {head}: run `{UPGRADE_COMMAND}` first"
    )
