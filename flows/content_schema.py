"""What `content/` must hold, as data: one `Spec` per text a flow sends, and the limits.

A spec says which file and key a text lives under, when it is sent, which placeholders
it may use, which words it cannot lose and its role (a reply on its own, a PLAN question,
a lead put above a question...). The validator (flows.content_validate) and the measurer
(flows.content_measure) read these tables and keep no lists of their own; content/README.md's
id tables are rendered from them (`markdown_table`) and a test keeps the two equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from flows.helpline import HELPLINE_NUMBER

SAFETY = "safety.yaml"
MESSAGES = "messages.yaml"
DAILY = "daily.yaml"
KEYWORDS = "keywords.yaml"
PLAN = "plan.yaml"
FILES = (SAFETY, MESSAGES, DAILY, KEYWORDS, PLAN)

# Languages: English is the root folder; each other language has a folder of its own
# (content/es/) holding these files with the same ids. Keywords, examples and the
# crisis kinds (bilingual) are shared.
ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)
TRANSLATED_FILES = (SAFETY, MESSAGES, DAILY, PLAN)
# safety.yaml of a translation: the crisis kinds are in the root file, in both languages.
TRANSLATED_SAFETY_KEYS = ("helpline", "crisis", "crisis_topics")


def file_in(language: str, name: str) -> str:
    """The file name errors and `steady content check` use: "messages.yaml", "es/messages.yaml"."""
    return name if language == ENGLISH else f"{language}/{name}"

# The roles a text plays. A LEAD goes on the line above a QUESTION or an ENDING, in the
# same text, so it is measured above the longest of them.
REPLY = "reply"
QUESTION = "question"
RETRY = "retry"
LEAD = "lead"
ENDING = "ending"
WORDS = "words"          # words another text puts in its placeholders (MY PLAN's "not set")


@dataclass(frozen=True)
class Spec:
    id: str
    when: str                                   # when it is sent, for the person editing it
    placeholders: tuple[str, ...] = ()          # the placeholders it may use, in README order
    must_contain: tuple[str, ...] = ()          # words it cannot lose (carrier rules, keywords)
    role: str = REPLY
    lock_screen: bool = False                   # shown on a lock screen: no drug or program words (PRIVATE)
    es: tuple[str, ...] | None = None           # what the Spanish text must contain (None: `must_contain_in`)

    def must_contain_in(self, language: str) -> tuple[str, ...]:
        """The words this text cannot lose in `language`. Spanish keeps what reads the
        same in both (placeholders, numbers, STOP, START, PLAN...) unless `es` says."""
        if language == ENGLISH:
            return self.must_contain
        if self.es is not None:
            return self.es
        return tuple(IN_SPANISH.get(word, word) for word in self.must_contain
                     if word in IN_SPANISH or _same_in_spanish(word))


# Words a Spanish text keeps as they are: keywords Twilio and Steady read in both
# languages. Anything with a digit or a placeholder is kept too.
SAME_IN_SPANISH = frozenset({"STOP", "START", "PLAN", "NO", "ENGLISH", "ESPANOL"})
# The words a Spanish text must hold instead (the Spanish keywords of content/keywords.yaml).
IN_SPANISH: Mapping[str, str] = MappingProxyType({
    "naloxone": "naloxona", "YES": "SI", "DELETE": "BORRAR", "HELP": "AYUDA", "DAILY": "DIARIO",
    "DAILY OFF": "DIARIO NO", "PRIVATE": "PRIVADO", "PRIVATE OFF": "PRIVADO NO", "CRAVING": "GANAS",
    "TREATMENT": "TRATAMIENTO", "SKIP": "SALTAR", "NEW": "NUEVO", "TIME": "HORA", "ZONE": "ZONA",
    "10 minutes": "10 minutos", "erased": "borrado", "text again": "vuelvas a escribir",
    "1 msg/day": "1 mensaje al día", "Msg&data rates may apply": "Pueden aplicarse tarifas de mensajes y datos",
})
# The CTIA disclosure in Spanish (issue 13).
RATES_ES = "Pueden aplicarse tarifas de mensajes y datos"


def _same_in_spanish(word: str) -> bool:
    return word in SAME_IN_SPANISH or word.startswith("{") or any(c.isdigit() for c in word)


@dataclass(frozen=True)
class Placeholder:
    name: str
    what: str
    sample: str          # the longest value it takes: texts are measured with this


# --- messages.yaml --------------------------------------------------------------------

MESSAGE_SPECS: tuple[Spec, ...] = (
    Spec("menu", "an empty text, or a request for the menu"),
    Spec("help", "HELP", ("program", "support"),
         ("{program}", "{support}", "Msg&data rates may apply", "STOP", "988"),
         es=("{program}", "{support}", RATES_ES, "PARAR", "988")),
    Spec("craving", "CRAVING"),
    Spec("withdrawal", "WITHDRAWAL"),
    Spec("treatment", "TREATMENT"),
    Spec("support", "MEETINGS"),
    Spec("mindfulness", "BREATHE"),
    Spec("fallback", "a text Steady doesn't understand", (), ("911", "988")),
    Spec("stop_confirm", "the single reply to STOP (carriers allow only one)", ("program",), ("START",)),
    Spec("start_confirm", "START after an opt-out", ("program",), ("{program}",)),
    Spec("daily_on", "signing up for DAILY", ("program", "time", "zone"),
         ("{program}", "{time}", "{zone}", "1 msg/day", "Msg&data rates may apply", "HELP", "STOP", "DAILY OFF",
          "PRIVATE"),
         es=("{program}", "{time}", "{zone}", "1 mensaje al día", RATES_ES, "AYUDA", "PARAR", "DIARIO NO",
             "PRIVADO")),
    Spec("daily_off", "DAILY OFF", (), ("DAILY",)),
    Spec("craving_followup", "about 15 minutes after CRAVING", (), ("CRAVING",)),
    Spec("slip", "SLIP, \"I used\", \"I relapsed\": no shame, safety first, a way back to PLAN", (),
         ("911", "naloxone", "PLAN")),
    Spec("daily_time_set", "TIME 7pm, \"text me at 8am\": the new daily send time, daily texts on",
         ("time", "zone")),
    Spec("daily_time_saved", "the same, when daily texts are not on yet", ("time",), ("DAILY",)),
    Spec("daily_time_quiet", "a time in quiet hours: why, and the nearest allowed time",
         ("time", "nearest", "earliest", "latest"), ("{nearest}", "TIME")),
    Spec("daily_time_unclear", "TIME without a time Steady can read", (), ("TIME",)),
    Spec("daily_zone_set", "ZONE Pacific, \"I'm in Chicago\"", ("zone", "time")),
    Spec("daily_zone_unknown", "ZONE with a place Steady doesn't know", (), ("ZONE",)),
    Spec("daily_kinds_set", "\"encouragement only\", \"mindfulness only\", DAILY BOTH", ("kinds",)),
    Spec("naloxone", "what naloxone is, where to get it, how to use it", (), ("911",)),
    Spec("medication", "on methadone or buprenorphine and wanting to stop, taper or switch"),
    Spec("dosing", "any question about amounts: Steady never gives them", (), ("911",)),
    Spec("pregnancy", "pregnant and using, stopping, or on medication"),
    Spec("about", "\"who is this\", \"is this a real person\"", ("program",), ("988",)),
    Spec("thanks", "thanks, ok, small talk"),
    Spec("need_help", "\"help me\", \"I need help\"", (), ("911", "988")),
    Spec("feeling", "\"tired\", \"kinda low\": naming a feeling"),
    Spec("checkin_passed", "\"did the craving pass?\" answered yes"),
    Spec("checkin_not_yet", "\"did the craving pass?\" answered no"),
    Spec("checkin_partly", "\"did the craving pass?\" answered partly"),
    Spec("daily_reply", "a reply to a daily text that asked something"),
    Spec("delete_ask", "DELETE, \"forget me\", \"borrar mis datos\": exactly what will be erased, and how to "
                       "confirm", (), ("DELETE", "YES", "10 minutes")),
    Spec("delete_done", "DELETE confirmed: everything is erased; what stays, and that nothing more is sent",
         (), ("erased", "text again")),
    Spec("my_data", "MY DATA, \"what do you keep on me\": what is stored, for how long, how to erase it",
         ("program",), ("DELETE",)),
    Spec("private_on", "PRIVATE, DISCREET: scheduled texts open with a neutral line", (), ("PRIVATE OFF",)),
    Spec("private_off", "PRIVATE OFF", (), ("PRIVATE",)),
    Spec("private_opener", "the first line of each scheduled text after PRIVATE (a lock screen shows it: no "
                           "drug or program words)", ("program",), ("{program}",), lock_screen=True),
    Spec("language_set", "ESPANOL / ENGLISH: the language chosen, and how to switch back", (),
         ("ESPANOL",), es=("ENGLISH",)),
    Spec("language_detected", "one line after Steady starts answering in the language a person writes in",
         (), ("ESPANOL",), es=("ENGLISH",)),
    Spec("unavailable", "Steady's database is down or too slow and the text is not a crisis "
                        "(a crisis text still gets the crisis reply)", (), ("911", "988")),
)

# --- plan.yaml `flow:` ----------------------------------------------------------------

PLAN_SPECS: tuple[Spec, ...] = (
    Spec("ask_date", "question 1: the quit date", (), ("SKIP",), QUESTION),
    Spec("retry_date", "question 1 again", (), (), RETRY),
    Spec("confirm_date", "a date read back for a YES", ("date",), ("{date}", "YES"), QUESTION),
    Spec("retry_confirm", "the read-back again", ("date",), (), RETRY),
    Spec("date_past", "a date before today", ("date",)),
    Spec("date_far", "a date more than 60 days on", ("date",)),
    Spec("ask_triggers", "question 2: triggers", (), ("SKIP",), QUESTION),
    Spec("retry_triggers", "question 2 again", (), (), RETRY),
    Spec("ask_coping", "question 3: how to cope", ("options",), ("{options}", "SKIP"), QUESTION),
    Spec("retry_coping", "question 3 again", (), (), RETRY),
    Spec("ask_support", "question 4: who supports them", (), ("SKIP",), QUESTION),
    Spec("retry_support", "question 4 again", (), (), RETRY),
    Spec("ask_mat", "question 5: talk to a provider about medication (MAT)?", (), ("YES", "NO", "SKIP"), QUESTION),
    Spec("retry_mat", "question 5 again", (), ("YES", "NO"), RETRY),
    Spec("ask_texts", "question 6: consent to the quit-date texts", ("program", "time"),
         ("{program}", "YES", "NO", "Msg&data rates may apply", "STOP"), QUESTION,
         es=("{program}", "SI", "NO", RATES_ES, "PARAR")),
    Spec("retry_texts", "question 6 again", (), ("YES", "NO"), RETRY),
    Spec("menu", "PLAN when a plan is saved: change one part or NEW", ("parts",), ("{parts}", "NEW"), QUESTION),
    Spec("retry_menu", "the menu again", (), (), RETRY),
    Spec("menu_left", "the plan left as it was", (), (), ENDING),
    Spec("intro", "lead: the start of a new plan", (), (), LEAD),
    Spec("date_saved", "lead: after YES to the date", ("date",), (), LEAD),
    Spec("no_support", "lead: after \"no one\" to question 4", (), (), LEAD),
    Spec("skipped", "lead: after SKIP, or a second answer that couldn't be read", (), (), LEAD),
    Spec("resume", "lead: PLAN again in the middle of the questions", (), (), LEAD),
    Spec("expired", "lead: PLAN again more than 24 hours later (the answers so far are gone)", (), (), LEAD),
    Spec("texts_need_date", "lead: asking for texts (menu 6) without a quit date", (), (), LEAD),
    Spec("resume_offer", "after a crisis reply cut the questions short", (), ("PLAN",)),
    Spec("done", "the plan is saved, without quit-date texts", (), (), ENDING),
    Spec("done_texts", "the plan is saved, with quit-date texts", ("time",), ("PRIVATE",), ENDING),
    Spec("part_saved", "one part changed from the menu", (), (), ENDING),
    Spec("nothing_saved", "every question skipped", (), (), ENDING),
    Spec("show", "MY PLAN", ("quit_date", "triggers", "coping", "people", "mat", "texts")),
    Spec("show_not_set", "MY PLAN: a part not answered", (), (), WORDS),
    Spec("show_mat_yes", "MY PLAN: {mat} for yes", (), (), WORDS),
    Spec("show_mat_no", "MY PLAN: {mat} for no", (), (), WORDS),
    Spec("show_texts_on", "MY PLAN: {texts} when on", (), (), WORDS),
    Spec("show_texts_off", "MY PLAN: {texts} when off", (), (), WORDS),
    Spec("my_plan_empty", "MY PLAN with no plan saved", (), ("PLAN",)),
    Spec("checkin_question", "added to the end of the check-in days' texts", (), ("1", "5")),
    Spec("checkin_low", "the answer to a check-in of 1 or 2", (), ("CRAVING", "TREATMENT")),
    Spec("checkin_mid", "the answer to a check-in of 3"),
    Spec("checkin_high", "the answer to a check-in of 4 or 5"),
)

# The same, by id, as the validator and the measurer read them.
MESSAGE_IDS: Mapping[str, frozenset[str]] = MappingProxyType({s.id: frozenset(s.placeholders) for s in MESSAGE_SPECS})
MUST_CONTAIN: Mapping[str, tuple[str, ...]] = MappingProxyType({s.id: s.must_contain for s in MESSAGE_SPECS})
PLAN_FLOW_IDS: Mapping[str, frozenset[str]] = MappingProxyType({s.id: frozenset(s.placeholders) for s in PLAN_SPECS})
PLAN_MUST_CONTAIN: Mapping[str, tuple[str, ...]] = MappingProxyType({s.id: s.must_contain for s in PLAN_SPECS})
PLAN_LEADS = tuple(s.id for s in PLAN_SPECS if s.role == LEAD)
PLAN_QUESTIONS = tuple(s.id for s in PLAN_SPECS if s.role in (QUESTION, ENDING))

# --- plan.yaml: the rest --------------------------------------------------------------

# The quit-date texts, by days from the quit date, and their keys in plan.yaml.
QUIT_DAY_KEYS: Mapping[int, str] = MappingProxyType({
    -3: "3_days_before", -1: "1_day_before", 0: "quit_day", 1: "day_1", 2: "day_2",
    3: "day_3", 7: "day_7", 14: "day_14", 30: "day_30",
})
# Days whose text ends with checkin_question (flows.quit_program.CHECKIN_OFFSETS agrees; a test checks).
CHECKIN_DAYS = (1, 3, 7, 14, 30)
PERSONAL = frozenset({"triggers", "coping", "people"})
# The person's words are cut to this many characters inside a quit-date text, and MY PLAN
# always leaves at least this much room for each answer.
PERSONAL_MAX = 60
MIN_COPING_OPTIONS = 3
MAX_COPING_OPTIONS = 9

# --- placeholders and their longest values ----------------------------------------------

PROGRAM_MAX = 20
SUPPORT_MAX = 40
TIME_MAX = 8
ZONE_MAX = 30
MESSAGE_PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder("program", "the service's name, set by the organisation", "Steady Support Texts"),
    Placeholder("support", "the organisation's contact (phone, email or web)",
                "support-team@steady-helpline.example.org"),
    Placeholder("time", "the person's daily send time, like `9:00 AM`", "12:30 PM"),
    Placeholder("zone", "the person's time zone, like `America/Chicago`", "America/Argentina/Buenos_Aires"),
    Placeholder("nearest", "the allowed send time nearest the one asked for", "12:30 PM"),
    Placeholder("earliest", "the earliest send time quiet hours allow", "12:30 PM"),
    Placeholder("latest", "the latest send time quiet hours allow", "12:30 PM"),
    Placeholder("kinds", "which daily texts, like `encouragement and mindfulness, taking turns`",
                "encouragement and mindfulness, taking turns"),
)
# check() fills placeholders with samples exactly this long, so a text that passes fits
# whatever the operator configures.
SAMPLES: Mapping[str, str] = MappingProxyType({p.name: p.sample for p in MESSAGE_PLACEHOLDERS})
# The longest date the flow reads back (flows.dates.describe).
DATE_SAMPLE = "Wednesday, September 30"
PERSONAL_SAMPLE = ("words of my own " * 4)[:PERSONAL_MAX]

# --- limits and words ---------------------------------------------------------------------

MAX_SEGMENTS = 3
CRISIS_MAX_SEGMENTS = 2
# The longest date the flow reads back in Spanish (flows.dates, language="es").
DATE_SAMPLE_ES = "miércoles 30 de septiembre"
FOOTER_MAX_CHARACTERS = 60
MIN_DAILY = 30
CRISIS_NUMBERS = ("911", "988", HELPLINE_NUMBER)
# Crisis kinds and crisis-mode topics are named in flows.corpus, beside the examples that teach them.
CRISIS_TEXT_KEYS = ("en", "es", "again", "again_es")
DV_HOTLINE = "1-800-799-7233"

STIGMA = re.compile(r"\b(addicts?|junkies|junkie|junky|abusers?|clean|dirty)\b", re.IGNORECASE)
# Spanish: whole words only, so "adicción", "limpiar", "ensuciar" pass.
STIGMA_ES = re.compile(r"\b(adict[oa]s?|drogadict[oa]s?|limpi[oa]s?|suci[oa]s?|yonquis?|yonkis?)\b", re.IGNORECASE)
# SAMHSA's text service is English only (FACTS.md): never offered in Spanish.
ENGLISH_ONLY_ES = re.compile(r"HELP4U|435748", re.IGNORECASE)
# Spanish letters outside GSM-7 (é ñ ü ¿ ¡ are in it): a Spanish text holding them goes
# as UCS-2, allowed outside crisis texts within the same character budget.
SPANISH_UCS2 = frozenset("áíóúÁÍÓÚ")
QUIT_KEYWORD = re.compile(r"\bQUIT\b")
# Words a lock screen must not show for a person who asked for PRIVATE (Spec.lock_screen).
LOCK_SCREEN_WORDS = re.compile(
    r"\b(heroin|opioids?|opiates?|drugs?|dope|fentanyl|using|use|craving|cravings|withdrawal|recovery|relapse|"
    r"quit|quitting|sober|treatment|overdose|naloxone|narcan|methadone|suboxone|buprenorphine|addiction|plan)\b",
    re.IGNORECASE)


# --- content/README.md's tables -----------------------------------------------------------

def markdown_table(specs: tuple[Spec, ...]) -> str:
    """The README's id table for these specs (a test keeps the README equal to it)."""
    def code(items: tuple[str, ...]) -> str:
        return ", ".join(f"`{item}`" for item in items)

    rows = ["| id | when it is sent | placeholders | must contain | in Spanish (es/) |", "|---|---|---|---|---|"]
    for spec in specs:
        placeholders = code(tuple(f"{{{name}}}" for name in spec.placeholders)) or "none"
        must = code(spec.must_contain)
        spanish = code(spec.must_contain_in(SPANISH))
        rows.append(f"| `{spec.id}` | {spec.when} | {placeholders} |{f' {must} ' if must else ' '}|"
                    f"{f' {spanish} ' if spanish else ' '}|")
    return "\n".join(rows)


def placeholder_table(placeholders: tuple[Placeholder, ...] = MESSAGE_PLACEHOLDERS) -> str:
    rows = ["| placeholder | what it is | longest |", "|---|---|---|"]
    rows += [f"| `{{{p.name}}}` | {p.what} | {len(p.sample)} characters |" for p in placeholders]
    return "\n".join(rows)
