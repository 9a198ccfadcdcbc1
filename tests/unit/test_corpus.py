"""The labelled examples: checked at load like the rest of content, big enough, honest."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import content
from flows import intents
from flows.content import ContentError
from flows.corpus import CRISIS_KINDS, CRISIS_TOPICS, build_corpus, RawExample
from tests.understanding import CONTENT

CORPUS = CONTENT.examples


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_the_shipped_corpus_is_as_big_as_promised():
    counts = Counter(e.label for e in CORPUS.intents)
    negatives = [e for e in CORPUS.intents if e.category != "everyday"]
    assert len(CORPUS.crisis) + len(negatives) >= 2500      # crisis-labelled: positives and hard negatives
    for intent in intents.CLASSIFIED:
        assert counts[intent] >= 60, intent
    for intent in ("craving", "slip", "plan", "withdrawal", "treatment", "support", "help"):
        assert counts[intent] >= 150, intent
    kinds = Counter(e.kind for e in CORPUS.crisis)
    assert all(kinds[kind] >= 100 for kind in CRISIS_KINDS)
    topics = Counter(e.label for e in CORPUS.followups)
    assert all(topics[topic] >= 25 for topic in CRISIS_TOPICS)


def test_the_corpus_has_every_category_the_issue_names():
    categories = {(e.kind, e.category) for e in CORPUS.crisis}
    for wanted in [("suicide", "means"), ("suicide", "overdose_on_purpose"), ("suicide", "passive"),
                   ("overdose_self", "physical_danger"), ("call_for_help", "plain"), ("violence", "partner"),
                   ("suicide", "two_sentences"), ("suicide", "spanish")]:
        assert wanted in categories
    negative = {e.category for e in CORPUS.intents}
    assert {"idioms", "past_history", "questions", "negation_and_safe", "devices_and_objects"} <= negative


def test_a_bare_carrier_keyword_is_never_a_crisis_example():
    # HELP, STOP, START get the answers carriers require: they cannot be taught as crises.
    bare = {e.text.strip("!?. ").lower() for e in CORPUS.crisis}
    assert not bare & {"help", "info", "stop", "start"}


def test_an_unknown_intent_is_refused_with_file_and_line(tmp_path):
    write(tmp_path, "intents.yaml", 'craving:\n  - "want to use"\ncravings:\n  - "urge"\n')
    with pytest.raises(ContentError) as caught:
        content.load_examples(tmp_path)
    assert caught.value.file == "examples/intents.yaml" and caught.value.key == "line 4"
    assert "unknown intent 'cravings'" in caught.value.problem


def test_an_unknown_crisis_kind_is_refused(tmp_path):
    write(tmp_path, "crisis_x.yaml", 'suicidal:\n  explicit:\n    - "i want to die"\n')
    with pytest.raises(ContentError, match="unknown crisis kind 'suicidal'"):
        content.load_examples(tmp_path)


def test_the_same_text_twice_is_refused(tmp_path):
    write(tmp_path, "intents.yaml", 'craving:\n  - "want to use"\n  - "Want to use!!"\n')
    with pytest.raises(ContentError) as caught:
        content.load_examples(tmp_path)
    assert caught.value.key == "line 3" and "already listed at examples/intents.yaml:2" in caught.value.problem


def test_the_same_text_under_two_labels_is_refused_across_files(tmp_path):
    write(tmp_path, "intents.yaml", 'feeling:\n  - "so tired of everything"\n')
    write(tmp_path, "crisis_a.yaml", 'suicide:\n  passive:\n    - "so tired of everything"\n')
    with pytest.raises(ContentError) as caught:
        content.load_examples(tmp_path)
    assert "a text has one label" in caught.value.problem and "crisis (suicide)" in caught.value.problem


def test_a_text_that_is_not_a_plain_line_is_refused(tmp_path):
    write(tmp_path, "intents.yaml", 'craving:\n  - text: "want to use"\n')
    with pytest.raises(ContentError, match="one text on one line"):
        content.load_examples(tmp_path)


def test_a_file_with_an_unknown_name_is_refused():
    with pytest.raises(ContentError, match="not an examples file"):
        build_corpus([RawExample("examples/misc.yaml", 1, ("craving",), "x")])


def test_a_missing_label_is_refused():
    raws = [RawExample("examples/intents.yaml", 2, ("craving",), "want to use")]
    with pytest.raises(ContentError, match="has no examples"):
        build_corpus(raws, required=("craving", "plan"))


def test_every_crisis_topic_and_kind_has_its_reply():
    assert set(CONTENT.crisis_kinds) == set(CRISIS_KINDS)
    assert set(CONTENT.crisis_topics) == set(CRISIS_TOPICS)


def test_an_example_takes_its_language_from_its_file_name():
    raws = [RawExample("examples/intents.yaml", 2, ("craving",), "want to use"),
            RawExample("examples/intents_es.yaml", 2, ("craving",), "tengo ganas de usar"),
            RawExample("examples/crisis_es.yaml", 3, ("suicide", "explicit"), "me quiero morir"),
            RawExample("examples/not_crisis_everyday_es.yaml", 3, ("idioms", "feeling"), "me muero de hambre"),
            RawExample("examples/answers_es.yaml", 2, ("yes",), "si ya paso")]
    language = {e.text: e.language for e in build_corpus(raws).examples}
    assert language == {"want to use": "en", "tengo ganas de usar": "es", "me quiero morir": "es",
                        "me muero de hambre": "es", "si ya paso": "es"}


def test_a_name_merely_containing_es_is_english():
    from flows.corpus import language_of

    assert language_of("examples/not_crisis_messages.yaml") == "en"
    assert language_of("examples/crisis_es.yaml") == "es"
    assert language_of("crisis_followup_more_es.yaml") == "es"


def test_the_shipped_corpus_has_both_languages_and_no_spanish_file_by_the_old_name():
    assert {e.language for e in CORPUS.examples} == {"en", "es"}
    assert not [e.file for e in CORPUS.examples if "spanish" in e.file]
