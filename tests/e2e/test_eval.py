"""`steady eval` in CI: cross-validated understanding must not fall under its floors, and
the held-out file (never trained on) is read by a model trained on the whole corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.evaluation import FLOORS, GOALS, cross_validate, evaluate_on, load_heldout
from tests.understanding import CONTENT, MATCHER

HELDOUT = Path(__file__).parent.parent / "data" / "heldout.yaml"


@pytest.fixture(scope="module")
def report():
    return cross_validate(CONTENT.examples, MATCHER, folds=5)


def test_cross_validated_understanding_stays_above_its_floors(report):
    assert report.failures() == []
    lines = "\n".join(report.lines())
    assert "recall by kind / category" in lines and "false alarms by category" in lines
    assert "most common confusions" in lines


def test_the_floors_never_exceed_the_goals():
    assert all(FLOORS[name] <= GOALS[name] for name in GOALS)


def test_crisis_mode_topics_and_check_in_answers_are_measured_too(report):
    assert len(report.topics) == len(CONTENT.examples.followups)
    # Topics are close to one another ("no one to call" / "don't want to call"); a wrong or
    # missed topic still gets a crisis answer. Measured 0.43 on 2026-12-01.
    assert report.topic_accuracy >= 0.40
    # A missed answer is read as an ordinary text instead (measured 0.57 on 2026-12-01).
    assert report.answer_accuracy >= 0.52


def test_the_held_out_file_is_read_honestly():
    held = load_heldout(HELDOUT)
    result = evaluate_on(CONTENT.examples, MATCHER, held)
    # Both sets were written from the same brief, so common short texts ("SOS", "can you
    # help me") turn up in both: those are left out of the figures (74 of 814 today).
    assert result.in_corpus <= 0.10 * len(held)
    assert len(result.predictions) + result.in_corpus == len(held)
    # Measured on 2026-12-01: recall 0.987, precision 0.889, intent accuracy 0.91.
    assert result.crisis_recall >= 0.98 and result.crisis_precision >= 0.85 and result.intent_accuracy >= 0.87


def test_steady_eval_prints_json_figures_and_exits_zero_above_the_floors(runner):
    result = runner.invoke(main, ["eval", "--folds", "2", "--json", "--no-floors"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures["cross_validation"]) >= {"crisis_recall", "crisis_precision", "intent_accuracy"}
    by_language = figures["cross_validation"]["by_language"]
    assert set(by_language) == {"en", "es"}
    assert by_language["es"]["examples"] + by_language["en"]["examples"] == figures["cross_validation"]["examples"]


def test_steady_eval_language_prints_the_spanish_detail_and_the_table_of_all(runner):
    result = runner.invoke(main, ["eval", "--folds", "2", "--language", "es", "--no-floors", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "(es texts only)" in result.output.splitlines()[0]
    table = result.output[result.output.index("by language:"):].splitlines()
    assert table[0].split()[-3:] == ["all", "en", "es"]
    assert any(line.strip().startswith("crisis recall") for line in table)


def test_steady_eval_prints_one_language_in_detail_and_the_table_of_all(report):
    from bot.evaluation import Report

    spanish = report.only("es")
    assert spanish.predictions and all(p.example.language == "es" for p in spanish.predictions)
    assert isinstance(spanish, Report) and spanish.topics and spanish.answers
    table = "\n".join(report.language_lines())
    assert "crisis recall" in table and table.splitlines()[0].split()[-3:] == ["all", "en", "es"]


def test_steady_explain_names_the_kind_the_score_and_the_closest_examples(runner):
    result = runner.invoke(main, ["explain", "--json", "my friend isnt breathing and his lips are blue"])
    assert result.exit_code == 0, result.output
    explained = json.loads(result.output)
    assert explained["intent"] == "crisis" and explained["crisis"]["kind"] == "overdose_other"
    assert explained["nearest_examples"][0]["label"].startswith("crisis:")


def test_chat_json_names_the_crisis_kind_and_the_crisis_mode_topic(tmp_path, runner):
    env = {"STEADY_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "", "STEADY_LOG_LEVEL": "WARNING"}
    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    result = runner.invoke(
        main, ["chat", "--json"], input="my friend isnt breathing\ni dont have narcan\n", env=env,
    )
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.strip().splitlines()[-2:])
    assert (first["intent"], first["detail"]) == ("crisis", "overdose_other")
    assert (second["intent"], second["detail"]) == ("crisis_followup", "no_naloxone")
