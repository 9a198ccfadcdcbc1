"""Time zones from plain words ("ZONE Pacific", "im in LA", "arizona") to IANA names.

People rarely know their IANA zone, so a message is read as words: time-zone words
("central time", "PST"), then places (states, cities), then bare region words
("mountain"). Everything maps to a real IANA zone so daylight saving is right.

Resolution rules, in order (the first tier that matches wins; inside a tier the
leftmost match wins, and at each position the longest phrase):
  0. an exact IANA name, any case ("america/chicago");
  1. time-zone words: "eastern time", "EST", "PT", "alaska time", "UTC" ...;
  2. places: the 50 states, DC, US territories, common cities and nicknames
     ("LA", "NYC", "philly"), and a few Canadian, Mexican and UK cities;
  3. bare region words: "eastern", "central", "mountain", "pacific", "atlantic".
So "I'm in central Florida" is Eastern (a place beats a bare region word) and
"zone central" is Central.

Choices worth knowing:
- Two-letter state postal codes are NOT read ("LA" is Los Angeles, "CT" is Central
  time, "MT" Mountain, "PA" nothing); a person in Connecticut or Louisiana types the
  name. "NY" and "DC" are read (they are not ambiguous).
- "washington" alone is the state (Pacific); "washington dc" / "dc" is Eastern.
- "MST" is Mountain time with daylight saving (Denver); Arizona, which keeps
  standard time all year, must be named ("arizona", "phoenix", "arizona time").
  The Navajo Nation inside Arizona does use daylight saving; it is not handled.
- Split states go to the zone where most of their people live:
  Florida, Indiana, Kentucky, Michigan -> Eastern; Tennessee, Texas, Kansas,
  Nebraska, North Dakota, South Dakota -> Central; Idaho -> Mountain;
  Oregon, Nevada -> Pacific; Alaska -> Alaska time (not the western Aleutians).
  A person in the minority part names a city ("el paso", "pensacola") or a zone.
- "utc"/"gmt" -> UTC; "uk time", "bst", "london" -> Europe/London.
- "localtime", "posixrules" and "Factory" are refused: the server's own zone must
  never leak into a person's schedule.

Spanish (issue 13) is read by the same functions whatever the person's language, with
accents optional ("Los Ángeles", "los angeles"):
- zone words: "hora del este", "hora central" / "hora del centro", "hora de la montaña",
  "hora del pacífico", "hora del atlántico", "hora de Alaska", "hora de Hawái",
  "hora de Arizona", "hora de Puerto Rico", each also after "horario" or "zona horaria";
- places: Spanish names of states and cities ("Nueva York", "Carolina del Norte",
  "Luisiana", "Filadelfia", "Nueva Orleans", "San Luis", "Hawái") and a few Mexican cities;
- bare "pacífico" and "atlántico" are region words; "este" (also "this") and "centro"
  (also "downtown") are not;
- requests: "estoy en Chicago", "vivo en Los Ángeles", "me mudé a Denver", "ZONA ...",
  "zona horaria ...", "cambia mi zona horaria"; "soy de Chicago" (where I am from) and
  "estoy en tratamiento en Chicago" are not;
- a place after "no", "desde", "antes", "de" ("me mudé de Chicago a Denver") is where a
  person was (`parse_new_zone`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flows.date_language import check_language, plain
from flows.message import Message

MEXICO_CITY = "America/Mexico_City"
EASTERN = "America/New_York"
CENTRAL = "America/Chicago"
MOUNTAIN = "America/Denver"
ARIZONA = "America/Phoenix"
PACIFIC = "America/Los_Angeles"
ALASKA = "America/Anchorage"
HAWAII = "Pacific/Honolulu"
ATLANTIC = "America/Puerto_Rico"
UK = "Europe/London"
UTC = "UTC"

# Names that exist in a tz database but must never be a person's zone.
_REFUSED = frozenset({"localtime", "posixrules", "factory"})

_TIER_IANA, _TIER_ZONE_WORD, _TIER_PLACE, _TIER_REGION = 0, 1, 2, 3

_ZONE_WORDS = {
    EASTERN: (
        "eastern time", "eastern standard time", "eastern daylight time",
        "east coast time", "est", "edt", "et",
    ),
    CENTRAL: (
        "central time", "central standard time", "central daylight time",
        "cst", "cdt", "ct",
    ),
    MOUNTAIN: (
        "mountain time", "mountain standard time", "mountain daylight time",
        "mst", "mdt", "mt",
    ),
    ARIZONA: ("arizona time",),
    PACIFIC: (
        "pacific time", "pacific standard time", "pacific daylight time",
        "west coast time", "pst", "pdt", "pt",
    ),
    ALASKA: ("alaska time", "alaskan time", "alaska standard time", "akst", "akdt", "akt"),
    HAWAII: (
        "hawaii time", "hawaiian time", "hawaii standard time",
        "hawaii aleutian time", "hst",
    ),
    ATLANTIC: ("atlantic time", "atlantic standard time", "ast"),
    UK: ("uk time", "british time", "bst"),
    UTC: ("utc", "gmt", "zulu"),
}

# Spanish zone words: a head ("hora", "horario", "zona horaria", and "zona" as in the
# keyword "ZONA Centro") and a tail ("del este", "centro").
_ZONE_HEADS_ES = ("hora", "horario", "zona horaria", "huso horario", "zona")
_ZONE_TAILS_ES = {
    EASTERN: ("del este", "este", "de la costa este"),
    CENTRAL: ("del centro", "central", "centro"),
    MOUNTAIN: ("de la montana", "de las montanas", "de montana", "montana"),
    ARIZONA: ("de arizona",),
    PACIFIC: ("del pacifico", "pacifico", "de la costa oeste"),
    ALASKA: ("de alaska",),
    HAWAII: ("de hawai", "de hawaii"),
    ATLANTIC: ("del atlantico", "atlantico", "de puerto rico"),
    UK: ("del reino unido", "de inglaterra", "de londres"),
    MEXICO_CITY: ("de mexico", "del centro de mexico", "de la ciudad de mexico"),
}

_STATES = {
    "alabama": CENTRAL, "alaska": ALASKA, "arizona": ARIZONA, "arkansas": CENTRAL,
    "california": PACIFIC, "colorado": MOUNTAIN, "connecticut": EASTERN,
    "delaware": EASTERN, "florida": EASTERN, "georgia": EASTERN, "hawaii": HAWAII,
    "idaho": MOUNTAIN, "illinois": CENTRAL, "indiana": EASTERN, "iowa": CENTRAL,
    "kansas": CENTRAL, "kentucky": EASTERN, "louisiana": CENTRAL, "maine": EASTERN,
    "maryland": EASTERN, "massachusetts": EASTERN, "michigan": EASTERN,
    "minnesota": CENTRAL, "mississippi": CENTRAL, "missouri": CENTRAL,
    "montana": MOUNTAIN, "nebraska": CENTRAL, "nevada": PACIFIC,
    "new hampshire": EASTERN, "new jersey": EASTERN, "new mexico": MOUNTAIN,
    "new york": EASTERN, "north carolina": EASTERN, "north dakota": CENTRAL,
    "ohio": EASTERN, "oklahoma": CENTRAL, "oregon": PACIFIC, "pennsylvania": EASTERN,
    "rhode island": EASTERN, "south carolina": EASTERN, "south dakota": CENTRAL,
    "tennessee": CENTRAL, "texas": CENTRAL, "utah": MOUNTAIN, "vermont": EASTERN,
    "virginia": EASTERN, "washington": PACIFIC, "west virginia": EASTERN,
    "wisconsin": CENTRAL, "wyoming": MOUNTAIN,
}

_PLACES = {
    EASTERN: (
        "washington dc", "dc", "district of columbia",
        "new york city", "nyc", "ny", "manhattan", "brooklyn", "bronx", "queens",
        "staten island", "long island", "buffalo", "rochester", "albany", "syracuse",
        "boston", "philadelphia", "philly", "pittsburgh", "baltimore", "annapolis",
        "atlanta", "atl", "savannah", "miami", "orlando", "tampa", "jacksonville",
        "tallahassee", "fort lauderdale", "st petersburg", "charlotte", "raleigh",
        "durham", "greensboro", "charleston", "norfolk", "virginia beach", "detroit",
        "grand rapids", "lansing", "flint", "cleveland", "columbus", "cincinnati",
        "toledo", "akron", "dayton", "indianapolis", "fort wayne", "louisville",
        "lexington", "newark", "jersey city", "trenton", "camden", "hartford",
        "new haven", "providence", "wilmington", "portland maine", "knoxville",
        "chattanooga", "scranton", "allentown", "harrisburg", "huntington",
        "morgantown", "new england", "east coast", "the carolinas", "carolina",
    ),
    CENTRAL: (
        "chicago", "chitown", "houston", "dallas", "san antonio", "austin",
        "fort worth", "corpus christi", "lubbock", "amarillo", "plano", "memphis",
        "nashville", "new orleans", "nola", "baton rouge", "shreveport", "st louis",
        "saint louis", "kansas city", "kc", "wichita", "milwaukee", "madison",
        "green bay", "minneapolis", "st paul", "saint paul", "twin cities", "omaha",
        "des moines", "oklahoma city", "okc", "tulsa", "little rock", "birmingham",
        "montgomery", "huntsville", "gulfport", "sioux falls", "fargo", "peoria",
        "rockford", "pensacola", "midwest", "dakota", "the dakotas",
    ),
    MOUNTAIN: (
        "denver", "colorado springs", "boulder", "salt lake city", "salt lake",
        "provo", "albuquerque", "santa fe", "las cruces", "el paso", "boise",
        "billings", "cheyenne",
    ),
    ARIZONA: ("phoenix", "tucson", "mesa", "scottsdale", "tempe", "flagstaff"),
    PACIFIC: (
        "los angeles", "la", "socal", "norcal", "san francisco", "sf", "bay area",
        "san diego", "san jose", "oakland", "sacramento", "fresno", "long beach",
        "bakersfield", "riverside", "anaheim", "santa ana", "irvine", "mountain view",
        "seattle", "tacoma", "spokane", "washington state", "portland",
        "portland oregon", "las vegas", "vegas", "reno", "west coast",
        "pacific northwest",
    ),
    ALASKA: ("anchorage", "fairbanks", "juneau"),
    HAWAII: ("honolulu", "oahu", "maui", "hilo", "kauai"),
    ATLANTIC: ("puerto rico", "san juan"),
    "America/St_Thomas": ("virgin islands", "us virgin islands", "usvi", "st thomas", "st croix"),
    "Pacific/Guam": ("guam",),
    "Pacific/Saipan": ("saipan", "northern mariana islands"),
    "Pacific/Pago_Pago": ("american samoa",),
    "America/Toronto": ("toronto", "ontario", "montreal", "ottawa"),
    "America/Vancouver": ("vancouver", "british columbia"),
    "America/Edmonton": ("calgary", "edmonton", "alberta"),
    "America/Winnipeg": ("winnipeg", "manitoba"),
    "America/Halifax": ("halifax", "nova scotia"),
    MEXICO_CITY: ("mexico city", "cdmx"),
    "America/Tijuana": ("tijuana",),
    UK: ("london", "england", "uk"),
}
# Spanish names, read without accents ("Nueva York", "Hawái" -> "hawai").
_PLACES_ES = {
    EASTERN: (
        "nueva york", "ciudad de nueva york", "nueva jersey", "nueva inglaterra",
        "carolina del norte", "carolina del sur", "virginia occidental", "pensilvania",
        "filadelfia", "distrito de columbia", "costa este", "la florida",
    ),
    CENTRAL: (
        "luisiana", "misisipi", "misuri", "tejas", "nueva orleans", "san luis",
        "dakota del norte", "dakota del sur", "medio oeste",
    ),
    MOUNTAIN: ("nuevo mexico", "ciudad juarez", "juarez"),   # Juárez keeps US Mountain time
    PACIFIC: ("costa oeste", "el area de la bahia", "baja california", "mexicali", "ensenada"),
    HAWAII: ("hawai",),
    ATLANTIC: ("puerto rico", "san juan", "ponce", "mayaguez", "bayamon", "carolina puerto rico"),
    "America/St_Thomas": ("islas virgenes",),
    UK: ("londres", "inglaterra", "reino unido"),
    MEXICO_CITY: ("ciudad de mexico", "mexico", "guadalajara", "puebla", "el df"),
    "America/Monterrey": ("monterrey",),
    "America/Cancun": ("cancun", "quintana roo"),
    "America/Hermosillo": ("hermosillo", "sonora"),
}

_REGIONS = {
    "eastern": EASTERN, "central": CENTRAL, "mountain": MOUNTAIN,
    "pacific": PACIFIC, "atlantic": ATLANTIC, "pacifico": PACIFIC, "atlantico": ATLANTIC,
}

_LABELS = {
    "Eastern time": (
        EASTERN, "America/Detroit", "America/Toronto", "America/Montreal",
        "America/Indiana/Indianapolis", "America/Indianapolis",
        "America/Kentucky/Louisville", "America/Louisville", "US/Eastern",
        "US/Michigan", "EST5EDT",
    ),
    "Central time": (
        CENTRAL, "America/Winnipeg", "America/Indiana/Knox", "America/Menominee",
        "America/North_Dakota/Center", "US/Central", "CST6CDT",
    ),
    "Mountain time": (
        MOUNTAIN, "America/Boise", "America/Edmonton", "US/Mountain", "MST7MDT",
    ),
    "Arizona time": (ARIZONA, "US/Arizona"),
    "Pacific time": (PACIFIC, "America/Vancouver", "America/Tijuana", "US/Pacific", "PST8PDT"),
    "Alaska time": (ALASKA, "America/Juneau", "America/Sitka", "America/Nome", "US/Alaska"),
    "Hawaii time": (HAWAII, "US/Hawaii"),
    "Atlantic time": (ATLANTIC, "America/St_Thomas", "America/Halifax"),
    "UK time": (UK, "GB"),
    "UTC": (UTC, "Etc/UTC", "Etc/UCT", "UCT", "Zulu"),
    "Mexico City time": (MEXICO_CITY, "America/Monterrey", "America/Merida", "America/Bahia_Banderas"),
}
_LABELS_ES = {
    "Eastern time": "hora del Este",
    "Central time": "hora del Centro",
    "Mountain time": "hora de la Montaña",
    "Arizona time": "hora de Arizona",
    "Pacific time": "hora del Pacífico",
    "Alaska time": "hora de Alaska",
    "Hawaii time": "hora de Hawái",
    "Atlantic time": "hora del Atlántico",
    "UK time": "hora del Reino Unido",
    "UTC": "UTC",
    "Mexico City time": "hora del centro de México",
}
_LABEL_OF = {zone: label for label, zones in _LABELS.items() for zone in zones}


def _phrase_table() -> dict[tuple[str, ...], tuple[str, int]]:
    table: dict[tuple[str, ...], tuple[str, int]] = {}

    def add(phrase: str, zone: str, tier: int) -> None:
        table.setdefault(tuple(phrase.split()), (zone, tier))

    for zone, phrases in _ZONE_WORDS.items():
        for phrase in phrases:
            add(phrase, zone, _TIER_ZONE_WORD)
    for zone, tails in _ZONE_TAILS_ES.items():
        for head in _ZONE_HEADS_ES:
            for tail in tails:
                add(f"{head} {tail}", zone, _TIER_ZONE_WORD)
    for state, zone in _STATES.items():
        add(state, zone, _TIER_PLACE)
    for places in (_PLACES, _PLACES_ES):
        for zone, phrases in places.items():
            for phrase in phrases:
                add(phrase, zone, _TIER_PLACE)
    for word, zone in _REGIONS.items():
        add(word, zone, _TIER_REGION)
    return table


_PHRASES = _phrase_table()
_MAX_WORDS = max(len(key) for key in _PHRASES)
# Most words start no phrase: skip them without building a tuple for every length.
_FIRST_WORDS = frozenset(key[0] for key in _PHRASES)

_IANA_RE = re.compile(r"(?<![\w/])([A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)+)")

# Words that may sit around a zone in a message that is only about the zone.
_FILLER = frozenset(
    "in on at the my is its now time zone timezone tz please pls plz thanks "
    "thank you ok okay live living moved move to change set switch it standard "
    "daylight savings saving here currently actually just "
    # Spanish: "estoy en Chicago", "vivo en Los Ángeles", "cambia mi zona horaria a ..."
    "estoy estamos en vivo vivimos el la los las de del mi es esta ahora ahorita aqui aca "
    "por favor porfa gracias vale cambia cambiar cambiame cambiala cambialo pon ponme ponla "
    "me mude mudamos nos a ya zona horaria hora horario huso ciudad estado area actualmente".split()
)
# "I'm Austin" is a name, "I'm in Austin" a place: "I"/"I'm" need a place word.
_SELF = frozenset({"i", "im", "am", "estoy", "vivo"})
_WHERE = frozenset({"in", "on", "to", "at", "en", "a"})


@lru_cache(maxsize=1)
def _iana_by_lower() -> dict[str, str]:
    """Every IANA name this machine knows, by its lower-case spelling (read once)."""
    return {
        name.lower(): name
        for name in available_timezones()
        if name.lower() not in _REFUSED
    }


def _tokens(text: "str | Message") -> list[str]:
    # "I'm" -> "im", "D.C." -> "dc", "St. Louis" -> "st louis", "Los Ángeles" -> "los angeles"
    return re.findall(r"[a-z0-9]+", re.sub(r"['.]", "", plain(text)))


# Spanish "la" is an article ("en la ciudad de Nueva York", "la hora de Chicago"), and
# "la montaña" a mountain, not Montana. A lower-case "la" is Los Angeles only where an
# article cannot be: not after a Spanish preposition, and last or before one of the words
# English texts put after a place ("im in la now"). An upper-case "LA" or "L.A." always
# is ("estoy en LA").
_BEFORE_ARTICLE = frozenset("en de a por para desde hasta hora horario es y o toda sobre con cerca".split())
_AFTER_LA = frozenset(
    "now time zone timezone tz please pls plz thanks area county ca california and but so for "
    "since too lol right currently actually pst pdt pt pacific next soon today tomorrow tonight "
    "in on at is was i im my with".split())
_LOS_ANGELES_CAPS = re.compile(r"\bL\.?A\b\.?")


def _not_places(text: "str | Message", tokens: list[str]) -> frozenset[int]:
    """Positions of tokens that look like a place here but are Spanish words."""
    caps = bool(_LOS_ANGELES_CAPS.search(Message.of(text).raw))
    skip = set()
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if token == "la" and not caps and (before in _BEFORE_ARTICLE or after not in _AFTER_LA | {None}):
            skip.add(i)
        elif token == "montana" and before in ("la", "las"):
            skip.add(i)
    return frozenset(skip)


def _matches(tokens: list[str], skip: frozenset[int] = frozenset()) -> list[tuple[int, int, int, str]]:
    """Leftmost-longest phrase matches as (tier, start, end, zone), left to right; no
    phrase starts at a position in `skip`."""
    found = []
    i = 0
    while i < len(tokens):
        if tokens[i] not in _FIRST_WORDS or i in skip:
            i += 1
            continue
        for length in range(min(_MAX_WORDS, len(tokens) - i), 0, -1):
            hit = _PHRASES.get(tuple(tokens[i:i + length]))
            if hit is not None:
                zone, tier = hit
                found.append((tier, i, i + length, zone))
                i += length
                break
        else:
            i += 1
    return found


def _iana_in(text: "str | Message") -> str | None:
    for candidate in _IANA_RE.findall(Message.of(text).raw):
        name = _iana_by_lower().get(candidate.lower())
        if name is not None:
            return name
    return None


def parse_zone(text: "str | Message") -> str | None:
    """The IANA zone a message names, or None. See the module docstring for the rules."""
    iana = _iana_in(text)
    if iana is not None:
        return iana
    tokens = _tokens(text)
    found = _matches(tokens, _not_places(text, tokens))
    if not found:
        return None
    return min(found, key=lambda m: (m[0], m[1]))[3]


def is_zone_request(text: "str | Message") -> bool:
    """The message asks to set or change the time zone.

    True for "ZONE ...", "TZ ...", anything mentioning "time zone", and for a
    message that is only a zone or place plus filler words ("im in LA",
    "I live in Denver", "pacific time please"). "I'm in treatment in Chicago"
    and "I'm from Chicago" are not requests: extra words mean it is about
    something else.
    """
    tokens = _tokens(text)
    if not tokens:
        return False
    if tokens[0] in ("zone", "timezone", "tz", "zona") or tokens[:2] in (["time", "zone"], ["huso", "horario"]):
        return True
    if any(a in ("zona", "huso") and b == "horaria" or a == "huso" and b == "horario"
           for a, b in zip(tokens, tokens[1:])):
        return True
    if "timezone" in tokens or any(
        a == "time" and b == "zone" for a, b in zip(tokens, tokens[1:])
    ):
        return True
    if _iana_in(text) is not None:
        return _only_filler(_tokens(_IANA_RE.sub(" ", Message.of(text).raw)))
    found = _matches(tokens, _not_places(text, tokens))
    if not found:
        return False
    covered = {i for _, start, end, _ in found for i in range(start, end)}
    return _only_filler([t for i, t in enumerate(tokens) if i not in covered])


def _only_filler(rest: list[str]) -> bool:
    if any(t in _SELF for t in rest) and not any(t in _WHERE for t in rest):
        return False
    return all(t in _FILLER or t in _SELF for t in rest)


def zone_label(zone: str, language: str = "en") -> str:
    """A short readable name for a zone ("Pacific time", "hora del Pacífico"), else the
    IANA name itself.

    The Spanish names are those US Spanish-language TV and radio give ("9 p.m. hora del
    Este"). They keep their accents as correct Spanish: ñ is GSM-7 ("Montaña"), but
    í and á are not, so "Pacífico", "Hawái" and "Atlántico" make a text UCS-2.
    """
    label = _LABEL_OF.get(zone)
    if label is None:
        check_language(language)
        return zone
    return _LABELS_ES[label] if check_language(language) == "es" else label


def load_zone(zone: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; ValueError if unknown or the server's local zone."""
    if not zone or zone.lower() in _REFUSED:
        raise ValueError(f"not a usable time zone: {zone!r}")
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {zone!r}") from exc


_OLD_PLACE = frozenset({"not", "from", "left", "leaving", "instead", "longer", "was", "used", "formerly", "ex",
                        # Spanish: "no en Chicago", "me mudé de Chicago", "antes en", "ya no"
                        "no", "de", "desde", "antes", "estaba", "vivia", "era", "sali", "deje"})


def parse_new_zone(text: "str | Message") -> str | None:
    """The zone a person says they are in NOW: "I'm in Denver now not NY" -> Denver.

    A place right after "not", "from", "no longer", "left", "instead of", "was in"
    (within the three words before it, not reaching back past another place) is where
    they were; the first other place wins.
    Spanish alike: "no", "de", "desde", "antes", "estaba", "vivía", "salí", "dejé"
    ("me mudé de Chicago a Denver" -> Denver).
    Falls back to `parse_zone` when every place is negated or none is named this way.
    """
    iana = _iana_in(text)
    if iana is not None:
        return iana
    tokens = _tokens(text)
    found = _matches(tokens, _not_places(text, tokens))
    # The words before each place, back to the place before it: in "from NY to Denver"
    # the "from" belongs to NY only.
    ends = [0] + [m[2] for m in found]
    current = [m for m, prev_end in zip(found, ends)
               if not (_OLD_PLACE & set(tokens[max(prev_end, m[1] - 3):m[1]]))]
    if current:
        return min(current, key=lambda m: (m[0], m[1]))[3]
    return parse_zone(text)
