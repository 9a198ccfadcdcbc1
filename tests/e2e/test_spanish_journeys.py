"""Steady in Spanish (issue 13): each journey an English speaker has, through the signed
webhook, on SQLite and PostgreSQL; the daily text through the real clock. Each reply is
checked for what every Spanish text owes the texter: the Spanish helpline line, GSM-7 but
for á í ó ú, and the same room in characters as three GSM-7 segments."""

from __future__ import annotations

import re
import pytest

import content as content_package
from flows import gsm
from flows.content_schema import SPANISH_UCS2
from flows.helpline import HELPLINE_NUMBER
from flows.outgoing import segment_limit
from tests.adapters.conftest import world  # noqa: F401 - the in-process Steady on the fake Twilio
from tests.adapters.test_clock import sent_to, utc
from tests.e2e.test_conversations import consents, intents_in, outbox, person
from tests.support import PERSON, text

pytestmark = pytest.mark.db

CONTENT = content_package.load(examples=False)
ES = CONTENT.in_language("es")
EN = CONTENT
STIGMA_ES = re.compile(r"\b(adict[oa]s?|drogadict[oa]s?|limpi[oa]s?|suci[oa]s?|yonquis?|fracas\w*)\b", re.I)


def say(client, body: str, sender: str = PERSON) -> list[str]:
    response, replies = text(client, body, sender=sender)
    assert response.status_code == 200, body
    for reply in replies:
        assert HELPLINE_NUMBER in reply, (body, reply)
        assert all(gsm.is_gsm7(char) or char in SPANISH_UCS2 for char in reply), (body, reply)
        assert gsm.segments(reply) <= segment_limit(3, reply), (body, reply)
        assert not STIGMA_ES.search(reply), (body, reply)
    return replies


def one(client, body: str, sender: str = PERSON) -> str:
    replies = say(client, body, sender)
    assert len(replies) == 1, (body, replies)
    return replies[0]


def spanish(reply: str) -> bool:
    """Sent in Spanish: the Spanish helpline line, or (a crisis text) a Spanish crisis reply."""
    return reply.endswith(ES.helpline) or any(reply.startswith(kind.es) or reply.startswith(kind.again_es)
                                              for kind in CONTENT.crisis_kinds.values())


def test_a_craving_in_spanish_gets_spanish_help_and_a_spanish_check_in_later(app, client):
    first = say(client, "tengo muchas ganas de usar")
    assert all(spanish(reply) for reply in first)
    joined = "\n".join(first)
    assert "10 minutos" in joined and "1-800-484-3731" in joined and "ENGLISH" in joined   # how to switch
    assert person(app).language == "es" and not person(app).language_chosen
    (followup,) = outbox(app, kind="craving_followup")
    assert followup.body.endswith(ES.helpline) and "GANAS" in followup.body
    assert "ENGLISH" not in one(client, "GANAS")     # the line that says how to switch comes once
    assert intents_in(app) == ["craving", "craving"]


def test_plan_through_to_mi_plan_in_spanish(app, client):
    assert "ENGLISH" in one(client, "ESPANOL")
    first = one(client, "PLAN")
    assert spanish(first) and "SALTAR" in first and "1." in first
    read_back = one(client, "el lunes")
    assert "lunes" in read_back and "SI" in read_back
    assert "2." in one(client, "SI")
    coping = one(client, "el estres y los dias de pago")
    assert "3." in coping and "1 Respirar" in coping
    assert "4." in one(client, "1 y 3")
    assert "MAT" in one(client, "mi hermana")
    consent_question = one(client, "si")
    assert "Pueden aplicarse tarifas de mensajes y datos" in consent_question and "PARAR" in consent_question
    saved = one(client, "SI")
    assert "MI PLAN" in saved and spanish(saved)
    shown = one(client, "MI PLAN")
    assert "lunes" in shown and "mi hermana" in shown and "el estres y los dias de pago" in shown
    assert "respirar despacio" in shown.lower()
    stored = person(app).plan
    assert stored["texts"] is True and stored["support"] == "mi hermana"
    assert intents_in(app)[-1] == "my_plan" and "plan" in intents_in(app)


def test_diario_with_hora_and_zona_in_spanish(app, client):
    chicago = "+13125550142"
    assert one(client, "ESPAÑOL", chicago).startswith("Listo")
    signed_up = one(client, "DIARIO", chicago)
    assert "9:00 a.m." in signed_up and "hora del Centro" in signed_up
    assert "Pueden aplicarse tarifas de mensajes y datos" in signed_up and "PARAR" in signed_up
    assert "7:00 p.m." in one(client, "HORA 7pm", chicago)
    assert person(app, chicago).daily_time == "19:00"
    refused = one(client, "HORA 11pm", chicago)
    assert "11:00 p.m." in refused and "9:00 p.m." in refused and person(app, chicago).daily_time == "19:00"
    pacific = one(client, "ZONA Pacifico", chicago)
    assert "Pacífico" in pacific and person(app, chicago).timezone == "America/Los_Angeles"
    assert "hora del Centro" in one(client, "estoy en Chicago", chicago)
    assert "DIARIO" in one(client, "DIARIO NO", chicago)
    assert intents_in(app, chicago) == ["spanish", "daily_on", "daily_time", "daily_time", "daily_zone",
                                        "daily_zone", "daily_off"]
    assert [e.kind for e in consents(app, chicago)] == ["daily_on", "daily_off"]


def test_a_daily_text_arrives_in_spanish_on_the_clock(world, fake):  # noqa: F811 - the imported fixture
    spanish_number, english_number = "+12125550188", "+12125550189"
    signup, send = utc(2026, 11, 24, 5, 0), utc(2026, 11, 24, 14, 0)     # 9:00 in New York
    for number, words in ((spanish_number, "ESPANOL"), (english_number, "ENGLISH")):
        world.text(number, words, signup)
        world.text(number, "DIARIO" if number == spanish_number else "DAILY", signup)
    world.text(spanish_number, "PRIVADO", signup)
    world.tick(send)
    (mine,) = sent_to(fake, spanish_number)
    (theirs,) = sent_to(fake, english_number)
    body = mine["Body"]
    assert body.endswith(ES.helpline) and theirs["Body"].endswith(EN.helpline)
    opener = ES.text("private_opener", program=world.settings.program_name)
    assert body.startswith(opener)
    assert body[len(opener):].strip().split("\n")[0] in {t.split("\n")[0] for t in ES.encouragement + ES.mindfulness}


def test_tropiezo_gets_spanish_safety_facts_without_shame(app, client):
    one(client, "ESPANOL")
    slip = one(client, "TROPIEZO")
    assert "naloxona" in slip and "911" in slip and "PLAN" in slip and "tolerancia" in slip
    used = say(client, "ayer volvi a usar, me siento fatal")
    assert any("naloxona" in reply for reply in used)
    assert intents_in(app) == ["spanish", "slip", "slip"]


def test_a_spanish_crisis_and_the_crisis_conversation_stay_in_spanish(app, client):
    crisis = say(client, "mi amigo no respira, creo que es una sobredosis")
    kind = person(app).flow["kind"]
    assert crisis[0].startswith(CONTENT.crisis_kinds[kind].es) and gsm.is_gsm7(crisis[0])
    followup = one(client, "no tengo narcan")
    assert spanish(followup) and followup.startswith(tuple(ES.crisis_topics["no_naloxone"].values()))
    reminder = one(client, "???")
    assert reminder.startswith(CONTENT.crisis_kinds[kind].again_es)
    assert intents_in(app) == ["crisis", "crisis_followup", "crisis_followup"]


def test_parar_start_and_ayuda_in_spanish(app, client):
    help_reply = one(client, "AYUDA")
    assert "Pueden aplicarse tarifas de mensajes y datos" in help_reply and "PARAR" in help_reply and spanish(help_reply)
    stop = one(client, "PARAR")
    assert "START" in stop and spanish(stop)
    assert person(app).opted_out
    assert say(client, "hola") == []
    start = one(client, "START")
    assert spanish(start) and not person(app).opted_out
    assert [e.kind for e in consents(app)] == ["opt_out", "opt_in"]
    assert [e.keyword for e in consents(app)] == ["PARAR", "START"]


def test_borrar_erases_after_a_spanish_confirmation(app, client):
    one(client, "ESPANOL")
    ask = one(client, "BORRAR")
    assert "10 minutos" in ask and "SI" in ask and spanish(ask)
    done = one(client, "SI")
    assert "borrado" in done and spanish(done)
    with app.extensions["steady"].store.transaction() as tx:
        assert tx.find_person(PERSON, "sms") is None


def test_language_switches_both_ways_and_a_choice_outlasts_detection(app, client):
    hello = one(client, "hola")            # one ambiguous word: English still
    assert hello.endswith(EN.helpline) and person(app).language == "en"
    detected = say(client, "hola, necesito ayuda")
    assert all(spanish(reply) for reply in detected) and person(app).language == "es"
    chosen = one(client, "ENGLISH")
    assert chosen.endswith(EN.helpline) and "ESPANOL" in chosen
    assert person(app).language == "en" and person(app).language_chosen
    still = one(client, "tengo muchas ganas de usar")
    assert still.endswith(EN.helpline) and "10 minutes" in still
    back = one(client, "en espanol")
    assert spanish(back) and person(app).language == "es" and person(app).language_chosen
    assert spanish(one(client, "i really want to use right now"))
    assert intents_in(app) == ["fallback", "need_help", "english", "craving", "spanish", "craving"]


def test_a_new_texter_whose_first_words_are_clearly_spanish_is_answered_in_spanish_at_once(app, client):
    first = say(client, "quiero dejar la heroina", "+12125550111")
    assert all(spanish(reply) for reply in first) and "SALTAR" in first[0]
    assert person(app, "+12125550111").language == "es"


def test_quit_date_texts_arrive_in_spanish_on_the_clock(world, fake):  # noqa: F811 - the imported fixture
    number, signup = "+12125550187", utc(2026, 11, 24, 5, 0)
    for body in ("ESPANOL", "PLAN", "7 de diciembre", "SI", "el estres", "1", "mi hermana", "SALTAR", "SI"):
        world.text(number, body, signup)
    world.tick(utc(2026, 12, 4, 14, 0))          # 3 days before the quit date, 9:00 in New York
    (message,) = sent_to(fake, number)
    assert message["Body"] == f"{ES.plan.quit_days[-3].plain}\n{ES.helpline}" or (
        message["Body"].endswith(ES.helpline) and "mi hermana" in message["Body"])
