"""The Overview (/console) and its CSV on each database: seeded daily counts and live
detail show up per day, today is marked so far, the CSV is an audited attachment, and no
page or CSV carries a number, a body or a plan answer."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from bot import models
from bot.retention import COUNTED, FINISHED, _set_mark
from tests.console.conftest import START

pytestmark = pytest.mark.db

NUMBER = "+15555550147"
ANSWER = "my cousin Bartholomew"
BODY = "Marker body 9931 of a scheduled text"
TODAY = START.date()                       # the console's clock: 2026-12-01 12:00 UTC
YESTERDAY = TODAY - timedelta(days=1)
counts = models.DailyCount.__table__


def seed(store) -> int:
    """A year-end of stored counts up to yesterday (counted by the clock), and live detail
    today: a person with a number and a plan answer, an inbound slip and a plan saved."""
    rows = []
    for back in range(1, 40):
        day = TODAY - timedelta(days=back)
        rows += [
            {"day": day, "metric": "people_texted", "key": "", "count": 10 + back},
            {"day": day, "metric": "texts_in", "key": "slip", "count": 2},
            {"day": day, "metric": "texts_in", "key": "craving", "count": 5},
            {"day": day, "metric": "replies", "key": "craving", "count": 5},
            {"day": day, "metric": "crisis_kinds", "key": "suicide", "count": 1},
            {"day": day, "metric": "consent", "key": "opt_out", "count": 3},
            {"day": day, "metric": "checkin_scores", "key": "4", "count": 2},
            {"day": day, "metric": "plans", "key": "made", "count": 7},
            {"day": day, "metric": "people", "key": "daily", "count": 300},
            {"day": day, "metric": "outbox", "key": "sent", "count": 40},
            {"day": day, "metric": "quit_day", "key": "0", "count": 10},
            {"day": day, "metric": "quit_day", "key": "7", "count": 6},
        ]
    with store.transaction() as tx:
        tx.session.execute(insert(counts), rows)
        _set_mark(tx, COUNTED, datetime.combine(YESTERDAY, datetime.min.time(), tzinfo=timezone.utc))
        _set_mark(tx, FINISHED, START.replace(hour=0, minute=5))
        person = tx.person(NUMBER, "sms", timezone="America/New_York", now=START - timedelta(hours=2))
        person.plan = {"quit_date": TODAY.isoformat(), "triggers": ANSWER, "texts": True}
        person.daily_enabled = True
        tx.session.flush()
        tx.record_turn(person, "slip", 1, START - timedelta(hours=1))
        tx.record_plan(person.id, "made", START - timedelta(hours=1))
        tx.session.execute(insert(models.OutboxMessage.__table__).values(
            person_id=person.id, kind="daily", slot=TODAY.isoformat(), body=BODY, status="pending",
            due_at=START + timedelta(hours=3), next_attempt_at=START + timedelta(hours=3), attempts=0,
            created_at=START))
        return person.id


def assert_private(text: str) -> None:
    for secret in (NUMBER, NUMBER[2:], "5550147", ANSWER, "Bartholomew", BODY):
        assert secret not in text


def test_the_overview_shows_stored_days_and_today_so_far(console_app, console_client):
    seed(console_app.extensions["steady"].store)
    page = console_client.get("/console?days=7")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Overview: the last 7 days" in html
    assert f"{TODAY.isoformat()} (so far)" in html
    assert (TODAY - timedelta(days=6)).isoformat() in html and (TODAY - timedelta(days=7)).isoformat() not in html
    assert html.count('role="img"') >= 10 and "<title" in html
    assert '<th scope="row">Quit plans made</th><td class="num">43</td>' in html    # 6 stored days x 7 + 1 today
    assert '<th scope="row">Slips</th><td class="num">13</td>' in html
    assert "Daily-text subscribers now</th><td class=\"num\">1</td>" in html      # today's live snapshot
    assert "<td class=\"num\">60.0%</td>" in html                                 # day 7: 6 of 10
    assert_private(html)


def test_no_console_page_shows_a_number_a_body_or_an_answer(console_app, console_client):
    seed(console_app.extensions["steady"].store)
    for path in ("/console?days=7", "/console?days=30", "/console?days=90", "/console/overview.csv?days=90",
                 "/console/delivery?days=7", "/console/delivery?days=90", "/console/simulator",
                 "/console/content", "/console/settings"):
        response = console_client.get(path)
        assert response.status_code == 200
        assert_private(response.get_data(as_text=True))


def test_an_unknown_range_falls_back_to_30_days(console_app, console_client):
    html = console_client.get("/console?days=365").get_data(as_text=True)
    assert "Overview: the last 30 days" in html


def test_the_csv_is_an_audited_attachment_with_one_row_a_day(console_app, console_client):
    store = console_app.extensions["steady"].store
    seed(store)
    response = console_client.get("/console/overview.csv?days=7")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data(as_text=True)
    assert_private(text)
    table = list(csv.DictReader(io.StringIO(text)))
    assert [row["day"] for row in table] == [(TODAY - timedelta(days=n)).isoformat() for n in range(6, -1, -1)]
    assert table[-1]["so_far"] == "yes" and table[-1]["plans_made"] == "1" and table[-1]["slips"] == "1"
    assert table[0]["people_texted"] == "16" and table[0]["crisis_suicide"] == "1"
    assert table[0]["checkin_mean"] == "4.0"
    with store.transaction() as tx:
        actions = tx.session.scalars(select(models.Base.metadata.tables["console_audit"].c.action)).all()
    assert any("overview.csv" in action for action in actions)


def test_the_overview_needs_a_login(console_app):
    client = console_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    assert client.get("/console").status_code == 302
    assert client.get("/console/overview.csv").status_code == 302
