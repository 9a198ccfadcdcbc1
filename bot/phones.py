"""Phone numbers: E.164 normalisation, channel prefixes, masking for logs, time-zone guess."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import timezone as pn_timezone

WHATSAPP_PREFIX = "whatsapp:"
DEFAULT_REGION = "US"


@dataclass(frozen=True)
class Address:
    """Who texted: the E.164 number and the channel it came on (sms or whatsapp)."""

    number: str
    channel: str = "sms"

    @property
    def twilio(self) -> str:
        """The address as Twilio writes it in From/To."""
        return f"{WHATSAPP_PREFIX}{self.number}" if self.channel == "whatsapp" else self.number


def parse_address(raw: str, region: str = DEFAULT_REGION) -> Address:
    """Parse a Twilio From/To value. Raises ValueError for something that is not a number."""
    raw = (raw or "").strip()
    channel = "sms"
    if raw.lower().startswith(WHATSAPP_PREFIX):
        channel = "whatsapp"
        raw = raw[len(WHATSAPP_PREFIX):]
    if not raw:
        raise ValueError("no number")
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("not a possible phone number")
    return Address(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), channel)


def mask(number: str | None) -> str:
    """Mask a number for logs: keep the channel, country prefix and the last two digits."""
    if not number:
        return "<none>"
    prefix = ""
    if number.lower().startswith(WHATSAPP_PREFIX):
        prefix, number = WHATSAPP_PREFIX, number[len(WHATSAPP_PREFIX):]
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) <= 4:
        return prefix + "*" * len(digits)
    head = "+" + digits[:1] if number.startswith("+") else ""
    return f"{prefix}{head}{'*' * (len(digits) - 3)}{digits[-2:]}"


def guess_timezone(number: str, default: str = "America/New_York") -> str:
    """The number's likely IANA zone (area code data from phonenumbers), or the default.

    A US number whose area code spans zones gets several candidates; we take the first,
    and the person can correct it by text.
    """
    try:
        parsed = phonenumbers.parse(number, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return default
    zones = [z for z in pn_timezone.time_zones_for_number(parsed) if z and z != "Etc/Unknown"]
    return zones[0] if zones else default
