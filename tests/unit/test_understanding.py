"""Understanding: the pure scorer agrees with scikit-learn, rules and model decide crisis
together, and the readings the engine relies on (kind, sure, language, intent) hold."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.understanding import train
from flows import intents
from flows.classifier import features
from flows.corpus import Corpus
from flows.language import guess_language
from flows.message import Message
from flows.understand import Thresholds, Understanding
from tests.understanding import CONTENT, MATCHER, UNDERSTANDING

U = UNDERSTANDING


def test_the_pure_vectorizer_matches_scikit_learn_exactly():
    sample = CONTENT.examples.examples[::20]
    texts = [e.text for e in sample]
    tfidf = TfidfVectorizer(analyzer=features, sublinear_tf=True, norm="l2")
    matrix = tfidf.fit_transform(texts).toarray()
    small = train(Corpus(sample))
    assert small.models.vectorizer.vocabulary == {k: int(v) for k, v in tfidf.vocabulary_.items()}
    for row, text in zip(matrix[:50], texts[:50]):
        vector = small.models.vectorizer.vector(text)
        dense = np.zeros(len(tfidf.vocabulary_))
        dense[vector.index] = vector.value
        assert np.allclose(dense, row)


def test_words_after_a_negator_are_marked_and_pairs_one_apart_are_features():
    named = features("not thinking about hurting myself")
    assert {"x:not_thinking", "x:not_about", "x:not_hurting"} <= set(named)
    assert "x:not_myself" not in named          # three words of scope, no more
    assert "s:took _ pill" in features("took all pills")   # plurals folded
    assert not any(f.startswith("x:") for f in features("thinking about hurting myself"))


def test_training_is_deterministic():
    subset = Corpus(CONTENT.examples.examples[::7])
    first, second = train(subset).models, train(subset).models
    assert first.main.labels == second.main.labels
    assert np.array_equal(first.main.weights, second.main.weights)
    assert np.array_equal(first.topic.weights, second.topic.weights)


def test_every_classified_intent_and_crisis_kind_is_a_label_of_the_model():
    labels = set(U.models.main.labels)
    assert set(intents.CLASSIFIED) <= labels
    assert {f"crisis:{k}" for k in ("overdose_other", "overdose_self", "suicide", "violence", "call_for_help")} <= labels


@pytest.mark.parametrize(("text", "kind"), [
    ("my boyfriend isnt breathing and his lips are blue", "overdose_other"),
    ("i think i took way too much, my chest is tight", "overdose_self"),
    ("i want to kill myself tonight", "suicide"),
    ("got the rope ready in the garage", "suicide"),
    ("my husband is hitting me and says hell kill me", "violence"),
    ("SOS", "call_for_help"),
])
def test_crisis_texts_get_their_kind(text, kind):
    reading = U.crisis(Message.of(text))
    assert reading is not None and reading.kind == kind


def test_a_danger_sentence_after_an_ordinary_one_is_a_crisis():
    reading = U.crisis(Message.of("can you send me meetings. also i swallowed a bunch of my xanax"))
    assert reading is not None and reading.kind == "overdose_self"
    assert reading.part == "also i swallowed a bunch of my xanax" or "xanax" in reading.part


@pytest.mark.parametrize("text", [
    "im dying my hair",
    "these tacos are to die for",
    "me muero de hambre",
    "i overdosed in 2019 and thats why i want to quit",
    "my phone is dying lol",
    "this craving is killing me",
    "what are the signs of an overdose",
])
def test_hard_negatives_are_not_a_crisis(text):
    assert U.crisis(Message.of(text)) is None


def test_a_strong_rule_always_counts_and_is_sure_unless_the_model_nearly_certainly_disagrees():
    strict = Understanding(U.models, MATCHER, Thresholds(crisis=1.01, sure=1.01))
    reading = strict.crisis(Message.of("i want to kill myself"))
    assert reading is not None and reading.sure and reading.rule == "kill_self"
    doubting = Understanding(U.models, MATCHER, Thresholds(crisis=1.01, sure=1.01, veto=1.01))
    reading = doubting.crisis(Message.of("i want to kill myself"))
    assert reading is not None and not reading.sure


def test_me_muero_de_sueno_is_an_idiom_and_me_quiero_morir_is_a_crisis():
    assert U.crisis(Message.of("me muero de sueno jaja")) is None
    assert U.crisis(Message.of("me quiero morir")).kind == "suicide"


def test_a_weak_rule_is_overruled_when_the_model_is_sure_it_is_not_a_crisis():
    lenient = Understanding(U.models, MATCHER, Thresholds(veto=0.99))
    assert lenient.crisis(Message.of("i overdosed in 2019 and thats why i want to quit")) is None
    keen = Understanding(U.models, MATCHER, Thresholds(veto=0.0, sure=1.01))
    reading = keen.crisis(Message.of("i overdosed in 2019 and thats why i want to quit"))
    assert reading is not None and not reading.sure


def test_rules_only_ignores_the_model():
    assert U.crisis(Message.of("SOS"), rules_only=True) is None
    assert U.crisis(Message.of("i want to kill myself"), rules_only=True) is not None


@pytest.mark.parametrize(("text", "language"), [
    ("me corte otra vez", "es"), ("mi novio no respira", "es"), ("quiero dormir y no despertar", "es"),
    ("no", "en"), ("hola", "en"), ("i want to die", "en"), ("me", "en"),
])
def test_spanish_is_recognised_but_never_from_one_ambiguous_word(text, language):
    assert guess_language(text) == language


@pytest.mark.parametrize(("text", "intent"), [
    ("CRAVING", intents.CRAVING),
    ("TIME 7pm", intents.DAILY_TIME),
    ("ZONE Pacific", intents.DAILY_ZONE),
    ("encouragement only", intents.DAILY_KINDS),
    ("cancel my daily texts", intents.DAILY_OFF),
    ("daily texts off please", intents.DAILY_OFF),
    ("who is this", intents.ABOUT),
    ("where can i get narcan", intents.NALOXONE),
    ("im pregnant and still using", intents.PREGNANCY),
    ("how many mg of methadone should i start on", intents.DOSING),
    ("been on methadone 3 years and want to taper off", intents.MEDICATION),
    ("relapsed after a month", intents.SLIP),
    ("thank you", intents.THANKS),
])
def test_everyday_texts_get_their_intent(text, intent):
    assert U.intent(Message.of(text)).intent == intent


def test_a_text_with_no_letters_is_not_guessed_at():
    assert U.intent(Message.of("4")).intent is None
    assert U.intent(Message.of("???")).intent is None


def test_topics_and_answers_are_read_and_everyday_texts_are_neither():
    assert U.topic(Message.of("i dont have any narcan"))[0] == "no_naloxone"
    assert U.topic(Message.of("ok the ambulance is on the way"))[0] == "help_coming"
    assert U.answer(Message.of("yeah it passed"))[0] == "yes"
    assert U.answer(Message.of("not yet its still bad"))[0] == "no"
    assert U.answer(Message.of("where can i find an na meeting"))[0] is None


@pytest.mark.parametrize("text", ["si", "Sí", "si por favor", "si quiero", "si claro", "pues si"])
def test_a_bare_yes_in_spanish_is_no_crisis(text):
    """"si" shares letters with many Spanish crisis examples ("si me muero"): alone, or
    with "please", it read as suicide or a call for help before the corpus had it."""
    assert U.crisis(Message.of(text)) is None


@pytest.mark.parametrize("text", ["si", "si claro", "sip", "pues si"])
def test_a_bare_yes_in_spanish_answers_a_check_in(text):
    """The same words are everyday thanks and a check-in's yes: the answer model is not
    taught its own examples as "something else" (bot.understanding._other_than)."""
    assert U.answer(Message.of(text))[0] == "yes"
