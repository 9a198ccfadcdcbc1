"""The console's Simulator page (/console/simulator): talk to Steady as the staff member's
own test number, see the intent, crisis kind, encoding and segments of each reply, move
the test number's clock to see its scheduled texts arrive, and reset it.

The work is bot.simulator's (the sandbox, its clock, and why nothing reaches Twilio).
This page keeps two things between requests, neither in the database: the clock's offset
ahead of real time (in the session), and the conversation so far (in the page's own
form, posted back with each action: no body of a text is ever stored by Steady, a test
number's included). Every form is a POST with the CSRF token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, current_app, render_template, request, session

from sqlalchemy import select

from bot import phones
from bot.console import bp
from bot.console.auth import current_staff, now as console_now, staff_required
from bot.models import ConsoleStaff
from bot.simulator import MOVES, NEXT_CHECKIN, NEXT_DAILY, Simulator, Turn, local, number_for

OFFSET_KEY = "simulator_offset"     # seconds the test number's clock runs ahead of real time
# The conversation the page carries: at most this many entries (older ones drop off), and a
# text at most as long as Twilio takes one.
KEEP_ENTRIES = 40
MAX_TEXT = 1600
MOVE_LABELS = {"hour": "+1 hour", "day": "+1 day", NEXT_DAILY: "Next daily text", NEXT_CHECKIN: "Next check-in"}


@dataclass(frozen=True)
class Entry:
    """One line of the page's timeline: a text from the test number (`you`), a reply
    (`steady`) or a scheduled text (`scheduled`), with what the console says about it."""

    at: datetime
    who: str
    text: str
    intent: str | None = None
    detail: str | None = None
    crisis_kind: str | None = None
    encoding: str | None = None
    segments: int | None = None
    kind: str | None = None         # a scheduled text's kind (daily, quit_date, craving_followup)
    status: str | None = None       # a scheduled text's: arrived | not_sent
    reason: str | None = None
    held: bool = False

    def carried(self) -> dict:
        """The entry as the page's form carries it (scheduled texts come from the database)."""
        return {"at": self.at.isoformat(), "who": self.who, "text": self.text, "intent": self.intent,
                "detail": self.detail, "crisis_kind": self.crisis_kind, "encoding": self.encoding,
                "segments": self.segments, "held": self.held}


def _carried(raw: str | None) -> list[Entry]:
    """The conversation posted back by the page; anything malformed is dropped, not trusted."""
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return []
    entries = []
    for item in items if isinstance(items, list) else []:
        try:
            if item["who"] not in ("you", "steady") or not isinstance(item["text"], str):
                continue
            segments = item.get("segments")
            entries.append(Entry(
                at=datetime.fromisoformat(item["at"]), who=item["who"], text=item["text"][:MAX_TEXT],
                intent=_word(item.get("intent")), detail=_word(item.get("detail")),
                crisis_kind=_word(item.get("crisis_kind")), encoding=_word(item.get("encoding")),
                segments=segments if isinstance(segments, int) else None, held=bool(item.get("held"))))
        except (KeyError, TypeError, ValueError):
            continue
    return entries[-KEEP_ENTRIES:]


def _word(value) -> str | None:
    return value[:40] if isinstance(value, str) else None


def _turn_entries(text: str, turn: Turn) -> list[Entry]:
    said = [Entry(turn.at, "you", text)]
    if turn.held:
        return said + [Entry(turn.at, "steady", "", intent=turn.intent, held=True)]
    return said + [Entry(turn.at, "steady", reply.text, intent=turn.intent, detail=turn.detail,
                         crisis_kind=turn.crisis_kind, encoding=reply.encoding, segments=reply.segments)
                   for reply in turn.replies]


def _ahead(by: timedelta) -> str:
    """How far the test number's clock runs ahead of real time, in words ("" under a minute)."""
    minutes = round(by.total_seconds() / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    return " ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in parts if n > 0)


def _staff_number(steady) -> str:
    """The staff member's own test number, from their account's id (bot.simulator.number_for)."""
    email = current_staff()
    with steady.store.transaction() as tx:
        staff_id = tx.session.scalar(select(ConsoleStaff.id).where(ConsoleStaff.email == email))
    return number_for(staff_id if staff_id is not None else email)


@bp.route("/simulator", methods=["GET", "POST"])
@staff_required
def simulator():
    steady = current_app.extensions["steady"]
    sim = Simulator(steady, clock=console_now)
    number = _staff_number(steady)
    now = sim.now(number, timedelta(seconds=float(session.get(OFFSET_KEY, 0) or 0)))
    entries: list[Entry] = []
    notice = None
    if request.method == "POST":
        entries = _carried(request.form.get("transcript"))
        action = request.form.get("action")
        if action == "say":
            text = (request.form.get("text") or "").strip()[:MAX_TEXT]
            if text:
                entries += _turn_entries(text, sim.say(number, text, now))
            else:
                notice = "Type a text to send."
        elif action == "move":
            move = request.form.get("move")
            if move not in MOVES:
                abort(400)
            target = sim.target(number, now, move)
            if target is None:
                notice = ("No daily text is planned: text DAILY first." if move == NEXT_DAILY
                          else "No check-in or quit-date text is planned: try CRAVING or PLAN.")
            else:
                sim.catch_up(number, target)
                now = target
        elif action == "reset":
            sim.reset(number, now)
            entries, now = [], console_now()
            notice = "The test number was erased: it starts again as someone new."
        else:
            abort(400)
        session[OFFSET_KEY] = max(0.0, (now - console_now()).total_seconds())
    entries = entries[-KEEP_ENTRIES:]
    outlook = sim.outlook(number)
    zone = outlook.timezone or steady.settings.default_timezone
    timeline = sorted(
        entries + [Entry(s.at, "scheduled", s.text, encoding=s.encoding, segments=s.segments, kind=s.kind,
                         status=s.status, reason=s.reason)
                   for s in outlook.scheduled if s.status != "pending"],
        key=lambda e: e.at)
    coming = [s for s in outlook.scheduled if s.status == "pending"]
    return render_template(
        "console/simulator.html",
        number=phones.mask(number), zone=zone, now=local(now, zone), ahead=_ahead(now - console_now()),
        timeline=timeline, coming=coming, local=lambda at: local(at, zone),
        next_daily=outlook.next_daily, next_checkin=outlook.next_checkin, moves=MOVE_LABELS,
        transcript=json.dumps([e.carried() for e in entries], separators=(",", ":")), notice=notice,
    )
