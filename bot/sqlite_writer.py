"""SQLite's one writer at a time, as a queue that wakes the next writer at once.

SQLite lets one transaction write at a time; a second one waits in SQLite's busy handler,
which sleeps between tries (1, 2, 5, 10 ... up to 100 ms) rather than waking when the lock
is free. Under load that sleep was the slow tail: two web workers on one file answered
p50 25 ms but p99 236 ms. So every transaction (all of Steady's start with BEGIN
IMMEDIATE: each may write) first takes this slot: threads of a process queue on a lock,
processes on an advisory lock of a file beside the database (`flock`, released by the
kernel if the process dies). SQLite's own lock stays the guarantee; the slot only
decides who asks for it next, so a writer outside Steady (the sqlite3 shell) is still
waited for by busy_timeout.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from contextlib import contextmanager
from typing import Iterator

# How often a process waiting for another's slot looks again: short, since the slot is
# held for one transaction (well under a millisecond of SQL), and cheap (one syscall).
POLL_FIRST_S = 0.0002
POLL_MAX_S = 0.002


class WriterSlotTimeout(TimeoutError):
    """The writer slot stayed taken for the whole wait bound."""


class WriterSlot:
    """The right to open a transaction on one SQLite file, for one thread of one process
    at a time. Re-entrant in the thread that holds it (a transaction opened inside another
    one, as a reader, must not wait for itself)."""

    def __init__(self, database: str | None) -> None:
        self._path = f"{database}-writer.lock" if database and database != ":memory:" and not database.startswith(
            "file:") else None
        self._fd: int | None = None
        self._start_free()
        _SLOTS.add(self)

    def _start_free(self) -> None:
        """No thread of this process holds the slot: when made, and in a process just forked
        from one that may have held it (gunicorn forks its workers): the copied thread lock
        would say held, and the inherited descriptor would share the parent's flock, and
        keep it held should the parent die."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._threads = threading.RLock()
        self._depth = 0

    @contextmanager
    def held(self, bound: float | None) -> Iterator[float]:
        """Hold the slot for the block; yields the seconds spent waiting for it. Raises
        WriterSlotTimeout when `bound` (seconds; None waits for ever) runs out first."""
        started = time.monotonic()
        deadline = None if bound is None else started + bound
        if not self._threads.acquire(timeout=-1 if bound is None else bound):
            raise WriterSlotTimeout(f"no turn at the SQLite database within {bound} s")
        try:
            if self._depth == 0:
                self._lock_file(deadline, bound)
            self._depth += 1
            try:
                yield time.monotonic() - started
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._unlock_file()
        finally:
            self._threads.release()

    def _file(self) -> int | None:
        """This process's descriptor of the lock file (opened on first use, again after a fork)."""
        if self._path is not None and self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def _lock_file(self, deadline: float | None, bound: float | None) -> None:
        fd = self._file()
        if fd is None:
            return
        pause = POLL_FIRST_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            if deadline is not None and time.monotonic() >= deadline:
                raise WriterSlotTimeout(f"no turn at the SQLite database within {bound} s")
            time.sleep(pause)
            pause = min(POLL_MAX_S, pause * 2)

    def _unlock_file(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


_SLOTS: weakref.WeakSet[WriterSlot] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for slot in list(_SLOTS):
        slot._start_free()


os.register_at_fork(after_in_child=_after_fork_in_child)
