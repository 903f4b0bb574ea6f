"""The demo landlord: a realistic feed, deterministic, loadable, with the fixed demo residents."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from portal_app.models import Account, Person, Tenancy, TenancyParty, Transaction
from portal_app.services.accounts.balances import account_summaries
from portal_app.services.records.demo_feed import COLUMNS, DEFAULT_TODAY, LANDLORD, write_demo_feed
from portal_app.services.records.importer import import_feed
from portal_app.services.validation import normalise_uk_mobile

SMALL = 150
NOW = datetime(2026, 11, 22, 9, 0)


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    summary = write_demo_feed(folder, tenancies=SMALL)
    return folder, summary


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_same_seed_and_day_give_byte_identical_files(feed, tmp_path):
    folder, _summary = feed
    write_demo_feed(tmp_path / "again", tenancies=SMALL)

    for path in sorted(folder.iterdir()):
        assert path.read_bytes() == (tmp_path / "again" / path.name).read_bytes(), path.name


def test_another_seed_gives_another_landlord(feed, tmp_path):
    folder, _summary = feed
    write_demo_feed(tmp_path / "other", tenancies=SMALL, seed=7)

    assert (folder / "people.csv").read_bytes() != (tmp_path / "other" / "people.csv").read_bytes()


def test_the_summary_describes_what_was_written(feed):
    folder, summary = feed

    assert summary.landlord == LANDLORD == "Northbrook Homes"
    assert summary.today == DEFAULT_TODAY == date(2026, 11, 22)
    assert summary.tenancies == SMALL
    assert set(summary.rows) == set(COLUMNS)
    for name, count in summary.rows.items():
        assert len(rows(folder, name)) == count, name


def test_it_covers_every_tenure_role_account_type_transaction_type_and_payment_method(feed):
    folder, _summary = feed
    tenancies = rows(folder, "tenancies.csv")
    parties = rows(folder, "tenancy_parties.csv")
    accounts = rows(folder, "accounts.csv")
    charges = rows(folder, "charges.csv")
    postings = rows(folder, "transactions.csv")

    assert {t["tenure"] for t in tenancies} == {
        "secure",
        "introductory",
        "flexible",
        "assured",
        "starter",
        "non_secure",
        "temporary_accommodation",
        "leasehold",
        "shared_ownership",
        "garage_licence",
    }
    assert {p["role"] for p in parties} == {
        "lead_tenant",
        "joint_tenant",
        "household_member",
        "leaseholder",
        "joint_leaseholder",
        "licensee",
        "occupant",
    }
    assert {a["account_type"] for a in accounts} == {"rent", "service_charge", "garage", "major_works", "sundry"}
    assert {t["type"] for t in postings} == {
        "rent_charge",
        "service_charge",
        "other_charge",
        "housing_benefit",
        "universal_credit",
        "payment",
        "direct_debit",
        "payment_returned",
        "refund",
        "adjustment",
        "write_off",
        "court_costs",
        "recharge",
        "transfer",
    }
    assert {"card", "direct_debit", "standing_order", "bank_transfer", "paypoint"} <= {t["method"] for t in postings}
    assert {c["frequency"] for c in charges} == {"weekly", "monthly", "yearly"}
    assert {c["benefit_eligible"] for c in charges} == {"true", "false"}
    assert {"basic_rent", "water", "garage", "estimated_service_charge"} <= {c["charge_code"] for c in charges}


def test_it_has_joint_tenancies_former_tenancies_and_residents_with_a_flat_and_a_garage(feed):
    folder, _summary = feed
    tenancies = {t["tenancy_ref"]: t for t in rows(folder, "tenancies.csv")}
    parties = rows(folder, "tenancy_parties.csv")
    roles_by_tenancy: dict[str, list[str]] = defaultdict(list)
    tenancies_by_person: dict[str, list[str]] = defaultdict(list)
    for p in parties:
        roles_by_tenancy[p["tenancy_ref"]].append(p["role"])
        if p["role"] in ("lead_tenant", "licensee") and not p["end_date"]:
            tenancies_by_person[p["person_ref"]].append(p["tenancy_ref"])

    joint = [ref for ref, roles in roles_by_tenancy.items() if "joint_tenant" in roles]
    former = [t for t in tenancies.values() if t["end_date"]]
    current = {
        person: {tenancies[r]["tenure"] for r in refs if not tenancies[r]["end_date"]}
        for person, refs in tenancies_by_person.items()
    }
    home_and_garage = [
        person for person, tenures in current.items() if "garage_licence" in tenures and tenures - {"garage_licence"}
    ]
    assert len(joint) >= 10
    assert len(former) >= 8
    assert len(home_and_garage) >= 3
    assert all(t["end_date"] < "2026-11-22" for t in former)
    assert all(
        "lead_tenant" in roles or "leaseholder" in roles or "licensee" in roles for roles in roles_by_tenancy.values()
    )


def test_rent_is_charged_on_mondays_and_never_in_a_rent_free_week(feed):
    folder, _summary = feed
    tenancies = {t["tenancy_ref"]: t for t in rows(folder, "tenancies.csv")}
    account_tenancy = {a["account_ref"]: a["tenancy_ref"] for a in rows(folder, "accounts.csv")}
    free = {ref: set(t["rent_free_weeks"].split(";")) - {""} for ref, t in tenancies.items()}
    weekly_charges = [
        t for t in rows(folder, "transactions.csv") if t["type"] == "rent_charge" and t["week_commencing"]
    ]

    assert len(weekly_charges) > 1000
    for t in weekly_charges:
        assert t["posted_on"] == t["week_commencing"]
        assert date.fromisoformat(t["week_commencing"]).weekday() == 0
        assert t["week_commencing"] not in free[account_tenancy[t["account_ref"]]]
    christmas = [t for t in weekly_charges if t["week_commencing"] in ("2025-12-22", "2025-12-29")]
    august = [t for t in weekly_charges if t["week_commencing"] in ("2026-08-24", "2026-08-31")]
    assert christmas and august  # garages and temporary accommodation have no rent-free weeks
    assert {account_tenancy[t["account_ref"]][:3] for t in christmas} == {"TEN"}
    assert all(
        tenancies[account_tenancy[t["account_ref"]]]["tenure"] in ("garage_licence", "temporary_accommodation")
        for t in christmas + august
    )


def test_rents_are_near_the_english_average_and_rise_each_april(feed):
    folder, _summary = feed
    tenancies = {t["tenancy_ref"]: t for t in rows(folder, "tenancies.csv")}
    account_tenancy = {a["account_ref"]: a["tenancy_ref"] for a in rows(folder, "accounts.csv")}
    general_needs = ("secure", "introductory", "flexible", "assured", "starter", "non_secure")
    rents_2025, rents_2026 = {}, {}
    for c in rows(folder, "charges.csv"):
        tenure = tenancies[account_tenancy[c["account_ref"]]]["tenure"]
        if c["charge_code"] == "basic_rent" and tenure in general_needs:
            if c["effective_from"] == "2025-04-07":
                rents_2025[c["account_ref"]] = int(c["amount"].replace(".", ""))
            elif c["effective_from"] == "2026-04-06":
                rents_2026[c["account_ref"]] = int(c["amount"].replace(".", ""))

    average = sum(rents_2025.values()) / len(rents_2025)
    assert 10500 <= average <= 12300  # about £114 a week in 2025/26
    both = rents_2025.keys() & rents_2026.keys()
    assert both
    assert all(rents_2026[a] > rents_2025[a] for a in both)


def test_contact_details_are_the_reserved_fictional_kinds(feed):
    folder, _summary = feed
    people = rows(folder, "people.csv")

    assert all(p["first_name"].strip() and p["last_name"].strip() for p in people)
    emails = [p["email"] for p in people if p["email"]]
    mobiles = [p["mobile"] for p in people if p["mobile"]]
    assert emails and mobiles
    assert all(e.endswith(("@example.com", "@example.org")) for e in emails)
    assert all((normalise_uk_mobile(m) or "").startswith("+447700900") for m in mobiles)
    assert len({normalise_uk_mobile(m) for m in mobiles}) == len(mobiles)
    # A few lead residents (about 2%) have no date of birth on record, as in real landlord
    # systems; everyone else's is in the past.
    without_dob = {p["person_ref"] for p in people if not p["date_of_birth"]}
    assert 0 < len(without_dob) <= len(people) * 0.05
    roles = {(party["person_ref"], party["role"]) for party in rows(folder, "tenancy_parties.csv")}
    assert {role for ref, role in roles if ref in without_dob} <= {"lead_tenant", "licensee", "leaseholder"}
    assert all(p["date_of_birth"] < "2026-11-22" for p in people if p["date_of_birth"])


def test_the_demo_residents_one_to_five_have_emails_no_one_else_has(feed):
    folder, summary = feed
    emails = Counter(p["email"] for p in rows(folder, "people.csv") if p["email"])

    cases = summary.demo_residents
    assert len(cases) == 9
    for resident in cases[:6]:  # (1), (2) both tenants, (3), (4), (5)
        assert resident.email and emails[resident.email] == 1, resident


def test_the_demo_feed_imports_cleanly_with_sensible_balances(feed, db):
    folder, summary = feed

    report = import_feed(db, folder, now=NOW)

    assert report.ok, report.render()
    assert report.warnings == []
    assert {name: c.added for name, c in report.files.items()} == summary.rows
    with Session(db) as s:
        balances = s.exec(
            select(Account.account_ref, func.coalesce(func.sum(Transaction.amount_pence), 0))
            .join(Transaction, Transaction.account_id == Account.id, isouter=True)
            .join(Tenancy, Tenancy.id == Account.tenancy_id)
            .where(Account.account_type == "rent", Tenancy.end_date.is_(None))
            .group_by(Account.account_ref)
        ).all()
    values = [int(b) for _ref, b in balances]
    near_clear = [v for v in values if -15000 <= v <= 15000]
    assert len(near_clear) > len(values) / 2
    assert any(5000 <= v <= 80000 for v in values)  # some arrears of a few hundred pounds
    assert any(v > 100000 for v in values)  # a few large
    assert any(v < -1000 for v in values)  # some in credit


def _resident(summary, name: str):
    return next(r for r in summary.demo_residents if r.name == name)


def test_the_fixed_demo_residents_are_what_the_readme_says(feed, db):
    folder, summary = feed
    assert import_feed(db, folder, now=NOW).ok
    today = date(2026, 11, 22)

    def seen(resident, *, allow_former=False):
        with Session(db) as s:
            person = s.exec(select(Person).where(Person.person_ref == resident.person_ref)).one()
            tenancy = s.exec(select(Tenancy).where(Tenancy.tenancy_ref == resident.tenancy_ref)).one()
            party = s.exec(
                select(TenancyParty).where(TenancyParty.person_id == person.id, TenancyParty.tenancy_id == tenancy.id)
            ).one()
            assert (person.first_name + " " + person.last_name, person.date_of_birth) == (
                resident.name,
                resident.date_of_birth,
            )
            assert party.role == resident.role
            shown = account_summaries(
                s, person_id=person.id, tenancy_id=tenancy.id, today=today, now=NOW, allow_former=allow_former
            )
            types = set(
                s.exec(select(Transaction.type).join(Account).where(Account.tenancy_id == tenancy.id).distinct()).all()
            )
            return tenancy, {a.account_ref: a for a in shown}, types

    assert [r.tenancy_ref for r in summary.demo_residents] == [
        "TEN100001",
        "TEN100002",
        "TEN100002",
        "TEN100003",
        "SC100005",
        "TEN100006",
        "TEN100007",
        "TEN100008",
        "TEN100001",
    ]
    assert all(isinstance(r.date_of_birth, date) for r in summary.demo_residents)

    # (1) secure lead tenant in arrears, on Housing Benefit
    tenancy, shown, types = seen(_resident(summary, "Denise Walker"))
    assert tenancy.tenure == "secure" and tenancy.is_current(today)
    assert list(shown) == ["RA100001"] and shown["RA100001"].balance_pence > 10000
    assert "housing_benefit" in types

    # (2) joint secure tenancy on Universal Credit: both see the same accounts
    tenancy, lead_sees, types = seen(_resident(summary, "Tomasz Nowak"))
    _, joint_sees, _ = seen(_resident(summary, "Agnieszka Nowak"))
    assert tenancy.tenure == "secure" and "universal_credit" in types
    assert list(lead_sees) == list(joint_sees) == ["RA100002"]

    # (3) a flat and a garage, Direct Debit, in credit
    tenancy, shown, types = seen(_resident(summary, "Marcus Bennett"))
    assert list(shown) == ["RA100003", "GA100004"]
    assert shown["RA100003"].balance_pence < 0 and shown["GA100004"].tenure == "garage_licence"
    assert "direct_debit" in types

    # (4) a leaseholder with service charge and major works accounts
    tenancy, shown, _ = seen(_resident(summary, "Priya Sharma"))
    assert tenancy.tenure == "leasehold"
    assert [a.account_type for a in shown.values()] == ["service_charge", "major_works"]

    # (5) twenty years of history, the longest of all
    tenancy, shown, _ = seen(_resident(summary, "Margaret O'Connor"))
    assert tenancy.start_date == date(2006, 4, 3)
    with Session(db) as s:
        biggest = s.exec(
            select(Account.account_ref)
            .join(Transaction)
            .group_by(Account.account_ref)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
    assert biggest == "RA100006"

    # (6) temporary accommodation, (7) a former tenant with arrears, (8) a household member
    tenancy, _, _ = seen(_resident(summary, "Liam Foster"))
    assert tenancy.tenure == "temporary_accommodation" and tenancy.is_current(today)
    tenancy, shown, _ = seen(_resident(summary, "Kevin Doyle"))
    assert tenancy.end_date is not None and tenancy.end_date < today and shown == {}
    _, shown, _ = seen(_resident(summary, "Kevin Doyle"), allow_former=True)
    assert list(shown) == ["RA100008"] and shown["RA100008"].balance_pence > 50000
    _, shown, _ = seen(_resident(summary, "Jordan Walker"))
    assert shown == {}
