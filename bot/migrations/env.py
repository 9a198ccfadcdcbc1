"""Alembic environment, configured from Python (bot.db.alembic_config), not alembic.ini.

Online runs use the connection handed over in `config.attributes["connection"]`
(bot.db.upgrade does this, so the caller's engine settings such as a PostgreSQL
search_path apply), or else build an engine from `config.attributes["url"]` with
bot.db.make_engine. Offline (--sql) runs render SQL for that URL.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from bot import db
from bot import models

config = context.config
target_metadata = models.Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write UTCDateTime as plain sa.DateTime() in migrations.

    The stored type is the same; migrations then do not import app code that may change.
    """
    if type_ == "type" and isinstance(obj, db.UTCDateTime):
        return "sa.DateTime()"
    return False


def _configure_options() -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "render_item": render_item,
        "render_as_batch": True,   # SQLite needs batch mode to ALTER tables
        "compare_type": True,
    }


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection or a URL to the Alembic config")
    return db.normalize_url(url, instance_path="")


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_configure_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, **_configure_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = db.make_engine(_url())
    try:
        with engine.connect() as connection:
            _run_on(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
