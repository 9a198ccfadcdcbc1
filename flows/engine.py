"""One turn of a conversation: (text, state, context) -> Outcome.

The order is fixed and global, like a ConversationHandler's fallbacks, and it is the
only place that order lives:
  1. crisis      - always first, in every state (silent only after STOP): the reply for
                   its kind and language; a sure crisis opens crisis mode (an open PLAN is
                   kept for later); an unsure one (past history, a question) also gets the
                   answer to what was asked
  2. carrier     - STOP family, START/UNSTOP, HELP/INFO (flows.carrier), or Twilio's own
                   word on it (OptOutType, `opt_out_type`); STOP ends crisis mode
  3. opt-out     - after STOP, nothing but START gets an answer
  4. crisis mode - for Context.crisis_window after a crisis reply: the follow-up topic
                   (no naloxone, rescue breaths, they're coming...), an everyday request,
                   or the short crisis reply again; never "didn't catch that"
  5. open flow   - a whole-message menu keyword leaves it; anything else is its answer
  6. check-ins   - a 1-5 answer to a quit-date check-in; passed / not yet / a bit after
                   the craving check-in
  7. intents     - keywords, daily-text settings and the model (flows.understand); each
                   request is answered by its handler in `ROUTES`, one table
  8. fallback    - one 911/988 line, a kind "didn't catch that" and the menu
A DELETE waits for its confirmation (flows.privacy) for the next text only: DELETE again or
YES, after the crisis check, erases; anything else cancels it and is answered as itself.
Two carrier cases go around step 1, because Twilio acted on the text before Steady sees it:
- Twilio has blocked the number (OptOutType=STOP, or one of its own opt-out words as the
  whole text: flows.carrier.carrier_blocked): the opt-out is recorded first. No reply,
  not even a crisis reply, can reach the number any more; the person must not be left
  opted in here while Twilio blocks them (and scheduled texts would fail with 21610).
- Twilio has lifted its block (an opt-in, OptOutType=START included): the opt-in is
  applied before the crisis check, so a crisis in the same text is answered, not met
  with the silence of an opted-out number. Otherwise the opt-in gets the START reply.
Replies and follow-ups are the engine's words only: the helpline footer, GSM-7 and the
segment limit are applied where texts leave (`flows.outgoing.outgoing`, the one door).
The text is read once, as a `flows.message.Message`, by every recogniser.
Language (issue 13): every turn writes in the person's language (State.language), its
Context's content swapped once at the start (`flows.language.in_language`). ESPANOL /
ENGLISH choose it (a route like any request); until they do, a text the language model is
sure of (Understanding.language_of) switches it, after steps 1-3, with one line saying how
to switch back. A Spanish carrier word (PARAR, AYUDA) gets its answer in Spanish; a crisis is
answered in the language it was written in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from flows import consent, crisis_mode, intents, plan, privacy, quit_program
from flows.carrier import carrier_blocked, carrier_keyword, spanish_keyword
from flows.commands import CancelScheduled, ErasePerson, schedule_changes
from flows.crisis import is_weak as is_weak_rule
from flows import gsm
from flows.content import MAX_SEGMENTS
from flows.context import Context
from flows.helpline import ensure_helpline
from flows.outgoing import segment_limit
from flows.message import MAX_CHARS, Message
from flows.turn_values import Event, FollowUp, Outcome, State
from flows.language import ENGLISH, SPANISH, detected_language, in_language
from flows.preferences import kind_labels, parse_kinds, parse_kinds_loosely
from flows.schedule import nearest_allowed, refusal
from flows.timeparse import format_time, is_time_request, parse_hhmm, parse_part_of_day, parse_time, to_hhmm
from flows.understand import CrisisReading
from flows.zones import parse_new_zone, zone_label

# Long texts are cut before matching: it bounds the work a flood can cause, and no
# keyword or crisis phrase needs more than this to be recognised.
MAX_MATCH_CHARS = MAX_CHARS

# The craving check-in's kind and flow are named with the consent they need (flows.consent).
CRAVING_FOLLOWUP = consent.CRAVING_FOLLOWUP
CHECKIN_FLOW = "checkin"
CRAVING_CHECKIN_FLOW = consent.CRAVING_CHECKIN_FLOW
DAILY_PROMPT_FLOW = "daily_prompt"       # set by the daily writer for a text that asks something
DAILY_PROMPT_WINDOW = timedelta(hours=12)
# How long after the craving check-in is sent an answer to it is read as one.
CRAVING_ANSWER_WINDOW = timedelta(hours=6)

# The reply for each simple intent: a message id in content/messages.yaml.
REPLY_FOR = {
    intents.CRAVING: "craving",
    intents.WITHDRAWAL: "withdrawal",
    intents.TREATMENT: "treatment",
    intents.SUPPORT: "support",
    intents.MINDFULNESS: "mindfulness",
    intents.SLIP: "slip",
    intents.NALOXONE: "naloxone",
    intents.MEDICATION: "medication",
    intents.DOSING: "dosing",
    intents.PREGNANCY: "pregnancy",
    intents.ABOUT: "about",
    intents.THANKS: "thanks",
    intents.NEED_HELP: "need_help",
    intents.FEELING: "feeling",
}

# The reply to each carrier keyword: a message id in content/messages.yaml. With Advanced
# Opt-Out, Twilio's own confirmations should say the same (`steady twilio opt-out-text`).
CARRIER_REPLY = {intents.STOP: "stop_confirm", intents.START: "start_confirm", intents.HELP: "help"}

# Inside an open flow only these whole messages take the person elsewhere: the words
# the menu advertises. Other keywords ("stress", "family") are answers there.
LEAVE_FLOW = {
    "craving": intents.CRAVING, "cravings": intents.CRAVING,
    "withdrawal": intents.WITHDRAWAL, "treatment": intents.TREATMENT,
    "meetings": intents.SUPPORT, "meeting": intents.SUPPORT,
    "breathe": intents.MINDFULNESS, "daily": intents.DAILY_ON, "daily off": intents.DAILY_OFF,
    "my plan": intents.MY_PLAN, "slip": intents.SLIP, "menu": intents.FALLBACK,
    "delete": intents.DELETE, "my data": intents.MY_DATA, "private": intents.PRIVATE,
    "private off": intents.PRIVATE_OFF,
    # The Spanish menu's words (content/es/messages.yaml), accents dropped as texts are read.
    "ganas": intents.CRAVING, "antojo": intents.CRAVING, "abstinencia": intents.WITHDRAWAL,
    "tratamiento": intents.TREATMENT, "reuniones": intents.SUPPORT, "respira": intents.MINDFULNESS,
    "diario": intents.DAILY_ON, "diario no": intents.DAILY_OFF, "mi plan": intents.MY_PLAN,
    "tropiezo": intents.SLIP, "borrar": intents.DELETE, "mis datos": intents.MY_DATA,
    "privado": intents.PRIVATE, "privado no": intents.PRIVATE_OFF,
    "espanol": intents.SPANISH, "spanish": intents.SPANISH, "english": intents.ENGLISH, "ingles": intents.ENGLISH,
}
# Inside an open flow these requests leave it in any of their keywords ("forget me").
LEAVE_FLOW_BY_KEYWORD = frozenset({intents.PLAN, *intents.BY_WORDS_ONLY})

# A greeting or a request for the menu gets the welcoming menu, not "didn't catch that".
MENU_WORDS = frozenset({
    "hi", "hello", "hey", "hiya", "yo", "hola", "hi there", "hello there", "hey there",
    "good morning", "good afternoon", "good evening", "menu", "options", "keywords", "words",
    "buenas", "buenos dias", "buenas tardes", "buenas noches", "hola buenas", "opciones", "menú",
})

# Besides an unsure crisis reply, only a request for information or for PLAN is answered:
# a thank-you or a feeling adds nothing to it, and nothing that changes consent (daily
# texts, their time or zone) is done on a text that might be an emergency.
ANSWERED_WITH_CRISIS = frozenset(REPLY_FOR) - {intents.THANKS, intents.FEELING, intents.NEED_HELP} | {
    intents.PLAN, intents.MY_PLAN}
# In crisis mode an everyday request ends it only when it is a keyword or clear: the
# model's intent score must reach this (a follow-up topic was tried first).
CRISIS_MODE_LEAVE_SCORE = 0.6
# In crisis mode these are not requests of their own: the crisis reminder answers them.
CRISIS_MODE_REMINDED = frozenset({intents.FALLBACK, intents.MENU, intents.FEELING, intents.NEED_HELP})

# Choosing a language keeps an open PLAN open, as PLAN itself does.
KEEP_FLOW = frozenset({intents.PLAN, intents.SPANISH, intents.ENGLISH})

CHECKIN_REPLY = {"yes": "checkin_passed", "no": "checkin_not_yet", "partly": "checkin_partly"}


def turn(text: str | None, state: State, ctx: Context, *, opt_out_type: str | None = None) -> Outcome:
    """Answer one inbound text. Pure: the same inputs always give the same outcome.

    `opt_out_type` is Twilio's OptOutType for the text (STOP, START or HELP), if any.
    """
    message = Message.of(text)
    outcome = _decide(message, state, ctx, opt_out_type)
    # The engine says what changed for scheduled texts (flows.commands), once, here.
    commands = outcome.commands + schedule_changes(state, outcome.state)
    return replace(outcome, commands=commands)


def _decide(message: Message, state: State, ctx: Context, opt_out_type: str | None = None) -> Outcome:
    understanding = ctx.understanding
    ctx = in_language(ctx, state.language)
    state = _drop_stale_checkin(state, ctx)
    state = crisis_mode.drop_if_over(state, ctx.now, ctx.crisis_window)
    state = plan.drop_if_expired(state, ctx.now)
    # A DELETE waits for one text only: its confirmation, or anything else, which cancels it.
    confirmed = privacy.confirms(message, state, ctx.now)
    state = privacy.without_ask(state)

    carrier = carrier_keyword(message, opted_out=state.opted_out, opt_out_type=opt_out_type)
    if carrier is not None and spanish_keyword(message) and not state.language_chosen:
        # PARAR, AYUDA, "no mas mensajes": answered in Spanish, and Spanish from now on.
        state = replace(state, language=SPANISH)
        ctx = in_language(ctx, SPANISH)
    if carrier is not None and carrier[0] == intents.STOP and carrier_blocked(message, opt_out_type):
        return _carrier(*carrier, state, ctx)     # Twilio has blocked the number already
    # A carrier keyword on its own (HELP, STOP, START) gets the answer carriers require;
    # only a crisis rule, never the model's guess, can take it over.
    danger = understanding.crisis(message, rules_only=carrier is not None, answering=_awaits_answer(state, ctx))
    if danger is not None:
        if carrier is not None and carrier[0] == intents.START:
            started = _carrier(*carrier, state, ctx)    # Twilio has lifted its block
            answered = _crisis(message, danger, started.state, ctx)
            return replace(answered, events=started.events + answered.events)
        if state.opted_out:
            return Outcome(intents.CRISIS, (), state, detail=danger.kind)
        return _crisis(message, danger, state, ctx)

    # DELETE again or YES (which Twilio may mark as an opt-in word: the number is not
    # opted out, so that changes nothing there) erases, after the crisis check.
    if confirmed and (carrier is None or (carrier[0] == intents.START and not state.opted_out)):
        return _erase(state, ctx)

    if carrier is not None:
        intent, keyword = carrier
        return _carrier(intent, keyword, state, ctx)

    if state.opted_out:
        return Outcome(intents.FALLBACK, (), state)

    detected = None if crisis_mode.is_on(state) else _detected(message, state, ctx)
    if detected is not None:
        state = replace(state, language=detected)
        answered = _everyday(message, state, in_language(ctx, detected))
        if answered.intent in (intents.SPANISH, intents.ENGLISH):
            return answered
        return replace(answered, replies=_with_line(answered.replies, in_language(ctx, detected)))
    return _everyday(message, state, ctx)


def _with_line(replies: tuple[str, ...], ctx: Context) -> tuple[str, ...]:
    """The replies with the line saying how to switch languages: under the last reply
    when it still fits there (one text, one footer), else a text of its own."""
    line = ctx.text("language_detected")
    if not replies:
        return (line,)
    joined = f"{replies[-1]}\n{line}"
    sent = ensure_helpline(joined, ctx.content.helpline)
    if gsm.segments(sent) <= segment_limit(MAX_SEGMENTS, sent):
        return replies[:-1] + (joined,)
    return replies + (line,)


def _detected(message: Message, state: State, ctx: Context) -> str | None:
    """The language this text clearly switches the person to (never once they chose)."""
    if state.language_chosen:
        return None
    return detected_language(ctx.understanding.language_of(message), state.language, state.language_chosen)


def _crisis_language(message: Message, danger: CrisisReading, state: State, ctx: Context) -> str:
    """A crisis is answered in the language it was written in; a short or mixed text
    ("911", "sos") in the person's own."""
    if danger.language == SPANISH:
        return SPANISH
    if state.language == SPANISH and ctx.understanding.language_of(message) != ENGLISH:
        return SPANISH
    return ENGLISH


def _everyday(message: Message, state: State, ctx: Context) -> Outcome:
    """Steps 4 to 8: no crisis, no carrier keyword, not opted out."""
    text = message.raw
    understanding = ctx.understanding
    if not message:
        if crisis_mode.is_on(state):
            return _crisis_reminder(state, ctx)
        return Outcome(intents.FALLBACK, (ctx.text("menu"),), state)

    if message.normal in MENU_WORDS and not crisis_mode.is_on(state) and not plan.is_open(state, ctx.now):
        return Outcome(intents.FALLBACK, (ctx.text("menu"),), state)

    if crisis_mode.is_on(state):
        return _in_crisis_mode(message, state, ctx)

    if plan.is_open(state, ctx.now):
        leave = LEAVE_FLOW.get(message.normal) or LEAVE_FLOW.get(message.folded)
        if leave is None:
            keyword = ctx.matcher.keyword(text)
            leave = keyword if keyword in LEAVE_FLOW_BY_KEYWORD else None
        if leave is None:
            return _plan_turn(plan.step(state, text, ctx))
        return _keyword(leave, state, ctx, message)

    score = _checkin_score(state, message)
    if score is not None:
        return Outcome(
            intents.CHECKIN, (quit_program.checkin_reply(score, ctx.content),), replace(state, flow=None), score=score,
        )
    answered = _craving_checkin(message, state, ctx)
    if answered is not None:
        return answered

    reading = understanding.intent(message)
    replied = _daily_prompt_reply(reading, state, ctx)
    if replied is not None:
        return replied
    if reading.intent is None:
        menu = message.normal in MENU_WORDS
        return Outcome(intents.FALLBACK, (ctx.text("menu" if menu else "fallback"),), state)
    return _keyword(reading.intent, state, ctx, message)


# --- crisis ---------------------------------------------------------------------------

def answer_window(flow) -> tuple[datetime, datetime] | None:
    """When an answer to Steady's own question is read as one: (from, until) for the
    craving check-in and a daily text that asked something; None for any other flow or
    one that can't be read."""
    if not flow:
        return None
    try:
        if flow.get("name") == CRAVING_CHECKIN_FLOW:
            return datetime.fromisoformat(flow["from"]), datetime.fromisoformat(flow["until"])
        if flow.get("name") == DAILY_PROMPT_FLOW:
            asked = datetime.fromisoformat(flow["asked_at"])
            return asked, asked + DAILY_PROMPT_WINDOW
    except (KeyError, TypeError, ValueError):
        return None
    return None


def checkin_flow(asked_at: datetime, offset: int) -> dict:
    """The flow that waits a day for the 1-5 answer to a quit-date check-in (the clock
    writes it when it writes the text that asks)."""
    return {"name": CHECKIN_FLOW, "asked_at": asked_at.isoformat(), "offset": offset}


def daily_prompt_flow(asked_at: datetime) -> dict:
    """The flow that reads the next texts as the answer to a daily text that asked something."""
    return {"name": DAILY_PROMPT_FLOW, "asked_at": asked_at.isoformat()}


def _answering(state: State, name: str, ctx: Context) -> bool:
    """A flow of this name is waiting for its answer right now."""
    window = answer_window(state.flow) if state.flow and state.flow.get("name") == name else None
    return window is not None and window[0] <= ctx.now <= window[1]


def prompt_may_replace(flow, at: datetime) -> bool:
    """May a daily text that asks something, sent at `at`, start waiting for its answer?
    Over nothing, an earlier prompt, or a craving check-in whose answer window has
    closed; never over an open PLAN, crisis mode or a quit-date check-in."""
    if not flow:
        return True
    window = answer_window(flow)
    return window is not None and (flow.get("name") == DAILY_PROMPT_FLOW or window[1] < at)


def _awaits_answer(state: State, ctx: Context) -> bool:
    """Steady asked a question and this text is likely its answer: a PLAN step, a
    check-in, a daily text that asked something. (Crisis mode has its own handling.)"""
    flow = state.flow or {}
    if plan.is_open(state, ctx.now) or flow.get("name") == CHECKIN_FLOW:
        return True
    return _answering(state, CRAVING_CHECKIN_FLOW, ctx) or _answering(state, DAILY_PROMPT_FLOW, ctx)


def _crisis(message: Message, danger: CrisisReading, state: State, ctx: Context) -> Outcome:
    """The crisis reply first. Sure: crisis mode opens. Unsure: the answer follows it."""
    if crisis_mode.is_on(state):
        # In crisis mode the crisis reply has just gone out: a follow-up it recognises
        # ("he's breathing again", "I don't have narcan") says more, and otherwise the
        # short reminder does, rather than the same long text again. Only a new danger
        # of another kind gets its own crisis reply: one a rule names outright, or one
        # the model is sure of that is no recognised follow-up. After a bare call for help
        # ("SOS") the reply asked what is happening: a danger of a named kind is the
        # answer, and gets its own crisis reply.
        new = _new_danger(danger, state)
        ruled = danger.rule is not None and not is_weak_rule(danger.rule)
        details = crisis_mode.kind(state) == "call_for_help" and danger.kind != "call_for_help"
        if not (details or (new and ruled)):
            followup = _crisis_topic(message, state, ctx)
            if followup is not None:
                return followup
            if not new:
                return _crisis_reminder(state, ctx)
    danger = replace(danger, language=_crisis_language(message, danger, state, ctx))
    reply = ctx.content.crisis_reply(danger.kind, danger.language)
    if not danger.sure and not crisis_mode.is_on(state):
        asked = ctx.understanding.intent(message).intent
        if asked in ANSWERED_WITH_CRISIS:
            answer = _keyword(asked, state, ctx, message)
            return replace(answer, intent=intents.CRISIS, replies=(reply,) + answer.replies, detail=danger.kind)
        return Outcome(intents.CRISIS, (reply,), state, detail=danger.kind)
    if danger.language != state.language and not state.language_chosen:
        state = replace(state, language=danger.language)     # they wrote in it: texts follow
    offer = plan.resume_offer(state, in_language(ctx, state.language))
    renewed = crisis_mode.begin(state, danger, ctx.now)
    return Outcome(intents.CRISIS, (reply,) + ((offer,) if offer else ()), renewed, detail=danger.kind)


# A sure danger of another kind in crisis mode gets its own crisis reply, not a follow-up
# (an overdose after a suicide text, a threat after an overdose) - except between the two
# overdose kinds, which the model often mixes up ("he's not breathing" / "I'm fading"),
# and a bare call for help after a specific crisis, which adds nothing to it.
_SAME_EMERGENCY = frozenset({"overdose_other", "overdose_self"})


def _new_danger(danger: CrisisReading, state: State) -> bool:
    current = crisis_mode.kind(state)
    if danger.kind == current or not danger.sure or danger.kind == "call_for_help":
        return False
    return not {danger.kind, current} <= _SAME_EMERGENCY


def _crisis_topic(message: Message, state: State, ctx: Context) -> Outcome | None:
    topic, _ = ctx.understanding.topic(message)
    if topic is None:
        return None
    kind = crisis_mode.kind(state)
    reply = ctx.content.in_language(crisis_mode.language(state)).crisis_topic(topic, kind)
    new = crisis_mode.end(state) if topic == "im_ok" else state
    return Outcome(intents.CRISIS_FOLLOWUP, (reply,), new, detail=topic)


def _crisis_reminder(state: State, ctx: Context) -> Outcome:
    kind = crisis_mode.kind(state)
    reply = ctx.content.crisis_reminder(kind, crisis_mode.language(state))
    return Outcome(intents.CRISIS_FOLLOWUP, (reply,), state, detail="again")


def _in_crisis_mode(message: Message, state: State, ctx: Context) -> Outcome:
    """No new danger, in the half hour after a crisis reply."""
    followup = _crisis_topic(message, state, ctx)
    if followup is not None:
        return followup
    reading = ctx.understanding.intent(message)
    if reading.intent is not None and reading.intent not in CRISIS_MODE_REMINDED and (
        reading.source != "model" or reading.score >= CRISIS_MODE_LEAVE_SCORE
    ):
        # A request of its own (MEETINGS, "how do I get suboxone"): answered, and crisis
        # mode ends, putting back anything it interrupted (an open PLAN).
        return _keyword(reading.intent, crisis_mode.end(state), ctx, message)
    return _crisis_reminder(state, ctx)


def _carrier(intent: str, keyword: str, state: State, ctx: Context) -> Outcome:
    if intent == intents.STOP:
        if state.opted_out:
            return Outcome(intents.STOP, (), state)
        # The same opt-out as Twilio's 21610 (bot.outbox): flows.consent says what it ends.
        return Outcome(
            intents.STOP, (ctx.text(CARRIER_REPLY[intents.STOP]),), consent.opt_out(state),
            events=(Event("opt_out", keyword),), commands=(CancelScheduled(),),
        )
    if intent == intents.START:
        events = (Event("opt_in", keyword),) if state.opted_out else ()
        return Outcome(intents.START, (ctx.text(CARRIER_REPLY[intents.START]),), consent.opt_in(state), events=events)
    if state.opted_out:
        return Outcome(intents.HELP, (), state)
    return Outcome(intents.HELP, (ctx.text(CARRIER_REPLY[intents.HELP]),), state)


def _keyword(intent: str, state: State, ctx: Context, message: Message | None = None) -> Outcome:
    """Answer a request: the handler of `ROUTES` for its intent."""
    message = message or Message.of("")
    # Choosing anything else closes an open flow (the PLAN draft is dropped; the
    # saved plan stays). PLAN itself resumes it.
    if intent not in KEEP_FLOW and plan.is_open(state, ctx.now):
        state = replace(state, flow=None)
    return ROUTES[intent](intent, message, state, ctx)


# --- the handlers of ROUTES: (intent, message, state, context) -> Outcome -----------------

def _language(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    """ESPANOL / ENGLISH: that language from now on, chosen (detection never changes it),
    said in it. An open PLAN stays open: its next answer is read as before."""
    code = SPANISH if intent == intents.SPANISH else ENGLISH
    new = replace(state, language=code, language_chosen=True)
    return Outcome(intent, (in_language(ctx, code).text("language_set"),), new, detail=code)


def _reply(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    """The intent's one reply from content (REPLY_FOR); nothing changes."""
    return Outcome(intent, (ctx.text(REPLY_FOR[intent]),), state)


def _plan_begin(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    return _plan_turn(plan.begin(state, ctx))


def _my_plan(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    return _plan_turn(plan.show(state, ctx), intents.MY_PLAN)


def _menu(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    return Outcome(intents.FALLBACK, (ctx.text("menu"),), state)


def _help(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    return Outcome(intents.HELP, (ctx.text("help"),), state)


def _daily_on(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    kinds = parse_kinds(message)
    new = replace(state, daily_enabled=True, daily_kinds=kinds or state.daily_kinds)
    events = () if state.daily_enabled else (Event("daily_on", _consent_keyword(message, "daily")),)
    language = ctx.content.language
    reply = ctx.text("daily_on", time=_label(new.daily_time, language), zone=zone_label(new.timezone, language=language))
    return Outcome(intents.DAILY_ON, (reply,), new, events=events)


def _daily_off(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    new = replace(state, daily_enabled=False)
    events = (Event("daily_off", _consent_keyword(message, "daily off")),) if state.daily_enabled else ()
    return Outcome(intents.DAILY_OFF, (ctx.text("daily_off"),), new, events=events)


def _daily_time(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    wanted = parse_time(message) if is_time_request(message) else None
    return _set_time(wanted or parse_time(message) or parse_part_of_day(message), state, ctx)


def _craving(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    """The craving reply, and a check-in later ("did it pass?") unless that would land in
    quiet hours: the sender would only cancel it, so it is not scheduled, and no answer
    is waited for (flows.schedule.refusal, one rule)."""
    reply = ctx.text(REPLY_FOR[intent])
    due = ctx.now + ctx.craving_followup_after
    if refusal(due, due, state.timezone, timedelta(0), ctx.quiet) is not None:
        return Outcome(intent, (reply,), state)
    asked = ctx.text("craving_followup")
    if state.private:
        asked = privacy.discreet(asked, ctx.content, ctx.program)
    followup = FollowUp(CRAVING_FOLLOWUP, due, asked)
    # The check-in asks "did the craving pass?": its answer is read as one for a while.
    waiting = {"name": CRAVING_CHECKIN_FLOW, "from": due.isoformat(),
               "until": (due + CRAVING_ANSWER_WINDOW).isoformat()}
    return Outcome(intent, (reply,), replace(state, flow=waiting), followups=(followup,))


def _consent_keyword(message: Message, keyword: str) -> str:
    """What the consent record says was texted: the keyword itself, or "phrase" for
    plain words ("text me every day"). Never the text."""
    return keyword.upper() if message.normal == keyword else "phrase"


def _plan_turn(result: plan.PlanTurn, intent: str = intents.PLAN) -> Outcome:
    return Outcome(intent, result.replies, result.state, events=result.events)


# --- daily-text settings ----------------------------------------------------------------

def _set_kinds(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    kinds = parse_kinds(message) or parse_kinds_loosely(message)
    if kinds is None:
        kinds = "both"
    if not state.daily_enabled:   # "daily encouragement please": an opt-in with a choice
        return _daily_on(intents.DAILY_ON, message, replace(state, daily_kinds=kinds), ctx)
    new = replace(state, daily_kinds=kinds)
    labels = kind_labels(ctx.content.language)
    return Outcome(intents.DAILY_KINDS, (ctx.text("daily_kinds_set", kinds=labels[kinds]),), new)


def _set_zone(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    zone = parse_new_zone(message)
    if zone is None:
        return Outcome(intents.DAILY_ZONE, (ctx.text("daily_zone_unknown"),), state)
    new = replace(state, timezone=zone)
    language = ctx.content.language
    reply = ctx.text("daily_zone_set", zone=zone_label(zone, language=language), time=_label(new.daily_time, language))
    return Outcome(intents.DAILY_ZONE, (reply,), new)


def _set_time(wanted: time | None, state: State, ctx: Context) -> Outcome:
    if wanted is None:
        return Outcome(intents.DAILY_TIME, (ctx.text("daily_time_unclear"),), state)
    language = ctx.content.language

    def say(at: time) -> str:
        return format_time(at, language=language)

    if not ctx.quiet.allows(wanted):
        reply = ctx.text(
            "daily_time_quiet", time=say(wanted), nearest=say(nearest_allowed(wanted, ctx.quiet)),
            earliest=say(ctx.quiet.start), latest=say(ctx.quiet.end),
        )
        return Outcome(intents.DAILY_TIME, (reply,), state)
    new = replace(state, daily_time=to_hhmm(wanted))
    if new.daily_enabled:
        reply = ctx.text("daily_time_set", time=say(wanted), zone=zone_label(new.timezone, language=language))
    else:
        reply = ctx.text("daily_time_saved", time=say(wanted))
    return Outcome(intents.DAILY_TIME, (reply,), new)


def _label(hhmm: str, language: str = ENGLISH) -> str:
    return format_time(parse_hhmm(hhmm), language=language)


# --- privacy by text (flows.privacy) ---------------------------------------------------------

def _delete(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    """DELETE: what will be erased, and a wait for the confirmation."""
    return Outcome(intents.DELETE, (ctx.text("delete_ask"),), privacy.ask(state, ctx.now), detail="asked")


def _erase(state: State, ctx: Context) -> Outcome:
    """DELETE confirmed: the adapter erases everything in this turn (ErasePerson); the
    state is left as it was, since nothing of it is kept."""
    return Outcome(intents.DELETE, (ctx.text("delete_done"),), state, commands=(ErasePerson(),), detail="erased")


def _my_data(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    return Outcome(intents.MY_DATA, (ctx.text("my_data"),), state)


def _private(intent: str, message: Message, state: State, ctx: Context) -> Outcome:
    on = intent == intents.PRIVATE
    return Outcome(intent, (ctx.text("private_on" if on else "private_off"),), replace(state, private=on))


# Which handler answers each request (`_keyword`): one table, every routable intent.
ROUTES = {
    **{intent: _reply for intent in REPLY_FOR},
    intents.CRAVING: _craving,
    intents.PLAN: _plan_begin,
    intents.MY_PLAN: _my_plan,
    intents.FALLBACK: _menu,
    intents.MENU: _menu,
    intents.HELP: _help,
    intents.DAILY_ON: _daily_on,
    intents.DAILY_OFF: _daily_off,
    intents.DAILY_KINDS: _set_kinds,
    intents.DAILY_TIME: _daily_time,
    intents.DAILY_ZONE: _set_zone,
    intents.DELETE: _delete,
    intents.MY_DATA: _my_data,
    intents.PRIVATE: _private,
    intents.PRIVATE_OFF: _private,
    intents.SPANISH: _language,
    intents.ENGLISH: _language,
}


# --- check-ins ------------------------------------------------------------------------------

def _craving_checkin(message: Message, state: State, ctx: Context) -> Outcome | None:
    """An answer to "did the craving pass?" (yes / not yet / a bit), once that was asked."""
    if not _answering(state, CRAVING_CHECKIN_FLOW, ctx):
        return None
    answer, _ = ctx.understanding.answer(message)
    if answer is None:
        return None
    return Outcome(intents.CHECKIN, (ctx.text(CHECKIN_REPLY[answer]),), replace(state, flow=None), detail=answer)


def _checkin_score(state: State, message: Message) -> int | None:
    """A 1-5 answer, when the clock's last quit-date check-in is still waiting for one."""
    if not state.flow or state.flow.get("name") != CHECKIN_FLOW:
        return None
    return quit_program.parse_checkin(message)


# What a reply to a daily prompt may be read as, besides an answer: a request of its own.
_PROMPT_ANSWERS = frozenset({None, intents.FEELING, intents.THANKS, intents.MENU, intents.FALLBACK,
                             intents.MINDFULNESS, intents.SUPPORT})


def _daily_prompt_reply(reading, state: State, ctx: Context) -> Outcome | None:
    """An answer to a daily text that asked something ("tired", "my sister"), within
    DAILY_PROMPT_WINDOW of it: a short reply that takes it in, not "didn't catch that".
    A keyword or a clear request is answered as itself instead."""
    if not _answering(state, DAILY_PROMPT_FLOW, ctx):
        return None
    if reading.source != "model" and reading.intent is not None:
        return None
    if reading.intent not in _PROMPT_ANSWERS and reading.score >= CRISIS_MODE_LEAVE_SCORE:
        return None
    return Outcome(intents.FEELING, (ctx.text("daily_reply"),), replace(state, flow=None), detail="daily_reply")


def _drop_stale_checkin(state: State, ctx: Context) -> State:
    """A check-in waits a day for its answer; after that a bare number means nothing.
    The craving check-in's answer window closes the same way."""
    flow = state.flow
    if flow and flow.get("name") == CRAVING_CHECKIN_FLOW:
        window = answer_window(flow)
        return replace(state, flow=None) if window is None or ctx.now > window[1] else state
    if not flow or flow.get("name") != CHECKIN_FLOW:
        return state
    asked = flow.get("asked_at")
    try:
        stale = asked is None or (ctx.now - datetime.fromisoformat(asked)) > plan.TIMEOUT
    except (TypeError, ValueError):
        stale = True
    return replace(state, flow=None) if stale else state
