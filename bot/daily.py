"""Daily texts: who is due (one set-based query on people.daily_next_at), one outbox row
per person and local date, and keeping daily_next_at right when a turn changes it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot import models
from bot.outbox import CANCELLED, PENDING, REACHABLE, Outbox, outbox, people
from bot.settings import Settings
from bot.store import Store
from flows import daily, schedule
from flows.content import Content
from flows.model import Outcome, State

log = logging.getLogger(__name__)

DAILY = "daily"
BATCH = 2000


def _time(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def next_daily_at(state: State, now: datetime) -> datetime:
    return schedule.next_send_at(_time(state.daily_time), state.timezone, now)


@dataclass
class EnqueueReport:
    due: int = 0
    enqueued: int = 0
    skipped: int = 0       # missed slots older than the grace period, or already written


class Daily:
    def __init__(self, store: Store, content: Content, settings: Settings, outbox_: Outbox):
        self.store = store
        self.content = content
        self.settings = settings
        self.outbox = outbox_

    # -- inside an inbound turn's transaction ---------------------------------------

    def after_turn(self, tx, person, old: State, outcome: Outcome, now: datetime) -> None:
        """Bring the person's schedule and pending rows in line with the turn's new state."""
        new = outcome.state
        session = tx.session
        if new.opted_out:
            person.daily_next_at = None
            self.outbox.cancel_pending(session, person.id)
            return
        if not new.daily_enabled:
            person.daily_next_at = None
            if old.daily_enabled:
                self.outbox.cancel_pending(session, person.id, (DAILY,))
        elif (
            old.opted_out
            or not old.daily_enabled
            or old.daily_time != new.daily_time
            or old.timezone != new.timezone
            or person.daily_next_at is None
        ):
            person.daily_next_at = next_daily_at(new, now)
        kinds = tuple(k for k in outcome.cancel_followups if k != "*")
        if "*" in outcome.cancel_followups:
            self.outbox.cancel_pending(session, person.id)
        elif kinds:
            self.outbox.cancel_pending(session, person.id, kinds)
        for followup in outcome.followups:
            self.outbox.schedule_followup(session, person.id, followup.kind, followup.due_at, followup.text, now)

    # -- the clock -------------------------------------------------------------------

    def enqueue_due(self, now: datetime) -> EnqueueReport:
        """Write one outbox row per due person and advance their next send time.

        Batches by id (keyset) so memory stays flat however many people are due. After
        downtime only the latest missed slot is written, and only within the grace period.
        """
        report = EnqueueReport()
        after_id = 0
        while True:
            with self.store.transaction() as tx:
                session = tx.session
                rows = session.execute(
                    select(people.c.id, people.c.timezone, people.c.daily_time, people.c.daily_kinds,
                           people.c.daily_cursor, people.c.daily_next_at)
                    .where(
                        people.c.daily_enabled.is_(True),
                        REACHABLE,
                        people.c.daily_next_at <= now,
                        people.c.id > after_id,
                    )
                    .order_by(people.c.id)
                    .limit(BATCH)
                ).all()
                if not rows:
                    return report
                after_id = rows[-1].id
                report.due += len(rows)
                new_rows, advances = [], []
                for row in rows:
                    at = _time(row.daily_time)
                    slot_at = schedule.latest_missed_slot(at, row.timezone, row.daily_next_at, now, self.settings.grace)
                    advances.append({"pid": row.id, "next": schedule.advance(at, row.timezone, now), "cursor": row.daily_cursor})
                    if slot_at is None:
                        report.skipped += 1
                        continue
                    _, body = daily.compose(self.content, str(row.id), row.daily_cursor, row.daily_kinds)
                    slot = schedule.slot_key(schedule.local_date_of(slot_at, row.timezone))
                    new_rows.append({
                        "person_id": row.id, "kind": DAILY, "slot": slot, "body": body, "status": PENDING,
                        "due_at": slot_at, "next_attempt_at": slot_at, "attempts": 0, "created_at": now,
                    })
                written = self._insert_new(session, new_rows)
                report.enqueued += len(written)
                report.skipped += len(new_rows) - len(written)
                for advance in advances:
                    if advance["pid"] in written:
                        advance["cursor"] += 1
                if advances:
                    session.execute(
                        update(people)
                        .where(people.c.id == bindparam("pid"))
                        .values(daily_next_at=bindparam("next"), daily_cursor=bindparam("cursor")),
                        advances,
                    )
            if len(rows) < BATCH:
                return report

    def _insert_new(self, session, rows: list[dict]) -> set[int]:
        """Insert rows whose (person, kind, slot) is new; return the person ids written."""
        if not rows:
            return set()
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(outbox)
            .on_conflict_do_nothing(index_elements=["person_id", "kind", "slot"])
            .returning(outbox.c.person_id)
        )
        return set(session.execute(statement, rows).scalars().all())
