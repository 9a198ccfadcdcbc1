"""The clock stops cleanly: `steady clock` and `steady tick` run as real processes against
the loopback fake Twilio made slow, stopped by SIGTERM or SIGINT in the middle of a send,
on SQLite and PostgreSQL; and a text whose result was never recorded (SIGKILL) is
reconciled from Twilio's status callback, which names its row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import SHUTDOWN_GRACE_SECONDS
from bot.outbox import CLAIM_TIMEOUT
from bot.receipts import FINAL_RECEIPTS, moves_forward
from bot.timeutil import utcnow
from flows.helpline import HELPLINE_NUMBER
from tests.adapters.test_receipts import NINE_AM, NY, SIGNUP, rows
from tests.fakes.twilio_api import FakeTwilio
from tests.support import TEST_DATA_KEY

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
STEADY = Path(sys.executable).with_name("steady")
PEOPLE = 40
DELAY = 0.5           # seconds the fake holds each request: 4 at a time, 40 texts take 5 s
CONCURRENCY, BATCH = 4, 10
FORCED = "exiting now"   # what Shutdown.exit_now logs when the bound is reached

def _midday_zone(now) -> str:
    """An IANA zone where it is about noon now, inside the sending hours whatever the hour."""
    offset = 12 - now.hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def due_rows(steady, n: int = PEOPLE) -> list[str]:
    """`n` people, each with one text due now; their numbers."""
    now = utcnow()
    numbers = [f"+1212555{i:04d}" for i in range(n)]
    with steady.store.transaction() as tx:
        for number in numbers:
            found = models.Person(number=number, channel="sms", timezone=_midday_zone(now), daily_enabled=True,
                                  created_at=now, updated_at=now)
            tx.session.add(found)
            tx.session.flush()
            tx.session.add(models.OutboxMessage(
                person_id=found.id, kind="daily", slot=now.strftime("%Y-%m-%d"), status="pending",
                body=f"A steady thought for today. SAMHSA National Helpline: {HELPLINE_NUMBER}",
                due_at=now - timedelta(minutes=1), next_attempt_at=now - timedelta(minutes=1),
                attempts=0, created_at=now,
            ))
    return numbers


def start(steady, fake, tmp_path, *args: str) -> subprocess.Popen:
    """`steady <args>` as an operator runs it, sending to the fake, receipts to `steady`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("STEADY_", "TWILIO_"))}
    env.update(
        PYTHONPATH=str(ROOT), DATABASE_URL=steady.settings.database_url, STEADY_INSTANCE_PATH=str(tmp_path),
        STEADY_DATA_KEY=TEST_DATA_KEY, STEADY_MODEL_CACHE=os.environ["STEADY_MODEL_CACHE"], STEADY_LOG_LEVEL="INFO",
        STEADY_PUBLIC_URL=steady.settings.public_base_url, STEADY_SEND_CONCURRENCY=str(CONCURRENCY),
        STEADY_SEND_BATCH=str(BATCH), TWILIO_ACCOUNT_SID=fake.account_sid, TWILIO_AUTH_TOKEN=fake.auth_token,
        TWILIO_FROM_NUMBER="+15005550006", TWILIO_API_BASE_URL=fake.base_url,
    )
    out, err = (tmp_path / "out.txt").open("w"), (tmp_path / "err.txt").open("w")
    with out, err:
        return subprocess.Popen([str(STEADY), *args], env=env, cwd=tmp_path, stdout=out, stderr=err)


def wait_for_requests(process: subprocess.Popen, fake: FakeTwilio, n: int, tmp_path) -> None:
    """Until the fake has had `n` requests: the signal then comes mid-send, texts in flight."""
    deadline = time.monotonic() + 90
    while fake.requests < n:
        assert process.poll() is None, (tmp_path / "err.txt").read_text()[-3000:]
        assert time.monotonic() < deadline, "the process never started sending"
        time.sleep(0.02)


def by_number(steady) -> dict[str, models.OutboxMessage]:
    with steady.store.transaction() as tx:
        found = tx.session.execute(select(models.Person.id, models.Person.number)).all()
    number_of = dict(found)
    return {number_of[row.person_id]: row for row in rows(steady)}


@pytest.mark.slow
@pytest.mark.parametrize(("command", "signum"), [
    (("clock", "--interval", "60"), signal.SIGTERM),
    (("clock", "--interval", "60"), signal.SIGINT),
    (("tick",), signal.SIGTERM),
])
def test_a_stop_mid_send_finishes_the_texts_in_flight_puts_back_the_rest_and_exits_0(
        steady, fake, tmp_path, command, signum):
    numbers = due_rows(steady)
    fake.delay = DELAY
    process = start(steady, fake, tmp_path, *command)
    wait_for_requests(process, fake, CONCURRENCY + 2, tmp_path)     # the second wave is in flight
    signalled = time.monotonic()
    process.send_signal(signum)
    code = process.wait(timeout=SHUTDOWN_GRACE_SECONDS + 20)
    took = time.monotonic() - signalled
    err = (tmp_path / "err.txt").read_text()
    assert code == 0, err[-3000:]
    assert took < SHUTDOWN_GRACE_SECONDS and FORCED not in err, (took, err[-3000:])

    assert fake.requests == len(fake.messages)                      # every request made was answered
    received = {m["To"]: m["sid"] for m in fake.messages}
    assert len(received) == len(fake.messages) and 0 < len(received) < PEOPLE
    found = by_number(steady)
    assert sorted(found) == sorted(numbers)
    for number, row in found.items():
        if number in received:                                      # sent, and recorded with its sid
            assert (row.status, row.provider_sid, row.attempts) == ("sent", received[number], 1), number
        else:                                                       # released: as if never claimed
            assert (row.status, row.attempts, row.claimed_at) == ("pending", 0, None), number
    assert not [row for row in found.values() if row.status == "sending" or row.delivery_status == "interrupted"]
    if command[0] == "tick":   # its report counts what went; rows gated before the signal go too
        assert f" {len(received)} sent," in (tmp_path / "out.txt").read_text()
    assert "2125550" not in err                                      # numbers masked in the logs

    fake.delay = 0
    steady.tick(utcnow())                                           # the next clock sends the rest, once
    assert sorted(m["To"] for m in fake.messages) == sorted(numbers)
    assert {row.status for row in rows(steady)} == {"sent"}


@pytest.mark.slow
def test_texts_whose_result_a_killed_clock_never_recorded_are_reconciled_from_their_receipts(
        steady, fake, tmp_path):
    numbers = due_rows(steady)
    fake.delay = DELAY
    process = start(steady, fake, tmp_path, "clock", "--interval", "60")
    wait_for_requests(process, fake, CONCURRENCY + 2, tmp_path)
    process.kill()                                                  # SIGKILL: nothing is cleaned up
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while len(fake.messages) < fake.requests and time.monotonic() < deadline:
        time.sleep(0.05)                                            # Twilio creates those in flight anyway
    assert len(fake.messages) == fake.requests
    before = by_number(steady)
    unrecorded = [m for m in fake.messages if before[m["To"]].provider_sid is None]
    assert unrecorded and all(before[m["To"]].status == "sending" for m in unrecorded)

    for message in fake.messages:                                   # Twilio calls back the URL each was given
        assert fake.send_status(message["StatusCallback"], message["sid"], "delivered") == 204
    after = by_number(steady)
    for message in fake.messages:
        row = after[message["To"]]
        assert (row.status, row.provider_sid, row.delivery_status) == ("sent", message["sid"], "delivered")

    later = utcnow() + CLAIM_TIMEOUT + timedelta(minutes=1)
    steady.outbox.recover_interrupted(later)                        # claimed, never requested: interrupted
    fake.delay = 0
    steady.tick(later)
    sent = [m["To"] for m in fake.messages]
    assert set(sent) <= set(numbers) and len(set(sent)) == len(sent)    # nobody got a text twice
    for number, row in by_number(steady).items():
        if row.status != "sent":                    # claimed by the killed clock, never requested
            assert (row.status, row.delivery_status) == ("failed", "interrupted") and number not in sent


@pytest.mark.slow
def test_a_tick_stuck_past_the_bound_is_cut_off_and_the_process_exits_0(tmp_path):
    script = (
        "import logging, time\n"
        "from bot.clock import Shutdown, run_clock\n"
        "logging.basicConfig(level='INFO')\n"
        "def stuck(now):\n"
        "    print('ticking', flush=True)\n"
        "    time.sleep(3600)\n"
        "run_clock(stuck, 60, shutdown=Shutdown(lambda: None, grace=1))\n"
    )
    out = tmp_path / "out.txt"
    with out.open("w") as stdout:
        process = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)},
                                   stdout=stdout, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while "ticking" not in out.read_text():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    signalled = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=10)
    took = time.monotonic() - signalled
    assert process.returncode == 0, err
    assert 1 <= took < 4, took
    assert FORCED in err and "SIGTERM" in err


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_stopped_outbox_claims_nothing_more_and_releases_what_it_had_not_sent(steady, fake, concurrency):
    import threading

    due_rows(steady, 12)
    steady.sender.concurrency = concurrency
    steady.sender.settings = steady.settings.with_(send_batch=6)
    fake.delay = 0.3

    def stop_mid_send():
        while fake.requests < 1:
            time.sleep(0.005)
        steady.sender.stop()                        # as SIGTERM does (bot.clock.Shutdown)

    stopper = threading.Thread(target=stop_mid_send)
    stopper.start()
    report = steady.sender.send_due(utcnow())
    stopper.join(timeout=10)
    steady.sender.close()
    statuses = [row.status for row in rows(steady)]
    assert 1 <= report.sent == len(fake.messages) == statuses.count("sent") <= concurrency
    assert report.released == report.claimed - report.sent > 0
    assert statuses.count("pending") == 12 - report.sent and "sending" not in statuses
    assert steady.sender.send_due(utcnow()).claimed == 0            # stopped for good


# -- receipts for texts recorded failed/interrupted ----------------------------------------

def _recorded(steady, fake, status: str, delivery_status: str | None) -> str:
    """The daily text sent, then recorded as `status`/`delivery_status` (with its sid)."""
    steady.text(NY, "DAILY", SIGNUP)
    steady.tick(NINE_AM)
    (message,) = fake.messages
    with steady.store.transaction() as tx:
        row = tx.session.execute(select(models.OutboxMessage)).scalar_one()
        row.status, row.delivery_status = status, delivery_status
    return message["sid"]


@pytest.mark.parametrize("mark", ["interrupted", "unknown"])
@pytest.mark.parametrize("receipt", ["sent", "delivered"])
def test_a_sent_or_delivered_receipt_moves_a_row_recorded_failed_interrupted_to_sent(steady, fake, mark, receipt):
    sid = _recorded(steady, fake, "failed", mark)
    assert steady.status(sid, receipt) == 204
    (row,) = rows(steady)
    assert (row.status, row.delivery_status, row.provider_sid) == ("sent", receipt, sid)
    assert moves_forward(mark, receipt) and not moves_forward("failed", receipt)


@pytest.mark.parametrize("final", sorted(FINAL_RECEIPTS))
@pytest.mark.parametrize("status", ["sent", "failed"])
def test_other_final_statuses_stay_final(steady, fake, final, status):
    sid = _recorded(steady, fake, status, final)
    assert steady.status(sid, "delivered") == 204
    (row,) = rows(steady)
    assert (row.status, row.delivery_status) == (status, final)


def _claimed_and_sent(steady, fake):
    """A clock that died after its request: the row claimed, the text sent with the row's
    callback URL, and nothing recorded. The row and the message the fake created."""
    steady.text(NY, "DAILY", SIGNUP)
    steady.daily.enqueue_due(NINE_AM)
    (row,) = steady.outbox.claim(NINE_AM, 10)
    callback = f"{steady.settings.public_base_url}/sms/status?outbox={row.id}"
    assert steady.transport.send(row.to, row.body, status_callback=callback).ok
    (message,) = fake.messages
    return row, message


@pytest.mark.parametrize("recovered", [False, True])
def test_a_receipt_names_its_row_so_a_text_whose_sid_was_never_recorded_is_reconciled(steady, fake, recovered):
    _, message = _claimed_and_sent(steady, fake)
    if recovered:                                   # the next clock already marked it interrupted
        assert steady.outbox.recover_interrupted(NINE_AM + CLAIM_TIMEOUT + timedelta(minutes=1)) == 1
    assert fake.send_status(message["StatusCallback"], message["sid"], "delivered") == 204
    (found,) = rows(steady)
    assert (found.status, found.delivery_status, found.provider_sid) == ("sent", "delivered", message["sid"])
    assert found.sent_at == NINE_AM
    assert steady.outbox.recover_interrupted(NINE_AM + CLAIM_TIMEOUT + timedelta(minutes=2)) == 0
    steady.tick(NINE_AM + timedelta(minutes=5))
    assert len(fake.messages) == 1


def test_each_text_s_callback_url_names_its_row_keeping_the_operator_s_query(steady, fake):
    steady.sender.settings = steady.settings.with_(status_callback_url="https://x.example/hook?org=Cl%C3%ADnica")
    steady.text(NY, "DAILY", SIGNUP)
    steady.tick(NINE_AM)
    (row,) = rows(steady)
    assert [m["StatusCallback"] for m in fake.messages] == [f"https://x.example/hook?org=Cl%C3%ADnica&outbox={row.id}"]


def test_a_receipt_naming_a_row_cannot_take_one_with_another_sid_or_one_never_sent(steady, fake):
    row, message = _claimed_and_sent(steady, fake)
    fake.send_status(message["StatusCallback"], message["sid"], "sent")
    other = "SM" + "7" * 32                         # another message's receipt, naming the same row
    with steady.store.transaction() as tx:
        tx.session.add(models.OutboxMessage(person_id=row.person_id, kind="craving_followup", slot="x", body="b",
                                            status="pending", due_at=NINE_AM, next_attempt_at=NINE_AM))
    pending = rows(steady)[1]
    base = f"{steady.settings.public_base_url}/sms/status"
    for named in (row.id, pending.id, "x1", "%C2%B2", "9" * 30):     # taken, never sent, not a row id
        assert fake.send_status(f"{base}?outbox={named}", other, "delivered") == 204
    first, second = rows(steady)
    assert (first.provider_sid, first.delivery_status) == (message["sid"], "sent")
    assert (second.status, second.provider_sid, second.delivery_status) == ("pending", None, None)
