"""bench/console.py with tiny numbers: it seeds, logs in, renders every console page and
ends with the JSON line the notes' figures come from."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_console_bench_renders_every_page_and_ends_with_a_json_summary():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "console.py"), "--people", "300", "--days", "40", "--requests", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    summary = json.loads(finished.stdout.strip().splitlines()[-1])
    assert (summary["people"], summary["days"], summary["database"]) == (300, 40, "sqlite")
    assert set(summary["pages"]) == {"/console", "/console?days=90", "/console/overview.csv", "/console/delivery",
                                     "/console/simulator", "/console/content", "/console/settings"}
    for page in summary["pages"].values():
        assert 0 < page["p50_ms"] <= page["p95_ms"] and page["bytes"] > 0
    assert summary["target_p95_ms_below"] == 300 and isinstance(summary["met"], bool)
