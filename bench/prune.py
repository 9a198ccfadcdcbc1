"""Retention benchmark: prune 100,000 old rows (message events, check-ins, settled outbox
rows with their bodies) and erase inactive people, as the clock's daily job does.

    .venv/bin/python bench/prune.py                         # 100,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/prune.py --rows 1000000 --database sqlite
    .venv/bin/python bench/prune.py --people 5000

For every database it prints readable lines, then one line that is a JSON object: rows
pruned per second (the counting before them included), people erased per second, the
longest single transaction (how long a text arriving meanwhile
could wait for SQLite's writer), and the peak of Python allocations.

How it is measured:
- Setup is not timed: a fresh database (an SQLite file in a temp dir, or a new schema on
  the PostgreSQL test server, dropped afterwards), migrated, then the rows inserted with
  executemany in chunks: 45% message events, 10% check-ins, 45% sent outbox rows with a
  body, all older than their limits, spread over 30 days (so 30 days are counted first),
  plus `--people` people inactive for longer than a year, each with a few rows of their own.
- Timed: `Retention.run(now)`: counting every day, then pruning in batches of
  bot.retention.BATCH ids (each its own transaction) and erasing the people, in batches.
- Memory: a second, identical run on a fresh database under tracemalloc (it slows Python
  allocation, so the timed run goes without it).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bench.databases import empty_database  # noqa: E402
from bot import crypto, db, models  # noqa: E402
from bot.retention import Retention  # noqa: E402
from bot.store import Store  # noqa: E402

NOW = datetime(2026, 12, 7, 0, 5, tzinfo=timezone.utc)
OLD = NOW - timedelta(days=230)
CHUNK = 10_000
MB = 1024 * 1024
BODY = "Today is a new day. Every hour you get through counts. Text CRAVING when it gets hard. " * 2


class TimedStore(Store):
    """A Store that remembers its longest transaction."""

    longest = 0.0

    @contextmanager
    def transaction(self):
        started = time.perf_counter()
        with super().transaction() as tx:
            yield tx
        self.longest = max(self.longest, time.perf_counter() - started)


class TimedRetention(Retention):
    """Retention that times erasing people apart from pruning rows."""

    erase_seconds = 0.0

    def _erase_inactive(self, *args, **kwargs):
        started = time.perf_counter()
        super()._erase_inactive(*args, **kwargs)
        self.erase_seconds = time.perf_counter() - started


@contextmanager
def database(kind: str):
    """An empty database of this kind, its SQLAlchemy URL (bench.databases makes and drops it)."""
    with tempfile.TemporaryDirectory(prefix="steady-prune-") as folder, \
            empty_database(kind, Path(folder), name="bench") as raw:
        yield db.normalize_url(raw, instance_path="")


# The rows it writes are sealed (bot.crypto) with a key of this run's own.
crypto.use(crypto.Keys(secrets.token_bytes(32)))


def fill(store: Store, rows: int, inactive: int) -> dict[str, int]:
    """Old rows for one active person, and `inactive` people a year and more quiet."""
    people = models.Person.__table__
    with store.transaction() as tx:
        active = tx.session.execute(insert(people).values(
            number="+12125550100", channel="sms", timezone="America/New_York", created_at=OLD,
            updated_at=NOW, last_inbound_at=NOW - timedelta(days=1)).returning(people.c.id)).scalar_one()
    shares = {"events": rows * 45 // 100, "checkins": rows * 10 // 100}
    shares["outbox"] = rows - shares["events"] - shares["checkins"]

    def at(n: int) -> datetime:
        return OLD + timedelta(days=n % 30, seconds=n % 86_400)

    def events(n: int) -> dict:
        return {"person_id": active, "direction": "in" if n % 2 else "out", "intent": "craving", "at": at(n),
                "message_sid": None}

    def checkins(n: int) -> dict:
        return {"person_id": active, "score": 1 + n % 5, "at": at(n)}

    def outbox(n: int) -> dict:
        return {"person_id": active, "kind": "daily", "slot": f"s{n}", "body": BODY, "status": "sent",
                "due_at": at(n), "next_attempt_at": at(n), "sent_at": at(n), "created_at": at(n), "attempts": 1}

    tables = {"events": (models.MessageEvent.__table__, events), "checkins": (models.Checkin.__table__, checkins),
              "outbox": (models.OutboxMessage.__table__, outbox)}
    for name, count in shares.items():
        table, row = tables[name]
        for start in range(0, count, CHUNK):
            with store.transaction() as tx:
                tx.session.execute(insert(table), [row(n) for n in range(start, min(count, start + CHUNK))])
    long_ago = NOW - timedelta(days=400)
    for start in range(0, inactive, CHUNK):
        with store.transaction() as tx:
            tx.session.execute(insert(people), [
                {"number": f"+1646{n:07d}", "channel": "sms", "timezone": "America/New_York",
                 "created_at": long_ago, "updated_at": long_ago, "last_inbound_at": long_ago}
                for n in range(start, min(inactive, start + CHUNK))])
    return shares


def one_run(kind: str, rows: int, inactive: int, traced: bool) -> dict:
    with database(kind) as url:
        db.upgrade(url)
        engine = db.make_engine(url)
        store = TimedStore(engine)
        shares = fill(store, rows, inactive)
        store.longest = 0.0
        retention = TimedRetention(store, keep_events=timedelta(days=180), keep_outbox=timedelta(days=14),
                              keep_people=timedelta(days=365), data_key=lambda: b"bench-key-" * 4)
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        report = retention.run(NOW)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        if traced:
            tracemalloc.stop()
        engine.dispose()
    pruned = report.events + report.checkins + report.outbox
    expected = (shares["events"], shares["checkins"], shares["outbox"], inactive)
    if (report.events, report.checkins, report.outbox, report.people) != expected:
        raise SystemExit(f"{kind}: pruned {report.as_dict()}, expected {expected}")
    rows_seconds = seconds - retention.erase_seconds
    return {"seconds": round(seconds, 2), "rows": pruned, "rows_per_s": round(pruned / rows_seconds),
            "people": report.people, "people_per_s": round(report.people / retention.erase_seconds),
            "days_counted": report.days_counted,
            "longest_transaction_ms": round(store.longest * 1000, 1),
            "peak_mb": None if peak is None else round(peak / MB, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=1_000, help="inactive people to erase")
    parser.add_argument("--database", default="sqlite,postgresql")
    args = parser.parse_args()
    summary = {"rows": args.rows, "inactive_people": args.people}
    for kind in args.database.split(","):
        timed = one_run(kind, args.rows, args.people, traced=False)
        timed["peak_mb"] = one_run(kind, args.rows, args.people, traced=True)["peak_mb"]
        print(f"{kind}: {timed['days_counted']} days counted, then {timed['rows']} rows pruned "
              f"({timed['rows_per_s']} rows/s, counting included) and {timed['people']} people erased "
              f"({timed['people_per_s']}/s), in {timed['seconds']} s all told; longest "
              f"transaction {timed['longest_transaction_ms']} ms; peak Python memory {timed['peak_mb']} MB")
        summary[kind] = timed
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
