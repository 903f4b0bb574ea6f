"""Statements for any period, as the screen, the CSV and the PDF show them, the period
presets, and the rent letter for a Universal Credit claim."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from portal_app.services.accounts.statements import (
    CSV_HEADER,
    Landlord,
    pdf_text,
    period_presets,
    statement,
    statement_table_rows,
    to_csv,
    to_html,
    to_pdf,
    uc_rent_statement,
    uc_rent_statement_pdf,
    uc_table_rows,
)
from tests.factories import FIRST_MONDAY, twenty_years_of_rent

TODAY = date(2026, 11, 22)  # a Sunday
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
LANDLORD = Landlord(
    "Northbrook Homes",
    "Northbrook Homes, 1 Civic Way, Northbrook NB1 1AA",
    "0300 123 4567",
    "income@northbrook-homes.example",
)


def joint_tenancy(records, *, end: date | None = None, start: date = date(2020, 4, 6)):
    lead, joint = records.person("Tomasz", "Nowak"), records.person("Agnieszka", "Nowak")
    lead.title, joint.title = "Mr", "Mrs"
    tenancy = records.tenancy(start=start, end=end, home=records.home("Flat 12", "Elm Court"))
    records.party(tenancy, lead, "lead_tenant")
    records.party(tenancy, joint, "joint_tenant")
    records.party(tenancy, records.person("Jordan", "Nowak"), "household_member")
    records.party(tenancy, records.person("Left", "Earlier"), "joint_tenant", end=date(2022, 1, 1))
    return tenancy, records.account(tenancy, ref="RA100002")


def ledger(records, rent):
    records.post(rent, date(2026, 10, 26), "rent_charge", 11819, "Rent", week=date(2026, 10, 26))
    records.post(rent, date(2026, 10, 29), "payment", -11819, "Payment at PayPoint")
    records.post(rent, date(2026, 11, 2), "rent_charge", 11819, "Rent", week=date(2026, 11, 2))
    records.post(rent, date(2026, 11, 5), "universal_credit", -48000, "Universal Credit housing costs")
    records.post(rent, date(2026, 11, 9), "rent_charge", 11819, "Rent", week=date(2026, 11, 9))
    records.post(rent, date(2026, 11, 12), "refund", 5000, "Refund of credit to your bank account")
    records.post(rent, date(2026, 11, 16), "rent_charge", 11819, "Rent", week=date(2026, 11, 16))


def lines(st):
    return [(line.posted_on, line.type, line.amount_pence, line.balance_pence) for line in st.lines]


def make(session, account, date_from, date_to, now=NOW):
    return statement(session, account.id, date_from, date_to, landlord=LANDLORD, now=now)


# ---------------------------------------------------------------------------
# Opening and closing balances for any period
# ---------------------------------------------------------------------------


def test_a_statement_opens_with_every_earlier_posting_and_lists_the_period_oldest_first(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)

    st = make(session, rent, date(2026, 11, 2), date(2026, 11, 12))

    assert st.opening_balance_pence == 0
    assert lines(st) == [
        (date(2026, 11, 2), "rent_charge", 11819, 11819),
        (date(2026, 11, 5), "universal_credit", -48000, -36181),
        (date(2026, 11, 9), "rent_charge", 11819, -24362),
        (date(2026, 11, 12), "refund", 5000, -19362),
    ]
    assert (st.closing_balance_pence, st.total_debits_pence, st.total_credits_pence) == (-19362, 28638, 48000)
    assert (st.opening_text, st.closing_text, st.closing_dr_cr) == ("£0.00", "£193.62 CR", "CR")
    assert st.closing_words == "On 12 November 2026 you were £193.62 in credit"


def test_a_period_starting_mid_ledger_carries_the_earlier_balance_forward(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)

    st = make(session, rent, date(2026, 11, 6), TODAY)

    assert st.opening_balance_pence == 11819 - 11819 + 11819 - 48000
    assert lines(st) == [
        (date(2026, 11, 9), "rent_charge", 11819, -24362),
        (date(2026, 11, 12), "refund", 5000, -19362),
        (date(2026, 11, 16), "rent_charge", 11819, -7543),
    ]
    assert (st.closing_balance_pence, st.closing_text) == (-7543, "£75.43 CR")
    assert st.closing_words == "You are £75.43 in credit"  # the period runs to today: present tense


def test_a_period_before_the_first_posting_opens_and_closes_at_nothing(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)

    st = make(session, rent, date(2024, 4, 1), date(2025, 3, 31))

    assert (st.opening_balance_pence, st.lines, st.closing_balance_pence) == (0, (), 0)
    assert st.closing_words == "On 31 March 2025 your account was clear: you owed nothing"


def test_a_period_after_the_last_posting_opens_and_closes_at_the_final_balance(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)

    st = make(session, rent, date(2026, 11, 17), date(2027, 3, 31))

    assert (st.opening_balance_pence, st.lines, st.closing_balance_pence) == (-7543, (), -7543)


def test_a_one_day_period_holds_only_that_days_postings(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)
    records.post(rent, date(2026, 11, 5), "payment", -100, "Card payment online")

    st = make(session, rent, date(2026, 11, 5), date(2026, 11, 5))

    assert st.opening_balance_pence == 11819
    assert lines(st) == [
        (date(2026, 11, 5), "universal_credit", -48000, -36181),
        (date(2026, 11, 5), "payment", -100, -36281),
    ]


def test_an_arrears_balance_reads_as_owed_with_dr(session, records):
    _t, rent = joint_tenancy(records)
    records.post(rent, date(2026, 11, 2), "rent_charge", 11819, "Rent")
    records.post(rent, date(2026, 11, 2), "court_costs", 35500, "Court costs: possession claim")

    now_st = make(session, rent, date(2026, 11, 1), TODAY)
    past_st = make(session, rent, date(2026, 11, 1), date(2026, 11, 2))

    assert (now_st.closing_text, now_st.closing_dr_cr, now_st.closing_words) == (
        "£473.19 DR",
        "DR",
        "You owe £473.19 (arrears)",
    )
    assert past_st.closing_words == "On 2 November 2026 you owed £473.19 (arrears)"


def test_a_backwards_period_is_refused_and_an_unknown_account_is_not_found(session, records):
    _t, rent = joint_tenancy(records)

    with pytest.raises(ValueError):
        make(session, rent, date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(LookupError):
        statement(session, 999_999, date(2026, 1, 1), TODAY, landlord=LANDLORD, now=NOW)


def test_each_line_has_its_rent_week_or_the_monday_of_the_day_it_was_posted(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)

    st = make(session, rent, date(2026, 10, 26), date(2026, 11, 9))

    assert [(line.posted_on, line.week_commencing, line.week_derived) for line in st.lines] == [
        (date(2026, 10, 26), date(2026, 10, 26), False),
        (date(2026, 10, 29), date(2026, 10, 26), True),  # a Thursday payment: its Monday
        (date(2026, 11, 2), date(2026, 11, 2), False),
        (date(2026, 11, 5), date(2026, 11, 2), True),
        (date(2026, 11, 9), date(2026, 11, 9), False),
    ]
    second = st.lines[1]
    assert (
        second.date_text,
        second.week_text,
        second.type_label,
        second.description,
        second.debit_text,
        second.credit_text,
        second.balance_text,
    ) == ("29 Oct 2026", "26 Oct 2026", "Payment", "Payment at PayPoint", "", "£118.19", "£0.00")


def test_the_statement_names_the_landlord_the_current_tenants_the_home_and_the_references(session, records):
    tenancy, rent = joint_tenancy(records)

    st = make(session, rent, date(2026, 4, 1), TODAY)

    assert st.landlord == LANDLORD
    assert st.residents == ("Mr Tomasz Nowak", "Mrs Agnieszka Nowak")
    assert st.address_lines == ("Flat 12", "Elm Court", "Northbrook", "NB1 2AB")
    assert (st.account_ref, st.tenancy_ref, st.title) == ("RA100002", tenancy.tenancy_ref, "Rent account statement")
    assert (st.period_text, st.produced_text) == ("1 April 2026 to 22 November 2026", "22 November 2026")


def test_a_former_tenancys_statement_names_who_was_on_it_when_it_ended(session, records):
    person = records.person("Kevin", "Doyle")
    gone = records.person("Early", "Leaver")
    tenancy = records.tenancy(start=date(2015, 8, 3), end=date(2025, 7, 6))
    records.party(tenancy, person, "lead_tenant", end=date(2025, 7, 6))
    records.party(tenancy, gone, "joint_tenant", end=date(2019, 1, 1))
    rent = records.account(tenancy, ref="R7")

    st = make(session, rent, date(2025, 4, 1), date(2025, 7, 6))

    assert st.residents == ("Kevin Doyle",)


def test_a_leaseholders_service_charge_statement_names_the_leaseholders(session, records):
    lead, joint = records.person("Priya", "Sharma"), records.person("Ravi", "Sharma")
    lease = records.tenancy("leasehold", start=date(2009, 11, 16))
    records.party(lease, joint, "joint_leaseholder")
    records.party(lease, lead, "leaseholder")
    service = records.account(lease, "service_charge", ref="SC100005")

    st = make(session, service, date(2026, 4, 1), TODAY)

    assert (st.residents, st.title) == (("Priya Sharma", "Ravi Sharma"), "Service charge account statement")


# ---------------------------------------------------------------------------
# Period presets
# ---------------------------------------------------------------------------


def test_the_period_presets_cover_13_weeks_this_and_last_financial_year_and_the_whole_tenancy():
    presets = period_presets(date(2012, 10, 1), TODAY)

    assert [(p.key, p.label, p.date_from, p.date_to) for p in presets] == [
        ("last_13_weeks", "Last 13 weeks", date(2026, 8, 24), TODAY),
        ("this_financial_year", "This financial year (from 1 April 2026)", date(2026, 4, 1), TODAY),
        (
            "last_financial_year",
            "Last financial year (1 April 2025 to 31 March 2026)",
            date(2025, 4, 1),
            date(2026, 3, 31),
        ),
        ("since_start", "Since the tenancy began (1 October 2012)", date(2012, 10, 1), TODAY),
    ]


def test_in_march_the_financial_year_is_the_one_that_began_last_april():
    presets = {p.key: (p.date_from, p.date_to) for p in period_presets(date(2012, 10, 1), date(2027, 3, 31))}

    assert presets["this_financial_year"] == (date(2026, 4, 1), date(2027, 3, 31))
    assert presets["last_financial_year"] == (date(2025, 4, 1), date(2026, 3, 31))


def test_a_new_tenancy_gets_presets_that_start_when_it_began_and_no_last_financial_year():
    presets = {p.key: (p.date_from, p.date_to) for p in period_presets(date(2026, 10, 5), TODAY)}

    assert presets == {
        "last_13_weeks": (date(2026, 10, 5), TODAY),
        "this_financial_year": (date(2026, 10, 5), TODAY),
        "since_start": (date(2026, 10, 5), TODAY),
    }
    assert period_presets(date(2026, 12, 7), TODAY) == []


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def test_the_csv_rows_are_the_statement_lines_between_an_opening_and_a_closing_row(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)
    st = make(session, rent, date(2026, 11, 2), date(2026, 11, 12))

    data = to_csv(st)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))

    assert data.startswith(b"\xef\xbb\xbf")  # a UTF-8 byte order mark, for spreadsheet programs
    assert (
        tuple(rows[0]) == CSV_HEADER == ("Date", "Week commencing", "Description", "Type", "Debit", "Credit", "Balance")
    )
    assert rows[1] == ["2026-11-02", "", "Opening balance", "Balance brought forward", "", "", "0.00"]
    assert rows[2:-1] == [
        ["2026-11-02", "2026-11-02", "Rent", "Rent", "118.19", "", "118.19"],
        ["2026-11-05", "2026-11-02", "Universal Credit housing costs", "Universal Credit", "", "480.00", "-361.81"],
        ["2026-11-09", "2026-11-09", "Rent", "Rent", "118.19", "", "-243.62"],
        ["2026-11-12", "2026-11-09", "Refund of credit to your bank account", "Refund", "50.00", "", "-193.62"],
    ]
    assert rows[-1] == ["2026-11-12", "", "Closing balance", "Balance carried forward", "", "", "-193.62"]
    assert [(r[0], r[2], r[3]) for r in rows[2:-1]] == [
        (line.posted_on.isoformat(), line.description, line.type_label) for line in st.lines
    ]


def test_a_csv_cell_that_a_spreadsheet_would_run_as_a_formula_is_made_plain_text(session, records):
    _t, rent = joint_tenancy(records)
    records.post(rent, date(2026, 11, 2), "adjustment", -100, '=HYPERLINK("http://example.com")')

    rows = list(csv.reader(io.StringIO(to_csv(make(session, rent, date(2026, 11, 1), TODAY)).decode("utf-8-sig"))))

    assert rows[2][2] == '\'=HYPERLINK("http://example.com")'


def test_an_empty_period_has_just_the_opening_and_closing_rows(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)

    rows = list(
        csv.reader(io.StringIO(to_csv(make(session, rent, date(2027, 1, 1), date(2027, 1, 31))).decode("utf-8-sig")))
    )

    assert rows[1:] == [
        ["2027-01-01", "", "Opening balance", "Balance brought forward", "", "", "-75.43"],
        ["2027-01-31", "", "Closing balance", "Balance carried forward", "", "", "-75.43"],
    ]


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def pdf_words(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)


def assert_in_order(text: str, pieces: list[str]) -> None:
    at = 0
    for piece in pieces:
        found = text.find(piece, at)
        assert found >= 0, f"{piece!r} not found after position {at}"
        at = found + len(piece)


def test_the_pdf_says_what_the_screen_says_row_for_row(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)
    st = make(session, rent, date(2026, 10, 26), TODAY)

    text, pages = pdf_words(to_pdf(st))
    rows = statement_table_rows(st)

    assert pages == 1
    assert rows[0] == ("26 Oct 2026", "", "Opening balance", "", "", "", "£0.00")
    assert rows[-1] == ("22 Nov 2026", "", "Closing balance", "", "", "", "£75.43 CR")
    assert rows[1:-1] == [
        (
            line.date_text,
            line.week_text,
            line.description,
            line.type_label,
            line.debit_text,
            line.credit_text,
            line.balance_text,
        )
        for line in st.lines
    ]
    assert_in_order(
        text,
        [
            "Rent account statement",
            "Northbrook Homes",
            "Northbrook Homes, 1 Civic Way, Northbrook NB1 1AA",
            "Phone 0300 123 4567",
            "Mr Tomasz Nowak",
            "Mrs Agnieszka Nowak",
            "Flat 12",
            "Elm Court",
            "Northbrook",
            "NB1 2AB",
            "Account reference RA100002",
            "Period 26 October 2026 to 22 November 2026",
            "Opening balance £0.00",
            "Closing balance £75.43 CR",
            "Date Week commencing Description Type Debit Credit Balance",
            *(" ".join(cell for cell in row if cell) for row in rows),
            "Closing balance on 22 November 2026: £75.43 CR",
            "You are £75.43 in credit.",
            "Page 1 of 1",
        ],
    )
    assert "26 Oct 2026 26 Oct 2026 Rent Rent £118.19 £118.19 DR" in text
    assert "5 Nov 2026 2 Nov 2026 Universal Credit housing costs Universal Credit £480.00 £361.81 CR" in text


def test_a_pdf_for_a_period_without_postings_shows_the_opening_and_closing_balances(session, records):
    _t, rent = joint_tenancy(records)
    ledger(records, rent)

    text, pages = pdf_words(to_pdf(make(session, rent, date(2027, 1, 1), date(2027, 1, 31))))

    assert pages == 1
    assert_in_order(
        text,
        [
            "Date Week commencing Description Type Debit Credit Balance",
            "1 Jan 2027 Opening balance £75.43 CR",
            "31 Jan 2027 Closing balance £75.43 CR",
            "Closing balance on 31 January 2027: £75.43 CR",
            "You are £75.43 in credit.",
        ],
    )


def test_a_twenty_year_statement_renders_fast_with_every_line_and_numbered_pages(session, records):
    tenancy, rent = joint_tenancy(records, start=FIRST_MONDAY)
    expected = twenty_years_of_rent(records, rent)

    started = time.perf_counter()
    st = make(session, rent, FIRST_MONDAY, TODAY)
    data = to_pdf(st)
    seconds = time.perf_counter() - started
    text, pages = pdf_words(data)

    assert len(st.lines) == len(expected) == 1_901
    assert st.closing_balance_pence == expected[0][3]
    assert seconds < 2.0, f"{seconds:.2f} s"
    assert pages == 36
    assert re.findall(r"Page (\d+) of 36", text) == [str(n) for n in range(1, 37)]
    assert text.count("(continued)") == 34  # pages 2 to 35 continue the table; 36 holds the closing words
    assert_in_order(text, [" ".join(c for c in row if c) for row in statement_table_rows(st)])


def test_pdf_text_keeps_latin_1_and_replaces_what_the_core_font_cannot_draw():
    assert pdf_text("Rent £113.69 – “arrears” O’Connor café…") == 'Rent £113.69 - "arrears" O\'Connor café...'
    assert pdf_text("Wiśniewski Łukasz 😀") == "Wisniewski ?ukasz ?"


def test_a_pdf_with_curly_quotes_dashes_and_long_descriptions_still_renders(session, records):
    _t, rent = joint_tenancy(records)
    long = (
        "Rechargeable repair – replacement of the “fire door” and frame to the communal landing outside "
        "your flat, including making good"
    )
    records.post(rent, date(2026, 11, 2), "recharge", 18500, long)

    text, _pages = pdf_words(to_pdf(make(session, rent, date(2026, 11, 1), TODAY)))

    assert (
        '2 Nov 2026 2 Nov 2026 Rechargeable repair - replacement of the "fire door" and frame to the communal '
        "landing outside your flat, including making good Repair recharge £185.00 £185.00 DR"
    ) in text


# ---------------------------------------------------------------------------
# The Universal Credit rent letter
# ---------------------------------------------------------------------------


def uc_tenancy(records):
    tenancy, rent = joint_tenancy(records)
    tenancy.rent_free_weeks = "2026-08-24;2026-08-31;2026-12-21;2026-12-28;2027-08-23"
    records.charge(rent, 11369, description="Basic rent", eligible=True)
    records.charge(rent, 412, code="caretaking", description="Caretaking", eligible=True)
    records.charge(rent, 326, code="cleaning", description="Communal cleaning", eligible=True)
    records.charge(rent, 446, code="water", description="Water and sewerage charges", eligible=False)
    records.charge(rent, 10849, start=date(2025, 4, 7), end=date(2026, 4, 5), description="Basic rent", eligible=True)
    return tenancy, rent


def test_the_uc_letter_lists_rent_and_each_service_charge_weekly_and_monthly_with_eligibility(session, records):
    tenancy, rent = uc_tenancy(records)

    letter = uc_rent_statement(session, rent.id, TODAY, landlord=LANDLORD)

    assert [(c.description, c.eligibility_text, c.weekly_pence, c.monthly_pence) for c in letter.lines] == [
        ("Basic rent", "Eligible", 11369, 49266),  # 11369 x 52 / 12 = 49265.67
        ("Caretaking", "Eligible", 412, 1785),  # 1785.33
        ("Communal cleaning", "Eligible", 326, 1413),  # 1412.67
        ("Water and sewerage charges", "Not eligible", 446, 1933),  # 1932.67
    ]
    assert (letter.total_weekly_pence, letter.eligible_weekly_pence, letter.not_eligible_weekly_pence) == (
        12553,
        12107,
        446,
    )
    assert (letter.total_monthly_pence, letter.eligible_monthly_pence, letter.not_eligible_monthly_pence) == (
        54397,
        52464,
        1933,
    )
    assert (letter.tenancy_ref, letter.tenancy_start, letter.tenancy_start_text, letter.as_at_text) == (
        tenancy.tenancy_ref,
        date(2020, 4, 6),
        "6 April 2020",
        "22 November 2026",
    )
    assert (letter.account_ref, letter.residents, letter.landlord) == (
        "RA100002",
        ("Mr Tomasz Nowak", "Mrs Agnieszka Nowak"),
        LANDLORD,
    )


def test_the_uc_letter_counts_rent_free_weeks_in_the_coming_52_and_averages_eligible_charges_over_the_rest(
    session, records
):
    _t, rent = uc_tenancy(records)

    letter = uc_rent_statement(session, rent.id, TODAY, landlord=LANDLORD)

    # from Monday 16 November 2026: 21 and 28 December 2026, 23 August 2027 (30 August 2027 is not listed)
    assert (letter.rent_free_weeks, letter.charged_weeks) == (3, 49)
    assert letter.eligible_monthly_charged_weeks_pence == 49437  # 12107 x 49 / 12 = 49436.92
    assert letter.notes[-1] == (
        "This tenancy has 3 rent-free weeks in the 52 weeks from 16 November 2026, so rent is charged for 49 weeks. "
        "Over those weeks the eligible charges come to £494.37 a month (£121.07 x 49 / 12)."
    )


def test_the_uc_letter_uses_the_charges_in_force_on_its_date(session, records):
    _t, rent = uc_tenancy(records)

    letter = uc_rent_statement(session, rent.id, date(2026, 1, 5), landlord=LANDLORD)

    assert [(c.description, c.weekly_pence) for c in letter.lines] == [("Basic rent", 10849)]


def test_the_uc_letter_pdf_shows_the_same_figures(session, records):
    _t, rent = uc_tenancy(records)
    letter = uc_rent_statement(session, rent.id, TODAY, landlord=LANDLORD)

    text, pages = pdf_words(uc_rent_statement_pdf(letter))

    assert pages == 1
    assert_in_order(
        text,
        [
            "Rent and service charges for Universal Credit",
            "Northbrook Homes",
            "Mr Tomasz Nowak",
            "Tenancy reference " + letter.tenancy_ref,
            "Rent account RA100002",
            "Tenancy began 6 April 2020",
            "Charges as at 22 November 2026",
            "Charge Universal Credit Weekly Monthly",
            *(" ".join(c for c in row if c) for row in uc_table_rows(letter)),
            *letter.notes,
            "Income team, Northbrook Homes",
            "Page 1 of 1",
        ],
    )
    assert "Basic rent Eligible £113.69 £492.66" in text
    assert "Water and sewerage charges Not eligible £4.46 £19.33" in text
    assert "Total £125.53 £543.97" in text


def test_a_uc_letter_for_a_date_without_charges_says_so(session, records):
    _t, rent = joint_tenancy(records)

    letter = uc_rent_statement(session, rent.id, TODAY, landlord=LANDLORD)

    assert (letter.lines, letter.total_weekly_pence, letter.total_monthly_pence) == ((), 0, 0)
    assert letter.notes[-1] == "No charges were in force on this account on 22 November 2026."
    assert uc_rent_statement_pdf(letter).startswith(b"%PDF-")


def test_the_landlord_comes_from_the_settings():
    class FakeSettings:
        landlord_name = "Northbrook Homes"
        landlord_address = "1 Civic Way"
        landlord_phone = "0300 123 4567"
        landlord_email = "income@example.org"

    assert Landlord.from_settings(FakeSettings()) == Landlord(
        "Northbrook Homes", "1 Civic Way", "0300 123 4567", "income@example.org"
    )


def test_a_statement_period_is_shown_in_uk_dates_even_just_after_midnight_utc_in_summer(session, records):
    _t, rent = joint_tenancy(records)
    late = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London

    st = make(session, rent, date(2026, 6, 1), date(2026, 6, 30), now=late)

    assert st.produced_text == "1 July 2026"
    assert st.closing_words == "On 30 June 2026 your account was clear: you owed nothing"


def test_the_copy_kept_on_a_phone_shows_the_same_rows_and_says_when_it_was_produced(session, records):
    import html as html_lib

    _t, rent = joint_tenancy(records)
    ledger(records, rent)
    st = make(session, rent, date(2026, 10, 26), TODAY)
    page = to_html(st).decode("utf-8")
    cells = [html_lib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", page)]
    rows = statement_table_rows(st)
    assert cells == [cell for row in rows for cell in row]
    assert "This statement was produced at 10:30 on 22 November 2026" in page
    assert "26 October 2026 to 22 November 2026" in page
    assert "You are £75.43 in credit" in page
    assert "<script" not in page and "http" not in page  # self-contained: opens offline


def test_the_html_copy_escapes_what_the_feed_sent(session, records):
    _t, rent = joint_tenancy(records)
    records.post(rent, date(2026, 11, 2), "payment_card", -1000, "<img src=x onerror=alert(1)> & co")
    st = make(session, rent, date(2026, 10, 26), TODAY)
    page = to_html(st).decode("utf-8")
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in page


# ---------------------------------------------------------------------------
# A period asked for from before the tenancy began (issue 13 item 6)
# ---------------------------------------------------------------------------


def test_a_statement_asked_for_from_before_my_tenancy_began_starts_on_the_day_it_began_and_says_so(session, records):
    _t, rent = joint_tenancy(records, start=date(2019, 3, 3))
    records.post(rent, date(2019, 3, 4), "rent_charge", 9000, "Rent", week=date(2019, 3, 4))

    st = make(session, rent, date(2010, 1, 1), date(2019, 3, 31))

    assert (st.date_from, st.asked_from) == (date(2019, 3, 3), date(2010, 1, 1))
    assert st.period_text == "3 March 2019 to 31 March 2019"
    assert st.start_note == "Your tenancy began on 3 March 2019, so this statement starts then."
    assert statement_table_rows(st)[0][:3] == ("3 Mar 2019", "", "Opening balance")
    assert list(csv.reader(io.StringIO(to_csv(st).decode("utf-8-sig"))))[1][0] == "2019-03-03"
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(to_pdf(st))).pages)
    assert "3 March 2019 to 31 March 2019" in pdf and "1 January 2010" not in pdf
    assert "Your tenancy began on 3 March 2019, so this statement starts then." in pdf
    assert "Your tenancy began on 3 March 2019, so this statement starts then." in to_html(st).decode()


def test_a_statement_from_the_day_my_tenancy_began_has_no_note_about_moving_its_start(session, records):
    _t, rent = joint_tenancy(records, start=date(2019, 3, 3))

    st = make(session, rent, date(2019, 3, 3), date(2019, 3, 31))

    assert (st.date_from, st.start_note) == (date(2019, 3, 3), "")


def test_a_statement_that_ends_before_my_tenancy_began_is_refused_with_the_day_it_began(session, records):
    _t, rent = joint_tenancy(records, start=date(2019, 3, 3))

    with pytest.raises(ValueError, match="Your tenancy began on 3 March 2019"):
        make(session, rent, date(2010, 1, 1), date(2018, 12, 31))


# ---------------------------------------------------------------------------
# A tagged PDF (issue 13 item 18)
# ---------------------------------------------------------------------------


def _marked_text(reader) -> dict[tuple[int, int], str]:
    """(page index, MCID) -> the text drawn inside that marked-content sequence."""
    from pypdf.generic import ContentStream

    found: dict[tuple[int, int], str] = {}
    for index, page in enumerate(reader.pages):
        stack: list[int | None] = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"BDC":
                props = operands[1]
                stack.append(props.get("/MCID") if hasattr(props, "get") else None)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC":
                stack.pop()
            elif operator == b"Tj" and stack and stack[-1] is not None:
                key = (index, int(stack[-1]))
                found[key] = (found.get(key, "") + " " + str(operands[0])).strip()
    return found


def _tree(reader):
    """The structure tree as (role, attributes, text, children), text from the content it marks."""
    texts = _marked_text(reader)
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}

    def walk(node, page=None):
        node = node.get_object()
        if "/Pg" in node:
            page = pages[node.raw_get("/Pg").idnum]
        kids = node.get("/K", [])
        kids = kids if isinstance(kids, list) else [kids]
        children, text = [], []
        for kid in kids:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, int):
                text.append(texts.get((page, kid), ""))
            else:
                children.append(walk(kid, page))
        attrs = node.get("/A")
        return (str(node.get("/S")), attrs.get_object() if attrs is not None else None, " ".join(text), children)

    (document,) = reader.trailer["/Root"]["/StructTreeRoot"]["/K"]
    return walk(document)


def test_a_screen_reader_finds_my_pdf_statement_tagged_in_english_with_its_table_headers(session, records):
    _t, rent = joint_tenancy(records)
    for week in range(120):  # enough lines for the table to run over three pages
        day = date(2024, 4, 1) + (date(2024, 4, 8) - date(2024, 4, 1)) * week
        records.post(rent, day, "rent_charge", 11819, "Rent", week=day)
    st = make(session, rent, date(2024, 4, 1), TODAY)

    reader = PdfReader(io.BytesIO(to_pdf(st)))
    root = reader.trailer["/Root"]

    assert len(reader.pages) >= 3
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "en-GB"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.metadata.title == f"Rent account statement {st.account_ref}"
    document = _tree(reader)
    assert document[0] == "/Document"
    roles = [child[0] for child in document[3]]
    assert roles[0] == "/H1" and document[3][0][2] == "Rent account statement"
    assert roles.count("/Table") == 1 and "/P" in roles
    table = next(child for child in document[3] if child[0] == "/Table")
    header, *body = table[3]
    # The header once (its copies at the top of later pages are page furniture), every
    # column a TH with column scope, then one row of TDs for each row the page shows.
    assert [(cell[0], cell[1]["/Scope"], cell[2]) for cell in header[3]] == [
        ("/TH", "/Column", title) for title in CSV_HEADER
    ]
    assert all(row[0] == "/TR" and {cell[0] for cell in row[3]} == {"/TD"} for row in body)
    assert [tuple(cell[2] for cell in row[3]) for row in body] == statement_table_rows(st)
    paragraphs = " ".join(child[2] for child in document[3] if child[0] == "/P")
    assert st.closing_words in paragraphs and "Northbrook Homes" in paragraphs
