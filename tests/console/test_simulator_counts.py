"""The simulator's test numbers are nobody: the daily counts (stored and live), the people
snapshot and the queue depth leave them out, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.console import counts
from bot.retention import _people_snapshot, final_counts, outbox_counts
from bot.simulator import Simulator, number_for
from flows.retention_days import midnight
from tests.support import make_app, make_settings

pytestmark = pytest.mark.db

DAY = date(2026, 12, 8)
AT = datetime(2026, 12, 8, 16, 0, tzinfo=timezone.utc)       # 11:00 in New York


@pytest.fixture
def steady(database_url, tmp_path):
    app = make_app(make_settings(database_url, str(tmp_path)))
    yield app.extensions["steady"]
    app.extensions["steady"].store.engine.dispose()


def everything(steady, number=None):
    """Crisis, a plan made, daily texts on, a check-in pending, by a real person or a test number."""
    if number is None:
        from bot.conversation import Inbound

        def say(text, at):
            return steady.conversation.handle(Inbound(sender="+13125550142", body=text, now=at))
    else:
        sim = Simulator(steady)

        def say(text, at):
            return sim.say(number, text, at)
    for i, text in enumerate(["my friend is not breathing", "I'm ok now", "DAILY", "CRAVING",
                              "PLAN", "tomorrow", "YES", "SKIP", "SKIP", "SKIP", "no", "YES"]):
        say(text, AT + timedelta(minutes=i))


def measured(steady):
    with steady.store.transaction() as tx:
        found = final_counts(tx, midnight(DAY), midnight(DAY + timedelta(days=1)))
        found.update(outbox_counts(tx, midnight(DAY), midnight(DAY + timedelta(days=2))))
        found.update(_people_snapshot(tx, DAY))
    return {key: n for key, n in found.items() if n}, counts.queue_depth(steady.store)


def test_a_test_numbers_texts_count_for_nothing(steady):
    everything(steady)
    real_only = measured(steady)
    assert real_only[0][(DAY, "crisis_kinds", "overdose_other")] == 1
    assert real_only[0][(DAY, "people", "total")] == 1
    assert real_only[1]["pending"] >= 1
    everything(steady, number_for(1))
    everything(steady, number_for(2))
    assert measured(steady) == real_only
