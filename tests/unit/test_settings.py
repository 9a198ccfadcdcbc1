"""Settings: one declaration (bot/settings.py), the README's table equal to it, every
parser and check with good and bad values, every problem reported at once, secrets
kept out of reprs and errors, and the engine's bare defaults equal to the settings'."""

from __future__ import annotations

import ast
import dataclasses
import os
import pathlib
import re
from datetime import time, timedelta

import pytest

from bot import phones
from bot.settings import SPECS, Settings, SettingsError, markdown_table, setting
from flows.timeparse import to_hhmm
from flows.context import Context
from flows.turn_values import State
from flows.schedule import QuietHours

ROOT = pathlib.Path(__file__).resolve().parents[2]
BY_ENV = {spec.env: spec for spec in SPECS}


def readme_settings_rows() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for each row of the table under README's `## Settings`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if not line.startswith("| `") or len(cells) != 3:
            continue
        name = re.fullmatch(r"`([A-Z0-9_]+)`", cells[0])
        assert name, f"a settings row that names no variable: {line}"
        rows.append((name.group(1), cells[1], cells[2]))
    return rows


# --- the declaration and the README --------------------------------------------------------

def test_the_readme_lists_exactly_the_declared_settings_in_order():
    assert [row[0] for row in readme_settings_rows()] == [spec.env for spec in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.env)
def test_the_readme_shows_each_settings_declared_default_and_meaning(spec):
    rows = {name: (default, meaning) for name, default, meaning in readme_settings_rows()}
    assert rows[spec.env] == (spec.shown_default(), spec.meaning), "run `python -m bot.settings` for the table"


def test_the_readme_table_is_the_printed_one():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in text


def test_every_settings_field_is_declared_once_with_its_own_variable():
    assert [spec.field for spec in SPECS] == [f.name for f in dataclasses.fields(Settings)]
    assert len(BY_ENV) == len(SPECS)
    assert "SECRET_KEY" not in BY_ENV          # nothing used it: Steady keeps no Flask session


def test_a_declared_default_shows_as_its_variable_would_be_written():
    assert BY_ENV["STEADY_GRACE_MINUTES"].shown_default() == "120"
    assert BY_ENV["STEADY_PROCESSED_RETENTION_DAYS"].shown_default() == "3"
    assert BY_ENV["STEADY_QUIET_END"].shown_default() == "`21:00`"
    assert BY_ENV["TWILIO_VERIFY_SIGNATURES"].shown_default() == "`true`"
    assert BY_ENV["TWILIO_FROM_NUMBER"].shown_default() == "-"


@pytest.mark.parametrize("env", sorted(s.env for s in SPECS if s.default is not None and s.shown is None))
def test_each_declared_default_reads_back_from_its_own_text(env):
    """The README's default, written into the variable, gives the declared default."""
    spec = BY_ENV[env]
    written = spec.shown_default().strip("`")
    assert getattr(Settings.from_env({env: written}), spec.field) == spec.default


def test_only_bot_settings_reads_the_environment():
    readers = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.name == "settings.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                if isinstance(node.value, ast.Name) and node.value.id == "os":
                    readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []


def test_secrets_have_no_default_and_never_show_in_a_repr():
    assert {spec.env for spec in SPECS if spec.secret} == {"DATABASE_URL", "TWILIO_AUTH_TOKEN", "STEADY_DATA_KEY",
                                                             "STEADY_DATA_KEY_OLD", "STEADY_SECRET_KEY"}
    assert all(spec.default is None for spec in SPECS if spec.secret)
    with pytest.raises(TypeError, match="secrets have no default"):
        setting("SOME_TOKEN", "s3cret", BY_ENV["TWILIO_AUTH_TOKEN"].kind, "a token", secret=True)
    settings = Settings(database_url="postgresql://steady:hunter2@db/steady", twilio_auth_token="tok3n")
    assert "hunter2" not in repr(settings) and "tok3n" not in repr(settings)


def test_a_secrets_value_is_never_echoed_in_an_error():
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"DATABASE_URL": "mysql://steady:hunter2@db/steady"})
    assert "DATABASE_URL" in str(refused.value) and "hunter2" not in str(refused.value)


# --- the engine's defaults are the settings' ------------------------------------------------

def test_a_bare_state_context_and_quiet_hours_carry_the_settings_defaults():
    settings = Settings()
    context = {f.name: f.default for f in dataclasses.fields(Context)}
    assert (context["program"], context["support"]) == (settings.program_name, settings.support_contact)
    assert context["craving_followup_after"] == settings.craving_followup_after
    assert context["crisis_window"] == settings.crisis_window
    assert context["quiet"] == QuietHours() == QuietHours(settings.quiet_start, settings.quiet_end)
    assert State().timezone == settings.default_timezone
    assert State().daily_time == to_hhmm(settings.default_send_time) == "09:00"
    assert phones.guess_timezone("whatsapp-id-without-a-number") == settings.default_timezone
    assert settings.default_region == phones.DEFAULT_REGION


# --- parsers: good values -------------------------------------------------------------------

@pytest.mark.parametrize(("env", "raw", "field", "value"), [
    ("TWILIO_VERIFY_SIGNATURES", "false", "verify_signatures", False),
    ("TWILIO_VERIFY_SIGNATURES", " OFF ", "verify_signatures", False),
    ("TWILIO_VERIFY_SIGNATURES", "0", "verify_signatures", False),
    ("STEADY_TRUST_PROXY", "Yes", "trust_proxy", True),
    ("STEADY_TRUST_PROXY", "1", "trust_proxy", True),
    ("STEADY_TRUST_PROXY", "on", "trust_proxy", True),
    ("STEADY_LOOP_LIMIT", " 7 ", "loop_limit", 7),
    ("PORT", "8080", "port", 8080),
    ("WEB_CONCURRENCY", "3", "web_concurrency", 3),
    ("STEADY_WEB_THREADS", "1", "web_threads", 1),
    ("STEADY_DB_TIMEOUT_SECONDS", "10", "db_timeout", 10),
    ("STEADY_GRACE_MINUTES", "45", "grace", timedelta(minutes=45)),
    ("STEADY_LOOP_WINDOW_MINUTES", "1", "loop_window", timedelta(minutes=1)),
    ("STEADY_PROCESSED_RETENTION_DAYS", "7", "processed_retention", timedelta(days=7)),
    ("STEADY_QUIET_START", "7:30", "quiet_start", time(7, 30)),
    ("STEADY_QUIET_END", " 22:05 ", "quiet_end", time(22, 5)),
    ("STEADY_DEFAULT_SEND_TIME", "12:00", "default_send_time", time(12, 0)),
    ("STEADY_LOG_LEVEL", "debug", "log_level", "DEBUG"),
    ("STEADY_DEFAULT_REGION", "gb", "default_region", "GB"),
    ("STEADY_DEFAULT_TIMEZONE", " America/Chicago ", "default_timezone", "America/Chicago"),
    ("STEADY_PROGRAM_NAME", "Clinica Norte", "program_name", "Clinica Norte"),
    ("DATABASE_URL", "postgres://u@db/steady", "database_url", "postgres://u@db/steady"),
    ("DATABASE_URL", "postgresql://u@db/steady", "database_url", "postgresql://u@db/steady"),
    ("DATABASE_URL", "sqlite:////var/steady.sqlite3", "database_url", "sqlite:////var/steady.sqlite3"),
    ("STEADY_PUBLIC_URL", "https://steady.example.org", "public_base_url", "https://steady.example.org"),
    ("TWILIO_API_BASE_URL", "http://127.0.0.1:8765", "twilio_api_base_url", "http://127.0.0.1:8765"),
    ("FORWARDED_ALLOW_IPS", "10.0.0.1,10.0.0.2", "forwarded_allow_ips", "10.0.0.1,10.0.0.2"),
    ("STEADY_INSTANCE_PATH", "var/steady", "instance_path", os.path.abspath("var/steady")),
])
def test_a_good_value_is_read(env, raw, field, value):
    assert getattr(Settings.from_env({env: raw}), field) == value


@pytest.mark.parametrize("env", ["TWILIO_VERIFY_SIGNATURES", "STEADY_LOOP_LIMIT", "STEADY_QUIET_START",
                                 "DATABASE_URL", "STEADY_PROGRAM_NAME"])
@pytest.mark.parametrize("raw", ["", "   "])
def test_an_empty_variable_means_its_default(env, raw):
    """TWILIO_VERIFY_SIGNATURES= (empty) used to turn signature checks off; now it keeps them on."""
    spec = BY_ENV[env]
    assert getattr(Settings.from_env({env: raw}), spec.field) == spec.default


def test_unset_variables_give_the_declared_defaults():
    read = Settings.from_env({})
    for spec in SPECS:
        if spec.field != "instance_path":
            assert getattr(read, spec.field) == spec.default, spec.env
    assert read.instance_dir == os.path.abspath("instance")
    assert read.model_cache_dir == os.path.join(os.path.abspath("instance"), "models")


# --- parsers and checks: bad values, each named ------------------------------------------------

@pytest.mark.parametrize(("env", "raw", "says"), [
    ("TWILIO_VERIFY_SIGNATURES", "maybe", "must be true or false, not 'maybe'"),
    ("STEADY_TRUST_PROXY", "2", "must be true or false"),
    ("STEADY_LOOP_LIMIT", "soon", "must be a whole number, not 'soon'"),
    ("STEADY_LOOP_LIMIT", "1.5", "must be a whole number"),
    ("STEADY_LOOP_LIMIT", "0", "must be at least 1"),
    ("STEADY_SEND_BATCH", "-5", "must be at least 1"),
    ("STEADY_GRACE_MINUTES", "0", "must be at least 1"),
    ("STEADY_PROCESSED_RETENTION_DAYS", "two", "must be a whole number"),
    ("STEADY_DB_TIMEOUT_SECONDS", "0", "must be 1 to 10: Twilio gives up on a webhook after 15 seconds"),
    ("STEADY_DB_TIMEOUT_SECONDS", "15", "must be 1 to 10"),
    ("PORT", "0", "must be 1 to 65535"),
    ("PORT", "70000", "must be 1 to 65535"),
    ("PORT", "http", "must be a whole number"),
    ("WEB_CONCURRENCY", "0", "must be at least 1"),
    ("STEADY_WEB_THREADS", "many", "must be a whole number"),
    ("STEADY_QUIET_START", "25:00", "must be a time as HH:MM (24-hour)"),
    ("STEADY_QUIET_START", "9", "must be a time as HH:MM"),
    ("STEADY_QUIET_END", "9:5", "must be a time as HH:MM"),
    ("STEADY_DEFAULT_SEND_TIME", "noon", "must be a time as HH:MM"),
    ("STEADY_LOG_LEVEL", "loud", "must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not 'LOUD'"),
    ("STEADY_DEFAULT_REGION", "USA", "must be a two-letter country code"),
    ("STEADY_DEFAULT_TIMEZONE", "Mars/Olympus", "must be an IANA time zone"),
    ("STEADY_DEFAULT_TIMEZONE", "localtime", "must be an IANA time zone"),  # the server's zone, never
    ("STEADY_PROGRAM_NAME", "A" * 21, "must be 1 to 20 characters"),
    ("STEADY_PROGRAM_NAME", "Steady \u2764", "must use plain SMS characters (GSM-7)"),
    ("STEADY_SUPPORT_CONTACT", "x" * 41, "must be 1 to 40 characters"),
    ("DATABASE_URL", "mysql://db/steady", "must be a postgres:// or postgresql:// URL"),
    ("STEADY_PUBLIC_URL", "steady.example.org", "must be a URL starting https://"),
    ("STEADY_STATUS_CALLBACK_URL", "/sms/status", "must be a URL starting https://"),
    ("TWILIO_API_BASE_URL", "127.0.0.1:8765", "must be a URL starting https://"),
])
def test_a_bad_value_is_refused_naming_its_variable(env, raw, says):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({env: raw})
    (problem,) = refused.value.problems
    assert problem.startswith(f"{env} {says}")
    assert str(refused.value) == refused.value.problems[0]


def test_every_problem_is_reported_at_once_each_naming_its_variable():
    env = {
        "STEADY_DB_TIMEOUT_SECONDS": "soon",
        "TWILIO_VERIFY_SIGNATURES": "maybe",
        "PORT": "0",
        "STEADY_LOG_LEVEL": "loud",
        "STEADY_DEFAULT_TIMEZONE": "Mars/Olympus",
        "STEADY_QUIET_START": "10:00",             # after the default send time: a cross rule
        "STEADY_LOOP_LIMIT": "20",                 # fine: not named
    }
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    problems = refused.value.problems
    named = {name for name in BY_ENV for problem in problems if problem.startswith(name + " ")}
    assert named == {"STEADY_DB_TIMEOUT_SECONDS", "TWILIO_VERIFY_SIGNATURES", "PORT", "STEADY_LOG_LEVEL",
                     "STEADY_DEFAULT_TIMEZONE", "STEADY_DEFAULT_SEND_TIME"}
    assert len(problems) == 6
    message = str(refused.value)
    assert message.startswith("6 settings cannot be used:\n")
    assert all(f"- {problem}" in message for problem in problems)


def test_a_cross_rule_waits_for_its_settings_to_be_readable():
    """A send time that cannot be read is one problem, not also 'outside the window'."""
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"STEADY_DEFAULT_SEND_TIME": "late", "STEADY_QUIET_START": "23:00"})
    assert refused.value.problems == (
        "STEADY_DEFAULT_SEND_TIME must be a time as HH:MM (24-hour), not 'late'",
        "STEADY_QUIET_START must be earlier than STEADY_QUIET_END",
    )


def test_settings_built_directly_are_checked_the_same_way():
    with pytest.raises(SettingsError) as refused:
        Settings(db_timeout=15, program_name="", quiet_end=time(7, 0))
    assert [p.split()[0] for p in refused.value.problems] == [
        "STEADY_DB_TIMEOUT_SECONDS", "STEADY_PROGRAM_NAME", "STEADY_QUIET_START"]
    with pytest.raises(SettingsError, match="STEADY_SEND_CONCURRENCY must be at least 1"):
        Settings().with_(send_concurrency=0)
    with pytest.raises(SettingsError, match=r"STEADY_DEFAULT_SEND_TIME \(07:00\) must fall between"):
        Settings(default_send_time=time(7, 0))


# --- reading a part, and a command's own defaults ------------------------------------------------

def test_only_reads_the_named_variables_and_leaves_the_rest_at_their_defaults():
    env = {"WEB_CONCURRENCY": "3", "STEADY_LOOP_LIMIT": "not read", "STEADY_WEB_THREADS": "2"}
    read = Settings.from_env(env, only=("WEB_CONCURRENCY",))
    assert (read.web_concurrency, read.loop_limit, read.web_threads) == (3, 20, 4)
    with pytest.raises(ValueError, match="not Steady settings: WEB_CONCURENCY"):
        Settings.from_env(env, only=("WEB_CONCURENCY",))


def test_a_commands_fallback_gives_way_to_the_variable():
    assert Settings.from_env({}, fallbacks={"log_level": "WARNING"}).log_level == "WARNING"
    assert Settings.from_env({"STEADY_LOG_LEVEL": "info"}, fallbacks={"log_level": "WARNING"}).log_level == "INFO"


def test_an_optional_setting_given_empty_is_unused_not_refused():
    settings = Settings(database_url="", public_base_url="", web_concurrency=None)
    assert not settings.on_postgres and not settings.public_base_url
    with pytest.raises(SettingsError, match="WEB_CONCURRENCY must be at least 1"):
        Settings(web_concurrency=0)


@pytest.mark.parametrize(("url", "postgres"), [
    ("postgres://u@db/steady", True),
    ("postgresql://u@db/steady", True),
    ("postgresql+psycopg://u@db/steady", True),
    ("sqlite:////tmp/steady.sqlite3", False),
    (None, False),
])
def test_postgresql_is_told_from_the_url_in_either_spelling(url, postgres):
    assert Settings(database_url=url).on_postgres is postgres
