"""The pure parts of deleting texts from Twilio: how Twilio's answers to a DELETE are read,
when a text may go, the backoff and its cap, and what is shown (counts, masked SIDs)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot import twilio_deletions
from bot.transport import (
    DELETED,
    GONE,
    IN_PROGRESS_CODE,
    REFUSED,
    RETRY,
    ConsoleTransport,
    MemoryTransport,
    UnconfiguredTransport,
    classify_delete,
    mask_sid,
)
from bot.twilio_deletions import (
    MAX_ATTEMPTS,
    RETRY_FIRST,
    RETRY_LONGEST,
    SETTLE,
    UNCONFIRMED_WAIT,
    DeletionReport,
    backoff,
    due_after_receipt,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
SID = "SM" + "0123456789abcdef" * 2


@pytest.mark.parametrize(
    ("http_status", "code", "outcome"),
    [
        (404, 20404, GONE),                     # already gone: what was wanted
        (409, IN_PROGRESS_CODE, RETRY),         # Twilio is not done with it
        (400, IN_PROGRESS_CODE, RETRY),         # the code decides, whatever the status
        (500, 20500, RETRY),
        (503, 503, RETRY),                      # a body that is not JSON: twilio-python repeats the status
        (None, None, RETRY),                    # no answer
        (429, 20429, RETRY),
        (401, 20003, RETRY),                    # our credentials: fixed by the operator, tried again
        (400, 21211, REFUSED),
        (405, None, REFUSED),
    ],
)
def test_twilios_answers_to_a_delete(http_status, code, outcome):
    result = classify_delete(http_status, code)
    assert result.outcome == outcome
    assert result.done is (outcome == GONE)


def test_a_text_may_go_a_few_minutes_after_a_final_receipt_an_hour_after_sent_and_never_before():
    for status in ("delivered", "undelivered", "failed", "canceled", "read"):
        assert due_after_receipt(status, NOW) == NOW + SETTLE
    assert due_after_receipt("sent", NOW) == NOW + UNCONFIRMED_WAIT
    for status in ("accepted", "queued", "sending", "receiving", "bogus"):
        assert due_after_receipt(status, NOW) is None
    assert SETTLE >= timedelta(minutes=1)       # Twilio asks for at least a minute


def test_the_backoff_doubles_up_to_its_longest_and_the_attempts_are_capped():
    assert [backoff(n) for n in (1, 2, 3)] == [RETRY_FIRST, RETRY_FIRST * 2, RETRY_FIRST * 4]
    assert backoff(40) == RETRY_LONGEST
    waits = sum((backoff(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=12) < waits < timedelta(days=3)     # minutes at first, given up within days


def test_only_twilio_shaped_sids_are_queued():
    # A SID that is not Twilio's is refused before any statement (no connection needed).
    for sid in (None, "", "chat-1", "SM123", SID.upper(), SID + "0", "../" + SID):
        assert twilio_deletions.queue(None, sid, twilio_deletions.IN, NOW, NOW) is False
    assert twilio_deletions.SID_SHAPE.match(SID) and twilio_deletions.SID_SHAPE.match("MM" + SID[2:])


def test_a_sid_is_shown_by_its_kind_and_last_four_characters():
    assert mask_sid(SID) == "SM...cdef"
    assert SID not in mask_sid(SID)
    assert mask_sid("SM12") == "..."


def test_the_report_is_counts_only():
    report = DeletionReport(enabled=True, deleted=3, gone=1, retried=2)
    assert report.summary() == "3 deleted at Twilio (1 already gone), 2 deletions to retry"
    assert "given up" in DeletionReport(enabled=True, given_up=1).summary()


def test_the_memory_transport_deletes_once_then_reports_gone_and_scripts_failures():
    transport = MemoryTransport()
    transport.fail_deletes(1, http_status=409, code=IN_PROGRESS_CODE)
    assert transport.delete(SID).outcome == RETRY
    assert transport.delete(SID).outcome == DELETED
    assert transport.delete(SID).outcome == GONE
    assert transport.deleted == [SID] and transport.delete_attempts == [SID] * 3


def test_the_console_has_nothing_at_twilio_and_an_unconfigured_transport_refuses():
    assert ConsoleTransport().delete(SID).done
    refused = UnconfiguredTransport(("TWILIO_AUTH_TOKEN",)).delete(SID)
    assert refused.outcome == REFUSED and not refused.done
