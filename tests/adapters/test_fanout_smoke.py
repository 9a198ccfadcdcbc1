"""bench/fanout.py end to end with 200 people on SQLite: it enqueues them, sends every one
through the real transport to the fake Twilio in its own process, checks each arrived
once, and ends with the JSON line the README's figures come from."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_KEYS = ("database", "subscribers", "enqueue_s", "enqueue_per_s", "enqueue_peak_mb",
            "send_rate_per_s", "sent", "send_peak_mb")


@pytest.mark.slow
def test_the_fanout_bench_sends_every_due_person_once_and_ends_with_a_json_summary():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fanout.py"), "--subscribers", "200", "--database", "sqlite",
         "--concurrency", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    summary = json.loads(finished.stdout.strip().splitlines()[-1])

    (run,) = summary["runs"]
    assert set(RUN_KEYS) <= run.keys()
    assert (run["database"], run["subscribers"], run["sent"], run["concurrency"]) == ("sqlite", 200, 200, 4)
    for key in ("enqueue_s", "enqueue_per_s", "enqueue_peak_mb", "send_rate_per_s", "send_peak_mb"):
        assert run[key] > 0, key
    assert summary["targets"] == {"enqueue_100k_s_at_most": 10, "send_per_s_at_least": 300}
    assert isinstance(summary["met"], bool)


@pytest.mark.slow
def test_the_fanout_bench_refuses_a_subscriber_count_below_one():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fanout.py"), "--subscribers", "0", "--database", "sqlite"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert finished.returncode != 0
    assert "at least 1" in finished.stderr
