"""The web process under faults (issue 10), through the real thing: the Procfile's web line
(gunicorn, bot/gunicorn_conf.py, its worker) as a subprocess, signed texts over HTTP.

A locked database (the SQLite file, PostgreSQL's people table or one person's row) is
answered inside the database bound: the crisis reply to a crisis text, the `unavailable`
reply to anything else. Clients that trickle bytes, or send none, outnumbering every
thread of every worker, do not delay a crisis text. gunicorn believes X-Forwarded-Proto
only when STEADY_TRUST_PROXY says so. A database error quoting the number leaves no full
number in any log line, and the SQLite files and the instance folder are private."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import stat
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from bench import load, webhook
from bot import crypto, db, gunicorn_worker
from bot.store import Store
from flows.helpline import ensure_helpline
from tests.adapters.test_webhook_twilio import (
    OVERDOSE,
    SUICIDE,
    crisis_replies,
    sms_body,
)
from tests.support import TOKEN, make_app, make_settings, post_signed, replies_of, sign
from tests.understanding import CONTENT

PERSON = "+14155550123"
DIGITS = "4155550123"                   # the number's digits, as any log line might show them
DB_TIMEOUT_S = 2
BOUND_S = DB_TIMEOUT_S + 2.5            # the database bound, and room for a loaded machine
TWILIO_LIMIT_S = 15
SAFETY_S = 20                           # a held lock is released by then, whatever the test does
UNAVAILABLE = ensure_helpline(CONTENT.text("unavailable"), CONTENT.helpline)
CRISIS = crisis_replies(CONTENT)

# --- the web process -------------------------------------------------------------------------

@dataclass
class Web:
    server: webhook.Server
    instance: Path

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def post(self, params: dict, *, url: str | None = None, headers: dict | None = None,
             timeout: float = TWILIO_LIMIT_S) -> tuple[int, list[str], float]:
        """POST a signed text (signed for `url`, default the URL the server sees) on a new
        connection: (status, the TwiML messages, seconds taken)."""
        body = urlencode(params).encode()
        head = {"Host": f"127.0.0.1:{self.port}", "Content-Type": "application/x-www-form-urlencoded",
                "Content-Length": str(len(body)), "Connection": "close",
                "X-Twilio-Signature": sign(url or self.url, params)}
        head.update(headers or {})
        raw = ("POST /sms HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode() + body
        started = time.monotonic()
        connection = webhook.Connection(self.port)
        connection.sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            status, reply = connection.request(raw)
        finally:
            connection.close()
        took = time.monotonic() - started
        return status, (webhook.twiml_messages(reply) if status == 200 else []), took

    def text(self, body: str, sender: str = PERSON, **kwargs) -> tuple[int, list[str], float]:
        return self.post(sms_body(body, sender=sender), **kwargs)

    def log(self) -> str:
        return self.server.log_path.read_text(errors="replace")


@pytest.fixture
def web(tmp_path):
    """web(database_url, **env) -> a running Procfile web process on a migrated database."""
    started: list[webhook.Server] = []

    def start(database_url: str, **env: str) -> Web:
        workdir = tmp_path / f"web{len(started)}"
        workdir.mkdir()
        environment = load.server_env(workdir, database_url, TOKEN)
        for name in ("WEB_CONCURRENCY", "STEADY_WEB_THREADS", "FORWARDED_ALLOW_IPS"):
            environment.pop(name, None)             # the shipped defaults, unless a test says
        environment.update(STEADY_DB_TIMEOUT_SECONDS=str(DB_TIMEOUT_S), STEADY_LOG_LEVEL="INFO")
        environment.update(env)
        if database_url:
            db.upgrade(database_url)
        else:                                       # the embedded default, as the release line makes it
            subprocess.run(webhook.steady_command() + ["db", "upgrade"], cwd=load.ROOT, env=environment,
                           capture_output=True, timeout=120, check=True)
        server = load.start_web(environment, workdir)
        started.append(server)
        return Web(server, workdir / "instance")

    yield start
    for server in started:
        webhook.stop_server(server)


def shipped_threads(database_url: str) -> int:
    """Workers x threads that bot/gunicorn_conf.py gives a deploy on this database."""
    workers, threads = load.shipped_shape(dict(os.environ, DATABASE_URL=database_url,
                                               PYTHONPATH=str(load.ROOT)))
    return workers * threads


# --- a locked database -------------------------------------------------------------------------

@contextmanager
def locked(database_url: str, how: str):
    """Another connection holds what every turn needs: SQLite's write lock on the file,
    or PostgreSQL's people table (ACCESS EXCLUSIVE) or the person's row (FOR UPDATE)."""
    url = db.normalize_url(database_url, instance_path="")
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = db.make_engine(url)
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql(f"SET idle_in_transaction_session_timeout = '{SAFETY_S}s'")
            if how == "table":
                holder.exec_driver_sql("LOCK TABLE people IN ACCESS EXCLUSIVE MODE")
            else:
                row = holder.execute(text("SELECT id FROM people WHERE number_hash = :h FOR UPDATE"),
                                     {"h": crypto.keyring().lookup(PERSON)})    # found by its keyed hash
                assert row.scalar_one()
            try:
                yield
            finally:
                holder.rollback()
    finally:
        engine.dispose()


def _assert_answered_in_time(web: Web, database_url: str) -> None:
    status, replies, took = web.text("CRAVING")
    assert (status, replies) == (200, [UNAVAILABLE]) and took < BOUND_S, (status, replies, took)
    status, replies, took = web.text(SUICIDE)
    assert status == 200 and replies[0] in CRISIS and took < BOUND_S, (status, replies, took)
    # As many texts at once as the process has threads, a crisis among them: none waits
    # for more than one other text's database wait (texts queued behind each other used
    # to wait for all of them: 5, 10, 15, 20 s with the default bound), and the crisis
    # text gets the crisis reply.
    bodies = [OVERDOSE] + ["CRAVING"] * (shipped_threads(database_url) - 1)
    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(lambda body: web.text(body), bodies))
    assert all(status == 200 for status, _, _ in answers), answers
    assert answers[0][1][0] in CRISIS
    assert all(replies == [UNAVAILABLE] for _, replies, _ in answers[1:])
    slowest = max(took for _, _, took in answers)
    assert slowest < 2 * DB_TIMEOUT_S + 2.5 < TWILIO_LIMIT_S, sorted(took for _, _, took in answers)


@pytest.mark.slow
@pytest.mark.db
@pytest.mark.parametrize("how", ["table", "row"])
def test_a_locked_database_is_answered_in_time_by_the_web_process(web, database_url, how):
    if how == "row" and database_url.startswith("sqlite"):
        pytest.skip("SQLite locks the whole file: the 'table' case")
    running = web(database_url)
    status, replies, _ = running.text("hello")
    assert status == 200 and replies and replies != [UNAVAILABLE]
    with locked(database_url, how):
        _assert_answered_in_time(running, database_url)
    status, replies, _ = running.text("CRAVING")
    assert status == 200 and "Cravings come in waves" in replies[0]
    assert DIGITS not in running.log()


def test_sqlite_texts_queued_in_one_process_share_the_bound_with_the_file_lock(tmp_path):
    """Store's writer queue: while another process holds the file, four threads each give
    up within one bound (they used to wait one after the other: 1, 2, 3, 4 s)."""
    url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    db.upgrade(url)
    engine = db.make_engine(url, timeout=1)
    store = Store(engine)
    try:
        def one_transaction(_):
            started = time.monotonic()
            with pytest.raises(Exception) as failed, store.transaction() as tx:   # locked, or no turn
                tx.find_person(PERSON, "sms")
            return time.monotonic() - started, type(failed.value).__name__

        with locked(url, "file"), ThreadPoolExecutor(4) as pool:
            outcomes = list(pool.map(one_transaction, range(4)))
        assert max(took for took, _ in outcomes) < 1 + 0.8, outcomes
        with store.transaction() as tx:       # and nothing is left holding the queue
            assert tx.find_person(PERSON, "sms") is None
    finally:
        engine.dispose()


# --- slow clients --------------------------------------------------------------------------

class Tricklers:
    """Connections that send a request slowly (a byte at a time, every `every` seconds),
    or not at all: `body` sends its head then trickles the body, `head` trickles the head,
    `silent` only connects."""

    def __init__(self, port: int, per_kind: int, every: float = 0.25) -> None:
        self.sockets: list[socket.socket] = []
        self.trickled: list[tuple[socket.socket, bytes]] = []
        head = b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        for _ in range(per_kind):
            body = socket.create_connection(("127.0.0.1", port))
            body.sendall(head + b"Content-Length: 400\r\n\r\n")
            self.trickled.append((body, b"B" * 400))
            heading = socket.create_connection(("127.0.0.1", port))
            heading.sendall(b"POST /sms HTTP/1.1\r\n")
            self.trickled.append((heading, b"X-Slow: " + b"h" * 400))
            self.sockets += [body, heading, socket.create_connection(("127.0.0.1", port))]
        self.opened = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, args=(every,), daemon=True)
        self._thread.start()

    def _trickle(self, every: float) -> None:
        sent = 0
        while not self._stop.wait(every):
            for sock, data in self.trickled:
                try:
                    sock.send(data[sent:sent + 1])
                except OSError:
                    pass
            sent += 1

    def closed_by_server(self, sock: socket.socket, within: float) -> bool:
        sock.settimeout(within)
        try:
            return sock.recv(1024) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except OSError:
            return False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


@pytest.mark.slow
@pytest.mark.db
def test_slow_clients_outnumbering_every_thread_do_not_delay_a_crisis_text(web, database_url):
    running = web(database_url)
    slots = shipped_threads(database_url)
    slow = Tricklers(running.port, per_kind=slots + 1)      # 3 x (slots + 1) slow connections
    try:
        assert len(slow.sockets) > 3 * slots
        time.sleep(1.0)                                      # each has been accepted and is waited on
        status, replies, took = running.text(SUICIDE, timeout=10)
        assert status == 200 and replies[0] in CRISIS and took < 2, (status, replies, took)
        status, replies, took = running.text("CRAVING", timeout=10)
        assert status == 200 and "Cravings come in waves" in replies[0] and took < 2, (status, took)
        # A request that has not arrived whole within the read timeout loses its connection.
        deadline = slow.opened + gunicorn_worker.READ_TIMEOUT_S + 3
        still_open = [sock for sock in slow.sockets
                      if not slow.closed_by_server(sock, max(0.1, deadline - time.monotonic()))]
        assert still_open == []
    finally:
        slow.close()


@pytest.mark.slow
def test_the_worker_still_speaks_http_keep_alive_pipelining_and_limits(web, tmp_path):
    running = web(f"sqlite:///{tmp_path / 'http.sqlite3'}")
    get = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{running.port}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(get + get[:10])                          # one whole request, and a part of the next
        time.sleep(0.3)
        sock.sendall(get[10:] + get)                          # its rest, and a third
        answers = b""
        while answers.count(b"\r\n\r\nok\n") < 3:
            chunk = sock.recv(65536)
            assert chunk, answers
            answers += chunk
    assert answers.count(b"HTTP/1.1 200 OK\r\n") == 3
    too_large = (f"POST /sms HTTP/1.1\r\nHost: 127.0.0.1:{running.port}\r\n"
                 "Content-Length: 70000\r\n\r\n").encode()
    chunked = (f"POST /sms HTTP/1.1\r\nHost: 127.0.0.1:{running.port}\r\n"
               "Transfer-Encoding: chunked\r\n\r\n").encode()
    for raw, status in ((too_large, b"413"), (chunked, b"411")):
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
            sock.sendall(raw)
            assert sock.recv(1024).startswith(b"HTTP/1.1 " + status)
    assert running.text("HELP")[0] == 200


# --- X-Forwarded-Proto --------------------------------------------------------------------

@pytest.mark.slow
def test_gunicorn_believes_x_forwarded_proto_only_when_steady_trusts_the_proxy(web, tmp_path):
    https = {"X-Forwarded-Proto": "https"}
    plain = web(f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    signed_https = f"https://127.0.0.1:{plain.port}/sms"
    assert plain.post(sms_body("HELP"), url=signed_https, headers=https)[0] == 403
    assert plain.post(sms_body("HELP"), headers=https)[0] == 200     # signed for http, as it arrived
    trusting = web(f"sqlite:///{tmp_path / 'trusting.sqlite3'}", STEADY_TRUST_PROXY="true")
    status, replies, _ = trusting.post(sms_body("HELP"), url=f"https://127.0.0.1:{trusting.port}/sms", headers=https)
    assert status == 200 and replies


def test_forwarded_allow_ips_follows_steady_trust_proxy(gunicorn_conf):
    assert gunicorn_conf().forwarded_allow_ips == ""
    assert gunicorn_conf(STEADY_TRUST_PROXY="false", FORWARDED_ALLOW_IPS="127.0.0.1").forwarded_allow_ips == ""
    assert gunicorn_conf(STEADY_TRUST_PROXY="true").forwarded_allow_ips == "*"
    assert gunicorn_conf(STEADY_TRUST_PROXY="true", FORWARDED_ALLOW_IPS="10.0.0.0/8").forwarded_allow_ips == "10.0.0.0/8"


def test_the_shipped_worker_timeout_and_class(gunicorn_conf):
    conf = gunicorn_conf()
    assert conf.timeout < TWILIO_LIMIT_S
    assert conf.worker_class == "bot.gunicorn_worker.BufferedWorker"
    assert (conf.workers, conf.threads) == (1, conf.THREADS)
    postgres = gunicorn_conf(DATABASE_URL="postgres://db.example/steady")
    assert postgres.workers == (os.cpu_count() or 1) + 1


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        (b"POST /sms HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab", gunicorn_worker.MORE),
        (b"POST /sms HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde", gunicorn_worker.READY),
        (b"POST /sms HTTP/1.1\r\nHost: x\r\ncontent-length: 2\r\n\r\nabGET / HTTP/1.1\r\n", gunicorn_worker.READY),
        (b"GET / HTTP/1.1\r\nHost: x\r\n", gunicorn_worker.MORE),
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", gunicorn_worker.READY),
        (b"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", gunicorn_worker.READY),
        (b"\r\n\r\n", gunicorn_worker.MORE),
        (b"POST /sms HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", gunicorn_worker.READY),
        (b"POST /sms HTTP/1.1\r\nContent-Length: 70000\r\n\r\n", gunicorn_worker.TOO_LARGE),
        (b"POST /sms HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n", gunicorn_worker.LENGTH_REQUIRED),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * (gunicorn_worker.MAX_HEAD_BYTES + 1), gunicorn_worker.HEAD_TOO_LARGE),
    ],
    ids=["body-short", "body-whole", "pipelined", "head-short", "no-body", "leading-crlf", "only-crlfs",
         "two-lengths", "too-large", "chunked", "head-too-large"],
)
def test_a_request_is_handed_to_a_thread_only_when_whole(raw, state):
    assert gunicorn_worker.request_state(raw, 64 * 1024) == state


# --- logs and files ------------------------------------------------------------------------

def _break_person_creation(database_url: str) -> None:
    """A person on WhatsApp, then a unique index on the number's hash alone (schema drift):
    the same number texting by SMS fails to be created, and PostgreSQL's error quotes the
    row's key. The number itself is sealed (bot.crypto): no error can quote it in clear."""
    engine = db.make_engine(db.normalize_url(database_url, instance_path=""))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE UNIQUE INDEX people_number_only ON people (number_hash)")
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.db
def test_a_database_error_quoting_the_number_leaves_no_full_number_in_any_log_line(
        web, database_url, tmp_path, caplog):
    running = web(database_url)
    assert running.text("hello", sender=f"whatsapp:{PERSON}")[0] == 200
    _break_person_creation(database_url)
    assert running.text("CRAVING")[1] == [UNAVAILABLE]
    assert running.text(SUICIDE)[1][0] in CRISIS
    logged = running.log()
    assert "inbound failed (error " in logged and "Traceback" in logged and "IntegrityError" in logged
    assert DIGITS not in logged
    if not database_url.startswith("sqlite"):
        assert "Key (number_hash)=(" in logged          # the error quoted the key: a hash, never the number
    # In this process too: every record as pytest captured it, and as our handler formats it.
    app = make_app(make_settings(database_url, str(tmp_path / "inproc"), db_timeout=1))
    try:
        with caplog.at_level(logging.INFO):
            assert replies_of(post_signed(app.test_client(), "/sms", sms_body("CRAVING"))) == [UNAVAILABLE]
        assert any(record.exc_info for record in caplog.records)
        assert DIGITS not in caplog.text
        formatter = logging.Formatter("%(message)s")
        assert all(DIGITS not in formatter.format(record) for record in caplog.records)
    finally:
        app.extensions["steady"].store.engine.dispose()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.slow
def test_the_instance_folder_and_the_sqlite_files_are_private(web, tmp_path):
    running = web("")                                   # the embedded default: instance/steady.sqlite3
    assert running.text("hello")[0] == 200
    files = {path.name: _mode(path) for path in running.instance.glob("steady.sqlite3*")}
    assert _mode(running.instance) == 0o700
    assert files == {"steady.sqlite3": 0o600, "steady.sqlite3-wal": 0o600, "steady.sqlite3-shm": 0o600,
                     "steady.sqlite3-writer.lock": 0o600}     # bot.sqlite_writer's queue, empty


def test_a_database_url_to_a_new_sqlite_file_creates_it_private(tmp_path):
    path = tmp_path / "elsewhere.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}", timeout=1)
    try:
        db.upgrade(engine)
        assert {p.name: _mode(p) for p in tmp_path.glob("elsewhere.sqlite3*")} == {
            "elsewhere.sqlite3": 0o600, "elsewhere.sqlite3-wal": 0o600, "elsewhere.sqlite3-shm": 0o600}
    finally:
        engine.dispose()
