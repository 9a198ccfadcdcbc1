"""Quit-date texts (PLAN, with consent): 3 days before the quit date to 30 days after, at
the person's daily time, through the same outbox, quiet hours and STOP rules as daily
texts. On a day with a quit-date text the daily text is dropped (merged into it), so a
person never gets more than 2 scheduled texts in a day (bot.outbox caps follow-ups)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping

from sqlalchemy import and_, bindparam, update

from bot.daily_writer import insert_by_language
from bot.scheduled_rows import DAILY, QUIT_DATE, EnqueueReport, Writer, for_each_due_batch
from bot.outbox import (
    ALREADY_WRITTEN,
    CANCELLED,
    MERGED,
    NO_SLOT,
    PENDING,
    REACHABLE,
    outbox,
    people,
)
from flows import engine, privacy, quit_program, schedule
from flows.commands import quit_date_of
from flows.turn_values import State
from flows.plan_state import is_plan_flow
from flows.timeparse import parse_hhmm
from flows.zones import load_zone

log = logging.getLogger(__name__)

BATCH = 1000


def _instant(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of `at` on local `day` (DST handled by flows.schedule)."""
    day_start = datetime.combine(day, time(0, 0), tzinfo=load_zone(zone))
    return schedule.next_send_at(at, zone, day_start - timedelta(seconds=1))


def next_plan_at(plan: Mapping[str, Any] | None, daily_time: str, zone: str, now: datetime,
                 after_day: date | None = None) -> datetime | None:
    """When the next quit-date text is due: the first program day (after `after_day`, or
    from today) whose send time is still ahead of now. None once the program is over."""
    quit_date = quit_date_of(plan)
    if quit_date is None:
        return None
    at = parse_hhmm(daily_time)
    today = schedule.local_date_of(now, zone)
    day, after = (after_day, True) if after_day else (today, False)
    while True:
        offset = quit_program.next_offset(quit_date, day, after_today=after)
        if offset is None:
            return None
        day = quit_program.date_for(quit_date, offset)
        instant = _instant(day, at, zone)
        if instant > now:
            return instant
        after = True


def latest_due(plan: Mapping[str, Any] | None, daily_time: str, zone: str, planned: datetime,
               now: datetime) -> tuple[date, datetime] | None:
    """After downtime, the latest program slot from the planned one's day up to now:
    (its local day, its instant), or None if no program day is due. The caller sends it
    only within the grace period; the ones before it are skipped, never sent in a burst."""
    quit_date = quit_date_of(plan)
    if quit_date is None:
        return None
    at = parse_hhmm(daily_time)
    day = schedule.local_date_of(planned, zone)
    found = None
    offset = quit_program.next_offset(quit_date, day)
    while offset is not None:
        day = quit_program.date_for(quit_date, offset)
        instant = _instant(day, at, zone)
        if instant > now:
            break
        found = (day, instant)
        offset = quit_program.next_offset(quit_date, day, after_today=True)
    return found


class QuitDates(Writer):

    def texts_changed(self, tx, person, command, state: State, now: datetime) -> None:
        """flows.commands.QuitDateTextsChanged: plan the program's next day anew, or end it."""
        self.outbox.cancel_pending(tx.session, person.id, (QUIT_DATE,))
        person.plan_next_at = next_plan_at(state.plan, state.daily_time, state.timezone, now) if command.on else None

    def enqueue_due(self, now: datetime, *, only: int | None = None) -> EnqueueReport:
        """One row per due person and program day; the day's daily text makes way for it.
        `only`: this person alone (the console simulator's clock, bot.simulator)."""
        report = EnqueueReport()
        columns = (people.c.timezone, people.c.daily_time, people.c.plan, people.c.flow, people.c.plan_next_at,
                   people.c.private, people.c.language)
        due = and_(people.c.plan_next_at <= now, REACHABLE)
        if only is not None:
            due = and_(due, people.c.id == only)

        def write(session, rows) -> None:
            report.due += len(rows)
            new_rows, advances, checkins, languages = [], [], [], {}
            for row in rows:
                due_slot = latest_due(row.plan, row.daily_time, row.timezone, row.plan_next_at, now)
                after_day = due_slot[0] if due_slot else schedule.local_date_of(row.plan_next_at, row.timezone)
                advances.append({
                    "pid": row.id,
                    "next": next_plan_at(row.plan, row.daily_time, row.timezone, now, after_day=after_day),
                })
                if due_slot is None:            # the plan changed under the planned time
                    report.skip(NO_SLOT)
                    continue
                day, planned = due_slot
                # The same rule the sender applies (flows.schedule.refusal): a row it would
                # only cancel is not written.
                refused = schedule.refusal(planned, now, row.timezone, self.settings.grace, self.outbox.quiet)
                if refused is not None:
                    report.skip(refused)
                    continue
                offset = (day - quit_date_of(row.plan)).days
                content = self.content.in_language(row.language)     # the person's language
                languages[row.id] = content.language
                body = quit_program.compose(offset, row.plan, content)
                if row.private:     # PRIVATE: a neutral first line on the lock screen
                    body = privacy.discreet(body, content, self.settings.program_name)
                slot = schedule.slot_key(day)
                new_rows.append({
                    "person_id": row.id, "kind": QUIT_DATE, "slot": slot, "body": body, "status": PENDING,
                    "due_at": planned, "next_attempt_at": planned, "attempts": 0, "created_at": now,
                })
                if quit_program.is_checkin(offset) and not is_plan_flow(row.flow):
                    checkins.append({"pid": row.id, "flow": engine.checkin_flow(planned, offset)})
            written = insert_by_language(session, new_rows, languages, self.content)
            report.enqueued += len(written)
            report.skip(ALREADY_WRITTEN, len(new_rows) - len(written))
            for new_row in new_rows:      # merged: the quit-date text replaces that day's daily text
                if new_row["person_id"] in written:
                    session.execute(
                        update(outbox)
                        .where(outbox.c.person_id == new_row["person_id"], outbox.c.kind == DAILY,
                               outbox.c.slot == new_row["slot"], outbox.c.status == PENDING)
                        .values(status=CANCELLED, delivery_status=MERGED)
                    )
            session.execute(
                update(people).where(people.c.id == bindparam("pid")).values(plan_next_at=bindparam("next")),
                advances,
            )
            waiting = [c for c in checkins if c["pid"] in written]
            if waiting:
                session.execute(
                    update(people).where(people.c.id == bindparam("pid")).values(flow=bindparam("flow")),
                    waiting,
                )

        for_each_due_batch(self.store, columns, due, BATCH, write)
        return report
