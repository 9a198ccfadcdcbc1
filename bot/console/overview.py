"""The overview page (/console) and its CSV (/console/overview.csv): the daily aggregates
over a chosen range (?days=7, 30 or 90), as SVG charts each with its numbers in a table
beside it. Aggregates only (bot.console.counts): no body, number or plan answer. Today is
counted live and marked "so far". Owned by console-data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Response, current_app, render_template, request
from markupsafe import Markup

from bot.console import bp, charts, counts, figures
from bot.console.auth import audit, now, staff_required

LABELS = {name: label for name, label, _ in figures.OVERVIEW_COLUMNS}


@dataclass(frozen=True)
class Chart:
    """One chart and the numbers it draws: the page renders `svg`, then a table of
    `columns` (name, heading) over `rows`."""

    id: str
    title: str
    svg: Markup
    columns: list[tuple[str, str]]
    rows: list[figures.Row]
    note: str = ""


def _chart(kind: str, chart_id: str, title: str, names: list[str], rows: list[figures.Row], note: str = "",
           **options) -> Chart:
    labels = [row.day.strftime("%b %d") for row in rows]
    series = [(LABELS[name], [row.values[name] for row in rows]) for name in names]
    draw = charts.bars if kind == "bars" else charts.lines
    svg = draw(title, labels, series, chart_id=chart_id, desc=f"{title}, per day, {labels[0]} to {labels[-1]}",
               **options)
    return Chart(chart_id, title, svg, [(name, LABELS[name]) for name in names], rows, note)


def overview_charts(rows: list[figures.Row]) -> list[Chart]:
    """The Overview's charts, in page order."""
    crisis = [f"crisis_{kind}" for kind in figures.CRISIS_KINDS]
    scores = [f"score_{s}" for s in figures.SCORES]
    return [
        _chart("lines", "people", "People who texted and new people", ["people_texted", "new_people"], rows),
        _chart("lines", "consent", "Opt-ins and opt-outs", ["opt_ins", "opt_outs"], rows),
        _chart("lines", "subscribers", "Subscribers to scheduled texts", ["daily_subscribers", "quit_date_subscribers"],
               rows, note="Counted each morning for the day before; today's is now."),
        _chart("bars", "plans", "Quit plans made and changed", ["plans_made", "plans_changed"], rows),
        _chart("lines", "texts", "Texts in and out", ["texts_in", "texts_out"], rows,
               note="Texts out are replies plus scheduled texts sent."),
        _chart("bars", "crisis", "Crisis replies by kind", crisis, rows),
        _chart("bars", "slips", "Slips", ["slips"], rows),
        _chart("bars", "scores", "Check-in scores (1 really hard to 5 good)", scores, rows),
        _chart("lines", "trend", "Mean check-in score", ["checkin_mean"], rows, top=5),
    ]


def _window(days: int):
    steady = current_app.extensions["steady"]
    at = now()
    found = counts.window(steady.store, days, at, before=counts.COHORT_DAYS)
    rows = figures.overview_rows(found.counts, found.days, at.date())
    return at, found, rows


@bp.route("/")
@bp.route("")
@staff_required
def overview():
    days = figures.choose_range(request.args.get("days"))
    at, found, rows = _window(days)
    totals = {name: sum(row.values[name] or 0 for row in rows) for name, _, _ in figures.OVERVIEW_COLUMNS
              if name not in ("daily_subscribers", "quit_date_subscribers", "checkin_mean")}
    retention = figures.quit_retention(found.counts, found.days, at.date() - timedelta(days=1))
    retention_svg = charts.bars(
        "Quit program: still getting texts at day N (%)", [f"Day {r.day}" for r in retention],
        [("% still in", [r.percent for r in retention])], chart_id="retention",
        desc="Share of people whose quit-day text went who still got their day-N text")
    return render_template(
        "console/overview.html", days=days, ranges=figures.RANGES, rows=rows, charts=overview_charts(rows),
        totals=totals, labels=LABELS, today=at.date(), live=sorted(found.live), now=at,
        current=rows[-1].values, retention=retention, retention_svg=retention_svg)


@bp.route("/overview.csv")
@staff_required
def overview_csv():
    days = figures.choose_range(request.args.get("days"))
    at, found, rows = _window(days)
    audit(f"export overview.csv days={days}")
    name = f"steady-overview-{found.first.isoformat()}-to-{found.last.isoformat()}.csv"
    return Response(figures.csv_text(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

