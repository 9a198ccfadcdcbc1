"""Retention: the clock's daily job, and `steady prune` by hand.

First it counts each finished UTC day into `daily_counts` (aggregates for the operator
console: by intent, consent kind, score, outcome; never a number or a person id), then
it prunes what the settings no longer allow to be kept:

- message events and check-in answers older than STEADY_EVENTS_RETENTION_DAYS;
- outbox rows, with their bodies, STEADY_OUTBOX_RETENTION_DAYS after they settled
  (sent, failed or cancelled);
- people who have neither texted nor been texted for STEADY_PEOPLE_RETENTION_DAYS,
  erased by the store's one erase (Tx.erase_person), as by DELETE.

Bounded and gentle: rows are deleted by id, a batch at a time, each batch its own short
transaction (SQLite's single writer is never held for long: a text arriving meanwhile
waits milliseconds), and nothing is loaded but a batch of ids. Safe to stop at any point
and to run again: `retention_marks` records how far it got, and each prune records its
cut-off *before* it deletes, so a day that may have lost rows is never counted again
(flows/retention_days.py: only whole days are counted).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Table, and_, case, delete, exists, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from bot import erasure, models, twilio_deletions
from bot.outbox import SANDBOX
from bot.scheduled_rows import QUIT_DATE
from bot.settings import Settings
from bot.store import Store, Tx
from flows import retention_days
from flows.retention_days import ONE_DAY, midnight

log = logging.getLogger(__name__)

BATCH = 250           # rows deleted per transaction: ~25 ms of SQLite's writer at most (bench/prune.py)
PEOPLE_BATCH = 20     # people erased per transaction (each erase is a statement per table: ~2 ms a person)
CHUNK_DAYS = 7        # days counted per transaction (each a few GROUP BYs over a week)
# Batches one clock tick may spend before it goes back to sending; the rest is done by
# the next ticks (the job stays due until it finishes). `steady prune` has no limit.
TICK_BATCHES = 50

# retention_marks names.
COUNTED = "counted_through"   # the last day whose counts are final (events, consent, people)
DETAIL_CUT = "detail_cut"     # message events and check-ins before this may be gone
OUTBOX_CUT = "outbox_cut"     # outbox rows settled before this may be gone
FINISHED = "finished"         # when the job last ran to the end

events = models.MessageEvent.__table__
plan_events = models.PlanEvent.__table__
checkins = models.Checkin.__table__
consents = models.ConsentEvent.__table__
people = models.Person.__table__
outbox = models.OutboxMessage.__table__
counts = models.DailyCount.__table__
marks = models.RetentionMark.__table__

# The console simulator's test numbers (bot.simulator) are nobody: every count leaves them out.
REAL = people.c.channel != SANDBOX

SETTLED = (models.SENT, models.FAILED, models.CANCELLED)

# Every metric in daily_counts and what its key is, by when a day's count is final. The
# operator console (issue 14) reads these; the README's data map lists them.
FINAL_METRICS = {   # final once the day is over: counted once, the day after
    "texts_in": "texts people sent, by intent (crisis, slip, craving, ...)",
    "replies": "replies Steady sent to them, by the intent answered (crisis: crisis replies)",
    "crisis_kinds": "crisis texts answered, by kind (overdose_other, overdose_self, suicide, violence, call_for_help)",
    "people_texted": "how many people texted that day (key empty)",
    "new_people": "people who texted for the first time (key empty)",
    "consent": "consent events by kind (opt_in, opt_out, daily_on, daily_off, plan_texts_on, plan_texts_off)",
    "checkin_scores": "quit-date check-in answers, by score 1-5",
    "plans": "quit plans saved, by made (a first plan) or changed (an edit or a new one)",
}
OUTBOX_METRICS = {  # by the day a row was due; counted again each day until the rows are pruned
    "outbox": "scheduled texts by status (pending, sending, sent, failed, cancelled)",
    "outbox_kind": "scheduled texts by kind and status (daily:sent, quit_date:cancelled, ...)",
    "outbox_delivery": "sent texts by Twilio's last receipt (delivered, undelivered, sent, ...; '' none yet)",
    "outbox_reason": "failed and cancelled texts by why: status:reason (cancelled:quiet_hours, failed:30003)",
    "outbox_error": "sent texts Twilio reported an error code for (undelivered), by code",
    "quit_day": "quit-date texts sent, by program day (-3 ... 30: days after the quit date)",
}
SNAPSHOT_METRICS = {  # taken as the day's counts are made (the first run after it ends)
    "people": "people then: total, opted_in, daily, quit_date_texts, with_plan, undeliverable",
}
METRICS = FINAL_METRICS | OUTBOX_METRICS | SNAPSHOT_METRICS


@dataclass
class RetentionReport:
    """What one run did: counts only, never a body or a number."""

    days_counted: int = 0
    outbox_days_counted: int = 0
    events: int = 0
    checkins: int = 0
    outbox: int = 0
    people: int = 0
    finished: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"{self.days_counted} days counted ({self.outbox_days_counted} for the outbox); pruned "
            f"{self.events} message events, {self.checkins} check-ins, {self.outbox} outbox rows; "
            f"{self.people} inactive people erased" + ("" if self.finished else "; more to do next tick")
        )


class _Budget:
    """Batches left to spend (None: no limit); `refused` once one was asked for in vain."""

    def __init__(self, batches: int | None) -> None:
        self.left = batches
        self.refused = False

    def take(self) -> bool:
        if self.left is None:
            return True
        if self.left <= 0:
            self.refused = True
            return False
        self.left -= 1
        return True


class Retention:
    """Counts, then prunes; `run` by hand, `run_if_due` from each clock tick."""

    def __init__(self, store: Store, *, keep_events: timedelta, keep_outbox: timedelta, keep_people: timedelta,
                 data_key: Callable[[], bytes], at_twilio: bool = False, batch: int = BATCH,
                 people_batch: int = PEOPLE_BATCH) -> None:
        self.store = store
        self.at_twilio = at_twilio   # STEADY_TWILIO_DELETE_MESSAGES: an erased person's texts go from Twilio too
        self.data_key = data_key     # read only when someone is erased (bot.erasure: the tombstone's hash)
        self.keep_events = keep_events
        self.keep_outbox = keep_outbox
        self.keep_people = keep_people
        self.batch = batch
        self.people_batch = people_batch
        self._postgresql = store.engine.dialect.name == "postgresql"

    @classmethod
    def from_settings(cls, store: Store, settings: Settings) -> "Retention":
        return cls(store, keep_events=settings.events_retention, keep_outbox=settings.outbox_retention,
                   keep_people=settings.people_retention, data_key=lambda: erasure.data_key(settings),
                   at_twilio=settings.twilio_delete_messages)

    def run_if_due(self, now: datetime, max_batches: int | None = TICK_BATCHES) -> RetentionReport | None:
        """The clock's step: run (within `max_batches`) at the first tick of a UTC day
        the job has not finished on; None when not due (one small read)."""
        with self.store.transaction() as tx:
            finished = _marks(tx).get(FINISHED)
        if not retention_days.due(finished, now):
            return None
        return self.run(now, max_batches=max_batches)

    def run(self, now: datetime, max_batches: int | None = None) -> RetentionReport:
        """Count every finished day not yet counted, then prune. Returns what it did."""
        report = RetentionReport()
        budget = _Budget(max_batches)
        today = now.date()
        first_uncounted = self._count_final_days(today, report)
        outbox_uncounted = self._count_outbox_days(today, report)
        self._prune_detail(retention_days.prune_cut(now, self.keep_events, first_uncounted), budget, report)
        self._prune_outbox(retention_days.prune_cut(now, self.keep_outbox, outbox_uncounted), budget, report)
        self._erase_inactive(now - self.keep_people, now, budget, report)
        if not budget.refused:
            with self.store.transaction() as tx:
                _set_mark(tx, FINISHED, now)
            report.finished = True
        log.info("retention: %s", report.summary())
        return report

    # Counting -------------------------------------------------------------------------------

    def _count_final_days(self, today: date, report: RetentionReport) -> date:
        """Count the finished days not yet counted; returns the first day not counted."""
        with self.store.transaction() as tx:
            found = _marks(tx)
            counted = found.get(COUNTED)
            earliest = None if counted is not None else _earliest(tx, (
                events.c.at, checkins.c.at, consents.c.at, people.c.created_at, plan_events.c.at))
        whole_from = retention_days.first_whole_day(found.get(DETAIL_CUT))
        days = retention_days.days_to_count(counted.date() if counted else None, earliest, whole_from, today)
        for chunk in retention_days.chunks(days, CHUNK_DAYS):
            with self.store.transaction() as tx:
                count_final_days(tx, chunk)
                if chunk[-1] == today - ONE_DAY:
                    _replace(tx, SNAPSHOT_METRICS, [chunk[-1]], _people_snapshot(tx, chunk[-1]))
                _set_mark(tx, COUNTED, midnight(chunk[-1]))
            report.days_counted += len(chunk)
        if days:
            return days[-1] + ONE_DAY
        return counted.date() + ONE_DAY if counted is not None else today   # None: nothing to count

    def _count_outbox_days(self, today: date, report: RetentionReport) -> date:
        """Count the outbox days whose rows are all still there, up to yesterday; returns
        the first day not counted (today)."""
        with self.store.transaction() as tx:
            whole_from = retention_days.first_whole_day(_marks(tx).get(OUTBOX_CUT))
            earliest = _earliest(tx, (outbox.c.due_at,)) if whole_from is None else None
        days = retention_days.days_to_count(None, whole_from or earliest, None, today)
        for chunk in retention_days.chunks(days, CHUNK_DAYS):
            with self.store.transaction() as tx:
                count_outbox_days(tx, chunk)
            report.outbox_days_counted += len(chunk)
        return today

    # Pruning --------------------------------------------------------------------------------

    def _prune_detail(self, cut: datetime, budget: _Budget, report: RetentionReport) -> None:
        with self.store.transaction() as tx:
            _raise_mark(tx, DETAIL_CUT, cut)    # before any row goes: those days are never counted again
        report.events += self._delete(events, events.c.at < cut, budget)
        report.checkins += self._delete(checkins, checkins.c.at < cut, budget)
        self._delete(plan_events, plan_events.c.at < cut, budget)

    def _prune_outbox(self, cut: datetime, budget: _Budget, report: RetentionReport) -> None:
        """Settled rows whose every time (due, last attempt, claim, send) is before `cut`:
        `next_attempt_at` first, so the (status, next_attempt_at) index finds them."""
        with self.store.transaction() as tx:
            _raise_mark(tx, OUTBOX_CUT, cut)
        old = and_(
            outbox.c.status.in_(SETTLED), outbox.c.next_attempt_at < cut, outbox.c.due_at < cut,
            or_(outbox.c.claimed_at.is_(None), outbox.c.claimed_at < cut),
            or_(outbox.c.sent_at.is_(None), outbox.c.sent_at < cut),
        )
        report.outbox += self._delete(outbox, old, budget)

    def _delete(self, table: Table, condition: ColumnElement[bool], budget: _Budget) -> int:
        """Delete the rows matching `condition`, a batch of ids per transaction."""
        statement = delete(table).where(table.c.id.in_(select(table.c.id).where(condition).limit(self.batch)))
        total = 0
        while budget.take():
            with self.store.transaction() as tx:
                deleted = tx.session.execute(statement).rowcount or 0
            total += deleted
            if deleted < self.batch:
                break
        return total

    def _erase_inactive(self, cut: datetime, now: datetime, budget: _Budget, report: RetentionReport) -> None:
        """Erase everyone inactive since `cut`, a batch per transaction, through
        Tx.erase_person, leaving what DELETE leaves (the number's keyed hash and consent
        record). Per person, not per number (bot.erasure.erase takes every channel): the
        same number on another channel may be active. No text can be in flight to them
        (`inactive_since` excludes a pending or sending row), so there is none to wait for.
        The batch is chosen inside the erasing transaction (on PostgreSQL with its rows
        locked, skipping any a turn holds), so a person who texts meanwhile is either seen
        as active or texts after the erase, as a new person."""
        after = 0
        chosen = (
            select(people.c.id, people.c.number).where(inactive_since(cut))
            .order_by(people.c.id).limit(self.people_batch)
        )
        if self._postgresql:
            chosen = chosen.with_for_update(of=people, skip_locked=True)
        while budget.take():
            with self.store.transaction() as tx:
                found = tx.session.execute(chosen.where(people.c.id > after)).all()
                for person_id, number in found:
                    if self.at_twilio:
                        twilio_deletions.queue_person(tx.session.connection(), person_id, now)
                    tx.erase_person(person_id, erasure.number_hash(self.data_key(), number), now)
                ids = [person_id for person_id, _ in found]
            report.people += len(ids)
            if len(ids) < self.people_batch:
                break
            after = ids[-1]


def inactive_since(cut: datetime) -> ColumnElement[bool]:
    """Nobody has texted this person, nor they Steady, since `cut`; nothing is scheduled
    for them (a pending or sending outbox row); and they are not signed up for scheduled
    texts they can get (daily or quit-date texts: they are being texted, even when their
    sent rows are older than the outbox's own retention)."""
    subscribed = and_(~people.c.opted_out, ~people.c.undeliverable,
                      or_(people.c.daily_enabled, people.c.plan_next_at.is_not(None)))
    return and_(
        people.c.created_at < cut,
        ~subscribed,
        or_(people.c.last_inbound_at.is_(None), people.c.last_inbound_at < cut),
        ~exists().where(events.c.person_id == people.c.id, events.c.at >= cut),
        ~exists().where(
            outbox.c.person_id == people.c.id,
            or_(outbox.c.sent_at >= cut, outbox.c.status.in_((models.PENDING, models.SENDING))),
        ),
    )


# --- the counts -------------------------------------------------------------------------------

Counts = Counter  # (day, metric, key) -> count


def count_final_days(tx: Tx, days: list[date]) -> None:
    """(Re)count the final metrics of consecutive `days` from the detail, replacing what
    was there (recounting never doubles). The caller counts whole days only."""
    _replace(tx, FINAL_METRICS, days, final_counts(tx, midnight(days[0]), midnight(days[-1] + ONE_DAY)))


def final_counts(tx: Tx, start: datetime, end: datetime) -> Counts:
    """The final metrics of the detail from `start` to before `end`, by day: what
    count_final_days stores, and what the console shows live for days not yet counted."""
    found: Counts = Counter()
    skip = _sandbox(tx)
    day = func.date(events.c.at)
    for d, direction, intent, n in tx.session.execute(
        select(day, events.c.direction, events.c.intent, func.count())
        .where(events.c.at >= start, events.c.at < end, events.c.person_id.not_in(skip))
        .group_by(day, events.c.direction, events.c.intent)
    ):
        found[(_day(d), "texts_in" if direction == "in" else "replies", intent)] += n
    for d, kind, n in tx.session.execute(
        select(day, events.c.crisis_kind, func.count())
        .where(events.c.at >= start, events.c.at < end, events.c.crisis_kind.is_not(None),
               events.c.person_id.not_in(skip))
        .group_by(day, events.c.crisis_kind)
    ):
        found[(_day(d), "crisis_kinds", kind)] += n
    for d, n in tx.session.execute(
        select(day, func.count(func.distinct(events.c.person_id)))
        .where(events.c.at >= start, events.c.at < end, events.c.direction == "in", events.c.person_id.not_in(skip))
        .group_by(day)
    ):
        found[(_day(d), "people_texted", "")] += n
    day = func.date(people.c.created_at)
    for d, n in tx.session.execute(
        select(day, func.count()).where(people.c.created_at >= start, people.c.created_at < end, REAL)
        .group_by(day)
    ):
        found[(_day(d), "new_people", "")] += n
    day = func.date(consents.c.at)
    for d, kind, n in tx.session.execute(
        select(day, consents.c.kind, func.count())
        .where(consents.c.at >= start, consents.c.at < end, consents.c.channel != SANDBOX)
        .group_by(day, consents.c.kind)
    ):
        found[(_day(d), "consent", kind)] += n
    day = func.date(checkins.c.at)
    for d, score, n in tx.session.execute(
        select(day, checkins.c.score, func.count())
        .where(checkins.c.at >= start, checkins.c.at < end, checkins.c.person_id.not_in(skip))
        .group_by(day, checkins.c.score)
    ):
        found[(_day(d), "checkin_scores", str(score))] += n
    day = func.date(plan_events.c.at)
    for d, kind, n in tx.session.execute(
        select(day, plan_events.c.kind, func.count())
        .where(plan_events.c.at >= start, plan_events.c.at < end, plan_events.c.person_id.not_in(skip))
        .group_by(day, plan_events.c.kind)
    ):
        found[(_day(d), "plans", kind)] += n
    return found


def count_outbox_days(tx: Tx, days: list[date]) -> None:
    """(Re)count the outbox metrics of consecutive `days` (by due day), replacing them."""
    _replace(tx, OUTBOX_METRICS, days, outbox_counts(tx, midnight(days[0]), midnight(days[-1] + ONE_DAY)))


def outbox_counts(tx: Tx, start: datetime, end: datetime, quit_until: datetime | None = None) -> Counts:
    """The outbox metrics of rows due from `start` to before `end`, by due day; `quit_day`
    only for rows due before `quit_until` (default `end`): it reads each text's plan."""
    day = func.date(outbox.c.due_at)
    found: Counts = Counter()
    parts = (outbox.c.kind, outbox.c.status, outbox.c.delivery_status, outbox.c.error_code)
    for d, kind, status, receipt, code, n in tx.session.execute(
        select(day, *parts, func.count())
        .where(outbox.c.due_at >= start, outbox.c.due_at < end, outbox.c.person_id.not_in(_sandbox(tx)))
        .group_by(day, *parts)
    ):
        d = _day(d)
        found[(d, "outbox", status)] += n
        found[(d, "outbox_kind", f"{kind}:{status}")] += n
        if status == models.SENT:
            found[(d, "outbox_delivery", receipt or "")] += n
            if code is not None:
                found[(d, "outbox_error", str(code))] += n
        elif status in (models.FAILED, models.CANCELLED):
            found[(d, "outbox_reason", f"{status}:{code if code is not None else receipt or ''}")] += n
    if (quit_until or end) > start:
        found.update(_quit_days(tx, start, min(end, quit_until or end)))
    return found


def _quit_days(tx: Tx, start: datetime, end: datetime) -> Counts:
    """Quit-date texts sent, by due day and program day (the text's local day minus the
    person's quit date, read from their plan here and kept nowhere else): the console's
    retention of the quit-date program (who still gets the day-N text)."""
    found: Counts = Counter()
    for due_at, slot, plan in tx.session.execute(
        select(outbox.c.due_at, outbox.c.slot, people.c.plan).join(people, people.c.id == outbox.c.person_id)
        .where(outbox.c.due_at >= start, outbox.c.due_at < end, outbox.c.kind == QUIT_DATE,
               outbox.c.status == models.SENT, REAL)
    ):
        offset = retention_days.program_day(slot, (plan or {}).get("quit_date"))
        if offset is not None:
            found[(due_at.date(), "quit_day", str(offset))] += 1   # UTCDateTime: aware UTC
    return found


def _people_snapshot(tx: Tx, day: date) -> Counts:
    """Who is signed up for what, now (taken as `day`'s count is made, the next morning)."""
    reachable = and_(~people.c.opted_out, ~people.c.undeliverable)
    row = tx.session.execute(select(
        func.count(),
        _number_of(~people.c.opted_out),
        _number_of(and_(reachable, people.c.daily_enabled)),
        _number_of(and_(reachable, people.c.plan_next_at.is_not(None))),
        _number_of(people.c.plan.is_not(None)),
        _number_of(people.c.undeliverable),
    ).where(REAL)).one()
    names = ("total", "opted_in", "daily", "quit_date_texts", "with_plan", "undeliverable")
    return Counter({(day, "people", name): int(n or 0) for name, n in zip(names, row)})


def _sandbox(tx: Tx) -> list[int]:
    """The ids of the simulator's test numbers (a handful), read once per count: a list to
    leave out is cheaper than a join with people in each query."""
    return list(tx.session.scalars(select(people.c.id).where(people.c.channel == SANDBOX)))


def _number_of(condition: ColumnElement[bool]):
    return func.sum(case((condition, 1), else_=0))


def _replace(tx: Tx, metrics: Iterable[str], days: list[date], found: Counts) -> None:
    """Make daily_counts hold `found` for these metrics on these days: delete, then insert."""
    metrics = tuple(metrics)
    tx.session.execute(delete(counts).where(
        counts.c.metric.in_(metrics), counts.c.day >= days[0], counts.c.day <= days[-1]))
    rows = [{"day": d, "metric": metric, "key": key, "count": n} for (d, metric, key), n in found.items() if n]
    if rows:
        tx.session.execute(insert(counts), rows)


def read_counts(tx: Tx, first: date, last: date,
                metrics: Iterable[str] | None = None) -> dict[tuple[date, str, str], int]:
    """The stored aggregates of days first..last, of `metrics` (None: all) (the console's reader; tests)."""
    query = select(counts.c.day, counts.c.metric, counts.c.key, counts.c.count).where(
        counts.c.day >= first, counts.c.day <= last)
    if metrics is not None:
        query = query.where(counts.c.metric.in_(tuple(metrics)))
    return {(d, metric, key): n for d, metric, key, n in tx.session.execute(query)}


def _day(value) -> date:
    """A SQL date() result: a date on PostgreSQL, 'YYYY-MM-DD' on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _earliest(tx: Tx, columns) -> date | None:
    """The first day any of these time columns holds (None: all empty)."""
    found = [tx.session.scalar(select(func.min(column))) for column in columns]
    found = [value for value in found if value is not None]
    return min(found).date() if found else None


# --- marks -----------------------------------------------------------------------------------

def _marks(tx: Tx) -> dict[str, datetime]:
    return dict(tx.session.execute(select(marks.c.name, marks.c.at)).all())


def _set_mark(tx: Tx, name: str, at: datetime) -> None:
    if not tx.session.execute(update(marks).where(marks.c.name == name).values(at=at)).rowcount:
        tx.session.execute(insert(marks).values(name=name, at=at))


def _raise_mark(tx: Tx, name: str, at: datetime) -> None:
    """Move a cut-off mark forward, never back: rows before the old one are gone already."""
    old = _marks(tx).get(name)
    if old is None or at > old:
        _set_mark(tx, name, at)
