"""UK modulus checking (services/payments/modulus.py): Vocalink's published test cases, how
what residents type is standardised or refused, sort codes with no check, and loading newer
weight and substitution tables from files."""

from __future__ import annotations

import hashlib
import os

import pytest

from portal_app.services.payments import modulus
from portal_app.services.payments.modulus import Outcome

# Vocalink, "Validating account numbers: UK modulus checking", version 7.70 (25 March 2024),
# chapter 3, "3.1 Test data and expected results": the test number, what it tests, the sort
# code, the account number and the "valid flag". Data copied as published; Y is accepted.
PUBLISHED_CASES = [
    (1, "Pass modulus 10 check", "089999", "66374958", "Y"),
    (2, "Pass modulus 11 check", "107999", "88837491", "Y"),
    (3, "Pass modulus 11 and double alternate checks", "202959", "63748472", "Y"),
    (4, "Exception 10 & 11: first check passes, second fails", "871427", "46238510", "Y"),
    (5, "Exception 10 & 11: first check fails, second passes", "872427", "46238510", "Y"),
    (6, "Exception 10: ab=09 and g=9, first passes, second fails", "871427", "09123496", "Y"),
    (7, "Exception 10: ab=99 and g=9, first passes, second fails", "871427", "99123496", "Y"),
    (8, "Exception 3, start of a range: c=6 so the second check is ignored", "820000", "73688637", "Y"),
    (9, "Exception 3, end of a range: c=9 so the second check is ignored", "827999", "73988638", "Y"),
    (10, "Exception 3: c is not 6 or 9, both checks pass", "827101", "28748352", "Y"),
    (11, "Exception 4: the remainder equals the check digits", "134020", "63849203", "Y"),
    (12, "Exception 1: 27 added to the total, passes double alternate", "118765", "64371389", "Y"),
    (13, "Exception 6: fails the standard check but is a foreign currency account", "200915", "41011166", "Y"),
    (14, "Exception 5: the check passes", "938611", "07806039", "Y"),
    (15, "Exception 5: the check passes with substitution", "938600", "42368003", "Y"),
    (16, "Exception 5: both checks produce a remainder of 0 and pass", "938063", "55065200", "Y"),
    (17, "Exception 7: passes but would fail the standard check", "772798", "99345694", "Y"),
    (18, "Exception 8: the check passes", "086090", "06774744", "Y"),
    (19, "Exception 2 & 9: the first check passes", "309070", "02355688", "Y"),
    (20, "Exception 2 & 9: first fails, second passes with substitution", "309070", "12345668", "Y"),
    (21, "Exception 2 & 9: a<>0 and g<>9, passes", "309070", "12345677", "Y"),
    (22, "Exception 2 & 9: a<>0 and g=9, passes", "309070", "99345694", "Y"),
    (23, "Exception 5: first check digit correct, second incorrect", "938063", "15764273", "N"),
    (24, "Exception 5: first check digit incorrect, second correct", "938063", "15764264", "N"),
    (25, "Exception 5: first check digit incorrect with a remainder of 1", "938063", "15763217", "N"),
    (26, "Exception 1: fails the double alternate check", "118765", "64371388", "N"),
    (27, "Pass modulus 11 check and fail double alternate check", "203099", "66831036", "N"),
    (28, "Fail modulus 11 check and pass double alternate check", "203099", "58716970", "N"),
    (29, "Fail modulus 10 check", "089999", "66374959", "N"),
    (30, "Fail modulus 11 check", "107999", "88837493", "N"),
    (31, "Exception 12/13: passes modulus 11 (modulus 10 would fail)", "074456", "12345112", "Y"),
    (32, "Exception 12/13: passes modulus 11 (modulus 10 would pass too)", "070116", "34012583", "Y"),
    (33, "Exception 12/13: fails modulus 11, passes modulus 10", "074456", "11104102", "Y"),
    (34, "Exception 14: the first check fails and the second passes", "180002", "00000190", "Y"),
]


@pytest.mark.parametrize(
    "number, description, sort_code, account_number, valid_flag",
    PUBLISHED_CASES,
    ids=[f"case-{case[0]}" for case in PUBLISHED_CASES],
)
def test_each_of_vocalinks_published_test_cases_comes_out_as_the_specification_says(
    number, description, sort_code, account_number, valid_flag
):
    result = modulus.check(sort_code, account_number)

    assert result.accepted is (valid_flag == "Y"), description
    # Case 13 is accepted because a foreign currency account cannot be checked at all.
    expected = Outcome.NOT_CHECKABLE if number == 13 else Outcome.VALID if valid_flag == "Y" else Outcome.INVALID
    assert result.outcome is expected
    assert (result.sort_code, result.account_number) == (sort_code, account_number)


def test_the_published_cases_are_all_thirty_four_and_cover_every_exception():
    assert [case[0] for case in PUBLISHED_CASES] == list(range(1, 35))
    exceptions = {
        row.exception
        for _n, _d, sort_code, _a, _f in PUBLISHED_CASES
        for row in modulus.load_tables().rows_for(sort_code)
    }
    assert exceptions == {None, *range(1, 15)}


def test_an_invalid_pair_says_so_in_words_for_the_resident():
    result = modulus.check("089999", "66374959")

    assert (result.outcome, result.accepted) == (Outcome.INVALID, False)
    assert result.reason == "Check your sort code and account number: this account number cannot be at this sort code"


@pytest.mark.parametrize(
    "sort_code, account_number, checked",
    [
        ("08-99-99", "66374958", ("089999", "66374958")),
        (" 08 99 99 ", "6637 4958", ("089999", "66374958")),
        ("08\u201399\u201399", "6637-4958", ("089999", "66374958")),  # en dashes from a word processor
        ("180002", "000190", ("180002", "00000190")),  # 6 digits: two zeros in front
        ("180002", "0000190", ("180002", "00000190")),  # 7 digits: one zero in front
        ("107999", "01-88837491", ("107999", "88837491")),  # NatWest's 10 digits: the last eight
    ],
)
def test_spaces_dashes_and_short_account_numbers_are_standardised_before_the_check(sort_code, account_number, checked):
    # Each standardises to one of the published valid cases (1, 34, 2).
    result = modulus.check(sort_code, account_number)

    assert (result.sort_code, result.account_number) == checked
    assert result.outcome is Outcome.VALID


@pytest.mark.parametrize(
    "sort_code, account_number, reason",
    [
        ("", "66374958", "Enter a sort code"),
        ("08999", "66374958", "Enter a valid sort code like 309430: it must be 6 digits"),
        ("0899990", "66374958", "Enter a valid sort code like 309430: it must be 6 digits"),
        ("08-99-9O", "66374958", "Enter a valid sort code like 309430: it must be 6 digits"),  # a letter O
        ("089999", "", "Enter an account number"),
        ("089999", "6637495A", "Enter a valid account number like 00733445: it must be numbers only"),
        ("089999", "12345", "Enter a valid account number like 00733445: it must be between 6 and 8 digits"),
        ("089999", "12345678901", "Enter a valid account number like 00733445: it must be between 6 and 8 digits"),
    ],
)
def test_what_cannot_be_a_sort_code_or_account_number_is_refused_with_the_reason(sort_code, account_number, reason):
    result = modulus.check(sort_code, account_number)

    assert (result.outcome, result.accepted, result.reason) == (Outcome.REFUSED, False, reason)
    assert (result.sort_code, result.account_number) == ("", "")


@pytest.mark.parametrize("account_number", ["1234567890", "123456789", "12 3456 7890"])
def test_nine_and_ten_digit_account_numbers_are_refused_because_banks_shorten_them_differently(account_number):
    result = modulus.check("089999", account_number)

    assert result.outcome is Outcome.REFUSED
    digits = len(account_number.replace(" ", ""))
    assert result.reason.startswith(f"Your account number has {digits} digits.")
    assert "8-digit account number" in result.reason


def test_a_sort_code_in_no_range_of_the_weight_table_cannot_be_checked_so_it_is_accepted():
    # The table starts at 010004; 010000 is in no range.
    assert modulus.load_tables().rows_for("010000") == []

    result = modulus.check("01-00-00", "12345678")

    assert (result.outcome, result.accepted) == (Outcome.NOT_CHECKABLE, True)
    assert result.reason == "The sort code has no modulus check, so it is presumed valid"


def test_the_bundled_tables_are_vocalinks_version_8_50_and_match_the_checksums_in_version_txt():
    facts = dict(line.split(": ", 1) for line in modulus.BUNDLED_VERSION_FILE.read_text().splitlines() if ": " in line)

    tables = modulus.load_tables()

    assert tables.source == "bundled 8.50 (valid from 2025-06-23)"
    assert len(tables.rows) == 1151 and len(tables.substitutions) == 21
    for name, path in (("valacdos", modulus.BUNDLED_WEIGHTS_FILE), ("scsubtab", modulus.BUNDLED_SUBSTITUTIONS_FILE)):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == facts[f"sha256_{name}"], name


def _write(path, text):
    path.write_text(text, encoding="ascii")
    return path


WEIGHTS_089999_MOD11 = "089000 089999 MOD11    0    0    0    0    0    0    8    7    6    5    4    3    2    1\r\n"


def test_newer_tables_given_as_files_are_used_instead_of_the_bundled_ones_and_read_again_when_replaced(tmp_path):
    # A newer table in which 089999 moved from modulus 10 to modulus 11 (made up for the test).
    # 66374958 under MOD11 with the weights 8 7 6 5 4 3 2 1 on the account number:
    # 48 + 42 + 18 + 35 + 16 + 27 + 10 + 8 = 204 = 18 x 11 + 6, a remainder, so it fails.
    newer = _write(tmp_path / "VALACDOS.txt", WEIGHTS_089999_MOD11)
    subs = _write(tmp_path / "SCSUBTAB.txt", "938173 938017\r\n")

    assert modulus.check("089999", "66374958").outcome is Outcome.VALID  # bundled: MOD10 passes
    assert modulus.check("089999", "66374958", weights_file=newer, substitutions_file=subs).outcome is Outcome.INVALID
    # 107999 is in no range of the newer table: not checkable there.
    assert modulus.check("107999", "88837493", weights_file=newer).outcome is Outcome.NOT_CHECKABLE
    assert modulus.load_tables(newer, subs).source == f"{newer} and {subs}"

    _write(newer, "089000 089999 MOD10    0    0    0    0    0    0    7    1    3    7    1    3    7    1\n")
    stat = newer.stat()
    os.utime(newer, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later file, as a download would be

    assert modulus.check("089999", "66374958", weights_file=newer).outcome is Outcome.VALID


def test_exception_8_checks_the_account_as_if_it_were_at_sort_code_090126(tmp_path):
    # Published case 18 passes with or without the substitution in today's table (086090 and
    # 090126 happen to give the same total under its weights), so a made-up row that weighs
    # every sort code digit by 1 and h by 1, modulus 10: at 090126 the sort code adds
    # 0+9+0+1+2+6 = 18, so h = 2 makes 20 and passes; at 086090 it would add 0+8+6+0+9+0 = 23,
    # which h = 7 would make pass instead.
    table = _write(tmp_path / "VALACDOS.txt", "086090 086090 MOD10 1 1 1 1 1 1 0 0 0 0 0 0 0 1 8\n")

    assert modulus.check("086090", "00000002", weights_file=table).outcome is Outcome.VALID
    assert modulus.check("086090", "00000007", weights_file=table).outcome is Outcome.INVALID


@pytest.mark.parametrize(
    "weights, error",
    [
        ("089000 089999 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2\n", "line 1: 16 fields, not 17 or 18"),
        ("089000 089999 MOD12 0 0 0 0 0 0 8 7 6 5 4 3 2 1\n", "line 1: unknown algorithm 'MOD12'"),
        (WEIGHTS_089999_MOD11 + "089999 089000 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 1\n", "line 2: the sort code range"),
        ("089000 089999 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 1 15\n", "line 1: unknown exception 15"),
        ("\n\n", "no rows"),
    ],
)
def test_a_weight_table_that_does_not_parse_is_refused_whole_naming_the_line(tmp_path, weights, error):
    path = _write(tmp_path / "VALACDOS.txt", weights)

    with pytest.raises(modulus.ModulusTableError, match=error):
        modulus.check("089999", "66374958", weights_file=path)


def test_a_missing_or_broken_substitution_table_is_refused_too(tmp_path):
    broken = _write(tmp_path / "SCSUBTAB.txt", "938173\n")

    with pytest.raises(modulus.ModulusTableError, match="line 1: not two 6-digit sort codes"):
        modulus.load_tables(substitutions_file=broken)
    with pytest.raises(modulus.ModulusTableError, match="cannot be read"):
        modulus.load_tables(weights_file=tmp_path / "missing.txt")
