"""STEADY_CONSOLE_IDLE_MINUTES sets the idle timeout (its own module: it changes console_settings)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.console.test_auth import _logged_in

pytestmark = pytest.mark.db


@pytest.fixture
def console_settings(console_settings):
    return console_settings.with_(console_idle=timedelta(minutes=60))


def test_the_idle_timeout_follows_its_setting(console_client, console_clock):
    console_clock.move(minutes=59)
    assert _logged_in(console_client)
    console_clock.move(minutes=61)
    assert not _logged_in(console_client)
