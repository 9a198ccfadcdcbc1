"""Real-browser tests of the operator console (issue 14): Playwright driving Debian's
Chromium (/usr/bin/chromium, passed as the executable: no browser is downloaded), headless,
against a live server: the real app (bot.app.create_app, the console on) with a real SQLite
file, served on a free loopback port by a thread of this process.

Without Chromium (STEADY_CHROMIUM may name another one) or the playwright package the tests skip, saying which is missing, unless
STEADY_REQUIRE_BROWSER=1 (.ci/run sets it after installing Chromium): then they fail.
Each test saves a screenshot of every page it visits under bench/results/console/ (ignored
by git) for a reviewer to look at.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from bot.console import auth, staff
from tests.support import make_app, make_settings

# Debian's Chromium; STEADY_CHROMIUM names another Chromium or Chrome (another system).
CHROMIUM = os.environ.get("STEADY_CHROMIUM") or "/usr/bin/chromium"
REQUIRE = "STEADY_REQUIRE_BROWSER"
SHOTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "console"
SECRET_KEY = "browser-test-secret-0123456789-abcdefghij"
STAFF_EMAIL = "staff@example.org"
STAFF_PASSWORD = "a long enough password 1"
# The console's clock (and so the simulator's real time): noon in New York, the default
# zone, on a fixed day, running on from there, so the tests never meet quiet hours.
START = datetime(2026, 12, 1, 17, 0, tzinfo=timezone.utc)


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(config, items) -> None:
    """Every test in this folder is a browser test (`-m browser`, `-m "not browser"`)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Headless Debian Chromium through Playwright, one per test process."""
    reason = _missing()
    if reason:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{reason}; {REQUIRE}=1 requires the browser tests to run", pytrace=False)
        pytest.skip(f"{reason}; the browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


class _Quiet(WSGIRequestHandler):
    """No line per request: a page's stylesheets would fill a failure's report."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class RunningClock:
    """The console's clock: START, then running at real speed."""

    def __init__(self, at: datetime = START) -> None:
        self.at = at
        self.began = time.monotonic()

    def __call__(self) -> datetime:
        return self.at + timedelta(seconds=time.monotonic() - self.began)


@dataclass
class Live:
    """The live server: its base URL and the app (its Steady in `steady`)."""

    url: str
    app: object
    clock: RunningClock
    shots: list[Path] = field(default_factory=list)

    @property
    def steady(self):
        return self.app.extensions["steady"]


@pytest.fixture(scope="module")
def live(browser, tmp_path_factory) -> Iterator[Live]:
    """The real app, console on, on a real SQLite file, served on a free loopback port
    (threaded: a browser loads a page's stylesheets while the page is still open)."""
    folder = tmp_path_factory.mktemp("live")
    settings = make_settings(f"sqlite:///{folder / 'steady.sqlite3'}", str(folder), console=True,
                             secret_key=SECRET_KEY, console_secure_cookie=False)
    app = make_app(settings)
    clock = RunningClock()
    app.config[auth.CLOCK] = clock
    staff.add(app.extensions["steady"].store, STAFF_EMAIL, STAFF_PASSWORD, clock())
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", app, clock)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    app.extensions["steady"].store.engine.dispose()


@pytest.fixture
def page(browser, live, request) -> Iterator:
    """A fresh browser context (no cookies) and page on the live server. Any message the
    browser logs about a refused script or style (the strict Content-Security-Policy) or
    an uncaught page error fails the test."""
    context = browser.new_context(base_url=live.url, accept_downloads=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    yield page
    context.close()
    assert problems == [], problems


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as bench/results/console/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


def log_in(page, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD) -> None:
    """Fill the login form and submit it, as a person would."""
    page.goto("/console/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
