"""bot.store against real databases (SQLite file and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from types import MappingProxyType
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot import models
from bot.store import Store
from flows.turn_values import State

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
NUMBER = "+15555550100"
OTHER = "+15555550199"
TZ = "America/Chicago"


def _person_id(store: Store, number: str = NUMBER, channel: str = "sms") -> int:
    with store.transaction() as tx:
        return tx.person(number, channel, timezone=TZ, now=NOW).id


def _run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) in `count` threads released at the same moment; re-raise any error."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    return results


def _count(engine: Engine, model: type[models.Base], **where: Any) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return connection.execute(query).scalar_one()


# People -------------------------------------------------------------------


def test_get_or_create_returns_the_same_person_every_time(store, engine):
    first = _person_id(store)
    with store.transaction() as tx:
        again = tx.person(NUMBER, "sms", timezone="Europe/London", now=NOW + timedelta(days=1))
        assert again.id == first
        assert again.timezone == TZ  # an existing person keeps their zone
        assert again.created_at == NOW
    assert _count(engine, models.Person) == 1


def test_the_same_number_on_whatsapp_is_a_different_person(store):
    assert _person_id(store, channel="sms") != _person_id(store, channel="whatsapp")


def test_find_person_never_creates_one(store, engine):
    with store.transaction() as tx:
        assert tx.find_person(NUMBER, "sms") is None
    assert _count(engine, models.Person) == 0


def test_a_new_person_starts_with_the_engine_defaults(store):
    with store.transaction() as tx:
        person = tx.person(NUMBER, "sms", timezone=TZ, now=NOW)
        assert tx.state_of(person) == State(timezone=TZ)
        assert person.created_at == NOW and person.created_at.tzinfo == timezone.utc
        assert (person.daily_next_at, person.daily_cursor, person.undeliverable) == (None, 0, False)


def test_concurrent_creators_of_one_person_share_one_row(store, engine):
    def create(_: int) -> int:
        with store.transaction() as tx:
            person_id = tx.person(NUMBER, "sms", timezone=TZ, now=NOW).id
            time.sleep(0.1)  # hold the transaction so the others overlap it
            return person_id

    ids = _run_together(4, create)
    assert len(set(ids)) == 1
    assert _count(engine, models.Person) == 1


def test_a_failed_transaction_leaves_nothing_behind(store, engine):
    with pytest.raises(RuntimeError, match="boom"):
        with store.transaction() as tx:
            tx.person(NUMBER, "sms", timezone=TZ, now=NOW)
            raise RuntimeError("boom")
    assert _count(engine, models.Person) == 0


def test_turn_person_reads_the_person_and_their_recent_texts_in_one_go(store):
    with store.transaction() as tx:
        assert tx.turn_person(NUMBER, "sms", NOW - timedelta(minutes=5)) is None
        tx.add_person(NUMBER, "sms", timezone=TZ, now=NOW, daily_time="08:15")
        person, recent = tx.turn_person(NUMBER, "sms", NOW - timedelta(minutes=5))
        assert (person.number, person.channel, person.timezone, person.daily_time, recent) == (
            NUMBER, "sms", TZ, "08:15", 0)
        assert tx.state_of(person) == State(timezone=TZ, daily_time="08:15")
        for minutes in (10, 4, 1):
            tx.record_turn(person, "other", 1, NOW - timedelta(minutes=minutes))
        tx.write_person(person)
    with store.transaction() as tx:
        person, recent = tx.turn_person(NUMBER, "sms", NOW - timedelta(minutes=5))
        assert recent == 2     # inbound texts in the window only; replies are not counted
        assert person.last_inbound_at == NOW - timedelta(minutes=1)
        assert tx.turn_person(NUMBER, "whatsapp", NOW) is None


def test_a_person_row_writes_back_only_the_columns_the_turn_changed(store):
    """A turn read the person before a concurrent STOP committed: its write must not put
    opted_out back (nor anything else it did not change)."""
    with store.transaction() as tx:
        tx.add_person(NUMBER, "sms", timezone=TZ, now=NOW)
        stale, _ = tx.turn_person(NUMBER, "sms", NOW)
    with store.transaction() as tx:          # the STOP, committed meanwhile
        person = tx.find_person(NUMBER, "sms")
        tx.save_state(person, State(timezone=TZ, opted_out=True), NOW)
    with store.transaction() as tx:
        tx.save_state(stale, State(timezone=TZ, flow={"name": "plan", "step": 1}), NOW + timedelta(minutes=1))
        tx.write_person(stale)
    with store.transaction() as tx:
        person = tx.find_person(NUMBER, "sms")
        assert (person.opted_out, person.opted_out_at) == (True, NOW)
        assert person.flow == {"name": "plan", "step": 1}
        assert person.updated_at == NOW + timedelta(minutes=1)


def test_a_person_row_with_nothing_changed_writes_nothing(store):
    with store.transaction() as tx:
        tx.add_person(NUMBER, "sms", timezone=TZ, now=NOW)
        person, _ = tx.turn_person(NUMBER, "sms", NOW)
        assert person.changes() == {}
        tx.save_state(person, tx.state_of(person), NOW)      # the same state, at the same time
        assert person.changes() == {}
        person.daily_next_at = NOW
        assert person.changes() == {"daily_next_at": NOW}
        tx.write_person(person)
        assert person.changes() == {}


# An inbound turn: open_turn, close_turn (one statement each on PostgreSQL) ------------


def test_a_turn_opens_with_the_claim_and_the_person_and_closes_with_every_write(store, engine):
    since = NOW - timedelta(minutes=5)
    with store.transaction() as tx:
        opened = tx.open_turn(NUMBER, "sms", since=since, now=NOW, sid="SM1")
        assert (opened.claimed, opened.person, opened.recent) == (True, None, 0)    # not known yet
        tx.add_person(NUMBER, "sms", timezone=TZ, now=NOW)
        opened = tx.open_turn(NUMBER, "sms", since=since, now=NOW)
        person = opened.person
        tx.save_state(person, State(timezone=TZ, flow={"name": "plan", "step": 1}), NOW)
        person.daily_next_at = NOW + timedelta(days=1)       # as bot.schedules' handlers do
        tx.close_turn(person, "plan", 2, NOW, sid="SM1", replies=["one", "two"])
    with store.transaction() as tx:
        again = tx.open_turn(NUMBER, "sms", since=since, now=NOW, sid="SM1")
        assert again.claimed is False                          # a repeat
        assert tx.stored_replies("SM1") == ["one", "two"]
        assert tx.session.get(models.ProcessedMessage, "SM1").person_id == person.id
        opened = tx.open_turn(NUMBER, "sms", since=since, now=NOW)                # no sid: `steady chat`
        assert (opened.claimed, opened.recent) == (True, 1)
        assert tx.state_of(opened.person).flow == {"name": "plan", "step": 1}
        assert (opened.person.daily_next_at, opened.person.last_inbound_at) == (NOW + timedelta(days=1), NOW)
        tx.close_turn(opened.person, "help", 0, NOW + timedelta(minutes=1))
        events = tx.session.execute(
            select(models.MessageEvent.direction, models.MessageEvent.intent, models.MessageEvent.message_sid,
                   models.MessageEvent.at).order_by(models.MessageEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("in", "plan", "SM1", NOW), ("out", "plan", None, NOW), ("out", "plan", None, NOW),
        ("in", "help", None, NOW + timedelta(minutes=1)),
    ]
    assert _count(engine, models.ProcessedMessage) == 1


def test_concurrent_turns_of_one_sid_give_exactly_one_claim(store, engine):
    _person_id(store)

    def open_turn(_: int) -> bool:
        with store.transaction() as tx:
            opened = tx.open_turn(NUMBER, "sms", since=NOW, now=NOW, sid="SMrace")
            assert opened.person is not None and opened.person.number == NUMBER
            time.sleep(0.1)  # the winner holds its claim while the others try
            if opened.claimed:
                tx.close_turn(opened.person, "help", 1, NOW, sid="SMrace", replies=["the reply"])
            return opened.claimed

    assert sorted(_run_together(4, open_turn)) == [False, False, False, True]
    assert _count(engine, models.ProcessedMessage) == 1


def test_a_turn_rolled_back_leaves_its_sid_unclaimed(store):
    _person_id(store)
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            assert tx.open_turn(NUMBER, "sms", since=NOW, now=NOW, sid="SM1").claimed
            raise RuntimeError("handler crashed")
    with store.transaction() as tx:
        assert tx.open_turn(NUMBER, "sms", since=NOW, now=NOW, sid="SM1").claimed


# Inbound messages -----------------------------------------------------------


def test_a_message_sid_is_claimed_once(store):
    with store.transaction() as tx:
        assert tx.claim_message("SM1", NOW) is True
    with store.transaction() as tx:
        assert tx.claim_message("SM1", NOW) is False
        assert tx.claim_message("SM2", NOW) is True


def test_concurrent_claims_of_one_sid_give_exactly_one_winner(store, engine):
    def claim(_: int) -> bool:
        with store.transaction() as tx:
            won = tx.claim_message("SMrace", NOW)
            time.sleep(0.1)  # the winner holds its claim while the others try
            return won

    assert sorted(_run_together(4, claim)) == [False, False, False, True]
    assert _count(engine, models.ProcessedMessage) == 1


def test_a_claim_rolled_back_can_be_claimed_again(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            assert tx.claim_message("SM1", NOW)
            raise RuntimeError("handler crashed")
    with store.transaction() as tx:
        assert tx.claim_message("SM1", NOW) is True


def test_stored_replies_come_back_for_a_repeat(store):
    person_id = _person_id(store)
    with store.transaction() as tx:
        assert tx.stored_replies("SM1") is None  # unknown
        tx.claim_message("SM1", NOW)
        assert tx.stored_replies("SM1") is None  # claimed, not finished
        tx.finish_message("SM1", person_id, ["first reply", "second reply"])
    with store.transaction() as tx:
        assert tx.stored_replies("SM1") == ["first reply", "second reply"]
        assert tx.session.get(models.ProcessedMessage, "SM1").person_id == person_id


def test_a_message_finished_without_replies_stores_an_empty_list(store):
    with store.transaction() as tx:
        tx.claim_message("SM1", NOW)
        tx.finish_message("SM1", None, [])
    with store.transaction() as tx:
        assert tx.stored_replies("SM1") == []


def test_prune_forgets_only_old_message_sids(store):
    with store.transaction() as tx:
        for sid, age in (("SMold", 3), ("SMday", 1), ("SMnow", 0)):
            tx.claim_message(sid, NOW - timedelta(days=age))
    with store.transaction() as tx:
        assert tx.prune_processed(NOW - timedelta(days=2)) == 1
    with store.transaction() as tx:
        assert tx.claim_message("SMold", NOW) is True
        assert tx.claim_message("SMday", NOW) is False
        assert tx.prune_processed(NOW - timedelta(days=2)) == 0


# Records ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since_minutes_ago", "expected"),
    [(60, 3), (6, 2), (5, 2), (4, 1), (0, 0)],
)
def test_inbound_count_counts_only_inbound_messages_in_the_window(
    store, since_minutes_ago, expected
):
    me, them = _person_id(store), _person_id(store, OTHER)
    with store.transaction() as tx:
        mine, theirs = tx.session.get(models.Person, me), tx.session.get(models.Person, them)
        for minutes in (10, 5, 1):   # the last one was answered twice: outbound events too
            tx.record_turn(mine, "other", 2 if minutes == 1 else 0, NOW - timedelta(minutes=minutes), f"SM{minutes}")
        tx.record_turn(theirs, "other", 0, NOW - timedelta(minutes=1))
    with store.transaction() as tx:
        assert tx.inbound_count(me, NOW - timedelta(minutes=since_minutes_ago)) == expected


def test_a_turn_records_one_inbound_and_one_outbound_event_per_reply(store):
    person_id = _person_id(store)
    with store.transaction() as tx:
        tx.record_turn(tx.session.get(models.Person, person_id), "craving", 2, NOW, "SM1")
    with store.transaction() as tx:
        events = tx.session.execute(
            select(models.MessageEvent.direction, models.MessageEvent.intent, models.MessageEvent.message_sid)
            .order_by(models.MessageEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [("in", "craving", "SM1"), ("out", "craving", None), ("out", "craving", None)]


def test_a_turn_sets_last_inbound_at(store):
    person_id = _person_id(store)
    with store.transaction() as tx:
        assert tx.session.get(models.Person, person_id).last_inbound_at is None
        tx.record_turn(tx.session.get(models.Person, person_id), "help", 1, NOW + timedelta(minutes=1))
    with store.transaction() as tx:
        person = tx.session.get(models.Person, person_id)
        assert person.last_inbound_at == NOW + timedelta(minutes=1)


def test_consent_is_recorded_with_keyword_channel_and_time(store):
    person_id = _person_id(store)
    with store.transaction() as tx:
        tx.record_consent(person_id, "opt_out", "STOP", "sms", NOW)
    with store.transaction() as tx:
        event = tx.session.scalars(select(models.ConsentEvent)).one()
        assert (event.person_id, event.kind, event.keyword, event.channel, event.at) == (
            person_id, "opt_out", "STOP", "sms", NOW
        )


# State --------------------------------------------------------------------


def test_state_round_trips_through_the_database(store):
    state = State(
        opted_out=False,
        timezone="America/Los_Angeles",
        language="es",
        flow=MappingProxyType({"name": "plan", "step": 2, "answers": ("walk", "call Sam")}),
        daily_enabled=True,
        daily_time="07:30",
        daily_kinds="mindfulness",
        plan={"reasons": ["my kids"], "people": {"Sam": "+15555550123"}},
    )
    with store.transaction() as tx:
        person = tx.person(NUMBER, "sms", timezone=TZ, now=NOW)
        tx.save_state(person, state, NOW)
    with store.transaction() as tx:
        back = tx.state_of(tx.find_person(NUMBER, "sms"))
    assert back == State(
        timezone="America/Los_Angeles",
        language="es",
        flow={"name": "plan", "step": 2, "answers": ["walk", "call Sam"]},
        daily_enabled=True,
        daily_time="07:30",
        daily_kinds="mindfulness",
        plan={"reasons": ["my kids"], "people": {"Sam": "+15555550123"}},
    )


def test_a_closed_flow_is_stored_as_null(store, engine):
    with store.transaction() as tx:
        person = tx.person(NUMBER, "sms", timezone=TZ, now=NOW)
        tx.save_state(person, State(timezone=TZ, flow={"name": "plan"}), NOW)
        tx.save_state(person, State(timezone=TZ, flow=None), NOW)
    with engine.connect() as connection:
        flow_is_null = connection.execute(text("SELECT flow IS NULL FROM people")).scalar_one()
    assert flow_is_null in (True, 1)


def test_an_opt_out_flip_stamps_the_consent_times(store):
    t_stop, t_start, t_later = NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    with store.transaction() as tx:
        person = tx.person(NUMBER, "sms", timezone=TZ, now=NOW)
        tx.save_state(person, State(timezone=TZ, opted_out=True), t_stop)
        assert (person.opted_out_at, person.opted_in_at) == (t_stop, None)
        tx.save_state(person, State(timezone=TZ, opted_out=False), t_start)
        tx.save_state(person, State(timezone=TZ, opted_out=False), t_later)  # no flip
    with store.transaction() as tx:
        person = tx.find_person(NUMBER, "sms")
        assert (person.opted_out, person.opted_out_at, person.opted_in_at) == (
            False, t_stop, t_start
        )
        assert person.updated_at == t_later


# Erasure and the outbox -------------------------------------------------------


def _outbox_row(person_id: int, slot: str) -> models.OutboxMessage:
    return models.OutboxMessage(person_id=person_id, kind="daily", slot=slot, body="hi", due_at=NOW)


def _fill_every_table(store: Store, number: str, sid: str) -> int:
    """One row about this person in every table that has a person_id."""
    with store.transaction() as tx:
        person = tx.person(number, "sms", timezone=TZ, now=NOW)
        tx.claim_message(sid, NOW)
        tx.finish_message(sid, person.id, ["reply"])
        tx.record_turn(person, "other", 0, NOW, sid)
        tx.record_consent(person.id, "opt_in", "START", "sms", NOW)
        tx.session.add(_outbox_row(person.id, "2026-11-24"))
        tx.record_checkin(person.id, 4, NOW)
        tx.record_plan(person.id, "made", NOW)
        return person.id


PERSON_TABLES = [
    models.ProcessedMessage,
    models.ConsentEvent,
    models.MessageEvent,
    models.OutboxMessage,
    models.Checkin,
    models.PlanEvent,
]


def test_every_table_about_a_person_is_covered_by_erasure_tests():
    from bot.store import _PERSON_TABLES

    with_person_id = {t.name for t in models.Base.metadata.tables.values() if "person_id" in t.c}
    assert with_person_id == {model.__tablename__ for model in PERSON_TABLES}
    assert {table.name for table in _PERSON_TABLES} == with_person_id >= {"checkins", "outbox"}


def test_erase_person_removes_every_row_about_them(store, engine):
    gone = _fill_every_table(store, NUMBER, "SMgone")
    kept = _fill_every_table(store, OTHER, "SMkept")
    with store.transaction() as tx:
        tx.erase_person(gone, "hash-of-the-number", NOW)
        assert tx.find_person(NUMBER, "sms") is None
    assert _count(engine, models.Person, id=gone) == 0
    for model in PERSON_TABLES:
        assert _count(engine, model, person_id=gone) == 0, model.__tablename__
        assert _count(engine, model, person_id=kept) == 1, model.__tablename__


def test_deleting_a_person_row_cascades_in_the_database(store, engine):
    """The foreign keys themselves cascade (SQLite needs PRAGMA foreign_keys for this)."""
    gone = _fill_every_table(store, NUMBER, "SMgone")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM people WHERE id = :id"), {"id": gone})
    for model in PERSON_TABLES:
        assert _count(engine, model) == 0, model.__tablename__


def test_the_outbox_takes_one_row_per_person_kind_and_slot(store, engine):
    person_id = _person_id(store)

    def enqueue(slot: str) -> None:
        with store.transaction() as tx:
            tx.session.add(_outbox_row(person_id, slot))

    enqueue("2026-11-24")
    enqueue("2026-11-25")
    with pytest.raises(IntegrityError):
        enqueue("2026-11-24")
    assert _count(engine, models.OutboxMessage) == 2


def test_an_outbox_row_starts_pending_and_due(store):
    person_id = _person_id(store)
    with store.transaction() as tx:
        row = _outbox_row(person_id, "2026-11-24")
        tx.session.add(row)
        tx.session.flush()
        assert isinstance(row.id, int) and row.id > 0
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, NOW)


def test_a_crisis_turn_records_its_kind_on_the_inbound_event_only(store):
    """The daily counts say how many crisis texts of each kind were answered: the kind
    rides on the text's own event (with or without a sid: both statements of close_turn)."""
    since = NOW - timedelta(minutes=5)
    with store.transaction() as tx:
        tx.add_person(NUMBER, "sms", timezone=TZ, now=NOW)
        opened = tx.open_turn(NUMBER, "sms", since=since, now=NOW, sid="SMcrisis")
        tx.close_turn(opened.person, "crisis", 1, NOW, sid="SMcrisis", replies=["911"], crisis_kind="suicide")
        opened = tx.open_turn(NUMBER, "sms", since=since, now=NOW + timedelta(minutes=1))
        tx.close_turn(opened.person, "crisis", 1, NOW + timedelta(minutes=1), crisis_kind="overdose_self")
        opened = tx.open_turn(NUMBER, "sms", since=since, now=NOW + timedelta(minutes=2))
        tx.close_turn(opened.person, "craving", 1, NOW + timedelta(minutes=2))
        events = tx.session.execute(
            select(models.MessageEvent.direction, models.MessageEvent.intent, models.MessageEvent.crisis_kind)
            .order_by(models.MessageEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("in", "crisis", "suicide"), ("out", "crisis", None),
        ("in", "crisis", "overdose_self"), ("out", "crisis", None),
        ("in", "craving", None), ("out", "craving", None),
    ]
