"""bench/webhook.py end to end with tiny numbers: it starts all three servers under gunicorn,
drives them, stops them and ends with the JSON line the README's figures come from."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_KEYS = ("rps", "p50_ms", "p99_ms", "errors")


@pytest.mark.slow
def test_the_webhook_bench_ends_with_a_json_summary_of_all_three_servers():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "webhook.py"),
         "--requests", "60", "--warmup", "10", "--concurrency", "4", "--workers", "1", "--threads", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    summary = json.loads(finished.stdout.strip().splitlines()[-1])

    for server in ("steady", "bare", "durable"):
        assert set(SERVER_KEYS) <= summary[server].keys()
        assert summary[server]["errors"] == 0
        for key in ("rps", "p50_ms", "p99_ms"):
            assert summary[server][key] > 0, (server, key)
    assert summary["steady"]["replies_checked"] > 0
    assert summary["steady"]["bad_replies"] == 0
    assert summary["ratio"] == pytest.approx(summary["steady"]["rps"] / summary["bare"]["rps"], abs=0.001)
    assert (summary["workers"], summary["threads"], summary["concurrency"], summary["requests"]) == (1, 2, 4, 60)
    assert summary["database"] == "sqlite"
    assert summary["ratio_durable"] == pytest.approx(summary["steady"]["rps"] / summary["durable"]["rps"], abs=0.001)
    assert summary["targets"] == {"ratio_durable_at_least": 0.25, "ratio_goal": 0.5, "p99_ms_below": 50}
    assert isinstance(summary["met"], bool)


@pytest.mark.slow
def test_the_load_bench_runs_the_procfile_web_line_and_reports_5xx_latency_and_memory():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"),
         "--requests", "60", "--warmup", "10", "--concurrency", "4", "--every", "30"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    summary = json.loads(finished.stdout.strip().splitlines()[-1])
    steady = summary["steady"]
    assert (steady["5xx"], steady["no_answer"], steady["errors"], steady["bad_replies"]) == (0, 0, 0, 0)
    assert steady["replies_checked"] > 0 and 0 < steady["p50_ms"] <= steady["p99_ms"]
    assert len(steady["rss_mb"]) == 3 and all(mb > 0 for mb in steady["rss_mb"])
    assert (summary["workers"], summary["threads"], summary["requests"]) == (1, 4, 60)
    assert isinstance(summary["met"], bool)
