"""gunicorn settings for the web process (Procfile `web:`).

Workers come from WEB_CONCURRENCY, threads from STEADY_WEB_THREADS, the port from PORT
(the Procfile binds it). The clock never runs inside these workers.

Defaults come from bench/webhook.py on a 2-core machine: one synchronous thread per
worker gave the best tail latency (threads in one process mostly wait on the GIL and,
with SQLite, on the single writer). SQLite runs one worker: it has one writer at a
time, and a second process only adds lock waits. With PostgreSQL (DATABASE_URL set)
the default is one worker per core plus one.
"""

import os

_sqlite = not (os.environ.get("DATABASE_URL") or "").startswith(("postgres://", "postgresql"))
workers = int(os.environ.get("WEB_CONCURRENCY") or (1 if _sqlite else (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("STEADY_WEB_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = 30
graceful_timeout = 20
# Access lines carry only method, path and status: Twilio posts bodies in the form,
# never in the URL, so nothing a person wrote reaches the log.
accesslog = None
# The app is built once per worker (not preloaded) so no database connection is
# shared across a fork.
preload_app = False
