"""Alembic migrations: from empty to head, idempotent, and in step with bot.models."""

from __future__ import annotations

import io
from datetime import datetime
from datetime import timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot import db
from bot import models

pytestmark = pytest.mark.db

APP_TABLES = {"people", "processed_messages", "consent_events", "message_events", "outbox", "checkins",
              "daily_counts", "retention_marks", "twilio_deletions", "console_staff", "console_audit",
              "plan_events", "clock_ticks"}
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_the_models_and_the_test_list_name_the_same_tables():
    assert set(models.Base.metadata.tables) == APP_TABLES


def test_upgrade_from_empty_creates_every_table(empty_engine):
    assert _tables(empty_engine) == set()
    assert db.current_revision(empty_engine) is None
    db.upgrade(empty_engine)
    assert _tables(empty_engine) == APP_TABLES | {"alembic_version"}
    assert db.current_revision(empty_engine) == db.head_revision()


def test_upgrade_twice_is_a_no_op_that_keeps_the_data(empty_engine):
    db.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(
            models.Person.__table__.insert().values(
                number="+15555550100", channel="sms", timezone="America/Chicago", created_at=NOW
            )
        )
    db.upgrade(empty_engine)
    assert db.current_revision(empty_engine) == db.head_revision()
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM people")).scalar_one() == 1


def test_upgrade_by_url_works_from_a_folder_without_alembic_ini(
    database_url, empty_engine, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    db.upgrade(database_url)
    assert _tables(empty_engine) == APP_TABLES | {"alembic_version"}


def test_the_models_match_the_migrated_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        diffs = compare_metadata(context, models.Base.metadata)
    assert diffs == []


def test_downgrade_to_base_removes_every_table(engine):
    config = db.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert _tables(engine) == {"alembic_version"}
    assert db.current_revision(engine) is None


@pytest.mark.parametrize(
    ("url", "outbox_id"),
    [("sqlite:///unused.sqlite3", "INTEGER"), ("postgres://u@db.example/steady", "BIGSERIAL")],
)
def test_offline_mode_renders_the_sql_without_a_connection(url, outbox_id):
    config = db.alembic_config(url)
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)
    sql = config.output_buffer.getvalue()
    assert "CREATE TABLE people" in sql
    # the outbox id auto-increments on both: SQLite INTEGER PRIMARY KEY, PostgreSQL BIGSERIAL
    assert f"id {outbox_id} NOT NULL" in sql.split("CREATE TABLE outbox", 1)[1]


# Migration 0004_erasure (issue 12): what stays of an erased number. Added at the end: the
# tests above read APP_TABLES when they run.
APP_TABLES.update({"erased_numbers", "erased_consent_events"})


def test_the_erasure_migration_goes_down_and_up_again(empty_engine):
    db.upgrade(empty_engine)
    config = db.alembic_config()
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003_retention")
    assert "erased_numbers" not in _tables(empty_engine) and "daily_counts" in _tables(empty_engine)
    assert "private" not in {c["name"] for c in inspect(empty_engine).get_columns("people")}
    db.upgrade(empty_engine)
    assert {"erased_numbers", "erased_consent_events"} <= _tables(empty_engine)
