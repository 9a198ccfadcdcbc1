"""bot.db: URL normalisation, SQLite tuning, UTC timestamps."""

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from sqlalchemy import Column
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError

from bot import db, erasure
from bot.understanding import _save
from tests.support import make_settings
from tests.understanding import UNDERSTANDING

pytestmark = pytest.mark.db

INDIA = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/s", "postgresql+psycopg://u:p@db.example:5432/s"),
        ("postgresql://u@db.example/steady", "postgresql+psycopg://u@db.example/steady"),
        ("postgresql+psycopg://u@db.example/steady", "postgresql+psycopg://u@db.example/steady"),
        ("sqlite:////srv/steady/steady.sqlite3", "sqlite:////srv/steady/steady.sqlite3"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_a_database_url_is_normalised_for_psycopg3(given, expected, tmp_path):
    assert db.normalize_url(given, str(tmp_path / "instance")) == expected


@pytest.mark.parametrize("given", [None, ""])
def test_no_database_url_means_a_sqlite_file_in_the_instance_folder(given, tmp_path):
    instance = tmp_path / "instance"
    url = db.normalize_url(given, str(instance))
    assert url == f"sqlite:///{instance / 'steady.sqlite3'}"
    assert instance.is_dir()


def test_an_absolute_instance_path_gives_four_slashes(tmp_path):
    assert db.normalize_url(None, str(tmp_path)).startswith("sqlite:////")


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("busy_timeout", 5000),
        ("foreign_keys", 1),
        ("synchronous", 1),  # NORMAL
    ],
)
def test_a_sqlite_engine_sets_its_pragmas_on_every_connection(pragma, expected, tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    try:
        for _ in range(2):  # a second, pooled or fresh, connection too
            with engine.connect() as connection:
                value = connection.exec_driver_sql(f"PRAGMA {pragma}").scalar()
                assert value == expected
    finally:
        engine.dispose()


def test_a_sqlite_transaction_takes_the_write_lock_up_front(tmp_path):
    """BEGIN IMMEDIATE: a second writer waits for the first instead of racing it."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    try:
        with engine.connect() as first:
            first.exec_driver_sql("SELECT 1")
            # A plain sqlite3 connection cannot get the write lock while `first` is open.
            other = sqlite3.connect(tmp_path / "lock.sqlite3", timeout=0, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
    finally:
        engine.dispose()


@pytest.fixture
def stamps(empty_engine: Engine) -> Table:
    metadata = MetaData()
    table = Table(
        "stamps",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", db.UTCDateTime),
    )
    metadata.create_all(empty_engine)
    return table


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 24, 3, 15, 42, 123456, tzinfo=timezone.utc),
        datetime(2026, 11, 24, 8, 45, tzinfo=INDIA),
        datetime(2026, 3, 8, 2, 30, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_utc_datetime_round_trips_as_aware_utc(moment, empty_engine, stamps):
    with empty_engine.begin() as connection:
        connection.execute(insert(stamps).values(id=1, at=moment))
    with empty_engine.connect() as connection:
        back = connection.execute(select(stamps.c.at)).scalar_one()
    assert back == moment
    assert back.tzinfo == timezone.utc
    assert back.utcoffset() == timedelta(0)


def test_utc_datetime_compares_aware_bounds_in_queries(empty_engine, stamps):
    base = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
    with empty_engine.begin() as connection:
        connection.execute(
            insert(stamps), [{"id": i, "at": base + timedelta(minutes=i)} for i in range(5)]
        )
        # 17:32 in India is 12:02 UTC.
        bound = datetime(2026, 11, 24, 17, 32, tzinfo=INDIA)
        ids = connection.execute(select(stamps.c.id).where(stamps.c.at >= bound)).scalars()
        assert sorted(ids) == [2, 3, 4]


def test_utc_datetime_keeps_none(empty_engine, stamps):
    with empty_engine.begin() as connection:
        connection.execute(insert(stamps).values(id=1, at=None))
        assert connection.execute(select(stamps.c.at)).scalar_one() is None


def test_utc_datetime_refuses_a_naive_datetime(empty_engine, stamps):
    with pytest.raises(ValueError, match="naive"):
        db.UTCDateTime().process_bind_param(datetime(2026, 11, 24, 12, 0), empty_engine.dialect)
    with empty_engine.connect() as connection:
        with pytest.raises(StatementError) as caught:
            connection.execute(insert(stamps).values(id=1, at=datetime(2026, 11, 24, 12, 0)))
    assert isinstance(caught.value.orig, ValueError)


def test_upgrade_refuses_an_empty_url():
    with pytest.raises(ValueError, match="URL"):
        db.upgrade("")


def test_every_path_that_makes_the_instance_folder_makes_it_private(tmp_path):
    """Whichever is made first (the SQLite file, the data key, the models' cache: `steady
    run` trains before it opens the database), the instance folder and every folder it
    had to make above it are 0700; an existing folder keeps its mode."""
    def mode(path):
        return stat.S_IMODE(path.stat().st_mode)

    by_key = tmp_path / "a" / "instance"
    erasure.data_key(make_settings("", str(by_key)).with_(data_key=None))
    assert mode(by_key) == 0o700 and mode(by_key.parent) == 0o700
    assert mode(by_key / "data.key") == 0o600

    by_models = tmp_path / "b" / "instance"
    _save(UNDERSTANDING.models, by_models / "models" / "understanding-test.npz")
    assert mode(by_models) == mode(by_models / "models") == mode(by_models.parent) == 0o700

    by_database = tmp_path / "c" / "instance"
    db.normalize_url("", str(by_database))
    assert mode(by_database) == 0o700

    kept = tmp_path / "d"
    kept.mkdir(mode=0o755)
    kept.chmod(0o755)
    db.private_folder(kept / "instance")
    assert mode(kept) == 0o755 and mode(kept / "instance") == 0o700
