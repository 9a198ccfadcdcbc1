"""Fixtures for the operator console's tests: `console_app` (the app with STEADY_CONSOLE on,
a secret key and one staff account, on each database), `console_client` (a test client
logged in as that account, over https as production is) and `console_login(client)`.

Passwords are hashed with a cheap argon2id in these tests (`cheap_hashes`, autouse).
Time: the console reads now from app.config[auth.CLOCK]; `console_clock` is a FakeClock the
app uses, moved by tests (idle timeout, lockout expiry) instead of sleeping."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher

from bot.console import auth, staff
from tests.support import make_app, make_settings

SECRET_KEY = "console-test-secret-0123456789-abcdefghij"
STAFF_EMAIL = "staff@example.org"
STAFF_PASSWORD = "a long enough password 1"
START = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class FakeClock:
    """now() is `at` until moved."""

    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def move(self, **delta) -> None:
        self.at += timedelta(**delta)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    found = _TOKEN.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def https_client(app):
    """A test client whose requests arrive over https (the session cookie is Secure)."""
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def login(client, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD, **extra):
    """Log in through the form as a browser would (GET for the token, then POST); the POST's response."""
    page = client.get("/console/login")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "email": email, "password": password}
    data.update(extra)
    return client.post("/console/login", data=data)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Argon2id at its cheapest for tests (the production profile takes 64 MiB and up to a
    second a hash on a busy machine); tests/console/test_staff.py checks that profile."""
    monkeypatch.setattr(staff, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def console_settings(database_url, tmp_path):
    """The settings console_app is built with (a module may override this fixture)."""
    return make_settings(database_url, str(tmp_path), console=True, secret_key=SECRET_KEY)


@pytest.fixture
def console_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def console_app(console_settings, console_clock):
    """The app with the console on, STAFF_EMAIL's account made, the clock fake."""
    app = make_app(console_settings)
    app.config[auth.CLOCK] = console_clock
    staff.add(app.extensions["steady"].store, STAFF_EMAIL, STAFF_PASSWORD, console_clock())
    yield app
    app.extensions["steady"].store.engine.dispose()


@pytest.fixture
def console_login():
    """login(client, email=..., password=...) -> the login POST's response."""
    return login


@pytest.fixture
def console_client(console_app):
    """A test client logged in as STAFF_EMAIL."""
    client = https_client(console_app)
    response = login(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
