"""Console benchmark: the Overview, its CSV and the Delivery page with 100,000 people and a
year of daily aggregates, rendered through Flask's test client (no network), logged in.

    .venv/bin/python bench/console.py                          # 100,000 people, 365 days, SQLite
    .venv/bin/python bench/console.py --database postgresql
    .venv/bin/python bench/console.py --people 500 --days 40 --requests 3    # the smoke test's size

Setup is not timed: a fresh database, migrated; people inserted with executemany in chunks
(numbers sealed as in production; 30% on daily texts, 10% with a quit plan); `--days` days
of daily_counts rows (every metric the clock counts, ~50 rows a day) marked counted up to
yesterday; today's detail (message events, plans, check-ins, scheduled texts pending and
sent) so the pages count today live, as they do in production; one clock tick; on
PostgreSQL an ANALYZE (a live database has the statistics autovacuum keeps).
Timed: each page `--requests` times after 2 warm-ups; p50 and p95 in milliseconds of wall
time, and the median CPU time of this process (what the page costs when the machine is not
shared; the wall time also holds other processes' turns on a busy machine: the load
average is reported). The target (issue 14) is under 300 ms. The last line is a JSON
object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bench.databases import empty_database  # noqa: E402
from bot import clock, crypto, models  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.console import auth, staff  # noqa: E402
from bot.retention import COUNTED, FINISHED, _set_mark  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.transport import MemoryTransport  # noqa: E402
from flows.corpus import CRISIS_KINDS  # noqa: E402

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
CHUNK = 5_000
EMAIL, PASSWORD = "bench@example.org", "a long enough bench password"
PAGES = ("/console", "/console?days=90", "/console/overview.csv", "/console/delivery", "/console/simulator",
         "/console/content", "/console/settings")
TARGET_MS = 300
INTENTS = ("craving", "slip", "plan", "withdrawal", "crisis", "thanks", "feeling", "help")


def _chunks(rows, size=CHUNK):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def seed(store, people: int, days: int) -> None:
    """The people, a year of counts, today's detail and a tick (see the module docstring)."""
    rng = random.Random(14)
    created = NOW - timedelta(days=days)
    table = models.Person.__table__
    rows = []
    for n in range(people):
        plan = ({"quit_date": (TODAY - timedelta(days=n % 40)).isoformat(), "texts": True, "triggers": "t"}
                if n % 10 == 0 else None)
        rows.append({"number": f"+1555{n:07d}", "channel": "sms", "timezone": "America/New_York",
                     "created_at": created + timedelta(minutes=n % 1000), "updated_at": created,
                     "daily_enabled": n % 10 < 3, "plan": plan, "last_inbound_at": created})
    for part in _chunks(rows):
        with store.transaction() as tx:
            tx.session.execute(insert(table), part)
    counts = []
    for back in range(1, days + 1):
        day = TODAY - timedelta(days=back)
        def add(metric, key, n):
            counts.append({"day": day, "metric": metric, "key": key, "count": n})
        add("people_texted", "", rng.randint(200, 900))
        add("new_people", "", rng.randint(10, 80))
        for intent in INTENTS:
            add("texts_in", intent, rng.randint(5, 400))
            add("replies", intent, rng.randint(5, 400))
        for kind in CRISIS_KINDS:
            add("crisis_kinds", kind, rng.randint(0, 9))
        for kind in ("opt_in", "opt_out", "daily_on", "daily_off", "plan_texts_on", "plan_texts_off"):
            add("consent", kind, rng.randint(0, 40))
        for score in "12345":
            add("checkin_scores", score, rng.randint(0, 60))
        add("plans", "made", rng.randint(0, 30))
        add("plans", "changed", rng.randint(0, 10))
        for status, n in (("sent", rng.randint(20000, 30000)), ("failed", rng.randint(0, 900)),
                          ("cancelled", rng.randint(0, 300))):
            add("outbox", status, n)
            add("outbox_kind", f"daily:{status}", n)
        add("outbox_delivery", "delivered", rng.randint(19000, 20000))
        add("outbox_delivery", "undelivered", rng.randint(0, 400))
        for code in ("30003", "30005", "30006", "30007", "21610"):
            add("outbox_reason", f"failed:{code}", rng.randint(0, 100))
            add("outbox_error", code, rng.randint(0, 50))
        add("outbox_reason", "cancelled:quiet_hours", rng.randint(0, 200))
        for offset in (-3, -1, 0, 1, 2, 3, 7, 14, 30):
            add("quit_day", str(offset), rng.randint(20, 60))
        for name, n in (("total", people), ("opted_in", people * 9 // 10), ("daily", people * 3 // 10),
                        ("quit_date_texts", people // 10), ("with_plan", people // 10), ("undeliverable", 12)):
            add("people", name, n)
    with store.transaction() as tx:
        for part in _chunks(counts):
            tx.session.execute(insert(models.DailyCount.__table__), part)
        midnight = datetime.combine(TODAY, datetime.min.time(), tzinfo=timezone.utc)
        _set_mark(tx, COUNTED, midnight - timedelta(days=1))
        _set_mark(tx, FINISHED, midnight + timedelta(minutes=1))
    # Today's detail, counted live by the pages: ~2% of people texted, a few plans, check-ins,
    # and the day's scheduled texts (half sent, half still pending).
    today = [NOW - timedelta(minutes=rng.randint(1, 800)) for _ in range(max(1, people // 50))]
    events = [{"person_id": 1 + i % people, "direction": d, "intent": INTENTS[i % len(INTENTS)], "at": at,
               "message_sid": None, "crisis_kind": "suicide" if INTENTS[i % len(INTENTS)] == "crisis" and d == "in"
               else None} for i, at in enumerate(today) for d in ("in", "out")]
    outbox = [{"person_id": 1 + i, "kind": "daily", "slot": TODAY.isoformat(), "body": "Daily text",
               "status": "sent" if i % 2 else "pending", "due_at": NOW - timedelta(minutes=i % 600),
               "next_attempt_at": NOW, "attempts": i % 2, "created_at": NOW, "sent_at": NOW if i % 2 else None,
               "delivery_status": "delivered" if i % 2 else None}
              for i in range(max(1, people * 3 // 10))]
    with store.transaction() as tx:
        for part in _chunks(events):
            tx.session.execute(insert(models.MessageEvent.__table__), part)
        for part in _chunks(outbox):
            tx.session.execute(insert(models.OutboxMessage.__table__), part)
        tx.session.execute(insert(models.PlanEvent.__table__),
                           [{"person_id": 1 + i, "kind": "made", "at": NOW - timedelta(hours=1)} for i in range(20)])
        tx.session.execute(insert(models.Checkin.__table__),
                           [{"person_id": 1 + i, "score": 1 + i % 5, "at": NOW - timedelta(hours=2)} for i in range(50)])
    clock.record_tick(store, NOW - timedelta(seconds=30), 0.42, 0)
    if store.engine.dialect.name == "postgresql":   # statistics, as autovacuum keeps them on a live database
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def login(client) -> None:
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/console/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code


def measure(client, path: str, requests: int) -> dict:
    for _ in range(2):
        client.get(path)
    times, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1),
            "cpu_p50_ms": round(statistics.median(cpu), 1), "bytes": len(response.data)}


def run(kind: str, people: int, days: int, requests: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="steady-console-bench-") as workdir, \
            empty_database(kind, Path(workdir)) as url:
        settings = Settings(database_url=url, instance_path=workdir, console=True,
                            secret_key="bench-secret-key-0123456789-abcdefghijkl", data_key="b" * 32,
                            twilio_auth_token="bench", console_secure_cookie=False, log_level="WARNING")
        crypto.use_settings(settings)
        app = create_app(settings, transport=MemoryTransport(), migrate=True)
        app.config[auth.CLOCK] = lambda: NOW
        store = app.extensions["steady"].store
        started = time.perf_counter()
        seed(store, people, days)
        staff.add(store, EMAIL, PASSWORD, NOW)
        setup = time.perf_counter() - started
        client = app.test_client()
        login(client)
        pages = {path: measure(client, path, requests) for path in PAGES}
        store.engine.dispose()
    for path, found in pages.items():
        print(f"{kind:10} {path:24} p50 {found['p50_ms']:7.1f} ms  p95 {found['p95_ms']:7.1f} ms  "
              f"(CPU p50 {found['cpu_p50_ms']:.1f} ms; {found['bytes']} bytes)", file=sys.stderr)
    return {"database": kind, "people": people, "days": days, "requests": requests, "setup_s": round(setup, 1),
            "pages": pages, "met": all(p["p95_ms"] < TARGET_MS for p in pages.values()),
            "load_average": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    result = run(args.database, args.people, args.days, args.requests)
    result["target_p95_ms_below"] = TARGET_MS
    print(json.dumps(result))


if __name__ == "__main__":
    main()
