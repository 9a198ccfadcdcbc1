"""Login, logout, sessions and lockout of the operator console, through the test client
(over https, as production is), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.console import staff
from bot.models import ConsoleAudit
from tests.console.conftest import STAFF_EMAIL, STAFF_PASSWORD, csrf_token, https_client, login

pytestmark = pytest.mark.db


def _audit(app) -> list[tuple[str | None, str]]:
    """(staff, action) of every audit row, oldest first."""
    with app.extensions["steady"].store.transaction() as tx:
        return [(r.staff, r.action) for r in tx.session.scalars(select(ConsoleAudit).order_by(ConsoleAudit.id))]


def _logged_in(client) -> bool:
    response = client.get("/console/settings")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_page_needs_a_login_and_the_form_logs_in(console_app):
    client = https_client(console_app)
    response = client.get("/console/settings")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/login?next=/console/settings")
    assert "name=\"csrf_token\"" in client.get("/console/login").get_data(as_text=True)
    response = login(client, next="/console/settings")
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/settings")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("steady_console=")
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert _logged_in(client)
    assert STAFF_EMAIL in client.get("/console/settings").get_data(as_text=True)


def test_the_email_is_matched_case_blind_and_trimmed(console_app):
    client = https_client(console_app)
    assert login(client, email="  Staff@Example.ORG ").status_code == 302
    assert _logged_in(client)


@pytest.mark.parametrize("email,password", [(STAFF_EMAIL, "a wrong password 12"), ("nobody@example.org", STAFF_PASSWORD),
                                            (STAFF_EMAIL, ""), ("", "")])
def test_a_failed_login_gets_the_same_generic_answer_and_no_session(console_app, email, password):
    client = https_client(console_app)
    response = login(client, email=email, password=password)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "That did not work" in page
    assert "no account" not in page.lower() and "locked" not in page.lower()
    assert not _logged_in(client)


def test_logout_needs_its_token_and_ends_the_session(console_client, console_app):
    assert console_client.post("/console/logout").status_code == 400       # no CSRF token: refused
    assert _logged_in(console_client)
    token = csrf_token(console_client.get("/console/settings").get_data(as_text=True))
    response = console_client.post("/console/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/login")
    assert not _logged_in(console_client)
    assert console_client.get("/console/logout").status_code == 405       # never by a link
    assert _audit(console_app)[-1] == (STAFF_EMAIL, staff.LOGOUT)


def test_a_post_without_a_csrf_token_is_400(console_app):
    client = https_client(console_app)
    response = client.post("/console/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    response = client.post("/console/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD,
                                                   "csrf_token": "forged"})
    assert response.status_code == 400
    assert not _logged_in(client)
    assert _audit(console_app) == []          # refused before any password was checked


def test_the_session_is_new_after_login_so_a_token_from_before_is_refused(console_app):
    client = https_client(console_app)
    before = csrf_token(client.get("/console/login").get_data(as_text=True))
    cookie_before = client.get_cookie("steady_console", path="/console").value
    assert login(client).status_code == 302
    assert client.get_cookie("steady_console", path="/console").value != cookie_before
    assert client.post("/console/logout", data={"csrf_token": before}).status_code == 400
    assert _logged_in(client)


def test_another_clients_cookie_jar_is_not_logged_in(console_client, console_app):
    assert _logged_in(console_client)
    assert not _logged_in(https_client(console_app))


def test_the_next_page_is_only_ever_inside_the_console(console_app):
    for target in ("https://evil.example/console/", "//evil.example/console/", "/sms", "/console\\@evil"):
        client = https_client(console_app)
        response = login(client, next=target)
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "evil" not in location and (location == "/console" or location.startswith("/console/")), location


def test_five_wrong_passwords_lock_the_account_for_15_minutes(console_app, console_clock):
    client = https_client(console_app)
    for _ in range(staff.WRONG_PASSWORDS_TO_LOCK):
        assert login(client, password="a wrong password 12").status_code == 401
    assert login(client).status_code == 401                   # the right password, but locked
    assert not _logged_in(client)
    console_clock.move(minutes=14)
    assert login(client).status_code == 401
    console_clock.move(minutes=2)
    assert login(client).status_code == 302                   # the lock has run out
    actions = [action for who, action in _audit(console_app)]
    assert actions == [staff.LOGIN_FAILED] * 5 + [staff.LOCKOUT] + [staff.LOGIN_FAILED] * 2 + [staff.LOGIN]


def test_a_good_login_resets_the_count_of_wrong_passwords(console_app):
    client = https_client(console_app)
    for _ in range(staff.WRONG_PASSWORDS_TO_LOCK - 1):
        login(client, password="a wrong password 12")
    assert login(client).status_code == 302
    other = https_client(console_app)
    for _ in range(staff.WRONG_PASSWORDS_TO_LOCK - 1):
        login(other, password="a wrong password 12")
    assert login(other).status_code == 302


def test_an_address_with_many_failed_logins_waits_whatever_the_account(console_app, console_clock):
    attacker = https_client(console_app)
    for n in range(staff.ADDRESS_FAILURES):
        assert login(attacker, email=f"guess{n}@example.org").status_code == 401
    assert login(attacker).status_code == 401                  # right account and password, from that address
    elsewhere = https_client(console_app)
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(elsewhere).status_code == 302
    console_clock.move(minutes=16)
    assert login(attacker).status_code == 302


def test_unknown_emails_are_audited_without_the_typed_email(console_app):
    login(https_client(console_app), email="Typed.Secret@example.org")
    assert _audit(console_app) == [(None, staff.LOGIN_FAILED)]
    with console_app.extensions["steady"].store.transaction() as tx:
        (row,) = tx.session.scalars(select(ConsoleAudit)).all()
        assert row.address == "127.0.0.1"


def test_an_idle_session_is_logged_out_and_use_keeps_it_alive(console_client, console_clock, console_app):
    console_clock.move(minutes=29)
    assert _logged_in(console_client)
    console_clock.move(minutes=29)                              # 29 minutes since the last request
    assert _logged_in(console_client)
    console_clock.move(minutes=31)
    assert not _logged_in(console_client)
    assert not _logged_in(console_client)                      # cleared, not just refused once


def test_a_session_ends_after_12_hours_however_busy(console_client, console_clock):
    for _ in range(24):                                          # 24 x 29 minutes: 11 h 36 min
        console_clock.move(minutes=29)
        assert _logged_in(console_client)
    console_clock.move(minutes=29)                              # 12 h 5 min since the login
    assert not _logged_in(console_client)


def test_removing_the_account_ends_its_sessions(console_client, console_app):
    assert staff.remove(console_app.extensions["steady"].store, STAFF_EMAIL)
    assert not _logged_in(console_client)


def test_audit_records_an_action_of_the_logged_in_staff(console_client, console_app):
    from bot.console.auth import audit

    with console_app.test_request_context("/console/overview.csv"):
        from flask import g
        g.console_staff = STAFF_EMAIL
        audit("export overview.csv")
    assert _audit(console_app) == [(STAFF_EMAIL, staff.LOGIN), (STAFF_EMAIL, "export overview.csv")]


def test_logout_also_ends_a_copy_of_the_session_cookie(console_app):
    client = https_client(console_app)
    login(client)
    copy = https_client(console_app)
    copy.set_cookie("steady_console", client.get_cookie("steady_console", path="/console").value, path="/console")
    assert _logged_in(copy)
    token = csrf_token(client.get("/console/settings").get_data(as_text=True))
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert not _logged_in(copy)
    assert login(client).status_code == 302 and _logged_in(client)      # a new login is a new epoch's session
