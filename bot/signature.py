"""Twilio request signatures (X-Twilio-Signature), checked with twilio's RequestValidator.

Twilio signs the URL it called. Behind a TLS-terminating proxy the app sees http and
an internal host, so either STEADY_PUBLIC_URL names the public base URL, or
STEADY_TRUST_PROXY lets werkzeug's ProxyFix rebuild it from X-Forwarded-Proto/Host.
"""

from __future__ import annotations

from flask import Request
from twilio.request_validator import RequestValidator

from bot.settings import Settings


def signed_url(request: Request, settings: Settings) -> str:
    """The URL Twilio computed the signature over."""
    if settings.public_base_url:
        base = settings.public_base_url.rstrip("/")
        query = request.query_string.decode("latin-1")
        return f"{base}{request.path}" + (f"?{query}" if query else "")
    return request.url


def is_valid(request: Request, settings: Settings) -> bool:
    """True when the request carries a valid signature, or checks are explicitly off."""
    if not settings.verify_signatures:
        return True
    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.twilio_auth_token or not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    return validator.validate(signed_url(request, settings), request.form.to_dict(flat=True), signature)
