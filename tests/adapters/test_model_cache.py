"""The trained models are cached on disk by a hash of the examples: a restart or another
worker loads them instead of training, and a changed example is never served stale."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bot import understanding
from flows.corpus import Corpus
from flows.message import Message
from tests.understanding import CONTENT


def test_models_are_saved_then_loaded_identically_and_a_new_example_changes_the_key(tmp_path, monkeypatch):
    small = Corpus(CONTENT.examples.examples[::10])
    monkeypatch.setattr(understanding, "_MEMORY", {})
    trained = understanding.models_for(small, tmp_path)
    (saved,) = tmp_path.glob("understanding-*.npz")
    assert understanding.fingerprint(small) in saved.name

    monkeypatch.setattr(understanding, "_MEMORY", {})
    monkeypatch.setattr(understanding, "train", lambda *a, **k: (_ for _ in ()).throw(AssertionError("trained")))
    loaded = understanding.models_for(small, tmp_path)           # from disk: training would raise
    assert loaded.main.labels == trained.main.labels
    assert np.array_equal(loaded.main.weights, trained.main.weights)
    text = Message.of("my friend isnt breathing")
    assert np.allclose(loaded.main.scores(loaded.vectorizer.vector(text)),
                       trained.main.scores(trained.vectorizer.vector(text)))

    changed = Corpus(small.examples[:-1] + (replace(small.examples[-1], text="a brand new example text"),))
    assert understanding.fingerprint(changed) != understanding.fingerprint(small)


def test_an_unreadable_cache_file_is_ignored_and_the_models_are_trained(tmp_path, monkeypatch):
    small = Corpus(CONTENT.examples.examples[::20])
    monkeypatch.setattr(understanding, "_MEMORY", {})
    (tmp_path / f"understanding-{understanding.fingerprint(small)}.npz").write_bytes(b"not a numpy file")
    models = understanding.models_for(small, tmp_path)
    assert models.main.weights.shape[1] == len(models.main.labels)
