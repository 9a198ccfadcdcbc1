"""`steady eval`: how well Steady understands texts, measured honestly.

k-fold cross-validation on content/examples/ (stratified by label, fixed seed): every
example is read by models that never saw it, through the same `Understanding` the
engine uses (rules, keywords, thresholds), and compared with its label. A held-out
file (tests/data/heldout.yaml, never trained on) can be read by a model trained on
the whole corpus. The report prints crisis recall and precision overall, per kind and
per category, the false alarms per hard-negative category, per-intent precision and
recall with the main confusions, crisis-mode topics and check-in answers, and the same
figures for each language (every example has one, from its file's name: flows/corpus.py).
The floors are checked on all the examples together.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from sklearn.model_selection import StratifiedKFold

from bot.understanding import train
from flows import crisis as crisis_rules
from flows import intents
from flows.corpus import Corpus, Example
from flows.matcher import Matcher
from flows.message import Message
from flows.understand import Thresholds, Understanding

__all__ = ["Prediction", "Report", "cross_validate", "evaluate_on", "FLOORS", "GOALS", "load_heldout"]

# What issue 8 asks of the project's own corpus, cross-validated: not met yet (README,
# "Understanding: measured"). `steady eval` prints the gap to these.
GOALS = {"crisis_recall": 0.99, "crisis_precision": 0.90, "intent_accuracy": 0.95}
# What CI enforces today: just under the figures measured on 2026-12-07 (recall 0.969,
# precision 0.825, intent accuracy 0.857 at the fixed fold seed 0; 0.969 / 0.824 / 0.859
# at seed 1, so the floors sit under both), so that no change can make understanding
# worse unnoticed. Raise them as the model improves; never lower them to pass.
FLOORS = {"crisis_recall": 0.965, "crisis_precision": 0.82, "intent_accuracy": 0.85}


@dataclass(frozen=True)
class Prediction:
    example: Example
    crisis: bool
    kind: str = ""
    sure: bool = False
    score: float = 0.0
    rule: str | None = None
    intent: str = intents.FALLBACK     # what the text is answered as besides (or instead of) the crisis reply

    @property
    def truth_crisis(self) -> bool:
        return self.example.group == "crisis"


@dataclass
class Report:
    predictions: list[Prediction] = field(default_factory=list)
    topics: list[tuple[Example, str | None]] = field(default_factory=list)
    answers: list[tuple[Example, str | None]] = field(default_factory=list)
    in_corpus: int = 0      # held-out texts left out because the corpus has them too

    # -- figures ------------------------------------------------------------------

    def crisis_counts(self, preds: Iterable[Prediction] | None = None) -> tuple[int, int, int]:
        preds = self.predictions if preds is None else preds
        tp = fp = fn = 0
        for p in preds:
            if p.crisis and p.truth_crisis:
                tp += 1
            elif p.crisis:
                fp += 1
            elif p.truth_crisis:
                fn += 1
        return tp, fp, fn

    @property
    def crisis_recall(self) -> float:
        tp, _, fn = self.crisis_counts()
        return tp / (tp + fn) if tp + fn else 1.0

    @property
    def crisis_precision(self) -> float:
        tp, fp, _ = self.crisis_counts()
        return tp / (tp + fp) if tp + fp else 1.0

    @property
    def intent_accuracy(self) -> float:
        """Of the texts that are not a crisis: answered with their intent, and not as a sure crisis."""
        rows = [p for p in self.predictions if not p.truth_crisis]
        good = sum(1 for p in rows if p.intent == p.example.label and not (p.crisis and p.sure))
        return good / len(rows) if rows else 1.0

    @property
    def kind_accuracy(self) -> float:
        rows = [p for p in self.predictions if p.truth_crisis and p.crisis]
        return sum(1 for p in rows if p.kind == p.example.kind) / len(rows) if rows else 1.0

    @property
    def topic_accuracy(self) -> float:
        return sum(1 for e, got in self.topics if got == e.label) / len(self.topics) if self.topics else 1.0

    @property
    def answer_accuracy(self) -> float:
        return sum(1 for e, got in self.answers if got == e.label) / len(self.answers) if self.answers else 1.0

    def _figures(self) -> dict[str, float]:
        return {"crisis_recall": self.crisis_recall, "crisis_precision": self.crisis_precision,
                "intent_accuracy": self.intent_accuracy}

    def failures(self, floors: dict[str, float] = FLOORS) -> list[str]:
        got = self._figures()
        return [f"{name} {got[name]:.3f} is under the floor {floor:.3f}" for name, floor in floors.items()
                if got[name] < floor]

    def gaps(self) -> list[str]:
        """How far the figures are from issue 8's goals."""
        got = self._figures()
        return [f"{name} {got[name]:.3f}, goal {goal:.2f}" for name, goal in GOALS.items() if got[name] < goal]

    # -- by language -------------------------------------------------------------------

    def languages(self) -> list[str]:
        """The languages of the texts read, English first."""
        found = {p.example.language for p in self.predictions}
        found |= {e.language for e, _ in self.topics} | {e.language for e, _ in self.answers}
        return sorted(found, key=lambda language: (language != "en", language))

    def only(self, language: str) -> "Report":
        """The same report restricted to the texts of one language."""
        return Report(
            [p for p in self.predictions if p.example.language == language],
            [(e, got) for e, got in self.topics if e.language == language],
            [(e, got) for e, got in self.answers if e.language == language],
        )

    def by_language(self) -> dict[str, dict[str, float]]:
        return {language: self.only(language).figures() for language in self.languages()}

    def language_lines(self) -> list[str]:
        """One table: each figure for all texts and for each language."""
        columns = [("all", self)] + [(language, self.only(language)) for language in self.languages()]
        rows = [
            ("texts (+crisis-mode, check-in)", lambda r: f"{len(r.predictions)}+{len(r.topics)}+{len(r.answers)}"),
            ("crisis recall", lambda r: _ratio(r.crisis_recall, r.crisis_counts()[0] + r.crisis_counts()[2])),
            ("crisis precision", lambda r: _ratio(r.crisis_precision, r.crisis_counts()[0] + r.crisis_counts()[1])),
            ("crisis kind right", lambda r: _ratio(r.kind_accuracy, r.crisis_counts()[0])),
            ("false alarms", lambda r: str(r.crisis_counts()[1])),
            ("intent accuracy", lambda r: _ratio(r.intent_accuracy, sum(1 for p in r.predictions if not p.truth_crisis))),
            ("crisis-mode topics", lambda r: _ratio(r.topic_accuracy, len(r.topics))),
            ("check-in answers", lambda r: _ratio(r.answer_accuracy, len(r.answers))),
        ]
        out = [f"{'by language:':<32}" + "".join(f"{name:>16}" for name, _ in columns)]
        for title, cell in rows:
            out.append(f"  {title:<30}" + "".join(f"{cell(report):>16}" for _, report in columns))
        return out

    def figures(self) -> dict[str, float]:
        return {
            "examples": len(self.predictions),
            "left_out_as_in_corpus": self.in_corpus,
            "crisis_recall": round(self.crisis_recall, 4),
            "crisis_precision": round(self.crisis_precision, 4),
            "crisis_kind_accuracy": round(self.kind_accuracy, 4),
            "intent_accuracy": round(self.intent_accuracy, 4),
            "topic_accuracy": round(self.topic_accuracy, 4),
            "answer_accuracy": round(self.answer_accuracy, 4),
        }

    def summary(self) -> dict:
        """The figures for all texts, and the same figures under by_language."""
        return {**self.figures(), "by_language": self.by_language()}

    # -- the printed report ----------------------------------------------------------

    def lines(self, misses: int = 0) -> list[str]:
        out = []
        tp, fp, fn = self.crisis_counts()
        out.append(f"crisis: recall {self.crisis_recall:.3f} ({tp} of {tp + fn}), precision "
                   f"{self.crisis_precision:.3f} ({fp} false alarms), kind right {self.kind_accuracy:.3f}")
        positives = [p for p in self.predictions if p.truth_crisis]
        out.append("  recall by kind / category:")
        by = defaultdict(list)
        for p in positives:
            by[(p.example.kind, "")].append(p)
            by[(p.example.kind, p.example.category)].append(p)
        for (kind, category), rows in sorted(by.items()):
            found = sum(1 for p in rows if p.crisis)
            label = f"{kind}" if not category else f"  {kind}/{category}"
            out.append(f"    {label:<40} {found / len(rows):.3f}  ({found}/{len(rows)})")
        negatives = [p for p in self.predictions if not p.truth_crisis]
        alarms = defaultdict(lambda: [0, 0, 0])
        for p in negatives:
            row = alarms[p.example.category]
            row[0] += 1
            row[1] += p.crisis
            row[2] += p.crisis and p.sure
        out.append("  false alarms by category (any crisis reply / crisis reply alone):")
        for category, (n, any_, alone) in sorted(alarms.items()):
            out.append(f"    {category:<40} {any_:>4} / {alone:<4} of {n}")
        rules = Counter(p.rule for p in negatives if p.rule)
        if rules:
            out.append("  rules that fired on texts that are not a crisis: "
                       + ", ".join(f"{name} {n}{' (weak)' if crisis_rules.is_weak(name) else ''}"
                                   for name, n in rules.most_common()))
        out.append(f"intent accuracy (texts that are not a crisis): {self.intent_accuracy:.3f}")
        out.append(f"  {'intent':<16} {'precision':>9} {'recall':>7} {'n':>5}")
        truth = Counter(p.example.label for p in negatives)
        said = Counter(p.intent for p in negatives)
        right = Counter(p.intent for p in negatives if p.intent == p.example.label)
        for label in sorted(truth):
            precision = right[label] / said[label] if said[label] else 0.0
            out.append(f"  {label:<16} {precision:>9.3f} {right[label] / truth[label]:>7.3f} {truth[label]:>5}")
        confusions = Counter((p.example.label, p.intent) for p in negatives if p.intent != p.example.label)
        out.append("  most common confusions (label -> answered as): "
                   + ", ".join(f"{a}->{b} {n}" for (a, b), n in confusions.most_common(12)))
        if self.topics:
            out.append(f"crisis-mode topics: {self.topic_accuracy:.3f} right ({len(self.topics)} texts)")
            wrong = Counter((e.label, got) for e, got in self.topics if got != e.label)
            out.append("  confusions: " + ", ".join(f"{a}->{b} {n}" for (a, b), n in wrong.most_common(8)))
        if self.answers:
            out.append(f"check-in answers: {self.answer_accuracy:.3f} right ({len(self.answers)} texts)")
        if misses:
            out.append("missed crises (file:line, kind, score):")
            for p in [p for p in positives if not p.crisis][:misses]:
                out.append(f"    {p.example.where} {p.example.kind} {p.score:.2f}  {p.example.text}")
            out.append("false alarms (file:line, label, score, rule):")
            for p in [p for p in negatives if p.crisis][:misses]:
                out.append(f"    {p.example.where} {p.example.label} {p.score:.2f} {p.rule or ''}  {p.example.text}")
        return out


def _ratio(value: float, n: int) -> str:
    return f"{value:.3f}" if n else "-"


def predict(understanding: Understanding, example: Example) -> Prediction:
    """What the engine would make of one text, outside any flow: crisis or not, and the intent."""
    message = Message.of(example.text)
    reading = understanding.crisis(message)
    intent = understanding.intent(message).intent or intents.FALLBACK
    if reading is None:
        return Prediction(example, False, intent=intent)
    return Prediction(example, True, reading.kind, reading.sure, reading.score, reading.rule, intent)


def _stratum(e: Example) -> str:
    return f"crisis:{e.kind}" if e.group == "crisis" else f"{e.group}:{e.label}"


def cross_validate(corpus: Corpus, matcher: Matcher, folds: int = 5,
                   thresholds: Thresholds | None = None, seed: int = 0) -> Report:
    """Every example read by a model trained on the other folds.

    `seed` shuffles the folds; the floors were set at seed 0. A change of a few
    thousandths between two corpora can be the folds alone: compare at two seeds."""
    examples = list(corpus.examples)
    strata = [_stratum(e) for e in examples]
    counts = Counter(strata)
    strata = [s if counts[s] >= folds else "rare" for s in strata]
    report = Report()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(examples, strata):
        trained = train(corpus, [examples[i] for i in train_idx])
        understanding = Understanding(trained.models, matcher, thresholds)
        for i in test_idx:
            _read_into(report, understanding, examples[i])
    return report


def evaluate_on(corpus: Corpus, matcher: Matcher, examples: Sequence[Example],
                thresholds: Thresholds | None = None) -> Report:
    """`examples` (a held-out set) read by a model trained on the whole corpus. A held-out
    text that reads the same as a training example ("SOS", "911") is left out of the
    figures and counted in `Report.in_corpus`: it would not be held out."""
    from flows.corpus import key_of

    understanding = Understanding(train(corpus).models, matcher, thresholds)
    known = {key_of(e.text) for e in corpus.examples}
    report = Report()
    for example in examples:
        if key_of(example.text) in known:
            report.in_corpus += 1
            continue
        _read_into(report, understanding, example)
    return report


def _read_into(report: Report, understanding: Understanding, example: Example) -> None:
    message = Message.of(example.text)
    if example.group == "followup":
        report.topics.append((example, understanding.topic(message)[0]))
    elif example.group == "answer":
        report.answers.append((example, understanding.answer(message)[0]))
    else:
        report.predictions.append(predict(understanding, example))


def load_heldout(path) -> list[Example]:
    """A held-out file: a YAML list of {text, label, category, language}; label "crisis:<kind>"
    or an intent. language is "en" or "es"; without it, "es" for the category "spanish"."""
    import yaml

    from flows.corpus import CRISIS_KINDS, LANGUAGES
    from flows.content import ContentError

    name = str(path)
    with open(path, encoding="utf-8") as handle:
        items = yaml.safe_load(handle) or []
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not isinstance(item.get("label"), str):
            raise ContentError(name, f"item {n}", "each item needs text and label")
        label, category = item["label"], str(item.get("category") or "")
        language = str(item.get("language") or ("es" if category == "spanish" else "en"))
        if language not in LANGUAGES:
            raise ContentError(name, f"item {n}", f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
        if label.startswith("crisis:"):
            kind = label.split(":", 1)[1]
            if kind not in CRISIS_KINDS:
                raise ContentError(name, f"item {n}", f"unknown crisis kind {kind!r}")
            out.append(Example(item["text"], "crisis", "crisis", kind, category, name, n, language))
        elif label in intents.CLASSIFIED:
            out.append(Example(item["text"], "intent", label, "", category, name, n, language))
        else:
            raise ContentError(name, f"item {n}", f"unknown label {label!r}")
    return out
