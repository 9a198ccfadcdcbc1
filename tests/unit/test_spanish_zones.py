"""Time zones named in Spanish (issue 13), read by the same functions as English."""

from __future__ import annotations

import pytest

from flows.zones import is_zone_request, parse_new_zone, parse_zone

ET, CT, MT, AZ, PT = "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles"
AK, HI, PR, MX = "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "America/Mexico_City"


@pytest.mark.parametrize(
    "text, zone",
    [
        ("estoy en Chicago", CT),
        ("vivo en Los Ángeles", PT),
        ("vivo en los angeles", PT),
        ("VIVO EN LOS ÁNGELES", PT),
        ("hora del este", ET),
        ("hora del Este", ET),
        ("hora este", ET),
        ("hora del centro", CT),
        ("hora central", CT),
        ("hora de la montaña", MT),
        ("hora de la montana", MT),
        ("hora del pacífico", PT),
        ("hora del pacifico", PT),
        ("horario del pacífico", PT),
        ("zona horaria del pacífico", PT),
        ("ZONA pacífico", PT),
        # The keyword form the Spanish texts teach: ZONA Este / Centro / Montaña / Pacífico.
        ("ZONA Este", ET),
        ("zona este", ET),
        ("ZONA Centro", CT),
        ("ZONA Montaña", MT),
        ("zona montana", MT),
        ("ZONA Pacífico", PT),
        ("ZONA PACIFICO", PT),
        ("ZONA Central", CT),
        ("pacífico", PT),
        ("hora del atlántico", PR),
        ("Puerto Rico", PR),
        ("estoy en San Juan", PR),
        ("hora de Puerto Rico", PR),
        ("Hawái", HI),
        ("hawaii", HI),
        ("hora de Hawái", HI),
        ("Alaska", AK),
        ("hora de Alaska", AK),
        ("Arizona", AZ),
        ("hora de Arizona", AZ),
        ("vivo en Texas", CT),
        ("estoy en San Antonio", CT),
        ("Nueva Orleans", CT),
        ("vivo en Luisiana", CT),
        ("vivo en Carolina del Norte", ET),
        ("estoy en la ciudad de Nueva York", ET),
        ("Nueva York", ET),
        ("Filadelfia", ET),
        ("estoy en la Florida", ET),
        ("vivo en el área de la bahía", PT),
        ("vivo en Nuevo México", MT),
        ("estoy en El Paso", MT),
        ("estoy en LA", PT),                # an upper-case LA is Los Angeles
        ("estoy en L.A.", PT),
        ("vivo en México", MX),
        ("la hora de Chicago", CT),
        # A lower-case "la" is still Los Angeles where no Spanish article can be.
        ("im in la", PT),
        ("la", PT),
        ("moving to la next week", PT),
        ("i live in la now", PT),
    ],
)
def test_a_spanish_zone_or_place_is_read(text, zone):
    assert parse_zone(text) == zone


@pytest.mark.parametrize(
    "text",
    [
        "me muero de hambre", "hora", "este", "estoy en el centro", "estoy en la",
        "vivo en la montaña", "a esta hora no", "tengo muchas ganas de usar", "hola",
        "en la noche", "la semana que viene",
    ],
)
def test_spanish_text_without_a_zone_has_none(text):
    assert parse_zone(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "estoy en Chicago", "vivo en Los Ángeles", "hora del pacífico", "hora central por favor",
        "ZONA este", "ZONA Centro", "ZONA Montaña", "zona horaria", "cambia mi zona horaria", "cambia mi zona horaria a hora del este",
        "me mudé a Denver", "ahora estoy en Phoenix", "estoy en Puerto Rico", "Hawái",
        "estoy en la ciudad de Nueva York", "vivo en el estado de Washington",
    ],
)
def test_a_spanish_zone_change_is_spotted(text):
    assert is_zone_request(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "hola", "soy de Chicago", "estoy en tratamiento en Chicago", "mi mamá vive en Denver y la extraño",
        "estoy bien", "me muero de hambre", "estoy en el centro", "HORA 7pm", "a las 8 de la noche",
        "vivo en la montaña",
    ],
)
def test_other_spanish_messages_are_not_zone_requests(text):
    assert is_zone_request(text) is False


@pytest.mark.parametrize(
    "text, zone",
    [
        ("me mudé de Chicago a Denver", MT),
        ("estoy en Denver, no en Nueva York", MT),
        ("ya no vivo en Chicago, ahora en Miami", ET),
        ("soy de Puerto Rico pero vivo en Chicago", CT),
        ("antes en Texas, ahora en Arizona", AZ),
        ("I moved from NY to Denver", MT),          # the words before a place stop at the place before it
    ],
)
def test_the_place_a_person_is_in_now_wins(text, zone):
    assert parse_new_zone(text) == zone
