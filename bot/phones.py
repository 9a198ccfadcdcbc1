"""Phone numbers: E.164 normalisation, channel prefixes, masking for logs, time-zone guess.

An address is what Twilio writes in From/To: an E.164 number ("+14155550123"), the
same on WhatsApp ("whatsapp:+14155550123"), or on WhatsApp a business-scoped user ID
instead of a number ("whatsapp:US.13491208655302741918": Meta's ID for someone who
hides their number behind a username; RapidPro's courier and Chatwoot accept it too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import timezone as pn_timezone

from flows import defaults

WHATSAPP_PREFIX = "whatsapp:"
# How a number without a country code is read: STEADY_DEFAULT_REGION's default.
DEFAULT_REGION = "US"

# A business-scoped user ID: a two-letter country code, optional segments such as the
# parent form's "ENT" ("US.ENT.11815799212886844830"), a dot and letters and digits.
# It is an address of its own: no number, no area code, no time zone to guess.
_USER_ID = re.compile(r"[A-Za-z]{2}(?:\.[A-Za-z]+)*\.[A-Za-z0-9]+")
# Where an address is stored (bot.models.Person.number is String(32)). Meta allows up to
# 128 characters after the dot; the ones seen so far are 20 to 27 characters long.
MAX_ADDRESS_CHARS = 32
# Mexico dropped the "1" that mobiles took after +52 (2019), but WhatsApp still writes
# +52 1 and ten digits; phonenumbers calls that too long.
_MEXICO = 52
_MEXICO_OLD_MOBILE = re.compile(r"1(\d{10})")


class NotAnAddress(ValueError):
    """A From/To value that is neither a phone number nor a WhatsApp user ID."""


@dataclass(frozen=True)
class Address:
    """Who texted: the E.164 number (or WhatsApp user ID) and the channel (sms or whatsapp)."""

    number: str
    channel: str = "sms"

    @property
    def twilio(self) -> str:
        """The address as Twilio writes it in From/To.

        A Mexican WhatsApp sender is stored and answered as +52 and ten digits, not the
        +52 1 form it wrote from: Twilio delivers to either, and its Mexico guidelines
        give the ten-digit form as the number to use, so one person is one row whichever
        form arrives.
        """
        return f"{WHATSAPP_PREFIX}{self.number}" if self.channel == "whatsapp" else self.number


def parse_address(raw: str, region: str = DEFAULT_REGION) -> Address:
    """Parse a Twilio From/To value. Raises NotAnAddress for something that is not one."""
    raw = (raw or "").strip()
    channel = "sms"
    if raw.lower().startswith(WHATSAPP_PREFIX):
        channel = "whatsapp"
        raw = raw[len(WHATSAPP_PREFIX):].strip()
    if not raw:
        raise NotAnAddress("no number")
    if channel == "whatsapp" and is_user_id(raw):
        if len(raw) > MAX_ADDRESS_CHARS:
            raise NotAnAddress(f"a WhatsApp user ID longer than {MAX_ADDRESS_CHARS} characters")
        return Address(raw, channel)
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise NotAnAddress("not a phone number") from exc
    if parsed.country_code == _MEXICO:
        old = _MEXICO_OLD_MOBILE.fullmatch(str(parsed.national_number))
        if old:
            parsed = phonenumbers.PhoneNumber(country_code=_MEXICO, national_number=int(old.group(1)))
    if not phonenumbers.is_possible_number(parsed):
        raise NotAnAddress("not a possible phone number")
    return Address(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), channel)


def is_user_id(value: str) -> bool:
    """A WhatsApp business-scoped user ID ("US.13491208655302741918"), without "whatsapp:"."""
    return _USER_ID.fullmatch(value) is not None


def mask(number: str | None) -> str:
    """Mask an address for logs: keep the channel, the country prefix and the last two
    characters ("+1********23", "whatsapp:US.***18")."""
    if not number:
        return "<none>"
    prefix = ""
    if number.lower().startswith(WHATSAPP_PREFIX):
        prefix, number = WHATSAPP_PREFIX, number[len(WHATSAPP_PREFIX):]
    if is_user_id(number):
        return f"{prefix}{number[:3]}***{number[-2:]}"
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) <= 4:
        return prefix + "*" * len(digits)
    head = "+" + digits[:1] if number.startswith("+") else ""
    return f"{prefix}{head}{'*' * (len(digits) - 3)}{digits[-2:]}"


def guess_timezone(number: str, default: str = defaults.TIMEZONE) -> str:
    """The number's likely IANA zone (area code data from phonenumbers), or the default.

    Where the number allows several zones, the default if it is one of them, else the
    first; the person can correct it by text. That keeps a number that could be anywhere
    in its country (toll-free, 5XX: all 42 North American zones, America/Adak first) on
    the deploy's zone. A WhatsApp user ID says nothing: the default.
    """
    if not number.startswith("+"):
        return default
    try:
        parsed = phonenumbers.parse(number, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return default
    zones = [z for z in pn_timezone.time_zones_for_number(parsed) if z and z != "Etc/Unknown"]
    if not zones or default in zones:
        return default
    return zones[0]
