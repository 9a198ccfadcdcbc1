"""gunicorn settings for the web process (Procfile `web:`).

Workers come from WEB_CONCURRENCY, the port from PORT (the Procfile binds it). The
clock never runs inside these workers.
"""

import os

# SQLite has one writer at a time: a second worker process only adds lock waits, so the
# embedded default runs one worker (its threads queue in order on bot.store's lock).
# With PostgreSQL (DATABASE_URL set) the default is 2; WEB_CONCURRENCY always wins.
_sqlite = not (os.environ.get("DATABASE_URL") or "").startswith(("postgres://", "postgresql"))
workers = int(os.environ.get("WEB_CONCURRENCY") or (1 if _sqlite else 2))
threads = int(os.environ.get("STEADY_WEB_THREADS") or 4)
worker_class = "gthread" if threads > 1 else "sync"
timeout = 30
graceful_timeout = 20
# Access lines carry only method, path and status: Twilio posts bodies in the form,
# never in the URL, so nothing a person wrote reaches the log.
accesslog = None
# The app is built once per worker (not preloaded) so no database connection is
# shared across a fork.
preload_app = False
