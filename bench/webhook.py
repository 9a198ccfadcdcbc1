"""Webhook benchmark: Steady's POST /sms against a bare Flask endpoint and the durable
ceiling, all three under gunicorn.

The durable ceiling (bench/durable_app.py) verifies the signature, inserts and commits
one row and returns fixed TwiML: the least a webhook that keeps every text can do.
All servers run as real subprocesses with the same gunicorn command, config, workers
and threads. The same stream of distinct, signed, Twilio-shaped texts drives each one
from `--concurrency` keep-alive clients in this process (closed loop: each client sends
its next request when the last one is answered). Prints requests per second, p50 and
p99 latency for both, then a final line that is one JSON object.

    .venv/bin/python bench/webhook.py                         # SQLite, 2 workers, 16 clients
    .venv/bin/python bench/webhook.py --database postgresql   # a fresh schema on the test server

Targets: Steady's p99 under 50 ms; its ratio to the durable ceiling not below the one
measured before the trained model (0.25 on SQLite, 0.41 on PostgreSQL, 2 workers; the
goal is 0.5). Its ratio to the bare endpoint is printed too.
Loopback only; the servers are always stopped, even on an error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:        # run as a script: bench/ and bot/ from this checkout
    sys.path.insert(0, str(ROOT))

from bench import crypto as crypto_bench  # noqa: E402
from bench.databases import POSTGRES_DEFAULT_URL, empty_database  # noqa: E402
HOST = "127.0.0.1"
STEADY_APP = "bot.app:create_app()"
BARE_APP = "bench.bare_app:create_app()"
DURABLE_APP = "bench.durable_app:create_app()"
# Steady / durable ceiling, measured here with 2 workers before issue 8's model.
DURABLE_RATIO_BEFORE = {"sqlite": 0.25, "postgresql": 0.41}

TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0

ACCOUNT = "AC" + "0" * 32
STEADY_NUMBER = "+15005550006"
# A realistic mix of what people text (README's table): keywords and plain words.
BODIES = (
    "CRAVING",
    "HELP",
    "I really want to use right now",
    "WITHDRAWAL",
    "dope sick",
    "BREATHE",
    "MEETINGS",
    "hello",
    "TREATMENT",
)
AREA_CODES = ("212", "312", "415", "503", "617", "713", "404", "206", "305", "602")
# Steady's loop guard holds back replies after 20 texts from one number in 5 minutes
# (STEADY_LOOP_LIMIT / _WINDOW_MINUTES). A throttled text is cheaper than a real one,
# so each number must stay well under 20 texts per run: the sender pool grows with
# the run so that no number sends more than this many.
MAX_TEXTS_PER_SENDER = 15

SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 15.0
REQUEST_TIMEOUT_S = 15.0
SAMPLE_EVERY = 25          # check every 25th Steady reply is TwiML with a Message


# The request stream ---------------------------------------------------------


def sender_pool(size: int) -> list[str]:
    """`size` distinct US numbers in the fictional 555-01xx range, across area codes."""
    numbers = []
    for i in range(size):
        area = AREA_CODES[i % len(AREA_CODES)]
        numbers.append(f"+1{area}555{100 + i // len(AREA_CODES):04d}")
    return numbers


def text_stream(count: int, senders: int, seed: int) -> list[dict[str, str]]:
    """`count` form bodies shaped as Twilio posts them, each with its own MessageSid."""
    rng = random.Random(seed)
    senders = max(senders, math.ceil(count / MAX_TEXTS_PER_SENDER))
    numbers = sender_pool(senders)
    stream = []
    for i in range(count):
        sid = f"SM{secrets.token_hex(16)}"
        body = rng.choice(BODIES)
        stream.append(
            {
                "ToCountry": "US",
                "ToState": "CA",
                "SmsMessageSid": sid,
                "NumMedia": "0",
                "ToCity": "",
                "FromZip": "",
                "SmsSid": sid,
                "FromState": "",
                "SmsStatus": "received",
                "FromCity": "",
                "Body": body,
                "FromCountry": "US",
                "To": STEADY_NUMBER,
                "ToZip": "",
                "NumSegments": "1",
                "MessageSid": sid,
                "AccountSid": ACCOUNT,
                "From": numbers[i % len(numbers)],
                "ApiVersion": "2010-04-01",
            }
        )
    return stream


def signed_requests(stream: list[dict[str, str]], port: int, token: str) -> list[bytes]:
    """Each text as the raw bytes of a signed HTTP/1.1 request to http://HOST:port/sms.

    Signed (and encoded) before the timed run: signing is Twilio's cost, not the
    server's. The URL is exactly the one the server sees, so the signature verifies.
    """
    url = f"http://{HOST}:{port}/sms"
    validator = RequestValidator(token)
    requests = []
    for params in stream:
        body = urlencode(params).encode("ascii")
        head = (
            "POST /sms HTTP/1.1\r\n"
            f"Host: {HOST}:{port}\r\n"
            "User-Agent: TwilioProxy/1.1\r\n"
            "Accept: */*\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Twilio-Signature: {validator.compute_signature(url, params)}\r\n"
            "Connection: keep-alive\r\n"
            "\r\n"
        ).encode("ascii")
        requests.append(head + body)
    return requests


# A minimal keep-alive HTTP client --------------------------------------------


class Connection:
    """One keep-alive connection. Raw sockets keep the client's own cost per request
    small, so the client (which shares the machine's cores) disturbs the servers less."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((HOST, self.port), timeout=REQUEST_TIMEOUT_S)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def _read_until(self, sock: socket.socket, marker: bytes) -> int:
        while True:
            index = self.buffer.find(marker)
            if index >= 0:
                return index
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk

    def _read_exactly(self, sock: socket.socket, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send one request; return (status, body). Reconnects when the server closed
        the connection (gunicorn's sync worker, or an idle keep-alive timeout)."""
        fresh = self.sock is None
        sock = self.sock or self._connect()
        try:
            sock.sendall(raw)
            end = self._read_until(sock, b"\r\n\r\n")
        except ConnectionError:
            if fresh:
                raise
            self.close()  # a stale keep-alive connection: try once on a new one
            sock = self._connect()
            sock.sendall(raw)
            end = self._read_until(sock, b"\r\n\r\n")
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
        lines = head.split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = self._read_exactly(sock, length)
        if headers.get("connection", "").lower() == "close" or lines[0].startswith("HTTP/1.0"):
            self.close()
        return status, body


def get_ok(port: int, path: str = "/") -> bool:
    """True when GET `path` answers 200."""
    try:
        with socket.create_connection((HOST, port), timeout=2) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        return data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200")
    except OSError:
        return False


@dataclass
class RunResult:
    latencies: list[float] = field(default_factory=list)   # seconds, answered requests
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)  # non-200 status (0: no answer) -> count
    samples: list[bytes] = field(default_factory=list)     # every SAMPLE_EVERY-th body
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    database_cpu_s: float = 0.0                             # every PostgreSQL process on this machine
    machine_busy: float | None = None                      # share of all cores busy, 0..1


def drive(port: int, requests: list[bytes], concurrency: int, server_pid: int | None = None) -> RunResult:
    """Send every request once from `concurrency` closed-loop clients; time each one.
    Also notes the CPU this process, the server (`server_pid`'s tree) and the whole
    machine spent meanwhile: the servers share the machine's cores with the clients."""
    result = RunResult()
    lock = threading.Lock()
    counter = itertools.count()  # next() on it is atomic in CPython: a shared queue
    start = threading.Barrier(concurrency + 1, timeout=30)

    def client() -> None:
        connection = Connection(port)
        latencies, statuses, samples = [], {}, []
        start.wait()
        try:
            while True:
                index = next(counter)
                if index >= len(requests):
                    break
                began = time.perf_counter()
                try:
                    status, body = connection.request(requests[index])
                except (OSError, ValueError):  # no answer, or not one HTTP/1.1 can read
                    connection.close()
                    status, body = 0, b""
                elapsed = time.perf_counter() - began
                if status == 200:
                    latencies.append(elapsed)
                    if index % SAMPLE_EVERY == 0:
                        samples.append(body)
                else:
                    statuses[status] = statuses.get(status, 0) + 1
        finally:
            connection.close()
            with lock:
                result.latencies.extend(latencies)
                result.samples.extend(samples)
                for status, count in statuses.items():
                    result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [threading.Thread(target=client, name=f"client-{i}", daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    server_before = server_cpu_s(server_pid) if server_pid else 0.0
    database_before = database_cpu(server_pid)
    machine_before = machine_ticks()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - began
    result.client_cpu_s = time.process_time() - cpu_before
    result.server_cpu_s = server_cpu_s(server_pid) - server_before if server_pid else 0.0
    database_after = database_cpu(server_pid)
    result.database_cpu_s = sum(cpu - database_before.get(pid, 0.0) for pid, cpu in database_after.items())
    machine_after = machine_ticks()
    if machine_before and machine_after and machine_after[1] > machine_before[1]:
        result.machine_busy = (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1])
    result.errors = sum(result.statuses.values())
    return result


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        paths = Path(f"/proc/{pid}/task").glob("*/children")
        return [int(child) for path in paths for child in path.read_text().split()]
    except (OSError, ValueError):
        return []


def server_cpu_s(pid: int) -> float:
    """CPU seconds used so far by a gunicorn master and its live workers."""
    return _proc_cpu_s(pid) + sum(_proc_cpu_s(child) for child in _children(pid))


def database_cpu(server_pid: int | None) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL process on this machine (its backends
    serve the web process's connections), by pid; {} when no server is measured. Other
    clients of the same PostgreSQL count too: run it otherwise idle for a clean figure."""
    if not server_pid:
        return {}
    found = {}
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pid = int(comm.parent.name)
                found[pid] = _proc_cpu_s(pid)
        except (OSError, ValueError):
            pass
    return found


def machine_ticks() -> tuple[int, int] | None:
    """(busy, total) clock ticks of the whole machine so far (Linux /proc/stat)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(result: RunResult, count: int) -> dict:
    latencies = sorted(result.latencies)
    return {
        "rps": round(count / result.wall_s, 1) if result.wall_s > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "errors": result.errors,
        "max_ms": round((latencies[-1] if latencies else 0.0) * 1000, 2),
        "error_statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "client_cpu_s": round(result.client_cpu_s, 2),
        "server_cpu_ms_per_request": round(result.server_cpu_s * 1000 / count, 3) if count else 0.0,
        "database_cpu_ms_per_request": round(result.database_cpu_s * 1000 / count, 3) if count else 0.0,
        "client_cpu_ms_per_request": round(result.client_cpu_s * 1000 / count, 3) if count else 0.0,
        "machine_busy_pct": round(result.machine_busy * 100, 1) if result.machine_busy is not None else None,
        "wall_s": round(result.wall_s, 2),
    }


def twiml_messages(body: bytes) -> list[str]:
    """The Message texts of a TwiML reply; ValueError when it is not TwiML."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root.tag != "Response":
        raise ValueError(f"root is <{root.tag}>, not <Response>")
    return [message.text or "" for message in root.iter("Message")]


def check_replies(samples: list[bytes]) -> tuple[int, list[str]]:
    """(how many sampled replies were checked, the problems found)."""
    problems = []
    for body in samples:
        try:
            messages = twiml_messages(body)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if not messages or not all(text.strip() for text in messages):
            problems.append("a reply with no Message text (throttled or failed?)")
    return len(samples), problems


# Servers ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def steady_command() -> list[str]:
    """`steady`, the console script next to this Python, or the same entry point via -c."""
    script = Path(sys.executable).with_name("steady")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.argv[0] = 'steady'; main()"]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def start_server(name: str, app: str, env: dict[str, str], workdir: Path) -> Server:
    """gunicorn `app` with Steady's config on a free loopback port; waits for GET /."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    command = [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"{HOST}:{port}",
        "--config", "python:bot.gunicorn_conf",
    ]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(name, process, port, log_path)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} server exited with {process.returncode}:\n{server.log_tail()}")
        if get_ok(port):
            return server
        time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"{name} server did not answer GET / within {SERVER_START_TIMEOUT_S:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL to the server's own process group."""
    process = server.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # its group: workers left behind, if any
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.kill()
        process.wait(timeout=SERVER_STOP_TIMEOUT_S)


@contextmanager
def running(name: str, app: str, env: dict[str, str], workdir: Path) -> Iterator[Server]:
    server = start_server(name, app, env, workdir)
    try:
        yield server
    finally:
        stop_server(server)


# Databases -------------------------------------------------------------------


def server_env(args: argparse.Namespace, workdir: Path, database_url: str, token: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("TWILIO_VERIFY_SIGNATURES", "STEADY_PUBLIC_URL", "STEADY_TRUST_PROXY"):
        env.pop(name, None)  # the bench signs for the URL the server sees
    env.update(
        WEB_CONCURRENCY=str(args.workers),
        STEADY_WEB_THREADS=str(args.threads),
        DATABASE_URL=database_url,
        TWILIO_AUTH_TOKEN=token,
        STEADY_INSTANCE_PATH=str(workdir / "instance"),
        # Trained once before the servers start (warm_model_cache), so no worker is still
        # training while the others are measured.
        STEADY_MODEL_CACHE=os.environ.get("STEADY_MODEL_CACHE") or str(workdir / "models"),
        STEADY_LOG_LEVEL="WARNING",
        # Required with PostgreSQL (bot.crypto): the caller's, else one for this run.
        STEADY_DATA_KEY=os.environ.get("STEADY_DATA_KEY") or secrets.token_urlsafe(32),
        PYTHONUNBUFFERED="1",
    )
    return env


# The run ---------------------------------------------------------------------


def bench_one(name: str, app: str, env: dict[str, str], workdir: Path, stream: list[dict[str, str]],
              args: argparse.Namespace, token: str) -> tuple[dict, RunResult]:
    with running(name, app, env, workdir) as server:
        requests = signed_requests(stream, server.port, token)
        warmup, measured = requests[: args.warmup], requests[args.warmup:]
        if warmup:
            drive(server.port, warmup, args.concurrency)
        result = drive(server.port, measured, args.concurrency, server.process.pid)
        if server.process.poll() is not None:
            raise RuntimeError(f"{name} server died during the run:\n{server.log_tail()}")
    summary = summarise(result, len(measured))
    print(
        f"{name:>6}: {summary['rps']:8.1f} req/s   p50 {summary['p50_ms']:6.2f} ms   "
        f"p99 {summary['p99_ms']:6.2f} ms   max {summary['max_ms']:7.2f} ms   errors {summary['errors']}",
        flush=True,
    )
    busy = summary["machine_busy_pct"]
    print(
        f"        server CPU {summary['server_cpu_ms_per_request']:.3f} ms/request, "
        f"client CPU {summary['client_cpu_s']:.2f} s over {summary['wall_s']:.2f} s, "
        f"machine busy {busy if busy is not None else '?'}% of {os.cpu_count()} cores",
        flush=True,
    )
    if result.errors:
        print(f"        non-200 answers by status (0 = no answer): {summary['error_statuses']}", flush=True)
        print(f"        server log tail:\n{server.log_tail(10)}", flush=True)
    return summary, result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per server (default 3000)")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first (default 200)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers, WEB_CONCURRENCY (default: bot/gunicorn_conf.py's, "
                             "1 on SQLite, cores + 1 on PostgreSQL)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("STEADY_WEB_THREADS") or 4),
                        help="threads per worker, STEADY_WEB_THREADS (default 4, bot/gunicorn_conf.py's THREADS)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("STEADY_TEST_POSTGRES_URL") or POSTGRES_DEFAULT_URL,
                        help=f"server for --database postgresql (default {POSTGRES_DEFAULT_URL})")
    parser.add_argument("--senders", type=int, default=500,
                        help=f"distinct From numbers (default 500; grown so none sends over {MAX_TEXTS_PER_SENDER})")
    parser.add_argument("--seed", type=int, default=1, help="seed for the mix of texts")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server logs, SQLite file)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.workers is None:
        args.workers = 1 if args.database == "sqlite" else (os.cpu_count() or 1) + 1
    for name in ("requests", "concurrency", "workers", "threads", "senders"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    return args


def warm_model_cache(cache: str) -> None:
    """Train (or find) the understanding models in the cache the servers will read."""
    sys.path.insert(0, str(ROOT))
    import content
    from bot.understanding import models_for

    models_for(content.load().examples, cache)


def _sqlalchemy_url(url: str, workdir: Path) -> str:
    from bot import db

    return db.normalize_url(url or None, str(workdir / "instance"))


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    token = secrets.token_hex(16)
    workdir = Path(tempfile.mkdtemp(prefix="steady-bench-"))
    stream = text_stream(args.warmup + args.requests, args.senders, args.seed)
    print(
        f"bench: {args.requests} requests (+{args.warmup} warm-up) per server, {args.concurrency} clients, "
        f"{args.workers} workers x {args.threads} threads, {args.database}, {os.cpu_count()} CPUs, "
        f"load average {load_average():.2f} (other work on the machine skews the figures)",
        flush=True,
    )
    try:
        with empty_database(args.database, workdir, args.postgres_url) as url:
            env = server_env(args, workdir, url, token)
            upgrade = subprocess.run(steady_command() + ["db", "upgrade"], cwd=ROOT, env=env,
                                     capture_output=True, text=True, timeout=120)
            if upgrade.returncode != 0:
                raise RuntimeError(f"steady db upgrade failed:\n{upgrade.stdout}{upgrade.stderr}")
            warm_model_cache(env["STEADY_MODEL_CACHE"])
            steady, steady_run = bench_one("steady", STEADY_APP, env, workdir, stream, args, token)
            bare, _ = bench_one("bare", BARE_APP, env, workdir, stream, args, token)
            sys.path.insert(0, str(ROOT))
            from bench.durable_app import prepare

            prepare(_sqlalchemy_url(url, workdir))
            durable, _ = bench_one("durable", DURABLE_APP, env, workdir, stream, args, token)
    finally:
        if args.keep:
            print(f"kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    checked, problems = check_replies(steady_run.samples)
    print(f"checked {checked} sampled Steady replies: "
          + ("all TwiML with a Message" if not problems else f"{len(problems)} bad, e.g. {problems[0]}"), flush=True)
    steady["replies_checked"] = checked
    steady["bad_replies"] = len(problems)
    ratio = round(steady["rps"] / bare["rps"], 3) if bare["rps"] else 0.0
    durable_ratio = round(steady["rps"] / durable["rps"], 3) if durable["rps"] else 0.0
    before = DURABLE_RATIO_BEFORE[args.database]
    met = (
        durable_ratio >= before
        and steady["p99_ms"] < TARGET_P99_MS
        and steady["errors"] == 0
        and bare["errors"] == 0
        and durable["errors"] == 0
        and checked > 0
        and not problems
    )
    # Encryption at rest's share of a text (bench/crypto.py): the keyed hash that finds the
    # person, opening their number and plan, sealing what the turn writes.
    sealing = crypto_bench.measure(5_000)
    cpu_us = steady.get("server_cpu_ms_per_request", 0) * 1000
    print(f"data key: {sealing['per_text_us']:.1f} us per text (HMAC look-up {sealing['lookups_both_keys_us']:.1f} us, "
          f"opening number and plan {sealing['open_number_us'] + sealing['open_plan_us']:.1f} us)"
          + (f", {sealing['per_text_us'] / cpu_us:.1%} of Steady's server CPU per text" if cpu_us else ""), flush=True)
    print(f"ratio steady/bare: {ratio:.3f}; steady/durable ceiling: {durable_ratio:.3f} (before the model: "
          f"{before}, goal {TARGET_RATIO}); Steady p99 {steady['p99_ms']:.2f} ms (target < {TARGET_P99_MS:.0f} ms): "
          + ("met" if met else "NOT met"), flush=True)
    print(json.dumps({
        "steady": steady,
        "bare": bare,
        "durable": durable,
        "ratio": ratio,
        "ratio_durable": durable_ratio,
        "ratio_durable_before": before,
        "data_key_us_per_text": sealing,
        "workers": args.workers,
        "threads": args.threads,
        "concurrency": args.concurrency,
        "requests": args.requests,
        "database": args.database,
        "targets": {"ratio_durable_at_least": before, "ratio_goal": TARGET_RATIO, "p99_ms_below": TARGET_P99_MS},
        "met": met,
    }), flush=True)
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
