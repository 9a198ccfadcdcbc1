"""Understanding benchmark: CPU per text for the whole understanding step, and build time.

For every text in content/examples/ (and the held-out file), times what a turn spends
reading it: the Message built once, the crisis rules, the model over the text and its
sentences, the keyword and setting checks and the intent (`Understanding.crisis` and
`Understanding.intent`, cold: a new Understanding's memo is empty for each text).
Prints p50, p99 and max per text, then the model build time (training from the
examples, and loading from the disk cache), then one JSON line.

    .venv/bin/python bench/understand.py [--repeat 3]

Targets (issue 8): p99 under 1 ms per text, build under 2 s (or cached by a hash).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import content as content_package  # noqa: E402
from bot import understanding as training  # noqa: E402
from bot.evaluation import load_heldout  # noqa: E402
from flows.matcher import Matcher  # noqa: E402
from flows.message import Message  # noqa: E402
from flows.understand import Understanding  # noqa: E402

TARGET_P99_MS = 1.0
TARGET_BUILD_S = 2.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the texts (the best pass per text counts)")
    args = parser.parse_args(argv)

    loaded = content_package.load()
    matcher = Matcher(loaded.keywords)
    corpus = loaded.examples

    started = time.perf_counter()
    models = training.train(corpus).models
    train_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as cache:
        training._save(models, Path(cache) / "m.npz")
        started = time.perf_counter()
        training._load(Path(cache) / "m.npz")
        load_s = time.perf_counter() - started

    texts = [e.text for e in corpus.examples]
    heldout = Path(__file__).resolve().parent.parent / "tests" / "data" / "heldout.yaml"
    if heldout.exists():
        texts += [e.text for e in load_heldout(heldout)]
    best = [float("inf")] * len(texts)
    for _ in range(max(1, args.repeat)):
        for i, text in enumerate(texts):
            understanding = Understanding(models, matcher)   # nothing remembered between texts
            t0 = time.process_time_ns()
            message = Message.of(text)
            understanding.crisis(message)
            understanding.intent(message)
            best[i] = min(best[i], (time.process_time_ns() - t0) / 1e6)
    p50, p99, worst = percentile(best, 0.50), percentile(best, 0.99), max(best)
    print(f"understanding, CPU per text over {len(texts)} texts: p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
          f"max {worst:.3f} ms (target p99 < {TARGET_P99_MS} ms)")
    print(f"model build: trained in {train_s:.2f} s from {len(corpus.examples)} examples; "
          f"loaded from the disk cache in {load_s:.2f} s (target < {TARGET_BUILD_S} s, or cached)")
    result = {
        "texts": len(texts), "p50_ms": round(p50, 4), "p99_ms": round(p99, 4), "max_ms": round(worst, 4),
        "train_s": round(train_s, 3), "cache_load_s": round(load_s, 3),
        "p99_target_met": p99 < TARGET_P99_MS,
        "build_target_met": train_s < TARGET_BUILD_S or load_s < TARGET_BUILD_S,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
