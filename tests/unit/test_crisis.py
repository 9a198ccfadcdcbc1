"""The crisis check: high recall on real danger, and idioms that must not trip it."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.crisis import crisis_reason, is_crisis, kind_for

CRISIS_TEXTS = [
    # Suicidal thoughts.
    "i want to die",
    "I WANT TO DIE",
    "i just want to die.",
    "i wanna die",
    "wanna die tbh",
    "i want 2 die",
    "i wnt to die",
    "i want to diiie",
    "i'm going to kill myself",
    "im gonna kill my self",
    "kill myself",
    "thinking about killing myself tonight",
    "kms",
    "KMS",
    "honestly i might just kms",
    "k.m.s",
    "I'm suicidal",
    "im suicidel",
    "feeling sucidal again",
    "suicide",
    "thinking about suicide",
    "i just want to end it all",
    "im going to end my life",
    "im ready to end it",
    "there's no reason to live",
    "i have nothing to live for",
    "everyone would be better off without me",
    "i'd be better off dead",
    "i dont want to be here anymore",
    "i don't want to live anymore",
    "I don\u2019t want to be alive",
    "i can't go on",
    "i wish i was dead",
    "i hope i dont wake up tomorrow",
    "i want to take my own life",
    "im going to hang myself",
    "i'm not suicidal, i just want it all to be over",
    "life isn't worth living",
    "this is goodbye",
    # Self-harm.
    "i keep cutting myself",
    "i want to hurt myself",
    "i burned myself on purpose again",
    "self harm",
    "started cutting again",
    # Overdose.
    "OD",
    "I think I'm going to OD",
    "i think he OD'd",
    "i OD\u2019d last night and im scared",
    "she's od'ing",
    "my friend is oding",
    "o.d.",
    "he overdosed",
    "i think she is overdosing",
    "overdose",
    "my bf overdoes on fent",
    "i think i took too much",
    "took way too much",
    "she took too many pills",
    "i did too much and feel weird",
    "ovrdose help",
    # Someone not breathing or not waking.
    "my friend isnt breathing",
    "he's not breathing!!!",
    "HE STOPPED BREATHING",
    "she is barely breathing",
    "his breathing is really slow and weird",
    "i cant breathe",
    "he's turning blue",
    "her lips are blue",
    "lips turning purple",
    "he won't wake up",
    "i cant wake him up",
    "she passed out and isnt responding",
    "he's unresponsive",
    "my brother is unconscious",
    "he is making gurgling sounds",
    "narcan isnt working",
    "i gave him narcan and he's still out",
    "help someone is dying",
    "i think im dying",
    "call 911",
    "she's having a seizure",
    "ok so, long day. i dont want to live anymore. sorry",
    "i'm thinking of ending it",
    "nobody would care if i died",
    "why am i even alive",
    "i'm a burden to everyone",
    "i wrote my goodbye letters",
    "im gonna off myself",
    "i want to unalive myself",
    "i took a bunch of pills",
    "he's gray and cold",
    "she's not moving",
    "he has no pulse",
    "i cant wake jason up",
    "i think my friend is OD-ing",
    "HELP!!! my friend is not breathing what do i do",
    # Spanish.
    "quiero morir",
    "Quiero morirme",
    "me quiero morir",
    "me quiero matar",
    "voy a matarme",
    "no quiero vivir",
    "ya no quiero vivir m\u00e1s",
    "pienso en el suicidio",
    "sobredosis",
    "creo que es una sobredosis",
    "mi amigo no respira",
    "no est\u00e1 respirando",
    "no despierta",
    "tiene los labios azules",
    "se est\u00e1 poniendo azul",
    "quiero quitarme la vida",
    "me corto los brazos",
    "me estoy muriendo",
]

NOT_CRISIS_TEXTS = [
    "I really want to use right now",
    "dope sick",
    "im so dopesick",
    "i want to use so bad",
    "I'm dying to get through this week",
    "dying for a coffee",
    "im dying lol",
    "lmaooo im dying",
    "this craving is killing me",
    "killing it at work today",
    "i could kill for a burger",
    "that joke killed me",
    "i'd die of embarrassment",
    "i'm gonna die of boredom at this meeting",
    "this pie is to die for",
    "she is drop dead gorgeous",
    "good morning",
    "that's odd",
    "odd question but where is the meeting",
    "the odds are good",
    "my code is broken",
    "god help me",
    "feeling blue today",
    "i bought blue jeans",
    "my hair is going grey",
    "the sky turned blue",
    "my phone is dying",
    "my battery is about to die",
    "watching suicide squad",
    "10 kms from here",
    "overdue bill",
    "the steak was overdone",
    "i overdid it at the gym",
    "he always overdoes it",
    "thats so od lol",
    "he's not responding to my texts",
    "my phone is not responding",
    "i took too much time on this",
    "i cant breathe through my nose",
    "lol i cant breathe",
    "breathe",
    "send me a breathing exercise",
    "deep breathing helps",
    "i want to cut back on using",
    "i want to cut down",
    "i hurt my back",
    "help me make a quit plan",
    "i want to stop using",
    "i need help",
    "i can't sleep",
    "my lips are chapped",
    "im so tired",
    "this is not an emergency but",
    "seize the day",
    "i'm seizing the opportunity",
    "i'm dead tired",
    "hello",
    "STOP",
    "me muero de hambre",
    "me muero de risa",
    "mi mama me va a matar",
    "quiero dejar de usar",
    "estoy enfermo",
    "el cielo esta azul",
    "i want to end things with my dealer",
    "i feel like death warmed over",
    "i used to use every day",
    "i need a fix",
    "withdrawal is hell",
    "he's not moving out",
    "i want to disappear for a while",
    "i'm killing myself at the gym",
    "odin",
    "i'll die if i miss the game lol",
    "emergency contact",
    "i'm off my meds",
    "my nails are purple",
    "blue face",
    "i fell asleep and didnt wake up till noon",
    "i'm so sick of this",
    "kill the lights",
    "he's dead to me",
    "i cant take it anymore",
    "i cant do this anymore",
    "my plants are dying",
    "i'd rather die than eat kale",
    "kill me now",
    "took off my shoes",
    "i really shot myself in the foot there",
    "i was killing myself laughing",
    "shh dont tell my mom",
    "sh sh its ok baby go back to sleep",
    "may day parade downtown",
]


@pytest.mark.parametrize(
    "text",
    ["I'm not suicidal", "i dont want to die", "im not going to kill myself"],
)
def test_negation_is_not_parsed_so_a_denial_still_gets_the_crisis_reply(text):
    # A person may be minimising; a false alarm costs one kind message.
    assert is_crisis(text)


@pytest.mark.parametrize("text", CRISIS_TEXTS)
def test_a_real_crisis_text_is_caught(text):
    assert is_crisis(text), text


@pytest.mark.parametrize("text", NOT_CRISIS_TEXTS)
def test_an_idiom_or_look_alike_is_not_a_crisis(text):
    assert not is_crisis(text), (text, crisis_reason(text))


def test_the_tables_are_big_enough_to_mean_something():
    assert len(CRISIS_TEXTS) >= 60
    assert len(NOT_CRISIS_TEXTS) >= 40


@pytest.mark.parametrize(
    "text, reason",
    [
        ("i want to die", "want_to_die"),
        ("kms", "kms"),
        ("im suicidal", "suicide"),
        ("he OD'd", "od"),
        ("she's not breathing", "not_breathing"),
        ("lips are blue", "turning_blue"),
        ("sobredosis", "overdose_es"),
        ("ovrdose", "overdose_typo"),
        ("the urge to sh is so loud rn", "self_harm_sh"),
        ("relapsed on sh", "self_harm_sh"),
        ("sh'd so bad tonight", "self_harm_sh"),
        ("mayday mayday", "mayday"),
        ("hello", None),
    ],
)
def test_crisis_reason_names_the_rule_that_fired(text, reason):
    assert crisis_reason(text) == reason


def test_sh_for_self_harm_is_a_suicide_kind_rule():
    assert kind_for("self_harm_sh", "overdose_self") == "suicide"


def test_an_idiom_in_one_sentence_does_not_hide_danger_in_the_next():
    assert is_crisis("im dying for a coffee. honestly i want to kill myself")
    assert is_crisis("my phone is dying and my friend is not breathing")


def test_crisis_inside_a_long_message_is_found():
    filler = "today was long and work was hard and i am tired. " * 20
    assert is_crisis(filler + "i want to die")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_is_crisis_never_raises(text):
    assert isinstance(is_crisis(text), bool)
