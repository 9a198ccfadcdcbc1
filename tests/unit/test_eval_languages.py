"""`steady eval` per language: every figure for all texts, English and Spanish, from
predictions made by hand (no model), so each number can be checked."""

from __future__ import annotations

from bot.evaluation import Prediction, Report, load_heldout
from flows.corpus import Example


def crisis(text: str, language: str, kind: str = "suicide") -> Example:
    return Example(text, "crisis", "crisis", kind, "explicit", "examples/crisis_x.yaml", 1, language)


def everyday(text: str, label: str, language: str) -> Example:
    return Example(text, "intent", label, "", "everyday", "examples/intents.yaml", 1, language)


def report() -> Report:
    return Report(
        predictions=[
            Prediction(crisis("i want to die", "en"), True, "suicide", True, 0.9),
            Prediction(crisis("im gonna end it", "en"), True, "suicide", True, 0.8),
            Prediction(crisis("me quiero morir", "es"), True, "overdose_self", True, 0.9),
            Prediction(crisis("ya no quiero despertar", "es"), False, intent="feeling"),
            Prediction(everyday("urge", "craving", "en"), False, intent="craving"),
            Prediction(everyday("me muero de hambre", "feeling", "es"), True, "suicide", False, 0.5, intent="feeling"),
            Prediction(everyday("se me murio el cel", "fallback", "es"), False, intent="craving"),
        ],
        topics=[(Example("no tengo narcan", "followup", "no_naloxone", language="es"), "no_naloxone"),
                (Example("no narcan", "followup", "no_naloxone", language="en"), "no_one")],
        answers=[(Example("si ya paso", "answer", "yes", language="es"), "yes")],
    )


def test_each_language_has_its_own_figures():
    figures = report().by_language()
    assert set(figures) == {"en", "es"}
    en, es = figures["en"], figures["es"]
    assert (en["crisis_recall"], en["crisis_precision"], en["intent_accuracy"]) == (1.0, 1.0, 1.0)
    assert (es["crisis_recall"], es["crisis_precision"], es["crisis_kind_accuracy"]) == (0.5, 0.5, 0.0)
    # The idiom answered as feeling, but with a crisis reply beside it, still counts as right.
    assert es["intent_accuracy"] == 0.5
    assert (en["topic_accuracy"], es["topic_accuracy"], es["answer_accuracy"]) == (0.0, 1.0, 1.0)
    assert (en["examples"], es["examples"]) == (3, 4)


def test_the_summary_keeps_the_figures_for_all_and_adds_them_by_language():
    summary = report().summary()
    assert summary["examples"] == 7 and summary["crisis_recall"] == 0.75
    assert summary["by_language"]["es"]["crisis_recall"] == 0.5


def test_the_floors_are_checked_on_all_texts_not_per_language():
    floors = {"crisis_recall": 0.7, "crisis_precision": 0.7, "intent_accuracy": 0.6}
    assert report().failures(floors) == []              # all: 0.75 / 0.75 / 0.667
    assert report().only("es").failures(floors) != []   # Spanish alone is under them


def test_the_printed_table_has_a_column_per_language():
    lines = report().language_lines()
    assert lines[0].split() == ["by", "language:", "all", "en", "es"]
    recall = next(line for line in lines if line.strip().startswith("crisis recall"))
    assert recall.split()[-3:] == ["0.750", "1.000", "0.500"]
    alarms = next(line for line in lines if line.strip().startswith("false alarms"))
    assert alarms.split()[-3:] == ["1", "0", "1"]


def test_a_language_without_texts_of_a_kind_shows_a_dash():
    only_en = Report(predictions=[Prediction(everyday("urge", "craving", "en"), False, intent="craving")])
    recall = next(line for line in only_en.language_lines() if line.strip().startswith("crisis recall"))
    assert recall.split()[-2:] == ["-", "-"]


def test_held_out_texts_take_their_language_from_the_file(tmp_path):
    path = tmp_path / "held.yaml"
    path.write_text('- text: "me quiero morir"\n  label: "crisis:suicide"\n  category: "spanish"\n'
                    '- text: "tengo ganas"\n  label: "craving"\n  category: "everyday"\n  language: "es"\n'
                    '- text: "urge"\n  label: "craving"\n  category: "everyday"\n', encoding="utf-8")
    assert [e.language for e in load_heldout(path)] == ["es", "es", "en"]
