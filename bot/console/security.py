"""The console's web security in one place: the signed session cookie's flags, CSRF on the
console's forms only, and the headers every /console response carries.

CSRF: Flask-WTF's CSRFProtect with its app-wide check off (WTF_CSRF_CHECK_DEFAULT), and
called from the blueprint's before_request, so the Twilio webhook (signed by Twilio, posted
without a token) is never asked for one. Its HTTPS Referer check is off: the console sends
Referrer-Policy: no-referrer, so browsers send no Referer (and Origin: null) with its forms;
the session-bound token and the SameSite=Strict cookie are what stop a forged post."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.console import bp

COOKIE_NAME = "steady_console"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
csrf = CSRFProtect()


def configure(app: Flask, settings) -> None:
    """Give the app the console's secret, cookie flags, CSRF and headers."""
    app.secret_key = settings.secret_key
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_PATH=bp.url_prefix,        # the cookie never goes to /sms or /health
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.console_secure_cookie,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=settings.console_idle,
        SESSION_REFRESH_EACH_REQUEST=True,
        WTF_CSRF_CHECK_DEFAULT=False,             # only the console's views check (check_csrf)
        WTF_CSRF_SSL_STRICT=False,                # no Referer to compare: see the module's docstring
        WTF_CSRF_TIME_LIMIT=None,                 # a token lives as long as its session (the idle timeout)
    )
    csrf.init_app(app)
    app.after_request(_console_headers)


@bp.before_request
def check_csrf() -> None:
    """Every state-changing console request carries the session's CSRF token (400 otherwise)."""
    csrf.protect()


def _console_headers(response: Response) -> Response:
    """Every /console response, pages, static files and errors alike, gets the headers."""
    if request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/"):
        for name, value in HEADERS.items():
            response.headers[name] = value
    return response


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError):
    return render_template("console/error.html", title="Form expired or forged",
                           message="This form could not be accepted (its security token is missing or "
                                   "out of date). Go back, reload the page and try again."), 400
