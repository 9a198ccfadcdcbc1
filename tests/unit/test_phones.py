"""Addresses as Twilio writes them in From/To: numbers, Mexico's +52 1 form on WhatsApp,
WhatsApp business-scoped user IDs; masking for logs; the time-zone guess."""

from __future__ import annotations

import pytest

from bot import models, phones
from bot.phones import Address, NotAnAddress, guess_timezone, mask, parse_address

USER_ID = "US.13491208655302741918"
PARENT_ID = "US.ENT.11815799212886844830"


@pytest.mark.parametrize("raw, expected", [
    ("whatsapp:+5215512345678", Address("+525512345678", "whatsapp")),     # as WhatsApp writes it
    ("whatsapp:+525512345678", Address("+525512345678", "whatsapp")),      # the ten-digit form
    ("+5215512345678", Address("+525512345678", "sms")),
    ("+52 1 55 1234 5678", Address("+525512345678", "sms")),
    ("whatsapp:+5218112345678", Address("+528112345678", "whatsapp")),     # Monterrey
    ("+15215550123", Address("+15215550123", "sms")),                      # a US 521 area code is not Mexico
    ("+14155550123", Address("+14155550123", "sms")),
])
def test_numbers_are_read_as_e164_and_mexicos_old_mobile_form_loses_its_1(raw, expected):
    assert parse_address(raw) == expected


@pytest.mark.parametrize("raw", [f"whatsapp:{USER_ID}", f"WhatsApp:{USER_ID}", f"whatsapp:{PARENT_ID}",
                                 "whatsapp:br.27078165145141541"])
def test_a_whatsapp_user_id_is_an_address_of_its_own(raw):
    address = parse_address(raw)
    assert address.channel == "whatsapp"
    assert address.number == raw.split(":", 1)[1]
    assert address.twilio == f"whatsapp:{address.number}"
    assert parse_address(address.twilio) == address


@pytest.mark.parametrize("raw", [
    "", "   ", "whatsapp:", "not-a-number", "+1", "+52155123456789",
    USER_ID,                                    # an ID only means something on WhatsApp
    "whatsapp:US.", "whatsapp:US", "whatsapp:USA.1349", "whatsapp:US.ENT.",
    "whatsapp:US." + "1" * (phones.MAX_ADDRESS_CHARS - 2),     # longer than the column
])
def test_anything_else_is_not_an_address(raw):
    with pytest.raises(NotAnAddress):
        parse_address(raw)


def test_not_an_address_is_still_a_value_error_for_callers_that_catch_that():
    assert issubclass(NotAnAddress, ValueError)


def test_the_longest_accepted_address_fits_the_column_it_is_stored_in():
    assert phones.MAX_ADDRESS_CHARS == models.Person.__table__.c.number.type.length
    longest = "US." + "1" * (phones.MAX_ADDRESS_CHARS - 3)
    assert parse_address(f"whatsapp:{longest}").number == longest


@pytest.mark.parametrize("raw, masked", [
    ("+14155550123", "+1********23"),
    ("whatsapp:+525512345678", "whatsapp:+5*********78"),
    (f"whatsapp:{USER_ID}", "whatsapp:US.***18"),
    (USER_ID, "US.***18"),
    (f"whatsapp:{PARENT_ID}", "whatsapp:US.***30"),
    (None, "<none>"),
])
def test_masks_keep_the_channel_the_country_and_two_characters(raw, masked):
    assert mask(raw) == masked


@pytest.mark.parametrize("number, zone", [
    ("+13125550123", "America/Chicago"),
    ("+525512345678", "America/Mexico_City"),
    (USER_ID, "America/Denver"),          # no number, no guess: the default
    (PARENT_ID, "America/Denver"),
])
def test_the_zone_is_guessed_from_a_number_and_never_from_a_user_id(number, zone):
    assert guess_timezone(number, default="America/Denver") == zone
