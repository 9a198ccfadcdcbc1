"""The log filter that masks anything shaped like a phone number, and nothing else."""

from __future__ import annotations

import logging

import pytest

from bot.logs import MaskNumbers


def masked(message: str, *args) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)
    MaskNumbers().filter(record)
    return record.getMessage()


@pytest.mark.parametrize(
    "raw",
    ["+14155550123", "whatsapp:+14155550123", "14155550123", "4155550123", "(415) 555-0123", "415-555-0123",
     "415.555.0123", "+447911123456"],
)
def test_numbers_in_log_lines_are_masked(raw):
    line = masked("texted by %s today", raw)
    digits = "".join(ch for ch in raw if ch.isdigit())
    assert digits not in "".join(ch for ch in line if ch.isdigit() or ch == " ")
    assert "*" in line


@pytest.mark.parametrize(
    "line",
    ["next run at: 2026-11-24 06:00:16 UTC", "tick at 2026-11-24T14:00:00+00:00", "sent 1200 rows in 3.5 s",
     "error 21610 on row 42"],
)
def test_timestamps_and_counts_are_left_alone(line):
    assert masked(line) == line
