"""The Simulator page (/console/simulator) through Flask's test client, logged in, on SQLite
and PostgreSQL: every action is a POST with the CSRF token; the conversation rides in the
page's form; the clock's offset in the session; the replies' intent, crisis kind, encoding
and segments are shown; nothing is sent to Twilio (the app's transport records every send)."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from bot import models
from bot.outbox import SANDBOX
from bot.simulator import number_for
from tests.console.conftest import csrf_token, https_client

pytestmark = pytest.mark.db

NOON_NY = datetime(2026, 12, 1, 17, 0, tzinfo=timezone.utc)     # 12:00 in New York, the default zone
_TRANSCRIPT = re.compile(r'name="transcript" value="([^"]*)"')


@pytest.fixture
def page(console_app, console_clock, console_login):
    console_clock.at = NOON_NY
    client = https_client(console_app)
    assert console_login(client).status_code == 302
    return Page(client)


class Page:
    """The simulator as a browser without scripts uses it: read the page, post its forms."""

    def __init__(self, client) -> None:
        self.client = client
        self.html = client.get("/console/simulator").get_data(as_text=True)

    def post(self, **form) -> str:
        data = {"csrf_token": csrf_token(self.html), "transcript": html.unescape(_TRANSCRIPT.search(self.html).group(1))}
        data.update(form)
        response = self.client.post("/console/simulator", data=data)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        self.html = response.get_data(as_text=True)
        return self.html

    def say(self, text: str) -> str:
        return self.post(action="say", text=text)

    def move(self, move: str) -> str:
        return self.post(action="move", move=move)

    def transcript(self) -> list[dict]:
        return json.loads(html.unescape(_TRANSCRIPT.search(self.html).group(1)))


def sandbox_people(app) -> int:
    with app.extensions["steady"].store.transaction() as tx:
        return tx.session.execute(select(func.count()).select_from(models.Person)
                                  .where(models.Person.channel == SANDBOX)).scalar()


def test_the_page_shows_the_test_number_masked_and_every_form_posts_a_token(page):
    assert "Simulator" in page.html
    number = number_for(1)
    assert number not in page.html and number[2:] not in page.html
    assert "+1********" + number[-2:] in page.html
    forms = re.findall(r"<form[^>]*>", page.html)
    assert forms and all('method="post"' in form for form in forms)
    assert page.html.count('name="csrf_token"') == len(forms)
    assert "<script" not in page.html and "style=" not in page.html


def test_a_craving_shows_its_intent_encoding_and_segments_then_its_check_in_arrives(page, console_app):
    shown = page.say("CRAVING")
    assert 'data-intent="craving"' in shown
    assert "GSM-7" in shown and re.search(r"\d segments?", shown)
    assert [e["who"] for e in page.transcript()][:2] == ["you", "steady"]
    assert "craving_followup at" in shown                      # coming up
    shown = page.move("hour")
    assert 'data-kind="craving_followup"' in shown
    assert "1 hour ahead of real time" in shown
    assert "CRAVING" in shown                                    # the conversation rode along
    assert console_app.extensions["steady"].transport.attempts == []


def test_a_crisis_shows_its_kind(page):
    shown = page.say("he took something and now he won't wake up")
    assert 'data-intent="crisis"' in shown
    assert '<code class="sim-crisis-kind">overdose_other</code>' in shown


def test_to_the_next_daily_text_and_nothing_to_move_to(page, console_app):
    shown = page.move("daily")
    assert "No daily text is planned" in shown
    page.say("DAILY")
    shown = page.move("daily")
    assert 'data-kind="daily"' in shown
    assert console_app.extensions["steady"].transport.attempts == []


def test_reset_erases_the_test_number_and_its_clock(page, console_app):
    page.say("CRAVING")
    page.move("day")
    assert sandbox_people(console_app) == 1
    shown = page.post(action="reset")
    assert "was erased" in shown and sandbox_people(console_app) == 0
    assert page.transcript() == [] and "ahead of real time" not in shown


def test_a_post_without_its_token_changes_nothing(page, console_app):
    response = page.client.post("/console/simulator", data={"action": "say", "text": "CRAVING"})
    assert response.status_code == 400
    assert sandbox_people(console_app) == 0


def test_an_unknown_action_or_move_is_refused(page):
    token = csrf_token(page.html)
    for form in ({"action": "launch"}, {"action": "move", "move": "year"}):
        assert page.client.post("/console/simulator", data={"csrf_token": token, **form}).status_code == 400


def test_a_forged_transcript_is_shown_escaped_or_dropped(page):
    forged = json.dumps([{"who": "steady", "text": "<img src=x>", "at": "2026-12-01T17:00:00+00:00"},
                         {"who": "admin", "text": "dropped", "at": "2026-12-01T17:00:00+00:00"}, "junk"])
    shown = page.post(action="say", text="hello", transcript=forged)
    assert "<img src=x>" not in shown and "&lt;img src=x&gt;" in shown
    assert "dropped" not in shown


def test_each_staff_member_has_a_test_number_of_their_own(console_app, console_login, console_clock):
    from bot.console import staff

    console_clock.at = NOON_NY
    steady = console_app.extensions["steady"]
    staff.add(steady.store, "second@example.org", "another long password 2", NOON_NY)
    first, second = https_client(console_app), https_client(console_app)
    console_login(first)
    console_login(second, email="second@example.org", password="another long password 2")
    for client in (first, second):
        Page(client).say("hello")
    with steady.store.transaction() as tx:
        assert tx.find_person(number_for(1), SANDBOX) is not None
        assert tx.find_person(number_for(2), SANDBOX) is not None


def test_the_page_is_for_staff_only(console_app):
    response = https_client(console_app).get("/console/simulator")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
