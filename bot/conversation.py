"""The inbound path shared by the webhook and `steady chat`: dedupe, load, turn, save.

One database transaction per inbound text: the MessageSid claim, the new state and
the events commit together, so a crash part-way leaves nothing half-done and a
repeated delivery is answered from the stored reply (silence once the person opted out).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot import erasure, outbox, phones, twilio_deletions
from bot.schedules import Schedules
from bot.settings import Settings
from bot.store import Store
from bot.transport import mask_sid
from flows import engine, intents
from flows.carrier import carrier_blocked
from flows.commands import ErasePerson
from flows.context import Context
from flows.content import Content
from flows.matcher import Matcher
from flows.outgoing import outgoing
from flows.schedule import QuietHours
from flows.timeparse import to_hhmm
from flows.understand import Understanding

log = logging.getLogger(__name__)

# The loop guard never holds these back: a crisis reply, and the one opt-out
# confirmation carriers require (after it Steady is silent anyway, so it cannot loop).
UNTHROTTLED = frozenset({intents.CRISIS, intents.STOP, intents.DELETE})
# An erase waits this many times for a text in flight to the person (bot.erasure), then goes anyway.
ERASE_TRIES = erasure.TRIES


@dataclass(frozen=True)
class Inbound:
    sender: str              # Twilio's From: "+1555..." or "whatsapp:+1555..."
    body: str
    now: datetime            # UTC
    sid: str | None = None   # Twilio's MessageSid; None from `steady chat` without one
    opt_out_type: str | None = None  # Twilio Advanced Opt-Out's OptOutType: STOP, START or HELP
    address: phones.Address | None = None  # `sender` parsed, when the caller already did (the webhook)


def delivered_count(inbound: Inbound, intent: str, replies: tuple[str, ...]) -> int:
    """How many of the TwiML replies reach the person, for the message record.

    0 when Twilio blocked the number on this very text (OptOutType=STOP, or one of
    its own opt-out words): it blocks before the TwiML reply goes out, so Steady's STOP
    confirmation is sent in the TwiML but never counted as a text delivered. (Setting
    Advanced Opt-Out's confirmation to that text is how it reaches the person: README.)
    """
    if intent == intents.STOP and carrier_blocked(inbound.body, inbound.opt_out_type):
        return 0
    return len(replies)


@dataclass(frozen=True)
class Answer:
    intent: str
    replies: tuple[str, ...]
    repeat: bool = False      # a repeated delivery answered from the stored reply
    throttled: bool = False   # the loop guard held back the replies
    detail: str | None = None  # the crisis kind, crisis-mode topic or check-in answer


class Conversation:
    """Wires the pure engine to storage. Built once per app, shared by requests."""

    def __init__(self, store: Store, content: Content, matcher: Matcher, settings: Settings, schedules: Schedules,
                 *, understanding: Understanding):
        self.store = store
        self.content = content
        self.matcher = matcher
        self.understanding = understanding
        self.settings = settings
        self.schedules = schedules   # carries out the turn's commands about scheduled texts
        self.default_daily_time = to_hhmm(settings.default_send_time)
        self._data_key: bytes | None = None

    @property
    def data_key(self) -> bytes:
        """The key of the hash an erase leaves (bot.erasure), read once, when first needed."""
        if self._data_key is None:
            self._data_key = erasure.data_key(self.settings)
        return self._data_key

    def context(self, now: datetime) -> Context:
        return Context(
            content=self.content,
            matcher=self.matcher,
            now=now,
            program=self.settings.program_name,
            support=self.settings.support_contact,
            craving_followup_after=self.settings.craving_followup_after,
            quiet=QuietHours(self.settings.quiet_start, self.settings.quiet_end),
            understanding=self.understanding,
            crisis_window=self.settings.crisis_window,
        )

    def handle(self, inbound: Inbound) -> Answer:
        """Answer one inbound text. Raises ValueError when the sender is not a number.

        A confirmed DELETE erases the number (every channel) in the turn's transaction; while a text to the person is
        in flight the turn is rolled back, waits for its result and runs again, so the
        confirmation is the last text they get (bot.erasure.erase)."""
        address = inbound.address or phones.parse_address(inbound.sender, self.settings.default_region)
        for attempt in range(1, ERASE_TRIES + 1):
            try:
                return self._handle(inbound, address, wait_for_sends=attempt < ERASE_TRIES)
            except erasure.SendInFlight as busy:
                if not outbox.wait_in_flight(self.store, busy.person_id):
                    log.warning("person %s asked to be erased with a text still in flight after %.0f s",
                                busy.person_id, outbox.IN_FLIGHT_WAIT_SECONDS)
        raise AssertionError("unreachable: the last try erases without waiting")  # pragma: no cover

    def _handle(self, inbound: Inbound, address: phones.Address, *, wait_for_sends: bool) -> Answer:
        now = inbound.now
        since = now - self.settings.loop_window
        with self.store.transaction() as tx:
            opened = tx.open_turn(address.number, address.channel, since=since, now=now, sid=inbound.sid)
            if not opened.claimed:
                # STOP is absolute for repeats too: after an opt-out a redelivered text (the
                # STOP itself included: Twilio blocks that reply anyway) gets silence.
                known = tx.find_person(address.number, address.channel)
                stored = () if known is not None and known.opted_out else tx.stored_replies(inbound.sid) or ()
                log.info("repeat delivery of %s from %s", mask_sid(inbound.sid or ""), phones.mask(address.number))
                return Answer("repeat", tuple(stored), repeat=True)
            if opened.person is None:
                tx.add_person(
                    address.number,
                    address.channel,
                    timezone=phones.guess_timezone(address.number, self.settings.default_timezone),
                    now=now,
                    daily_time=self.default_daily_time,
                    opted_out=self._stopped_before(tx, address.number),
                )
                opened = tx.open_turn(address.number, address.channel, since=since, now=now)
                if opened.person is None:  # pragma: no cover - the insert or a committed rival made it
                    raise RuntimeError("person row vanished after insert")
            person, recent = opened.person, opened.recent
            state = tx.state_of(person)
            outcome = engine.turn(inbound.body, state, self.context(now), opt_out_type=inbound.opt_out_type)
            # The one door for outgoing texts (flows.outgoing): the TwiML reply, `steady chat`
            # and the copy kept for a repeated delivery all get the text as sent.
            replies = tuple(outgoing(reply, self.content.helpline) for reply in outcome.replies)
            throttled = recent >= self.settings.loop_limit and outcome.intent not in UNTHROTTLED
            if throttled:
                replies = ()
            erased = any(isinstance(command, ErasePerson) for command in outcome.commands)
            if erased:   # nothing of the person is written: the erase takes it all
                erasure.erase(tx, address.number, self.data_key, now, wait_for_sends=wait_for_sends,
                              at_twilio=self.settings.twilio_delete_messages)
                tx.close_erased_turn(inbound.sid, now, list(replies))
            else:
                tx.save_state(person, outcome.state, now)
                for event in outcome.events:
                    tx.record_consent(person.id, event.kind, event.keyword, address.channel, now)
                if outcome.score is not None:
                    tx.record_checkin(person.id, outcome.score, now)
                saved = (outcome.state.plan or {}).get("updated_at")   # stamped by PLAN's end only
                if saved and saved != (state.plan or {}).get("updated_at"):
                    tx.record_plan(person.id, "made" if state.plan is None else "changed", now)
                self.schedules.after_turn(tx, person, outcome, now)
                # The turn's record, the person's row (state, last_inbound_at, the schedules'
                # columns) and the answer kept for repeats, last: one statement on PostgreSQL.
                tx.close_turn(person, outcome.intent, delivered_count(inbound, outcome.intent, replies), now,
                              sid=inbound.sid, replies=list(replies),
                              crisis_kind=outcome.detail if outcome.intent == intents.CRISIS else None)
            if self.settings.twilio_delete_messages:   # deleted from Twilio by the clock, after the reply
                twilio_deletions.queue(tx.session.connection(), inbound.sid, twilio_deletions.IN,
                                       now + twilio_deletions.SETTLE, now)
        if erased:
            log.info("a person was erased by text (channel %s)", address.channel)    # never the number
            return Answer(outcome.intent, replies, detail=outcome.detail)
        if outcome.state.opted_out and not state.opted_out:
            self._after_opt_out(person.id)
        if log.isEnabledFor(logging.INFO):   # the masked number is worked out only when logged
            log.info(
                "inbound from %s intent=%s replies=%d%s",
                phones.mask(address.number), outcome.intent, len(replies), " throttled" if throttled else "",
            )
        return Answer(outcome.intent, replies, throttled=throttled, detail=outcome.detail)

    def _stopped_before(self, tx, number: str) -> bool:
        """A new person whose number was erased after it texted STOP starts opted out, as
        Twilio still blocks it: only START brings replies back. Any other erased number
        starts as anyone new does, with no scheduled texts until they opt in again. The
        hash an erase left cannot be computed again without the number, so one left under
        STEADY_DATA_KEY_OLD is looked for too."""
        kept = tx.erased(erasure.number_hash(self.data_key, number))
        if kept is None and self.settings.data_key_old:      # erased before STEADY_DATA_KEY changed
            kept = tx.erased(erasure.number_hash(self.settings.data_key_old.encode("utf-8"), number))
        return bool(kept is not None and kept.stopped)

    def _after_opt_out(self, person_id: int) -> None:
        """The opt-out is committed: nothing more can start (bot.outbox._gate). Hold the
        confirmation until a text whose request had already begun has its answer, so it
        reaches Twilio first (bounded: outbox.IN_FLIGHT_WAIT_SECONDS)."""
        try:
            if not outbox.wait_in_flight(self.store, person_id):
                log.warning("person %s opted out with a text still in flight after %.0f s; confirming anyway",
                            person_id, outbox.IN_FLIGHT_WAIT_SECONDS)
        except Exception:  # the opt-out is recorded; the confirmation must still go
            log.exception("could not check texts in flight for person %s", person_id)
