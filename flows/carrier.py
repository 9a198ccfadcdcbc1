"""The one check for carrier keywords: opt-out (STOP), opt-in (START) and HELP.

It mirrors Twilio's default handling so Steady's consent record never disagrees
with what Twilio itself enforces. Twilio acts only on a whole-message keyword
(any case, with stray punctuation or spaces); it blocks every later message to
the number after an opt-out word, and lifts the block on START, UNSTOP or YES.

Decisions:
- Opt-out words (Twilio's list): STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
  REVOKE, OPTOUT, as the whole message. "STOP ALL", "OPT OUT", "stop please",
  "please stop", "stop stop" count too (Twilio would not block them, so Steady
  does it itself).
- Plain-language opt-outs count when the request is clear: "stop texting me",
  "stop sending me messages", "unsubscribe me", "opt me out", "remove me from this
  list", "take me off your list", "don't text me anymore", "no more texts",
  "revoke consent", "wrong number". A message that mentions the daily messages
  ("stop the daily texts") is not a full opt-out: the matcher sends it to
  daily_off.
- Ambiguous phrases do NOT opt out: "leave me alone", "go away", "i quit",
  "stop it" with more words, "i want to stop using", "how do i stop",
  "i want to quit". A person in distress may say them, and an opt-out silences
  everything, crisis replies included.
- Opt-in: START and UNSTOP always. YES only when the person is opted out
  (`opted_out=True`): Twilio lifts its block on YES, but from anyone else "yes"
  is an answer to a question. Other words ("subscribe", "opt in") cannot opt in:
  Twilio would still block the reply.
- HELP and INFO count only as the whole message. "help me", "i need help",
  "help me make a quit plan" go to the matcher or the menu/fallback.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import DamerauLevenshtein

from flows.message import Message

__all__ = [
    "carrier_keyword", "STOP_WORDS", "START_WORDS", "HELP_WORDS", "OPT_IN_WHEN_OPTED_OUT",
]

STOP_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
START_WORDS = ("START", "UNSTOP")
OPT_IN_WHEN_OPTED_OUT = ("YES",)
HELP_WORDS = ("HELP", "INFO")

# Whole-message spellings that mean a keyword, beyond the keyword itself.
_WHOLE = {
    "stop all": ("stop", "STOPALL"),
    "opt out": ("stop", "OPTOUT"),
    "un subscribe": ("stop", "UNSUBSCRIBE"),
    "unstop": ("start", "UNSTOP"),
    "un stop": ("start", "UNSTOP"),
}
for _word in STOP_WORDS:
    _WHOLE[_word.lower()] = ("stop", _word)
for _word in START_WORDS:
    _WHOLE[_word.lower()] = ("start", _word)
for _word in HELP_WORDS:
    _WHOLE[_word.lower()] = ("help", _word)

_POLITE = r"(?:please|pls|plz|plez|now|already|thanks|thank you|thx|ty|asap|ok|okay|thank u|right now|for real|fr)"
# "please stop", "stop it", "stop now thanks", "unsubscribe please", "opt out pls".
_STOP_POLITE = re.compile(
    rf"^(?:{_POLITE} )*(?:"
    rf"(?P<stop>stop)(?: (?:{_POLITE}|stop|it|this|that|all|everything|texts|messages|texting|messaging))*"
    rf"|(?P<other>unsubscribe|cancel|stopall|stop all|opt out|optout|revoke)(?: {_POLITE})*"
    rf")$"
)

_ME = r"(?:me|us|this number|my number|my phone|this phone)"
_TEXT_VERB = r"(?:texting|txting|texing|textin|messaging|msging|contacting|sending|spamming|bothering)"
_TEXT_NOUN = r"(?:texts|txts|text|txt|messages|message|msgs|msg|sms)"
_TAIL = rf"(?: (?:{_POLITE}|anymore|any more|again|ever again|lol|omg|bro|dude|man|wtf|seriously|now))*"
_OPT_OUT_PHRASES = re.compile(
    "|".join(
        [
            rf"\b(?:stop|quit|cease) {_TEXT_VERB} {_ME}\b",
            rf"\b(?:stop|quit|cease) {_TEXT_VERB}(?: (?:{_TEXT_NOUN}|stuff))?{_TAIL}$",
            rf"\bstop sending(?: {_ME})?(?: (?:any more |anymore |these |this |the |your |any |all |all these ))?{_TEXT_NOUN}\b",
            rf"\bstop(?: (?:the|these|your|all|all the|all these|all your|sending))? {_TEXT_NOUN}\b",
            rf"\b(?:dont|do not|never|don t) (?:text|txt|message|msg|contact|sms) {_ME}\b",
            rf"\bno more (?:texts|txts|messages|msgs|sms|text messages)\b",
            r"\bunsubscribe\b",
            r"\b(?:opt|opting) (?:me )?out\b",
            r"\boptout\b",
            r"\bremove (?:me|my number|this number|my phone)(?: (?:from|off) (?:this|the|your|ur) "
            r"(?:list|texts|service|thing|messages))?\b",
            r"\btake (?:me|my number|this number) off (?:this|the|your|ur) (?:list|texts|service)\b",
            r"\bcancel (?:my |the |this |these |all |your |all the )?(?:subscription|texts|txts|messages|msgs|service|sms)\b",
            r"\brevoke(?: (?:my )?consent)?\b",
            r"\bi (?:do not|dont|don t) (?:want|wanna|need) (?:any more |anymore |these |your |any |the )?"
            r"(?:texts|txts|messages|msgs|text messages)\b",
            r"^(?:sorry |sry )?(?:you have |you ve got |youve got |you got |this is |u have |u got )?(?:the |a )?"
            r"wrong (?:number|person|#)(?: sorry| lol| buddy| bro| dude)?$",
            r"\bno mas (?:mensajes|textos)\b|\bno me (?:mandes|envies|escribas|manden|envien|escriban) mas\b",
        ]
    )
)
# Mentions of the daily messages: a request about them, not a full opt-out.
_DAILY = re.compile(r"\b(?:daily|dailies|every day|everyday|each day|morning|mornings|reminders?|encouragement|mindfulness|prompts?)\b")
_HOW_TO_STOP_USING = re.compile(r"\bstop (?:using|doing|taking|smoking|shooting|getting high)\b")


def _fuzzy_unsubscribe(text: str) -> bool:
    """'unsubscibe', 'unsubcribe': a person meaning to leave, who mistyped the word."""
    return (
        len(text) >= 9
        and " " not in text
        and text.startswith("uns")
        and DamerauLevenshtein.distance(text, "unsubscribe", score_cutoff=2) <= 2
    )


def carrier_keyword(text: Message | str, *, opted_out: bool = False) -> tuple[str, str] | None:
    """(intent, keyword) for STOP/START/HELP messages, else None.

    intent is "stop", "start" or "help"; keyword is the canonical upper-case word,
    or "phrase" for a plain-language opt-out. Pass opted_out=True when the person
    has opted out, so that YES opts them back in as Twilio does.
    """
    norm = Message.of(text).normal
    if not norm:
        return None
    whole = _WHOLE.get(norm)
    if whole:
        return whole
    squashed = norm.replace(" ", "")
    whole = _WHOLE.get(squashed) if squashed in ("stopall", "optout", "unsubscribe", "unstop") else None
    if whole:
        return whole
    if opted_out and norm in ("yes", "y", "yes please", "yes pls"):
        return ("start", "YES")
    match = _STOP_POLITE.match(norm)
    if match:
        word = (match.group("stop") or match.group("other")).replace(" ", "").upper()
        return ("stop", word)
    if _fuzzy_unsubscribe(norm):
        return ("stop", "UNSUBSCRIBE")
    if _DAILY.search(norm) or _HOW_TO_STOP_USING.search(norm):
        return None
    if _OPT_OUT_PHRASES.search(norm):
        return ("stop", "phrase")
    return None
