"""The one check for carrier keywords: opt-out (STOP), opt-in (START) and HELP.

It mirrors Twilio's handling so Steady's consent record never disagrees with what
Twilio itself enforces. Sources: Twilio's "Twilio support for opt-out keywords (SMS
STOP filtering)" (https://help.twilio.com/articles/223134027) and "Customize users'
opt-in and opt-out experience with Advanced Opt-Out"
(https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out). By default Twilio
blocks a number that texts STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE or
OPTOUT (the last two are in the current tutorial; older pages list six), lifts the
block on START, UNSTOP or YES, and answers HELP and INFO; only a single-word message
counts, in any case. Twilio blocks before Steady's reply goes out, so a reply to a
keyword Twilio blocks on is never delivered (`carrier_blocked`).

Decisions:
- OptOutType is the carrier's word. With Advanced Opt-Out, Twilio adds
  OptOutType=STOP|START|HELP to the inbound webhook when a text matched one of the
  Messaging Service's keywords, which may be custom (ALTO, COMENZAR). It decides,
  whatever the words: STOP records an opt-out exactly as a texted STOP, START an opt-in
  (Twilio has lifted its block), HELP the HELP reply. The consent record keeps the
  keyword the person sent ("ALTO"), folded and in capitals. Crisis first still holds
  wherever a reply can arrive: an opt-out Twilio has blocked on is recorded before the
  crisis check (no reply can reach the number, and Steady must not stay opted in where
  Twilio blocks), and an opt-in is applied before it, so a crisis in the same text is
  answered (flows.engine keeps that order).
- Opt-in only on what Twilio accepts, so Steady never answers a number Twilio still
  blocks, nor stays silent to one Twilio has unblocked: START and UNSTOP as the whole
  message (any case, stray punctuation or surrounding spaces), YES the same way but only
  from someone who has opted out (from anyone else "yes" is an answer to a question),
  or OptOutType=START. "Y", "yes please", "un stop", "subscribe", "opt in" do not opt in;
  while opted out they get silence.
- Opt-out on more than Twilio blocks: an opt-out silences everything, so a clear
  request to stop is honoured even when Twilio would not block it.
  - Twilio's words above as the whole message; "STOP ALL", "OPT OUT", "stop please",
    "please stop", "stop stop" and repeated letters ("stoppp") count too.
  - Spanish and Canadian French, as the whole message only: ALTO, PARAR, PARA, BASTA,
    CANCELAR, BAJA, ARRET (ARRÊT). "para" is an everyday word, so "para que sirve" or
    "ya basta, quiero dejarlo" is no opt-out. ARRET is what Canadian carriers require;
    it means nothing else as a whole text, so it counts from every number.
  - Plain language, when the request is clear, accents folded: "stop texting me",
    "stop sending me messages", "unsubscribe me", "opt me out", "remove me from this
    list", "take me off your list", "don't text me anymore", "no more texts", "revoke
    consent", "wrong number", "no más mensajes", "no me mandes más", "darme de baja".
    A message that mentions the daily messages ("stop the daily texts", "no más mensajes
    diarios", "ya no quiero los recordatorios") is not a full opt-out: the matcher sends
    it to daily_off.
  - Ambiguous phrases do NOT opt out: "leave me alone", "go away", "i quit", "stop it"
    with more words, "i want to stop using", "how do i stop", "i want to quit". A person
    in distress may say them, and an opt-out silences everything, crisis replies
    included.
- AYUDA is HELP in Spanish (issue 13), as the whole message only, like HELP: a carrier
  keyword Steady answers itself (Twilio does not know it). A Spanish keyword or phrase
  (`spanish_keyword`) gets its confirmation in Spanish.
- HELP and INFO count only as the whole message. "help me", "i need help", "help me
  make a quit plan" go to the matcher or the menu/fallback.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import DamerauLevenshtein

from flows.message import Message

__all__ = [
    "carrier_keyword", "carrier_blocked", "carrier_said", "STOP_WORDS", "OTHER_STOP_WORDS", "START_WORDS",
    "HELP_WORDS", "OPT_IN_WHEN_OPTED_OUT", "SPANISH_HELP_WORDS", "spanish_keyword",
]

STOP_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")   # Twilio's
OTHER_STOP_WORDS = ("ALTO", "PARAR", "PARA", "BASTA", "CANCELAR", "BAJA", "ARRET")            # Steady's own
START_WORDS = ("START", "UNSTOP")
OPT_IN_WHEN_OPTED_OUT = ("YES",)
HELP_WORDS = ("HELP", "INFO")
SPANISH_HELP_WORDS = ("AYUDA",)                                                               # Steady's own
OPT_OUT_TYPES = {"STOP": "stop", "START": "start", "HELP": "help"}   # Twilio's OptOutType values
KEYWORD_CHARS = 32        # the consent record's keyword column

# The whole (normalised) message Twilio itself acts on: it opts in on exactly these.
_TWILIO_START = {word.lower(): word for word in START_WORDS}
_TWILIO_STOP = frozenset(word.lower() for word in STOP_WORDS)
_HELP = {word.lower(): word for word in HELP_WORDS + SPANISH_HELP_WORDS}
_SPANISH_WORDS = frozenset(word.lower() for word in OTHER_STOP_WORDS + SPANISH_HELP_WORDS) - {"arret"}

# Whole-message (folded) spellings that mean an opt-out, beyond Twilio's words themselves.
_WHOLE_STOP = {
    "stop all": "STOPALL",
    "opt out": "OPTOUT",
    "un subscribe": "UNSUBSCRIBE",
}
for _word in STOP_WORDS + OTHER_STOP_WORDS:
    _WHOLE_STOP[_word.lower()] = _word
_SQUASHED_STOP = ("stopall", "optout", "unsubscribe")

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
            r"\bno mas (?:mensajes|textos)\b",
            r"\bno me (?:mandes|envies|escribas|manden|envien|escriban) (?:mas|mensajes|textos)\b",
            r"\b(?:darme|dame|denme) de baja\b",
        ]
    )
)
# Mentions of the daily messages: a request about them, not a full opt-out. In English
# and Spanish, folded ("no más mensajes diarios", "ya no quiero los recordatorios"):
# "mañana" alone is also "tomorrow", so only "cada mañana" and "las mañanas" count.
_DAILY = re.compile(
    r"\b(?:daily|dailies|every day|everyday|each day|morning|mornings|reminders?|encouragement|mindfulness|prompts?"
    r"|diari[oa]s?|cada dia|todos los dias|cada manana|(?:en|por) las mananas|recordatorios?)\b"
)
_HOW_TO_STOP_USING = re.compile(r"\bstop (?:using|doing|taking|smoking|shooting|getting high)\b")


_SPANISH_PHRASES = re.compile(
    r"\bno mas (?:mensajes|textos)\b"
    r"|\bno me (?:mandes|envies|escribas|manden|envien|escriban) (?:mas|mensajes|textos)\b"
    r"|\b(?:darme|dame|denme) de baja\b"
)


def spanish_keyword(text: Message | str) -> bool:
    """A carrier keyword or opt-out phrase in Spanish (PARAR, ALTO, AYUDA, "no mas
    mensajes"): its confirmation is sent in Spanish."""
    folded = Message.of(text).folded
    return folded in _SPANISH_WORDS or bool(_SPANISH_PHRASES.search(folded))


def _fuzzy_unsubscribe(text: str) -> bool:
    """'unsubscibe', 'unsubcribe': a person meaning to leave, who mistyped the word."""
    return (
        len(text) >= 9
        and " " not in text
        and text.startswith("uns")
        and DamerauLevenshtein.distance(text, "unsubscribe", score_cutoff=2) <= 2
    )


def carrier_said(opt_out_type: str | None) -> str | None:
    """Twilio's OptOutType as an intent ("stop", "start", "help"), or None when absent
    or unknown."""
    if not opt_out_type:
        return None
    return OPT_OUT_TYPES.get(opt_out_type.strip().upper())


def carrier_blocked(text: Message | str, opt_out_type: str | None = None) -> bool:
    """Twilio itself has blocked the number on this text, before any reply: OptOutType
    is STOP, or (without one) the whole text is one of Twilio's default opt-out words.
    A reply to it, the STOP confirmation included, is never delivered."""
    said = carrier_said(opt_out_type)
    if said is not None:
        return said == "stop"
    return Message.of(text).normal in _TWILIO_STOP


def carrier_keyword(
    text: Message | str, *, opted_out: bool = False, opt_out_type: str | None = None,
) -> tuple[str, str] | None:
    """(intent, keyword) for STOP/START/HELP messages, else None.

    intent is "stop", "start" or "help"; keyword is the canonical upper-case word, the
    keyword the person sent when Twilio's `opt_out_type` decided it, or "phrase" for a
    plain-language opt-out. Pass opted_out=True when the person has opted out, so that
    YES opts them back in as Twilio does.
    """
    message = Message.of(text)
    said = carrier_said(opt_out_type)
    if said is not None:
        return said, _sent_keyword(message, opt_out_type)
    norm = message.normal
    if not norm:
        return None
    if norm in _TWILIO_START:
        return "start", _TWILIO_START[norm]
    if opted_out and norm == "yes":
        return "start", "YES"
    if norm in _HELP:
        return "help", _HELP[norm]
    return _opt_out(message.folded)


def _sent_keyword(message: Message, opt_out_type: str) -> str:
    """The keyword as the consent record keeps it: what was sent, folded, in capitals."""
    sent = message.folded.upper()
    return sent[:KEYWORD_CHARS].strip() if sent else opt_out_type.strip().upper()


def _opt_out(folded: str) -> tuple[str, str] | None:
    whole = _WHOLE_STOP.get(folded)
    if whole:
        return "stop", whole
    squashed = folded.replace(" ", "")
    if squashed in _SQUASHED_STOP:
        return "stop", _WHOLE_STOP[squashed]
    match = _STOP_POLITE.match(folded)
    if match:
        word = (match.group("stop") or match.group("other")).replace(" ", "").upper()
        return "stop", word
    if _fuzzy_unsubscribe(folded):
        return "stop", "UNSUBSCRIBE"
    if _DAILY.search(folded) or _HOW_TO_STOP_USING.search(folded):
        return None
    if _OPT_OUT_PHRASES.search(folded):
        return "stop", "phrase"
    return None
