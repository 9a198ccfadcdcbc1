"""A trained text classifier as plain data: features, TF-IDF weights and linear models.

Training happens elsewhere (`bot.understanding`, with scikit-learn); what arrives here
is the result, so the engine stays free of I/O and of any training. Scoring a text is
a few dictionary look-ups and one small matrix product per model, well under a
millisecond.

Features (`features`) are the same function at training and at run time, so the two
can never disagree: canonical words, word pairs and pairs one word apart (slang
expanded, plurals folded), words within three of a negator marked as negated,
character 3-5-grams inside word boundaries (typos: "withdrawl", "suboxen"), pictographs
(💀 after "im dead" is laughter) and a length bucket (a one-word text is a keyword).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np

from flows.matcher import canon_word
from flows.message import Message

__all__ = ["features", "Vectorizer", "LinearModel", "Vector"]


_DIGIT = re.compile(r"\d")


def _length_bucket(count: int) -> str:
    if count <= 1:
        return "len:1"
    if count <= 3:
        return "len:2-3"
    if count <= 8:
        return "len:4-8"
    return "len:9+"


@lru_cache(maxsize=65536)
def _grams(word: str) -> tuple[str, ...]:
    """Character 3-5-grams of one word, with its boundaries (" dope "). Words repeat, so cached."""
    padded = f" {word[:40]} "
    size = len(padded)
    return tuple(f"c:{padded[i:i + n]}" for n in (3, 4, 5) for i in range(size - n + 1))


def _words(message: Message) -> tuple[str, ...]:
    return message.words[:80]


# Words that turn the next few around ("not thinking about hurting myself", "no quiero
# morir" is still a crisis: the model learns which way each marked word leans).
_NEGATORS = frozenset({"not", "no", "never", "nunca", "without", "sin", "ni", "nor"})
_NEGATION_SCOPE = 3


def _negated(canon: list[str]) -> list[str]:
    """"x:not_<word>" for the words up to _NEGATION_SCOPE after a negator."""
    out: list[str] = []
    left = 0
    for word in canon:
        if word in _NEGATORS:
            left = _NEGATION_SCOPE
        elif left:
            out.append(f"x:not_{word}")
            left -= 1
    return out


def _named(message: Message, words: tuple[str, ...]) -> list[str]:
    """Every feature but the character n-grams: words, word pairs, word pairs with one
    word between ("took _ pills", "want _ die"), negated words, pictographs, a digit
    marker and the length bucket. The skip pairs and negation each cut false alarms at
    the same recall in cross-validation (`steady eval`, 2026-12-07: at recall 0.96,
    669 -> 619 false alarms together)."""
    canon: list[str] = []
    for word in words:
        canon.extend(canon_word(word))
    out = [f"w:{w}" for w in canon]
    out += [f"b:{a} {b}" for a, b in zip(canon, canon[1:])]
    out += [f"s:{a} _ {c}" for a, c in zip(canon, canon[2:])]
    out += _negated(canon)
    out += [f"e:{ch}" for ch in message.emoji]
    if _DIGIT.search(message.folded):
        out.append("n:#")
    out.append(_length_bucket(len(words)))
    return out


def features(message: Message | str) -> list[str]:
    """The features of one text, repeats kept (they are term counts)."""
    message = Message.of(message)
    words = _words(message)
    out = _named(message, words)
    for word in words:
        out += _grams(word)
    return out


@dataclass(frozen=True)
class Vector:
    """A sparse, L2-normalised TF-IDF vector: column indices and their values."""

    index: np.ndarray
    value: np.ndarray


def _counted(columns: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns, sorted, and how often each occurs: np.unique's answer
    without its generality, which cost a third of building a vector."""
    index = np.asarray(columns, dtype=np.int64)
    index.sort()
    first = np.empty(index.size, dtype=bool)
    first[0] = True
    np.not_equal(index[1:], index[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return index[starts], np.diff(np.append(starts, index.size))


@dataclass(frozen=True)
class Vectorizer:
    """Vocabulary and inverse document frequencies, as learned (sublinear tf, L2 norm).

    `vector` computes exactly the columns `features` names, but looks each word's
    character n-grams up once and remembers their columns: words repeat across texts,
    and building the n-gram strings was most of the cost of reading a text.
    """

    vocabulary: Mapping[str, int]
    idf: np.ndarray
    _word_columns: dict = field(default_factory=dict, repr=False, compare=False)

    def _columns_of(self, word: str) -> list[int]:
        found = self._word_columns.get(word)
        if found is None:
            get = self.vocabulary.get
            found = [col for col in map(get, _grams(word)) if col is not None]
            if len(self._word_columns) > 100_000:
                self._word_columns.clear()
            self._word_columns[word] = found
        return found

    def vector(self, message: Message | str) -> Vector:
        message = Message.of(message)
        words = _words(message)
        columns = [col for col in map(self.vocabulary.get, _named(message, words)) if col is not None]
        for word in words:
            columns += self._columns_of(word)
        if not columns:
            return Vector(np.zeros(0, dtype=np.int64), np.zeros(0))
        index, tf = _counted(columns)
        values = (1.0 + np.log(tf)) * self.idf[index]
        norm = float(np.sqrt(np.sum(values * values)))
        return Vector(index, values / norm if norm else values)


@dataclass(frozen=True)
class LinearModel:
    """A linear classifier over a Vectorizer's columns.

    `weights` has one column per label (a binary model has one column and the labels
    ("no", "yes")); `probabilities` applies a softmax, or a sigmoid for a binary model.
    """

    labels: tuple[str, ...]
    weights: np.ndarray        # (n_features, n_columns)
    intercept: np.ndarray      # (n_columns,)
    # Margins of a linear SVM are not probabilities; a softmax of the margins times this
    # temperature gives scores that rank and threshold well (1.0 for logistic regression).
    temperature: float = 1.0

    def decision(self, vector: Vector) -> np.ndarray:
        if vector.index.size == 0:
            return self.intercept.copy()
        # Multiply and sum rather than a matrix product: no BLAS call, so no BLAS thread
        # pool spinning up in every web worker (it multiplied the CPU of a turn by four
        # under gunicorn on two cores).
        return (self.weights[vector.index] * vector.value[:, None]).sum(axis=0) + self.intercept

    def scores(self, vector: Vector) -> np.ndarray:
        """One score per label, summing to 1 (a softmax of the tempered margins)."""
        raw = self.decision(vector) * self.temperature
        if raw.size == 1:
            yes = 1.0 / (1.0 + math.exp(-float(raw[0])))
            return np.asarray([1.0 - yes, yes])
        shifted = np.exp(raw - raw.max())
        return shifted / shifted.sum()

    def probabilities(self, vector: Vector) -> dict[str, float]:
        return {label: float(p) for label, p in zip(self.labels, self.scores(vector))}

    def best(self, vector: Vector) -> tuple[str, float]:
        probs = self.probabilities(vector)
        label = max(probs, key=probs.__getitem__)
        return label, probs[label]

    def top_features(self, vector: Vector, label: str, names: Sequence[str], count: int = 5) -> list[tuple[str, float]]:
        """The features that pushed this text towards `label` most (for `steady explain`)."""
        if vector.index.size == 0:
            return []
        column = 0 if self.weights.shape[1] == 1 else self.labels.index(label)
        sign = -1.0 if self.weights.shape[1] == 1 and label == self.labels[0] else 1.0
        contrib = sign * vector.value * self.weights[vector.index, column]
        order = np.argsort(-contrib)[:count]
        return [(names[int(vector.index[i])], float(contrib[i])) for i in order if contrib[i] > 0]
