"""The SQLite writer slot: one transaction at a time across threads and processes."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from bot.sqlite_writer import WriterSlot, WriterSlotTimeout

FORK = multiprocessing.get_context("fork")


def _hold_until_told(database: str, holding, release) -> None:
    slot = WriterSlot(database)
    with slot.held(None):
        holding.set()
        release.wait(10)


def _try_once(database: str, bound: float, answer) -> None:
    try:
        with WriterSlot(database).held(bound):
            answer.put("got it")
    except WriterSlotTimeout:
        answer.put("timed out")


def test_another_process_waits_for_the_slot_and_gets_it_once_released(tmp_path):
    database = str(tmp_path / "steady.sqlite3")
    holding, release = FORK.Event(), FORK.Event()
    holder = FORK.Process(target=_hold_until_told, args=(database, holding, release))
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises(WriterSlotTimeout):
            with WriterSlot(database).held(0.2):
                pass
        release.set()
        with WriterSlot(database).held(5) as waited:
            assert waited < 5
    finally:
        release.set()
        holder.join(10)


def test_a_forked_child_does_not_share_its_parents_hold(tmp_path):
    """A descriptor inherited across fork() would share the parent's flock: the child
    opens its own, so it waits like any other process."""
    database = str(tmp_path / "steady.sqlite3")
    slot = WriterSlot(database)
    answer = FORK.Queue()
    with slot.held(None):
        child = FORK.Process(target=lambda: _try_once_with(slot, 0.3, answer))
        child.start()
        assert answer.get(timeout=10) == "timed out"
        child.join(10)
    child = FORK.Process(target=lambda: _try_once_with(slot, 5, answer))
    child.start()
    assert answer.get(timeout=10) == "got it"
    child.join(10)


def _try_once_with(slot: WriterSlot, bound: float, answer) -> None:
    try:
        with slot.held(bound):
            answer.put("got it")
    except WriterSlotTimeout:
        answer.put("timed out")


def test_threads_take_turns_and_the_holder_may_nest(tmp_path):
    slot = WriterSlot(str(tmp_path / "steady.sqlite3"))
    inside, overlaps = [], []
    lock = threading.Lock()

    def work():
        for _ in range(50):
            with slot.held(5):
                with slot.held(5):          # a transaction opened inside another: no wait on itself
                    with lock:
                        inside.append(1)
                        overlaps.append(len(inside))
                    with lock:
                        inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(overlaps) == 200 and max(overlaps) == 1


def test_a_thread_gives_up_within_its_bound_while_another_holds_the_slot(tmp_path):
    slot = WriterSlot(str(tmp_path / "steady.sqlite3"))
    holding, release = threading.Event(), threading.Event()

    def hold():
        with slot.held(None):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        with pytest.raises(WriterSlotTimeout):
            with slot.held(0.1):
                pass
    finally:
        release.set()
        holder.join(10)


def test_the_lock_file_is_private_and_an_in_memory_database_needs_none(tmp_path):
    database = tmp_path / "steady.sqlite3"
    with WriterSlot(str(database)).held(1):
        pass
    lock = tmp_path / "steady.sqlite3-writer.lock"
    assert lock.stat().st_mode & 0o777 == 0o600
    with WriterSlot(":memory:").held(1):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steady.sqlite3-writer.lock"]
