"""Delivery receipts (POST /sms/status) as Twilio sends them: Steady served over real HTTP,
texts sent through the real twilio library to the loopback fake, and the fake posting
Twilio-shaped, RequestValidator-signed status callbacks back; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot import crypto
from bot import models
from bot.receipts import DELIVERY_ORDER, moves_forward
from tests.support import post_signed

pytestmark = pytest.mark.db

NY = "+12125550100"
SENDER = "+15005550006"
SIGNUP = datetime(2026, 11, 24, 5, 0, tzinfo=timezone.utc)
NINE_AM = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)     # 9:00 in New York


def person(steady, number=NY, channel="sms"):
    with steady.store.transaction() as tx:
        found = tx.find_person(number, channel)
        tx.session.expunge(found)
        return found


def rows(steady):
    with steady.store.transaction() as tx:
        return tx.session.execute(select(models.OutboxMessage).order_by(models.OutboxMessage.id)).scalars().all()


def daily_text(steady, fake, day: int) -> str | None:
    """Tick at 9:00 AM New York on day `day` (0 = Nov 24); the sid of the text sent, if any."""
    before = len(fake.messages)
    steady.tick(NINE_AM + timedelta(days=day))
    return fake.messages[-1]["sid"] if len(fake.messages) > before else None


# -- numbers that can't get texts --------------------------------------------------------

@pytest.mark.parametrize("code", [30005, 30006])
def test_an_unknown_number_or_a_landline_stops_scheduled_texts_at_once(steady, fake, code):
    steady.text(NY, "DAILY", SIGNUP)
    sid = daily_text(steady, fake, 0)
    assert steady.status(sid, "undelivered", code) == 204
    assert person(steady).undeliverable
    assert daily_text(steady, fake, 1) is None
    assert daily_text(steady, fake, 2) is None
    (row,) = rows(steady)
    assert (row.delivery_status, row.error_code) == ("undelivered", code)


def test_three_unreachable_receipts_in_a_row_stop_scheduled_texts_two_do_not(steady, fake):
    steady.text(NY, "DAILY", SIGNUP)
    for day in (0, 1):
        steady.status(daily_text(steady, fake, day), "undelivered", 30003)
    assert not person(steady).undeliverable
    third = daily_text(steady, fake, 2)
    assert third is not None
    steady.status(third, "undelivered", 30003)
    assert person(steady).undeliverable
    assert daily_text(steady, fake, 3) is None


@pytest.mark.parametrize(("late", "stopped"), [(("delivered", None), False), (("undelivered", 30003), True)])
def test_the_run_of_unreachable_texts_follows_the_order_they_were_sent(steady, fake, late, stopped):
    steady.text(NY, "DAILY", SIGNUP)
    sids = [daily_text(steady, fake, day) for day in range(5)]
    # Four unreachable receipts; day 2's receipt comes last, after day 3's and day 4's.
    for sid in (sids[0], sids[1], sids[3], sids[4]):
        steady.status(sid, "undelivered", 30003)
    assert not person(steady).undeliverable          # day 2 may yet have been delivered
    steady.status(sids[2], *late)
    assert person(steady).undeliverable is stopped
    assert (daily_text(steady, fake, 5) is None) is stopped


def test_unreachable_receipts_before_the_person_last_wrote_do_not_count(steady, fake):
    steady.text(NY, "DAILY", SIGNUP)
    for day in (0, 1):
        steady.status(daily_text(steady, fake, day), "undelivered", 30003)
    steady.text(NY, "thanks", NINE_AM + timedelta(days=1, hours=3))
    steady.status(daily_text(steady, fake, 2), "undelivered", 30003)
    assert not person(steady).undeliverable
    assert daily_text(steady, fake, 3) is not None


def test_a_text_from_an_undeliverable_number_lets_scheduled_texts_go_again(steady, fake):
    steady.text(NY, "DAILY", SIGNUP)
    for day in (0, 1, 2):
        steady.status(daily_text(steady, fake, day), "undelivered", 30003)
    assert person(steady).undeliverable and daily_text(steady, fake, 3) is None
    steady.text(NY, "my phone was off, im back", NINE_AM + timedelta(days=3, hours=2))
    assert not person(steady).undeliverable
    assert daily_text(steady, fake, 4) is not None


# -- out of order ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("callbacks", "kept"),
    [
        ([("sent", None), ("undelivered", 30003), ("sent", None)], ("undelivered", 30003)),
        ([("undelivered", 30003), ("queued", None), ("sending", None), ("sent", None)], ("undelivered", 30003)),
        ([("delivered", None), ("sent", None), ("sending", None)], ("delivered", None)),
        ([("sending", None), ("queued", None)], ("sending", None)),
        ([("delivered", None), ("read", None), ("delivered", None)], ("read", None)),
        ([("read", None), ("sent", None)], ("read", None)),
        ([("failed", 30006), ("delivered", None)], ("failed", 30006)),
        ([("sent", None), ("delivered", None), ("undelivered", 30003)], ("delivered", None)),
        ([("sent", None), ("partially_delivered", None)], ("sent", None)),
    ],
)
def test_a_receipt_only_moves_a_row_forward(steady, fake, callbacks, kept):
    steady.text(NY, "DAILY", SIGNUP)
    sid = daily_text(steady, fake, 0)
    assert rows(steady)[0].delivery_status == "queued"       # what Twilio answered the send with
    for status, code in callbacks:
        assert steady.status(sid, status, code) == 204
    (row,) = rows(steady)
    assert (row.delivery_status, row.error_code) == kept


def test_a_late_sent_after_an_unreachable_receipt_still_counts_it(steady, fake):
    steady.text(NY, "DAILY", SIGNUP)
    for day in (0, 1, 2):
        sid = daily_text(steady, fake, day)
        steady.status(sid, "undelivered", 30003)
        steady.status(sid, "sent")
    assert person(steady).undeliverable


def test_the_status_order_is_queued_sending_sent_then_final_and_read_after_delivered():
    order = ["queued", "sending", "sent"]
    for i, old in enumerate(order):
        for new in order[i + 1:] + ["delivered", "undelivered", "failed"]:
            assert moves_forward(old, new) and not moves_forward(new, old)
    final = ["delivered", "undelivered", "failed", "read"]
    assert all(not moves_forward(a, b) for a in final for b in final if (a, b) != ("delivered", "read"))
    assert moves_forward("delivered", "read") and moves_forward(None, "sent") and moves_forward("unknown", "failed")
    assert not moves_forward("sent", "no-such-status")
    assert set(DELIVERY_ORDER) >= set(order + final)


# -- 21610 for a message Steady didn't send itself ------------------------------------------

def _messaging_service_callback(to: str, code: int = 21610, status: str = "undelivered") -> dict:
    """The callback a Messaging Service posts for a reply it sent (TwiML): a sid Steady never saw."""
    return {
        "AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "MessagingServiceSid": "MG" + "1" * 32,
        "MessageSid": "SM" + "9" * 32, "SmsSid": "SM" + "9" * 32, "MessageStatus": status, "SmsStatus": status,
        "To": to, "From": SENDER, "ErrorCode": str(code),
    }


@pytest.mark.parametrize(("to", "channel"), [(NY, "sms"), ("whatsapp:" + NY, "whatsapp")])
def test_a_21610_for_an_unknown_message_opts_out_the_person_it_went_to(steady, fake, fake_token, to, channel):
    steady.text(to, "DAILY", SIGNUP)
    other = "sms" if channel == "whatsapp" else "whatsapp"
    steady.text(f"whatsapp:{NY}" if other == "whatsapp" else NY, "DAILY", SIGNUP)
    response = post_signed(steady.client, "/sms/status", _messaging_service_callback(to),
                           url=steady.settings.public_base_url + "/sms/status", token=fake_token)
    assert response.status_code == 204
    assert person(steady, NY, channel).opted_out
    assert not person(steady, NY, other).opted_out       # the other channel is another address
    with steady.store.transaction() as tx:
        kinds = tx.session.execute(
            select(models.ConsentEvent.kind, models.ConsentEvent.keyword)
            .where(models.ConsentEvent.person_id == person(steady, NY, channel).id)
            .order_by(models.ConsentEvent.id)
        ).all()
    assert kinds[-1] == ("opt_out", "21610")
    assert daily_text(steady, fake, 0) is not None        # only the other channel's text goes
    assert [m["To"] for m in fake.messages] == [f"whatsapp:{NY}" if other == "whatsapp" else NY]


@pytest.mark.parametrize(("to", "code"), [("+12125550199", 21610), (NY, 30003), ("not a number", 21610)])
def test_other_receipts_for_unknown_messages_change_nothing(steady, fake, fake_token, to, code):
    steady.text(NY, "DAILY", SIGNUP)
    response = post_signed(steady.client, "/sms/status", _messaging_service_callback(to, code),
                           url=steady.settings.public_base_url + "/sms/status", token=fake_token)
    assert response.status_code == 204
    found = person(steady)
    assert not (found.opted_out or found.undeliverable)
    with steady.store.transaction() as tx:
        assert tx.session.execute(select(models.Person).where(models.Person.number_hash != crypto.keyring().lookup(NY))).first() is None


@pytest.fixture
def fake_token(fake):
    return fake.auth_token
