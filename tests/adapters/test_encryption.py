"""Encryption at rest (bot/crypto.py, bot/rotation.py, migration 0006) on SQLite and
PostgreSQL: a copy of the database without the key shows no number and no plan answer;
look-ups go by the keyed hash; `steady keys rotate` stopped half-way and run again seals
everything with the new key while texts are answered; the migration seals existing rows
and its downgrade opens them again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import column
from sqlalchemy import table
from sqlalchemy.engine import make_url

from bot import crypto
from bot import db
from bot import erasure
from bot import models
from bot import rotation
from bot.cli import main
from bot.conversation import Inbound
from bot.store import Store
from tests.adapters.test_clock import utc
from tests.support import TEST_DATA_KEY, make_app, make_settings, new_sid

pytestmark = pytest.mark.db

NUMBER = "+12125550155"
# The forms a number is written in, any of which a search of a dump might try.
NUMBER_FORMS = ("+12125550155", "12125550155", "2125550155", "212-555-0155", "(212) 555-0155", "212 555 0155",
                "5550155")
ANSWER = "Zorbleflax"                       # a plan answer, unlike any word in Steady's own texts
THIRD_PARTY = "917-555-0142"                # a number inside an answer
SIGNUP = utc(2026, 11, 24, 5, 0)
OLD_KEY, NEW_KEY = b"o" * 40, b"n" * 40
TZ = "America/New_York"


@pytest.fixture(autouse=True)
def test_keys():
    """Each test installs keys of its own; the test process's keys come back after."""
    before = crypto.keyring()
    yield
    crypto.use(before)


@pytest.fixture
def steady(app):
    """Steady itself, from the shared `app` (tests/conftest.py): no server, no Twilio."""
    return app.extensions["steady"]


def talk(steady, *texts, number=NUMBER):
    for n, body in enumerate(texts):
        steady.conversation.handle(Inbound(sender=number, body=body, now=SIGNUP + timedelta(minutes=n), sid=new_sid()))


def _dump(database_url: str, tmp_path: Path) -> bytes:
    """Every byte a copy of the database would hold: the SQLite file with its WAL, or
    pg_dump of the test's schema (else COPY of every table)."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url[len("sqlite:///"):])
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    url = make_url(database_url)
    schema = url.query["options"].split("search_path=", 1)[1]
    if shutil.which("pg_dump"):
        plain = url.difference_update_query(["options"]).set(drivername="postgresql")
        return subprocess.run(["pg_dump", "--schema", schema, "--data-only", "--no-owner",
                               plain.render_as_string(hide_password=False)],
                              capture_output=True, check=True, timeout=60).stdout
    engine = db.make_engine(database_url)    # pragma: no cover - no pg_dump on this machine
    try:
        chunks = []
        with engine.connect() as connection:
            cursor = connection.connection.cursor()
            for name in models.Base.metadata.tables:
                with cursor.copy(f'COPY "{name}" TO STDOUT') as copy:
                    chunks += [bytes(block) for block in copy]
        return b"".join(chunks)
    finally:
        engine.dispose()


def test_a_dump_without_the_key_shows_no_number_and_no_plan_answer(steady, database_url, tmp_path):
    talk(steady, "DAILY", "PLAN", "December 7", "YES", f"{ANSWER} payday", f"call Ana {THIRD_PARTY}", "walk",
         "SKIP", "YES", "MY PLAN")                  # MY PLAN's reply, kept for a repeat, shows the plan
    talk(steady, "PLAN", f"{ANSWER} again")         # an open flow holds its answers
    steady.quit_dates.enqueue_due(utc(2026, 12, 6, 15, 0))      # the day before names the triggers
    with steady.store.transaction() as tx:         # it is all there, for whoever has the key
        person = tx.find_person(NUMBER, "sms")
        assert person.number == NUMBER and person.number_hash == crypto.keyring().lookup(NUMBER)
        assert ANSWER in person.plan["triggers"] and THIRD_PARTY in json.dumps(person.plan)
        assert ANSWER in json.dumps(person.flow)
        bodies = tx.session.execute(select(models.OutboxMessage.body)).scalars().all()
        assert any(ANSWER in body for body in bodies)
        replies = tx.session.execute(select(models.ProcessedMessage.replies)).scalars().all()
        assert any(THIRD_PARTY in reply for kept in replies for reply in kept or ())
    dumped = _dump(database_url, tmp_path)
    assert crypto.keyring().lookup(NUMBER).encode() in dumped        # the dump is of this database
    for secret in (*NUMBER_FORMS, ANSWER, THIRD_PARTY, "Ana"):
        assert secret.encode() not in dumped, secret


def test_numbers_are_found_by_their_keyed_hash_and_stored_sealed(store):
    crypto.use(crypto.Keys(NEW_KEY))
    now = SIGNUP
    with store.transaction() as tx:
        tx.add_person(NUMBER, "sms", timezone=TZ, now=now)
        tx.add_person(NUMBER, "whatsapp", timezone=TZ, now=now)
        tx.add_person(NUMBER, "sms", timezone=TZ, now=now)             # the same (number, channel): no second row
    raw = table("people", column("number"), column("number_hash"))
    with store.transaction() as tx:
        stored = tx.session.execute(select(raw.c.number, raw.c.number_hash)).all()
        assert len(stored) == 2 and len(tx.people_with_number(NUMBER)) == 2
        assert all(number.startswith(crypto.PREFIX) and NUMBER not in number for number, _ in stored)
        assert {digest for _, digest in stored} == {crypto.keyring().lookup(NUMBER)}
        assert tx.find_person(NUMBER, "sms").number == NUMBER
        assert tx.find_person("+12125550156", "sms") is None
    crypto.use(crypto.Keys(OLD_KEY))                  # another key: nothing opens, nothing is found
    with store.transaction() as tx:
        assert tx.find_person(NUMBER, "sms") is None
        with pytest.raises(crypto.KeyMissing):
            tx.session.execute(select(models.Person.number)).all()


def _people(store, count: int) -> list[str]:
    numbers = [f"+1646555{n:04d}" for n in range(count)]
    with store.transaction() as tx:
        for n, number in enumerate(numbers):
            tx.add_person(number, "sms", timezone=TZ, now=SIGNUP)
            person, _ = tx.turn_person(number, "sms", SIGNUP)
            person.plan = {"triggers": f"{ANSWER} {n}"}
            tx.write_person(person)
    return numbers


def _sealed_by(store, keys: crypto.Keys) -> tuple[int, int]:
    """(people sealed by `keys`' STEADY_DATA_KEY, rows not yet; the tests write no other sealed rows)."""
    with store.engine.connect() as connection:
        left = rotation.pending(connection, keys)
        total = connection.execute(select(func.count()).select_from(models.Person.__table__)).scalar()
    return total - left, left


def test_a_rotation_stopped_half_way_and_run_again_finishes_while_texts_are_answered(store):
    crypto.use(crypto.Keys(OLD_KEY))
    numbers = _people(store, 9)
    both = crypto.use(crypto.Keys(NEW_KEY, old=OLD_KEY))
    assert _sealed_by(store, both) == (0, 9)
    stopped = rotation.rotate(store, both, size=2, batches=2)     # the process stops after two batches
    assert (stopped.sealed, stopped.done) == (4, False) and _sealed_by(store, both) == (4, 5)
    with store.transaction() as tx:       # meanwhile: an old row and a rotated one are found, a new one added
        for number in (numbers[0], numbers[8]):
            person, _ = tx.turn_person(number, "sms", SIGNUP)
            person.plan = {**person.plan, "place": "home"}
            tx.write_person(person)
        tx.add_person("+16465559999", "sms", timezone=TZ, now=SIGNUP)
    assert _sealed_by(store, both) == (5, 5)     # the new row is sealed by the new key; a plan alone is not enough
    resumed = rotation.rotate(store, both, size=2)
    assert resumed.done and resumed.sealed == 5 and _sealed_by(store, both) == (10, 0)
    assert rotation.rotate(store, both, size=2).sealed == 0     # nothing left to do
    crypto.use(crypto.Keys(NEW_KEY))                            # STEADY_DATA_KEY_OLD removed: all of it opens
    with store.transaction() as tx:
        for n, number in enumerate(numbers):
            person = tx.find_person(number, "sms")
            assert person is not None and person.number == number
            assert person.plan["triggers"] == f"{ANSWER} {n}"
        assert tx.find_person(numbers[8], "sms").plan["place"] == "home"


def test_steady_keys_rotate_seals_with_the_new_key_and_says_when_it_is_done(steady, database_url, tmp_path):
    talk(steady, "DAILY", "PLAN", "December 7", "YES", f"{ANSWER} payday")
    new_key = "r" * 40
    env = {"DATABASE_URL": database_url, "STEADY_INSTANCE_PATH": str(tmp_path), "STEADY_DATA_KEY": new_key,
           "STEADY_DATA_KEY_OLD": TEST_DATA_KEY}
    with steady.store.engine.connect() as connection:
        rows = rotation.pending(connection, crypto.Keys(new_key.encode()))    # the person and five replies kept
    result = CliRunner().invoke(main, ["keys", "rotate", "--batch", "2"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert rows == 6 and f"sealed {rows} of {rows} rows" in result.output and "0 left: done" in result.output
    crypto.use(crypto.Keys(new_key.encode()))
    with steady.store.transaction() as tx:
        person = tx.find_person(NUMBER, "sms")                     # PLAN is still open: the answer is in its flow
        assert person.plan is None and ANSWER in json.dumps(person.flow)


@pytest.mark.parametrize("database", ["postgresql://u@127.0.0.1:1/none", ""])
def test_a_command_without_a_data_key_refuses_to_start_on_either_database(tmp_path, database):
    """Only `steady run` and `steady chat` keep a key in the instance folder: a key beside
    the database travels with every copy of it."""
    result = CliRunner().invoke(main, ["people", "export", NUMBER],
                                env={"DATABASE_URL": database, "STEADY_DATA_KEY": "",
                                     "STEADY_INSTANCE_PATH": str(tmp_path)})
    assert result.exit_code != 0 and "STEADY_DATA_KEY is required" in result.output
    assert not (tmp_path / "data.key").exists()


def test_steady_chat_keeps_a_key_in_the_instance_folder_when_none_is_set(tmp_path):
    env = {"DATABASE_URL": "", "STEADY_DATA_KEY": "", "STEADY_INSTANCE_PATH": str(tmp_path)}
    assert CliRunner().invoke(main, ["run", "--help"], env=env).exit_code == 0
    chat = CliRunner().invoke(main, ["chat", "--json"], env=env, input="hello\n")
    assert (tmp_path / "data.key").exists() and (tmp_path / "data.key").stat().st_mode & 0o777 == 0o600, \
        chat.output


def test_the_migration_seals_existing_rows_and_its_downgrade_opens_them(empty_engine):
    crypto.use(crypto.Keys(NEW_KEY))
    db.upgrade(empty_engine, "0005_twilio_deletions")
    raw = table("people", column("id"), column("number"), column("channel"), column("timezone"),
                column("plan", models.Json), column("created_at"), column("updated_at"))
    with empty_engine.begin() as connection:
        connection.execute(insert(raw), [
            {"number": f"+1646555{n:04d}", "channel": "sms", "timezone": TZ, "plan": {"triggers": f"{ANSWER} {n}"},
             "created_at": SIGNUP, "updated_at": SIGNUP} for n in range(3)])
    db.upgrade(empty_engine)
    store = Store(empty_engine)
    assert _sealed_by(store, crypto.keyring()) == (3, 0)
    with store.transaction() as tx:
        assert tx.find_person("+16465550002", "sms").plan == {"triggers": f"{ANSWER} 2"}
    config = db.alembic_config()
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005_twilio_deletions")
    with empty_engine.connect() as connection:
        rows = connection.execute(select(raw.c.number, raw.c.plan).order_by(raw.c.id)).all()
    assert [tuple(row) for row in rows] == [(f"+1646555{n:04d}", {"triggers": f"{ANSWER} {n}"}) for n in range(3)]


def test_a_value_moved_to_another_column_or_altered_does_not_open():
    keys = crypto.Keys(NEW_KEY)
    sealed = keys.seal(NUMBER, "people.number")
    assert sealed != keys.seal(NUMBER, "people.number")                   # a fresh nonce each time
    assert keys.open(sealed, "people.number") == NUMBER
    with pytest.raises(ValueError):
        keys.open(sealed, "people.plan")
    with pytest.raises(ValueError):
        keys.open(sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"), "people.number")
    rotated = crypto.Keys(b"x" * 40, old=NEW_KEY)
    assert rotated.open(sealed, "people.number") == NUMBER and not rotated.current(sealed)
    assert rotated.lookups(NUMBER) == (rotated.lookup(NUMBER), keys.lookup(NUMBER))
    with pytest.raises(crypto.KeyMissing):
        crypto.Keys(b"x" * 40).open(sealed, "people.number")


def test_the_rotation_knows_every_sealed_column():
    sealed = {f"{table.name}.{c.name}" for table in models.Base.metadata.sorted_tables for c in table.columns
              if isinstance(c.type, (models.SealedText, models.SealedJson))}
    rotated = {f"{t.table.name}.{c}" for t in rotation.TABLES for c in (*t.texts, *t.jsons)}
    assert sealed == rotated == {"people.number", "people.plan", "people.flow", "outbox.body",
                                 "processed_messages.replies"}


def test_the_crypto_bench_prints_each_cost_per_text():
    root = Path(__file__).resolve().parents[2]
    shown = subprocess.run([sys.executable, str(root / "bench" / "crypto.py"), "--n", "50"], capture_output=True,
                           text=True, timeout=60, check=True).stdout
    figures = json.loads(shown.splitlines()[-1])
    assert set(figures) == {"lookup_hmac_us", "lookups_both_keys_us", "open_number_us", "open_plan_us",
                            "seal_plan_us", "seal_replies_us", "per_text_us"}
    assert all(value > 0 for value in figures.values())


def test_a_number_erased_after_stop_under_the_old_key_still_starts_opted_out(database_url, tmp_path):
    old, new = "o" * 40, "n" * 40
    before = make_app(make_settings(database_url, str(tmp_path / "before"), data_key=old)).extensions["steady"]
    try:
        talk(before, "STOP")
        assert erasure.erase_number(before.store, NUMBER, old.encode(), SIGNUP + timedelta(minutes=5)) == 1
        with before.store.transaction() as tx:
            assert tx.find_person(NUMBER, "sms") is None
    finally:
        before.store.engine.dispose()
    after = make_app(make_settings(database_url, str(tmp_path / "after"), data_key=new,
                                   data_key_old=old)).extensions["steady"]
    try:
        talk(after, "hello")
        with after.store.transaction() as tx:
            assert tx.find_person(NUMBER, "sms").opted_out is True
    finally:
        after.store.engine.dispose()
