"""PLAN: a short quit plan, one question a text, built on the guide's "Develop a Quitting Plan".

The steps are one table (`STEPS`), ConversationHandler style: each step is a pure
function (state, text, ctx) -> Result that names where to go next. The engine runs
crisis, STOP/HELP and top-level keywords first and calls `step` only while `is_open`.

    PLAN --(no saved plan)--> date --a date--> confirm --YES--> triggers --> coping
      |                        ^  past / far:     | another date,          |
      |                        |  asked again     | NO                     v
      |                        +------------------+            support --> mat --> texts* --> saved
      |
      +--(saved plan)--> menu --1..6--> that one part (date: + confirm) --> saved
                           |--NEW--> date ... (start over)
                           +--SKIP / nonsense twice--> left unchanged

    every step: SKIP -> the next step; nonsense -> asked again once with an example,
                then skipped. * texts only when there is a quit date.
    crisis mid-flow -> resume_offer; PLAN again -> the same step; 24 h untouched -> dropped.

The flow (state.flow) is JSON: {"name": "plan", "step", "updated_at" (ISO UTC),
"retries", "draft": answers so far, "mode": "new" | "edit", "queue": the steps still to
ask, and "pending_date" while a date waits for its YES}. The saved plan (state.plan)
holds only quit_date, triggers, coping, support, mat, texts and updated_at.
A person's words are kept as written (control characters out, at most 160 characters)
and shown back only to them, folded to GSM-7 and cut to fit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Mapping

from flows import dates, gsm
from flows.content import MAX_SEGMENTS, coping_menu
from flows.helpline import ensure_helpline
from flows.model import Event, State
from flows.normalize import fold
from flows.timeparse import format_time
from flows.zones import load_zone

if TYPE_CHECKING:  # flows.context pulls in the matcher; the flow needs only its fields
    from flows.context import Context

FLOW = "plan"
TIMEOUT = timedelta(hours=24)
MAX_ANSWER = 160          # characters kept of each free-text answer
MAX_RETRIES = 1           # a nonsense answer is asked again this many times, then skipped

# The parts of a plan, in the order asked and numbered in the menu (1-6).
PARTS = ("date", "triggers", "coping", "support", "mat", "texts")
PLAN_KEYS = ("quit_date", "triggers", "coping", "support", "mat", "texts", "updated_at")

NEXT, SKIP, BAD, LEAVE, NEW = "next", "skip", "bad", "leave", "new"


@dataclass(frozen=True)
class PlanTurn:
    replies: tuple[str, ...]
    state: State                       # with flow/plan updated
    events: tuple[Event, ...] = ()     # plan_texts_on / plan_texts_off when texts are answered


@dataclass(frozen=True)
class Result:
    """What a step decided. `go` is NEXT (answered: on to the next step), SKIP, BAD
    (nonsense), LEAVE (menu only), NEW (menu only) or a step id to move to.
    `say` is a line above the next question (NEXT) or the whole reply (a step id)."""

    go: str
    set: Mapping[str, Any] = field(default_factory=dict)
    say: str = ""
    pending: str | None = None
    queue: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Step:
    id: str
    question: str                     # plan.yaml flow id that asks it
    retry: str                        # asked again, with an example
    handle: Callable[[State, str, "Context"], Result]
    skip: str = SKIP                  # what SKIP does here


# --- words --------------------------------------------------------------------------

_YES = frozenset({"yes", "y", "yeah", "yea", "yep", "yup", "ya", "yes please", "sure", "ok", "okay",
                  "k", "correct", "right", "thats right", "that is right", "yes thats right",
                  "sounds good", "perfect", "yes it is", "it is", "confirm", "si"})
_NO = frozenset({"no", "n", "nope", "nah", "no thanks", "no thank you", "not now", "not really",
                 "not yet", "no not now", "wrong", "thats wrong", "not right", "none"})
_SKIP = frozenset({"skip", "skip it", "skip this", "skip that", "skip this one", "skip please", "pass",
                   "next", "idk", "i dont know", "dont know", "dunno", "not sure", "im not sure",
                   "i am not sure", "no idea", "rather not", "id rather not", "maybe", "later",
                   "ask me later", "n a"})
_NEW = frozenset({"new", "new plan", "a new plan", "start over", "restart", "start again", "from scratch"})
_NOBODY = frozenset({"no", "none", "no one", "noone", "nobody", "no body", "nothing", "n a",
                     "idk", "i dont know", "dunno", "not sure", "nobody really", "no one really",
                     "nope", "nah"})
_PART_WORDS = {
    "date": "date", "quit date": "date", "the date": "date", "my date": "date", "new date": "date",
    "triggers": "triggers", "trigger": "triggers", "my triggers": "triggers",
    "coping": "coping", "cope": "coping",
    "support": "support", "people": "support", "supporters": "support",
    "medication": "mat", "meds": "mat", "mat": "mat",
    "texts": "texts", "quit date texts": "texts", "the texts": "texts",
}


def _words(text: str) -> str:
    return fold(text)


def is_skip(text: str) -> bool:
    return _words(text) in _SKIP


def is_yes(text: str) -> bool:
    return _words(text) in _YES


def is_no(text: str) -> bool:
    return _words(text) in _NO


_YES_FIRST = frozenset({"yes", "yeah", "yea", "yep", "yup", "sure", "absolutely", "definitely", "ok", "okay"})
_NO_FIRST = frozenset({"no", "nope", "nah"})


def leans(text: str) -> str | None:
    """"yes" or "no" for an answer that opens with one ("yes please!", "no thanks man"),
    else None. Exact words first, so "not really" is a no."""
    if is_yes(text):
        return "yes"
    if is_no(text):
        return "no"
    first = (_words(text).split() or [""])[0]
    return "yes" if first in _YES_FIRST else "no" if first in _NO_FIRST else None


def is_nobody(text: str) -> bool:
    """An answer that names nothing ("no one", "none", "idk"): kept, but never quoted back
    in a sentence as if it were a name or a trigger."""
    return _words(text) in _NOBODY


# --- the person's words ---------------------------------------------------------------

_CONTROL = ("Cc", "Cf", "Cs", "Co", "Cn")


def clean_answer(text: str) -> str:
    """A free-text answer as stored: as written, minus control and invisible characters,
    whitespace runs as one space, at most MAX_ANSWER characters."""
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in _CONTROL:
            kept.append(char)
    return " ".join("".join(kept).split())[:MAX_ANSWER].strip()


def _has_words(text: str) -> bool:
    return sum(char.isalnum() for char in text) >= 2 and not is_yes(text)


_LOOKALIKES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2022": "-", "\u00b7": "-", "\u2026": "...",
}


def to_gsm(text: str) -> str:
    """The text as GSM-7 can send it: look-alike quotes and dashes made plain, accents a
    phone can't send dropped from their letters, emoji and other symbols left out. One
    stray emoji would otherwise send the whole text as UCS-2, at less than half the room."""
    out = []
    for char in text:
        if gsm.is_gsm7(char):
            out.append(char)
        elif char in _LOOKALIKES:
            out.append(_LOOKALIKES[char])
        elif char.isspace():
            out.append(" ")
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if gsm.is_gsm7(c) and c.isalnum())
            out.append(base)
    return " ".join("".join(out).split())


def shorten(text: str, limit: int) -> str:
    """`text` in GSM-7, cut to at most `limit` septets at a word boundary, with "..." when cut."""
    plain = to_gsm(text)
    if _units(plain) <= limit:
        return plain
    if limit < 4:
        return "..."[:max(limit, 0)]
    room = limit - 3
    cut = plain
    while _units(cut) > room:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-.") + "..."


def _units(text: str) -> int:
    return sum(gsm.units(text))


# --- state helpers --------------------------------------------------------------------

def _stamp(now: datetime) -> str:
    return now.astimezone(timezone.utc).isoformat()


def _parse_stamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment


def _plan_flow(state: State) -> Mapping[str, Any] | None:
    flow = state.flow
    if isinstance(flow, Mapping) and flow.get("name") == FLOW:
        return flow
    return None


def is_open(state: State, now: datetime) -> bool:
    """A plan flow is open, at a known step, and was touched less than TIMEOUT ago."""
    flow = _plan_flow(state)
    if flow is None or flow.get("step") not in STEPS:
        return False
    updated = _parse_stamp(flow.get("updated_at"))
    return updated is not None and now - updated < TIMEOUT


def drop_if_expired(state: State, now: datetime) -> State:
    """A plan flow older than TIMEOUT (or unreadable) is dropped: draft answers go, the saved
    plan stays. Any other flow is left alone."""
    if _plan_flow(state) is not None and not is_open(state, now):
        return replace(state, flow=None)
    return state


def _today(state: State, ctx: Context) -> date:
    """The person's local date: the service's 'today' means nothing at 1 AM in Honolulu."""
    try:
        zone = load_zone(state.timezone)
    except ValueError:
        return ctx.now.astimezone(timezone.utc).date()
    return ctx.now.astimezone(zone).date()


def _time_label(state: State) -> str:
    try:
        return format_time(time.fromisoformat(state.daily_time))
    except (TypeError, ValueError):
        return "your daily time"


def _iso_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parts_of(plan: Mapping[str, Any] | None) -> dict[str, Any]:
    """The answered parts of a saved plan (no updated_at, no unknown keys)."""
    if not isinstance(plan, Mapping):
        return {}
    return {key: plan[key] for key in PLAN_KEYS if key != "updated_at" and key in plan}


def _has_plan(state: State) -> bool:
    parts = _parts_of(state.plan)
    return any(key != "texts" for key in parts) or bool(parts.get("texts"))


# --- texts ----------------------------------------------------------------------------

def _say(ctx: Context, id: str, **values: str) -> str:
    return ctx.content.plan.text(id, program=ctx.program, support=ctx.support, **values)


def _join(*texts: str) -> str:
    return "\n".join(text for text in texts if text)


def _prompt(step_id: str, flow: Mapping[str, Any], state: State, ctx: Context, retry: bool = False) -> str:
    """The question (or its retry) for a step, filled from the flow and the state."""
    step = STEPS[step_id]
    pending = _iso_date(flow.get("pending_date"))
    values = {
        "date": dates.describe(pending) if pending else "",
        "options": coping_menu(ctx.content.plan.coping_options),
        "time": _time_label(state),
    }
    return _say(ctx, step.retry if retry else step.question, **values)


def _new_flow(ctx: Context, step: str, mode: str, queue: tuple[str, ...], draft: Mapping[str, Any]) -> dict:
    return {"name": FLOW, "step": step, "updated_at": _stamp(ctx.now), "retries": 0,
            "draft": dict(draft), "mode": mode, "queue": list(queue)}


# --- the steps ------------------------------------------------------------------------

def _date(state: State, text: str, ctx: Context) -> Result:
    today = _today(state, ctx)
    found = dates.parse_date(text, today)
    if found is None:
        return Result(BAD)
    problem = dates.check_range(found, today)
    if problem is not None:
        reply = _say(ctx, "date_past" if problem == "past" else "date_far", date=dates.describe(found))
        return Result("date", say=reply)
    return Result("confirm", say=_say(ctx, "confirm_date", date=dates.describe(found)),
                  pending=found.isoformat())


def _confirm(state: State, text: str, ctx: Context) -> Result:
    pending = _iso_date((state.flow or {}).get("pending_date"))
    if pending is None:
        return Result("date", say=_say(ctx, "ask_date"))
    # "no, the 14th" is another date: a date in the answer wins over a leading yes or no.
    answer = "yes" if is_yes(text) else None
    if answer is None and dates.parse_date(text, _today(state, ctx)) is not None:
        return _date(state, text, ctx)
    answer = answer or leans(text)
    if answer == "yes":
        problem = dates.check_range(pending, _today(state, ctx))
        if problem is not None:  # confirmed after midnight: the day has gone
            return Result("date", say=_say(ctx, "date_past", date=dates.describe(pending)))
        return Result(NEXT, set={"quit_date": pending.isoformat()},
                      say=_say(ctx, "date_saved", date=dates.describe(pending)))
    if answer == "no":
        return Result("date", say=_say(ctx, "ask_date"))
    return Result(BAD)


def _free_text(key: str) -> Callable[[State, str, "Context"], Result]:
    def handle(state: State, text: str, ctx: Context) -> Result:
        answer = clean_answer(text)
        if not _has_words(answer):
            return Result(BAD)
        lead = _say(ctx, "no_support") if key == "support" and is_nobody(answer) else ""
        return Result(NEXT, set={key: answer}, say=lead)
    handle.__name__ = f"_{key}"
    return handle


_CONNECTORS = frozenset({"and", "or", "plus", "both", "also", "then", "n", "number", "numbers", "options",
                         "option", "all", "of", "the"})


def _coping(state: State, text: str, ctx: Context) -> Result:
    """Numbers from the list ("1 and 3", "13", "all of them") become the choices' words;
    anything else is kept in the person's own words."""
    options = ctx.content.plan.coping_options
    words = _words(text).split()
    if words and all(w.isdigit() or w in _CONNECTORS or w in ("them", "above") for w in words):
        picks: list[int] = []
        for digit in "".join(w for w in words if w.isdigit()):
            if not 1 <= int(digit) <= len(options):
                return Result(BAD)
            if int(digit) not in picks:
                picks.append(int(digit))
        if not picks and "all" in words:
            picks = list(range(1, len(options) + 1))
        if picks:
            return Result(NEXT, set={"coping": _join_choices([options[n - 1] for n in picks])})
    return _free_text("coping")(state, text, ctx)


def _join_choices(choices: list[str]) -> str:
    """The chosen options, whole ones only, within MAX_ANSWER."""
    joined = choices[0][:MAX_ANSWER]
    for choice in choices[1:]:
        if len(joined) + 2 + len(choice) > MAX_ANSWER:
            break
        joined = f"{joined}; {choice}"
    return joined


def _mat(state: State, text: str, ctx: Context) -> Result:
    answer = leans(text)
    return Result(NEXT, set={"mat": answer}) if answer else Result(BAD)


def _texts(state: State, text: str, ctx: Context) -> Result:
    answer = leans(text)
    if answer == "yes":
        return Result(NEXT, set={"texts": True}, events=(Event("plan_texts_on", "YES"),))
    if answer == "no":
        return Result(NEXT, set={"texts": False}, events=(Event("plan_texts_off", "NO"),))
    return Result(BAD)


def _menu(state: State, text: str, ctx: Context) -> Result:
    words = _words(text)
    if words in _NEW:
        return Result(NEW)
    if is_no(text):
        return Result(LEAVE)
    chosen = [_PART_WORDS[words]] if words in _PART_WORDS else []
    tokens = words.split()
    if not chosen and tokens and all(t.isdigit() or t in _CONNECTORS for t in tokens):
        for digit in "".join(t for t in tokens if t.isdigit()):
            if not 1 <= int(digit) <= len(PARTS):
                return Result(BAD)
            chosen.append(PARTS[int(digit) - 1])
    if not chosen:
        return Result(BAD)
    queue = tuple(part for part in PARTS if part in chosen)   # asked in the usual order
    if "texts" in queue and "date" not in queue and not _parts_of(state.plan).get("quit_date"):
        return Result(NEXT, say=_say(ctx, "texts_need_date"), queue=("date",) + queue)
    return Result(NEXT, queue=queue)


STEPS: Mapping[str, Step] = {step.id: step for step in (
    Step("menu", "menu", "retry_menu", _menu, skip=LEAVE),
    Step("date", "ask_date", "retry_date", _date),
    Step("confirm", "confirm_date", "retry_confirm", _confirm),
    Step("triggers", "ask_triggers", "retry_triggers", _free_text("triggers")),
    Step("coping", "ask_coping", "retry_coping", _coping),
    Step("support", "ask_support", "retry_support", _free_text("support")),
    Step("mat", "ask_mat", "retry_mat", _mat),
    Step("texts", "ask_texts", "retry_texts", _texts),
)}


# --- moving through the table ---------------------------------------------------------

def _advance(state: State, flow: Mapping[str, Any], draft: Mapping[str, Any], ctx: Context,
             lead: str = "", events: tuple[Event, ...] = ()) -> PlanTurn:
    """On to the next step in the queue (texts only with a quit date), or finish."""
    queue = list(flow.get("queue") or ())
    while queue:
        nxt = queue.pop(0)
        if nxt == "texts" and not draft.get("quit_date"):
            continue
        new = _new_flow(ctx, nxt, flow.get("mode", "new"), tuple(queue), draft)
        reply = _join(lead, _prompt(nxt, new, state, ctx))
        return PlanTurn((reply,), replace(state, flow=new), events)
    return _finish(state, flow, draft, ctx, lead, events)


def _finish(state: State, flow: Mapping[str, Any], draft: Mapping[str, Any], ctx: Context,
            lead: str, events: tuple[Event, ...]) -> PlanTurn:
    old = _parts_of(state.plan)
    parts = {key: draft[key] for key in PLAN_KEYS if key != "updated_at" and key in draft}
    parts["texts"] = bool(parts.get("texts")) and bool(parts.get("quit_date"))
    edit = flow.get("mode") == "edit"
    if not edit and not any(key != "texts" for key in parts):
        return PlanTurn((_join(lead, _say(ctx, "nothing_saved")),), replace(state, flow=None), events)
    if edit and parts == {**old, "texts": bool(old.get("texts"))}:
        return PlanTurn((_join(lead, _say(ctx, "menu_left")),), replace(state, flow=None), events)
    was_on = bool(old.get("texts"))
    if not events and was_on != parts["texts"]:
        events = (Event("plan_texts_on" if parts["texts"] else "plan_texts_off", "PLAN"),)
    plan = {**parts, "updated_at": _stamp(ctx.now)}
    if edit:
        ending = "done_texts" if parts["texts"] and not was_on else "part_saved"
    else:
        ending = "done_texts" if parts["texts"] else "done"
    reply = _join(lead, _say(ctx, ending, time=_time_label(state)))
    return PlanTurn((reply,), replace(state, flow=None, plan=plan), events)


def _start(state: State, ctx: Context, lead: str = "") -> PlanTurn:
    if _has_plan(state):
        flow = _new_flow(ctx, "menu", "edit", (), _parts_of(state.plan))
        return PlanTurn((_join(lead, _prompt("menu", flow, state, ctx)),), replace(state, flow=flow))
    return _start_new(state, ctx, lead or _say(ctx, "intro"))


def _start_new(state: State, ctx: Context, lead: str) -> PlanTurn:
    flow = _new_flow(ctx, "date", "new", PARTS[1:], {})
    return PlanTurn((_join(lead, _prompt("date", flow, state, ctx)),), replace(state, flow=flow))


def begin(state: State, ctx: Context) -> PlanTurn:
    """PLAN: resume an open flow at its step; else the change-one-part menu when a plan is
    saved; else the first question. A flow left too long starts afresh, and says so."""
    flow = _plan_flow(state)
    if flow is not None and is_open(state, ctx.now):
        touched = {**flow, "updated_at": _stamp(ctx.now), "retries": 0}
        reply = _join(_say(ctx, "resume"), _prompt(flow["step"], touched, state, ctx))
        return PlanTurn((reply,), replace(state, flow=touched))
    if flow is not None:
        return _start(replace(state, flow=None), ctx, _say(ctx, "expired"))
    return _start(state, ctx)


def step(state: State, text: str, ctx: Context) -> PlanTurn:
    """The person's answer to the open step."""
    if not is_open(state, ctx.now):
        return begin(state, ctx)
    flow = state.flow or {}
    current = STEPS[flow["step"]]
    draft = dict(flow.get("draft") or {})
    text = text or ""
    result = Result(current.skip) if is_skip(text) else current.handle(state, text, ctx)

    if result.go == BAD:
        if int(flow.get("retries") or 0) < MAX_RETRIES:
            again = {**flow, "updated_at": _stamp(ctx.now), "retries": int(flow.get("retries") or 0) + 1}
            return PlanTurn((_prompt(current.id, again, state, ctx, retry=True),), replace(state, flow=again))
        result = Result(current.skip)
    if result.go == LEAVE:
        return PlanTurn((_say(ctx, "menu_left"),), replace(state, flow=None))
    if result.go == NEW:
        return _start_new(state, ctx, _say(ctx, "intro"))
    if result.go == SKIP:
        return _advance(state, flow, draft, ctx, _say(ctx, "skipped"))
    if result.go == NEXT:
        draft.update(result.set)
        if result.queue:
            flow = {**flow, "queue": list(result.queue)}
        return _advance(state, flow, draft, ctx, result.say, result.events)
    # Another step of this flow: the date again, or its confirmation.
    moved = _new_flow(ctx, result.go, flow.get("mode", "new"), tuple(flow.get("queue") or ()), draft)
    if result.pending:
        moved["pending_date"] = result.pending
    reply = result.say or _prompt(result.go, moved, state, ctx)
    return PlanTurn((reply,), replace(state, flow=moved), result.events)


def resume_offer(state: State, ctx: Context) -> str | None:
    """After a crisis reply mid-flow: how to come back (None when no flow is open)."""
    if not is_open(state, ctx.now):
        return None
    return _say(ctx, "resume_offer")


# --- MY PLAN --------------------------------------------------------------------------

def show(state: State, ctx: Context) -> PlanTurn:
    """MY PLAN: the saved plan in at most MAX_SEGMENTS with the footer, the person's own
    words cut evenly (the shortest kept whole) when they would not fit."""
    if not _has_plan(state):
        return PlanTurn((_say(ctx, "my_plan_empty"),), state)
    parts = _parts_of(state.plan)
    not_set = _say(ctx, "show_not_set")
    quit_date = _iso_date(parts.get("quit_date"))
    mat = {"yes": "show_mat_yes", "no": "show_mat_no"}.get(parts.get("mat"))
    fixed = {
        "quit_date": dates.describe(quit_date) if quit_date else not_set,
        "mat": _say(ctx, mat) if mat else not_set,
        "texts": _say(ctx, "show_texts_on" if parts.get("texts") else "show_texts_off"),
    }
    own = {"triggers": parts.get("triggers"), "coping": parts.get("coping"), "people": parts.get("support")}

    def render(limit: int) -> str:
        words = {name: (shorten(value, limit) or "...") if isinstance(value, str) and value.strip()
                 else not_set for name, value in own.items()}
        return _say(ctx, "show", **fixed, **words)

    def fits(limit: int) -> bool:
        return gsm.segments(ensure_helpline(render(limit), ctx.content.helpline)) <= MAX_SEGMENTS

    low, high = 0, MAX_ANSWER * 2  # extension characters cost 2 septets each
    if fits(high):
        return PlanTurn((render(high),), state)
    while high - low > 1:  # invariant: fits(low), not fits(high)
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return PlanTurn((render(low),), state)
