"""PLAN: a short quit plan, one question a text, built on the guide's "Develop a Quitting Plan".

The whole conversation is declared in one place below (python-telegram-bot's
ConversationHandler is the model), with its diagram beside it:
- entry points (`begin`): an open flow resumes at its step; a timed-out one starts afresh
  and says so; a saved plan gets the change-one-part menu; else the first part.
- states (`STEPS`): each step asks one plan.yaml question, reads the answer with a pure
  handler (state, flow, text, ctx) -> Answer, and its `on` names where each outcome goes:
  another step, NEXT (the next part still queued, or END when none is left), LEAVE
  (closed, the plan unchanged) or RESTART (a new plan from its first part).
- fallbacks inside a step: SKIP goes where the step's `skip` says; an answer that can't be
  read is asked again once with an example (its retry text), then taken as SKIP.
- TIMEOUT: a flow untouched for 24 hours is dropped (the saved plan stays).
The engine runs its global fallbacks first (crisis, STOP/HELP, the top-level menu words)
and calls `step` only while `is_open`.

`PARTS` are the plan's parts in the order they are asked; the saved-plan menu numbers them
in this order, with the labels in plan.yaml `menu_parts`. The flow state is a typed
`PlanFlow` (flows.plan_state), stored as JSON; MY PLAN lives in flows.my_plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Mapping

from flows import dates
from flows.content import PlanTexts, coping_menu
from flows.turn_values import Event, State
from flows.my_plan import show
from flows.plan_state import (
    EDIT,
    FLOW,
    NEW_PLAN,
    PLAN_KEYS,
    PlanFlow,
    PlanTurn,
    has_plan,
    is_plan_flow,
    parts_of,
    say,
    stamp,
)
from flows.plan_words import (
    CONNECTORS,
    MAX_ANSWER,
    clean_answer,
    has_words,
    is_new,
    is_no,
    is_nobody,
    is_skip,
    is_yes,
    leans,
    words,
)
from flows.timeparse import format_time, parse_hhmm
from flows.zones import load_zone

if TYPE_CHECKING:  # flows.context pulls in the matcher; the flow needs only its fields
    from flows.context import Context

__all__ = ["FLOW", "PLAN_KEYS", "PARTS", "STEPS", "TIMEOUT", "PlanTurn", "begin", "drop_if_expired",
           "is_open", "menu_list", "resume_offer", "show", "step", "MAX_ANSWER", "clean_answer", "is_nobody"]

TIMEOUT = timedelta(hours=24)
MAX_RETRIES = 1           # a nonsense answer is asked again this many times, then skipped

# Where an answer can lead, besides another step.
NEXT = "NEXT"             # the next part still queued (a part whose need is unmet is passed); END when none
END = "END"               # the flow closes and what was answered is saved (or "nothing saved")
LEAVE = "LEAVE"           # the flow closes and the saved plan stays as it was
RESTART = "RESTART"       # a new plan from the first part
EXITS = (NEXT, END, LEAVE, RESTART)
# What a handler may say besides an outcome of its own: the answer was SKIP, or unreadable.
SKIP, BAD = "SKIP", "BAD"


@dataclass(frozen=True)
class Answer:
    """What a step's handler made of the text. `outcome` is a key of the step's `on` (or BAD);
    `say` is a line above the next question, or the whole reply when the next is a step."""

    outcome: str
    keep: Mapping[str, Any] = field(default_factory=dict)     # parts put in the draft
    say: str = ""
    pending: date | None = None                                # a date waiting for its YES
    queue: tuple[str, ...] = ()                                # the parts chosen at the menu
    events: tuple[Event, ...] = ()


Handler = Callable[[State, PlanFlow, str, "Context"], Answer]


@dataclass(frozen=True)
class Step:
    question: str                     # plan.yaml flow id that asks it
    retry: str                        # asked again, with an example
    handle: Handler
    on: Mapping[str, str]             # outcome -> a step id or an exit
    skip: str = NEXT                  # where SKIP (and a second nonsense answer) goes


@dataclass(frozen=True)
class Part:
    """One part of a plan: asked by the step of the same id, saved under `saves`, listed in
    the menu in PARTS order. `needs`: asked only once the draft holds that key."""

    id: str
    saves: str
    words: tuple[str, ...] = ()       # menu answers that choose it, besides its number
    needs: str = ""


# --- the words the steps read -----------------------------------------------------------

def _today(state: State, ctx: Context) -> date:
    """The person's local date: the service's 'today' means nothing at 1 AM in Honolulu."""
    try:
        zone = load_zone(state.timezone)
    except ValueError:
        return ctx.now.astimezone(timezone.utc).date()
    return ctx.now.astimezone(zone).date()


def _time_label(state: State, language: str = "en") -> str:
    try:
        return format_time(parse_hhmm(state.daily_time), language=language)
    except (TypeError, ValueError):
        return "tu hora diaria" if language == "es" else "your daily time"


def _date(state: State, flow: PlanFlow, text: str, ctx: Context) -> Answer:
    today = _today(state, ctx)
    found = dates.parse_date(text, today)
    if found is None:
        return Answer(BAD)
    problem = dates.check_range(found, today)
    if problem is not None:
        return Answer("past or far", say=say(ctx, "date_past" if problem == "past" else "date_far",
                                             date=dates.describe(found, language=ctx.content.language)))
    return Answer("a date", say=say(ctx, "confirm_date", date=dates.describe(found, language=ctx.content.language)), pending=found)


def _confirm(state: State, flow: PlanFlow, text: str, ctx: Context) -> Answer:
    pending = flow.pending_date
    if pending is None:
        return Answer("no date", say=say(ctx, "ask_date"))
    # "no, the 14th" is another date: a date in the answer wins over a leading yes or no.
    answer = "yes" if is_yes(text) else None
    if answer is None and dates.parse_date(text, _today(state, ctx)) is not None:
        return _date(state, flow, text, ctx)
    answer = answer or leans(text)
    if answer == "yes":
        if dates.check_range(pending, _today(state, ctx)) is not None:  # confirmed after midnight
            return Answer("gone", say=say(ctx, "date_past", date=dates.describe(pending, language=ctx.content.language)))
        return Answer("yes", keep={"quit_date": pending.isoformat()},
                      say=say(ctx, "date_saved", date=dates.describe(pending, language=ctx.content.language)))
    if answer == "no":
        return Answer("no", say=say(ctx, "ask_date"))
    return Answer(BAD)


def _free_text(key: str) -> Handler:
    def handle(state: State, flow: PlanFlow, text: str, ctx: Context) -> Answer:
        answer = clean_answer(text)
        if not has_words(answer):
            return Answer(BAD)
        lead = say(ctx, "no_support") if key == "support" and is_nobody(answer) else ""
        return Answer("answered", keep={key: answer}, say=lead)
    handle.__name__ = f"_{key}"
    return handle


def _coping(state: State, flow: PlanFlow, text: str, ctx: Context) -> Answer:
    """Numbers from the list ("1 and 3", "13", "all of them") become the choices' words;
    anything else is kept in the person's own words."""
    options = ctx.content.plan.coping_options
    tokens = words(text).split()
    if tokens and all(w.isdigit() or w in CONNECTORS or w in ("them", "above") for w in tokens):
        picks: list[int] = []
        for digit in "".join(w for w in tokens if w.isdigit()):
            if not 1 <= int(digit) <= len(options):
                return Answer(BAD)
            if int(digit) not in picks:
                picks.append(int(digit))
        if not picks and "all" in tokens:
            picks = list(range(1, len(options) + 1))
        if picks:
            return Answer("answered", keep={"coping": _join_choices([options[n - 1] for n in picks])})
    return _free_text("coping")(state, flow, text, ctx)


def _join_choices(choices: list[str]) -> str:
    """The chosen options, whole ones only, within MAX_ANSWER."""
    joined = choices[0][:MAX_ANSWER]
    for choice in choices[1:]:
        if len(joined) + 2 + len(choice) > MAX_ANSWER:
            break
        joined = f"{joined}; {choice}"
    return joined


def _mat(state: State, flow: PlanFlow, text: str, ctx: Context) -> Answer:
    answer = leans(text)
    return Answer("answered", keep={"mat": answer}) if answer else Answer(BAD)


def _texts(state: State, flow: PlanFlow, text: str, ctx: Context) -> Answer:
    answer = leans(text)
    if answer == "yes":
        return Answer("answered", keep={"texts": True}, events=(Event("plan_texts_on", "YES"),))
    if answer == "no":
        return Answer("answered", keep={"texts": False}, events=(Event("plan_texts_off", "NO"),))
    return Answer(BAD)


def _menu(state: State, flow: PlanFlow, text: str, ctx: Context) -> Answer:
    """A part by number ("2", "1 and 3") or by name ("triggers"), NEW, or NO."""
    said = words(text)
    if is_new(text):
        return Answer("new")
    if is_no(text):
        return Answer("no")
    chosen = [part.id for part in PARTS if said in part.words]
    tokens = said.split()
    if not chosen and tokens and all(t.isdigit() or t in CONNECTORS for t in tokens):
        for digit in "".join(t for t in tokens if t.isdigit()):
            if not 1 <= int(digit) <= len(PARTS):
                return Answer(BAD)
            chosen.append(PARTS[int(digit) - 1].id)
    if not chosen:
        return Answer(BAD)
    queue = tuple(part.id for part in PARTS if part.id in chosen)   # asked in the usual order
    saved = parts_of(state.plan)
    for part in PARTS:
        if part.id in queue and part.needs and not saved.get(part.needs):
            giver = next(p.id for p in PARTS if p.saves == part.needs)
            if giver not in queue:
                return Answer("chosen", say=say(ctx, "texts_need_date"), queue=(giver,) + queue)
    return Answer("chosen", queue=queue)


# --- the declaration ------------------------------------------------------------------

DIAGRAM = r"""
  no plan saved:
    PLAN --> [date] --a date--> [confirm] --YES--> [triggers] --> [coping] --> [support]
               ^                   |                                              |
               +--NO, or the date--+       END <-- [texts]* <-- [mat] <-----------+
                  gone by midnight
    [date]: a past or far date -> [date] again. [confirm]: another date -> [confirm] again.

  a plan saved:
    PLAN --> [menu] --1..6 or a part's name--> those parts in order (NEXT), then END
               +--NEW--> RESTART: [date] as above, a new plan
               +--NO, SKIP, nonsense twice--> LEAVE: the plan unchanged

  every step: SKIP -> NEXT; nonsense -> asked again once, then as SKIP.
  * [texts] only when the draft holds a quit date.
  TIMEOUT: 24 h untouched -> dropped. Crisis mid-flow -> resume_offer; PLAN again -> the same step.
"""

PARTS: tuple[Part, ...] = (
    Part("date", "quit_date", ("date", "quit date", "the date", "my date", "new date")),
    Part("triggers", "triggers", ("triggers", "trigger", "my triggers")),
    Part("coping", "coping", ("coping", "cope")),
    Part("support", "support", ("support", "people", "supporters")),
    Part("mat", "mat", ("medication", "meds", "mat")),
    Part("texts", "texts", ("texts", "quit date texts", "the texts"), needs="quit_date"),
)

STEPS: Mapping[str, Step] = {
    "menu": Step("menu", "retry_menu", _menu, {"chosen": NEXT, "new": RESTART, "no": LEAVE}, skip=LEAVE),
    "date": Step("ask_date", "retry_date", _date, {"a date": "confirm", "past or far": "date"}),
    "confirm": Step("confirm_date", "retry_confirm", _confirm,
                    {"yes": NEXT, "a date": "confirm", "past or far": "date", "no": "date", "gone": "date",
                     "no date": "date"}),
    "triggers": Step("ask_triggers", "retry_triggers", _free_text("triggers"), {"answered": NEXT}),
    "coping": Step("ask_coping", "retry_coping", _coping, {"answered": NEXT}),
    "support": Step("ask_support", "retry_support", _free_text("support"), {"answered": NEXT}),
    "mat": Step("ask_mat", "retry_mat", _mat, {"answered": NEXT}),
    "texts": Step("ask_texts", "retry_texts", _texts, {"answered": NEXT}),
}


def menu_list(texts: PlanTexts) -> str:
    """The menu's numbered parts, in PARTS order: "1 Quit date" a line each."""
    labels = texts.menu_parts
    return "\n".join(f"{n} {labels[part.id]}" for n, part in enumerate(PARTS, 1))


# --- running the declaration ------------------------------------------------------------

def _read(state: State, now: datetime) -> PlanFlow | None:
    """The open plan flow: readable, at a known step, touched less than TIMEOUT ago."""
    flow = PlanFlow.read(state.flow, STEPS)
    return flow if flow is not None and now - flow.updated_at < TIMEOUT else None


def _with(state: State, flow: PlanFlow) -> State:
    return replace(state, flow=flow.to_json())


def _join(*texts: str) -> str:
    return "\n".join(text for text in texts if text)


def _prompt(step_id: str, flow: PlanFlow, state: State, ctx: Context, retry: bool = False) -> str:
    """The question (or its retry) for a step, filled from the flow and the state."""
    current = STEPS[step_id]
    values = {
        "date": dates.describe(flow.pending_date, language=ctx.content.language) if flow.pending_date else "",
        "options": coping_menu(ctx.content.plan.coping_options),
        "time": _time_label(state, ctx.content.language),
        "parts": menu_list(ctx.content.plan),
    }
    return say(ctx, current.retry if retry else current.question, **values)


def is_open(state: State, now: datetime) -> bool:
    """A plan flow is open, at a known step, and was touched less than TIMEOUT ago."""
    return _read(state, now) is not None


def drop_if_expired(state: State, now: datetime) -> State:
    """A plan flow older than TIMEOUT (or unreadable) is dropped: draft answers go, the saved
    plan stays. Any other flow is left alone."""
    if is_plan_flow(state.flow) and not is_open(state, now):
        return replace(state, flow=None)
    return state


def begin(state: State, ctx: Context) -> PlanTurn:
    """PLAN, the entry points in order: resume an open flow at its step; else the
    change-one-part menu when a plan is saved; else the first question. A flow left too long
    starts afresh, and says so."""
    flow = _read(state, ctx.now)
    if flow is not None:
        touched = replace(flow, updated_at=ctx.now, retries=0)
        reply = _join(say(ctx, "resume"), _prompt(flow.step, touched, state, ctx))
        return PlanTurn((reply,), _with(state, touched))
    if is_plan_flow(state.flow):
        return _start(replace(state, flow=None), ctx, say(ctx, "expired"))
    return _start(state, ctx)


def _start(state: State, ctx: Context, lead: str = "") -> PlanTurn:
    if has_plan(state):
        flow = PlanFlow(step="menu", updated_at=ctx.now, mode=EDIT, draft=parts_of(state.plan))
        return PlanTurn((_join(lead, _prompt("menu", flow, state, ctx)),), _with(state, flow))
    return _start_new(state, ctx, lead or say(ctx, "intro"))


def _start_new(state: State, ctx: Context, lead: str) -> PlanTurn:
    first, *rest = PARTS
    flow = PlanFlow(step=first.id, updated_at=ctx.now, mode=NEW_PLAN, queue=tuple(p.id for p in rest))
    return PlanTurn((_join(lead, _prompt(first.id, flow, state, ctx)),), _with(state, flow))


def step(state: State, text: str, ctx: Context) -> PlanTurn:
    """The person's answer to the open step: its handler's outcome, looked up in `on`."""
    flow = _read(state, ctx.now)
    if flow is None:
        return begin(state, ctx)
    current = STEPS[flow.step]
    text = text or ""
    answer = Answer(SKIP) if is_skip(text) else current.handle(state, flow, text, ctx)
    if answer.outcome == BAD:
        if flow.retries < MAX_RETRIES:
            again = replace(flow, updated_at=ctx.now, retries=flow.retries + 1)
            return PlanTurn((_prompt(flow.step, again, state, ctx, retry=True),), _with(state, again))
        answer = Answer(SKIP)
    if answer.outcome == SKIP:
        target = current.skip
        answer = replace(answer, say=say(ctx, "skipped") if target == NEXT else "")
    else:
        target = current.on[answer.outcome]
    return _go(target, state, flow, answer, ctx)


def _go(target: str, state: State, flow: PlanFlow, answer: Answer, ctx: Context) -> PlanTurn:
    if target == LEAVE:
        return PlanTurn((say(ctx, "menu_left"),), replace(state, flow=None))
    if target == RESTART:
        return _start_new(state, ctx, say(ctx, "intro"))
    draft = {**flow.draft, **answer.keep}
    if target == NEXT:
        moved = replace(flow, queue=answer.queue or flow.queue, draft=draft)
        return _next(state, moved, ctx, answer.say, answer.events)
    # Another step of this flow: the date again, or its confirmation.
    moved = PlanFlow(step=target, updated_at=ctx.now, mode=flow.mode, queue=flow.queue, draft=draft,
                     pending_date=answer.pending)
    reply = answer.say or _prompt(target, moved, state, ctx)
    return PlanTurn((reply,), _with(state, moved), answer.events)


def _next(state: State, flow: PlanFlow, ctx: Context, lead: str, events: tuple[Event, ...]) -> PlanTurn:
    """NEXT: the next part in the queue whose need is met, or END."""
    needs = {part.id: part.needs for part in PARTS}
    queue = list(flow.queue)
    while queue:
        nxt = queue.pop(0)
        if needs.get(nxt) and not flow.draft.get(needs[nxt]):
            continue
        new = PlanFlow(step=nxt, updated_at=ctx.now, mode=flow.mode, queue=tuple(queue), draft=flow.draft)
        return PlanTurn((_join(lead, _prompt(nxt, new, state, ctx)),), _with(state, new), events)
    return _end(state, flow, ctx, lead, events)


def _end(state: State, flow: PlanFlow, ctx: Context, lead: str, events: tuple[Event, ...]) -> PlanTurn:
    """END: save the draft (a new plan needs one answered part; an edit that changed nothing
    leaves the plan as it was) and say what happens next."""
    old = parts_of(state.plan)
    parts = parts_of(flow.draft)
    parts["texts"] = bool(parts.get("texts")) and bool(parts.get("quit_date"))
    edit = flow.mode == EDIT
    if not edit and not any(key != "texts" for key in parts):
        return PlanTurn((_join(lead, say(ctx, "nothing_saved")),), replace(state, flow=None), events)
    if edit and parts == {**old, "texts": bool(old.get("texts"))}:
        return PlanTurn((_join(lead, say(ctx, "menu_left")),), replace(state, flow=None), events)
    was_on = bool(old.get("texts"))
    if not events and was_on != parts["texts"]:
        events = (Event("plan_texts_on" if parts["texts"] else "plan_texts_off", "PLAN"),)
    plan = {**parts, "updated_at": stamp(ctx.now)}
    if edit:
        ending = "done_texts" if parts["texts"] and not was_on else "part_saved"
    else:
        ending = "done_texts" if parts["texts"] else "done"
    reply = _join(lead, say(ctx, ending, time=_time_label(state, ctx.content.language)))
    return PlanTurn((reply,), replace(state, flow=None, plan=plan), events)


def resume_offer(state: State, ctx: Context) -> str | None:
    """After a crisis reply mid-flow: how to come back (None when no flow is open)."""
    if not is_open(state, ctx.now):
        return None
    return say(ctx, "resume_offer")
