"""Training: the labelled examples in content/examples/ become the models `flows` reads.

scikit-learn does the learning (TF-IDF over `flows.classifier.features`, linear
SVMs); what comes out is plain arrays in `flows.classifier` objects, so the
engine never trains, never loads a file and never imports scikit-learn. Training is
deterministic (liblinear with a fixed random_state and the data in file order).

All three models are linear SVMs, one-vs-rest (liblinear): they trained in a fraction of
the time of logistic regression and separated crises from hard negatives better on this
corpus (`steady eval`). Their margins go through a softmax with `SVM_TEMPERATURE` to
give scores between 0 and 1 that the thresholds in flows.understand are set on. The main
model is the average of two SVMs, one over every feature and one over the word features
alone (`_fit_with_words`). Tried on 2026-12-07 and not kept (no gain beyond the fold-seed
noise in `steady eval`): logistic regression (C 10-100, and 20 times slower), class
weights (balanced, crisis x0.7 or x1.5), Crammer-Singer multi-class, C 0.7, character
n-grams weighted 0.5, 0.7 or 1.4 against words, an NB-SVM crisis-or-not model beside the
joint one (averaged, geometric mean, or alone), word triples.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.db import private_folder
from flows.classifier import LinearModel, Vectorizer, features
from flows.corpus import Corpus, Example, key_of
from flows.understand import CRISIS_PREFIX, OTHER, Models

__all__ = ["train", "Trained", "models_for", "fingerprint"]

log = logging.getLogger(__name__)

# Regularisation strengths, chosen by cross-validation on the corpus (`steady eval`):
# stronger fits (larger C) learned the wording of single examples.
MAIN_C = 1.0
TOPIC_C = 1.0
ANSWER_C = 1.0
SVM_TEMPERATURE = 4.0
# Bump when features or training change, so a cached model is never reused wrongly.
VERSION = "6"
LANGUAGE_C = 1.0


@dataclass(frozen=True)
class Trained:
    """The models, and what `steady explain` needs to name the examples behind a decision."""

    models: Models
    texts: tuple[str, ...]
    matrix: object             # scipy sparse rows of `texts`, for nearest examples
    examples: tuple[Example, ...]


def main_label(example: Example) -> str:
    """The main model's label: "crisis:<kind>" or the intent."""
    return f"{CRISIS_PREFIX}{example.kind}" if example.group == "crisis" else example.label


def _analyzer(text: str) -> list[str]:
    return features(text)


def _fit(x, labels: Sequence[str], c: float, balanced: bool = False) -> LinearModel:
    model = LinearSVC(C=c, random_state=0, max_iter=5000, class_weight="balanced" if balanced else None)
    model.fit(x, np.asarray(labels))
    classes = tuple(str(c) for c in model.classes_)
    if len(classes) == 2:   # sklearn keeps one column for two classes
        weights = np.hstack([-model.coef_.T, model.coef_.T]) / 2
        intercept = np.asarray([-model.intercept_[0], model.intercept_[0]]) / 2
        return LinearModel(classes, np.ascontiguousarray(weights, dtype=np.float32), intercept, SVM_TEMPERATURE)
    # float32 weights: half the memory in every worker, and scores that agree to 1e-6.
    return LinearModel(classes, np.ascontiguousarray(model.coef_.T, dtype=np.float32),
                       model.intercept_.copy(), SVM_TEMPERATURE)


def _word_columns(vocabulary: dict, size: int) -> np.ndarray:
    """1.0 for every feature but the character n-grams, 0.0 for those."""
    mask = np.ones(size)
    for feature, column in vocabulary.items():
        if feature.startswith("c:"):
            mask[column] = 0.0
    return mask


def _fit_with_words(x, labels: Sequence[str], c: float, words: np.ndarray) -> LinearModel:
    """The average of a model over every feature and one over the word features alone.

    Both are linear over the same vector, so their average is one linear model: no cost
    when reading a text. The word-only half keeps a text's wording from being outvoted by
    its letters ("cut the cord" is not "cut myself"). Cross-validated (`steady eval`,
    2026-12-07, fold seeds 0 and 1): intent accuracy 0.852 -> 0.858 and 0.851 -> 0.859,
    crisis false alarms at equal recall within the seed-to-seed noise either way.
    """
    full = _fit(x, labels, c)
    alone = _fit(x @ sparse.diags(words), labels, c)
    return LinearModel(full.labels, np.ascontiguousarray((full.weights + alone.weights) / 2, dtype=np.float32),
                       (full.intercept + alone.intercept) / 2, full.temperature)


def _other_than(own: Sequence[Example], everyday: Sequence[Example]) -> list[Example]:
    """The everyday examples that read differently from every one of `own`."""
    taken = {key_of(e.text) for e in own}
    return [e for e in everyday if key_of(e.text) not in taken]


def train(corpus: Corpus, examples: Sequence[Example] | None = None) -> Trained:
    """Fit every model on `examples` (default: the whole corpus)."""
    examples = tuple(corpus.examples if examples is None else examples)
    crisis = [e for e in examples if e.group == "crisis"]
    everyday = [e for e in examples if e.group == "intent"]
    followups = [e for e in examples if e.group == "followup"]
    answers = [e for e in examples if e.group == "answer"]

    tfidf = TfidfVectorizer(analyzer=_analyzer, sublinear_tf=True, norm="l2", dtype=np.float64)
    all_texts = [e.text for e in examples]
    matrix = tfidf.fit_transform(all_texts).tocsr()
    row = {id(e): i for i, e in enumerate(examples)}

    def rows(group):
        return matrix[[row[id(e)] for e in group]]

    # One model for crisis kinds and everyday intents together: each kind of crisis gets
    # its own boundary against everything else, which separates far better than one
    # crisis-or-not boundary around texts as different as an overdose and a threat.
    understood = crisis + everyday
    main_model = _fit_with_words(rows(understood), [main_label(e) for e in understood], MAIN_C,
                                 _word_columns(tfidf.vocabulary_, matrix.shape[1]))
    # Follow-ups and answers learn against everyday texts as "something else", so an
    # unrelated text in crisis mode or after a check-in is not forced into a topic. The
    # classes are weighted to balance: they are only asked right after Steady's own
    # question, when an answer is what to expect, and the everyday texts outnumber
    # the answers seven to one.
    # An everyday text that is also one of the model's own examples ("si": thanks in
    # everyday Spanish, yes after a check-in) is not "something else" to it.
    topic_other = _other_than(followups, everyday)
    answer_other = _other_than(answers, everyday)
    topic_model = _fit(rows(followups + topic_other), [e.label for e in followups] + [OTHER] * len(topic_other),
                       TOPIC_C, balanced=True)
    answer_model = _fit(rows(answers + answer_other), [e.label for e in answers] + [OTHER] * len(answer_other),
                        ANSWER_C, balanced=True)

    vocabulary = {str(k): int(v) for k, v in tfidf.vocabulary_.items()}
    names = [""] * len(vocabulary)
    for feature, column in vocabulary.items():
        names[column] = feature
    language_vectorizer, language_model = train_language(examples)
    models = Models(
        vectorizer=Vectorizer(vocabulary, tfidf.idf_.copy()),
        main=main_model, topic=topic_model, answer=answer_model,
        feature_names=tuple(names),
        language=language_model, language_vectorizer=language_vectorizer,
    )
    return Trained(models, tuple(all_texts), matrix, examples)


# --- the language a text is written in (issue 13) -----------------------------------------

def _letters(text: str) -> list[str]:
    """The character 3-5-grams of `flows.classifier.features` alone: how a language spells,
    not which words the corpus happens to use for each intent."""
    return [feature for feature in features(text) if feature.startswith("c:")]


def language_label(example: Example) -> str:
    """The example's language: `Example.language` (from its file name: `_es` is Spanish)."""
    return getattr(example, "language", "") or "en"


def train_language(examples: Sequence[Example]) -> tuple[Vectorizer, LinearModel]:
    """A linear SVM over character n-grams telling Spanish from English, trained on the
    corpus by each example's language. Classes balanced: English examples outnumber
    Spanish ones several times, and a Spanish text must not be pulled to English."""
    tfidf = TfidfVectorizer(analyzer=_letters, sublinear_tf=True, norm="l2", dtype=np.float64)
    matrix = tfidf.fit_transform([e.text for e in examples])
    model = _fit(matrix, [language_label(e) for e in examples], LANGUAGE_C, balanced=True)
    vocabulary = {str(k): int(v) for k, v in tfidf.vocabulary_.items()}
    return Vectorizer(vocabulary, tfidf.idf_.copy()), model


# --- built once per process, cached on disk by a hash of the examples ---------------------

_MEMORY: dict[str, Models] = {}


def fingerprint(corpus: Corpus) -> str:
    """A hash of everything training depends on: the examples, their labels, the version."""
    digest = hashlib.sha256(f"{VERSION}|{MAIN_C}|{TOPIC_C}|{ANSWER_C}|{SVM_TEMPERATURE}|{LANGUAGE_C}".encode())
    for e in corpus.examples:
        digest.update(f"\x1e{e.group}\x1f{e.label}\x1f{e.kind}\x1f{language_label(e)}\x1f{e.text}".encode())
    return digest.hexdigest()[:24]


def _save(models: Models, path: Path) -> None:
    arrays = {"idf": models.vectorizer.idf}
    meta = {"features": list(models.feature_names)}
    for name in ("main", "topic", "answer", "language"):
        model: LinearModel = getattr(models, name)
        arrays[f"{name}_w"] = model.weights
        arrays[f"{name}_b"] = model.intercept
        meta[name] = {"labels": list(model.labels), "temperature": model.temperature}
    arrays["language_idf"] = models.language_vectorizer.idf
    meta["language_features"] = sorted(models.language_vectorizer.vocabulary, key=models.language_vectorizer.vocabulary.get)
    private_folder(path.parent)       # the models are built from people-like texts: private too
    partial = path.with_suffix(".tmp.npz")
    np.savez(partial, meta=np.asarray(json.dumps(meta)), **arrays)
    os.replace(partial, path)     # another worker never reads a half-written file


def _load(path: Path) -> Models | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            names = tuple(meta["features"])
            built = {
                name: LinearModel(tuple(meta[name]["labels"]), data[f"{name}_w"], data[f"{name}_b"],
                                  float(meta[name]["temperature"]))
                for name in ("main", "topic", "answer", "language")
            }
            vectorizer = Vectorizer({feature: i for i, feature in enumerate(names)}, data["idf"])
            language_vectorizer = Vectorizer({feature: i for i, feature in enumerate(meta["language_features"])},
                                             data["language_idf"])
    except (OSError, ValueError, KeyError):
        return None
    return Models(vectorizer=vectorizer, feature_names=names, language_vectorizer=language_vectorizer, **built)


def models_for(corpus: Corpus, cache_dir: str | Path | None = None) -> Models:
    """The trained models for this corpus: from memory, from the disk cache, or trained now
    (and then cached). A changed example changes the hash, so stale models are never used."""
    key = fingerprint(corpus)
    models = _MEMORY.get(key)
    if models is not None:
        return models
    path = Path(cache_dir) / f"understanding-{key}.npz" if cache_dir else None
    if path is not None and path.exists():
        models = _load(path)
        if models is not None:
            log.info("understanding: models loaded from the cache (%s)", key)
    if models is None:
        started = time.perf_counter()
        models = train(corpus).models
        log.info("understanding: models trained on %d examples in %.1f s", len(corpus.examples),
                 time.perf_counter() - started)
        if path is not None:
            try:
                _save(models, path)
            except OSError as exc:
                log.warning("understanding: could not cache the models (%s)", exc.strerror or exc)
    _MEMORY[key] = models
    return models


def evaluate_language(corpus: Corpus, folds: int = 5, seed: int = 0,
                      thresholds: Sequence[float] = (0.5, 0.8, 0.9, 0.95)) -> dict:
    """Cross-validated figures of the language model (`Understanding.language_of`'s rules
    included): accuracy and how many texts are left unsure, by language and for short
    texts (2-3 words), at each threshold. For the notes and `steady eval`."""
    from sklearn.model_selection import StratifiedKFold

    from flows.message import Message
    from flows.understand import language_readable

    examples = list(corpus.examples)
    labels = [language_label(e) for e in examples]
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted: list[tuple[str, float] | None] = [None] * len(examples)
    for train_rows, test_rows in split.split(examples, labels):
        vectorizer, model = train_language([examples[i] for i in train_rows])
        for i in test_rows:
            message = Message.of(examples[i].text)
            if not language_readable(message):
                continue
            predicted[i] = model.best(vectorizer.vector(message))
    figures: dict = {}
    for threshold in thresholds:
        rows = {}
        for group in ("en", "es", "short en", "short es"):
            language = group.split()[-1]
            chosen = [i for i, e in enumerate(examples) if labels[i] == language
                      and (not group.startswith("short") or 2 <= len(Message.of(e.text).words) <= 3)]
            said = [predicted[i] if predicted[i] and predicted[i][1] >= threshold else None for i in chosen]
            read = [p for p in said if p is not None]
            right = sum(1 for i, p in zip(chosen, said) if p is not None and p[0] == language)
            wrong = len(read) - right
            rows[group] = {"texts": len(chosen), "right": right, "wrong": wrong,
                           "unsure": len(chosen) - len(read)}
        figures[threshold] = rows
    return figures
