"""The content page (/console/content): every message as `steady content check` reports it
(id, encoding, characters, segments, problems; every language flows.content.check covers)
and the corpus example count per intent. Read-only: content changes go through files and
review. The texts are Steady's own words, never a person's."""

from __future__ import annotations

from collections import Counter

from flask import current_app, render_template

from bot.console import bp
from bot.console.auth import staff_required
from flows.content import check


def example_counts(content) -> list[tuple[str, str, str, str, int]]:
    """(group, label, crisis kind, language, count) for each intent, crisis kind, crisis-mode
    topic and check-in answer of the corpus, sorted; "" where an example has no kind or
    carries no language."""
    corpus = content.examples
    if corpus is None:
        return []
    counts = Counter((e.group, e.label, e.kind or "", getattr(e, "language", "") or "") for e in corpus.examples)
    return sorted((*key, n) for key, n in counts.items())


@bp.route("/content")
@staff_required
def content():
    loaded = current_app.extensions["steady"].content
    reports = check(loaded)
    return render_template("console/content.html", reports=reports,
                           problems=sum(len(r.problems) for r in reports), examples=example_counts(loaded))
