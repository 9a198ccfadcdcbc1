"""The web process's gunicorn worker: gthread, except that no thread ever waits for a client.

gunicorn's sync worker gives its one thread to a connection from accept to the end of
the request, and gthread (checked in gunicorn 27's source) waits up to 5 s for a new
connection's first bytes in a pool thread, then reads the request with blocking reads in
that thread. Either way a client that sends its headers and then trickles the body a
byte at a time holds a thread for as long as it likes; a few such clients (one per
thread) and a crisis text waits behind them.

This worker reads every request whole on the worker's own event loop, without blocking,
and hands a pool thread only a request that is complete in memory (what a buffering
proxy does): a slow or silent client costs a socket and a small buffer, never a thread.
A request must arrive within READ_TIMEOUT_S of its first byte being awaited, or the
connection is closed; heads over MAX_HEAD_BYTES, bodies over the app's limit and chunked
bodies (Twilio always sends Content-Length) are refused on the spot. Everything after
the hand-off is gunicorn's gthread code, unchanged. Plain HTTP/1.x only: Steady runs
behind the platform's TLS, and the worker refuses to start with TLS or HTTP/2 set.
"""

from __future__ import annotations

import errno
import selectors
import time
from contextlib import suppress
from functools import partial

from gunicorn.workers import gthread

READ_TIMEOUT_S = 10.0             # the longest a request may take to arrive, head and body
MAX_HEAD_BYTES = 64 * 1024        # request line and headers
MAX_BODY_BYTES = 1024 * 1024      # for an app without Flask's MAX_CONTENT_LENGTH (Steady sets 64 KiB)
_RECV_BYTES = 64 * 1024

MORE = "more"
READY = "ready"


def _refusal(status: str) -> bytes:
    body = f"{status}\n".encode("ascii")
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode("ascii") + body


TOO_LARGE = _refusal("413 Content Too Large")
HEAD_TOO_LARGE = _refusal("431 Request Header Fields Too Large")
LENGTH_REQUIRED = _refusal("411 Length Required")


def request_state(buffer: bytes | bytearray, max_body: int) -> str | bytes:
    """Whether `buffer` holds one whole HTTP/1.x request: MORE (keep reading), READY
    (hand it to gunicorn, which also answers what it finds malformed), or the refusal
    to send before closing. Bytes after the request (a pipelined one) are left alone."""
    start = 0
    while buffer.startswith(b"\r\n", start):     # gunicorn ignores an empty line first
        start += 2
    end = buffer.find(b"\r\n\r\n", start)
    if end < 0:
        return HEAD_TOO_LARGE if len(buffer) - start > MAX_HEAD_BYTES else MORE
    if end - start > MAX_HEAD_BYTES:
        return HEAD_TOO_LARGE
    lengths = set()
    for line in bytes(buffer[start:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding":
            return LENGTH_REQUIRED
        if name == b"content-length":
            lengths.add(value.strip())
    if not lengths:
        return READY
    if len(lengths) > 1 or not next(iter(lengths)).isdigit():
        return READY                                # gunicorn answers 400 from the head alone
    length = int(next(iter(lengths)))
    if length > max_body:
        return TOO_LARGE
    return READY if len(buffer) >= end + 4 + length else MORE


class BufferedConn(gthread.TConn):
    """A gthread connection with the bytes read for it before a thread took it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pending = bytearray()
        self.read_deadline = 0.0

    def init(self) -> None:
        """Runs in the thread before each request is parsed: the parser reads the
        request from what was buffered, so it never waits on the socket."""
        super().init()
        if self.pending:
            self.parser.unreader.unread(bytes(self.pending))
            self.pending = bytearray()


class BufferedWorker(gthread.ThreadWorker):
    """gthread whose threads only ever see whole requests (see the module docstring)."""

    @classmethod
    def check_config(cls, cfg, log) -> None:
        super().check_config(cfg, log)
        if cfg.is_ssl or "h2" in (cfg.http_protocols or ()):
            raise RuntimeError("bot.gunicorn_worker reads plain HTTP/1.x only: terminate TLS and HTTP/2 "
                               "in front of gunicorn")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reading: dict[BufferedConn, None] = {}   # insertion order is deadline order
        self.max_body = MAX_BODY_BYTES

    def load_wsgi(self) -> None:
        super().load_wsgi()
        config = getattr(self.wsgi, "config", None)
        if config and config.get("MAX_CONTENT_LENGTH"):
            self.max_body = int(config["MAX_CONTENT_LENGTH"])   # Flask's limit (Steady: 64 KiB)

    # New and kept-alive connections are read on the event loop --------------------

    def accept(self, listener) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = BufferedConn(self.cfg, client_sock, client_addr, listener.getsockname())
        self._read_request(conn)

    def on_client_socket_readable(self, conn, client) -> None:
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_request(conn)

    def finish_request(self, conn, fs) -> None:
        """After a response: bytes of a pipelined request already read are buffered
        with the rest of it, instead of a thread reading that rest from the socket."""
        leftover = b""
        with suppress(BaseException):              # a failed request: gunicorn's code below closes it
            if not fs.cancelled() and fs.result() is True and conn.parser is not None:
                leftover = conn.parser.unreader.take_buffered()
        if not leftover:
            super().finish_request(conn, fs)
            return
        conn.pending = bytearray(leftover)
        self._read_request(conn)

    def _read_request(self, conn: BufferedConn) -> None:
        conn.sock.setblocking(False)
        conn.read_deadline = time.monotonic() + READ_TIMEOUT_S
        state = request_state(conn.pending, self.max_body)
        if state == MORE:
            self.reading[conn] = None
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
        else:
            self._dispatch(conn, state)

    def _on_readable(self, conn: BufferedConn, sock) -> None:
        try:
            data = sock.recv(_RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            conn.pending += data
            state = request_state(conn.pending, self.max_body)
            if state == MORE:
                return
        self._stop_reading(conn)
        if data:
            self._dispatch(conn, state)
        else:                                          # the client went away
            self._close(conn)

    def _dispatch(self, conn: BufferedConn, state: str | bytes) -> None:
        """Hand a whole request to a thread, or send the refusal and close."""
        if state == READY:
            conn.data_ready = True                     # gthread must not wait for data again
            self.enqueue_req(conn)
            return
        with suppress(OSError):
            conn.sock.send(state)
        self._close(conn)

    def _stop_reading(self, conn: BufferedConn) -> None:
        del self.reading[conn]
        self.poller.unregister(conn.sock)

    def _close(self, conn: BufferedConn) -> None:
        self.nr_conns -= 1
        conn.close()

    def _cap_keepalive(self, deadline: float) -> None:
        """Stopping (gthread calls this once): a request still arriving gets no longer
        than a kept-alive connection, so a deploy is not held up by slow clients."""
        super()._cap_keepalive(deadline)
        for conn in self.reading:
            conn.read_deadline = min(conn.read_deadline, deadline)

    def murder_pending(self) -> None:
        """gthread's expiry of deferred connections, and ours: a request that has not
        arrived whole by its deadline loses its connection."""
        super().murder_pending()
        now = time.monotonic()
        while self.reading:
            conn = next(iter(self.reading))
            if conn.read_deadline > now:
                break
            self._stop_reading(conn)
            self._close(conn)
