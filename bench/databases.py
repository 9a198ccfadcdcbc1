"""The benchmarks' databases: an empty one of each kind, made for a run and dropped after.

PostgreSQL is STEADY_TEST_POSTGRES_URL (default: the test server the suite uses); each run
gets a schema of its own, named in the URL's connection options, so the migrations and
every process started with that URL stay inside it.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

POSTGRES_DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return os.environ.get("STEADY_TEST_POSTGRES_URL") or POSTGRES_DEFAULT_URL


def postgres_answers(url: str | None = None) -> bool:
    """Whether the PostgreSQL server answers (2 s at most)."""
    import psycopg

    try:
        with psycopg.connect(url or postgres_url(), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def empty_database(kind: str, workdir: Path, url: str | None = None, name: str = "steady") -> Iterator[str]:
    """A DATABASE_URL for an empty database: a new SQLite file in `workdir`, or a new
    PostgreSQL schema on `url` (default postgres_url()), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{Path(workdir) / f'{name}.sqlite3'}"
        return
    import psycopg

    url = url or postgres_url()
    schema = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    try:
        yield urlunsplit(parts._replace(query=urlencode(query)))
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
