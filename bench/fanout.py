"""Fan-out benchmark: N people due in the same minute, written to the outbox by the clock
and sent through the real Twilio transport to a loopback fake of Twilio's Messages API.

    .venv/bin/python bench/fanout.py                                  # 1,000 / 10,000 / 100,000
    .venv/bin/python bench/fanout.py --subscribers 10000 --database sqlite
    .venv/bin/python bench/fanout.py --subscribers 1000,100000 --send-limit 5000

For every (database, N) it prints readable lines, and at the end one line that is a JSON
object: time to enqueue, sends per second, peak memory. Targets (the issue): 100,000 due
people enqueued in at most 10 s; at least 300 sends per second (so Twilio's own rate,
about 1/s per long code and 100+/s per short code, is the ceiling, not Steady); memory
that does not grow with N.

How it is measured, and why:
- Each (database, N) runs in a fresh child process, so ru_maxrss (the process's peak
  resident set, which only ever rises) starts clean for every run.
- Setup is not timed: a fresh database (an SQLite file in a temp dir, or a new schema on
  the PostgreSQL test server, dropped afterwards), migrated, then N people inserted
  directly with SQL (daily texts on, 09:00 America/New_York, all due at the same instant)
  in chunks, so setup does not raise the memory high-water mark itself.
- Timed: `Daily.enqueue_due(now)`, then `Sender.send_due(now)` with the TwilioTransport
  that `bootstrap` builds, pointed at FakeTwilio running in ANOTHER process (a fake in the
  sender's process would compete with it for the GIL). Every row sent must end `sent`
  and the fake must have received exactly that many messages, each to a distinct number.
- `--send-limit M` sends only the first M rows (the rest are pushed a day ahead, untimed);
  the default is all rows up to 10,000 and 20,000 for larger N.
- Memory: the timed pass runs without tracemalloc (it slows Python allocation), and
  reports the ru_maxrss rise; unless --no-tracemalloc, a second, identical pass on a fresh
  database repeats enqueue and send under tracemalloc for the peak of Python allocations.
- The fake answers at once, so the send rate is Steady's own cost per text. Real Twilio
  takes a round trip per request; `--twilio-latency-ms 150` holds each answer that long,
  and the rate is then about STEADY_SEND_CONCURRENCY / round trip (8 threads: ~50/s).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:        # run as a script: tests.fakes lives at the project root
    sys.path.insert(0, str(ROOT))

from bench.databases import empty_database, postgres_answers, postgres_url  # noqa: E402

DEFAULT_SUBSCRIBERS = (1_000, 10_000, 100_000)
FULL_SEND_UP_TO = 10_000
DEFAULT_LARGE_SEND_LIMIT = 20_000

TARGET_ENQUEUE_100K_S = 10.0
TARGET_SEND_PER_S = 300.0

# 9:00 AM in New York on 24 November 2026 (EST, UTC-5): everyone's slot.
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)
ZONE = "America/New_York"
SENDER = "+15005550006"
INSERT_CHUNK = 5_000
MB = 1024 * 1024


# The fake Twilio, in a process of its own -------------------------------------------


def serve_fake(latency_ms: float) -> None:
    """Child mode: start FakeTwilio (holding each answer `latency_ms`, like Twilio's round
    trip), print its address as JSON, then answer commands on stdin ("count": how many
    messages and distinct recipients) until stdin closes."""
    from tests.fakes.twilio_api import FakeTwilio

    with FakeTwilio(delay=latency_ms / 1000) as fake:
        print(json.dumps({"base_url": fake.base_url, "account_sid": fake.account_sid,
                          "auth_token": fake.auth_token}), flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                messages = list(fake.messages)
                print(json.dumps({"messages": len(messages), "requests": fake.requests,
                                  "distinct_to": len({m["To"] for m in messages})}), flush=True)


class FakeProcess:
    """FakeTwilio in a child process, driven over its stdin/stdout."""

    def __init__(self, latency_ms: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-fake", "--twilio-latency-ms", str(latency_ms)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"fake Twilio did not start (exit {self.process.wait()})")
        info = json.loads(line)
        self.base_url, self.account_sid, self.auth_token = info["base_url"], info["account_sid"], info["auth_token"]

    def count(self) -> dict:
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# Databases --------------------------------------------------------------------------


def number_for(i: int) -> str:
    """A distinct, well-formed US number for person i (synthetic, never dialled)."""
    return f"+1212{i:07d}"


def insert_people(engine, count: int) -> None:
    """N people with daily texts on, all due at NOW, inserted in chunks (not timed)."""
    from bot.outbox import people

    def chunk(start: int, stop: int) -> list[dict]:
        return [{
            "number": number_for(i), "channel": "sms", "timezone": ZONE, "language": "en",
            "opted_out": False, "daily_enabled": True, "daily_time": "09:00", "daily_kinds": "both",
            "daily_next_at": NOW, "daily_cursor": 0, "undeliverable": False,
            "created_at": NOW - timedelta(days=1), "updated_at": NOW - timedelta(days=1),
        } for i in range(start, stop)]

    for start in range(0, count, INSERT_CHUNK):
        with engine.begin() as connection:
            connection.execute(people.insert(), chunk(start, min(count, start + INSERT_CHUNK)))


def hold_back_all_but(engine, limit: int) -> None:
    """Push every outbox row after the first `limit` a day ahead, so send_due sends `limit`."""
    from sqlalchemy import select, update

    from bot.outbox import outbox

    with engine.begin() as connection:
        last = connection.execute(select(outbox.c.id).order_by(outbox.c.id).offset(limit - 1).limit(1)).scalar()
        if last is not None:
            connection.execute(update(outbox).where(outbox.c.id > last)
                               .values(next_attempt_at=NOW + timedelta(days=1)))


def status_counts(engine) -> dict[str, int]:
    from sqlalchemy import func, select

    from bot.outbox import outbox

    with engine.connect() as connection:
        return dict(connection.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all())


# One run (a child process) -----------------------------------------------------------


def maxrss_mb() -> float:
    """This process's peak resident set so far (KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if platform.system() == "Darwin" else peak / 1024


def measured(work, trace: bool):
    """(result, seconds, tracemalloc peak in MB or None, ru_maxrss rise in MB) of work()."""
    rss_before = maxrss_mb()
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / MB if trace else None
    if trace:
        tracemalloc.stop()
    return result, seconds, peak, maxrss_mb() - rss_before


@dataclass
class Pass:
    enqueue_s: float
    enqueued: int
    send_s: float
    sent: int
    enqueue_peak_mb: float | None = None
    send_peak_mb: float | None = None
    enqueue_rss_mb: float = 0.0
    send_rss_mb: float = 0.0


def one_pass(kind: str, subscribers: int, send_limit: int, concurrency: int, latency_ms: float,
             trace: bool) -> Pass:
    """Set up, enqueue, send and check, on a fresh database and a fresh fake."""
    from bot import db
    from bot.app import bootstrap
    from bot.settings import Settings

    workdir = Path(tempfile.mkdtemp(prefix="steady-fanout-"))
    fake = FakeProcess(latency_ms)
    try:
        with empty_database(kind, workdir, name="fanout") as raw:
            url = db.normalize_url(raw, "")
            db.upgrade(url)
            settings = Settings.from_env().with_(
                database_url=url, instance_path=str(workdir), log_level="WARNING",
                twilio_account_sid=fake.account_sid, twilio_auth_token=fake.auth_token,
                twilio_from_number=SENDER, twilio_messaging_service_sid=None,
                twilio_api_base_url=fake.base_url, public_base_url=None, status_callback_url=None,
                send_concurrency=concurrency,
            )
            steady = bootstrap(settings)
            engine = steady.store.engine
            try:
                insert_people(engine, subscribers)

                written, enqueue_s, enqueue_peak, enqueue_rss = measured(lambda: steady.daily.enqueue_due(NOW), trace)
                if (written.due, written.enqueued) != (subscribers, subscribers):
                    raise RuntimeError(f"enqueue wrote {written.enqueued} of {subscribers} (due {written.due})")
                if status_counts(engine) != {"pending": subscribers}:
                    raise RuntimeError(f"outbox after enqueue: {status_counts(engine)}")

                if send_limit < subscribers:
                    hold_back_all_but(engine, send_limit)
                report, send_s, send_peak, send_rss = measured(lambda: steady.sender.send_due(NOW), trace)
                check_sent(report, status_counts(engine), fake.count(), subscribers, send_limit)
            finally:
                close = getattr(steady.transport, "close", None)
                if close:
                    close()
                engine.dispose()
    finally:
        fake.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return Pass(enqueue_s, written.enqueued, send_s, report.sent, enqueue_peak, send_peak, enqueue_rss, send_rss)


def check_sent(report, statuses: dict[str, int], fake: dict, subscribers: int, sent: int) -> None:
    """Every row sent ended `sent`, the rest are still pending, and the fake got each once."""
    expected = {"sent": sent}
    if subscribers > sent:
        expected["pending"] = subscribers - sent
    problems = []
    if (report.claimed, report.sent, report.retried, report.failed, report.cancelled) != (sent, sent, 0, 0, 0):
        problems.append(f"send report {report}")
    if statuses != expected:
        problems.append(f"outbox statuses {statuses}, expected {expected}")
    if (fake["messages"], fake["requests"], fake["distinct_to"]) != (sent, sent, sent):
        problems.append(f"fake Twilio saw {fake}, expected {sent} messages to {sent} numbers")
    if problems:
        raise RuntimeError("; ".join(problems))


def run_one(kind: str, subscribers: int, send_limit: int, concurrency: int, latency_ms: float,
            trace: bool) -> dict:
    """Child mode: the timed pass, then (optionally) the tracemalloc pass; one JSON dict."""
    timed = one_pass(kind, subscribers, send_limit, concurrency, latency_ms, trace=False)
    traced = one_pass(kind, subscribers, send_limit, concurrency, latency_ms, trace=True) if trace else None
    return {
        "database": kind,
        "subscribers": subscribers,
        "enqueue_s": round(timed.enqueue_s, 3),
        "enqueue_per_s": round(timed.enqueued / timed.enqueue_s) if timed.enqueue_s else None,
        "enqueue_peak_mb": round(traced.enqueue_peak_mb, 2) if traced else None,
        "enqueue_rss_delta_mb": round(timed.enqueue_rss_mb, 1),
        "send_rate_per_s": round(timed.sent / timed.send_s, 1) if timed.send_s else None,
        "sent": timed.sent,
        "send_s": round(timed.send_s, 3),
        "send_peak_mb": round(traced.send_peak_mb, 2) if traced else None,
        "send_rss_delta_mb": round(timed.send_rss_mb, 1),
        "concurrency": concurrency,
        "twilio_latency_ms": latency_ms,
    }


# The driver ---------------------------------------------------------------------------


def parse_counts(values: list[str] | None) -> list[int]:
    if not values:
        return list(DEFAULT_SUBSCRIBERS)
    counts = []
    for value in values:
        for part in value.split(","):
            part = part.strip().replace("_", "")
            if part:
                count = int(part)
                if count < 1:
                    raise ValueError("--subscribers must be at least 1")
                counts.append(count)
    return counts


def send_limit_for(subscribers: int, requested: int | None) -> int:
    if requested is not None:
        return max(1, min(requested, subscribers))
    return subscribers if subscribers <= FULL_SEND_UP_TO else min(subscribers, DEFAULT_LARGE_SEND_LIMIT)


def judge(runs: list[dict]) -> bool:
    """The issue's targets: at least 300 sends/s in every run, and 100,000 people enqueued in
    10 s, judged on each database's largest run (scaled to 100,000: rows per second is
    what batching keeps flat, while small runs mostly measure start-up)."""
    largest: dict[str, dict] = {}
    for run in runs:
        if run["subscribers"] >= largest.get(run["database"], {"subscribers": 0})["subscribers"]:
            largest[run["database"]] = run
    enqueue_ok = all(r["enqueue_s"] * 100_000 / r["subscribers"] <= TARGET_ENQUEUE_100K_S for r in largest.values())
    send_ok = all(r["send_rate_per_s"] >= TARGET_SEND_PER_S for r in runs)
    return bool(runs) and enqueue_ok and send_ok


def describe(run: dict) -> str:
    peaks = (f"tracemalloc peak enqueue {run['enqueue_peak_mb']} MB, send {run['send_peak_mb']} MB; "
             if run["enqueue_peak_mb"] is not None else "")
    return (
        f"{run['database']:<10} N={run['subscribers']:>7,}  enqueue {run['enqueue_s']:.2f} s "
        f"({run['enqueue_per_s']:,}/s)  send {run['sent']:,} in {run['send_s']:.2f} s "
        f"({run['send_rate_per_s']:,}/s, {run['concurrency']} threads"
        f"{', Twilio latency %g ms' % run['twilio_latency_ms'] if run['twilio_latency_ms'] else ''})  "
        f"{peaks}ru_maxrss rise enqueue {run['enqueue_rss_delta_mb']} MB, send {run['send_rss_delta_mb']} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", action="append", metavar="N[,N...]",
                        help="people due at once (repeatable or a comma list; default 1000,10000,100000)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"),
                        help="default: both when PostgreSQL answers (STEADY_TEST_POSTGRES_URL), else sqlite")
    parser.add_argument("--concurrency", type=int, help="sender threads (default: STEADY_SEND_CONCURRENCY, 8)")
    parser.add_argument("--send-limit", type=int, metavar="M",
                        help=f"send only the first M rows (default: all up to {FULL_SEND_UP_TO:,}, "
                             f"then {DEFAULT_LARGE_SEND_LIMIT:,})")
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="skip the second pass that measures Python allocations with tracemalloc")
    parser.add_argument("--twilio-latency-ms", type=float, default=0.0, metavar="MS",
                        help="the fake holds each answer this long, like Twilio's round trip (default 0)")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--one", metavar="DATABASE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve_fake:
        serve_fake(args.twilio_latency_ms)
        return 0

    from bot.settings import Settings

    try:
        counts = parse_counts(args.subscribers)
    except ValueError as exc:
        parser.error(str(exc) if "at least" in str(exc) else f"--subscribers takes whole numbers: {exc}")
    concurrency = args.concurrency or Settings.from_env().send_concurrency
    if concurrency < 1:
        parser.error("--concurrency must be at least 1")
    if args.send_limit is not None and args.send_limit < 1:
        parser.error("--send-limit must be at least 1")
    if args.twilio_latency_ms < 0:
        parser.error("--twilio-latency-ms must not be negative")

    if args.one:                      # child: exactly one (database, N)
        (subscribers,) = counts
        result = run_one(args.one, subscribers, send_limit_for(subscribers, args.send_limit), concurrency,
                         args.twilio_latency_ms, trace=not args.no_tracemalloc)
        print(json.dumps(result), flush=True)
        return 0

    if args.database in (None, "both"):
        pg = postgres_answers()
        if args.database == "both" and not pg:
            print(f"PostgreSQL does not answer at {postgres_url()}; SQLite only", flush=True)
        databases = ["sqlite", "postgresql"] if pg else ["sqlite"]
    else:
        databases = [args.database]

    runs = []
    for kind in databases:
        for subscribers in counts:
            command = [sys.executable, str(Path(__file__).resolve()), "--one", kind,
                       "--subscribers", str(subscribers), "--concurrency", str(concurrency)]
            if args.send_limit is not None:
                command += ["--send-limit", str(args.send_limit)]
            if args.no_tracemalloc:
                command.append("--no-tracemalloc")
            if args.twilio_latency_ms:
                command += ["--twilio-latency-ms", str(args.twilio_latency_ms)]
            child = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
            lines = child.stdout.strip().splitlines()
            if child.returncode != 0 or not lines:
                print(f"{kind} N={subscribers}: the run failed (exit {child.returncode})", file=sys.stderr)
                return 1
            run = json.loads(lines[-1])
            runs.append(run)
            print(describe(run), flush=True)

    met = judge(runs)
    print(f"targets: 100,000 enqueued in <= {TARGET_ENQUEUE_100K_S:g} s, >= {TARGET_SEND_PER_S:g} sends/s: "
          f"{'met' if met else 'NOT met'}", flush=True)
    print(json.dumps({
        "runs": runs,
        "targets": {"enqueue_100k_s_at_most": TARGET_ENQUEUE_100K_S, "send_per_s_at_least": TARGET_SEND_PER_S},
        "met": met,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
