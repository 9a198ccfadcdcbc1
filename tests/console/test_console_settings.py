"""The console's settings: off by default; on, it needs STEADY_SECRET_KEY (never echoed)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.settings import Settings, SettingsError

KEY = "k" * 31 + "!"
BASE = {"STEADY_DATA_KEY": "d" * 40}


def test_the_console_is_off_by_default_and_needs_no_secret_then():
    settings = Settings.from_env(BASE)
    assert settings.console is False and settings.secret_key is None
    assert settings.console_idle == timedelta(minutes=30) and settings.console_secure_cookie is True


def test_on_it_needs_a_secret_key_named_in_the_refusal():
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**BASE, "STEADY_CONSOLE": "true"})
    assert "STEADY_SECRET_KEY is required when STEADY_CONSOLE is true" in str(refused.value)


def test_a_short_secret_key_is_refused_without_being_echoed():
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**BASE, "STEADY_CONSOLE": "yes", "STEADY_SECRET_KEY": "tiny-secret-value"})
    assert "STEADY_SECRET_KEY must be at least 32 characters" in str(refused.value)
    assert "tiny-secret-value" not in str(refused.value)


def test_on_with_a_key_the_settings_are_read_and_the_key_never_shows_in_a_repr():
    settings = Settings.from_env({**BASE, "STEADY_CONSOLE": "true", "STEADY_SECRET_KEY": KEY,
                                  "STEADY_CONSOLE_IDLE_MINUTES": "10", "STEADY_CONSOLE_SECURE_COOKIE": "false"})
    assert settings.console and settings.secret_key == KEY
    assert settings.console_idle == timedelta(minutes=10) and settings.console_secure_cookie is False
    assert KEY not in repr(settings)


def test_steady_runs_own_default_is_a_cookie_for_plain_http_unless_set():
    local = Settings.from_env(BASE, fallbacks={"console_secure_cookie": False})
    assert local.console_secure_cookie is False
    chosen = Settings.from_env({**BASE, "STEADY_CONSOLE_SECURE_COOKIE": "true"}, fallbacks={"console_secure_cookie": False})
    assert chosen.console_secure_cookie is True


@pytest.mark.parametrize("minutes", ["0", "-5", "soon"])
def test_the_idle_timeout_is_a_positive_whole_number_of_minutes(minutes):
    with pytest.raises(SettingsError, match="STEADY_CONSOLE_IDLE_MINUTES"):
        Settings.from_env({**BASE, "STEADY_CONSOLE_IDLE_MINUTES": minutes})
