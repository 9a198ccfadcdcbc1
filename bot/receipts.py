"""What Twilio tells Steady after a text left: delivery receipts (status callbacks) and
the error codes that say a number opted out (21610) or cannot get texts. Each is recorded
on its outbox row, only ever moving forward, and acted on through the same opt-out a
texted STOP makes (flows.consent.opt_out, through the store). With
STEADY_TWILIO_DELETE_MESSAGES, a receipt also queues its text's deletion from Twilio
(bot.twilio_deletions), in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from sqlalchemy import select, update

from bot import models, phones, twilio_deletions
from bot.models import FAILED, SENDING, SENT
from bot.settings import Settings
from bot.store import Store
from bot.transport import (
    OPTED_OUT_CODE,
    UNDELIVERABLE_CODES,
    UNREACHABLE_CODE,
    UNREACHABLE_LIMIT,
    WHATSAPP_WINDOW_CODE,
)
from flows import consent

log = logging.getLogger(__name__)

people = models.Person.__table__
outbox = models.OutboxMessage.__table__

# Twilio's message statuses (twilio.com/docs/messaging/api/message-resource#message-status-values)
# in the order they happen. Status callbacks can arrive out of order (Twilio says so), so a
# row's delivery status only moves forward: a late "sent" never overwrites "undelivered".
# undelivered, failed and canceled are final; "read" (WhatsApp) comes after "delivered".
DELIVERY_ORDER = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
                  "delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4, "read": 5}
FINAL_RECEIPTS = frozenset({"undelivered", "failed", "canceled", "read"})
FAILED_RECEIPTS = ("undelivered", "failed")
# The one exception to "failed is final": Steady's own marks on a `failed` row whose request
# went out but whose answer never came back: "interrupted" (the process died between the
# claim and the recorded result: recover_interrupted) and "unknown" (a read timeout). Such a
# row is never sent again (at most once), but Twilio may well have sent it, so any status
# Twilio reports for it replaces the mark and the row becomes `sent` (record_receipt).
UNHEARD = frozenset({"interrupted", "unknown"})


def moves_forward(old: str | None, new: str) -> bool:
    """Whether a callback saying `new` may replace the row's `old` delivery status. A status
    Twilio doesn't list is never recorded; anything replaces no status, or UNHEARD."""
    if new not in DELIVERY_ORDER:
        return False
    if old is None or old in UNHEARD or old not in DELIVERY_ORDER:
        return True
    return old not in FINAL_RECEIPTS and DELIVERY_ORDER[new] > DELIVERY_ORDER[old]


def _unheard(row) -> bool:
    """A row whose request went out and whose answer was never recorded: a receipt for it
    means Twilio has the text (UNHEARD)."""
    return (row.status == SENDING and row.provider_sid is None) or (
        row.status == FAILED and row.delivery_status in UNHEARD)


class TwilioFeedback:
    """Receipts and error codes, acted on. `cancel_pending` is the outbox's own (bot.outbox)."""

    def __init__(self, store: Store, settings: Settings, cancel_pending: Callable[..., int]):
        self.store = store
        self.settings = settings
        self.cancel_pending = cancel_pending

    def mark_opted_out(self, person_id: int, now: datetime, keyword: str) -> None:
        """Twilio says the number opted out (21610): the same opt-out as a texted STOP
        (flows.consent.opt_out: daily and quit-date texts off, any flow ended), recorded
        in the consent record, and every pending row cancelled."""
        with self.store.transaction() as tx:
            # Locked, so a turn for the same person in another process waits for this one.
            person = tx.session.get(models.Person, person_id, with_for_update=True)
            if person is None:
                return
            if not person.opted_out:
                tx.save_state(person, consent.opt_out(tx.state_of(person)), now)
                tx.record_consent(person_id, "opt_out", keyword, person.channel or "sms", now)
            person.daily_next_at = None
            person.plan_next_at = None
            self.cancel_pending(tx.session, person_id)

    def mark_undeliverable(self, person_id: int) -> None:
        with self.store.transaction() as tx:
            tx.session.execute(update(people).where(people.c.id == person_id).values(undeliverable=True, daily_next_at=None))
            self.cancel_pending(tx.session, person_id)

    def record_receipt(self, sid: str, status: str, error_code: int | None, now: datetime,
                       to: str | None = None, row_id: int | None = None) -> bool:
        """A status callback: note the delivery status and error code on the row, and act on
        what the error says about the number. True when it concerned a text or person we know.

        The row is the one with this MessageSid, else the one its callback URL names
        (`row_id`, ROW_PARAM) if its result was never heard: still `sending` (the sender
        died, or hasn't recorded it yet) or failed with an UNHEARD mark. Such a row takes
        the MessageSid and becomes `sent`: Twilio has the text. Callbacks arrive out of
        order, so a row only moves forward (`moves_forward`); the row is locked (FOR UPDATE;
        SQLite's BEGIN IMMEDIATE) so two callbacks racing in two workers cannot undo each other.
        A 21610 for a MessageSid we don't know (a reply Twilio sent for a Messaging Service)
        still opts out `To` ("whatsapp:" and all, so the channel too) when it is a person.
        With STEADY_TWILIO_DELETE_MESSAGES, a final status (or `sent`, later) queues the
        text's deletion from Twilio: a row's, or a text not from the outbox (a Messaging
        Service's reply is at Twilio too). Not one whose callback URL names a row that did not
        take the SID: that row waits to look its text up at Twilio (bot.sender), and a
        deleted text would not be found, and would be sent again.
        """
        status = status[:16]
        with self.store.transaction() as tx:
            row = self._receipt_row(tx.session, sid, row_id)
            moved = row is not None and moves_forward(row.delivery_status, status)
            if moved:
                values = {"delivery_status": status, "error_code": error_code}
                if _unheard(row):
                    values.update(status=SENT, provider_sid=sid, sent_at=row.sent_at or row.claimed_at or now)
                    log.info("outbox row %s: Twilio reports %r for a text whose result was never recorded; "
                             "now sent", row.id, status)
                tx.session.execute(update(outbox).where(outbox.c.id == row.id).values(**values))
            if self.settings.twilio_delete_messages and (row is not None or row_id is None):
                self._queue_deletion(tx, sid, status, now)
        if row is None:
            person_id = self._person_for(to) if error_code == OPTED_OUT_CODE else None
            if person_id is None:
                return False
        else:
            person_id = row.person_id
            if status not in DELIVERY_ORDER:
                log.info("status %r for outbox row %s is not one Twilio lists; not recorded", status, row.id)
            elif not moved:
                log.info("status %r for outbox row %s came after a later one; kept the later one", status, row.id)
        if status in FAILED_RECEIPTS and error_code is not None:
            self._act_on(person_id, error_code, now)
        return True

    @staticmethod
    def _queue_deletion(tx, sid: str, status: str, now) -> None:
        """Queue the text's deletion from Twilio, when this status makes it final (bot.twilio_deletions)."""
        due = twilio_deletions.due_after_receipt(status, now)
        if due is not None:
            twilio_deletions.queue(tx.session.connection(), sid, twilio_deletions.OUT, due, now)

    @staticmethod
    def _receipt_row(session, sid: str, row_id: int | None):
        """The row a receipt is about, locked: by MessageSid, else by the row its callback
        URL names when that row's result was never heard (see record_receipt)."""
        columns = (outbox.c.id, outbox.c.person_id, outbox.c.status, outbox.c.delivery_status, outbox.c.provider_sid,
                   outbox.c.claimed_at, outbox.c.sent_at)
        row = session.execute(select(*columns).where(outbox.c.provider_sid == sid).with_for_update()).first()
        if row is None and row_id is not None:
            row = session.execute(
                select(*columns).where(outbox.c.id == row_id, outbox.c.provider_sid.is_(None)).with_for_update()
            ).first()
            if row is not None and not _unheard(row):
                row = None
        return row

    def _person_for(self, to: str | None) -> int | None:
        """The person a Twilio `To` names, or None."""
        try:
            address = phones.parse_address(to or "", self.settings.default_region)
        except ValueError:
            return None
        with self.store.transaction() as tx:
            person = tx.find_person(address.number, address.channel)
            return person.id if person is not None else None

    def _act_on(self, person_id: int, code: int, now: datetime) -> None:
        """What a failed receipt's error code means for the number (codes: bot.transport)."""
        if code == OPTED_OUT_CODE:
            self.mark_opted_out(person_id, now, keyword=str(OPTED_OUT_CODE))
        elif code in UNDELIVERABLE_CODES:
            log.warning("person %s is undeliverable (error %s): scheduled texts stop", person_id, code)
            self.mark_undeliverable(person_id)
        elif code == UNREACHABLE_CODE and self._unreachable_in_a_row(person_id):
            log.warning("person %s unreachable %d times in a row (error %s): scheduled texts stop",
                        person_id, UNREACHABLE_LIMIT, code)
            self.mark_undeliverable(person_id)
        elif code == WHATSAPP_WINDOW_CODE:
            log.info("person %s: a WhatsApp text went outside the 24-hour window (63016)", person_id)

    def _unreachable_in_a_row(self, person_id: int) -> bool:
        """True when the person's last UNREACHABLE_LIMIT texts, in the order they were sent,
        all came back unreachable (30003), and all were sent after the person last wrote
        to us (a text from them shows the handset is back). A delivered one, another
        error, or one still waiting for its receipt breaks the run."""
        with self.store.transaction() as tx:
            wrote = tx.session.execute(select(people.c.last_inbound_at).where(people.c.id == person_id)).scalar()
            query = (
                select(outbox.c.delivery_status, outbox.c.error_code)
                .where(outbox.c.person_id == person_id, outbox.c.provider_sid.is_not(None))
                .order_by(outbox.c.sent_at.desc(), outbox.c.id.desc())
                .limit(UNREACHABLE_LIMIT)
            )
            if wrote is not None:
                query = query.where(outbox.c.sent_at > wrote)
            last = tx.session.execute(query).all()
        return len(last) == UNREACHABLE_LIMIT and all(
            row.delivery_status in FAILED_RECEIPTS and row.error_code == UNREACHABLE_CODE for row in last)
