"""Fixtures shared by the adapter tests: a Steady wired to the loopback fake Twilio
(`world`, in process; `steady`, also served over HTTP for status callbacks), and
bot.gunicorn_conf read under a given environment. `fake` (tests/conftest.py) is the fake
Twilio they send to; a module that needs it slow overrides `fake` and keeps the rest."""

from __future__ import annotations

import importlib
import threading

import pytest
from werkzeug.serving import make_server

from bot.app import bootstrap
from bot.conversation import Inbound
from bot.transport import TwilioTransport
from tests.support import make_app, make_settings, migrate

SENDER = "+15005550006"


@pytest.fixture
def world(database_url, tmp_path, fake):
    """A Steady wired to the fake Twilio; `world.text(number, body, now)` and `world.tick(now)`."""
    settings = make_settings(database_url, str(tmp_path), send_concurrency=4)
    transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER, api_base_url=fake.base_url)
    migrate(database_url)
    steady = bootstrap(settings, transport=transport)

    def say(number, body, now):
        return steady.conversation.handle(Inbound(sender=number, body=body, now=now))

    steady.text = say
    yield steady
    transport.close()
    steady.store.engine.dispose()


class _Later:
    """A WSGI app set once the server's port (and so the public URL) is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def steady(database_url, tmp_path, fake):
    """Steady served on a loopback port; `steady.status(sid, status, code)` has the fake
    post a status callback to it, `steady.text(number, body, now)` is an inbound text."""
    holder = _Later()
    server = make_server("127.0.0.1", 0, holder)
    base = f"http://127.0.0.1:{server.server_port}"
    settings = make_settings(database_url, str(tmp_path), twilio_auth_token=fake.auth_token,
                             public_base_url=base, send_concurrency=1)
    transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=SENDER, api_base_url=fake.base_url)
    app = make_app(settings, transport)
    holder.app = app
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    served = app.extensions["steady"]
    served.client = app.test_client()
    served.status = lambda sid, status, code=None: fake.send_status(f"{base}/sms/status", sid, status, code)
    served.text = lambda number, body, now: served.conversation.handle(Inbound(sender=number, body=body, now=now))
    yield served
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    transport.close()
    served.store.engine.dispose()


@pytest.fixture
def gunicorn_conf(monkeypatch):
    """gunicorn_conf(**env) -> bot.gunicorn_conf as gunicorn reads it under `env`."""
    import bot.gunicorn_conf as conf

    def read(**env):
        for name in ("STEADY_TRUST_PROXY", "FORWARDED_ALLOW_IPS", "DATABASE_URL", "WEB_CONCURRENCY",
                     "STEADY_WEB_THREADS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(conf)

    yield read
    monkeypatch.undo()
    importlib.reload(conf)
