"""The log mask: anything shaped like a phone number, in messages, tracebacks and stacks,
for every handler; and twilio's request lines kept out at INFO."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from bot.logs import MaskNumbers, configure, mask_every_record
from bot.transport import TwilioTransport
from tests.fakes.twilio_api import FakeTwilio


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


# --- tracebacks, stacks, and every handler ------------------------------------------------

NUMBER = "+14155550123"


@pytest.fixture
def restore_logging():
    """configure() changes process-wide logging: put levels back afterwards."""
    root, twilio = logging.getLogger(), logging.getLogger("twilio")
    levels = root.level, twilio.level
    yield
    root.setLevel(levels[0])
    twilio.setLevel(levels[1])


def _formatted(record: logging.LogRecord) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskNumbers())
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.handle(record)
    return stream.getvalue()


def test_a_number_in_a_logged_traceback_or_stack_is_masked():
    try:
        raise RuntimeError(f"Key (number)=({NUMBER}) already exists")
    except RuntimeError:
        failed = logging.LogRecord("t", logging.ERROR, __file__, 1, "inbound failed", (), sys.exc_info())
    stacked = logging.LogRecord("t", logging.INFO, __file__, 1, "here", (), None, sinfo=f'  File "x", in f\n    {NUMBER}')
    shown = _formatted(failed) + _formatted(stacked)
    assert "Traceback" in shown and "RuntimeError: Key (number)=(+1********23)" in shown
    assert "4155550123" not in shown


def test_every_record_is_masked_as_it_is_made_so_every_handler_sees_it_masked(caplog):
    mask_every_record()
    mask_every_record()                                   # once, however often it is asked
    log = logging.getLogger("tests.logs")
    with caplog.at_level(logging.INFO):
        log.info("texted by %s", NUMBER)
        try:
            raise ValueError(f"no room for {NUMBER}")
        except ValueError:
            log.exception("lookup failed")
        log.info("where", stack_info=True, extra={"n": 1})
    assert "4155550123" not in caplog.text and "+1********23" in caplog.text
    assert all("4155550123" not in logging.Formatter().format(record) for record in caplog.records)


# --- twilio's own loggers ------------------------------------------------------------------

def test_twilio_logs_nothing_below_warning_unless_the_level_is_debug(restore_logging):
    configure("INFO")
    assert not logging.getLogger("twilio.http_client").isEnabledFor(logging.INFO)
    assert logging.getLogger("twilio.http_client").isEnabledFor(logging.WARNING)
    configure("DEBUG")
    assert logging.getLogger("twilio.http_client").isEnabledFor(logging.DEBUG)
    configure("WARNING")
    assert not logging.getLogger("twilio.http_client").isEnabledFor(logging.INFO)


def test_a_send_through_twilio_logs_no_request_lines_and_no_account_sid(restore_logging, caplog):
    configure("INFO")
    account = "AC" + "7" * 32
    with FakeTwilio(account_sid=account) as fake, caplog.at_level(logging.INFO):
        transport = TwilioTransport(account, "test-token", from_number="+15005550006", api_base_url=fake.base_url)
        try:
            assert transport.send("+15551234567", "A test text. SAMHSA National Helpline: 1-800-662-4357").ok
        finally:
            transport.close()
    assert [r for r in caplog.records if r.name.startswith("twilio")] == []
    assert account not in caplog.text
