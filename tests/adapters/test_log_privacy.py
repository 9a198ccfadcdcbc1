"""No body, no full number, no plan answer in any log line (issue 12), through the real
processes: the Procfile's web line under gunicorn (its stdout and stderr, gunicorn's own
error log included) and `steady tick` / `steady clock` against the loopback fake Twilio.

Two people text bodies holding a marker and a number written several ways, and write a
PLAN whose free-text answers hold the marker, a third person's name and number. Then the
inbound path is broken for real (the database locked by another connection, a constraint
no row meets left by a migration gone wrong, unsigned and unreadable requests, a status
callback that cannot be recorded) and the plan's quit-date texts, which quote the answers,
fail at the fake Twilio (a 5xx, then 21610; 30003). Every captured line is searched.
First each run proves the marker reached the process (MY PLAN's reply, the database, the
outbox bodies), so an empty log cannot pass.

At INFO (the default) nothing may show. At DEBUG the same holds for bodies and plan
answers; what twilio's library adds there (request URLs, whole SIDs) is in
/work/notes/logs.md and README "Privacy"."""

from __future__ import annotations

import json
import logging
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bench import load, webhook
from bot import crypto, db, logs, models
from bot.transport import mask_sid
from tests.adapters.test_faults_web import UNAVAILABLE, locked, web  # noqa: F401  (web: the fixture)
from tests.adapters.test_webhook_twilio import sms_body
from tests.fakes.twilio_api import FakeTwilio
from tests.support import sign

pytestmark = [pytest.mark.slow, pytest.mark.db]

MARKER = "ZEBRA-7731"
PLAN_NAME = "Quintanilla"                    # a third person's name, only ever in plan answers
STEADY_NUMBER = "+15005550006"


def written_forms(digits: str) -> tuple[str, ...]:
    """A North American number (10 digits) as people and libraries write it."""
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return (f"+1{digits}", f"1{digits}", digits, f"{a}-{b}-{c}", f"{a} {b} {c}", f"({a}) {b}-{c}",
            f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"1-{a}-{b}-{c}", f"+1 ({a}) {b}-{c}", f"%2B1{digits}")


PERSON, PERSON_DIGITS = "+14155550123", "4155550123"      # texts in; a 5xx, then 21610
OTHER, OTHER_DIGITS = "+14155550187", "4155550187"        # texts in; 30003
SUPPORT_DIGITS = "5105550147"                             # the third person's, in the plan
NUMBERS = (PERSON_DIGITS, OTHER_DIGITS, SUPPORT_DIGITS)
FORMS = {form for digits in NUMBERS for form in written_forms(digits)}
# The free-text answers: the marker, the name and the number, in every answer.
TRIGGERS = f"payday nights at {MARKER} with {PLAN_NAME}"
COPING = f"walk the dog with {PLAN_NAME} {MARKER}"
SUPPORT = f"my cousin {PLAN_NAME} {MARKER} (510) 555-0147"
SID_LOCKED, SID_REPEATED, SID_UNKNOWN = "SM" + "7" * 32, "SM" + "5" * 32, "SM" + "8" * 32
PLAN_TEXTS = ("PLAN", "tomorrow", "YES", TRIGGERS, COPING, SUPPORT, "yes", "YES")


def leaks(lines: list[str]) -> list[str]:
    """The lines that show the marker, a plan answer's words or a whole number in any form
    (also with its separators taken out: "415 555-0123" as much as "4155550123")."""
    found = []
    for line in lines:
        squeezed = re.sub(r"[\s().+-]", "", line)
        if (MARKER.lower() in line.lower() or "zebra" in line.lower() or PLAN_NAME.lower() in line.lower()
                or "payday" in line.lower() or "cousin" in line.lower()
                or any(form in line for form in FORMS) or any(digits in squeezed for digits in NUMBERS)):
            found.append(line)
    return found


# --- the database, read directly: proof the marker reached the process ---------------------

@contextmanager
def connection(database_url: str):
    engine = db.make_engine(db.normalize_url(database_url, instance_path=""))
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def plan_of(database_url: str, number: str) -> tuple[dict, datetime | None]:
    with connection(database_url) as conn:
        # Through the sealed columns (bot.crypto): the processes seal with the tests' key.
        row = conn.execute(select(models.Person.plan, models.Person.plan_next_at)
                           .where(models.Person.number_hash == crypto.keyring().lookup(number))).one()
    plan = row.plan if isinstance(row.plan, dict) else json.loads(row.plan)
    due = row.plan_next_at
    if isinstance(due, str):
        due = datetime.fromisoformat(due)
    if due is not None and due.tzinfo is None:
        due = due.replace(tzinfo=timezone.utc)
    return plan, due


def outbox_rows(database_url: str) -> list[tuple[str, str, str | None, str | None]]:
    with connection(database_url) as conn:
        outbox, people = models.OutboxMessage, models.Person
        return [tuple(r) for r in conn.execute(
            select(outbox.body, outbox.status, outbox.error_code, people.number)
            .join(people, people.id == outbox.person_id).order_by(outbox.id))]


def break_person_updates(database_url: str) -> None:
    """A migration gone wrong: a rule no row meets, so every turn's write of the person
    fails. PostgreSQL's error quotes the whole row ("Failing row contains (...)": the
    number, the plan); SQLite's names the rule only."""
    with connection(database_url) as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE people ADD CONSTRAINT drift CHECK (false) NOT VALID")
        else:
            conn.exec_driver_sql("CREATE TRIGGER drift BEFORE UPDATE ON people BEGIN "
                                 "SELECT RAISE(ABORT, 'drift'); END")


def mend_person_updates(database_url: str) -> None:
    with connection(database_url) as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE people DROP CONSTRAINT drift")
        else:
            conn.exec_driver_sql("DROP TRIGGER drift")


# --- the clock side: `steady tick` and `steady clock` at the fake Twilio -------------------

def steady_env(running, fake: FakeTwilio, database_url: str, level: str) -> dict[str, str]:
    env = load.server_env(running.instance.parent, database_url, fake.auth_token)
    env.update(TWILIO_ACCOUNT_SID=fake.account_sid, TWILIO_AUTH_TOKEN=fake.auth_token, TWILIO_FROM_NUMBER=STEADY_NUMBER,
               TWILIO_API_BASE_URL=fake.base_url, STEADY_LOG_LEVEL=level)
    return env


def steady_tick(env: dict[str, str], now: datetime) -> subprocess.CompletedProcess:
    return subprocess.run(webhook.steady_command() + ["tick", "--now", now.strftime("%Y-%m-%dT%H:%M:%SZ")],
                          cwd=load.ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def steady_clock_briefly(env: dict[str, str], workdir: Path) -> str:
    """`steady clock` until it says it started and has ticked once, then SIGTERM: its output."""
    out = workdir / "clock.log"
    with open(out, "wb") as sink:
        process = subprocess.Popen(webhook.steady_command() + ["clock"], cwd=load.ROOT, env=env,
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and "tick:" not in out.read_text(errors="replace"):
            assert process.poll() is None, out.read_text(errors="replace")
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return out.read_text(errors="replace")


def status_callback(running, sid: str, to: str, status: str, code: str) -> int:
    """Twilio's signed delivery receipt, POSTed to /sms/status."""
    params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "ErrorCode": code, "To": to,
              "From": STEADY_NUMBER, "AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01"}
    url = f"http://127.0.0.1:{running.port}/sms/status"
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": sign(url, params)})
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


# --- the run ---------------------------------------------------------------------------------

def run_everything(web, fake: FakeTwilio, database_url: str, level: str, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """Every fault above, at `level`: (every captured line of every process, the outputs by name)."""
    running = web(database_url, STEADY_LOG_LEVEL=level)

    # Texts holding the marker and a number, in its written forms, as the person wrote them.
    for body in (f"hi {MARKER} my number is (415) 555-0123", f"{MARKER} call 415.555.0123 or +1 415 555 0123",
                 f"my friend is at 510-555-0147 {MARKER}"):
        status, replies, _ = running.text(body)
        assert status == 200 and replies and replies != [UNAVAILABLE], (status, replies)
    # A PLAN for each, every free-text answer with the marker, a name and a number.
    for sender in (PERSON, OTHER):
        for body in PLAN_TEXTS:
            status, replies, _ = running.text(body, sender=sender)
            assert status == 200 and replies and replies != [UNAVAILABLE], (body, status, replies)
        shown = running.text("MY PLAN", sender=sender)[1][0]
        assert MARKER in shown and PLAN_NAME in shown, shown       # the marker reached the process
        plan, due = plan_of(database_url, sender)
        assert all(MARKER in plan[key] for key in ("triggers", "coping", "support")) and due is not None, plan

    # The inbound path under real faults.
    with locked(database_url, "table"):                      # the database held by another connection
        assert running.text(f"{MARKER} craving bad, 415-555-0123")[1] == [UNAVAILABLE]
        assert status_callback(running, SID_LOCKED, PERSON, "failed", "21610") == 204
    break_person_updates(database_url)                       # a constraint no row meets
    try:
        assert running.text(f"{MARKER} {PLAN_NAME} (415) 555-0123")[1] == [UNAVAILABLE]
        assert running.text(f"more {MARKER}", sender=OTHER)[1] == [UNAVAILABLE]
    finally:
        mend_person_updates(database_url)
    unsigned = sms_body(f"{MARKER} 4155550123")
    assert running.post(unsigned, headers={"X-Twilio-Signature": "forged"})[0] == 403
    assert running.post(sms_body(f"{MARKER} hello", sender=f"{MARKER} (415) 555-0123"))[0] == 400
    assert running.post(sms_body(f"{MARKER} hello", sender=""))[0] == 400
    assert running.text(f"{MARKER} hello", sender="(415) 555-0123")[0] == 200    # a national form: the person
    twice = dict(sms_body(f"{MARKER} twice 415 555 0123"), MessageSid=SID_REPEATED, SmsSid=SID_REPEATED,
                 SmsMessageSid=SID_REPEATED)
    assert running.post(twice)[1] == running.post(twice)[1] != []          # Twilio's retry: the stored reply

    # The plan's first quit-date text quotes the triggers: a 5xx, then 21610 for PERSON; 30003 for OTHER.
    outputs: dict[str, str] = {}
    env = steady_env(running, fake, database_url, level)
    fake.fail_for(OTHER, http_status=400, code=30003, message=f"Unreachable {OTHER}")
    fake.fail_for(PERSON, http_status=503, code=20500, message="Service Unavailable")
    _, due = plan_of(database_url, PERSON)
    _, other_due = plan_of(database_url, OTHER)
    now = max(due, other_due)
    first = steady_tick(env, now)
    outputs["tick 1"] = first.stdout + first.stderr
    bodies = outbox_rows(database_url)
    assert bodies and all(MARKER in body for body, *_ in bodies), bodies   # the marker is in what is sent
    fake.fail_for(PERSON, http_status=400, code=21610, message=f"Attempt to send to unsubscribed recipient {PERSON}")
    second = steady_tick(env, now + timedelta(minutes=5))
    outputs["tick 2"] = second.stdout + second.stderr
    settled = {(number, status, str(code)) for _, status, code, number in outbox_rows(database_url)}
    assert settled == {(PERSON, "failed", "21610"), (OTHER, "failed", "30003")}, settled
    assert fake.requests >= 3
    # A receipt naming a number: undeliverable (30003) for a text Steady did not send itself.
    assert status_callback(running, SID_UNKNOWN, OTHER, "undelivered", "30003") == 204
    outputs["clock"] = steady_clock_briefly(env, tmp_path)

    webhook.stop_server(running.server)                      # gunicorn's last lines too
    outputs["web"] = running.log()
    assert "inbound failed (error " in outputs["web"] and "Traceback" in outputs["web"]
    assert "code 21610" in outputs["tick 2"] and "30003" in outputs["tick 1"]
    lines = [f"{name}: {line}" for name, output in outputs.items() for line in output.splitlines()]
    return lines, outputs


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_no_body_number_or_plan_answer_in_any_line_of_any_process(web, fake, database_url, tmp_path, level):
    lines, outputs = run_everything(web, fake, database_url, level, tmp_path)
    assert len(lines) > 20, outputs
    assert leaks(lines) == []
    # MessageSids are shown masked ("SM...7777"), in the status callback's error and a repeat's line.
    assert not any(sid in line for line in lines for sid in (SID_LOCKED, SID_REPEATED, SID_UNKNOWN))
    assert f"status callback for {mask_sid(SID_LOCKED)} failed" in outputs["web"]
    assert f"repeat delivery of {mask_sid(SID_REPEATED)}" in outputs["web"]
    if database_url.startswith("postgresql"):     # the row the constraint refused was quoted, and hidden
        assert "DETAIL:  (values hidden)" in outputs["web"]


def test_a_database_error_quoting_a_row_with_a_multi_line_body_is_logged_without_it(engine, caplog):
    """In this process, as bot.logs masks every record: PostgreSQL's "Failing row contains"
    (every column, a text's body over several lines) is hidden whole in the traceback, and to
    the end of its line where the error's text is logged as a message."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's constraint errors quote no values")
    logs.mask_every_record()
    body = f"first line {MARKER}\nsecond line {PLAN_NAME} 415-555-0123"
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE outbox ADD CONSTRAINT drift CHECK (false) NOT VALID")
    log = logging.getLogger("tests.log_privacy")
    with caplog.at_level(logging.INFO):
        with pytest.raises(DBAPIError) as failed, engine.begin() as conn:
            conn.execute(text("INSERT INTO outbox (person_id, kind, slot, body, status, due_at, next_attempt_at, "
                              "attempts, created_at) VALUES (1, 'daily', '2026-12-08', :body, 'pending', "
                              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, CURRENT_TIMESTAMP)"), {"body": body})
        assert MARKER in str(failed.value) and PLAN_NAME in str(failed.value)     # the error quotes it
        try:
            raise failed.value
        except DBAPIError:
            log.exception("a write failed")
    formatted = "\n".join(logging.Formatter("%(message)s").format(record) for record in caplog.records)
    assert "Traceback" in formatted and "(values hidden)" in formatted
    assert leaks(formatted.splitlines()) == []
