"""Login, logout, sessions and lockout of the operator console, through the test client."""

from __future__ import annotations

import pytest

from tests.console.conftest import STAFF_EMAIL, https_client, login

pytestmark = pytest.mark.db


def test_a_page_needs_a_login_and_the_form_logs_in(console_app):
    client = https_client(console_app)
    response = client.get("/console/settings")
    assert response.status_code == 302
    assert "/console/login" in response.headers["Location"]
    response = login(client)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie


def test_logged_in_pages_render_and_logout_ends_the_session(console_client):
    assert console_client.get("/console/content").status_code == 200
    page = console_client.get("/console/settings")
    assert page.status_code == 200
    from tests.console.conftest import csrf_token
    response = console_client.post("/console/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert console_client.get("/console/settings").status_code == 302
