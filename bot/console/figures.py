"""What the Overview and Delivery pages (and the CSV) show, worked out from a window of
daily counts ((day, metric, key) -> n, bot.console.counts): pure, so each figure is
tested without a database or a request. One place for each column's rule: the tables,
the charts and the CSV all read these rows.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flows.corpus import CRISIS_KINDS

Counts = Mapping[tuple[date, str, str], int]

RANGES = (7, 30, 90)          # the Overview's choice of days
DEFAULT_RANGE = 30
RETENTION_DAYS = (1, 7, 14, 30)   # quit-program days the retention is shown for
SCORES = ("1", "2", "3", "4", "5")
FAILURE_SHARE = 0.05          # the Delivery banner: a day whose failures exceed this share of its sends
CLOCK_STALE_SECONDS = 300     # the Delivery banner: no tick for this long


def choose_range(raw: str | None) -> int:
    """The ?days= query parameter: one of RANGES, else the default (never an error page)."""
    try:
        days = int(raw or DEFAULT_RANGE)
    except ValueError:
        return DEFAULT_RANGE
    return days if days in RANGES else DEFAULT_RANGE


def _get(counts: Counts, day: date, metric: str, key: str = "") -> int:
    return counts.get((day, metric, key), 0)


def _total(counts: Counts, day: date, metric: str) -> int:
    return sum(n for (d, m, _), n in counts.items() if d == day and m == metric)


def _by_day(counts: Counts) -> dict[date, dict[tuple[str, str], int]]:
    """Counts grouped by day once (a 90-day window holds a few thousand entries)."""
    grouped: dict[date, dict[tuple[str, str], int]] = {}
    for (d, metric, key), n in counts.items():
        grouped.setdefault(d, {})[(metric, key)] = n
    return grouped


def _sum(found: Mapping[tuple[str, str], int], metric: str) -> int:
    return sum(n for (m, _), n in found.items() if m == metric)


def _mean_score(found: Mapping[tuple[str, str], int]) -> float | None:
    answers = sum(found.get(("checkin_scores", s), 0) for s in SCORES)
    if not answers:
        return None
    return round(sum(int(s) * found.get(("checkin_scores", s), 0) for s in SCORES) / answers, 2)


def _snapshot(found: Mapping[tuple[str, str], int], key: str) -> int | None:
    """A people snapshot figure, or None for a day without one (before counting began)."""
    if not any(m == "people" for m, _ in found):
        return None
    return found.get(("people", key), 0)


# The Overview's columns, in order: (CSV name, heading, rule over one day's counts).
Column = tuple[str, str, Callable[[Mapping[tuple[str, str], int]], int | float | None]]
OVERVIEW_COLUMNS: tuple[Column, ...] = (
    ("people_texted", "People who texted", lambda f: f.get(("people_texted", ""), 0)),
    ("new_people", "New people", lambda f: f.get(("new_people", ""), 0)),
    ("opt_ins", "Opt-ins (START)", lambda f: f.get(("consent", "opt_in"), 0)),
    ("opt_outs", "Opt-outs (STOP)", lambda f: f.get(("consent", "opt_out"), 0)),
    ("daily_subscribers", "Daily-text subscribers", lambda f: _snapshot(f, "daily")),
    ("quit_date_subscribers", "Getting quit-date texts", lambda f: _snapshot(f, "quit_date_texts")),
    ("plans_made", "Quit plans made", lambda f: f.get(("plans", "made"), 0)),
    ("plans_changed", "Quit plans changed", lambda f: f.get(("plans", "changed"), 0)),
    ("texts_in", "Texts in", lambda f: _sum(f, "texts_in")),
    ("replies", "Replies out", lambda f: _sum(f, "replies")),
    ("scheduled_sent", "Scheduled texts sent", lambda f: f.get(("outbox", "sent"), 0)),
    ("texts_out", "Texts out", lambda f: _sum(f, "replies") + f.get(("outbox", "sent"), 0)),
    ("slips", "Slips", lambda f: f.get(("texts_in", "slip"), 0)),
    ("crisis_replies", "Crisis replies", lambda f: _sum(f, "crisis_kinds")),
    *((f"crisis_{kind}", f"Crisis: {kind.replace('_', ' ')}", (lambda k: lambda f: f.get(("crisis_kinds", k), 0))(kind))
      for kind in CRISIS_KINDS),
    ("checkins", "Check-in answers", lambda f: _sum(f, "checkin_scores")),
    ("checkin_mean", "Mean check-in score", _mean_score),
    *((f"score_{s}", f"Score {s}", (lambda k: lambda f: f.get(("checkin_scores", k), 0))(s)) for s in SCORES),
)


@dataclass(frozen=True)
class Row:
    """One day of a page's table: its values by column name, and whether it is so far."""

    day: date
    so_far: bool
    values: dict[str, int | float | None]


def overview_rows(counts: Counts, days: list[date], live_today: date | None) -> list[Row]:
    """One row per day, every Overview column (today, when given, marked so far)."""
    grouped = _by_day(counts)
    return [Row(day, day == live_today, {name: rule(grouped.get(day, {})) for name, _, rule in OVERVIEW_COLUMNS})
            for day in days]


@dataclass(frozen=True)
class Retention:
    """The quit program at one day: of those whose quit-day text went (`started`), how
    many still got their day-N text (`still`): opted in and reachable N days later."""

    day: int
    started: int
    still: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.still / self.started, 1) if self.started else None


def quit_retention(counts: Counts, days: list[date], final_through: date) -> list[Retention]:
    """For each of RETENTION_DAYS: the cohorts whose day N fell in `days` and is over
    (at or before `final_through`), counted from the stored `quit_day` metric (quit-date
    texts sent by program day). Needs counts from N days before the first shown day."""
    found = []
    for n in RETENTION_DAYS:
        ends = [d for d in days if d <= final_through]
        started = sum(_get(counts, d - timedelta(days=n), "quit_day", "0") for d in ends)
        still = sum(_get(counts, d, "quit_day", str(n)) for d in ends)
        found.append(Retention(n, started, still))
    return found


def csv_text(rows: list[Row]) -> str:
    """The Overview as CSV: a header row, then one row per day (the same columns)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "so_far", *(name for name, _, _ in OVERVIEW_COLUMNS)])
    for row in rows:
        writer.writerow([row.day.isoformat(), "yes" if row.so_far else "no",
                         *("" if row.values[name] is None else row.values[name] for name, _, _ in OVERVIEW_COLUMNS)])
    return out.getvalue()


# --- Delivery ------------------------------------------------------------------------------

DELIVERY_COLUMNS: tuple[Column, ...] = (
    ("sent", "Sent", lambda f: f.get(("outbox", "sent"), 0)),
    ("delivered", "Delivered", lambda f: f.get(("outbox_delivery", "delivered"), 0)),
    ("undelivered", "Undelivered", lambda f: f.get(("outbox_delivery", "undelivered"), 0)
     + f.get(("outbox_delivery", "failed"), 0)),
    ("failed", "Failed", lambda f: f.get(("outbox", "failed"), 0)),
    ("cancelled", "Cancelled", lambda f: f.get(("outbox", "cancelled"), 0)),
    ("pending", "Still to send", lambda f: f.get(("outbox", "pending"), 0) + f.get(("outbox", "sending"), 0)),
)


def delivery_rows(counts: Counts, days: list[date], live_today: date | None) -> list[Row]:
    grouped = _by_day(counts)
    return [Row(day, day == live_today, {name: rule(grouped.get(day, {})) for name, _, rule in DELIVERY_COLUMNS})
            for day in days]


def failure_share(row: Row) -> float | None:
    """A day's failures (failed rows, and sent ones Twilio could not deliver) over its
    sends (sent and failed rows); None on a day with no sends."""
    sends = row.values["sent"] + row.values["failed"]
    if not sends:
        return None
    return (row.values["failed"] + row.values["undelivered"]) / sends


def failing_days(rows: list[Row]) -> list[Row]:
    """Days whose failures exceed FAILURE_SHARE of their sends, newest first."""
    return [row for row in reversed(rows) if (failure_share(row) or 0) > FAILURE_SHARE]


# Why a scheduled text was not sent, in plain words (bot.outbox's reasons).
REASONS = {
    "quiet_hours": "it would have landed in the person's quiet hours",
    "grace": "missed by more than the grace period (the clock was down)",
    "opted_out": "the person had opted out (STOP)",
    "undeliverable": "Twilio had said the number cannot get texts",
    "no_consent": "the person had turned these texts off",
    "merged": "a quit-date text went that day instead",
    "withdrawn": "a newer choice of the person replaced it (e.g. a new quit date)",
    "whatsapp_window": "WhatsApp: more than 24 hours since the person last wrote",
    "interrupted": "the clock stopped while sending it; never sent twice",
    "unknown": "no answer from Twilio after the last try: it may have gone",
    "unconfirmed": "an earlier try may have gone; Twilio was asked",
    "undelivered": "Twilio could not deliver it",
    "failed": "Twilio could not send it",
    "": "no reason recorded",
}

# Twilio error codes, as Twilio's error dictionary (twilio.com/docs/api/errors/<code>) names them.
TWILIO_ERRORS = {
    "21211": "Invalid 'To' phone number",
    "21610": "The person opted out (replied STOP); Twilio will not send until they text START",
    "21614": "'To' number is not a valid mobile number",
    "30001": "Queue overflow: the carrier's queue was full",
    "30003": "Unreachable handset: phone off, no signal or otherwise unavailable",
    "30004": "Message blocked by the carrier or the recipient",
    "30005": "Unknown handset: the number is unknown or no longer in service",
    "30006": "Landline or unreachable carrier: the number cannot receive texts",
    "30007": "Message filtered by Twilio or the carrier (spam, policy)",
    "30008": "Unknown error from the carrier",
    "63016": "WhatsApp: outside the 24-hour window, only a template may be sent",
}


def meaning(reason: str) -> str:
    """The plain meaning of a reason or of a Twilio error code (else where to look it up)."""
    if reason.isdigit():
        return TWILIO_ERRORS.get(reason, f"Twilio error {reason}: see twilio.com/docs/api/errors/{reason}")
    return REASONS.get(reason, "")


@dataclass(frozen=True)
class Reason:
    status: str        # cancelled | failed | undelivered
    reason: str        # a bot.outbox reason or a Twilio error code
    meaning: str
    count: int


def reasons(counts: Counts, days: list[date]) -> list[Reason]:
    """Texts not sent or not delivered over `days`, by status and reason, most first."""
    shown = set(days)
    found: Counter = Counter()
    for (d, metric, key), n in counts.items():
        if d not in shown:
            continue
        if metric == "outbox_reason":
            status, _, reason = key.partition(":")
            found[(status, reason)] += n
        elif metric == "outbox_error":
            found[("undelivered", key)] += n
    return [Reason(status, reason, meaning(reason), n)
            for (status, reason), n in sorted(found.items(), key=lambda item: (-item[1], item[0]))]
