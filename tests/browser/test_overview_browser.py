"""In a real browser: log in, see the Overview with seeded counts, download its CSV, look
at the other pages, log out (tests/browser/conftest.py: the live server and Chromium)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from bot import models
from bot.retention import COUNTED, FINISHED, _set_mark
from tests.browser.conftest import START, log_in, shot

TODAY = START.date()
SEEDED_DAYS = 6        # the six days before today, as the clock's daily job would have counted them


def seed(steady) -> None:
    """Counts the clock would have stored: a crisis reply of each of three kinds a day,
    2 slips, 4 quit plans made and 9 people texting, each day before today."""
    rows = []
    for back in range(1, SEEDED_DAYS + 1):
        day = TODAY - timedelta(days=back)
        rows += [
            {"day": day, "metric": "people_texted", "key": "", "count": 9},
            {"day": day, "metric": "texts_in", "key": "slip", "count": 2},
            {"day": day, "metric": "texts_in", "key": "craving", "count": 5},
            {"day": day, "metric": "replies", "key": "craving", "count": 5},
            {"day": day, "metric": "crisis_kinds", "key": "suicide", "count": 1},
            {"day": day, "metric": "crisis_kinds", "key": "overdose_other", "count": 1},
            {"day": day, "metric": "crisis_kinds", "key": "violence", "count": 1},
            {"day": day, "metric": "plans", "key": "made", "count": 4},
        ]
    with steady.store.transaction() as tx:
        tx.session.execute(insert(models.DailyCount.__table__), rows)
        _set_mark(tx, COUNTED, datetime.combine(TODAY - timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc))
        _set_mark(tx, FINISHED, START.replace(hour=0, minute=5))


def test_log_in_see_the_overview_and_download_its_csv(page, live):
    seed(live.steady)
    page.goto("/console")
    assert "/console/login" in page.url                    # not logged in: the login page
    shot(page, "login")
    log_in(page)
    assert page.url.rstrip("/").endswith("/console")
    page.click("text=7 days")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Overview: the last 7 days"
    totals = {row.locator("th").inner_text(): row.locator("td").inner_text()
              for row in page.locator("table.totals tbody tr").all()}
    assert totals["Crisis replies"] == str(3 * SEEDED_DAYS)
    assert totals["Slips"] == str(2 * SEEDED_DAYS)
    assert totals["Quit plans made"] == str(4 * SEEDED_DAYS)
    assert page.locator("svg").count() >= 1                 # the charts, server-rendered SVG
    shot(page, "overview")

    with page.expect_download() as waiting:
        page.click("text=Download CSV")
    download = waiting.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    assert len(rows) == 7
    by_day = {row["day"]: row for row in rows}
    seeded = by_day[(TODAY - timedelta(days=2)).isoformat()]
    assert (seeded["crisis_replies"], seeded["slips"], seeded["plans_made"], seeded["so_far"]) == ("3", "2", "4", "no")
    assert by_day[TODAY.isoformat()]["so_far"] == "yes"


def test_each_page_renders_under_the_strict_policy(page, live):
    """Every page in the nav opens, and is kept as a screenshot; logging out ends it."""
    log_in(page)
    links = {link.inner_text(): link.get_attribute("href") for link in page.locator("header nav a").all()}
    assert {"Overview", "Delivery", "Simulator", "Content", "Settings"} <= set(links)
    for label, href in links.items():
        response = page.goto(href)
        assert response.status == 200, label
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert page.locator("h1").count() >= 1
        shot(page, label.lower())
    page.click("header form.logout button")
    page.wait_for_load_state()
    assert "/console/login" in page.url
    page.goto("/console/simulator")
    assert "/console/login" in page.url
