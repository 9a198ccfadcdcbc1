"""Addresses as Twilio writes them in From/To: numbers, Mexico's +52 1 form on WhatsApp,
WhatsApp business-scoped user IDs; masking for logs; the time-zone guess."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import models, phones
from bot.phones import Address, NotAnAddress, guess_timezone, mask, parse_address
from flows import defaults

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


# --- E.164 from what people and Twilio write -------------------------------------------------

@pytest.mark.parametrize(("raw", "region", "number"), [
    ("(415) 555-0123", "US", "+14155550123"),          # national form: the deploy's region
    ("415.555.0123", "US", "+14155550123"),
    ("4155550123", "US", "+14155550123"),
    (" +1 (415) 555-0123 ", "US", "+14155550123"),     # spaces and punctuation go
    ("020 7946 0018", "GB", "+442079460018"),          # a London number, read in the UK
    ("07700 900123", "GB", "+447700900123"),
    ("+447700900123", "US", "+447700900123"),          # a country code wins over the region
])
def test_a_number_is_read_as_e164_in_the_deploys_region(raw, region, number):
    assert parse_address(raw, region) == Address(number, "sms")


def test_the_region_decides_how_a_national_number_is_read():
    with pytest.raises(NotAnAddress):
        parse_address("020 7946 0018", "US")           # not a possible US number
    assert parse_address("020 7946 0018", "GB").number == "+442079460018"


@pytest.mark.parametrize("raw", ["whatsapp:+14155550123", "WHATSAPP:+14155550123", "whatsapp: +1 415 555 0123",
                                 " whatsapp:+14155550123 "])
def test_the_whatsapp_prefix_is_read_in_any_case_and_the_number_after_it_normalised(raw):
    address = parse_address(raw)
    assert address == Address("+14155550123", "whatsapp")
    assert address.twilio == "whatsapp:+14155550123"


def test_an_sms_address_is_written_back_as_the_bare_number():
    address = parse_address("(212) 555-0100")
    assert address.twilio == "+12125550100" and parse_address(address.twilio) == address


# --- masking ------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "masked"), [
    ("", "<none>"),
    ("1234", "****"),                                  # too short to keep anything
    ("4155550123", "*******23"),                       # no "+": no country shown
    ("+447700900123", "+4*********23"),
    ("+1 415 555 0123", "+1********23"),               # formatting never shows through
    ("whatsapp:+14155550123", "whatsapp:+1********23"),
])
def test_a_mask_shows_at_most_the_first_digit_and_the_last_two(raw, masked):
    assert mask(raw) == masked


@settings(max_examples=200, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=5, max_size=15))
def test_property_a_masked_number_reveals_no_more_than_three_digits(digits):
    masked = mask("+" + digits)
    shown = [ch for ch in masked if ch.isdigit()]
    assert shown == [digits[0], digits[-2], digits[-1]]
    assert masked.count("*") == len(digits) - 3


# --- the time-zone guess --------------------------------------------------------------------

@pytest.mark.parametrize(("number", "zone"), [
    ("+14155550123", "America/Los_Angeles"),           # 415 San Francisco
    ("+12125550100", "America/New_York"),
    ("+18085550123", "Pacific/Honolulu"),
    ("+16055550123", "America/Denver"),                # 605 spans two zones, the default in neither: the first
    ("+442079460018", "Europe/London"),
    ("+18005550123", "America/Phoenix"),               # toll-free: anywhere, so the default
    ("+15005550123", "America/Phoenix"),               # 5XX: the same (not America/Adak, the first of 42)
    ("+447700900123", "America/Phoenix"),              # a number with no zone on record
    ("4155550123", "America/Phoenix"),                 # not E.164: no guess
    ("+1", "America/Phoenix"),                         # not a number
])
def test_the_zone_is_guessed_by_area_code_else_the_default(number, zone):
    assert guess_timezone(number, default="America/Phoenix") == zone


def test_where_a_number_allows_several_zones_the_deploys_own_wins():
    center = "America/North_Dakota/Center"          # 605 is (Denver, North_Dakota/Center)
    assert guess_timezone("+16055550123", default=center) == center
    assert guess_timezone("+16055550123", default="America/Denver") == "America/Denver"


def test_without_a_default_the_guess_falls_back_to_the_declared_one():
    assert guess_timezone(USER_ID) == defaults.TIMEZONE == "America/New_York"
    assert guess_timezone("+18005550123") == defaults.TIMEZONE
