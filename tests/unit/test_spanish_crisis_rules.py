"""The Spanish crisis rules (flows/crisis.py): denials and past history are weak (the
model decides and the rule alone never makes the crisis sure), a crisis said plainly
("hoy me mato", "mi esposo me va a matar") is a strong rule naming its kind, and the
idioms around them ("el examen me mato", "mi mama me va a matar") are no crisis."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.crisis import crisis_reason, is_crisis, is_weak, kind_for
from flows.message import Message
from flows.understand import Understanding
from tests.understanding import UNDERSTANDING

# A denial or past history: a weak rule, named for what it is.
DENIALS_AND_PAST = [
    ("no quiero morir, quiero vivir bien", "denial_es"),
    ("no me voy a matar, tranquila", "denial_es"),
    ("No me voy a matar. Tranquilo", "denial_es"),
    ("no me quiero matar, solo estoy triste", "denial_es"),
    ("ya no pienso en morirme, estoy mejor", "denial_es"),
    ("no quiero hacerme daño, quiero estar mejor", "denial_es"),
    ("no pienso hacerme daño, nomas ando bajoneado", "denial_es"),
    ("ya no me corto, llevo un año", "denial_es"),
    ("nunca me voy a quitar la vida", "denial_es"),
    ("jamás me voy a matar, amo a mis hijos", "denial_es"),
    ("no estoy pensando en suicidarme, solo en dejar la droga", "denial_es"),
    ("no quiero tener una sobredosis como mi primo", "denial_es"),
    ("tuve una sobredosis en 2019", "past_es"),
    ("hace 2 anos tuve una sobredosis y por eso quiero dejarlo", "past_es"),
    ("hace 5 años intenté quitarme la vida, hoy estoy agradecido de seguir aquí", "past_es"),
    ("en 2019 pensé en quitarme la vida pero ya estoy mejor", "past_es"),
    ("antes tenia pensamientos de suicidio, ahora voy a terapia", "past_es"),
    ("de joven intenté matarme, ahora quiero ayudar a otros", "past_es"),
]


@pytest.mark.parametrize("text, rule", DENIALS_AND_PAST)
def test_a_spanish_denial_or_past_history_is_a_weak_rule(text, rule):
    assert crisis_reason(text) == rule
    assert is_weak(rule)


@pytest.mark.parametrize("text, rule", DENIALS_AND_PAST)
def test_a_spanish_denial_or_past_history_is_never_a_sure_crisis(text, rule):
    """However sure the model is (here: every reading it lets through counts as sure), the
    person gets the crisis reply and the answer too."""
    credulous = Understanding(UNDERSTANDING.models, UNDERSTANDING.matcher,
                              replace(UNDERSTANDING.thresholds, sure=0.0, veto=0.0, crisis=0.0))
    reading = credulous.crisis(Message.of(text))
    assert reading is not None and reading.rule == rule
    assert not reading.sure


# No rule at all (the model alone decides, as for any text).
NO_RULE = [
    "nunca me haria daño",
    "nunca me haría daño, tengo a mis hijos",
    "jamas me quitaria la vida, amo a mi familia",
    "hace dos años me quise matar y hoy estoy mejor",
    "no estoy en peligro, solo quiero platicar",
    "estoy en peligro de recaer",
    # "me mato" is also "me mató" (it killed me).
    "el examen me mato",
    "ese chiste me mato",
    "hoy me siento molido, el jale me mato",
    "me mato de risa ese video",
    "hoy me mato en el gym",
    "me mato la factura del telefono este mes",
    # A parent or a boss "will kill me": a scolding.
    "mi mama me va a matar",
    "mi mama dice que me va a matar si no limpio",
    "mi jefe me va a matar si llego tarde",
    "el jefe me va a matar si llego tarde lol",
    "mi suegra me va a matar si no llego a la comida",
    "mis papas me van a matar",
    "mi esposa me va a matar cuando vea la cuenta",
    # Hit by withdrawal, a cold, a drug: not by a person.
    "me esta pegando duro la malilla",
    "me está pegando la gripa",
    "me esta pegando el sueño",
    "le esta pegando a la botella",
    "mi hijo me pego la gripa",
    "se me pego la cancion",
    # Cut hair, cut calls.
    "se me corto el internet",
    "se me cortó la llamada",
    "me corto el pelo mañana",
    "me corto las uñas y ya me voy",
    "este es mi ultimo mensaje por hoy",
    "necesito narcan para tener en la casa",
    "como se usa el narcan",
]


@pytest.mark.parametrize("text", NO_RULE)
def test_an_idiom_or_everyday_spanish_fires_no_rule(text):
    assert crisis_reason(text) is None, crisis_reason(text)


# A crisis said plainly: a strong rule, and the kind it names.
PLAIN_CRISES = [
    ("hoy me mato", "kill_self_es", "suicide"),
    ("esta noche me mato", "kill_self_es", "suicide"),
    ("Esta noche me mato.", "kill_self_es", "suicide"),
    ("me mato hoy, ya lo decidi", "kill_self_es", "suicide"),
    ("ya no aguanto, me mato", "kill_self_es", "suicide"),
    ("me mato con las pastillas", "kill_self_es", "suicide"),
    ("este es mi ultimo mensaje", "farewell_es", "suicide"),
    ("gracias por todo, adios para siempre", "farewell_es", "suicide"),
    ("quiero una sobredosis", "farewell_es", "suicide"),
    ("alguien entro a la casa", "break_in_es", "violence"),
    ("alguien se está metiendo a mi casa por la ventana", "break_in_es", "violence"),
    ("hay alguien adentro de la casa y estoy escondida", "break_in_es", "violence"),
    ("se metieron a mi casa y estoy sola", "break_in_es", "violence"),
    ("mi esposo me va a matar", "threat_es", "violence"),
    ("mi novio me quiere matar", "threat_es", "violence"),
    ("el dealer me dijo que me va a matar si no le pago", "threat_es", "violence"),
    ("mi esposo dice que si lo dejo me mata", "threat_es", "violence"),
    ("me llego un mensaje que hoy me matan", "threat_es", "violence"),
    ("mi pareja me amenazo con el cuchillo", "threat_es", "violence"),
    ("me estan pegando", "assault_es", "violence"),
    ("me están golpeando ayuda", "assault_es", "violence"),
    ("mi novio me esta pegando muy fuerte", "assault_es", "violence"),
    ("mi pareja me pego y estoy sangrando de la boca", "assault_es", "violence"),
    ("le estan pegando a mi mama", "assault_es", "violence"),
    ("mi padrastro le esta pegando a mi hermanito", "assault_es", "violence"),
    ("mi marido me golpeo y dice que me va a matar", "assault_es", "violence"),
]


@pytest.mark.parametrize("text, rule, kind", PLAIN_CRISES)
def test_a_plain_spanish_crisis_is_a_strong_rule_naming_its_kind(text, rule, kind):
    assert crisis_reason(text) == rule
    assert not is_weak(rule)
    assert kind_for(rule, "overdose_other") == kind


@pytest.mark.parametrize("text", ["estoy en peligro", "estoy en peligro, manden ayuda", "corro peligro",
                                  "mis hijos estan en peligro"])
def test_danger_is_a_strong_rule_and_the_model_names_the_kind(text):
    assert crisis_reason(text) == "danger_es" and not is_weak("danger_es")
    assert kind_for("danger_es", "call_for_help") == "call_for_help"


@pytest.mark.parametrize("text", ["necesito narcan ya", "donde se pone el narcan rapido", "le di narcan y nada",
                                  "ya le puse el narcan y sigue igual"])
def test_narcan_needed_now_is_a_weak_rule_as_in_english(text):
    assert crisis_reason(text) == "narcan_es" and is_weak("narcan_es")


# Punctuation the rules never see still decides what a denial is.
@pytest.mark.parametrize(
    "text, rule",
    [
        ("no, me quiero matar", "suicide_es"),              # an answer, then the wish
        ("No. Me quiero matar", "suicide_es"),
        ("si no me corto me vuelvo loca", "self_harm_es"),   # "if I don't": no denial
        ("no quiero vivir", "suicide_es"),                   # not wanting to LIVE is no denial
        ("ya no quiero vivir, me voy a matar", "suicide_es"),
        ("no quiero morir pero me voy a matar", "suicide_es"),   # the rest of the text still counts
        ("no me voy a matar hoy. hoy me mato", "kill_self_es"),
        ("hace 5 años intente quitarme la vida y hoy quiero matarme otra vez", "suicide_es"),
        ("me corto los brazos", "self_harm_es"),
        ("me voy a quitar la vida", "suicide_es"),
        ("intente matarme anoche", "suicide_es"),            # no time long ago: now
    ],
)
def test_a_denial_never_hides_a_wish_to_die_beside_it(text, rule):
    assert crisis_reason(text) == rule


def test_english_is_read_as_before_a_denial_still_counts():
    # English negation is not parsed (tests/unit/test_crisis.py); the Spanish reading
    # changes nothing there.
    assert crisis_reason("I don't want to die") == "want_to_die"
    assert crisis_reason("im not going to kill myself") == "kill_self"
    assert is_crisis("I'm not suicidal")


# With the trained model: a denial or past history is never a SURE crisis (the reply to
# what was asked follows any crisis line); a plain crisis is always a crisis.
@pytest.mark.parametrize("text", [
    "no quiero morir, quiero vivir bien", "no me voy a matar, tranquila", "nunca me haria daño",
    "hace dos años me quise matar y hoy estoy mejor", "tuve una sobredosis en 2019",
])
def test_a_denial_or_past_history_is_never_a_sure_crisis(text):
    reading = UNDERSTANDING.crisis(Message.of(text))
    assert reading is None or not reading.sure, reading


@pytest.mark.parametrize("text, kind", [
    ("hoy me mato", "suicide"), ("esta noche me mato", "suicide"), ("alguien entro a la casa", "violence"),
    ("mi esposo me va a matar", "violence"), ("me estan pegando", "violence"),
])
def test_a_plain_spanish_crisis_is_a_crisis_of_its_kind(text, kind):
    reading = UNDERSTANDING.crisis(Message.of(text))
    assert reading is not None and reading.kind == kind and reading.rule is not None


def test_estoy_en_peligro_is_a_crisis():
    reading = UNDERSTANDING.crisis(Message.of("estoy en peligro"))
    assert reading is not None and reading.rule == "danger_es"
