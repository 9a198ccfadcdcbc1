"""`steady explain "text"`: why Steady reads a text the way it does.

For an operator or a content author: the intent, the crisis kind, the scores, the rule
that fired and the labelled examples closest to the text. It prints to the terminal
only; nothing of it is ever logged, because the text is someone's message.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bot.understanding import train
from flows import crisis as crisis_rules
from flows import intents
from flows.content import Content
from flows.matcher import Matcher
from flows.message import Message
from flows.understand import CRISIS_PREFIX, Understanding


def explain(text: str, content: Content, matcher: Matcher, nearest: int = 5) -> dict[str, Any]:
    """Everything that decided how `text` is read, outside any open flow."""
    trained = train(content.examples)
    understanding = Understanding(trained.models, matcher)
    message = Message.of(text)
    reading = understanding.crisis(message)
    asked = understanding.intent(message)
    vector = understanding.vector(message)
    scores = trained.models.main.probabilities(vector)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:5]
    rule = crisis_rules.crisis_reason(message)
    if reading is not None:
        answered = intents.CRISIS
    elif asked.intent is None:
        answered = intents.FALLBACK
    else:
        answered = intents.FALLBACK if asked.intent == intents.MENU else asked.intent
    similar = []
    if vector.index.size:
        query = np.zeros(trained.matrix.shape[1])
        query[vector.index] = vector.value
        sims = trained.matrix @ query
        for i in np.argsort(-sims)[:nearest]:
            e = trained.examples[int(i)]
            label = f"crisis:{e.kind}" if e.group == "crisis" else f"{e.group}:{e.label}"
            similar.append({"where": e.where, "label": label, "similarity": round(float(sims[i]), 3), "text": e.text})
    top_label = ranked[0][0] if ranked else ""
    return {
        "intent": answered,
        "crisis": None if reading is None else {
            "kind": reading.kind, "sure": reading.sure, "score": round(reading.score, 3),
            "rule": reading.rule, "language": reading.language,
            "decided_by": ("rule " + reading.rule) if reading.rule and not crisis_rules.is_weak(reading.rule)
            else "model score at or above the threshold" + (f" (weak rule {reading.rule} too)" if reading.rule else ""),
        },
        "crisis_score": round(understanding.crisis_score(message), 3),
        "sentence_scores": [round(understanding.crisis_score(part), 3) for part in message.sentences],
        "rule": rule,
        "rule_is_weak": bool(rule and crisis_rules.is_weak(rule)),
        "intent_reading": {"intent": asked.intent, "score": round(asked.score, 3), "source": asked.source},
        "top_labels": [{"label": label, "score": round(score, 3)} for label, score in ranked],
        "top_features": [{"feature": name, "weight": round(weight, 3)} for name, weight in
                         trained.models.main.top_features(vector, top_label, trained.models.feature_names)],
        "nearest_examples": similar,
        "thresholds": vars(understanding.thresholds),
        "crisis_labels": [label[len(CRISIS_PREFIX):] for label in trained.models.main.labels
                          if label.startswith(CRISIS_PREFIX)],
    }


def lines(result: dict[str, Any]) -> list[str]:
    out = [f"intent: {result['intent']}"]
    crisis = result["crisis"]
    if crisis:
        out.append(f"crisis: {crisis['kind']} ({'sure' if crisis['sure'] else 'unsure: the answer is sent too'}), "
                   f"score {crisis['score']}, language {crisis['language']}; decided by {crisis['decided_by']}")
    else:
        out.append(f"crisis: no (score {result['crisis_score']}, threshold {result['thresholds']['crisis']})")
    if result["sentence_scores"]:
        out.append(f"crisis score by sentence: {result['sentence_scores']}")
    if result["rule"]:
        out.append(f"rule: {result['rule']}{' (weak: the model can overrule it)' if result['rule_is_weak'] else ''}")
    reading = result["intent_reading"]
    out.append(f"everyday reading: {reading['intent'] or 'not understood'} (score {reading['score']}, by {reading['source']})")
    out.append("top labels: " + ", ".join(f"{r['label']} {r['score']}" for r in result["top_labels"]))
    if result["top_features"]:
        out.append("features that pushed it there: " + ", ".join(f"{f['feature']!r} {f['weight']}" for f in result["top_features"]))
    out.append("closest examples:")
    for e in result["nearest_examples"]:
        out.append(f"  {e['similarity']:.3f} {e['label']:<26} {e['where']}  {e['text']}")
    return out
