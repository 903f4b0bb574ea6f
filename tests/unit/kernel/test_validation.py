"""Parsing what residents type: email, UK mobile, GOV.UK date input, tenancy reference."""

from __future__ import annotations

from datetime import date

import pytest

from portal_app.services.validation import (
    form_fields,
    is_uk_landline,
    normalise_email,
    normalise_reference,
    normalise_uk_mobile,
    parse_date_parts,
)

TODAY = date(2026, 3, 2)


# --- email -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sam@example.com", "sam@example.com"),
        ("  Sam.Taylor@Example.CO.UK ", "sam.taylor@example.co.uk"),
        ("sam+rent@mail.example.org", "sam+rent@mail.example.org"),
        ("o'neill@example.ie", "o'neill@example.ie"),
        ("a@b.io", "a@b.io"),
    ],
)
def test_an_email_address_is_accepted_and_lower_cased(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "sam",
        "sam@",
        "@example.com",
        "sam@example",
        "sam@@example.com",
        "sam@exa mple.com",
        "sam smith@example.com",
        "sam@example.c",
        "sam@example.123",
        "sam@.example.com",
        "sam@example..com",
        "sam@-example.com",
        ".sam@example.com",
        "sam.@example.com",
        "sa..m@example.com",
        "sam@example.com.",
        "sam@exam_ple.com",
        "<sam@example.com>",
        "x" * 65 + "@example.com",
    ],
)
def test_an_email_address_in_the_wrong_shape_is_refused(raw):
    assert normalise_email(raw) is None


def test_an_email_address_longer_than_254_characters_is_refused():
    domain = ".".join(["a" * 60] * 4) + ".com"
    longest, too_long = "s" * (254 - 1 - len(domain)) + "@" + domain, "s" * (255 - 1 - len(domain)) + "@" + domain
    assert (len(longest), len(too_long)) == (254, 255)
    assert normalise_email(longest) == longest
    assert normalise_email(too_long) is None


# --- mobile ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "07700 900123",
        "07700900123",
        "07700 900 123",
        "+44 7700 900123",
        "+447700900123",
        "447700900123",
        "0044 7700 900123",
        "+44 (0)7700 900123",
        "(07700) 900-123",
        "7700 900123",
        " 07700.900.123 ",
    ],
)
def test_a_uk_mobile_in_any_usual_form_becomes_e164(raw):
    assert normalise_uk_mobile(raw) == "+447700900123"


def test_every_uk_mobile_range_is_accepted():
    for prefix in ("071", "072", "073", "074", "075", "077", "078", "079"):
        assert normalise_uk_mobile(prefix + "00900123") == "+44" + prefix[1:] + "00900123"
    assert normalise_uk_mobile("07624 123456") == "+447624123456"  # Isle of Man


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "0770090012",  # too short
        "077009001234",  # too long
        "07000 900123",  # personal numbering, not a mobile
        "07600 900123",  # pager
        "+33 6 12 34 56 78",  # French mobile
        "+1 415 555 0100",
        "07700 9OO123",  # letters
        "mobile",
        "0207 946 0000",
    ],
)
def test_anything_but_a_uk_mobile_is_refused(raw):
    assert normalise_uk_mobile(raw) is None


@pytest.mark.parametrize(
    "raw", ["020 7946 0000", "0114 496 0000", "+44 20 7946 0000", "0300 123 4567", "0800 123 4567"]
)
def test_a_uk_landline_is_recognised_so_the_message_can_say_so(raw):
    assert normalise_uk_mobile(raw) is None
    assert is_uk_landline(raw)


@pytest.mark.parametrize("raw", ["07700 900123", "+33 6 12 34 56 78", "", "hello"])
def test_a_mobile_or_a_foreign_number_is_not_called_a_landline(raw):
    assert not is_uk_landline(raw)


# --- reference ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("TEN100001", "TEN100001"), ("ten 100 001", "TEN100001"), ("  sc-2001\t", "SC-2001"), ("", ""), ("   ", "")],
)
def test_a_reference_is_upper_cased_with_spaces_removed(raw, expected):
    assert normalise_reference(raw) == expected


# --- date of birth -----------------------------------------------------------------------


def dob(day, month, year):
    return parse_date_parts(day, month, year, label="Date of birth", today=TODAY)


def test_a_real_date_in_the_past_is_accepted():
    assert dob("1", "2", "1980") == (date(1980, 2, 1), None)
    assert dob(" 01 ", "02", "1980") == (date(1980, 2, 1), None)
    assert dob("29", "2", "2000") == (date(2000, 2, 29), None)


def test_a_month_may_be_typed_as_a_name():
    assert dob("1", "February", "1980") == (date(1980, 2, 1), None)
    assert dob("1", "feb", "1980") == (date(1980, 2, 1), None)
    assert dob("1", "Sept", "1980") == (date(1980, 9, 1), None)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "", ""), "Enter date of birth"),
        (("", "2", "1980"), "Date of birth must include a day"),
        (("1", "", "1980"), "Date of birth must include a month"),
        (("1", "2", ""), "Date of birth must include a year"),
        (("", "", "1980"), "Date of birth must include a day and month"),
        (("", "2", ""), "Date of birth must include a day and year"),
        (("1", "", ""), "Date of birth must include a month and year"),
        (("31", "2", "1980"), "Date of birth must be a real date"),
        (("29", "2", "1981"), "Date of birth must be a real date"),
        (("0", "2", "1980"), "Date of birth must be a real date"),
        (("1", "13", "1980"), "Date of birth must be a real date"),
        (("1", "Febtember", "1980"), "Date of birth must be a real date"),
        (("x", "2", "1980"), "Date of birth must be a real date"),
        (("1", "2", "19a0"), "Date of birth must be a real date"),
        (("-1", "2", "1980"), "Date of birth must be a real date"),
        (("1", "2", "80"), "Year must include 4 numbers"),
        (("1", "2", "01980"), "Year must include 4 numbers"),
        (("2", "3", "2026"), "Date of birth must be in the past"),
        (("1", "1", "2030"), "Date of birth must be in the past"),
        (("31", "12", "1899"), "Date of birth must be the same as or after 1 January 1900"),
    ],
)
def test_a_date_that_is_missing_a_part_or_not_real_or_not_past_gets_a_clear_message(parts, message):
    assert dob(*parts) == (None, message)


def test_yesterday_is_in_the_past():
    assert dob("1", "3", "2026") == (date(2026, 3, 1), None)


def test_the_label_starts_each_message():
    assert parse_date_parts("", "", "", label="The date you moved in", today=TODAY) == (
        None,
        "Enter the date you moved in",
    )
    assert parse_date_parts("1", "", "2000", label="The date you moved in", today=TODAY) == (
        None,
        "The date you moved in must include a month",
    )


def test_a_period_date_may_be_today_but_not_tomorrow_and_may_be_left_out_when_optional():
    from datetime import date

    from portal_app.services.validation import period_date_from_form

    today = date(2026, 11, 22)
    form = {"to_day": "22", "to_month": "11", "to_year": "2026"}
    assert period_date_from_form(form, "to", label="The end date", today=today) == (today, None)
    tomorrow = {"to_day": "23", "to_month": "11", "to_year": "2026"}
    assert period_date_from_form(tomorrow, "to", label="The end date", today=today) == (
        None,
        "The end date must be today or in the past",
    )
    assert period_date_from_form({}, "to", label="The end date", today=today, required=False) == (None, None)
    assert period_date_from_form({}, "to", label="The end date", today=today) == (None, "Enter the end date")
    bad = {"period_from_day": "31", "period_from_month": "2", "period_from_year": "2024"}
    assert period_date_from_form(bad, "period_from", label="The start date", today=today) == (
        None,
        "The start date must be a real date",
    )


@pytest.mark.parametrize("raw", [None, "12", 12, ["email", "x"], 3.5, True])
def test_anything_sent_instead_of_a_form_is_read_as_an_empty_form(raw):
    assert form_fields(raw) == {}


def test_a_form_s_text_and_number_fields_are_read_as_text_and_other_values_are_dropped():
    sent = {"email": "a@example.org", "amount": 40, "agree": True, "nested": {"x": 1}, 7: "key not text", "n": None}
    assert form_fields(sent) == {"email": "a@example.org", "amount": "40"}


def test_a_form_field_longer_than_any_real_field_is_cut():
    assert len(form_fields({"query": "x" * 100_000})["query"]) == 5000
