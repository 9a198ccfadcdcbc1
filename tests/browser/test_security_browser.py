"""In a real browser: a form posted without its CSRF token is refused, and repeated wrong
passwords lock an account, the right one included, until the lock runs out."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import models
from bot.console import staff
from bot.outbox import SANDBOX
from tests.browser.conftest import log_in, shot

LOCKED_EMAIL = "locked@example.org"
LOCKED_PASSWORD = "the right password 12345"


def sandbox_people(live) -> int:
    with live.steady.store.transaction() as tx:
        return tx.session.execute(select(func.count()).select_from(models.Person)
                                  .where(models.Person.channel == SANDBOX)).scalar()


def test_a_form_without_its_csrf_token_is_refused(page, live):
    log_in(page)
    page.goto("/console/simulator")
    page.locator("form.sim-say input[name=csrf_token]").evaluate("field => field.remove()")
    page.fill("#sim-text", "CRAVING")
    with page.expect_response(lambda r: r.url.endswith("/console/simulator") and r.request.method == "POST") as waiting:
        page.click("form.sim-say button[type=submit]")
    assert waiting.value.status == 400
    assert "Form expired or forged" in page.content()
    shot(page, "csrf-refused")
    assert sandbox_people(live) == 0                       # nothing was said
    # The same post from outside the page (the session's cookie, no token) is refused too.
    outside = page.context.request.post(f"{live.url}/console/simulator", form={"action": "reset"})
    assert outside.status == 400


def test_repeated_wrong_passwords_lock_the_account(page, live):
    staff.add(live.steady.store, LOCKED_EMAIL, LOCKED_PASSWORD, live.clock())
    for _ in range(staff.WRONG_PASSWORDS_TO_LOCK):
        log_in(page, LOCKED_EMAIL, "not the password at all")
        assert page.locator("p.error").is_visible()
    log_in(page, LOCKED_EMAIL, LOCKED_PASSWORD)           # the right one, now refused
    assert "/console/login" in page.url
    assert "must wait" in page.locator("p.error").inner_text()
    shot(page, "locked-out")
    page.goto("/console/simulator")
    assert "/console/login" in page.url
    live.clock.at += staff.LOCK_FOR                       # the lock runs out
    log_in(page, LOCKED_EMAIL, LOCKED_PASSWORD)
    assert "/console/login" not in page.url
