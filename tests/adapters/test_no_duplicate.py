"""At most once when Twilio created the message and then answered 5xx (or nothing): the
outbox looks the text up at Twilio before a retry. The real TwilioTransport over real HTTP
to the loopback fake, on SQLite and PostgreSQL (the clock tests' world)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import insert

from bot import models
from bot.outbox import UNCONFIRMED, UNKNOWN
from bot.transport import LookupFailed, TwilioTransport
from tests.adapters.test_clock import CHI, NY, SENDER, rows, sent_to, utc

pytestmark = pytest.mark.db

NINE_NY = utc(2026, 11, 24, 14, 0)      # 9:00 in New York
NINE_CHI = utc(2026, 11, 24, 15, 0)     # 9:00 in Chicago
RETRY = timedelta(seconds=30)           # the first backoff
LOOKUP = 2                              # GETs in one look-up: DateSent since, and the newest


def tick(world, fake, at):
    """One tick at `at`, with the fake Twilio's clock there too (DateCreated, DateSent)."""
    fake.clock = lambda: at
    return world.tick(at)


def daily_for(world, *numbers):
    for number in numbers:
        world.text(number, "DAILY", utc(2026, 11, 24, 5, 0))


@pytest.mark.parametrize(("http_status", "raw_body"), [
    (504, "<html><body>Gateway Timeout</body></html>"),
    (502, "<html><body>Bad Gateway</body></html>"),
    (500, None),
])
def test_a_text_twilio_created_before_answering_5xx_is_found_and_not_sent_again(world, fake, http_status, raw_body):
    daily_for(world, NY)
    fake.create_then_fail(1, http_status=http_status, raw_body=raw_body)
    tick(world, fake, NINE_NY)
    (created,) = fake.messages
    (row,) = rows(world, kind="daily")
    assert (row.status, row.attempts, row.delivery_status) == ("pending", 1, UNCONFIRMED)
    report = tick(world, fake, NINE_NY + RETRY)
    assert sent_to(fake, NY) == [created]
    (row,) = rows(world, kind="daily")
    assert (row.status, row.attempts, row.provider_sid) == ("sent", 2, created["sid"])
    assert row.delivery_status == "sent"          # what Twilio's list says of it
    assert (report.send.sent, fake.lookups) == (1, LOOKUP)
    tick(world, fake, NINE_NY + timedelta(hours=1))
    assert len(fake.messages) == 1


def test_eight_texts_created_then_answered_504_go_once_each(world, fake):
    numbers = [f"+1212555{n:04d}" for n in range(200, 208)]
    daily_for(world, *numbers)
    fake.create_then_fail(8, http_status=504)
    tick(world, fake, NINE_NY)
    assert len(fake.messages) == 8
    assert all(r.status == "pending" for r in rows(world, kind="daily"))
    tick(world, fake, NINE_NY + RETRY)
    tick(world, fake, NINE_NY + 4 * RETRY)
    assert sorted(m["To"] for m in fake.messages) == numbers
    sids = {m["To"]: m["sid"] for m in fake.messages}
    with world.store.transaction() as tx:
        people = {p.id: p.number for p in tx.session.query(models.Person)}
    assert {people[r.person_id]: (r.status, r.provider_sid) for r in rows(world, kind="daily")} == {
        number: ("sent", sids[number]) for number in numbers}
    assert fake.lookups == 8 * LOOKUP


def test_a_created_text_still_queued_at_twilio_is_found_too(world, fake):
    fake.sends_at_once = False              # no DateSent yet: a DateSent filter can't see it
    daily_for(world, NY)
    fake.create_then_fail(1, http_status=504)
    tick(world, fake, NINE_NY)
    tick(world, fake, NINE_NY + RETRY)
    (created,) = fake.messages
    (row,) = rows(world, kind="daily")
    assert (row.status, row.provider_sid, row.delivery_status) == ("sent", created["sid"], "queued")


def test_a_read_timeout_after_twilio_created_the_text_is_found_and_not_sent_again(world, fake):
    world.sender.transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER,
                                             api_base_url=fake.base_url, timeout=0.3)
    daily_for(world, NY)
    fake.delay = 0.8                         # Twilio answers after the client gave up ...
    tick(world, fake, NINE_NY)
    (row,) = rows(world, kind="daily")
    assert (row.status, row.delivery_status) == ("pending", UNCONFIRMED)
    deadline = time.monotonic() + 5
    while not fake.messages and time.monotonic() < deadline:   # ... but it created the text
        time.sleep(0.05)
    (created,) = fake.messages
    fake.delay = 0
    tick(world, fake, NINE_NY + RETRY)
    assert sent_to(fake, NY) == [created]
    (row,) = rows(world, kind="daily")
    assert (row.status, row.provider_sid) == ("sent", created["sid"])
    world.sender.transport.close()


def test_a_500_that_created_nothing_is_looked_up_then_sent_once(world, fake):
    daily_for(world, NY)
    fake.fail_next(1, http_status=500)
    tick(world, fake, NINE_NY)
    assert fake.messages == []
    tick(world, fake, NINE_NY + RETRY)
    (message,) = sent_to(fake, NY)
    (row,) = rows(world, kind="daily")
    assert (row.status, row.attempts, row.provider_sid) == ("sent", 2, message["sid"])
    assert row.delivery_status == "queued"         # the new send's answer, not the mark
    assert fake.lookups == LOOKUP


@pytest.mark.parametrize("lookup_failure", [{"http_status": 500}, {"http_status": 503, "raw_body": "<html>down</html>"},
                                            {"http_status": 401}])
def test_when_the_look_up_fails_nothing_is_sent_again_and_the_row_is_unknown(world, fake, lookup_failure):
    daily_for(world, NY)
    fake.fail_next(1, http_status=504)             # nothing created: a re-send would show
    tick(world, fake, NINE_NY)
    fake.fail_lookups(1, **lookup_failure)
    report = tick(world, fake, NINE_NY + RETRY)
    assert fake.messages == []
    (row,) = rows(world, kind="daily")
    assert (row.status, row.delivery_status, row.attempts) == ("failed", UNKNOWN, 2)
    assert (report.send.failed, report.send.reasons) == (1, {UNKNOWN: 1})
    assert "(unknown 1)" in report.summary()
    tick(world, fake, NINE_NY + timedelta(hours=1))
    assert fake.messages == [] and fake.lookups == 1


def test_a_429_is_retried_without_a_look_up_and_only_a_maybe_created_text_is_looked_up(world, fake):
    daily_for(world, NY, CHI)
    fake.fail_next(1, http_status=429, code=20429)           # Twilio created nothing
    tick(world, fake, NINE_NY)
    (row,) = rows(world, kind="daily", status="pending")
    assert (row.attempts, row.delivery_status) == (1, None)
    tick(world, fake, NINE_NY + RETRY)
    assert len(sent_to(fake, NY)) == 1 and fake.lookups == 0
    fake.create_then_fail(1, http_status=504)
    tick(world, fake, NINE_CHI)
    tick(world, fake, NINE_CHI + RETRY)
    assert len(sent_to(fake, CHI)) == 1 and fake.lookups == LOOKUP
    assert [r.status for r in rows(world, kind="daily")] == ["sent", "sent"]


def test_a_match_that_another_row_holds_is_not_taken_for_this_one(world, fake):
    daily_for(world, NY)
    with world.store.transaction() as tx:
        person = tx.find_person(NY, "sms")
        body = "Same words twice. SAMHSA National Helpline: 1-800-662-4357"
        for slot, due in (("a", NINE_NY), ("b", NINE_NY + timedelta(hours=1))):
            tx.session.execute(insert(models.OutboxMessage).values(
                person_id=person.id, kind="daily", slot=slot, body=body, status="pending",
                due_at=due, next_attempt_at=due, attempts=0, created_at=NINE_NY - timedelta(minutes=1)))
    tick(world, fake, NINE_NY)                          # row a (and the daily text) go
    (first,) = [m for m in fake.messages if m["Body"] == body]
    fake.fail_next(1, http_status=504)                  # row b: nothing created
    tick(world, fake, NINE_NY + timedelta(hours=1))
    tick(world, fake, NINE_NY + timedelta(hours=1) + RETRY)
    second = [m for m in fake.messages if m["Body"] == body and m["sid"] != first["sid"]]
    assert len(second) == 1 and fake.lookups == LOOKUP
    a, b = [r for r in rows(world, kind="daily") if r.slot in ("a", "b")]
    assert (a.provider_sid, b.provider_sid, b.status) == (first["sid"], second[0]["sid"], "sent")


def test_a_last_try_that_may_have_reached_twilio_ends_unknown_not_failed(world, fake):
    world.settings = world.settings.with_(max_attempts=1)
    world.sender.settings = world.settings
    daily_for(world, NY)
    fake.fail_next(1, http_status=502)
    report = tick(world, fake, NINE_NY)
    (row,) = rows(world, kind="daily")
    assert (row.status, row.delivery_status) == ("failed", UNKNOWN)
    assert report.send.reasons == {UNKNOWN: 1}


def test_find_sent_matches_to_from_body_direction_and_time(fake):
    transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER, api_base_url=fake.base_url)
    fake.clock = lambda: NINE_NY
    assert transport.send(NY, "hello").ok and transport.send(NY, "other").ok and transport.send(CHI, "hello").ok
    other_sender = TwilioTransport(fake.account_sid, fake.auth_token, from_number="+15005550001",
                                   api_base_url=fake.base_url)
    assert other_sender.send(NY, "hello").ok
    (found,) = transport.find_sent(NY, "hello", NINE_NY - timedelta(minutes=5))
    assert found.sid == fake.messages[0]["sid"] and found.created == NINE_NY
    assert transport.find_sent(NY, "hello", NINE_NY + timedelta(minutes=5)) == []     # before `since`
    assert transport.find_sent(NY, "hell", NINE_NY) == []
    fake.fail_lookups(1, http_status=500)
    with pytest.raises(LookupFailed):
        transport.find_sent(NY, "hello", NINE_NY)
    transport.close()
    other_sender.close()


def test_find_sent_with_a_messaging_service_matches_its_sid(fake):
    service = "MG" + "1" * 32
    ours = TwilioTransport(fake.account_sid, fake.auth_token, messaging_service_sid=service,
                           api_base_url=fake.base_url)
    theirs = TwilioTransport(fake.account_sid, fake.auth_token, messaging_service_sid="MG" + "2" * 32,
                             api_base_url=fake.base_url)
    assert theirs.send(NY, "hello").ok and ours.send(NY, "hello").ok
    (found,) = ours.find_sent(NY, "hello", utc(2020, 1, 1))
    assert found.sid == fake.messages[1]["sid"]
    ours.close()
    theirs.close()


# -- the fake's Messages list and faults, over raw HTTP -----------------------------------------

def _get(fake, query="", auth=None):
    import requests

    url = f"{fake.base_url}/2010-04-01/Accounts/{fake.account_sid}/Messages.json{query}"
    return requests.get(url, auth=auth or (fake.account_sid, fake.auth_token), timeout=5)


def test_the_fake_lists_messages_newest_first_in_pages_like_twilio(fake):
    transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER, api_base_url=fake.base_url)
    for minute in range(5):
        fake.clock = lambda minute=minute: NINE_NY + timedelta(minutes=minute)
        assert transport.send(NY, f"text {minute}").ok
    assert transport.send(CHI, "elsewhere").ok
    first = _get(fake, f"?To={NY.replace('+', '%2B')}&PageSize=2").json()
    assert set(first) == {"end", "first_page_uri", "messages", "next_page_uri", "page", "page_size",
                          "previous_page_uri", "start", "uri"}
    assert [m["body"] for m in first["messages"]] == ["text 4", "text 3"]
    assert (first["page"], first["page_size"], first["start"], first["end"]) == (0, 2, 0, 1)
    assert "PageToken=PA" in first["next_page_uri"] and first["previous_page_uri"] is None
    second = _get(fake, "?" + first["next_page_uri"].split("?", 1)[1]).json()
    assert [m["body"] for m in second["messages"]] == ["text 2", "text 1"]
    assert (second["page"], second["start"]) == (1, 2)
    listed = [m.body for m in transport._client().messages.list(to=NY, page_size=2)]     # the library pages it
    assert listed == ["text 4", "text 3", "text 2", "text 1", "text 0"]
    transport.close()


def test_the_fake_filters_by_date_sent_as_twilio_documents_it(fake):
    transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER, api_base_url=fake.base_url)
    for day in (23, 24, 25):
        fake.clock = lambda day=day: utc(2026, 11, day, 14, 0)
        assert transport.send(NY, f"day {day}").ok

    def bodies(query):
        return [m["body"] for m in _get(fake, query).json()["messages"]]

    assert bodies("?DateSent=2026-11-24") == ["day 24"]
    assert bodies("?DateSent%3E=2026-11-24") == ["day 25", "day 24"]
    assert bodies("?DateSent%3C=2026-11-24") == ["day 24", "day 23"]
    assert bodies("?DateSent%3E=2026-11-24T14%3A00%3A01Z") == ["day 25"]
    assert _get(fake, "?DateSent=yesterday").status_code == 400
    fake.sends_at_once = False
    assert transport.send(NY, "still queued").ok
    assert bodies("?DateSent%3E=2026-11-01") == ["day 25", "day 24", "day 23"]
    assert bodies("")[0] == "still queued"
    assert _get(fake).json()["messages"][0]["date_sent"] is None
    transport.close()


def test_the_fake_creates_then_fails_and_fails_look_ups_when_told(fake):
    transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER, api_base_url=fake.base_url)
    fake.create_then_fail(1, http_status=502, raw_body="<html>Bad Gateway</html>")
    failed = transport.send(NY, "hello")
    assert (failed.ok, failed.http_status, failed.maybe_sent) == (False, 502, True)
    assert [m["Body"] for m in fake.messages] == ["hello"] and fake.requests == 1
    assert transport.send(NY, "again").ok
    assert _get(fake, auth=(fake.account_sid, "wrong")).status_code == 401
    fake.fail_lookups(1, http_status=503)
    assert _get(fake).status_code == 503
    assert len(_get(fake).json()["messages"]) == 2
    assert fake.lookups == 3
    fake.create_then_fail(1)
    fake.fail_lookups(1)
    fake.reset()
    assert (fake.messages, fake.lookups) == ([], 0)
    assert transport.send(NY, "fresh").ok and _get(fake).status_code == 200
    transport.close()
