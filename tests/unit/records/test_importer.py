"""The feed importer: validate everything first, write all or nothing, re-import changes nothing."""

from __future__ import annotations

import csv
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from portal_app.models import Account, Charge, ImportRun, Officer, Person, Property, Tenancy, TenancyParty, Transaction
from portal_app.services.records.importer import ImportReport, import_feed

NOW = datetime(2026, 11, 22, 10, 0, 0)
TABLES = (Property, Person, Officer, Tenancy, TenancyParty, Account, Charge, Transaction, ImportRun)

# A small, good feed: two homes, three people, one joint tenancy, a garage, a leaseholder.
GOOD: dict[str, list[dict[str, str]]] = {
    "properties.csv": [
        {
            "property_ref": "P1",
            "uprn": "100023000001",
            "address_line_1": "Flat 1",
            "address_line_2": "Elm Court",
            "address_line_3": "Station Road",
            "town": "Northbrook",
            "postcode": "nb1 2ab",
            "property_type": "flat",
            "bedrooms": "2",
        },
        {
            "property_ref": "P2",
            "uprn": "",
            "address_line_1": "Garage 4",
            "address_line_2": "",
            "address_line_3": "",
            "town": "Northbrook",
            "postcode": "NB12AD",
            "property_type": "garage",
            "bedrooms": "",
        },
    ],
    "people.csv": [
        {
            "person_ref": "A1",
            "title": "Ms",
            "first_name": "Ann",
            "last_name": "Lee",
            "date_of_birth": "1970-01-02",
            "email": "Ann.Lee@Example.com",
            "mobile": "07700 900123",
        },
        {
            "person_ref": "A2",
            "title": "Mr",
            "first_name": "Bo",
            "last_name": "Lee",
            "date_of_birth": "1972-03-04",
            "email": "",
            "mobile": "+44 (0)7700 900124",
        },
        {
            "person_ref": "A3",
            "title": "",
            "first_name": "Cy",
            "last_name": "Lee",
            "date_of_birth": "",
            "email": "",
            "mobile": "",
        },
    ],
    "officers.csv": [
        {
            "officer_ref": "O1",
            "name": "Rita Income",
            "role": "income_officer",
            "email": "rita@example.org",
            "phone": "0300 123 4567",
        }
    ],
    "tenancies.csv": [
        {
            "tenancy_ref": "TEN1",
            "property_ref": "P1",
            "tenure": "secure",
            "start_date": "2020-04-06",
            "end_date": "",
            "rent_frequency": "weekly",
            "rent_free_weeks": "2026-12-28; 2026-12-21",
            "income_officer_ref": "O1",
            "housing_officer_ref": "",
        },
        {
            "tenancy_ref": "TEN2",
            "property_ref": "P2",
            "tenure": "garage_licence",
            "start_date": "2021-01-04",
            "end_date": "",
            "rent_frequency": "",
            "rent_free_weeks": "",
            "income_officer_ref": "",
            "housing_officer_ref": "",
        },
    ],
    "tenancy_parties.csv": [
        {"tenancy_ref": "TEN1", "person_ref": "A1", "role": "lead_tenant", "start_date": "2020-04-06", "end_date": ""},
        {"tenancy_ref": "TEN1", "person_ref": "A2", "role": "joint_tenant", "start_date": "", "end_date": ""},
        {"tenancy_ref": "TEN1", "person_ref": "A3", "role": "household_member", "start_date": "", "end_date": ""},
        {"tenancy_ref": "TEN2", "person_ref": "A1", "role": "licensee", "start_date": "", "end_date": ""},
    ],
    "accounts.csv": [
        {
            "account_ref": "R1",
            "tenancy_ref": "TEN1",
            "account_type": "rent",
            "opened_on": "2020-04-06",
            "closed_on": "",
        },
        {
            "account_ref": "G1",
            "tenancy_ref": "TEN2",
            "account_type": "garage",
            "opened_on": "2021-01-04",
            "closed_on": "",
        },
    ],
    "charges.csv": [
        {
            "account_ref": "R1",
            "charge_code": "basic_rent",
            "description": "Basic rent",
            "amount": "113.69",
            "frequency": "weekly",
            "benefit_eligible": "true",
            "effective_from": "2026-04-06",
            "effective_to": "",
        },
        {
            "account_ref": "R1",
            "charge_code": "water",
            "description": "Water",
            "amount": "4.50",
            "frequency": "weekly",
            "benefit_eligible": "false",
            "effective_from": "2026-04-06",
            "effective_to": "",
        },
        {
            "account_ref": "G1",
            "charge_code": "garage",
            "description": "Garage rent",
            "amount": "12.00",
            "frequency": "weekly",
            "benefit_eligible": "",
            "effective_from": "2026-04-06",
            "effective_to": "",
        },
    ],
    "transactions.csv": [
        {
            "transaction_ref": "T1",
            "account_ref": "R1",
            "posted_on": "2026-11-16",
            "week_commencing": "2026-11-16",
            "type": "rent_charge",
            "description": "Rent",
            "amount": "118.19",
            "method": "",
        },
        {
            "transaction_ref": "T2",
            "account_ref": "R1",
            "posted_on": "2026-11-18",
            "week_commencing": "",
            "type": "direct_debit",
            "description": "Direct Debit",
            "amount": "-100.00",
            "method": "direct_debit",
        },
        {
            "transaction_ref": "T3",
            "account_ref": "G1",
            "posted_on": "2026-11-16",
            "week_commencing": "2026-11-16",
            "type": "rent_charge",
            "description": "Garage rent",
            "amount": "12.00",
            "method": "",
        },
    ],
}


def write_feed(folder: Path, files: dict[str, list[dict[str, str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()) if rows else ["x"])
            writer.writeheader()
            writer.writerows(rows)
    return folder


def good_feed(**changes: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """The good feed, with whole files replaced by ``changes`` (keys are file stems)."""
    files = {name: [dict(row) for row in rows] for name, rows in GOOD.items()}
    for stem, rows in changes.items():
        files[f"{stem}.csv"] = rows
    return files


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every landlord table, to prove an import wrote nothing."""
    out: dict[str, list[tuple]] = {}
    with Session(engine) as s:
        for model in TABLES:
            table = model.__table__
            rows = s.execute(select(table).order_by(table.c.id)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def counts(engine) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(engine).items()}


def imported(db, tmp_path: Path, files=None, name: str = "feed") -> ImportReport:
    report = import_feed(db, write_feed(tmp_path / name, files or GOOD), now=NOW)
    return report


# ---------------------------------------------------------------------------
# A good feed
# ---------------------------------------------------------------------------


def test_a_good_small_feed_imports_with_correct_counts(db, tmp_path):
    report = imported(db, tmp_path)

    assert report.ok, report.render()
    assert report.errors == []
    assert {name: (c.read, c.added, c.updated, c.unchanged) for name, c in report.files.items()} == {
        "properties.csv": (2, 2, 0, 0),
        "people.csv": (3, 3, 0, 0),
        "officers.csv": (1, 1, 0, 0),
        "tenancies.csv": (2, 2, 0, 0),
        "tenancy_parties.csv": (4, 4, 0, 0),
        "accounts.csv": (2, 2, 0, 0),
        "charges.csv": (3, 3, 0, 0),
        "transactions.csv": (3, 3, 0, 0),
    }
    assert counts(db) == {
        "property": 2,
        "person": 3,
        "officer": 1,
        "tenancy": 2,
        "tenancy_party": 4,
        "account": 2,
        "charge": 3,
        "ledger_transaction": 3,
        "import_run": 1,
    }


def test_values_are_normalised_and_money_is_stored_as_integer_pence(db, tmp_path):
    imported(db, tmp_path)

    with Session(db) as s:
        flat = s.exec(select(Property).where(Property.property_ref == "P1")).one()
        garage = s.exec(select(Property).where(Property.property_ref == "P2")).one()
        ann = s.exec(select(Person).where(Person.person_ref == "A1")).one()
        bo = s.exec(select(Person).where(Person.person_ref == "A2")).one()
        cy = s.exec(select(Person).where(Person.person_ref == "A3")).one()
        tenancy = s.exec(select(Tenancy).where(Tenancy.tenancy_ref == "TEN1")).one()
        garage_tenancy = s.exec(select(Tenancy).where(Tenancy.tenancy_ref == "TEN2")).one()
        officer = s.exec(select(Officer).where(Officer.officer_ref == "O1")).one()
        t1 = s.exec(select(Transaction).where(Transaction.transaction_ref == "T1")).one()
        t2 = s.exec(select(Transaction).where(Transaction.transaction_ref == "T2")).one()
        rent = s.exec(select(Charge).where(Charge.charge_code == "basic_rent")).one()
        water = s.exec(select(Charge).where(Charge.charge_code == "water")).one()
        garage_charge = s.exec(select(Charge).where(Charge.charge_code == "garage")).one()

    assert (flat.postcode, garage.postcode) == ("NB1 2AB", "NB1 2AD")
    assert (flat.uprn, garage.uprn, flat.bedrooms, garage.bedrooms) == ("100023000001", None, 2, None)
    assert (ann.email, ann.mobile, ann.date_of_birth) == ("ann.lee@example.com", "+447700900123", date(1970, 1, 2))
    assert (bo.email, bo.mobile) == (None, "+447700900124")
    assert (cy.title, cy.date_of_birth) == (None, None)
    assert tenancy.rent_free_weeks == "2026-12-21;2026-12-28"
    assert tenancy.income_officer_id == officer.id and tenancy.housing_officer_id is None
    assert garage_tenancy.rent_frequency == "weekly"  # the default for an empty cell
    assert (t1.amount_pence, t1.week_commencing, t1.method) == (11819, date(2026, 11, 16), None)
    assert (t2.amount_pence, t2.week_commencing, t2.method) == (-10000, None, "direct_debit")
    assert isinstance(t1.amount_pence, int)
    assert (rent.amount_pence, rent.benefit_eligible, water.benefit_eligible, garage_charge.benefit_eligible) == (
        11369,
        True,
        False,
        None,
    )


def test_a_successful_import_is_recorded_with_its_report(db, tmp_path):
    report = imported(db, tmp_path)

    with Session(db) as s:
        runs = s.exec(select(ImportRun)).all()
    assert len(runs) == 1
    run = runs[0]
    assert run.ok is True
    assert run.source == str(tmp_path / "feed")
    assert run.started_at.replace(tzinfo=None) == NOW  # stored as UTC
    assert run.finished_at.replace(tzinfo=None) >= NOW
    assert run.report == report.render()
    assert "transactions.csv" in run.report


def test_re_importing_the_same_feed_changes_nothing_and_reports_everything_unchanged(db, tmp_path):
    imported(db, tmp_path)
    before = snapshot(db)

    again = imported(db, tmp_path, name="again")

    assert again.ok, again.render()
    assert set(again.files) == set(GOOD)
    for name, c in again.files.items():
        assert (c.added, c.updated, c.unchanged) == (0, 0, c.read), name
    after = snapshot(db)
    assert after.pop("import_run")[:1] == before.pop("import_run")
    assert after == before


def test_a_changed_property_row_updates_the_record_keyed_by_its_ref(db, tmp_path):
    imported(db, tmp_path)
    with Session(db) as s:
        original_id = s.exec(select(Property.id).where(Property.property_ref == "P1")).one()
    files = good_feed()
    files["properties.csv"][0]["address_line_1"] = "Flat 1A"
    files["properties.csv"][0]["bedrooms"] = "3"

    report = imported(db, tmp_path, files, name="changed")

    assert report.ok, report.render()
    assert (report.files["properties.csv"].updated, report.files["properties.csv"].unchanged) == (1, 1)
    with Session(db) as s:
        flat = s.exec(select(Property).where(Property.property_ref == "P1")).one()
        assert s.exec(select(Property)).all().__len__() == 2
    assert (flat.id, flat.address_line_1, flat.bedrooms) == (original_id, "Flat 1A", 3)


def test_a_changed_party_and_a_changed_charge_update_the_rows_they_key(db, tmp_path):
    imported(db, tmp_path)
    files = good_feed()
    files["tenancy_parties.csv"][1]["end_date"] = "2026-06-30"  # the joint tenant left
    files["charges.csv"][0]["description"] = "Rent"

    report = imported(db, tmp_path, files, name="changed")

    assert report.ok, report.render()
    assert report.files["tenancy_parties.csv"].updated == 1
    assert report.files["charges.csv"].updated == 1
    with Session(db) as s:
        bo = s.exec(select(Person).where(Person.person_ref == "A2")).one()
        party = s.exec(select(TenancyParty).where(TenancyParty.person_id == bo.id)).one()
        assert party.end_date == date(2026, 6, 30)
        assert len(s.exec(select(TenancyParty)).all()) == 4
        assert s.exec(select(Charge.description).where(Charge.charge_code == "basic_rent")).one() == "Rent"
        assert len(s.exec(select(Charge)).all()) == 3


def test_a_column_left_out_of_a_file_leaves_that_field_as_it_was(db, tmp_path):
    imported(db, tmp_path)
    rows = [{k: v for k, v in row.items() if k != "email"} for row in GOOD["people.csv"]]
    rows[2]["first_name"] = "Cyrus"

    report = import_feed(db, write_feed(tmp_path / "people_only", {"people.csv": rows}), now=NOW)

    assert report.ok, report.render()
    with Session(db) as s:
        ann = s.exec(select(Person).where(Person.person_ref == "A1")).one()
        cy = s.exec(select(Person).where(Person.person_ref == "A3")).one()
    assert ann.email == "ann.lee@example.com"
    assert cy.first_name == "Cyrus"


def test_a_transactions_only_feed_posts_against_accounts_already_in_the_database(db, tmp_path):
    imported(db, tmp_path)
    rows = [
        {
            "transaction_ref": "T4",
            "account_ref": "R1",
            "posted_on": "2026-11-23",
            "week_commencing": "2026-11-23",
            "type": "rent_charge",
            "description": "Rent",
            "amount": "118.19",
            "method": "",
        },
        {
            "transaction_ref": "T5",
            "account_ref": "G1",
            "posted_on": "2026-11-24",
            "week_commencing": "",
            "type": "payment",
            "description": "Card payment",
            "amount": "-24.00",
            "method": "card",
        },
    ]
    folder = write_feed(tmp_path / "incremental", {"transactions.csv": GOOD["transactions.csv"] + rows})

    report = import_feed(db, folder, now=NOW)

    assert report.ok, report.render()
    assert list(report.files) == ["transactions.csv"]
    c = report.files["transactions.csv"]
    assert (c.read, c.added, c.updated, c.unchanged) == (5, 2, 0, 3)
    assert counts(db)["ledger_transaction"] == 5


def test_a_zip_of_the_feed_folder_imports_like_the_folder(db, tmp_path):
    folder = write_feed(tmp_path / "northbrook", GOOD)
    archive = tmp_path / "northbrook.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.iterdir()):
            z.write(path, f"northbrook/{path.name}")

    report = import_feed(db, archive, now=NOW)

    assert report.ok, report.render()
    assert report.files["transactions.csv"].added == 3
    assert counts(db)["ledger_transaction"] == 3


def test_an_unknown_column_gives_a_warning_and_the_feed_still_imports(db, tmp_path):
    files = good_feed()
    for row in files["properties.csv"]:
        row["colour"] = "blue"

    report = imported(db, tmp_path, files)

    assert report.ok, report.render()
    assert "properties.csv:1:colour: unknown column; ignored" in report.warnings
    assert "colour" in report.render()


def test_a_file_that_is_not_part_of_the_format_gives_a_warning(db, tmp_path):
    folder = write_feed(tmp_path / "feed", GOOD)
    (folder / "arrears_cases.csv").write_text("a,b\n1,2\n")

    report = import_feed(db, folder, now=NOW)

    assert report.ok
    assert any("arrears_cases.csv" in w for w in report.warnings)


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted(db, tmp_path):
    folder = tmp_path / "excel"
    folder.mkdir()
    text = "officer_ref,name,role,email\r\nO9,Ola Nine,housing_officer,ola@example.org\r\n"
    (folder / "officers.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())

    report = import_feed(db, folder, now=NOW)

    assert report.ok, report.render()
    assert report.files["officers.csv"].added == 1


# ---------------------------------------------------------------------------
# Bad rows reject the whole feed and leave the database as it was
# ---------------------------------------------------------------------------


def _set(file: str, index: int, column: str, value: str):
    def change(files):
        files[file][index][column] = value

    return change


def _drop_column(file: str, column: str):
    def change(files):
        for row in files[file]:
            row.pop(column)

    return change


def _append(file: str, row: dict[str, str]):
    def change(files):
        files[file].append(row)

    return change


BAD_ROWS = [
    pytest.param(
        _set("tenancies.csv", 0, "start_date", "2026-02-30"),
        "tenancies.csv:2:start_date:",
        "not a real date",
        id="bad date",
    ),
    pytest.param(
        _set("tenancies.csv", 1, "start_date", "04/01/2021"),
        "tenancies.csv:3:start_date:",
        "YYYY-MM-DD",
        id="date in the wrong form",
    ),
    pytest.param(
        _set("transactions.csv", 1, "amount", "-100.0"),
        "transactions.csv:3:amount:",
        "exactly two decimals",
        id="money with one decimal",
    ),
    pytest.param(
        _set("charges.csv", 0, "amount", "£113.69"),
        "charges.csv:2:amount:",
        "exactly two decimals",
        id="money with a pound sign",
    ),
    pytest.param(_set("tenancies.csv", 0, "tenure", "council"), "tenancies.csv:2:tenure:", "not one of", id="bad enum"),
    pytest.param(
        _set("transactions.csv", 2, "type", "rent"), "transactions.csv:4:type:", "not one of", id="bad transaction type"
    ),
    pytest.param(
        _drop_column("accounts.csv", "opened_on"),
        "accounts.csv:1:opened_on:",
        "required column is missing",
        id="missing required column",
    ),
    pytest.param(
        _set("people.csv", 1, "last_name", ""),
        "people.csv:3:last_name:",
        "a value is required",
        id="empty required cell",
    ),
    pytest.param(
        _set("transactions.csv", 0, "account_ref", "R404"),
        "transactions.csv:2:account_ref:",
        "'R404' is not in accounts.csv",
        id="unknown account ref",
    ),
    pytest.param(
        _set("tenancies.csv", 0, "property_ref", "P404"),
        "tenancies.csv:2:property_ref:",
        "'P404' is not in properties.csv",
        id="unknown property ref",
    ),
    pytest.param(
        _set("tenancy_parties.csv", 0, "person_ref", "A404"),
        "tenancy_parties.csv:2:person_ref:",
        "'A404' is not in people.csv",
        id="unknown person ref",
    ),
    pytest.param(
        _set("tenancies.csv", 0, "housing_officer_ref", "O404"),
        "tenancies.csv:2:housing_officer_ref:",
        "'O404' is not in officers.csv",
        id="unknown officer ref",
    ),
    pytest.param(
        _set("properties.csv", 1, "property_ref", "P1"),
        "properties.csv:3:property_ref:",
        "'P1' is already on line 2",
        id="duplicate ref",
    ),
    pytest.param(
        _append(
            "tenancy_parties.csv",
            {"tenancy_ref": "TEN1", "person_ref": "A1", "role": "joint_tenant", "start_date": "", "end_date": ""},
        ),
        "tenancy_parties.csv:6:person_ref:",
        "already on line 2",
        id="duplicate party",
    ),
    pytest.param(
        _set("transactions.csv", 0, "week_commencing", "2026-11-17"),
        "transactions.csv:2:week_commencing:",
        "not a Monday",
        id="week commencing not a Monday",
    ),
    pytest.param(
        _set("tenancies.csv", 0, "rent_free_weeks", "2026-12-21;2026-12-29"),
        "tenancies.csv:2:rent_free_weeks:",
        "'2026-12-29' is a Tuesday",
        id="rent-free week not a Monday",
    ),
    pytest.param(
        _set("properties.csv", 0, "postcode", "NB1 2"),
        "properties.csv:2:postcode:",
        "not a UK postcode",
        id="bad postcode",
    ),
    pytest.param(
        _set("people.csv", 0, "mobile", "01632 960123"),
        "people.csv:2:mobile:",
        "not a UK mobile",
        id="landline as mobile",
    ),
    pytest.param(
        _set("people.csv", 0, "email", "ann.lee@"), "people.csv:2:email:", "not an email address", id="bad email"
    ),
    pytest.param(
        _set("tenancies.csv", 0, "end_date", "2019-01-01"),
        "tenancies.csv:2:end_date:",
        "is before start_date",
        id="end before start",
    ),
    pytest.param(
        _set("accounts.csv", 0, "closed_on", "2019-01-01"),
        "accounts.csv:2:closed_on:",
        "is before opened_on",
        id="closed before opened",
    ),
    pytest.param(
        _set("people.csv", 0, "date_of_birth", "2027-01-01"),
        "people.csv:2:date_of_birth:",
        "in the future",
        id="born in the future",
    ),
    pytest.param(
        _set("charges.csv", 0, "benefit_eligible", "yes"),
        "charges.csv:2:benefit_eligible:",
        "not true or false",
        id="bad boolean",
    ),
    pytest.param(_set("properties.csv", 0, "uprn", "UPRN1"), "properties.csv:2:uprn:", "not a UPRN", id="bad uprn"),
    pytest.param(
        _set("transactions.csv", 0, "transaction_ref", "T 1"),
        "transactions.csv:2:transaction_ref:",
        "contains spaces",
        id="ref with a space",
    ),
    pytest.param(
        _set("transactions.csv", 1, "description", "x" * 201),
        "transactions.csv:3:description:",
        "at most 200",
        id="description too long",
    ),
]


@pytest.mark.parametrize(("change", "where", "problem"), BAD_ROWS)
def test_a_feed_with_one_bad_row_writes_nothing_and_names_file_line_and_column(db, tmp_path, change, where, problem):
    imported(db, tmp_path)  # the database already holds the good feed
    before = snapshot(db)
    files = good_feed()
    # a new row in every file, so that a partial write would show
    files["properties.csv"].append(dict(GOOD["properties.csv"][1], property_ref="P3"))
    files["transactions.csv"].append(dict(GOOD["transactions.csv"][2], transaction_ref="T9"))
    change(files)

    report = imported(db, tmp_path, files, name="bad")

    assert report.ok is False
    matching = [e for e in report.errors if e.startswith(where)]
    assert matching, report.errors
    assert problem in matching[0], matching[0]
    assert snapshot(db) == before
    assert "Nothing was written" in report.render()


def test_a_bad_first_import_leaves_an_empty_database_empty(db, tmp_path):
    files = good_feed()
    files["transactions.csv"][2]["amount"] = "12"

    report = imported(db, tmp_path, files)

    assert report.ok is False
    assert report.errors == [
        "transactions.csv:4:amount: '12' is not an amount in pounds with exactly two decimals (like 113.69)"
    ]
    assert set(counts(db).values()) == {0}


def test_a_failure_while_writing_rolls_back_everything_already_written(db, tmp_path, monkeypatch):
    import portal_app.services.records.importer as importer

    def refuse(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_insert_postings", refuse)  # fails after properties...accounts went in

    report = imported(db, tmp_path)

    assert report.ok is False
    assert report.errors == ["the database refused the import, so nothing was written: RuntimeError: disk full"]
    assert set(counts(db).values()) == {0}


def test_an_edited_transaction_is_an_error_and_nothing_is_written(db, tmp_path):
    imported(db, tmp_path)
    before = snapshot(db)
    files = good_feed()
    files["transactions.csv"][1]["amount"] = "-90.00"

    report = imported(db, tmp_path, files, name="edited")

    assert report.ok is False
    assert report.errors == [
        "transactions.csv:3:amount: transaction 'T2' is already posted with amount -100.00, not -90.00; postings "
        "are never edited (send a correction as a new adjustment row)"
    ]
    assert snapshot(db) == before


def test_every_error_is_collected_not_just_the_first(db, tmp_path):
    files = good_feed()
    files["properties.csv"][0]["postcode"] = "ZZZ"
    files["people.csv"][2]["date_of_birth"] = "1990-13-01"
    files["transactions.csv"][0]["amount"] = "1"
    files["transactions.csv"][0]["type"] = "nonsense"
    files["transactions.csv"][2]["account_ref"] = "NOPE"

    report = imported(db, tmp_path, files)

    assert not report.ok
    locations = [":".join(e.split(":")[:3]) for e in report.errors]
    assert locations == [
        "properties.csv:2:postcode",
        "people.csv:4:date_of_birth",
        "transactions.csv:2:type",
        "transactions.csv:2:amount",
        "transactions.csv:4:account_ref",
    ]


def test_line_numbers_count_physical_lines_when_a_cell_holds_a_line_break(db, tmp_path):
    files = good_feed()
    files["transactions.csv"][0]["description"] = "Rent\nfor the week"
    files["transactions.csv"][1]["method"] = "carrier_pigeon"

    report = imported(db, tmp_path, files)

    assert [e.split(": ")[0] for e in report.errors] == ["transactions.csv:4:method"]


def test_a_row_with_the_wrong_number_of_fields_is_an_error(db, tmp_path):
    folder = write_feed(tmp_path / "feed", {"officers.csv": GOOD["officers.csv"]})
    with open(folder / "officers.csv", "a", encoding="utf-8") as handle:
        handle.write("O2,Short Row\n")

    report = import_feed(db, folder, now=NOW)

    assert not report.ok
    assert report.errors[0].startswith("officers.csv:3:")
    assert "the row has 2 fields but the header has 5" in report.errors[0]


def test_blank_lines_are_skipped(db, tmp_path):
    folder = write_feed(tmp_path / "feed", {"officers.csv": GOOD["officers.csv"]})
    with open(folder / "officers.csv", "a", encoding="utf-8") as handle:
        handle.write("\n,,,,\n")

    report = import_feed(db, folder, now=NOW)

    assert report.ok, report.render()
    assert report.files["officers.csv"].read == 1


def test_a_missing_path_raises_but_an_empty_folder_is_reported(db, tmp_path):
    with pytest.raises(FileNotFoundError):
        import_feed(db, tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()

    report = import_feed(db, tmp_path / "empty")

    assert not report.ok
    assert "holds none of the feed files" in report.errors[0]


def test_a_file_that_is_not_a_zip_is_reported_not_raised(db, tmp_path):
    path = tmp_path / "feed.zip"
    path.write_text("not a zip")

    report = import_feed(db, path)

    assert not report.ok
    assert "not a folder or a readable .zip" in report.errors[0]


def test_the_rendered_report_lists_at_most_200_errors_and_says_how_many_more(db, tmp_path):
    rows = [dict(GOOD["transactions.csv"][0], transaction_ref=f"X{i}", amount="1.5") for i in range(250)]
    report = import_feed(db, write_feed(tmp_path / "many", {"transactions.csv": rows}), now=NOW)

    text = report.render()

    assert len(report.errors) == 250
    assert "250 errors" in text
    assert "... and 50 more errors not shown." in text
    assert len([line for line in text.splitlines() if line.startswith("transactions.csv:")]) == 200


def test_the_rendered_report_of_a_good_import_is_a_table_per_file(db, tmp_path):
    report = imported(db, tmp_path)

    lines = report.render().splitlines()

    assert lines[2].split() == ["file", "read", "added", "updated", "unchanged"]
    assert lines[3].split() == ["properties.csv", "2", "2", "0", "0"]
    assert lines[-1].split() == ["total", "20", "20", "0", "0"]
