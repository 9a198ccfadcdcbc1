"""One claim takes at most a batch, whatever plan PostgreSQL caches for it.

psycopg prepares a statement on the server once it has run 5 times on a connection; a
generic plan made while the outbox was empty (a new deployment's first day, the clock
ticking on nothing) once ran the claim's `id IN (SELECT ... SKIP LOCKED)` again for each
row and took every due row in one claim. Here the generic plan is forced on every
connection, the claim is prepared on an empty outbox, and then 3 batches' worth fall due.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import event, insert, text

from bot import db
from bot.outbox import Outbox, outbox, people
from bot.settings import Settings
from bot.store import Store

pytestmark = pytest.mark.db

BATCH = 10
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def generic_store(database_url):
    """A Store whose every PostgreSQL connection plans prepared statements generically."""
    engine = db.make_engine(db.normalize_url(database_url, instance_path=""))
    db.upgrade(engine)
    engine.dispose()        # the migration's connection predates the setting

    @event.listens_for(engine, "connect")
    def _generic_plans(dbapi_connection, _record):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SET plan_cache_mode = force_generic_plan")
        dbapi_connection.autocommit = autocommit

    yield Store(engine)
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_claim_prepared_on_an_empty_outbox_still_takes_at_most_one_batch(generic_store):
    box = Outbox(generic_store, Settings(send_batch=BATCH))
    for _ in range(8):                                  # past psycopg's prepare_threshold (5)
        assert box.claim(NOW, BATCH) == []
    with generic_store.transaction() as tx:
        prepared = tx.session.execute(text(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE '%outbox%SKIP LOCKED%'"
        )).scalars().all()
        assert prepared and prepared[0] >= 1            # the claim runs prepared, on a generic plan
        tx.session.execute(insert(people), [
            {"number": f"+1212555{i:04d}", "channel": "sms", "timezone": "America/New_York",
             "created_at": NOW, "updated_at": NOW} for i in range(3 * BATCH)])
        ids = tx.session.execute(people.select().with_only_columns(people.c.id)).scalars().all()
        tx.session.execute(insert(outbox), [
            {"person_id": pid, "kind": "daily", "slot": "2026-11-24", "body": "hi", "status": "pending",
             "due_at": NOW, "next_attempt_at": NOW, "attempts": 0, "created_at": NOW} for pid in ids])

    claims = [len(box.claim(NOW, BATCH)) for _ in range(4)]
    assert claims == [BATCH, BATCH, BATCH, 0]
