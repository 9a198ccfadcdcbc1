"""Which daily message a person gets next: a shuffled pass through the pool, no repeats.

Each person walks the pool in their own order (a permutation seeded from their key),
so no message repeats until all have been sent; then a fresh order for the next
pass. The order is derived from SHA-256 alone (not Python's hash(), which changes
per process, nor `random`, whose shuffle may change between Python versions), so
the same key and cursor give the same message on every machine, forever.

Across a pass boundary the first message of the new pass is never the last of the
old one: if the fresh order starts with it, that message is swapped to the middle
of the new pass (position pool_size // 2), which keeps the last position untouched
so each pass depends only on its own seed. A pool of 2 simply alternates; a pool
of 1 repeats (nothing else to send). If the pool size changes (content edited),
orders are recomputed and a message may come round again early.
"""

from __future__ import annotations

import hashlib


def _seed(person_key: str, pass_no: int) -> bytes:
    return hashlib.sha256(f"steady-rotation/v1\0{person_key}\0{pass_no}".encode()).digest()


def _permutation(pool_size: int, person_key: str, pass_no: int) -> list[int]:
    """Fisher-Yates driven by SHA-256(seed, step): stable across Python versions."""
    seed = _seed(person_key, pass_no)
    order = list(range(pool_size))
    for i in range(pool_size - 1, 0, -1):
        draw = int.from_bytes(hashlib.sha256(seed + i.to_bytes(4, "big")).digest(), "big")
        j = draw % (i + 1)  # 256-bit draw: the modulo bias is negligible
        order[i], order[j] = order[j], order[i]
    return order


def _pass_order(pool_size: int, person_key: str, pass_no: int) -> list[int]:
    if pool_size == 2:
        return _permutation(2, person_key, 0)  # alternate: a, b, a, b ...
    order = _permutation(pool_size, person_key, pass_no)
    if pass_no > 0 and pool_size >= 3:
        previous_last = _permutation(pool_size, person_key, pass_no - 1)[-1]
        if order[0] == previous_last:
            middle = pool_size // 2
            order[0], order[middle] = order[middle], order[0]
    return order


def pick(pool_size: int, person_key: str, cursor: int) -> int:
    """The pool index of this person's `cursor`-th daily message (cursor counts from 0)."""
    if pool_size < 1:
        raise ValueError(f"pool_size must be >= 1, got {pool_size}")
    if cursor < 0:
        raise ValueError(f"cursor must be >= 0, got {cursor}")
    pass_no, position = divmod(cursor, pool_size)
    return _pass_order(pool_size, person_key, pass_no)[position]
