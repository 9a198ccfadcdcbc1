"""Whole conversations through the signed webhook (Flask test client, RequestValidator
signatures), on a SQLite file and on PostgreSQL. Each test reads like a person's evening
with Steady and checks the key facts of each reply and what was stored: intents and
consent events, never the exact wording."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import models
from flows import dates, gsm
from flows.helpline import HELPLINE_NUMBER
from tests.support import PERSON, text

pytestmark = pytest.mark.db

NEW_YORK = "+12125550123"
SHAMING = re.compile(r"\b(addicts?|junkies?|junky|clean|dirty|failure|failed|should have)\b", re.IGNORECASE)


def say(client, body: str, sender: str = PERSON) -> list[str]:
    """Text Steady once; return the replies after checking what every reply owes the texter:
    the helpline, plain GSM-7 and at most 3 segments."""
    response, replies = text(client, body, sender=sender)
    assert response.status_code == 200, body
    for reply in replies:
        assert HELPLINE_NUMBER in reply, (body, reply)
        assert gsm.is_gsm7(reply), (body, reply)
        assert gsm.segments(reply) <= 3, (body, reply)
    return replies


def one(client, body: str, sender: str = PERSON) -> str:
    replies = say(client, body, sender)
    assert len(replies) == 1, (body, replies)
    return replies[0]


def person(app, number: str = PERSON, channel: str = "sms") -> models.Person:
    with app.extensions["steady"].store.transaction() as tx:
        found = tx.find_person(number, channel)
        assert found is not None
        return found


def intents_in(app, number: str = PERSON, channel: str = "sms") -> list[str]:
    """The intent Steady read in each inbound text, in order (the stored message events)."""
    who = person(app, number, channel)
    with app.extensions["steady"].store.transaction() as tx:
        query = (
            select(models.MessageEvent.intent)
            .where(models.MessageEvent.person_id == who.id, models.MessageEvent.direction == "in")
            .order_by(models.MessageEvent.id)
        )
        return list(tx.session.execute(query).scalars())


def consents(app, number: str = PERSON) -> list[models.ConsentEvent]:
    who = person(app, number)
    with app.extensions["steady"].store.transaction() as tx:
        query = select(models.ConsentEvent).where(models.ConsentEvent.person_id == who.id).order_by(models.ConsentEvent.id)
        return list(tx.session.execute(query).scalars())


def outbox(app, **where) -> list[models.OutboxMessage]:
    with app.extensions["steady"].store.transaction() as tx:
        query = select(models.OutboxMessage).order_by(models.OutboxMessage.id)
        for key, value in where.items():
            query = query.where(getattr(models.OutboxMessage, key) == value)
        return list(tx.session.execute(query).scalars())


def is_crisis_reply(reply: str) -> bool:
    return "911" in reply and "988" in reply and HELPLINE_NUMBER in reply and gsm.segments(reply) <= 2


MENU_WORDS = ("CRAVING", "WITHDRAWAL", "PLAN", "TREATMENT", "MEETINGS", "BREATHE", "DAILY", "HELP")


def test_a_first_contact_gets_the_menu_then_help_with_a_craving_and_a_calm_minute(app, client):
    before = datetime.now(timezone.utc)
    hello = one(client, "hi")
    assert all(word in hello for word in MENU_WORDS)
    assert "QUIT" not in hello
    assert "911" in hello and "988" in hello

    craving = one(client, "i really want to use right now")
    assert "10 minutes" in craving and "1-800-484-3731" in craving   # wait it out; Never Use Alone
    (followup,) = outbox(app, kind="craving_followup")
    assert followup.status == "pending"
    assert timedelta(minutes=14) <= followup.due_at - before <= timedelta(minutes=16)
    assert HELPLINE_NUMBER in followup.body and "CRAVING" in followup.body

    breathe = one(client, "BREATHE")
    assert "Breathe in" in breathe and "BREATHE" in breathe

    thanks = one(client, "thanks")          # a short warm reply, not the menu again
    assert "welcome" in thanks and "MENU" in thanks and HELPLINE_NUMBER in thanks and gsm.segments(thanks) == 1
    assert not SHAMING.search(" ".join((hello, craving, breathe, thanks)))
    assert intents_in(app) == ["fallback", "craving", "mindfulness", "thanks"]


def test_a_crisis_in_the_middle_of_a_plan_comes_first_and_the_plan_picks_up_where_it_left_off(app, client):
    first = one(client, "PLAN")
    assert "SKIP" in first and "quit date" in first.lower()

    read_back = one(client, "next monday")
    assert "Monday" in read_back and "YES" in read_back
    pending = person(app).flow["pending_date"]
    monday = datetime.fromisoformat(pending).date()
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    assert monday.weekday() == 0 and today < monday <= today + timedelta(days=14)
    assert dates.describe(monday) in read_back

    triggers_question = one(client, "YES")
    assert "2." in triggers_question and "cravings" in triggers_question

    crisis = say(client, "i want to die")
    assert len(crisis) == 2
    assert is_crisis_reply(crisis[0])
    assert "PLAN" in crisis[1]
    assert person(app).flow["name"] == "crisis"            # crisis mode ...
    assert person(app).flow["resume"]["step"] == "triggers"  # ... keeps the draft, not thrown away

    resumed = one(client, "PLAN")
    assert "2." in resumed and "cravings" in resumed and "1." not in resumed

    coping_question = one(client, "being alone at night, payday")
    assert "3." in coping_question and "1 Slow breathing" in coping_question
    assert "4." in one(client, "1 3")
    assert "MAT" in one(client, "my sister")
    texts_question = one(client, "yes")
    assert "Msg&data rates may apply" in texts_question and "STOP" in texts_question
    saved = one(client, "YES")
    assert "saved" in saved and "MY PLAN" in saved

    plan = person(app).plan
    assert plan["quit_date"] == monday.isoformat()
    assert plan["triggers"] == "being alone at night, payday"
    assert plan["coping"] == "slow breathing or meditation; calling or texting someone I trust"
    assert plan["support"] == "my sister"
    assert plan["texts"] is True
    assert person(app).flow is None

    shown = one(client, "MY PLAN")
    for fact in (dates.describe(monday), "being alone at night, payday", "calling or texting someone I trust",
                 "my sister", "PLAN"):
        assert fact in shown
    assert intents_in(app) == ["plan"] * 3 + ["crisis"] + ["plan"] * 6 + ["my_plan"]
    assert [e.kind for e in consents(app)] == ["plan_texts_on"]


def test_stop_silences_everything_until_start_and_every_change_of_consent_is_recorded(app, client):
    signed_up = one(client, "DAILY")
    for fact in ("Steady", "1 msg/day", "Msg&data rates may apply", "HELP", "STOP"):
        assert fact in signed_up
    assert person(app).daily_next_at is not None

    stop = say(client, "STOP")
    assert len(stop) == 1
    assert "START" in stop[0]
    assert "QUIT" not in stop[0]
    assert person(app).opted_out and person(app).daily_next_at is None

    for body in ("CRAVING", "HELP", "hello"):
        response, replies = text(client, body)
        assert response.status_code == 200
        assert replies == [], body
        assert "<Message" not in response.get_data(as_text=True)

    back = one(client, "START")
    assert "Steady" in back and "STOP" in back
    assert not person(app).opted_out
    assert not person(app).daily_enabled                 # daily texts need a fresh DAILY
    assert one(client, "CRAVING")

    events = consents(app)
    assert [(e.kind, e.keyword) for e in events] == [("daily_on", "DAILY"), ("opt_out", "STOP"), ("opt_in", "START")]
    times = [e.at for e in events]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times)
    assert datetime.now(timezone.utc) - times[0] < timedelta(minutes=5)
    assert intents_in(app) == ["daily_on", "stop", "fallback", "help", "fallback", "start", "craving"]
    assert [r.status for r in outbox(app)] == ["pending"]   # only the new CRAVING's check-in


def test_daily_settings_change_by_text_and_a_quiet_hour_is_refused_with_the_nearest_allowed(app, client):
    signed_up = one(client, "DAILY", NEW_YORK)
    assert "9:00 AM" in signed_up and "Eastern" in signed_up

    set_time = one(client, "TIME 7pm", NEW_YORK)
    assert "7:00 PM" in set_time
    assert person(app, NEW_YORK).daily_time == "19:00"

    refused = one(client, "TIME 11pm", NEW_YORK)
    assert "11:00 PM" in refused and "9:00 PM" in refused
    assert person(app, NEW_YORK).daily_time == "19:00"

    pacific = one(client, "ZONE Pacific", NEW_YORK)
    assert "Pacific" in pacific and "7:00 PM" in pacific
    assert person(app, NEW_YORK).timezone == "America/Los_Angeles"

    chicago = one(client, "I'm in Chicago", NEW_YORK)
    assert "Central" in chicago
    now = person(app, NEW_YORK)
    assert now.timezone == "America/Chicago"
    local = now.daily_next_at.astimezone(ZoneInfo("America/Chicago"))
    assert (local.hour, local.minute) == (19, 0)
    assert timedelta(0) < now.daily_next_at - datetime.now(timezone.utc) <= timedelta(days=1, hours=1)

    kinds = one(client, "encouragement only", NEW_YORK)
    assert "encouragement only" in kinds
    assert person(app, NEW_YORK).daily_kinds == "encouragement"

    paused = one(client, "DAILY OFF", NEW_YORK)
    assert "paused" in paused and "DAILY" in paused
    final = person(app, NEW_YORK)
    assert not final.daily_enabled and final.daily_next_at is None and not final.opted_out
    assert intents_in(app, NEW_YORK) == [
        "daily_on", "daily_time", "daily_time", "daily_zone", "daily_zone", "daily_kinds", "daily_off"]
    assert [e.kind for e in consents(app, NEW_YORK)] == ["daily_on", "daily_off"]


def test_a_slip_gets_safety_facts_and_a_way_back_without_shame(app, client):
    slip = one(client, "I used last night")
    lowered = slip.lower()
    assert "tolerance" in lowered and "overdose" in lowered
    assert "naloxone" in lowered and "911" in slip
    assert "PLAN" in slip
    assert not SHAMING.search(slip), SHAMING.search(slip)
    assert intents_in(app) == ["slip"]


def test_a_whatsapp_sender_talks_through_the_same_webhook_as_its_own_person(app, client):
    sender = "whatsapp:" + PERSON
    craving = one(client, "CRAVING", sender)
    assert "1-800-484-3731" in craving
    breathe = one(client, "BREATHE", sender)
    assert "Breathe in" in breathe
    whatsapp = person(app, PERSON, "whatsapp")
    with app.extensions["steady"].store.transaction() as tx:
        assert tx.find_person(PERSON, "sms") is None
    assert intents_in(app, PERSON, "whatsapp") == ["craving", "mindfulness"]
    assert [r.person_id for r in outbox(app, kind="craving_followup")] == [whatsapp.id]


@pytest.mark.parametrize("body", ["quiero morir", "me quiero matar", "mi amigo no respira", "tomé demasiado"])
def test_a_crisis_in_spanish_gets_the_crisis_reply(app, client, body):
    replies = say(client, body)
    assert replies and is_crisis_reply(replies[0])
    assert intents_in(app) == ["crisis"]


def test_a_crisis_text_after_stop_is_still_silent_but_recorded(app, client):
    """STOP is absolute (invariant 3): even a crisis text gets no reply until START."""
    say(client, "STOP")
    response, replies = text(client, "i want to die")
    assert response.status_code == 200 and replies == []
    assert intents_in(app) == ["stop", "crisis"]


def test_long_messy_plan_answers_still_come_back_as_plain_sms_within_three_segments(app, client):
    long_triggers = "when I\u2019m alone at night after my shift \u2014 and on payday \U0001F61E " * 4
    long_coping = "call my sponsor \u201cDee\u201d and walk the dog " * 5
    for body in ("PLAN", "in 2 weeks", "yes", long_triggers, long_coping, "my sister Ana, my NA group " * 6, "no", "NO"):
        say(client, body)
    stored = person(app).plan
    assert stored["triggers"].startswith("when I\u2019m alone")        # kept as written ...
    assert len(stored["triggers"]) <= 160 and stored["texts"] is False
    shown = one(client, "MY PLAN")                                    # ... and shown back as plain SMS (checked by say)
    assert "when I'm alone at night" in shown and '"Dee"' in shown and "not for now" in shown


@pytest.mark.parametrize(
    ("body", "intent", "opted_out"),
    [("QUIT", "stop", True), ("I want to quit", "plan", False), ("i want to quit using", "plan", False)],
)
def test_a_lone_quit_opts_out_but_wanting_to_quit_opens_a_plan(app, client, body, intent, opted_out):
    (reply,) = say(client, body)
    assert intents_in(app) == [intent]
    assert person(app).opted_out is opted_out
    assert ("START" in reply) if opted_out else ("SKIP" in reply)
