"""The `steady` command as an operator runs it: STEADY_INSTANCE_PATH in tmp_path,
DATABASE_URL unset (the SQLite file) or pointing at PostgreSQL, migrated first as `steady
db upgrade` would, no Twilio settings unless a test points them at the loopback fake (tick
and clock refuse to start without them).

Most tests run the command in this process (click's CliRunner, `runner` in
tests/conftest.py: the same `main`, the environment it is given, its own stdout and
stderr); a few run the real console script as a subprocess, for what only a process shows:
the entry point, logs on stderr and never stdout, ticks in separate processes sending
once, the dev server."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot import db
from bot.cli import main
from flows.helpline import HELPLINE_NUMBER
from tests.fakes.twilio_api import FakeTwilio
from tests.support import TEST_DATA_KEY
from tests.support import migrate

STEADY = Path(sys.executable).with_name("steady")
CHAT_NUMBER = "+15555550100"             # the default `steady chat` number
CHAT_NUMBER_MASKED = "+1********00"      # ... as logged
STEADY_NUMBER = "+15005550006"
TWILIO_SENDING = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID)")
NEW_YORK = ZoneInfo("America/New_York")  # where +1555 numbers fall back to
TIMEOUT_S = 30


def _hermetic(environ: dict[str, str]) -> dict[str, str]:
    """The caller's environment minus every setting Steady reads (and the test's own), but
    the test run's model cache: a process loads the models trained once for the run."""
    kept = {
        key: value for key, value in environ.items()
        if not key.startswith(("STEADY_", "TWILIO_")) and key not in ("DATABASE_URL", "PORT")
    }
    kept["STEADY_MODEL_CACHE"] = environ["STEADY_MODEL_CACHE"]
    return kept


@dataclass
class Ran:
    """What a command did: its exit code and what it wrote."""

    returncode: int
    stdout: str
    stderr: str


@dataclass
class Cli:
    """Runs `steady ...` against one instance folder and (optionally) one DATABASE_URL:
    in this process through `runner`, or, without one, as the real console script."""

    cwd: Path
    env: dict[str, str]                  # Steady's settings for the command, nothing else
    runner: CliRunner | None = None

    def __call__(self, *args: str, stdin: str = "", timeout: float = TIMEOUT_S) -> Ran:
        if self.runner is None:
            done = subprocess.run(
                [str(STEADY), *args], input=stdin, capture_output=True, text=True,
                cwd=self.cwd, env={**_hermetic(dict(os.environ)), **self.env}, timeout=timeout, check=False,
            )
            return Ran(done.returncode, done.stdout, done.stderr)
        result = self.runner.invoke(main, list(args), input=stdin, env=self.env)
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += "".join(traceback.format_exception(*result.exc_info))   # as the process would print it
        return Ran(result.exit_code, result.stdout, stderr)

    def with_env(self, **extra: str) -> "Cli":
        return Cli(cwd=self.cwd, env={**self.env, **extra}, runner=self.runner)

    def chat(self, *lines: str, sender: str | None = None) -> list[dict]:
        args = ["chat", "--json"] + (["--from", sender] if sender else [])
        result = self(*args, stdin="".join(f"{line}\n" for line in lines))
        assert result.returncode == 0, result.stderr
        return json_lines(result.stdout)

    def with_twilio(self, fake: FakeTwilio) -> Cli:
        """Complete Twilio sending settings, pointed at the loopback fake."""
        return self.with_env(
            TWILIO_ACCOUNT_SID=fake.account_sid, TWILIO_AUTH_TOKEN=fake.auth_token,
            TWILIO_FROM_NUMBER=STEADY_NUMBER, TWILIO_API_BASE_URL=fake.base_url,
        )

    def revision(self) -> str | None:
        """The migration the database these commands use is at."""
        engine = db.make_engine(db.normalize_url(self.env.get("DATABASE_URL"), self.env["STEADY_INSTANCE_PATH"]))
        try:
            return db.current_revision(engine)
        finally:
            engine.dispose()


def make_cli(tmp_path: Path, database_url: str | None = None, *, revision: str | None = "head",
             runner: CliRunner | None = None) -> Cli:
    """A Cli on this database, migrated to `revision` first (None: left as it is); in
    this process with `runner`, else as a subprocess."""
    # STEADY_DATA_KEY: required with PostgreSQL; the test reads what the CLI sealed.
    env = {"STEADY_INSTANCE_PATH": str(tmp_path), "STEADY_DATA_KEY": TEST_DATA_KEY}
    if database_url:
        env["DATABASE_URL"] = database_url
    url = db.normalize_url(database_url, str(tmp_path))
    if revision == "head":
        migrate(url)
    elif revision:
        db.upgrade(url, revision)
    return Cli(cwd=tmp_path, env=env, runner=runner)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """The test's folder as the working directory, as the subprocesses have it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def steady(in_tmp, runner) -> Cli:
    """DATABASE_URL unset: the SQLite file in the instance folder, migrated; in process."""
    return make_cli(in_tmp, runner=runner)


@pytest.fixture
def steady_process(tmp_path) -> Cli:
    """As `steady` (the same instance folder and database, with it), but the real console
    script in a subprocess."""
    return make_cli(tmp_path)


def _url_for(database_url: str) -> str | None:
    return None if database_url.startswith("sqlite") else database_url


@pytest.fixture
def steady_on(database_url, in_tmp, runner) -> Cli:
    """Each database kind, migrated: the default SQLite file (DATABASE_URL unset), or PostgreSQL."""
    return make_cli(in_tmp, _url_for(database_url), runner=runner)


def json_lines(stdout: str) -> list[dict]:
    """Every stdout line must be one JSON object; nothing else may be there."""
    lines = stdout.splitlines()
    parsed = [json.loads(line) for line in lines]
    assert all(isinstance(item, dict) for item in parsed)
    return parsed


def next_nine_in_new_york(after: datetime) -> datetime:
    local = after.astimezone(NEW_YORK)
    nine = local.replace(hour=9, minute=0, second=0, microsecond=0)
    if nine <= local:
        nine = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return nine.astimezone(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- steady chat ----------------------------------------------------------------------

def test_the_console_script_lists_every_command():
    result = subprocess.run([str(STEADY), "--help"], capture_output=True, text=True, timeout=TIMEOUT_S,
                            env=_hermetic(dict(os.environ)), check=False)
    assert result.returncode == 0, result.stderr
    listed = re.findall(r"^  (\S+)", result.stdout.split("Commands:")[1], re.MULTILINE)
    assert listed == ["chat", "clock", "content", "db", "eval", "explain", "keys", "people", "prune", "run",
                      "staff", "tick", "twilio"], listed


def test_chat_json_answers_each_line_with_one_json_object_and_logs_only_to_stderr(steady_process, tmp_path):
    result = steady_process.with_env(STEADY_LOG_LEVEL="INFO")("chat", "--json", stdin="CRAVING\nSTOP\nhello\nSTART\n")
    assert result.returncode == 0, result.stderr
    answers = json_lines(result.stdout)
    assert [set(a) for a in answers] == [{"intent", "replies"}] * 4
    assert [a["intent"] for a in answers] == ["craving", "stop", "fallback", "start"]
    assert answers[2]["replies"] == []
    for answer in (answers[0], answers[1], answers[3]):
        assert len(answer["replies"]) == 1
        assert HELPLINE_NUMBER in answer["replies"][0]
    assert "START" in answers[1]["replies"][0]
    assert "intent=craving" in result.stderr and CHAT_NUMBER_MASKED in result.stderr
    assert "5555550100" not in result.stderr + result.stdout
    with sqlite3.connect(tmp_path / "steady.sqlite3") as connection:   # the instance folder's file
        assert connection.execute("SELECT count(*) FROM people").fetchone() == (1,)


def test_chat_as_a_chicago_number_guesses_central_time(steady):
    (answer,) = steady.chat("DAILY", sender="+13125550123")
    assert answer["intent"] == "daily_on"
    assert "Central" in answer["replies"][0] and "1 msg/day" in answer["replies"][0]


def test_chat_from_something_that_is_not_a_number_fails_with_a_clear_message(steady):
    result = steady("chat", "--json", "--from", "nonsense", stdin="hello\n")
    assert result.returncode != 0
    assert "--from 'nonsense' is not a phone number" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("mode", [["--json"], []], ids=["json", "interactive"])
def test_chat_refuses_a_bad_from_before_reading_any_text(steady, mode):
    result = steady("chat", *mode, "--from", "nonsense", stdin="")
    assert result.returncode != 0
    assert "not a phone number" in result.stderr


def test_chat_runs_share_one_database_so_a_stop_holds_in_the_next_run(steady_on, tmp_path, database_url):
    (first,) = steady_on.chat("STOP")
    assert first["intent"] == "stop" and first["replies"]
    later = steady_on.chat("hello", "CRAVING", "START")
    assert [(a["intent"], bool(a["replies"])) for a in later] == [
        ("fallback", False), ("fallback", False), ("start", True)]
    uses_sqlite_file = database_url.startswith("sqlite")
    assert (tmp_path / "steady.sqlite3").exists() is uses_sqlite_file


# --- steady content check / db upgrade --------------------------------------------------

def test_content_check_lists_every_message_with_its_encoding_and_segments(steady):
    result = steady("content", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("examples: ") and "checked" in lines[-1]
    summary = re.fullmatch(r"(\d+) messages, 0 problems", lines[-2])
    assert summary, lines[-1]
    rows = [line for line in lines[:-2] if not line.startswith(" ")]
    assert len(rows) == int(summary.group(1)) > 20
    for row in rows:
        assert re.fullmatch(r"OK +\S+ +GSM-7 +\d+ chars [123] seg", row), row
    assert any(" safety.crisis " in row for row in rows)


def test_content_check_quiet_prints_only_the_summary_when_all_is_well(steady):
    result = steady("content", "check", "--quiet")
    assert result.returncode == 0
    assert re.fullmatch(r"\d+ messages, 0 problems\nexamples: \d+ crisis, .*checked.*\n", result.stdout)


def test_db_upgrade_succeeds_twice_and_leaves_the_database_at_head(steady_on, database_url, tmp_path):
    for _ in range(2):
        result = steady_on("db", "upgrade")
        assert result.returncode == 0, result.stderr
        assert "latest migration" in result.stdout
    url = db.normalize_url(database_url, str(tmp_path))
    engine = db.make_engine(url)
    try:
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()


# --- steady tick ------------------------------------------------------------------------

def _sign_up_for_daily(steady: Cli) -> datetime:
    """DAILY through chat (real clock); returns a minute past the first 9:00 AM it is due."""
    (answer,) = steady.chat("DAILY")
    assert answer["intent"] == "daily_on" and "9:00 AM" in answer["replies"][0]
    return next_nine_in_new_york(datetime.now(timezone.utc)) + timedelta(minutes=1)


def test_a_tick_after_a_daily_sign_up_sends_one_text_through_twilio_exactly_once_and_prints_no_body(
        steady, steady_process, fake):
    """The sending tick is the real console script in its own process (what it prints is
    the point); the sign-up and the ticks around it run in process, on the same database."""
    due = _sign_up_for_daily(steady)
    steady, process = steady.with_twilio(fake), steady_process.with_twilio(fake)
    early = steady("tick", "--now", iso(due - timedelta(minutes=2)))
    assert early.returncode == 0, early.stderr
    assert "0 enqueued" in early.stdout and "0 sent" in early.stdout

    result = process("tick", "--now", iso(due))
    assert result.returncode == 0, result.stderr
    assert "1 due, 1 enqueued" in result.stdout and "1 sent" in result.stdout
    (message,) = fake.messages
    assert message["To"] == CHAT_NUMBER and message["From"] == STEADY_NUMBER
    assert HELPLINE_NUMBER in message["Body"]
    output = result.stdout + result.stderr
    assert message["Body"] not in output and HELPLINE_NUMBER not in output and "to +1" not in output
    assert "5555550100" not in output

    again = steady("tick", "--now", iso(due + timedelta(seconds=30)))
    assert "0 enqueued" in again.stdout and "0 sent" in again.stdout
    assert len(fake.messages) == 1


def test_tick_refuses_a_now_that_is_not_a_time(steady):
    result = steady("tick", "--now", "garbage")
    assert result.returncode != 0
    assert "--now 'garbage' is not an ISO-8601 time" in result.stderr
    assert "Traceback" not in result.stderr


def test_tick_json_prints_one_json_object(steady, fake):
    result = steady.with_twilio(fake)("tick", "--json", "--now", "2026-11-24T14:00:00Z")
    assert result.returncode == 0, result.stderr
    (report,) = json_lines(result.stdout)
    assert report["now"] == "2026-11-24T14:00:00+00:00"
    assert report["errors"] == [] and report["send"]["sent"] == 0
    assert {"enqueue", "send", "pruned"} <= set(report)


def test_tick_json_stdout_is_one_json_object_and_no_body_when_a_text_is_sent(steady, fake):
    due = _sign_up_for_daily(steady)
    result = steady.with_twilio(fake)("tick", "--json", "--now", iso(due))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines
    assert json.loads(lines[0])["send"]["sent"] == 1
    (message,) = fake.messages
    assert message["Body"] not in result.stdout + result.stderr


# --- a wrong deploy fails loudly -----------------------------------------------------------

@pytest.mark.parametrize("command", ["tick", "clock"])
@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        ({}, TWILIO_SENDING),
        ({"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_FROM_NUMBER": STEADY_NUMBER}, TWILIO_SENDING[1:2]),
        ({"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "token"}, TWILIO_SENDING[2:]),
    ],
    ids=["none", "no-token", "no-sender"],
)
def test_tick_and_clock_refuse_to_start_without_twilio_settings_and_name_the_missing_ones(
    steady, command, settings, missing
):
    _sign_up_for_daily(steady)                 # a text is due: nothing may pretend to send it
    result = steady.with_env(**settings)(command)
    assert result.returncode != 0
    assert f"`steady {command}` cannot start" in result.stderr
    for name in TWILIO_SENDING:
        assert (name in result.stderr) is (name in missing), name
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("command", [["chat", "--json"], ["tick"], ["clock"]], ids=["chat", "tick", "clock"])
def test_commands_refuse_a_database_behind_the_code_and_leave_it_as_it_was(
    database_url, in_tmp, runner, fake, command
):
    steady = make_cli(in_tmp, _url_for(database_url), revision="0001", runner=runner).with_twilio(fake)
    result = steady(*command, stdin="hello\n")
    assert result.returncode != 0
    assert "behind this code's" in result.stderr and "run `steady db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert steady.revision() == "0001"


@pytest.mark.parametrize("command", [["chat", "--json"], ["tick"]], ids=["chat", "tick"])
def test_commands_refuse_a_database_never_migrated_and_create_no_tables(in_tmp, runner, fake, command):
    steady = make_cli(in_tmp, revision=None, runner=runner).with_twilio(fake)
    result = steady(*command, stdin="CRAVING\n")
    assert result.returncode != 0
    assert "never migrated" in result.stderr and "run `steady db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert steady.revision() is None
    assert steady("db", "upgrade").returncode == 0
    assert steady.revision() == db.head_revision()


# --- steady run -------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


@pytest.mark.slow
def test_run_migrates_and_starts_a_dev_server_that_answers_unsigned_texts_without_twilio(tmp_path):
    steady = make_cli(tmp_path, revision=None)   # a fresh checkout: `steady run` creates the database
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    out, err = tmp_path / "run.out", tmp_path / "run.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [str(STEADY), "run", "--port", str(port)], cwd=steady.cwd, env={**_hermetic(dict(os.environ)), **steady.env},
            stdout=stdout, stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 15
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            status = _get(f"{base}/")
            if status == 200:
                break
            time.sleep(0.1)
        assert status == 200, f"no health check within 15 s: {err.read_text()[-2000:]}"

        form = urllib.parse.urlencode({"From": "+14155550123", "Body": "CRAVING", "MessageSid": "SM" + "a" * 32})
        request = urllib.request.Request(f"{base}/sms", data=form.encode(), method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "application/xml"
            body = response.read().decode()
        assert "<Message>" in body and HELPLINE_NUMBER in body and "1-800-484-3731" in body
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert "signature checks are OFF" in err.read_text()
    assert f"listening on http://127.0.0.1:{port}/sms" in out.read_text()
    assert "Twilio sending is not configured" in out.read_text() and "numbers masked" in out.read_text()
    assert steady.revision() == db.head_revision()
    assert "4155550123" not in out.read_text() + err.read_text()
