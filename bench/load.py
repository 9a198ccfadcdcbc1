"""Load test of the shipped web process: the Procfile's `web:` line as written (gunicorn,
bot/gunicorn_conf.py, its worker class, workers and threads), driven by `--concurrency`
keep-alive clients with `--requests` distinct signed texts (each its own MessageSid,
no number over the loop guard's limit).

Prints the 5xx count (and any other non-200 answers), p50/p99/max latency, and the
server's resident memory (master and workers, summed) after the warm-up, every
`--every` texts and at the end: memory should stay flat. Ends with one JSON line.

    .venv/bin/python bench/load.py                          # SQLite, 16 clients, 8,000 texts
    .venv/bin/python bench/load.py --database postgresql    # a fresh schema on the test server

Targets: no 5xx, p99 under 50 ms, memory flat (end within 10% of start). The machine's
load average is printed: other work on it skews the latencies.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):           # run as a script: bench/ and bot/ from this checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import webhook
from bench.databases import POSTGRES_DEFAULT_URL, empty_database

ROOT = webhook.ROOT
TARGET_P99_MS = webhook.TARGET_P99_MS
MEMORY_GROWTH_LIMIT = 0.10


def procfile_web() -> str:
    """The Procfile's web command, as the platform runs it."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line[len("web:"):].strip()
    raise RuntimeError("the Procfile has no web: line")


def start_web(env: dict[str, str], workdir: Path, name: str = "web") -> webhook.Server:
    """The Procfile's web line on a free port (PORT), in its own process group; waits
    for GET /. gunicorn and steady are looked up next to this Python first."""
    port = webhook.free_port()
    env = dict(env, PORT=str(port), PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(["/bin/sh", "-c", "exec " + procfile_web()], cwd=ROOT, env=env,
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    server = webhook.Server(name, process, port, log_path)
    deadline = time.monotonic() + webhook.SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the web process exited with {process.returncode}:\n{server.log_tail()}")
        if webhook.get_ok(port):
            return server
        time.sleep(0.1)
    webhook.stop_server(server)
    raise RuntimeError(f"the web process did not answer GET / in time:\n{server.log_tail()}")


def rss_kb(pid: int) -> int:
    """Resident memory of a gunicorn master and its live workers, in KiB (Linux /proc)."""
    total = 0
    for one in [pid] + webhook._children(pid):
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=8000, help="measured texts (default 8000)")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured texts first (default 200)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--every", type=int, default=2000, help="sample memory every N texts (default 2000)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("STEADY_TEST_POSTGRES_URL") or POSTGRES_DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    for name in ("requests", "concurrency", "every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def server_env(workdir: Path, database_url: str, token: str) -> dict[str, str]:
    """The environment a deploy gives the web process; workers and threads are left to
    bot/gunicorn_conf.py (WEB_CONCURRENCY or STEADY_WEB_THREADS, if set, are kept)."""
    env = dict(os.environ)
    for name in ("TWILIO_VERIFY_SIGNATURES", "STEADY_PUBLIC_URL", "STEADY_TRUST_PROXY"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=database_url,
        TWILIO_AUTH_TOKEN=token,
        STEADY_INSTANCE_PATH=str(workdir / "instance"),
        STEADY_MODEL_CACHE=os.environ.get("STEADY_MODEL_CACHE") or str(workdir / "models"),
        STEADY_LOG_LEVEL="WARNING",
        # Required with PostgreSQL (bot.crypto): the caller's, else one for this run.
        STEADY_DATA_KEY=os.environ.get("STEADY_DATA_KEY") or secrets.token_urlsafe(32),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )
    return env


def shipped_shape(env: dict[str, str]) -> tuple[int, int]:
    """(workers, threads) bot/gunicorn_conf.py gives this environment."""
    shown = subprocess.run(
        [sys.executable, "-c", "from bot import gunicorn_conf as c; print(c.workers, c.threads)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    workers, threads = shown.stdout.split()
    return int(workers), int(threads)


def run(args: argparse.Namespace, env: dict[str, str], workdir: Path, token: str) -> dict:
    stream = webhook.text_stream(args.warmup + args.requests, 0, args.seed)
    server = start_web(env, workdir)
    try:
        requests = webhook.signed_requests(stream, server.port, token)
        warmup, measured = requests[:args.warmup], requests[args.warmup:]
        if warmup:
            webhook.drive(server.port, warmup, args.concurrency)
        pid = server.process.pid
        memory = [rss_kb(pid)]
        results = []
        for start in range(0, len(measured), args.every):
            results.append(webhook.drive(server.port, measured[start:start + args.every], args.concurrency, pid))
            memory.append(rss_kb(pid))
        if server.process.poll() is not None:
            raise RuntimeError(f"the web process died during the run:\n{server.log_tail()}")
        log_tail = server.log_tail(10)
    finally:
        webhook.stop_server(server)
    merged = webhook.RunResult()
    for part in results:
        merged.latencies.extend(part.latencies)
        merged.samples.extend(part.samples)
        for status, count in part.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + count
        merged.wall_s += part.wall_s
        merged.server_cpu_s += part.server_cpu_s
        merged.database_cpu_s += part.database_cpu_s
        merged.client_cpu_s += part.client_cpu_s
    busy = [part.machine_busy for part in results if part.machine_busy is not None]
    merged.machine_busy = sum(busy) / len(busy) if busy else None
    merged.errors = sum(merged.statuses.values())
    summary = webhook.summarise(merged, len(measured))
    summary["5xx"] = sum(count for status, count in merged.statuses.items() if status >= 500)
    summary["no_answer"] = merged.statuses.get(0, 0)
    summary["rss_mb"] = [round(kb / 1024, 1) for kb in memory]
    summary["rss_growth"] = round((memory[-1] - memory[0]) / memory[0], 3) if memory[0] else None
    checked, problems = webhook.check_replies(merged.samples)
    summary["replies_checked"], summary["bad_replies"] = checked, len(problems)
    if merged.errors:
        summary["log_tail"] = log_tail
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    token = secrets.token_hex(16)
    workdir = Path(tempfile.mkdtemp(prefix="steady-load-"))
    load_before = webhook.load_average()
    try:
        with empty_database(args.database, workdir, args.postgres_url) as url:
            env = server_env(workdir, url, token)
            workers, threads = shipped_shape(env)
            print(f"load: {args.requests} texts (+{args.warmup} warm-up), {args.concurrency} clients, the Procfile's "
                  f"web line: {workers} workers x {threads} threads, {args.database}, {os.cpu_count()} CPUs, "
                  f"load average {load_before:.2f}", flush=True)
            upgrade = subprocess.run(webhook.steady_command() + ["db", "upgrade"], cwd=ROOT, env=env,
                                     capture_output=True, text=True, timeout=120, check=False)
            if upgrade.returncode != 0:
                raise RuntimeError(f"steady db upgrade failed:\n{upgrade.stdout}{upgrade.stderr}")
            webhook.warm_model_cache(env["STEADY_MODEL_CACHE"])
            summary = run(args, env, workdir, token)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    flat = summary["rss_growth"] is not None and summary["rss_growth"] <= MEMORY_GROWTH_LIMIT
    met = (summary["5xx"] == 0 and summary["errors"] == 0 and summary["p99_ms"] < TARGET_P99_MS and flat
           and summary["replies_checked"] > 0 and summary["bad_replies"] == 0)
    print(f"  {summary['rps']:.1f} texts/s   p50 {summary['p50_ms']:.2f} ms   p99 {summary['p99_ms']:.2f} ms   "
          f"max {summary['max_ms']:.2f} ms", flush=True)
    print(f"  5xx: {summary['5xx']}   no answer: {summary['no_answer']}   other non-200: "
          f"{summary['errors'] - summary['5xx'] - summary['no_answer']}   sampled replies checked: "
          f"{summary['replies_checked']} ({summary['bad_replies']} bad)", flush=True)
    print(f"  RSS (master + workers) after warm-up, every {args.every} texts, at the end: "
          f"{' -> '.join(f'{mb:.1f}' for mb in summary['rss_mb'])} MB "
          f"({summary['rss_growth']:+.1%})" if summary["rss_growth"] is not None else "  RSS: unknown", flush=True)
    database = (f", PostgreSQL {summary['database_cpu_ms_per_request']:.3f} ms/text"
                if args.database == "postgresql" else "")
    print(f"  CPU per text: server {summary['server_cpu_ms_per_request']:.3f} ms{database}, "
          f"load client {summary['client_cpu_ms_per_request']:.3f} ms", flush=True)
    print(f"  machine busy "
          f"{summary['machine_busy_pct']}% of {os.cpu_count()} cores, load average {load_before:.2f} before, "
          f"{webhook.load_average():.2f} after", flush=True)
    print(f"  targets (no 5xx, p99 < {TARGET_P99_MS:.0f} ms, memory within {MEMORY_GROWTH_LIMIT:.0%}): "
          + ("met" if met else "NOT met"), flush=True)
    print(json.dumps({
        "steady": summary, "workers": workers, "threads": threads, "concurrency": args.concurrency,
        "requests": args.requests, "database": args.database, "load_average_before": round(load_before, 2),
        "targets": {"5xx": 0, "p99_ms_below": TARGET_P99_MS, "rss_growth_at_most": MEMORY_GROWTH_LIMIT},
        "met": met,
    }), flush=True)
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)   # Ctrl-C and SIGTERM both stop the server
    sys.exit(main())
