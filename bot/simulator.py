"""The console simulator's service (issue 14; the page is bot.console.simulator): talk to
Steady as a test number, through the same conversation path as `steady chat` and the
webhook (bot.conversation), against the real database, and move a clock of the test
number's own to see its scheduled texts arrive.

The sandbox. A test number is a person on the `sandbox` channel (bot.outbox.SANDBOX), which
no text from Twilio can arrive on (the webhook reads only sms and whatsapp), with a number
in the fictional 555-01XX range (+1 555 555 0101 to 0199: never a real phone; 0100 is
`steady chat`'s). Its scheduled texts are written by the same writers and go through the
same sender and consent, quiet-hours and grace checks as anyone's; at Twilio's door the
sender marks them sent to the simulator instead (bot.sender): no Twilio request is made
for a sandbox row, whoever's clock gets to it.

The simulated time. Each test number runs ahead of real time by an offset the page keeps
(never behind: not before real time, nor before the test number's last recorded moment).
Moving it steps through each scheduled moment on the way (a follow-up, a daily text, a
quit-date text), running the writers and the sender for that person alone at that moment,
as the clock's minute ticks would have; nobody else's rows are touched.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from bot import erasure, models, phones
from bot.conversation import Inbound
from bot.outbox import PENDING, SANDBOX, SENT, outbox, people
from bot.timeutil import utcnow
from flows import gsm, intents
from flows.zones import load_zone

log = logging.getLogger(__name__)

# Test numbers: +1 555 555 0101 to 0199. 555-0100 to 0199 is the range the North American
# numbering plan keeps for fiction, and 555 is no area code; 0100 is `steady chat`'s default.
FIRST_LINE, LAST_LINE = 101, 199
NUMBERS = LAST_LINE - FIRST_LINE + 1
# How many scheduled moments one move may step through (a day holds a handful).
MAX_STEPS = 500
# The moves the page offers, by name.
HOUR, DAY, NEXT_DAILY, NEXT_CHECKIN = "hour", "day", "daily", "checkin"
MOVES = (HOUR, DAY, NEXT_DAILY, NEXT_CHECKIN)


def number_for(staff: int | str) -> str:
    """The staff member's own test number, from their staff id (or email): one each, up
    to 99 staff; after that two staff may share one."""
    if isinstance(staff, int):
        index = (staff - 1) % NUMBERS
    else:
        index = int.from_bytes(hashlib.sha256(staff.strip().lower().encode("utf-8")).digest()[:8], "big") % NUMBERS
    return f"+1555555{FIRST_LINE + index:04d}"


def is_test_number(number: str) -> bool:
    """A number of the simulator's reserved range."""
    return (len(number) == 12 and number.startswith("+1555555")
            and number[-4:].isdigit() and FIRST_LINE <= int(number[-4:]) <= LAST_LINE)


def measure(text: str) -> tuple[str, int]:
    """A text's encoding (GSM-7 or UCS-2) and segments, as `steady content check` counts them."""
    return gsm.encoding(text), gsm.segments(text)


@dataclass(frozen=True)
class Reply:
    """One reply of a simulated turn, with what the console shows under it."""

    text: str
    encoding: str
    segments: int


@dataclass(frozen=True)
class Turn:
    """What a simulated text got: the intent, the crisis kind (or crisis-mode topic, or
    check-in answer) and each reply measured; `held` when the loop guard held them back."""

    at: datetime
    intent: str
    detail: str | None
    crisis_kind: str | None
    replies: tuple[Reply, ...]
    held: bool = False


@dataclass(frozen=True)
class Scheduled:
    """One of the test number's scheduled texts: arrived (sent to the simulator), not sent
    (cancelled or failed, with the reason) or still to come."""

    at: datetime          # when it arrived, else when it was due
    kind: str
    status: str           # arrived | not_sent | pending
    reason: str | None
    text: str
    encoding: str
    segments: int


@dataclass(frozen=True)
class Outlook:
    """The test number as the page shows it: its zone, its scheduled texts, and when the
    next daily text and the next check-in (or quit-date text) fall."""

    timezone: str | None
    scheduled: tuple[Scheduled, ...]
    next_daily: datetime | None
    next_checkin: datetime | None


class Simulator:
    """The simulator on one Steady (bot.app.Steady): its conversation, writers and sender."""

    def __init__(self, steady, clock=utcnow) -> None:
        self.steady = steady
        self.clock = clock     # real time (the console's clock: tests move it)

    # -- the simulated time ---------------------------------------------------------------

    def now(self, number: str, offset: timedelta = timedelta(0)) -> datetime:
        """The test number's time: real time plus `offset`, never earlier than real time
        or than the last moment recorded for the test number (a lost offset cannot take
        its clock back)."""
        at = self.clock() + max(offset, timedelta(0))
        latest = self._latest(number)
        return max(at, latest) if latest is not None else at

    def _latest(self, number: str) -> datetime | None:
        with self.steady.store.transaction() as tx:
            person = tx.find_person(number, SANDBOX)
            if person is None:
                return None
            found = [person.updated_at, person.last_inbound_at, tx.session.execute(
                select(func.max(outbox.c.sent_at)).where(outbox.c.person_id == person.id)).scalar()]
        return max((at for at in found if at is not None), default=None)

    # -- talking ---------------------------------------------------------------------------

    def say(self, number: str, text: str, now: datetime) -> Turn:
        """Text Steady as the test number at `now` (the test number's time): first what its
        clock had due by then arrives, then the turn, as the webhook would take it."""
        address = self._address(number)
        self.catch_up(number, now)
        answer = self.steady.conversation.handle(Inbound(sender=number, body=text, now=now, address=address))
        replies = tuple(Reply(reply, *measure(reply)) for reply in answer.replies)
        crisis_kind = answer.detail if answer.intent == intents.CRISIS else None
        return Turn(now, answer.intent, answer.detail, crisis_kind, replies, held=answer.throttled)

    # -- the clock -------------------------------------------------------------------------

    def target(self, number: str, now: datetime, move: str) -> datetime | None:
        """Where `move` takes the test number's clock from `now`; None when there is
        nothing to move to (no daily text, no check-in or quit-date text planned)."""
        if move == HOUR:
            return now + timedelta(hours=1)
        if move == DAY:
            return now + timedelta(days=1)
        outlook = self.outlook(number)
        if move == NEXT_DAILY:
            return max(outlook.next_daily, now) if outlook.next_daily else None
        if move == NEXT_CHECKIN:
            return max(outlook.next_checkin, now) if outlook.next_checkin else None
        raise ValueError(f"no such move: {move!r}")

    def catch_up(self, number: str, until: datetime) -> int:
        """Run the test number's clock up to `until`: each scheduled moment on the way, in
        order, then `until` itself. Returns how many moments it stepped through."""
        person_id = self._person_id(number)
        if person_id is None:
            return 0
        after = None
        steps = 0
        while steps < MAX_STEPS:
            moment = self._next_moment(person_id, after)
            if moment is None or moment > until:
                break
            self._tick(person_id, moment)
            after = moment
            steps += 1
        self._tick(person_id, until)
        return steps

    def _tick(self, person_id: int, at: datetime) -> None:
        """What one clock tick does, for this person alone: the writers (quit-date texts
        first, as bot.clock runs them), then the sender (no Twilio request: bot.sender)."""
        for writer in self.steady.schedules.writers:
            writer.enqueue_due(at, only=person_id)
        self.steady.sender.send_due(at, only=person_id)

    def _next_moment(self, person_id: int, after: datetime | None) -> datetime | None:
        """The first moment after `after` at which the clock would do something for this
        person: a pending row falls due, or a daily or quit-date text is planned."""
        with self.steady.store.transaction() as tx:
            person = tx.session.execute(select(
                people.c.opted_out, people.c.undeliverable, people.c.daily_enabled,
                people.c.daily_next_at, people.c.plan_next_at).where(people.c.id == person_id)).one_or_none()
            if person is None:
                return None
            rows = select(func.min(outbox.c.next_attempt_at)).where(
                outbox.c.person_id == person_id, outbox.c.status == PENDING)
            if after is not None:
                rows = rows.where(outbox.c.next_attempt_at > after)
            found = [tx.session.execute(rows).scalar()]
        if not person.opted_out and not person.undeliverable:
            if person.daily_enabled:
                found.append(person.daily_next_at)
            found.append(person.plan_next_at)
        found = [at for at in found if at is not None and (after is None or at > after)]
        return min(found) if found else None

    # -- what the page shows ---------------------------------------------------------------

    def outlook(self, number: str) -> Outlook:
        with self.steady.store.transaction() as tx:
            person = tx.find_person(number, SANDBOX)
            if person is None:
                return Outlook(None, (), None, None)
            rows = tx.session.execute(
                select(outbox.c.kind, outbox.c.status, outbox.c.delivery_status, outbox.c.error_code,
                       outbox.c.due_at, outbox.c.next_attempt_at, outbox.c.sent_at, outbox.c.body)
                .where(outbox.c.person_id == person.id).order_by(outbox.c.due_at, outbox.c.id)).all()
            reachable = not person.opted_out and not person.undeliverable
            next_daily = person.daily_next_at if reachable and person.daily_enabled else None
            plan_next = person.plan_next_at if reachable else None
            zone = person.timezone
        scheduled = []
        for row in rows:
            if row.status == SENT:
                status, reason, at = "arrived", None, row.sent_at or row.due_at
            elif row.status == PENDING:
                status, reason, at = "pending", None, row.next_attempt_at
            else:
                status, at = "not_sent", row.due_at
                # Twilio's error code, the sender's reason, or a turn's cancel (STOP, DAILY OFF)
                reason = str(row.error_code) if row.error_code is not None else row.delivery_status or row.status
            scheduled.append(Scheduled(at, row.kind, status, reason, row.body, *measure(row.body)))
        upcoming = [s.at for s in scheduled if s.status == "pending"] + ([plan_next] if plan_next else [])
        return Outlook(zone, tuple(scheduled), next_daily, min(upcoming) if upcoming else None)

    # -- reset -----------------------------------------------------------------------------

    def reset(self, number: str, now: datetime) -> bool:
        """Erase the test number: the store's one erase (as DELETE by text), for the sandbox
        person alone; then the tombstone it leaves goes too, since a test number was never
        a person's (a STOP before the reset would otherwise outlive it). True if there was
        anything to erase."""
        digest = erasure.number_hash(self.steady.conversation.data_key, number)
        with self.steady.store.transaction() as tx:
            person = tx.find_person(number, SANDBOX)
            if person is None:
                return False
            tx.lock_person(person.id)
            tx.erase_person(person.id, digest, now)
            tx.session.execute(delete(models.ErasedConsentEvent.__table__).where(
                models.ErasedConsentEvent.__table__.c.number_hash == digest))
            tx.session.execute(delete(models.ErasedNumber.__table__).where(
                models.ErasedNumber.__table__.c.number_hash == digest))
        log.info("the console simulator's test number %s was reset", phones.mask(number))
        return True

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _address(number: str) -> phones.Address:
        if not is_test_number(number):
            raise ValueError("not a test number of the simulator's range")
        return phones.Address(number, SANDBOX)

    def _person_id(self, number: str) -> int | None:
        with self.steady.store.transaction() as tx:
            person = tx.find_person(number, SANDBOX)
            return None if person is None else person.id


def local(at: datetime, zone: str | None) -> datetime:
    """`at` in the test number's zone (UTC when it has none yet)."""
    return at.astimezone(load_zone(zone)) if zone else at
