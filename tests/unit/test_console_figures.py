"""The console's pure figures (bot/console/figures.py) and SVG charts (bot/console/charts.py)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from bot.console import charts, figures
from flows.retention_days import program_day

D1, D2 = date(2026, 12, 1), date(2026, 12, 2)
SVG = "{http://www.w3.org/2000/svg}"


def test_the_range_is_one_of_7_30_90_else_30():
    assert [figures.choose_range(raw) for raw in ("7", "30", "90", "365", "x", None, "")] == [7, 30, 90, 30, 30, 30, 30]


def test_overview_rows_add_up_each_column_by_its_rule():
    counts = {(D1, "texts_in", "slip"): 2, (D1, "texts_in", "craving"): 3, (D1, "replies", "craving"): 3,
              (D1, "outbox", "sent"): 4, (D1, "checkin_scores", "1"): 1, (D1, "checkin_scores", "4"): 2,
              (D1, "crisis_kinds", "suicide"): 1, (D1, "plans", "made"): 5, (D2, "people", "daily"): 0}
    first, second = figures.overview_rows(counts, [D1, D2], live_today=D2)
    assert (first.values["texts_in"], first.values["texts_out"], first.values["slips"]) == (5, 7, 2)
    assert first.values["checkin_mean"] == 3.0 and first.values["score_4"] == 2
    assert first.values["crisis_replies"] == 1 and first.values["crisis_suicide"] == 1
    assert first.values["plans_made"] == 5
    assert first.values["daily_subscribers"] is None          # no snapshot that day
    assert second.values["daily_subscribers"] == 0 and second.values["checkin_mean"] is None
    assert (first.so_far, second.so_far) == (False, True)


def test_the_csv_has_a_header_and_one_row_a_day_blank_for_no_value():
    rows = figures.overview_rows({(D1, "people_texted", ""): 3}, [D1, D2], live_today=D2)
    table = list(csv.reader(io.StringIO(figures.csv_text(rows))))
    assert table[0][:3] == ["day", "so_far", "people_texted"] and len(table) == 3
    assert table[1][:3] == ["2026-12-01", "no", "3"] and table[2][:3] == ["2026-12-02", "yes", "0"]
    assert table[1][table[0].index("checkin_mean")] == ""


def test_quit_retention_follows_each_cohort_n_days_on():
    days = [D1 + timedelta(days=n) for n in range(10)]
    counts = {(d - timedelta(days=7), "quit_day", "0"): 4 for d in days}
    counts.update({(d, "quit_day", "7"): 3 for d in days[:5]})
    counts[(days[9], "quit_day", "7")] = 50                # after final_through: not counted
    day7 = next(r for r in figures.quit_retention(counts, days, days[8]) if r.day == 7)
    assert (day7.started, day7.still, day7.percent) == (36, 15, 41.7)
    assert figures.Retention(30, 0, 0).percent is None


def test_program_day_is_the_slot_minus_the_quit_date_when_a_program_day():
    assert program_day("2026-12-08", "2026-12-01") == 7
    assert program_day("2026-11-28", "2026-12-01") == -3
    assert program_day("2026-12-06", "2026-12-01") is None       # day 5 is not a program day
    assert program_day("2026-12-06", None) is None and program_day("x", "2026-12-01") is None


def test_failure_share_counts_failed_and_undelivered_over_sends():
    rows = figures.delivery_rows({(D1, "outbox", "sent"): 95, (D1, "outbox", "failed"): 5,
                                  (D1, "outbox_delivery", "undelivered"): 1, (D2, "outbox", "sent"): 100,
                                  (D2, "outbox_delivery", "undelivered"): 5}, [D1, D2], None)
    assert figures.failure_share(rows[0]) == 0.06 and figures.failure_share(rows[1]) == 0.05
    assert figures.failing_days(rows) == [rows[0]]                # 5% exactly is not over
    assert figures.failure_share(figures.delivery_rows({}, [D1], None)[0]) is None


def test_reasons_name_twilio_codes_and_ours_most_first():
    found = figures.reasons({(D1, "outbox_reason", "failed:30006"): 2, (D1, "outbox_reason", "cancelled:quiet_hours"): 5,
                             (D2, "outbox_error", "30003"): 1, (D2, "outbox_reason", "failed:99999"): 1,
                             (date(2020, 1, 1), "outbox_reason", "failed:30006"): 9}, [D1, D2])
    assert [(r.status, r.reason, r.count) for r in found] == [
        ("cancelled", "quiet_hours", 5), ("failed", "30006", 2), ("failed", "99999", 1), ("undelivered", "30003", 1)]
    assert "landline" in found[1].meaning.lower() and "twilio.com/docs/api/errors/99999" in found[2].meaning
    for code in ("21610", "30003", "30005", "30006", "30007", "30008", "63016", "21211", "21614"):
        assert figures.TWILIO_ERRORS[code]


def test_a_bar_chart_is_an_accessible_svg_with_a_bar_per_value():
    svg = str(charts.bars("Texts <in>", ["a", "b", "c"], [("x", [1, 0, None]), ("y", [2, 3, 4])], chart_id="t"))
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "t-title t-desc"
    assert root.find(f"{SVG}title").text == "Texts <in>"                    # escaped in, parsed out
    bars = [r for r in root.iter(f"{SVG}rect") if float(r.get("width")) > 10]
    assert len(bars) == 4                                                     # 0 and None draw nothing
    assert "style" not in svg and "<script" not in svg


def test_a_line_chart_breaks_at_a_missing_day_and_dots_a_lone_value():
    svg = str(charts.lines("Mean", ["a", "b", "c", "d"], [("m", [1, 2, None, 3])], chart_id="m", top=5))
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{SVG}polyline"))) == 1 and len(list(root.iter(f"{SVG}circle"))) == 1
    assert [t.text for t in root.iter(f"{SVG}text")][:6] == ["0", "1", "2", "3", "4", "5"]


def test_nice_max_rounds_up_to_1_2_5():
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 11, 450, 4999)] == [1, 1, 5, 10, 20, 500, 5000]
