from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from flows.zones import is_zone_request, load_zone, parse_zone, zone_label

ET = "America/New_York"
CT = "America/Chicago"
MT = "America/Denver"
AZ = "America/Phoenix"
PT = "America/Los_Angeles"
AK = "America/Anchorage"
HI = "Pacific/Honolulu"

# Every state and DC, written out here independently of the code's table.
STATES = {
    "Alabama": CT, "Alaska": AK, "Arizona": AZ, "Arkansas": CT, "California": PT,
    "Colorado": MT, "Connecticut": ET, "Delaware": ET, "Florida": ET, "Georgia": ET,
    "Hawaii": HI, "Idaho": MT, "Illinois": CT, "Indiana": ET, "Iowa": CT,
    "Kansas": CT, "Kentucky": ET, "Louisiana": CT, "Maine": ET, "Maryland": ET,
    "Massachusetts": ET, "Michigan": ET, "Minnesota": CT, "Mississippi": CT,
    "Missouri": CT, "Montana": MT, "Nebraska": CT, "Nevada": PT,
    "New Hampshire": ET, "New Jersey": ET, "New Mexico": MT, "New York": ET,
    "North Carolina": ET, "North Dakota": CT, "Ohio": ET, "Oklahoma": CT,
    "Oregon": PT, "Pennsylvania": ET, "Rhode Island": ET, "South Carolina": ET,
    "South Dakota": CT, "Tennessee": CT, "Texas": CT, "Utah": MT, "Vermont": ET,
    "Virginia": ET, "Washington": PT, "West Virginia": ET, "Wisconsin": CT,
    "Wyoming": MT, "Washington DC": ET, "District of Columbia": ET,
}


def test_the_state_table_covers_fifty_states_and_dc():
    assert len(STATES) == 52  # 50 states, plus DC spelled two ways


@pytest.mark.parametrize("state, zone", sorted(STATES.items()))
def test_parse_zone_maps_every_state_to_its_main_zone(state, zone):
    assert parse_zone(state) == zone
    assert parse_zone(f"I live in {state.lower()}") == zone


@pytest.mark.parametrize(
    "text, zone",
    [
        ("ZONE Pacific", PT),
        ("zone eastern", ET),
        ("PT", PT),
        ("CST", CT),
        ("cdt", CT),
        ("EST", ET),
        ("mst", MT),
        ("akst", AK),
        ("HST", HI),
        ("central time", CT),
        ("Central Standard Time", CT),
        ("mountain", MT),
        ("mountain time", MT),
        ("arizona", AZ),
        ("arizona time", AZ),
        ("hawaii", HI),
        ("alaska", AK),
        ("I'm in Chicago", CT),
        ("I\u2019m in Chicago", CT),
        ("im in LA", PT),
        ("I live in Denver", MT),
        ("new york", ET),
        ("NYC", ET),
        ("puerto rico", "America/Puerto_Rico"),
        ("America/Chicago", CT),
        ("america/new_york", ET),
        ("zone America/Indiana/Indianapolis", "America/Indiana/Indianapolis"),
        ("Europe/London", "Europe/London"),
        ("D.C.", ET),
        ("St. Louis", CT),
        ("saint paul", CT),
        ("salt lake city", MT),
        ("kansas city", CT),
        ("el paso", MT),
        ("pensacola", CT),
        ("portland", PT),
        ("portland maine", ET),
        ("phoenix", AZ),
        ("tucson az", AZ),
        ("honolulu", HI),
        ("anchorage", AK),
        ("vegas baby", PT),
        ("the bay area", PT),
        ("philly", ET),
        ("guam", "Pacific/Guam"),
        ("toronto", "America/Toronto"),
        ("london", "Europe/London"),
        ("utc", "UTC"),
        ("I'm in central Florida", ET),
        ("eastern Oregon", PT),
        ("mountain view", PT),
        ("I moved to Chicago, on central time now", CT),
        ("I'm in Chicago but use pacific time", PT),
        ("east coast", ET),
        ("west coast", PT),
    ],
)
def test_parse_zone_reads_zones_and_places_from_plain_words(text, zone):
    assert parse_zone(text) == zone


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "I'm in pain",
        "zone",
        "what time is it",
        "localtime",
        "posixrules",
        "Nowhere/Special",
        "I want to stop",
        "mountains of trouble",
        "I'm in the zone",
    ],
)
def test_parse_zone_finds_nothing_without_a_zone(text):
    assert parse_zone(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "ZONE Pacific",
        "zone",
        "TZ eastern",
        "TIME ZONE central",
        "change my time zone",
        "what is my timezone",
        "im in LA",
        "I'm in Chicago",
        "I live in Denver",
        "I moved to Phoenix",
        "pacific time please",
        "PT",
        "arizona",
        "America/Chicago",
        "I'm on central time now",
    ],
)
def test_is_zone_request_spots_a_zone_change(text):
    assert is_zone_request(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "I'm in pain",
        "I'm in the zone",
        "out of my comfort zone",
        "I'm Austin",
        "I'm from Chicago",
        "I'm in treatment in Chicago",
        "TIME 7pm",
        "my mom lives in Denver and I miss her",
    ],
)
def test_is_zone_request_ignores_other_messages(text):
    assert is_zone_request(text) is False


@pytest.mark.parametrize(
    "zone, label",
    [
        (ET, "Eastern time"),
        ("America/Detroit", "Eastern time"),
        ("America/Indiana/Indianapolis", "Eastern time"),
        (CT, "Central time"),
        (MT, "Mountain time"),
        ("America/Boise", "Mountain time"),
        (AZ, "Arizona time"),
        (PT, "Pacific time"),
        (AK, "Alaska time"),
        (HI, "Hawaii time"),
        ("America/Puerto_Rico", "Atlantic time"),
        ("Europe/London", "UK time"),
        ("UTC", "UTC"),
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("Pacific/Guam", "Pacific/Guam"),
    ],
)
def test_zone_label_is_short_and_readable(zone, label):
    assert zone_label(zone) == label
    assert label.isascii()


def test_every_zone_parse_zone_can_return_is_a_real_iana_zone():
    from flows import zones

    for zone, _tier in zones._PHRASES.values():
        assert isinstance(load_zone(zone), ZoneInfo)


@pytest.mark.parametrize("name", ["", "localtime", "LOCALTIME", "posixrules", "Factory",
                                  "Nowhere/Special", "../etc/passwd"])
def test_load_zone_refuses_unknown_zones_and_the_servers_own(name):
    with pytest.raises(ValueError):
        load_zone(name)


def test_load_zone_loads_a_real_zone():
    assert load_zone("America/Chicago").key == "America/Chicago"
