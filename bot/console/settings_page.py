"""The settings page (/console/settings): the effective configuration, every setting of
bot.settings' declaration with secrets masked, and the check list a production deploy must
pass, each item green or red with what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy.exc import SQLAlchemyError

from bot import db, erasure
from bot.console import bp
from bot.console.auth import now, staff_required
from bot.settings import SPECS, Settings, Spec
from flows import defaults

CLOCK_ALIVE = timedelta(minutes=5)     # the delivery page's banner uses the same bound


@dataclass(frozen=True)
class Row:
    """One setting as the page shows it: its variable, its value (masked if secret) and whether
    it is the default."""

    env: str
    value: str
    default: bool
    meaning: str


@dataclass(frozen=True)
class Check:
    """One item of the production check list: green (`ok`) or red, and what to do or what is so."""

    name: str
    ok: bool
    detail: str


def shown(spec: Spec, value) -> str:
    """A value as the page shows it: a secret only as set or not, never a character of it."""
    if spec.secret:
        return "set (hidden)" if value else "not set"
    if value is None or value == "":
        return "not set"
    return spec.kind.show(value).strip("`")


def rows(settings: Settings) -> list[Row]:
    return [Row(spec.env, shown(spec, getattr(settings, spec.field)), getattr(settings, spec.field) == spec.default,
                spec.meaning) for spec in SPECS]


def last_tick(steady) -> datetime | None:
    """When the clock last ticked (bot.clock.record_tick), or None when no tick is recorded."""
    from bot.console.delivery import clock_status
    return clock_status(steady.store, now()).at


def _local_key(settings: Settings) -> bool:
    """The data key is the one `steady run` keeps in the instance folder (a development key)."""
    try:
        with open(erasure.key_path(settings), encoding="utf-8") as fh:
            return bool(settings.data_key) and fh.read().strip() == settings.data_key
    except OSError:
        return False


def _migrations(steady) -> Check:
    try:
        current, head = db.current_revision(steady.store.engine), db.head_revision()
    except SQLAlchemyError as exc:
        return Check("Migrations current", False, f"the database could not be read ({type(exc).__name__})")
    if current == head:
        return Check("Migrations current", True, f"at {head}")
    return Check("Migrations current", False, f"the database is at {current or 'no migration'}, this code at {head}: "
                                              f"run `{db.UPGRADE_COMMAND}`")


def checks(steady, at: datetime) -> list[Check]:
    """What a production deploy needs, in the order an operator would fix it."""
    settings: Settings = steady.settings
    missing = settings.twilio_sending_missing
    tick = last_tick(steady)
    items = [
        Check("Twilio sending configured", not missing,
              "account, token and sender set" if not missing else "set " + ", ".join(missing)),
        Check("Public URL", bool(settings.public_base_url) and settings.public_base_url.startswith("https://"),
              f"{settings.public_base_url}" if settings.public_base_url and settings.public_base_url.startswith("https://")
              else "set STEADY_PUBLIC_URL to the https:// address Twilio calls (signature checks and receipts use it)"),
        Check("Data key", bool(settings.data_key) and not _local_key(settings),
              "STEADY_DATA_KEY is set" if settings.data_key and not _local_key(settings)
              else "set STEADY_DATA_KEY (32+ characters, kept apart from the database); the instance folder's "
                   "key is for `steady run` on one machine"),
        Check("Support contact", settings.support_contact != defaults.SUPPORT,
              f"HELP names: {settings.support_contact}" if settings.support_contact != defaults.SUPPORT
              else "set STEADY_SUPPORT_CONTACT to who people can reach (HELP says it)"),
        Check("Signature checks", settings.verify_signatures and bool(settings.twilio_auth_token),
              "on, with TWILIO_AUTH_TOKEN" if settings.verify_signatures and settings.twilio_auth_token
              else ("set TWILIO_VERIFY_SIGNATURES=true" if not settings.verify_signatures
                    else "set TWILIO_AUTH_TOKEN (every /sms request is refused without it)")),
        Check("Clock alive", tick is not None and at - tick <= CLOCK_ALIVE,
              f"last tick {tick:%Y-%m-%d %H:%M:%S} UTC" if tick is not None and at - tick <= CLOCK_ALIVE
              else (f"last tick {tick:%Y-%m-%d %H:%M} UTC, over 5 minutes ago: " if tick is not None else
                    "no tick recorded: ") + "run `steady clock` (the Procfile's clock: process)"),
        _migrations(steady),
        Check("Console cookie HTTPS-only", settings.console_secure_cookie,
              "on" if settings.console_secure_cookie else "set STEADY_CONSOLE_SECURE_COOKIE=true (serve the "
                                                          "console over https)"),
    ]
    return items


@bp.route("/settings")
@staff_required
def settings():
    steady = current_app.extensions["steady"]
    return render_template("console/settings.html", checks=checks(steady, now()), rows=rows(steady.settings))
