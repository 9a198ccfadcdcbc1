"""Twilio request signatures (X-Twilio-Signature), checked with twilio's RequestValidator.

Twilio signs the URL it called, exactly as it called it, and every form value. Behind
a TLS-terminating proxy the app sees http and an internal host, so either
STEADY_PUBLIC_URL names the public base URL, or STEADY_TRUST_PROXY lets werkzeug's
ProxyFix rebuild scheme and host from X-Forwarded-Proto/Host.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, urlparse

from flask import Request
from twilio.request_validator import RequestValidator, add_port, compare, remove_port

from bot.settings import Settings

# What werkzeug leaves unquoted in a path when it rebuilds a URL; "%" keeps escapes as sent.
_PATH_SAFE = "!$&'()*+,/:;=@%"


def signed_url(request: Request, settings: Settings) -> str:
    """The URL Twilio computed the signature over.

    The query string is the raw one from the request line: werkzeug's request.url
    decodes it ("?org=Cl%C3%ADnica" becomes "?org=Clínica"), and Twilio signed the
    encoded form.
    """
    if settings.public_base_url:
        base = settings.public_base_url.rstrip("/")
    else:
        base = f"{request.scheme}://{request.host}{quote(request.root_path.rstrip('/'), safe=_PATH_SAFE)}"
    url = base + quote(request.path, safe=_PATH_SAFE)
    query = _raw_query(request.query_string)
    return f"{url}?{query}" if query else url


def _raw_query(raw: bytes) -> str:
    """The query bytes as text, unchanged: UTF-8 if they are, else byte for byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def is_valid(request: Request, settings: Settings) -> bool:
    """True when the request carries a valid signature, or checks are explicitly off.

    The form goes to the validator as the multi-dict it is: a key sent twice is signed
    with both of its values (RequestValidator reads them with getlist).
    """
    if not settings.verify_signatures:
        return True
    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.twilio_auth_token or not signature:
        return False
    validator = _validator(settings.twilio_auth_token)
    url = urlparse(signed_url(request, settings))
    # RequestValidator.validate computes the HMAC for the URL without the port and with
    # it, every time (Twilio may sign either). The same two forms, from twilio's own
    # helpers, in its order; the second only when the first does not match, which for
    # Twilio's requests is almost never: one HMAC per text instead of two.
    return any(compare(validator.compute_signature(form, request.form), signature)
               for form in (remove_port(url), add_port(url)))


@lru_cache(maxsize=4)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)
