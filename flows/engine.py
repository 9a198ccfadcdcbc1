"""One turn of a conversation: (text, state, context) -> Outcome.

The order is fixed and global, like a ConversationHandler's fallbacks, and it is the
only place that order lives:
  1. crisis      - always first, in every state (silent only after STOP); an open PLAN
                   is kept and the reply says how to pick it up again
  2. carrier     - STOP family, START/UNSTOP, HELP/INFO (flows.carrier)
  3. opt-out     - after STOP, nothing but START gets an answer
  4. open flow   - a whole-message menu keyword leaves it; anything else is its answer
  5. check-in    - a 1-5 answer to a quit-date check-in
  6. settings    - TIME, ZONE, which daily texts
  7. keywords    - keywords and phrases (flows.matcher)
  8. fallback    - a kind "didn't catch that" with the menu
Every reply and follow-up passes through `flows.helpline.ensure_helpline` on the way out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

from flows import intents, plan, quitdays
from flows.carrier import carrier_keyword
from flows.context import Context
from flows.crisis import is_crisis
from flows.helpline import ensure_helpline
from flows.model import Event, FollowUp, Outcome, State
from flows.normalize import normalize
from flows.preferences import parse_kinds
from flows.schedule import nearest_allowed
from flows.timeparse import format_time, is_time_request, parse_time
from flows.zones import is_zone_request, parse_zone, zone_label

# Long texts are cut before matching: it bounds the work a flood can cause, and no
# keyword or crisis phrase needs more than this to be recognised.
MAX_MATCH_CHARS = 2000

CRAVING_FOLLOWUP = "craving_followup"
CHECKIN_FLOW = "checkin"

# The reply for each simple intent: a message id in content/messages.yaml.
REPLY_FOR = {
    intents.CRAVING: "craving",
    intents.WITHDRAWAL: "withdrawal",
    intents.TREATMENT: "treatment",
    intents.SUPPORT: "support",
    intents.MINDFULNESS: "mindfulness",
    intents.SLIP: "slip",
}

# Inside an open flow only these whole messages take the person elsewhere: the words
# the menu advertises. Other keywords ("stress", "family") are answers there.
LEAVE_FLOW = {
    "craving": intents.CRAVING, "cravings": intents.CRAVING,
    "withdrawal": intents.WITHDRAWAL, "treatment": intents.TREATMENT,
    "meetings": intents.SUPPORT, "meeting": intents.SUPPORT,
    "breathe": intents.MINDFULNESS, "daily": intents.DAILY_ON, "daily off": intents.DAILY_OFF,
    "my plan": intents.MY_PLAN, "slip": intents.SLIP, "menu": intents.FALLBACK,
}

# A greeting or a request for the menu gets the welcoming menu, not "didn't catch that".
MENU_WORDS = frozenset({
    "hi", "hello", "hey", "hiya", "yo", "hola", "hi there", "hello there", "hey there",
    "good morning", "good afternoon", "good evening", "menu", "options", "keywords", "words",
})

KIND_LABELS = {
    "both": "encouragement and mindfulness, taking turns",
    "encouragement": "encouragement only",
    "mindfulness": "mindfulness only",
}


def turn(text: str | None, state: State, ctx: Context) -> Outcome:
    """Answer one inbound text. Pure: the same inputs always give the same outcome."""
    text = (text or "")[:MAX_MATCH_CHARS]
    return _with_helpline(_decide(text, state, ctx), ctx.content.helpline)


def _with_helpline(outcome: Outcome, footer: str) -> Outcome:
    """Invariant 1 for everything a turn produces: replies now, follow-ups later."""
    return replace(
        outcome,
        replies=tuple(ensure_helpline(reply, footer) for reply in outcome.replies),
        followups=tuple(replace(f, text=ensure_helpline(f.text, footer)) for f in outcome.followups),
    )


def _decide(text: str, state: State, ctx: Context) -> Outcome:
    state = plan.drop_if_expired(_drop_stale_checkin(state, ctx), ctx.now)

    if is_crisis(text):
        if state.opted_out:
            return Outcome(intents.CRISIS, (), state)
        offer = plan.resume_offer(state, ctx)
        return Outcome(intents.CRISIS, (ctx.content.crisis,) + ((offer,) if offer else ()), state)

    carrier = carrier_keyword(text, opted_out=state.opted_out)
    if carrier is not None:
        intent, keyword = carrier
        return _carrier(intent, keyword, state, ctx)

    if state.opted_out:
        return Outcome(intents.FALLBACK, (), state)

    if not text.strip():
        return Outcome(intents.FALLBACK, (ctx.text("menu"),), state)

    if plan.is_open(state, ctx.now):
        leave = LEAVE_FLOW.get(normalize(text))
        if leave is None and ctx.matcher.keyword(text) == intents.PLAN:
            leave = intents.PLAN
        if leave is None:
            return _plan_turn(plan.step(state, text, ctx))
        return _keyword(leave, state, ctx, text)

    score = _checkin_score(state, text)
    if score is not None:
        return Outcome(
            intents.CHECKIN, (quitdays.checkin_reply(score, ctx.content),), replace(state, flow=None), score=score,
        )

    setting = _setting(text, state, ctx)
    if setting is not None:
        return setting

    intent = ctx.matcher.match(text)
    if intent is None:
        menu = normalize(text) in MENU_WORDS
        return Outcome(intents.FALLBACK, (ctx.text("menu" if menu else "fallback"),), state)
    return _keyword(intent, state, ctx, text)


def _carrier(intent: str, keyword: str, state: State, ctx: Context) -> Outcome:
    if intent == intents.STOP:
        if state.opted_out:
            return Outcome(intents.STOP, (), state)
        # STOP withdraws consent for everything: daily and quit-date texts included.
        # START brings replies back; scheduled texts need a fresh, recorded opt-in
        # (DAILY, or PLAN's last question). The plan itself is the person's and stays.
        saved = dict(state.plan) if state.plan else None
        if saved and saved.get("texts"):
            saved["texts"] = False
        new = replace(state, opted_out=True, flow=None, daily_enabled=False, plan=saved)
        return Outcome(
            intents.STOP, (ctx.text("stop_confirm"),), new,
            events=(Event("opt_out", keyword),), cancel_followups=("*",),
        )
    if intent == intents.START:
        events = (Event("opt_in", keyword),) if state.opted_out else ()
        return Outcome(intents.START, (ctx.text("start_confirm"),), replace(state, opted_out=False), events=events)
    if state.opted_out:
        return Outcome(intents.HELP, (), state)
    return Outcome(intents.HELP, (ctx.text("help"),), state)


def _keyword(intent: str, state: State, ctx: Context, text: str = "") -> Outcome:
    # Choosing anything else closes an open flow (the PLAN draft is dropped; the
    # saved plan stays). PLAN itself resumes it.
    if intent != intents.PLAN and plan.is_open(state, ctx.now):
        state = replace(state, flow=None)
    if intent == intents.PLAN:
        return _plan_turn(plan.begin(state, ctx))
    if intent == intents.MY_PLAN:
        return _plan_turn(plan.show(state, ctx), intents.MY_PLAN)
    if intent == intents.FALLBACK:
        return Outcome(intents.FALLBACK, (ctx.text("menu"),), state)
    if intent == intents.DAILY_ON:
        new = replace(state, daily_enabled=True)
        events = () if state.daily_enabled else (Event("daily_on", _consent_keyword(text, "daily")),)
        reply = ctx.text("daily_on", time=_label(new.daily_time), zone=zone_label(new.timezone))
        return Outcome(intents.DAILY_ON, (reply,), new, events=events)
    if intent == intents.DAILY_OFF:
        new = replace(state, daily_enabled=False)
        events = (Event("daily_off", _consent_keyword(text, "daily off")),) if state.daily_enabled else ()
        return Outcome(intents.DAILY_OFF, (ctx.text("daily_off"),), new, events=events)
    reply = ctx.text(REPLY_FOR[intent])
    if intent == intents.CRAVING:
        followup = FollowUp(CRAVING_FOLLOWUP, ctx.now + ctx.craving_followup_after, ctx.text("craving_followup"))
        return Outcome(intent, (reply,), state, followups=(followup,))
    return Outcome(intent, (reply,), state)


def _consent_keyword(text: str, keyword: str) -> str:
    """What the consent record says was texted: the keyword itself, or "phrase" for
    plain words ("text me every day"). Never the text."""
    return keyword.upper() if normalize(text) == keyword else "phrase"


def _plan_turn(result: plan.PlanTurn, intent: str = intents.PLAN) -> Outcome:
    return Outcome(intent, result.replies, result.state, events=result.events)


# --- daily-text settings ----------------------------------------------------------------

def _setting(text: str, state: State, ctx: Context) -> Outcome | None:
    """TIME, ZONE and which kinds of daily text, or None when the text is none of them."""
    kinds = parse_kinds(text)
    if kinds is not None:
        if not state.daily_enabled:   # "daily encouragement please": an opt-in with a choice
            return _keyword(intents.DAILY_ON, replace(state, daily_kinds=kinds), ctx, text)
        new = replace(state, daily_kinds=kinds)
        return Outcome(intents.DAILY_KINDS, (ctx.text("daily_kinds_set", kinds=KIND_LABELS[kinds]),), new)
    if is_time_request(text):
        return _set_time(parse_time(text), state, ctx)
    if is_zone_request(text):
        zone = parse_zone(text)
        if zone is None:
            return Outcome(intents.DAILY_ZONE, (ctx.text("daily_zone_unknown"),), state)
        new = replace(state, timezone=zone)
        reply = ctx.text("daily_zone_set", zone=zone_label(zone), time=_label(new.daily_time))
        return Outcome(intents.DAILY_ZONE, (reply,), new)
    return None


def _set_time(wanted: time | None, state: State, ctx: Context) -> Outcome:
    if wanted is None:
        return Outcome(intents.DAILY_TIME, (ctx.text("daily_time_unclear"),), state)
    if not ctx.quiet.allows(wanted):
        reply = ctx.text(
            "daily_time_quiet", time=format_time(wanted), nearest=format_time(nearest_allowed(wanted, ctx.quiet)),
            earliest=format_time(ctx.quiet.start), latest=format_time(ctx.quiet.end),
        )
        return Outcome(intents.DAILY_TIME, (reply,), state)
    new = replace(state, daily_time=f"{wanted.hour:02d}:{wanted.minute:02d}")
    if new.daily_enabled:
        reply = ctx.text("daily_time_set", time=format_time(wanted), zone=zone_label(new.timezone))
    else:
        reply = ctx.text("daily_time_saved", time=format_time(wanted))
    return Outcome(intents.DAILY_TIME, (reply,), new)


def _label(hhmm: str) -> str:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return format_time(time(hours, minutes))


# --- quit-date check-ins ------------------------------------------------------------------

def _checkin_score(state: State, text: str) -> int | None:
    """A 1-5 answer, when the clock's last quit-date check-in is still waiting for one."""
    if not state.flow or state.flow.get("name") != CHECKIN_FLOW:
        return None
    return quitdays.parse_checkin(text)


def _drop_stale_checkin(state: State, ctx: Context) -> State:
    """A check-in waits a day for its answer; after that a bare number means nothing."""
    flow = state.flow
    if not flow or flow.get("name") != CHECKIN_FLOW:
        return state
    asked = flow.get("asked_at")
    try:
        stale = asked is None or (ctx.now - datetime.fromisoformat(asked)) > plan.TIMEOUT
    except (TypeError, ValueError):
        stale = True
    return replace(state, flow=None) if stale else state
