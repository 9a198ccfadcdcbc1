"""Settings, read from the environment once at an entry point into a frozen object.

Secrets have no defaults; turning signature checks off is an explicit development
choice. Tests build Settings directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import time, timedelta
from typing import Mapping

from flows import gsm
from flows.schedule import QuietHours


class SettingsError(ValueError):
    """A setting has a value Steady cannot run with. Names the variable."""


TRUE = {"1", "true", "yes", "on"}
# A database wait longer than this would leave no time to answer inside Twilio's 15 s.
MAX_DB_TIMEOUT_SECONDS = 10
FALSE = {"0", "false", "no", "off", ""}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


def _hhmm(env: Mapping[str, str], name: str, default: time) -> time:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        hours, minutes = raw.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise SettingsError(f"{name} must be a time as HH:MM (24-hour), not {raw!r}") from None


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


@dataclass(frozen=True)
class Settings:
    """Every setting Steady reads. The README's settings table lists the same names."""

    database_url: str | None = None
    db_timeout: int = 5                       # seconds any one database wait may take (Twilio waits 15 s)
    instance_path: str = "instance"           # the SQLite file lives here; made absolute in from_env
    model_cache: str | None = None            # trained models cached here; None: instance_path/models
    program_name: str = "Steady"
    support_contact: str = "ask the staff who gave you this number"
    default_timezone: str = "America/New_York"
    default_region: str = "US"

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str | None = None
    verify_signatures: bool = True
    trust_proxy: bool = False                 # honour X-Forwarded-Proto / X-Forwarded-Host
    public_base_url: str | None = None        # e.g. https://steady.example.org: the URL Twilio signs
    status_callback_url: str | None = None    # defaults to public_base_url + /sms/status

    loop_limit: int = 20                      # more inbound texts than this ...
    loop_window: timedelta = timedelta(minutes=5)   # ... in this window: stop replying (crisis excepted)
    processed_retention: timedelta = timedelta(days=3)

    quiet_start: time = time(8, 0)
    quiet_end: time = time(21, 0)
    default_send_time: time = time(9, 0)
    grace: timedelta = timedelta(hours=2)
    craving_followup_after: timedelta = timedelta(minutes=15)
    crisis_window: timedelta = timedelta(minutes=30)
    send_batch: int = 200
    send_concurrency: int = 8                 # parallel Twilio requests per sender
    max_attempts: int = 6

    log_level: str = "INFO"
    secret_key: str | None = None

    def __post_init__(self) -> None:
        for name, value, limit in (
            ("STEADY_PROGRAM_NAME", self.program_name, 20),
            ("STEADY_SUPPORT_CONTACT", self.support_contact, 40),
        ):
            if not value or len(value) > limit:
                raise SettingsError(f"{name} must be 1 to {limit} characters")
            if not gsm.is_gsm7(value):
                raise SettingsError(f"{name} must use plain SMS characters (GSM-7)")
        if not 1 <= self.db_timeout <= MAX_DB_TIMEOUT_SECONDS:
            raise SettingsError(f"STEADY_DB_TIMEOUT_SECONDS must be 1 to {MAX_DB_TIMEOUT_SECONDS}: "
                                "Twilio gives up on a webhook after 15 seconds")
        if self.quiet_start >= self.quiet_end:
            raise SettingsError("STEADY_QUIET_START must be earlier than STEADY_QUIET_END")
        if not QuietHours(self.quiet_start, self.quiet_end).allows(self.default_send_time):
            # Every daily text at the default time would be cancelled as quiet hours, silently.
            raise SettingsError(
                f"STEADY_DEFAULT_SEND_TIME ({self.default_send_time:%H:%M}) must fall between "
                f"STEADY_QUIET_START ({self.quiet_start:%H:%M}) and STEADY_QUIET_END ({self.quiet_end:%H:%M}), "
                "the hours scheduled texts may go out"
            )

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

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        token = env.get("TWILIO_AUTH_TOKEN") or None
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            db_timeout=_int(env, "STEADY_DB_TIMEOUT_SECONDS", 5, minimum=1),
            instance_path=os.path.abspath(env.get("STEADY_INSTANCE_PATH") or os.path.join(os.getcwd(), "instance")),
            model_cache=env.get("STEADY_MODEL_CACHE") or None,
            program_name=env.get("STEADY_PROGRAM_NAME") or cls.program_name,
            support_contact=env.get("STEADY_SUPPORT_CONTACT") or cls.support_contact,
            default_timezone=env.get("STEADY_DEFAULT_TIMEZONE") or cls.default_timezone,
            default_region=env.get("STEADY_DEFAULT_REGION") or cls.default_region,
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=token,
            twilio_from_number=env.get("TWILIO_FROM_NUMBER") or None,
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            twilio_api_base_url=env.get("TWILIO_API_BASE_URL") or None,
            verify_signatures=_bool(env, "TWILIO_VERIFY_SIGNATURES", True),
            trust_proxy=_bool(env, "STEADY_TRUST_PROXY", False),
            public_base_url=(env.get("STEADY_PUBLIC_URL") or None),
            status_callback_url=env.get("STEADY_STATUS_CALLBACK_URL") or None,
            loop_limit=_int(env, "STEADY_LOOP_LIMIT", 20, minimum=1),
            loop_window=timedelta(minutes=_int(env, "STEADY_LOOP_WINDOW_MINUTES", 5, minimum=1)),
            processed_retention=timedelta(days=_int(env, "STEADY_PROCESSED_RETENTION_DAYS", 3, minimum=1)),
            quiet_start=_hhmm(env, "STEADY_QUIET_START", time(8, 0)),
            quiet_end=_hhmm(env, "STEADY_QUIET_END", time(21, 0)),
            default_send_time=_hhmm(env, "STEADY_DEFAULT_SEND_TIME", time(9, 0)),
            grace=timedelta(minutes=_int(env, "STEADY_GRACE_MINUTES", 120, minimum=1)),
            craving_followup_after=timedelta(minutes=_int(env, "STEADY_CRAVING_FOLLOWUP_MINUTES", 15, minimum=1)),
            crisis_window=timedelta(minutes=_int(env, "STEADY_CRISIS_MINUTES", 30, minimum=1)),
            send_batch=_int(env, "STEADY_SEND_BATCH", 200, minimum=1),
            send_concurrency=_int(env, "STEADY_SEND_CONCURRENCY", 8, minimum=1),
            max_attempts=_int(env, "STEADY_MAX_ATTEMPTS", 6, minimum=1),
            log_level=(env.get("STEADY_LOG_LEVEL") or "INFO").upper(),
            secret_key=env.get("SECRET_KEY") or None,
        )
