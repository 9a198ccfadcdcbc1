"""Login, logout and the session rules of the console: `staff_required` for every page,
`current_staff()`, the idle timeout (STEADY_CONSOLE_IDLE_MINUTES, checked on the server from
the signed cookie, not trusted to the browser's expiry) and `audit(action)`.

Sessions are Flask's signed cookie (bot.console.security sets its flags): on login it is
cleared and written anew (a fresh CSRF token; nothing from before the login survives), on
logout cleared and the account's session epoch moved on, so a copy of the cookie kept
elsewhere is over too (a signed cookie cannot be taken back otherwise). Each request checks
the account and its epoch, so `steady staff remove` also ends its sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, session, url_for

from bot import timeutil
from bot.console import bp, staff

MAX_SESSION = timedelta(hours=12)   # logged out after this, however busy
FAILED = ("That did not work. Check the email and password. After several wrong tries an "
          f"account or address must wait {int(staff.LOCK_FOR.total_seconds() // 60)} minutes.")
# The pages in the nav, in order: (endpoint, label). A page not registered yet is left out.
NAV = (("console.overview", "Overview"), ("console.delivery", "Delivery"), ("console.simulator", "Simulator"),
       ("console.content", "Content"), ("console.settings", "Settings"))
CLOCK = "STEADY_CONSOLE_CLOCK"      # app.config: a callable returning now (tests move time with it)


def now() -> datetime:
    return current_app.config.get(CLOCK, timeutil.utcnow)()


def _steady():
    return current_app.extensions["steady"]


def current_staff() -> str | None:
    """The logged-in staff member's email, or None."""
    return g.get("console_staff")


def audit(action: str) -> None:
    """Record an action of the logged-in staff member (an export, a reset): who, what, when."""
    staff.audit(_steady().store, current_staff(), action, request.remote_addr, now())


def staff_required(view: Callable) -> Callable:
    """A view for logged-in staff only; anyone else goes to the login page."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_staff() is None:
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


@bp.before_request
def load_session() -> None:
    """Who is logged in, if anyone: a session past its idle time or its maximum, or of an
    account since removed, is cleared."""
    email = session.get("staff")
    if email is None:
        return
    at = now().timestamp()
    idle = _steady().settings.console_idle.total_seconds()
    if at - session.get("seen", 0) > idle or at - session.get("since", 0) > MAX_SESSION.total_seconds() \
            or staff.session_epoch(_steady().store, email) != session.get("epoch"):
        session.clear()
        return
    session["seen"] = at
    g.console_staff = email


@bp.app_context_processor
def _console_globals() -> dict:
    def nav() -> list[tuple[str, str]]:
        known = current_app.view_functions
        return [(url_for(endpoint), label) for endpoint, label in NAV if endpoint in known]
    return {"console_nav": nav, "current_staff": current_staff}


def home() -> str:
    """Where a login lands: the overview once it exists, else the first page there is."""
    for endpoint, _ in NAV:
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("console.login")


def _safe_next(target: str | None) -> str:
    """Only a path inside the console (no other site: an open redirect helps phishing)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and (target == bp.url_prefix or target.startswith(bp.url_prefix + "/")) \
                and not target.startswith("//") and "\\" not in target:
            return target
    return home()


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_staff() is not None:
            return redirect(home())
        return render_template("console/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    outcome = staff.login(_steady().store, email, password, request.remote_addr, now())
    if outcome.email is None:
        return render_template("console/login.html", error=FAILED, email=email[:staff.MAX_EMAIL_CHARS],
                               next=request.form.get("next", "")), 401
    at = now().timestamp()
    session.clear()
    session.permanent = True
    session.update(staff=outcome.email, epoch=outcome.epoch, since=at, seen=at)
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    if current_staff() is not None:
        audit(staff.LOGOUT)
        staff.end_sessions(_steady().store, current_staff())
    session.clear()
    return redirect(url_for("console.login"))
