"""The operator console (issue 14): a small server-rendered web console at /console, inside
the same Flask app, off unless STEADY_CONSOLE is true. Aggregates only: no page shows a
message body, a full phone number or a plan answer.

The blueprint is registered by bot.app.create_app through `init_app`; the page modules
attach their routes to `bp` when imported at the bottom of this file."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static")


def init_app(app: Flask, steady) -> None:
    """Register the console when the settings turn it on; otherwise leave every /console
    address unrouted (404). Settings guarantee a secret key when it is on."""
    settings = steady.settings
    if not settings.console:
        return
    security.configure(app, settings)
    app.register_blueprint(bp)


from bot.console import security  # noqa: E402,F401  (before the pages: its hooks first)
from bot.console import auth, content_page, delivery, overview, settings_page, simulator  # noqa: E402,F401
