"""Deleting texts from Twilio (STEADY_TWILIO_DELETE_MESSAGES), on SQLite and PostgreSQL:
Steady served over real HTTP, the real twilio library against the loopback fake, which
holds the texts sent and received, posts signed status callbacks, and answers DELETEs
(204, 404, the in-progress error 20009, a 5xx, or no answer while held)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bot import db, models, twilio_deletions
from bot.conversation import Inbound
from bot.store import Store
from bot.timeutil import utcnow
from bot.transport import TwilioTransport
from bot.twilio_deletions import MAX_ATTEMPTS, SETTLE, backoff
from tests.fakes.twilio_api import FakeTwilio
from tests.support import TEST_DATA_KEY, make_app, make_settings, post_signed, replies_of, sms_params

pytestmark = pytest.mark.db

NY = "+12125550100"
SENDER = "+15005550006"
SIGNUP = datetime(2026, 11, 24, 5, 0, tzinfo=timezone.utc)
NINE_AM = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)     # 9:00 in New York
BODY = "I slipped last night, call me at 2125550199"               # a body and a number never to be logged


class _Later:
    """A WSGI app set once the server's port (and so the public URL) is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class HeldDeletes(TwilioTransport):
    """The real transport, but each delete first waits for `release` (at most 5 s) and
    notes that it began: a webhook that deleted in its request would wait, and be seen."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.began = threading.Event()
        self.release = threading.Event()

    def delete(self, sid):
        self.began.set()
        self.release.wait(5)
        return super().delete(sid)


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def serve(database_url, tmp_path, fake):
    """serve(delete=True, transport_class=TwilioTransport) -> a Steady served on a loopback
    port: `.status(sid, status)` has the fake post a receipt, `.client` posts to /sms."""
    started = []

    def _serve(delete=True, transport_class=TwilioTransport):
        holder = _Later()
        server = make_server("127.0.0.1", 0, holder, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        settings = make_settings(database_url, str(tmp_path), twilio_auth_token=fake.auth_token,
                                 public_base_url=base, send_concurrency=2, twilio_delete_messages=delete)
        transport = transport_class(fake.account_sid, fake.auth_token, from_number=SENDER,
                                    api_base_url=fake.base_url)
        app = make_app(settings, transport)
        holder.app = app
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        steady = app.extensions["steady"]
        steady.base = base
        steady.client = app.test_client()
        steady.status = lambda sid, status, code=None: fake.send_status(f"{base}/sms/status", sid, status, code)
        steady.text = lambda number, body, now, sid=None: steady.conversation.handle(
            Inbound(sender=number, body=body, now=now, sid=sid))
        started.append((steady, server, thread, transport))
        return steady

    yield _serve
    for steady, server, thread, transport in started:
        if isinstance(transport, HeldDeletes):
            transport.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        steady.deletions.close()
        transport.close()
        steady.store.engine.dispose()


@pytest.fixture
def steady(serve):
    return serve()


def queued(steady) -> list[tuple[str, str, int]]:
    with steady.store.transaction() as tx:
        rows = tx.session.execute(select(models.TwilioDeletion).order_by(models.TwilioDeletion.sid)).scalars()
        return [(row.sid, row.direction, row.attempts) for row in rows]


def due_at(steady, sid) -> datetime:
    with steady.store.transaction() as tx:
        return tx.session.get(models.TwilioDeletion, sid).next_attempt_at


def queue(steady, sid, due) -> None:
    with steady.store.transaction() as tx:
        assert twilio_deletions.queue(tx.session.connection(), sid, twilio_deletions.OUT, due, due)


def daily_text(steady, fake) -> str:
    """Sign NY up for daily texts and send the first one; its MessageSid."""
    steady.text(NY, "DAILY", SIGNUP)
    steady.tick(NINE_AM)
    (message,) = fake.messages
    return message["sid"]


def text_in(steady, fake, body="CRAVING"):
    """A text arrives at Twilio (the fake holds it) and Twilio posts it to /sms, signed."""
    sid = fake.receive(NY, body)
    response = post_signed(steady.client, "/sms", sms_params(body, sender=NY, sid=sid), url=f"{steady.base}/sms",
                           token=fake.auth_token)
    assert response.status_code == 200
    return sid, replies_of(response)


# -- sent texts --------------------------------------------------------------------------

def test_a_sent_text_is_deleted_from_twilio_after_its_delivered_receipt(steady, fake):
    sid = daily_text(steady, fake)
    assert queued(steady) == []                              # sent, but not yet final
    assert steady.status(sid, "delivered") == 204
    assert queued(steady) == [(sid, "out", 0)]
    received = utcnow()
    early = steady.deletions.run_due(received)               # Twilio asks for a minute first
    assert (early.deleted, fake.delete_requests) == (0, [])
    report = steady.tick(received + SETTLE + timedelta(seconds=5))
    assert report.deletions.deleted == 1 and report.errors == []
    assert fake.deleted == [sid] and not fake.holds(sid)
    assert queued(steady) == []
    assert "1 deleted at Twilio" in report.summary()


@pytest.mark.parametrize("status", ["undelivered", "failed"])
def test_a_text_that_failed_is_deleted_too(steady, fake, status):
    sid = daily_text(steady, fake)
    steady.status(sid, status, 30003)
    steady.deletions.run_due(utcnow() + SETTLE + timedelta(seconds=5))
    assert fake.deleted == [sid]


def test_a_text_only_ever_sent_waits_an_hour_and_a_later_delivered_brings_it_forward(steady, fake):
    sid = daily_text(steady, fake)
    steady.status(sid, "sent")
    later = due_at(steady, sid) - utcnow()
    assert timedelta(minutes=59) < later <= twilio_deletions.UNCONFIRMED_WAIT
    steady.status(sid, "delivered")
    assert due_at(steady, sid) - utcnow() <= SETTLE
    steady.status(sid, "sent")                               # late and out of order: keeps the earlier time
    assert due_at(steady, sid) - utcnow() <= SETTLE


# -- received texts ----------------------------------------------------------------------

def test_a_received_text_is_deleted_after_its_turn_never_during_the_request(steady, fake):
    sid, replies = text_in(steady, fake)
    assert replies                                           # answered ...
    assert fake.delete_requests == [] and fake.holds(sid)    # ... and nothing asked of Twilio in the request
    assert queued(steady) == [(sid, "in", 0)]
    report = steady.tick(utcnow() + SETTLE + timedelta(seconds=5))
    assert report.deletions.deleted == 1
    assert fake.deleted == [sid] and not fake.holds(sid)


def test_a_repeated_delivery_queues_nothing_more(steady, fake):
    sid, first = text_in(steady, fake)
    again = post_signed(steady.client, "/sms", sms_params("CRAVING", sender=NY, sid=sid), url=f"{steady.base}/sms",
                        token=fake.auth_token)
    assert replies_of(again) == first
    assert queued(steady) == [(sid, "in", 0)]


def test_the_reply_comes_at_once_while_a_delete_would_wait(serve, fake):
    steady = serve(transport_class=HeldDeletes)
    sid, replies = text_in(steady, fake, "DAILY")
    assert replies and "daily" in replies[0].lower()
    assert not steady.transport.began.is_set()               # the request never began a delete
    assert fake.delete_requests == []
    steady.transport.release.set()
    steady.deletions.run_due(utcnow() + SETTLE + timedelta(seconds=5))
    assert steady.transport.began.is_set() and fake.deleted == [sid]


def test_a_text_is_answered_while_the_clock_waits_on_twilio_for_a_delete(steady, fake):
    """Twilio holds a DELETE (no answer yet) in the clock's thread; a text that arrives
    meanwhile is answered: the clock holds no database lock while it waits."""
    old, _ = text_in(steady, fake)
    fake.hold_deletes()
    clock = threading.Thread(target=steady.deletions.run_due, args=(utcnow() + SETTLE + timedelta(seconds=5),))
    clock.start()
    try:
        for _ in range(200):
            if fake.delete_requests:
                break
            threading.Event().wait(0.01)
        assert fake.delete_requests == [old]                 # the clock is waiting on Twilio
        sid, replies = text_in(steady, fake, "HELP")
        assert replies and clock.is_alive()
        assert (sid, "in", 0) in queued(steady)
    finally:
        fake.release_deletes()
        clock.join(timeout=10)
    assert fake.deleted == [old]


# -- retries ----------------------------------------------------------------------------

def test_a_delete_is_retried_after_the_in_progress_error_and_after_a_5xx(steady, fake):
    sid = daily_text(steady, fake)
    steady.status(sid, "delivered")
    fake.fail_deletes(1)                                     # 409, 20009: Twilio is not done with it
    fake.fail_deletes(1, http_status=503)
    first = utcnow() + SETTLE + timedelta(seconds=5)
    report = steady.deletions.run_due(first)
    assert (report.deleted, report.retried) == (0, 1)
    assert queued(steady) == [(sid, "out", 1)] and due_at(steady, sid) == first + backoff(1)
    assert steady.deletions.run_due(first + backoff(1) - timedelta(seconds=1)).retried == 0   # not yet
    assert len(fake.delete_requests) == 1
    second = first + backoff(1)
    assert steady.deletions.run_due(second).retried == 1
    assert due_at(steady, sid) == second + backoff(2)
    done = steady.deletions.run_due(second + backoff(2))
    assert done.deleted == 1 and fake.deleted == [sid] and queued(steady) == []
    assert len(fake.delete_requests) == 3


def test_a_message_twilio_no_longer_has_counts_as_deleted(steady, fake):
    now = utcnow()
    queue(steady, "SM" + "ab" * 16, now)                     # never at the fake: 404
    report = steady.deletions.run_due(now)
    assert (report.gone, report.retried, report.given_up) == (1, 0, 0)
    assert queued(steady) == []


def test_attempts_are_capped(steady, fake, caplog):
    sid = "SM" + "cd" * 16
    fake.receive(NY, BODY, sid=sid)
    fake.fail_deletes(MAX_ATTEMPTS + 3, http_status=500)
    when = utcnow()
    queue(steady, sid, when)
    given_up = 0
    with caplog.at_level(logging.WARNING):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            report = steady.deletions.run_due(when)
            given_up += report.given_up
            when += backoff(attempt)
    assert given_up == 1 and queued(steady) == []
    assert len(fake.delete_requests) == MAX_ATTEMPTS and fake.holds(sid)
    assert steady.deletions.run_due(when + timedelta(days=30)).given_up == 0
    assert len(fake.delete_requests) == MAX_ATTEMPTS
    assert any("gave up" in r.getMessage() for r in caplog.records)


def test_no_answer_from_twilio_is_retried(serve, fake):
    steady = serve()
    sid = "SM" + "ef" * 16
    fake.receive(NY, BODY, sid=sid)
    now = utcnow()
    queue(steady, sid, now)
    fake.stop()                                              # nothing listens: no answer
    report = steady.deletions.run_due(now)
    assert (report.retried, report.deleted) == (1, 0)
    assert queued(steady) == [(sid, "out", 1)]


class RaisingDeletes(TwilioTransport):
    """A transport that breaks its promise never to raise (its message names the SID)."""

    def delete(self, sid):
        raise RuntimeError(f"broken while deleting {sid}")


def test_a_delete_that_raises_is_tried_again_and_the_tick_goes_on(serve, fake, caplog):
    steady = serve(transport_class=RaisingDeletes)
    sid = "SM" + "9a" * 16
    now = utcnow()
    queue(steady, sid, now)
    with caplog.at_level(logging.INFO):
        report = steady.tick(now)
    assert report.errors == [] and report.deletions.retried == 1
    assert queued(steady) == [(sid, "out", 1)]
    assert sid not in "\n".join(record.getMessage() for record in caplog.records)


def test_a_tick_works_batch_after_batch_and_stops_when_twilio_does_not_answer(steady, fake):
    now = utcnow()
    sids = [fake.receive(NY, BODY) for _ in range(5)]
    for sid in sids:
        queue(steady, sid, now)
    small = twilio_deletions.TwilioDeletions(steady.store, steady.transport, enabled=True, batch=2)
    try:
        assert small.run_due(now).deleted == 5                   # three batches of 2, 2 and 1
        assert sorted(fake.deleted) == sorted(sids) and queued(steady) == []
        for sid in sids[:3]:
            queue(steady, sid, now)
        fake.stop()                                              # no answer: the first batch ends the tick
        report = small.run_due(now)
        assert (report.retried, len(queued(steady))) == (2, 3)
    finally:
        small.close()


def test_a_claimed_deletion_is_not_claimed_again_until_its_lease_ends(steady, fake):
    now = utcnow()
    queue(steady, "SM" + "01" * 16, now)
    assert [c.sid for c in steady.deletions._claim(now)] == ["SM" + "01" * 16]
    assert steady.deletions._claim(now) == []
    assert len(steady.deletions._claim(now + twilio_deletions.LEASE)) == 1


# -- the setting ----------------------------------------------------------------------------

def test_with_the_setting_off_nothing_is_queued_or_deleted(serve, fake):
    steady = serve(delete=False)
    sid = daily_text(steady, fake)
    steady.status(sid, "delivered")
    inbound, _ = text_in(steady, fake)
    assert queued(steady) == []
    report = steady.tick(utcnow() + timedelta(hours=2))
    assert fake.delete_requests == [] and fake.holds(sid) and fake.holds(inbound)
    assert "deleted at Twilio" not in report.summary()


def test_a_text_whose_callback_names_a_row_still_waiting_to_look_it_up_is_not_queued(steady, fake):
    """A row whose send may have created a text (a 5xx) looks it up at Twilio before its
    next try: deleting that text first would have it sent twice."""
    fake.create_then_fail(1, http_status=502)
    steady.text(NY, "DAILY", SIGNUP)
    steady.tick(NINE_AM)
    (message,) = fake.messages
    (row,) = _outbox(steady)
    assert row.provider_sid is None
    status = fake.send_status(f"{steady.base}/sms/status?outbox={row.id}", message["sid"], "delivered")
    assert status == 204
    assert queued(steady) == []


def _outbox(steady):
    with steady.store.transaction() as tx:
        rows = tx.session.execute(select(models.OutboxMessage)).scalars().all()
        for row in rows:
            tx.session.expunge(row)
        return rows


# -- logs and `steady tick` -----------------------------------------------------------------

def test_logs_hold_masked_sids_and_counts_only(steady, fake, caplog):
    with caplog.at_level(logging.INFO):
        sid_in, _ = text_in(steady, fake, BODY)
        sid_out = daily_text(steady, fake)
        steady.status(sid_out, "delivered")
        fake.fail_deletes(1, http_status=500)
        fake.fail_deletes(1)
        later = utcnow() + SETTLE + timedelta(seconds=5)
        steady.tick(later)
        steady.tick(later + timedelta(hours=1))
    assert fake.deleted and set(fake.deleted) == {sid_in, sid_out}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (sid_in, sid_out, BODY, NY, NY[1:], "2125550199"):
        assert secret not in logged
    assert f"{sid_in[:2]}...{sid_in[-4:]}" in logged or f"{sid_out[:2]}...{sid_out[-4:]}" in logged


def test_steady_tick_deletes_and_prints_counts_only(database_url, tmp_path, fake):
    url = None if database_url.startswith("sqlite") else database_url
    instance = tmp_path / "instance"
    db_url = db.normalize_url(url, str(instance))
    db.upgrade(db_url)
    sid = fake.receive(NY, BODY)
    engine = db.make_engine(db_url)
    try:
        store = Store(engine)
        with store.transaction() as tx:
            twilio_deletions.queue(tx.session.connection(), sid, twilio_deletions.IN, SIGNUP, SIGNUP)
    finally:
        engine.dispose()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("STEADY_", "TWILIO_")) and key not in ("DATABASE_URL", "PORT")}
    env.update(STEADY_INSTANCE_PATH=str(instance), TWILIO_ACCOUNT_SID=fake.account_sid,
               TWILIO_AUTH_TOKEN=fake.auth_token, TWILIO_FROM_NUMBER=SENDER, TWILIO_API_BASE_URL=fake.base_url,
               STEADY_TWILIO_DELETE_MESSAGES="true", STEADY_LOG_LEVEL="INFO",
               STEADY_DATA_KEY=TEST_DATA_KEY)
    if url:
        env["DATABASE_URL"] = url
    steady_cli = Path(sys.executable).with_name("steady")
    result = subprocess.run([str(steady_cli), "tick", "--now", "2026-11-24T14:00:00Z"], capture_output=True,
                            text=True, cwd=tmp_path, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "1 deleted at Twilio (0 already gone), 0 deletions to retry" in result.stdout
    assert fake.deleted == [sid]
    assert sid not in result.stdout + result.stderr and BODY not in result.stdout + result.stderr


# -- the transport against the fake ---------------------------------------------------------

def test_the_twilio_transport_deletes_through_the_library_and_reads_each_answer(fake):
    transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER, api_base_url=fake.base_url)
    wrong = TwilioTransport(fake.account_sid, "not-the-token", from_number=SENDER, api_base_url=fake.base_url)
    try:
        sid = fake.receive(NY, BODY)
        assert wrong.delete(sid).outcome == "retry" and fake.holds(sid)      # 401: our credentials
        fake.fail_deletes(1)
        in_progress = transport.delete(sid)
        assert (in_progress.outcome, in_progress.error_code) == ("retry", 20009) and fake.holds(sid)
        assert transport.delete(sid).outcome == "deleted" and not fake.holds(sid)
        gone = transport.delete(sid)
        assert (gone.outcome, gone.http_status, gone.done) == ("gone", 404, True)
        assert fake.delete_requests == [sid, sid, sid]                  # the 401 never reached the account
    finally:
        transport.close()
        wrong.close()


def test_an_erase_queues_every_text_of_theirs_at_twilio_and_the_clock_deletes_them(steady, fake):
    """DELETE with the setting on: their rows go in the erase, and their texts at Twilio
    (sent and received, the confirmation's own inbound too) are queued in the same
    transaction, so nothing of theirs outlives the erase at Twilio either."""
    sent = daily_text(steady, fake)
    first, _ = text_in(steady, fake, "CRAVING")
    asked, _ = text_in(steady, fake, "DELETE")
    confirmed, replies = text_in(steady, fake, "DELETE")
    assert replies                                                   # the last confirmation went out
    with steady.store.transaction() as tx:
        assert tx.session.execute(select(models.Person)).first() is None
    assert {sid for sid, _, _ in queued(steady)} == {sent, first, asked, confirmed}
    report = steady.tick(utcnow() + SETTLE + timedelta(minutes=5))
    assert report.deletions.deleted == 4
    assert sorted(fake.deleted) == sorted([sent, first, asked, confirmed])
