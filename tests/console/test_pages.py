"""The settings page (configuration with secrets masked, the production check list) and the
content page (what `steady content check` reports, the corpus counts)."""

from __future__ import annotations

import html
from collections import Counter
from datetime import timedelta

import pytest

from bot import erasure
from bot.console import auth, settings_page, staff
from bot.settings import SPECS
from flows.content import check
from tests.console.conftest import SECRET_KEY, STAFF_EMAIL, STAFF_PASSWORD, https_client, login
from tests.support import TEST_DATA_KEY, TOKEN, make_app

pytestmark = pytest.mark.db

ACCOUNT_SID = "AC" + "1" * 32


def _checks(page: str) -> dict[str, bool]:
    """Each check list item's name -> green."""
    found = {}
    for item in page.split('<li><span class="status ')[1:]:
        state, rest = item.split('"', 1)
        name = rest.split("<strong>", 1)[1].split("</strong>", 1)[0]
        found[html.unescape(name)] = state == "ok"
    return found


def test_the_settings_page_lists_every_setting_and_masks_every_secret(console_client, console_app):
    page = console_client.get("/console/settings").get_data(as_text=True)
    settings = console_app.extensions["steady"].settings
    for spec in SPECS:
        assert f"<code>{spec.env}</code>" in page
    for secret in (TOKEN, TEST_DATA_KEY, SECRET_KEY, settings.database_url):
        assert secret not in page and html.escape(secret) not in page
    assert page.count("set (hidden)") == 4          # DATABASE_URL, TWILIO_AUTH_TOKEN, STEADY_DATA_KEY, STEADY_SECRET_KEY
    assert f"<code>{settings.default_timezone}</code>" in page and "<code>US</code>" in page   # ordinary values show


def test_a_test_deploy_is_red_where_production_needs_more(console_client):
    checks = _checks(console_client.get("/console/settings").get_data(as_text=True))
    assert checks == {"Twilio sending configured": False, "Public URL": False, "Data key": True, "Support contact": False,
                      "Signature checks": True, "Clock alive": False, "Migrations current": True,
                      "Console cookie HTTPS-only": True}


@pytest.fixture
def production_client(console_settings, console_clock):
    """Logged in to an app configured as production needs (the clock aside)."""
    settings = console_settings.with_(twilio_account_sid=ACCOUNT_SID, twilio_from_number="+15005550006",
                                      public_base_url="https://steady.example.org", support_contact="call 555-0100")
    app = make_app(settings)
    app.config[auth.CLOCK] = console_clock
    staff.add(app.extensions["steady"].store, STAFF_EMAIL, STAFF_PASSWORD, console_clock())
    client = https_client(app)
    assert login(client).status_code == 302
    yield client
    app.extensions["steady"].store.engine.dispose()


def test_a_production_deploy_is_green_but_for_the_clock_until_it_ticks(production_client, console_clock,
                                                                       monkeypatch):
    page = production_client.get("/console/settings").get_data(as_text=True)
    checks = _checks(page)
    assert all(ok for name, ok in checks.items() if name != "Clock alive"), checks
    assert not checks["Clock alive"] and "no tick recorded" in page
    assert ACCOUNT_SID in page                     # an account SID is no secret
    now = console_clock()
    monkeypatch.setattr(settings_page, "last_tick", lambda steady: now - timedelta(minutes=4))
    assert _checks(production_client.get("/console/settings").get_data(as_text=True))["Clock alive"]
    monkeypatch.setattr(settings_page, "last_tick", lambda steady: now - timedelta(minutes=6))
    page = production_client.get("/console/settings").get_data(as_text=True)
    assert not _checks(page)["Clock alive"] and "over 5 minutes ago" in page


def test_the_instance_folders_key_is_red(console_app):
    steady = console_app.extensions["steady"]
    with console_app.test_request_context():
        assert {c.name: c.ok for c in settings_page.checks(steady, settings_page.now())}["Data key"]
        with open(erasure.key_path(steady.settings), "w", encoding="utf-8") as fh:
            fh.write(steady.settings.data_key + "\n")
        data_key = {c.name: c for c in settings_page.checks(steady, settings_page.now())}["Data key"]
    assert not data_key.ok and "steady run" in data_key.detail


def test_a_database_behind_the_migrations_is_red(console_app):
    steady = console_app.extensions["steady"]
    with steady.store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0007_crisis_kind'")
    with console_app.test_request_context():
        migrations = {c.name: c for c in settings_page.checks(steady, settings_page.now())}["Migrations current"]
    assert not migrations.ok and "steady db upgrade" in migrations.detail


def test_the_content_page_shows_every_message_as_content_check_reports_it(console_client, console_app):
    page = console_client.get("/console/content").get_data(as_text=True)
    loaded = console_app.extensions["steady"].content
    reports = check(loaded)
    assert reports and f"{len(reports)} messages," in page
    for report in reports:
        row = page.split(f'<tr id="{html.escape(report.id)}">', 1)[1].split("</tr>", 1)[0]
        assert f"<code>{html.escape(report.id)}</code>" in row
        assert f'<td class="num">{report.characters}</td>' in row and f'<td class="num">{report.segments}</td>' in row
        assert f"<td>{report.encoding}</td>" in row
        for problem in report.problems:
            assert html.escape(problem) in row


def test_the_content_page_counts_the_corpus_examples_per_intent(console_client, console_app):
    page = console_client.get("/console/content").get_data(as_text=True)
    corpus = console_app.extensions["steady"].content.examples
    counts = Counter((e.group, e.label, e.kind or "-", getattr(e, "language", "") or "-") for e in corpus.examples)
    assert {group for group, *_ in counts} == {"intent", "crisis", "followup", "answer"}
    for (group, label, kind, language), n in counts.items():
        assert (f"<tr><td>{group}</td><td>{html.escape(label)}</td><td>{kind}</td><td>{language}</td>"
                f"<td class=\"num\">{n}</td></tr>") in page
