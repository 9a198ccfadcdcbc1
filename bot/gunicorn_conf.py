"""gunicorn settings for the web process (Procfile `web:`).

Workers come from WEB_CONCURRENCY, threads from STEADY_WEB_THREADS, the port from PORT
(the Procfile binds it). The clock never runs inside these workers.

The worker is bot.gunicorn_worker's: gthread threads that only ever get a request
already read whole, so clients that trickle bytes (or send none) hold no thread and
cannot keep a crisis text waiting. SQLite runs one worker: it has one writer at a time,
and a second process only adds lock waits. With PostgreSQL (DATABASE_URL set) the
default is one worker per core plus one. Threads (default in THREADS) let one worker
answer while another request waits on the database (a lock, up to
STEADY_DB_TIMEOUT_SECONDS); bench/webhook.py measures the cost in tail latency.
"""

import os

from bot import logs
from bot.settings import Settings, SettingsError

THREADS = Settings.web_threads     # the declared default of STEADY_WEB_THREADS
# What this file reads, through the one declaration; the app reads (and checks) the rest.
READS = ("DATABASE_URL", "WEB_CONCURRENCY", "STEADY_WEB_THREADS", "STEADY_TRUST_PROXY", "FORWARDED_ALLOW_IPS")

try:
    _settings = Settings.from_env(only=READS)
except SettingsError as exc:
    # gunicorn would print a traceback around it; the operator needs the sentence.
    raise SystemExit(f"steady: {exc}") from None

workers = _settings.web_concurrency or ((os.cpu_count() or 1) + 1 if _settings.on_postgres else 1)
threads = _settings.web_threads
worker_class = "bot.gunicorn_worker.BufferedWorker"
# Twilio gives up on a webhook after 15 s. A request is bounded by the database waits
# (STEADY_DB_TIMEOUT_SECONDS); this kills a worker whose event loop stopped beating
# altogether. Start-up does not count: gunicorn starts the clock at a worker's first
# heartbeat (a cold start of 3 workers, training the model, took 12.6 s and was kept).
timeout = 10
graceful_timeout = 20
# Access lines carry only method, path and status: Twilio posts bodies in the form,
# never in the URL, so nothing a person wrote reaches the log.
accesslog = None
# The app is built once per worker (not preloaded) so no database connection is
# shared across a fork.
preload_app = False


# gunicorn would otherwise believe X-Forwarded-Proto (and SCRIPT_NAME, PATH_INFO) from
# 127.0.0.1 whatever STEADY_TRUST_PROXY says. Trusting, the proxy is whoever connects,
# as for the app's ProxyFix (FORWARDED_ALLOW_IPS may narrow it to the proxy's addresses);
# not trusting, nobody.
forwarded_allow_ips = _settings.forwarded_allow_ips if _settings.trust_proxy else ""


def on_starting(server) -> None:
    """gunicorn's own log lines, the master's and (forked from it) the workers', are
    masked like Steady's."""
    logs.mask_every_record()
