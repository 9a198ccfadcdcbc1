"""Settings: each one declared once below (its variable, default, parser, check and
meaning), read from the environment once at an entry point into a frozen object.

In the manner of hynek/environ-config: a secret has no default and never shows in a
repr; turning signature checks off is an explicit development choice; tests build
Settings directly. However a Settings is made, every value is checked and every cross
rule applied together, and one SettingsError names each problem and its variable, so
an operator fixes a deploy in one round. Unset and empty mean the same: the default.

The README's settings table is this declaration (`python -m bot.settings` prints it;
tests/unit/test_settings.py keeps the two equal). Defaults the pure engine also uses
live in flows.defaults and are taken from there.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, fields, replace
from datetime import time, timedelta
from typing import Any, Callable, Iterable, Mapping

import phonenumbers

from bot.phones import DEFAULT_REGION
from flows import defaults, gsm
from flows.schedule import QuietHours
from flows.timeparse import parse_hhmm, to_hhmm
from flows.zones import load_zone

# A database wait longer than this would leave no time to answer inside Twilio's 15 s.
MAX_DB_TIMEOUT_SECONDS = 10
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
# STEADY_DATA_KEY: a secret of at least this many characters (`steady run` makes one of 43).
MIN_DATA_KEY_CHARS = 32
# STEADY_SECRET_KEY: signs the console's session cookies; as long as a data key.
MIN_SECRET_KEY_CHARS = 32
# The DATABASE_URL forms bot.db can open: PostgreSQL as Heroku and others write it, or a
# SQLite file (tests, and operators who want one somewhere other than the instance folder).
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "postgresql+psycopg://")
DATABASE_SCHEMES = POSTGRES_SCHEMES + ("sqlite://",)


class SettingsError(ValueError):
    """Settings Steady cannot run with: every problem found, each naming its variable."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = f"{len(self.problems)} settings cannot be used:\n" + "\n".join(f"- {p}" for p in self.problems)
        super().__init__(message)


# --- kinds: how a variable's text becomes a value, and how its default is shown ------------

@dataclass(frozen=True)
class Kind:
    """`parse` turns the variable's text into a value or raises ValueError saying what the
    text must be; `show` writes a default as the README's table does."""

    parse: Callable[[str], Any]
    show: Callable[[Any], str]


def _whole_number(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError("must be a whole number") from None


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError("must be true or false")


def _clock_time(raw: str) -> time:
    try:
        return parse_hhmm(raw)
    except ValueError:
        raise ValueError("must be a time as HH:MM (24-hour)") from None


def _code(value: Any) -> str:
    return f"`{value}`"


TEXT = Kind(lambda raw: raw, _code)
WORD = Kind(lambda raw: raw.strip().upper(), _code)            # a log level, a region code
TRIMMED = Kind(lambda raw: raw.strip(), _code)                 # a URL, a zone name
PATH = Kind(lambda raw: os.path.abspath(raw.strip()), _code)
WHOLE = Kind(_whole_number, str)
MINUTES = Kind(lambda raw: timedelta(minutes=_whole_number(raw)), lambda v: str(int(v / timedelta(minutes=1))))
DAYS = Kind(lambda raw: timedelta(days=_whole_number(raw)), lambda v: str(int(v / timedelta(days=1))))
CLOCK = Kind(_clock_time, lambda v: f"`{to_hhmm(v)}`")
BOOLEAN = Kind(_boolean, lambda v: "`true`" if v else "`false`")


# --- checks: a problem with a value, whichever way it arrived, or None ------------------------

Check = Callable[[Any], "str | None"]


def _between(low: int, high: int, why: str = "") -> Check:
    def check(value: int) -> str | None:
        return None if low <= value <= high else f"must be {low} to {high}{why}"
    return check


def _positive(value: int | timedelta) -> str | None:
    """A count or a duration (in its variable's unit) of at least one."""
    return None if value > type(value)() else "must be at least 1"


def _optional(check: Check) -> Check:
    """None (and "", as the environment would give it) means the setting is not used."""
    return lambda value: None if value is None or value == "" else check(value)


def _sms_words(limit: int) -> Check:
    """A name Steady puts into texts: short, and plain SMS characters."""
    def check(value: str) -> str | None:
        if not value or len(value) > limit:
            return f"must be 1 to {limit} characters"
        if not gsm.is_gsm7(value):
            return "must use plain SMS characters (GSM-7)"
        return None
    return check


def _zone(value: str) -> str | None:
    try:
        load_zone(value)
    except ValueError:
        return f"must be an IANA time zone such as America/Chicago, not {value!r}"
    return None


def _region(value: str) -> str | None:
    if value in phonenumbers.SUPPORTED_REGIONS:
        return None
    return f"must be a two-letter country code such as US, not {value!r}"


def _log_level(value: str) -> str | None:
    if value in logging.getLevelNamesMapping():
        return None
    return f"must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value!r}"


def _database_url(value: str) -> str | None:
    if value.startswith(DATABASE_SCHEMES):
        return None
    return "must be a postgres:// or postgresql:// URL (or sqlite:///<file>)"


def _data_key(value: str) -> str | None:
    return None if len(value) >= MIN_DATA_KEY_CHARS else f"must be at least {MIN_DATA_KEY_CHARS} characters"


def _secret_key(value: str) -> str | None:
    return None if len(value) >= MIN_SECRET_KEY_CHARS else f"must be at least {MIN_SECRET_KEY_CHARS} characters"


def _web_url(value: str) -> str | None:
    if value.startswith(("https://", "http://")):
        return None
    return f"must be a URL starting https:// (or http://), not {value!r}"


# --- the declaration ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    """One setting: a contract operators rely on, so `env` is never renamed."""

    env: str
    default: Any
    kind: Kind
    meaning: str                  # the README table's meaning column, word for word
    check: Check | None = None
    shown: str | None = None      # the README's default column, when the default needs words
    secret: bool = False          # no default, never in a repr or an error message
    field: str = ""               # the Settings attribute (filled in from the class)

    def shown_default(self) -> str:
        if self.shown is not None:
            return self.shown
        return "-" if self.default is None else self.kind.show(self.default)


def setting(env: str, default: Any, kind: Kind, meaning: str, *, check: Check | None = None,
            shown: str | None = None, secret: bool = False) -> Any:
    """Declare a Settings field: its variable, default, parser, check and meaning."""
    if secret and default is not None:
        raise TypeError(f"{env} is a secret: secrets have no default")
    spec = Spec(env, default, kind, meaning, check, shown, secret)
    return field(default=default, repr=not secret, metadata={"setting": spec})


@dataclass(frozen=True)
class Settings:
    """Every setting Steady reads, in the order of the README's table."""

    database_url: str | None = setting(
        "DATABASE_URL", None, TRIMMED, "`postgres://...` and `postgresql://...` both work (psycopg 3)",
        check=_optional(_database_url), shown="SQLite file `instance/steady.sqlite3`", secret=True)
    instance_path: str = setting(
        "STEADY_INSTANCE_PATH", "instance", PATH, "where the SQLite file lives", shown="`./instance`")
    data_key: str | None = setting(
        "STEADY_DATA_KEY", None, TRIMMED,
        "the secret key (32+ characters) that seals people's numbers and plans in the database and keys the "
        "hashes numbers are found by and an erased number leaves (README: Privacy); required by the web process, "
        "the clock and every command but `steady run` and `steady chat`, which keep one in "
        "`STEADY_INSTANCE_PATH/data.key` (made once, mode 0600) when it is unset; to change it, see `steady keys rotate`",
        check=_optional(_data_key), shown="- (required)",
        secret=True)
    data_key_old: str | None = setting(
        "STEADY_DATA_KEY_OLD", None, TRIMMED,
        "the previous STEADY_DATA_KEY, still accepted for reading while `steady keys rotate` seals everything "
        "with the new one; remove it once the rotation says it is done",
        check=_optional(_data_key), secret=True)
    db_timeout: int = setting(
        "STEADY_DB_TIMEOUT_SECONDS", 5, WHOLE,
        "the longest any one database wait may take (1 to 10; Twilio waits 15 s for an answer): then the text "
        "gets the `unavailable` reply (a crisis text, the crisis reply) and `GET /health` 503",
        check=_between(1, MAX_DB_TIMEOUT_SECONDS, ": Twilio gives up on a webhook after 15 seconds"))
    port: int = setting(
        "PORT", 5000, WHOLE, "the web port (`steady run` and the Procfile)", check=_between(1, 65535))
    web_concurrency: int | None = setting(
        "WEB_CONCURRENCY", None, WHOLE,
        "gunicorn worker processes (SQLite has one writer at a time)",
        check=_optional(_positive), shown="cores + 1 with PostgreSQL, 1 with SQLite")
    web_threads: int = setting(
        "STEADY_WEB_THREADS", 4, WHOLE,
        "threads per gunicorn worker (`bot.gunicorn_worker`: a thread only ever gets a request already read whole)",
        check=_positive)
    twilio_account_sid: str | None = setting(
        "TWILIO_ACCOUNT_SID", None, TEXT,
        "Twilio account (this, the token and a sender: without all three `steady tick` and `steady clock` "
        "refuse to start)")
    twilio_auth_token: str | None = setting(
        "TWILIO_AUTH_TOKEN", None, TEXT, "verifies inbound signatures and authenticates sends; no default",
        secret=True)
    twilio_from_number: str | None = setting(
        "TWILIO_FROM_NUMBER", None, TEXT, "the number scheduled texts come from")
    twilio_messaging_service_sid: str | None = setting(
        "TWILIO_MESSAGING_SERVICE_SID", None, TEXT,
        "send through a Messaging Service instead (wins over the number)")
    twilio_api_base_url: str | None = setting(
        "TWILIO_API_BASE_URL", None, TRIMMED, "point the Twilio client at another base URL (a local mock)",
        check=_optional(_web_url), shown="Twilio's")
    verify_signatures: bool = setting(
        "TWILIO_VERIFY_SIGNATURES", True, BOOLEAN, "`false` only for development")
    public_base_url: str | None = setting(
        "STEADY_PUBLIC_URL", None, TRIMMED,
        "the public base URL Twilio calls (signature checks, status callbacks)", check=_optional(_web_url))
    status_callback_url: str | None = setting(
        "STEADY_STATUS_CALLBACK_URL", None, TRIMMED,
        "where Twilio posts delivery receipts (Steady adds `outbox=<row id>` to its query for each text)",
        check=_optional(_web_url), shown="`STEADY_PUBLIC_URL/sms/status`")
    twilio_delete_messages: bool = setting(
        "STEADY_TWILIO_DELETE_MESSAGES", False, BOOLEAN,
        "`true`: the clock deletes each text from Twilio (its body, number and record) once it is done: "
        "a received text a few minutes after its reply, a sent one after its final delivery receipt "
        "(so it needs the status callback). Your own record at Twilio goes too; README: Privacy")
    trust_proxy: bool = setting(
        "STEADY_TRUST_PROXY", False, BOOLEAN,
        "honour X-Forwarded-Proto/Host from one proxy (the app and gunicorn alike: gunicorn's "
        "`forwarded_allow_ips` is empty unless this is true, then `FORWARDED_ALLOW_IPS`)")
    forwarded_allow_ips: str = setting(
        "FORWARDED_ALLOW_IPS", "*", TEXT,
        "the addresses gunicorn believes X-Forwarded-* from when `STEADY_TRUST_PROXY` is true "
        "(comma-separated; `*`: whoever connects, the proxy)")
    program_name: str = setting(
        "STEADY_PROGRAM_NAME", defaults.PROGRAM, TEXT, "the name in HELP and opt-in texts (max 20 characters)",
        check=_sms_words(20))
    support_contact: str = setting(
        "STEADY_SUPPORT_CONTACT", defaults.SUPPORT, TEXT, "the support contact in HELP (max 40 characters)",
        check=_sms_words(40))
    default_timezone: str = setting(
        "STEADY_DEFAULT_TIMEZONE", defaults.TIMEZONE, TRIMMED, "when a number's area code says nothing",
        check=_zone)
    default_region: str = setting(
        "STEADY_DEFAULT_REGION", DEFAULT_REGION, WORD, "how numbers without a country code are read",
        check=_region)
    loop_limit: int = setting(
        "STEADY_LOOP_LIMIT", 20, WHOLE, "more texts than this from one number ...", check=_positive)
    loop_window: timedelta = setting(
        "STEADY_LOOP_WINDOW_MINUTES", timedelta(minutes=5), MINUTES,
        "... in this window: replies pause (never a crisis reply or the STOP confirmation); "
        "every text is still recorded", check=_positive)
    processed_retention: timedelta = setting(
        "STEADY_PROCESSED_RETENTION_DAYS", timedelta(days=3), DAYS, "how long handled MessageSids are kept",
        check=_positive)
    events_retention: timedelta = setting(
        "STEADY_EVENTS_RETENTION_DAYS", timedelta(days=180), DAYS,
        "how long message events (intent and time of each text) and check-in answers are kept; the clock "
        "prunes older ones once a day, after counting them into the daily aggregates", check=_positive)
    outbox_retention: timedelta = setting(
        "STEADY_OUTBOX_RETENTION_DAYS", timedelta(days=14), DAYS,
        "how long a scheduled text (with its body) is kept once sent, failed or cancelled", check=_positive)
    people_retention: timedelta = setting(
        "STEADY_PEOPLE_RETENTION_DAYS", timedelta(days=365), DAYS,
        "a person who has not texted Steady, nor been texted by it, for this long is erased (as by DELETE)",
        check=_positive)
    quiet_start: time = setting(
        "STEADY_QUIET_START", defaults.SENDING_START, CLOCK, "local time scheduled texts may go out from")
    quiet_end: time = setting(
        "STEADY_QUIET_END", defaults.SENDING_END, CLOCK, "local time scheduled texts may go out until (included)")
    default_send_time: time = setting(
        "STEADY_DEFAULT_SEND_TIME", defaults.SEND_TIME, CLOCK,
        "the local daily time new people start with (DAILY says it; TIME changes it); must lie within "
        "`STEADY_QUIET_START`..`STEADY_QUIET_END`, or Steady refuses to start")
    grace: timedelta = setting(
        "STEADY_GRACE_MINUTES", timedelta(hours=2), MINUTES,
        "after downtime, a missed slot older than this is skipped", check=_positive)
    craving_followup_after: timedelta = setting(
        "STEADY_CRAVING_FOLLOWUP_MINUTES", defaults.CRAVING_FOLLOWUP_AFTER, MINUTES, "the check-in after CRAVING",
        check=_positive)
    crisis_window: timedelta = setting(
        "STEADY_CRISIS_MINUTES", defaults.CRISIS_WINDOW, MINUTES,
        "how long crisis mode lasts after a crisis reply", check=_positive)
    model_cache: str | None = setting(
        "STEADY_MODEL_CACHE", None, PATH, "where trained models are cached, by a hash of the examples",
        shown="`STEADY_INSTANCE_PATH/models`")
    send_batch: int = setting(
        "STEADY_SEND_BATCH", 200, WHOLE, "outbox rows claimed at a time", check=_positive)
    send_concurrency: int = setting(
        "STEADY_SEND_CONCURRENCY", 8, WHOLE, "parallel Twilio requests per sender", check=_positive)
    max_attempts: int = setting(
        "STEADY_MAX_ATTEMPTS", 6, WHOLE, "tries for a passing failure before a row is failed", check=_positive)
    log_level: str = setting(
        "STEADY_LOG_LEVEL", "INFO", WORD, "log level", check=_log_level)
    console: bool = setting(
        "STEADY_CONSOLE", False, BOOLEAN,
        "`true` turns on the operator console at `/console` (README: Operator console); it then needs "
        "`STEADY_SECRET_KEY`. Off, every `/console` address is 404")
    secret_key: str | None = setting(
        "STEADY_SECRET_KEY", None, TRIMMED,
        "the secret (32+ characters) that signs the console's session cookies and CSRF tokens; required when "
        "`STEADY_CONSOLE` is true (changing it logs every staff member out)",
        check=_optional(_secret_key), secret=True)
    console_idle: timedelta = setting(
        "STEADY_CONSOLE_IDLE_MINUTES", timedelta(minutes=30), MINUTES,
        "a console session unused for this long is logged out", check=_positive)
    console_secure_cookie: bool = setting(
        "STEADY_CONSOLE_SECURE_COOKIE", True, BOOLEAN,
        "the console's session cookie is sent over HTTPS only; `false` only to use the console over plain "
        "http on your own machine (`steady run` defaults it to `false`)")

    def __post_init__(self) -> None:
        problems = _problems({spec.field: getattr(self, spec.field) for spec in SPECS})
        if problems:
            raise SettingsError(problems)

    @property
    def on_postgres(self) -> bool:
        return bool(self.database_url) and self.database_url.startswith(POSTGRES_SCHEMES)

    @property
    def instance_dir(self) -> str:
        """The instance folder, absolute (the default is relative to where Steady starts)."""
        return os.path.abspath(self.instance_path)

    @property
    def model_cache_dir(self) -> str:
        return self.model_cache or os.path.join(self.instance_dir, "models")

    @property
    def twilio_sending_missing(self) -> tuple[str, ...]:
        """The settings scheduled texts still need, by name; empty when sending is configured."""
        return twilio_sending_missing(
            self.twilio_account_sid, self.twilio_auth_token, self.twilio_from_number,
            self.twilio_messaging_service_sid,
        )

    @property
    def twilio_sending_configured(self) -> bool:
        return not self.twilio_sending_missing

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, only: Iterable[str] | None = None,
                 fallbacks: Mapping[str, Any] | None = None) -> "Settings":
        """Read the environment (or `env`): every declared variable, or just those named in
        `only` (the rest keep their defaults). `fallbacks` replaces declared defaults, by field
        name, for a command whose own default differs (chat is quieter)."""
        env = os.environ if env is None else env
        wanted = None if only is None else set(only)
        unknown = (wanted or set()) - {spec.env for spec in SPECS}
        if unknown:
            raise ValueError(f"not Steady settings: {', '.join(sorted(unknown))}")
        values = {spec.field: spec.default for spec in SPECS}
        values.update(fallbacks or {})
        problems, unread = [], set()
        for spec in SPECS:
            if wanted is not None and spec.env not in wanted:
                continue
            raw = env.get(spec.env)
            if raw is None or not raw.strip():
                continue
            try:
                values[spec.field] = spec.kind.parse(raw)
            except ValueError as exc:
                problems.append(f"{spec.env} {exc}" + ("" if spec.secret else f", not {raw!r}"))
                unread.add(spec.field)
        problems += _problems(values, skip=unread)
        if problems:
            raise SettingsError(problems)
        return cls(**values)


SPECS: tuple[Spec, ...] = tuple(replace(f.metadata["setting"], field=f.name) for f in fields(Settings))


@dataclass(frozen=True)
class Rule:
    """A check across settings; skipped while one of them could not be read at all."""

    fields: tuple[str, ...]
    check: Callable[[Mapping[str, Any]], "str | None"]


def _sending_window(values: Mapping[str, Any]) -> str | None:
    if values["quiet_start"] >= values["quiet_end"]:
        return "STEADY_QUIET_START must be earlier than STEADY_QUIET_END"
    return None


def _send_time_in_window(values: Mapping[str, Any]) -> str | None:
    start, end, at = values["quiet_start"], values["quiet_end"], values["default_send_time"]
    if start >= end or QuietHours(start, end).allows(at):
        return None
    # Every daily text at the default time would be cancelled as quiet hours, silently.
    return (f"STEADY_DEFAULT_SEND_TIME ({to_hhmm(at)}) must fall between "
            f"STEADY_QUIET_START ({to_hhmm(start)}) and STEADY_QUIET_END ({to_hhmm(end)}), "
            "the hours scheduled texts may go out")


def _console_secret(values: Mapping[str, Any]) -> str | None:
    if values["console"] and not values["secret_key"]:
        return (f"STEADY_SECRET_KEY is required when STEADY_CONSOLE is true ({MIN_SECRET_KEY_CHARS}+ characters: "
                "it signs the console's session cookies)")
    return None


RULES = (
    Rule(("quiet_start", "quiet_end"), _sending_window),
    Rule(("console", "secret_key"), _console_secret),
    Rule(("quiet_start", "quiet_end", "default_send_time"), _send_time_in_window),
)


def _problems(values: Mapping[str, Any], skip: set[str] = frozenset()) -> list[str]:
    """Every problem with these values: each setting's own check, then the cross rules."""
    found = []
    for spec in SPECS:
        if spec.check is not None and spec.field not in skip:
            problem = spec.check(values[spec.field])
            if problem:
                found.append(f"{spec.env} {problem}")
    for rule in RULES:
        if not skip.intersection(rule.fields):
            problem = rule.check(values)
            if problem:
                found.append(problem)
    return found


def twilio_sending_missing(
    account_sid: str | None, auth_token: str | None, from_number: str | None, messaging_service_sid: str | None
) -> tuple[str, ...]:
    """What sending through Twilio's REST API lacks, as setting names (the one statement of
    the rule: an account, its token, and a sender, a number or a messaging service)."""
    missing = []
    if not account_sid:
        missing.append("TWILIO_ACCOUNT_SID")
    if not auth_token:
        missing.append("TWILIO_AUTH_TOKEN")
    if not (from_number or messaging_service_sid):
        missing.append("TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID)")
    return tuple(missing)


def markdown_table() -> str:
    """The README's settings table, from the declaration."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [f"| `{spec.env}` | {spec.shown_default()} | {spec.meaning} |" for spec in SPECS]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
