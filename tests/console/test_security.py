"""The console's switch and its web security: off is 404, on needs a secret, every /console
response carries the headers, and the Twilio webhook is untouched by any of it."""

from __future__ import annotations

import pytest

from bot.console.security import CONTENT_SECURITY_POLICY, HEADERS
from bot.settings import SettingsError
from tests.console.conftest import csrf_token, https_client, login
from tests.support import make_app, make_settings, text

pytestmark = pytest.mark.db

CONSOLE_PATHS = ("/console", "/console/", "/console/login", "/console/logout", "/console/settings", "/console/content",
                 "/console/static/console.css", "/console/overview.csv", "/console/delivery", "/console/simulator")


@pytest.fixture
def plain_app(database_url, tmp_path):
    """The app as deployed without STEADY_CONSOLE."""
    app = make_app(make_settings(database_url, str(tmp_path)))
    yield app
    app.extensions["steady"].store.engine.dispose()


def test_off_every_console_address_is_404_and_no_cookie_is_set(plain_app):
    client = plain_app.test_client()
    for path in CONSOLE_PATHS:
        with client.get(path) as response:
            assert response.status_code == 404, path
            assert "Set-Cookie" not in response.headers
    assert client.post("/console/login", data={"email": "a@b.c", "password": "x" * 12}).status_code == 404
    assert plain_app.secret_key is None


def test_on_without_a_secret_key_steady_refuses_to_start(database_url, tmp_path):
    with pytest.raises(SettingsError, match="STEADY_SECRET_KEY is required when STEADY_CONSOLE is true"):
        make_settings(database_url, str(tmp_path), console=True)
    with pytest.raises(SettingsError, match="STEADY_SECRET_KEY must be at least 32 characters"):
        make_settings(database_url, str(tmp_path), console=True, secret_key="short")


def _has_console_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code)


def test_every_console_response_carries_the_security_headers(console_app):
    client = https_client(console_app)
    responses = [client.get(path) for path in CONSOLE_PATHS]                      # pages, 302s, 404s, 405, css
    responses.append(client.post("/console/login", data={}))                       # 400 (no CSRF token)
    responses.append(login(client, password="a wrong password 12"))                # 401
    responses.append(login(client))                                                # 302 after login
    responses += [client.get("/console/settings"), client.get("/console/content"), client.get("/console/nowhere")]
    assert {r.status_code for r in responses} >= {200, 302, 400, 401, 404, 405}
    for response in responses:
        _has_console_headers(response)
        response.close()          # the stylesheet is a streamed file
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_console_pages_have_no_inline_script_or_style(console_client):
    for path in ("/console/login", "/console/settings", "/console/content"):
        page = console_client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "style=" not in page and "<style" not in page, path
    with console_client.get("/console/static/console.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"


def test_the_webhook_answers_a_signed_post_without_a_csrf_token_or_console_headers(console_app):
    client = console_app.test_client()
    response, replies = text(client, "HELP")
    assert response.status_code == 200 and len(replies) == 1
    assert "Content-Security-Policy" not in response.headers and "Set-Cookie" not in response.headers
    assert client.get("/health").status_code in (200, 503)
    # A forged text is still refused by the signature check, not by CSRF.
    assert client.post("/sms", data={"From": "+14155550123", "Body": "HELP"}).status_code == 403


def test_the_session_cookie_never_goes_to_the_webhook(console_app):
    client = https_client(console_app)
    login(client)
    cookie = client.get_cookie("steady_console", path="/console")
    assert cookie is not None and cookie.path == "/console"
    assert client.get_cookie("steady_console", path="/") is None


def test_a_cookie_signed_with_another_key_is_no_session(console_app, database_url, tmp_path):
    client = https_client(console_app)
    login(client)
    stolen = client.get_cookie("steady_console", path="/console").value
    other = make_app(make_settings(database_url, str(tmp_path / "other"), console=True,
                                   secret_key="another-secret-key-0123456789abcdefgh"))
    try:
        intruder = https_client(other)
        intruder.set_cookie("steady_console", stolen, path="/console")
        assert intruder.get("/console/settings").status_code == 302
    finally:
        other.extensions["steady"].store.engine.dispose()
    page = client.get("/console/settings")
    assert page.status_code == 200 and csrf_token(page.get_data(as_text=True))
