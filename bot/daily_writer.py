"""Daily texts: who is due (one set-based query on people.daily_next_at), one outbox row
per person and local date, and keeping daily_next_at right when a turn changes it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import and_, bindparam, select, update

from bot.outbox import (
    ALREADY_WRITTEN,
    CANCELLED,
    GRACE,
    MERGED,
    PENDING,
    REACHABLE,
    outbox,
    people,
)
from bot.scheduled_rows import (
    BATCH, DAILY, QUIT_DATE, EnqueueReport, Writer, for_each_due_batch, insert_new, unnest_columns,
)
from flows import daily_texts, engine, privacy, schedule
from flows.turn_values import State
from flows.timeparse import parse_hhmm

log = logging.getLogger(__name__)


def insert_by_language(session, rows: list[dict], languages: dict[int, str], content) -> set[int]:
    """insert_new for rows of people in several languages: each with its language's
    helpline footer (content/es/safety.yaml for Spanish), added at the one door."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(languages.get(row["person_id"], "en"), []).append(row)
    written: set[int] = set()
    for language, group in groups.items():
        written |= insert_new(session, group, content.in_language(language).helpline)
    return written


def next_daily_at(state: State, now: datetime) -> datetime:
    return schedule.next_send_at(parse_hhmm(state.daily_time), state.timezone, now)


class Daily(Writer):

    def texts_changed(self, tx, person, command, state: State, now: datetime) -> None:
        """flows.commands.DailyTextsChanged: plan the next daily text, or none."""
        if command.on:
            person.daily_next_at = next_daily_at(state, now)
        else:
            person.daily_next_at = None
            self.outbox.cancel_pending(tx.session, person.id, (DAILY,))

    # -- the clock -------------------------------------------------------------------

    def enqueue_due(self, now: datetime, *, only: int | None = None) -> EnqueueReport:
        """Write one outbox row per due person (only this one with `only`: the console
        simulator's clock, bot.simulator) and advance their next send time.

        Batches by id (keyset) so memory stays flat however many people are due. After
        downtime only the latest missed slot is written, and only within the grace period.
        """
        report = EnqueueReport()
        # Everyone with the same send time and zone shares their schedule, so each distinct
        # (time, zone, planned slot) is worked out once per call, not once per person.
        advances_for: dict[tuple[str, str], datetime] = {}
        slots_for: dict[tuple[str, str, datetime], tuple[datetime | None, str | None]] = {}
        columns = (people.c.timezone, people.c.daily_time, people.c.daily_kinds, people.c.daily_cursor,
                   people.c.daily_next_at, people.c.flow, people.c.updated_at, people.c.private, people.c.language)
        due = and_(people.c.daily_enabled.is_(True), REACHABLE, people.c.daily_next_at <= now)
        if only is not None:
            due = and_(due, people.c.id == only)

        def write(session, rows) -> None:
            report.due += len(rows)
            new_rows, advances, prompted, languages = [], [], {}, {}
            taken = self._quit_date_days(session, [row.id for row in rows])
            for row in rows:
                zone_key = (row.daily_time, row.timezone)
                next_at = advances_for.get(zone_key)
                if next_at is None:
                    at = parse_hhmm(row.daily_time)
                    next_at = advances_for[zone_key] = schedule.advance(at, row.timezone, now)
                planned_key = (row.daily_time, row.timezone, row.daily_next_at)
                found = slots_for.get(planned_key)
                if found is None:
                    at = parse_hhmm(row.daily_time)
                    slot_at = schedule.latest_missed_slot(at, row.timezone, row.daily_next_at, now, self.settings.grace)
                    slot = None if slot_at is None else schedule.slot_key(schedule.local_date_of(slot_at, row.timezone))
                    found = slots_for[planned_key] = (slot_at, slot)
                slot_at, slot = found
                advances.append({"pid": row.id, "next": next_at, "cursor": row.daily_cursor})
                if slot_at is None:
                    report.skip(GRACE)
                    continue
                if (row.id, slot) in taken:   # merged into that day's quit-date text
                    report.skip(MERGED)
                    continue
                content = self.content.in_language(row.language)     # the person's language
                languages[row.id] = content.language
                _, body = daily_texts.compose(content, str(row.id), row.daily_cursor, row.daily_kinds)
                if daily_texts.invites_reply(body) and engine.prompt_may_replace(row.flow, slot_at):
                    prompted[row.id] = (slot_at, row.updated_at)
                if row.private:     # PRIVATE: a neutral first line on the lock screen
                    body = privacy.discreet(body, content, self.settings.program_name)
                new_rows.append({
                    "person_id": row.id, "kind": DAILY, "slot": slot, "body": body, "status": PENDING,
                    "due_at": slot_at, "next_attempt_at": slot_at, "attempts": 0, "created_at": now,
                })
            written = insert_by_language(session, new_rows, languages, self.content)
            report.enqueued += len(written)
            report.skip(ALREADY_WRITTEN, len(new_rows) - len(written))
            for advance in advances:
                if advance["pid"] in written:
                    advance["cursor"] += 1
            if advances:
                self._advance(session, advances)
            # A text that asks something: its answer is read as one (flows.engine). Only if
            # no turn changed the person since they were read (updated_at): a PLAN begun
            # meanwhile is never overwritten.
            waiting = [{"pid": pid, "seen": seen, "flow": engine.daily_prompt_flow(at)}
                       for pid, (at, seen) in prompted.items() if pid in written]
            if waiting:
                session.execute(
                    update(people).where(people.c.id == bindparam("pid"), people.c.updated_at == bindparam("seen"))
                    .values(flow=bindparam("flow", type_=people.c.flow.type)),
                    waiting,
                )

        for_each_due_batch(self.store, columns, due, BATCH, write)
        return report

    @staticmethod
    def _advance(session, advances: list[dict]) -> None:
        """Set each person's next send time and cursor: one UPDATE ... FROM unnest() on
        PostgreSQL (not one statement per person), an executemany on SQLite."""
        if session.get_bind().dialect.name == "postgresql":
            given = unnest_columns(people, {"id": [a["pid"] for a in advances],
                                     "daily_next_at": [a["next"] for a in advances],
                                     "daily_cursor": [a["cursor"] for a in advances]})
            session.execute(
                update(people).where(people.c.id == given.c.id)
                .values(daily_next_at=given.c.daily_next_at, daily_cursor=given.c.daily_cursor)
            )
            return
        session.execute(
            update(people)
            .where(people.c.id == bindparam("pid"))
            .values(daily_next_at=bindparam("next"), daily_cursor=bindparam("cursor")),
            advances,
        )

    @staticmethod
    def _quit_date_days(session, person_ids: list[int]) -> set[tuple[int, str]]:
        """(person, local date) pairs that already have a quit-date text.

        Asks by id range (two parameters, whatever the batch size) and keeps the ids asked for.
        """
        wanted = set(person_ids)
        found = session.execute(
            select(outbox.c.person_id, outbox.c.slot).where(
                outbox.c.kind == QUIT_DATE,
                outbox.c.status != CANCELLED,
                outbox.c.person_id.between(min(wanted), max(wanted)),
            )
        )
        return {(row.person_id, row.slot) for row in found if row.person_id in wanted}
