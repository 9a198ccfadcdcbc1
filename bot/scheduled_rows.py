"""What the writers of scheduled texts share (bot.daily_writer, bot.quit_date_writer): the kinds, the
batches of due people, the insert that makes one row per person, kind and slot, and the
report of what a tick wrote or skipped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import String, Text, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.outbox import Counts, Outbox, outbox, people
from bot.settings import Settings
from bot.store import Store
from flows import consent
from flows.content import Content
from flows.outgoing import outgoing

# The kinds (flows.consent names them with the consent each needs). QUIT_DATE rows are
# written by bot.quit_date_writer; a daily text makes way for one.
DAILY, QUIT_DATE = consent.DAILY, consent.QUIT_DATE
BATCH = 2000


def for_each_due_batch(store: Store, columns, condition, size: int, write: Callable[[Any, list], None]) -> None:
    """Call `write(session, rows)` for the people matching `condition`, `size` at a time,
    each batch in a transaction of its own, committed when `write` returns.

    Keyset pages by id, so memory stays flat however many people are due and a crash
    loses at most the batch in hand (its rows are written again next tick: the outbox's
    unique key keeps that from sending twice).
    """
    after_id = 0
    while True:
        with store.transaction() as tx:
            rows = tx.session.execute(
                select(people.c.id, *columns)
                .where(condition, people.c.id > after_id)
                .order_by(people.c.id)
                .limit(size)
            ).all()
            if not rows:
                return
            write(tx.session, rows)
        if len(rows) < size:
            return
        after_id = rows[-1].id


def insert_new(session, rows: list[dict], footer: str) -> set[int]:
    """Insert outbox rows whose (person, kind, slot) is new; return the person ids written.
    Each body goes through the one door for outgoing texts (flows.outgoing) here.

    ON CONFLICT DO NOTHING makes a second writer of the same slot a no-op: the unique
    key, not the caller, guarantees one row per person, kind and slot. On PostgreSQL the
    rows go in as one array per column (INSERT ... SELECT FROM unnest), so a batch is one
    statement with a handful of parameters rather than thousands for psycopg to parse.
    """
    if not rows:
        return set()
    # A batch repeats a few dozen daily texts thousands of times: each goes through the
    # door once per call (kept for this call only: quit-date texts hold a person's words).
    sent: dict[str, str] = {}
    for row in rows:
        body = row["body"]
        if body not in sent:
            sent[body] = outgoing(body, footer)
    rows = [{**row, "body": sent[row["body"]]} for row in rows]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        names = list(rows[0])
        source = select(unnest_columns(outbox, {name: [row[name] for row in rows] for name in names}))
        statement = postgresql.insert(outbox).from_select(names, source)
        params = None
    else:
        statement, params = sqlite.insert(outbox), rows
    statement = statement.on_conflict_do_nothing(index_elements=["person_id", "kind", "slot"]).returning(
        outbox.c.person_id)
    return set(session.execute(statement, params).scalars().all())


def unnest_columns(table, columns: dict[str, list]):
    """PostgreSQL: unnest(array, array, ...) AS (name, name, ...), one typed array per
    column of `table` (text for strings, so the table's own length checks still apply)."""
    arrays = []
    for name, values in columns.items():
        kind = table.c[name].type
        kind = Text() if isinstance(kind, String) else kind
        arrays.append(bindparam(f"{name}_values", values, type_=postgresql.ARRAY(kind)))
    return func.unnest(*arrays).table_valued(*columns).render_derived()


@dataclass
class EnqueueReport(Counts):
    due: int = 0
    enqueued: int = 0
    skipped: int = 0       # by reason in `reasons`: grace, merged, already_written, no_slot

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped += n
        self.note(reason, n)


class Writer:
    """What a writer of scheduled texts works with (Daily in bot.daily_writer, QuitDates in bot.quit_date_writer):
    each keeps a person's schedule in line after a turn and writes due rows on a tick."""

    def __init__(self, store: Store, content: Content, settings: Settings, outbox_: Outbox):
        self.store = store
        self.content = content
        self.settings = settings
        self.outbox = outbox_
