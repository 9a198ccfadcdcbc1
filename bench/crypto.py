"""What encryption at rest (bot/crypto.py) adds to one inbound text, in microseconds.

A turn finds the person by the keyed hash of their number (two HMACs while a rotation
runs, one otherwise: `lookups` computes both either way), opens their number, plan and
open flow as it reads the row, and seals what it writes: the plan or flow when they change
and the replies kept for a repeated delivery. Run: python bench/crypto.py [--n 20000]
Prints one JSON object; `per_text_us` is the sum for a turn that changes its plan.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.crypto import Keys  # noqa: E402

NUMBER = "+14155550123"
PLAN = {"quit_date": "2026-12-07", "triggers": "payday, seeing my cousin", "coping": "call Ana 917-555-0142",
        "support": "walk to the river", "texts": True, "updated_at": "2026-11-24T05:08:00+00:00"}
REPLIES = ["Cravings come in waves, and they pass. Try this:\n1. Wait 10 minutes before deciding anything.\n"
           "2. Breathe slowly: in for 4, out for 6.\nSAMHSA Helpline: 1-800-662-4357 (free, 24/7)"]


def per_call_us(n: int, call) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) / n * 1e6


def measure(n: int = 20_000) -> dict[str, float]:
    """Microseconds per call of each step a turn takes, and `per_text_us`, their sum for a
    turn that changes its plan (both keys: the cost while a rotation runs)."""
    keys = Keys(b"k" * 43, old=b"o" * 43)
    plan = json.dumps(PLAN, separators=(",", ":"), sort_keys=True)
    replies = json.dumps(REPLIES)
    sealed_number, sealed_plan = keys.seal(NUMBER, "people.number"), keys.seal(plan, "people.plan")
    figures = {
        "lookup_hmac_us": per_call_us(n, lambda: keys.lookup(NUMBER)),
        "lookups_both_keys_us": per_call_us(n, lambda: keys.lookups(NUMBER)),
        "open_number_us": per_call_us(n, lambda: keys.open(sealed_number, "people.number")),
        "open_plan_us": per_call_us(n, lambda: keys.open(sealed_plan, "people.plan")),
        "seal_plan_us": per_call_us(n, lambda: keys.seal(plan, "people.plan")),
        "seal_replies_us": per_call_us(n, lambda: keys.seal(replies, "processed_messages.replies")),
    }
    figures["per_text_us"] = (figures["lookups_both_keys_us"] + figures["open_number_us"]
                              + 2 * figures["open_plan_us"] + figures["seal_plan_us"] + figures["seal_replies_us"])
    return {name: round(value, 2) for name, value in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="calls per figure")
    print(json.dumps(measure(parser.parse_args().n)))


if __name__ == "__main__":
    main()
