"""`steady keys rotate` and migration 0006: seal every sealed column with STEADY_DATA_KEY, a
batch of rows per transaction, and set the number's look-up hash.

A row already sealed by STEADY_DATA_KEY is left alone, so a rotation that stops half-way
(a deploy, a crash) is finished by running it again, and rows a turn writes meanwhile (it
seals with STEADY_DATA_KEY) are never sealed twice. While it runs both keys open values and
look-ups try both hashes (bot.crypto.Keys), so texts are answered throughout. Each batch's
rows are locked (PostgreSQL: FOR UPDATE; SQLite has one writer), so a turn's write is never
overwritten with the value read before it.

It reads and writes the columns as stored (`TABLES`), not through bot.models' sealed types:
people's number, plan and open flow, the outbox's bodies (a quit-date text names the
person's triggers) and the replies kept for repeated deliveries (MY PLAN shows the plan).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.crypto import Keys

BATCH = 500

_JSON = sa.JSON(none_as_null=True)


@dataclass(frozen=True)
class Sealed:
    """A table whose columns bot.models seals: its key column, its sealed text and JSON
    columns (each bound to "table.column"), as stored."""

    table: sa.TableClause
    key: str
    texts: tuple[str, ...] = ()
    jsons: tuple[str, ...] = ()


def _sealed_table(name: str, key: str, key_type, texts=(), jsons=(), extra=()) -> Sealed:
    columns = [sa.column(key, key_type), *(sa.column(c, sa.Text()) for c in texts),
               *(sa.column(c, _JSON) for c in jsons), *extra]
    return Sealed(sa.table(name, *columns), key, tuple(texts), tuple(jsons))


# Every sealed column of bot.models (tests/adapters/test_encryption.py checks the list).
PEOPLE = _sealed_table("people", "id", sa.Integer(), texts=("number",), jsons=("plan", "flow"),
                       extra=(sa.column("number_hash", sa.String()),))
TABLES = (
    PEOPLE,
    _sealed_table("outbox", "id", sa.BigInteger(), texts=("body",)),
    _sealed_table("processed_messages", "message_sid", sa.String(), jsons=("replies",)),
)


@dataclass
class Progress:
    """What a rotation did: rows read, rows sealed again, batches committed."""

    read: int = 0
    sealed: int = 0
    batches: int = 0
    done: bool = False


def _batch(connection: Connection, sealed: Sealed, after, size: int):
    table, key = sealed.table, sealed.table.c[sealed.key]
    statement = sa.select(table).order_by(key).limit(size)
    if after is not None:
        statement = statement.where(key > after)
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return connection.execute(statement).all()


def _current(keys: Keys, sealed: Sealed, row) -> bool:
    """Whether a row's sealed columns are all sealed by STEADY_DATA_KEY (people: with the hash set)."""
    values = row._mapping
    if sealed is PEOPLE and values["number_hash"] is None:
        return False
    return (all(keys.current(values[name]) for name in sealed.texts)
            and all(values[name] is None or (isinstance(values[name], str) and keys.current(values[name]))
                    for name in sealed.jsons))


def _opened(keys: Keys, sealed: Sealed, row) -> dict:
    """The row's sealed columns in the clear (a value from before 0006 as it is)."""
    values, name = row._mapping, sealed.table.name
    plain = {c: None if values[c] is None else keys.open(values[c], f"{name}.{c}") for c in sealed.texts}
    for c in sealed.jsons:
        stored = values[c]
        plain[c] = json.loads(keys.open(stored, f"{name}.{c}")) if isinstance(stored, str) else stored
    return plain


def _resealed(keys: Keys, sealed: Sealed, plain: dict) -> dict:
    name = sealed.table.name
    values = {c: None if plain[c] is None else keys.seal(plain[c], f"{name}.{c}") for c in sealed.texts}
    for c in sealed.jsons:
        values[c] = None if plain[c] is None else keys.seal(
            json.dumps(plain[c], separators=(",", ":"), sort_keys=True), f"{name}.{c}")
    if sealed is PEOPLE:
        values["number_hash"] = keys.lookup(plain["number"])
    return values


def reseal_batch(connection: Connection, keys: Keys, sealed: Sealed, after, size: int = BATCH):
    """Seal again the rows of `sealed` after key `after` (None: from the first), up to `size`,
    that are not sealed by STEADY_DATA_KEY; (the last key read, None past the end; rows
    read; rows written)."""
    rows = _batch(connection, sealed, after, size)
    written = 0
    key = sealed.table.c[sealed.key]
    for row in rows:
        if _current(keys, sealed, row):
            continue
        connection.execute(sa.update(sealed.table).where(key == row._mapping[sealed.key])
                           .values(_resealed(keys, sealed, _opened(keys, sealed, row))))
        written += 1
    last = rows[-1]._mapping[sealed.key] if len(rows) == size else None
    return last, len(rows), written


def rotate(store, keys: Keys, size: int = BATCH, batches: int | None = None) -> Progress:
    """Seal every sealed row with STEADY_DATA_KEY, a batch per transaction of `store`
    (bot.store.Store), table after table; stop after `batches` batches if given (the rest
    stays for the next run, as when the process is stopped)."""
    progress = Progress()
    for sealed in TABLES:
        after = None
        while True:
            if batches is not None and progress.batches >= batches:
                return progress
            with store.transaction() as tx:
                after, read, written = reseal_batch(tx.session.connection(), keys, sealed, after, size)
            progress.batches += 1
            progress.read += read
            progress.sealed += written
            if after is None:
                break
    progress.done = True
    return progress


def reseal_all(connection: Connection, keys: Keys, size: int = BATCH) -> int:
    """Migration 0006: every row, on the migration's connection; how many were sealed."""
    total = 0
    for sealed in TABLES:
        after = None
        while True:
            after, _, written = reseal_batch(connection, keys, sealed, after, size)
            total += written
            if after is None:
                break
    return total


def open_all(connection: Connection, keys: Keys, size: int = BATCH) -> None:
    """Migration 0006's downgrade: every sealed value back in the clear."""
    for sealed in TABLES:
        key, after = sealed.table.c[sealed.key], None
        while True:
            rows = _batch(connection, sealed, after, size)
            for row in rows:
                connection.execute(sa.update(sealed.table).where(key == row._mapping[sealed.key])
                                   .values(_opened(keys, sealed, row)))
            if len(rows) < size:
                break
            after = rows[-1]._mapping[sealed.key]


def pending(connection: Connection, keys: Keys) -> int:
    """How many rows are not yet sealed by STEADY_DATA_KEY, in every sealed table."""
    return sum(not _current(keys, sealed, row)
               for sealed in TABLES for row in connection.execute(sa.select(sealed.table)))
