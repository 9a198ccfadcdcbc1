"""In a real browser: the Simulator through a craving (its check-in arrives when the clock
moves), a quit PLAN (its quit-date texts arrive), a crisis (its kind shown) and a reset,
with no Twilio request made (the live app's transport records every attempt)."""

from __future__ import annotations

from tests.browser.conftest import log_in, shot

PLAN = ["PLAN", "tomorrow", "YES", "stress at work", "1 and 3", "my sister", "no", "YES"]


def say(page, text: str):
    """Type a text and send it; the newest reply's entry once the page is back."""
    page.fill("#sim-text", text)
    page.click("form.sim-say button[type=submit]")
    page.wait_for_load_state()
    return page.locator("li.sim-steady").last


def move(page, label: str) -> None:
    page.click(f"form.sim-moves button:has-text('{label}')")
    page.wait_for_load_state()


def test_a_craving_a_plan_and_a_crisis_then_the_clock_brings_the_check_in(page, live):
    log_in(page)
    page.click("header nav a:has-text('Simulator')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Simulator"
    assert page.locator("li.sim-empty").is_visible()

    reply = say(page, "CRAVING")
    assert reply.get_attribute("data-intent") == "craving"
    assert "GSM-7" in reply.locator(".sim-meta").inner_text()
    assert "segment" in reply.locator(".sim-segments").inner_text()
    assert page.locator(".sim-coming li:has-text('craving_followup')").count() == 1
    shot(page, "simulator-craving")

    move(page, "+1 hour")
    arrived = page.locator("li.sim-scheduled[data-kind='craving_followup']")
    assert arrived.count() == 1
    assert "1-800-662-4357" in arrived.locator(".sim-text").inner_text()
    assert "1 hour ahead of real time" in page.locator(".sim-clock").inner_text()
    assert page.locator("li.sim-you:has-text('CRAVING')").count() == 1      # the conversation rode along
    shot(page, "simulator-check-in")

    for text in PLAN:
        reply = say(page, text)
        assert reply.get_attribute("data-intent") == "plan", text
    assert "plan is saved" in reply.locator(".sim-text").inner_text()
    mine = say(page, "MY PLAN")
    assert mine.get_attribute("data-intent") == "my_plan"
    assert "stress at work" in mine.locator(".sim-text").inner_text()
    move(page, "Next check-in")
    assert page.locator("li.sim-scheduled[data-kind='quit_date']").count() == 1
    shot(page, "simulator-plan")

    crisis = say(page, "my friend took something and he is not breathing")
    assert crisis.get_attribute("data-intent") == "crisis"
    assert crisis.locator(".sim-crisis-kind").inner_text() == "overdose_other"
    assert "911" in page.locator("li.sim-steady[data-intent='crisis'] .sim-text").first.inner_text()
    shot(page, "simulator-crisis")

    assert live.steady.transport.attempts == []             # nothing went to Twilio

    page.click("form.sim-reset button")
    page.wait_for_load_state()
    assert "was erased" in page.locator(".sim-notice").inner_text()
    assert page.locator("li.sim-empty").is_visible()
    assert "ahead of real time" not in page.locator(".sim-clock").inner_text()
