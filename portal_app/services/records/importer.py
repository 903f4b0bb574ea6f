"""Loading a landlord's data feed (../shared/import-format.md) into the records.

``import_feed(engine, path)`` reads a folder (or a ``.zip`` of one) of CSV files,
validates every row of every file, checks every reference against the feed and the
database, compares each row with what is already stored, and only then writes,
in one database transaction: all of it, or (on any error) nothing.

Rows are keyed by the landlord's own references (``property_ref``, ``person_ref``...;
tenancy parties by (tenancy_ref, person_ref); charges by (account_ref, charge_code,
effective_from)). A changed row updates its record; an unchanged one is left alone,
so re-importing a feed changes nothing. Postings (``transactions.csv``) are never
edited: a ``transaction_ref`` that is already stored with different content is an error.

The importer never deletes: a row missing from a feed is left as it is (a feed may be
incremental). An optional column that a file leaves out entirely leaves that field of
existing records as it is; an empty cell sets it to null.

Speed: cells are parsed a column at a time through per-column caches (dates, amounts,
refs and types repeat), existing rows are read in bulk into dictionaries and compared
in memory, and new rows are written in bulk: SQLAlchemy executemany for the small
files; for postings the driver's own bulk route inside the same transaction (SQLite
executemany, PostgreSQL COPY). Money is parsed to integer pence without floats.
No reflex import here.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal_app.clock import utcnow
from portal_app.models import (
    Account,
    Charge,
    ImportRun,
    Officer,
    PaymentPlan,
    Person,
    Property,
    Repair,
    ResidentDocument,
    Tenancy,
    TenancyParty,
    Transaction,
    TransferApplication,
)
from portal_app.services.validation import normalise_email, normalise_uk_mobile

# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

ERRORS_SHOWN = 200


@dataclass(frozen=True)
class FileCounts:
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ImportReport:
    ok: bool
    errors: list[str]
    warnings: list[str]
    files: dict[str, FileCounts]
    seconds: float
    source: str = ""

    @property
    def rows_read(self) -> int:
        return sum(c.read for c in self.files.values())

    def render(self) -> str:
        lines: list[str] = []
        if self.ok:
            lines.append(f"Imported {self.source or 'feed'} in {self.seconds:.1f} s.")
            lines.append("")
            width = max([len("file")] + [len(name) for name in self.files])
            lines.append(f"{'file':<{width}}  {'read':>9}  {'added':>9}  {'updated':>9}  {'unchanged':>9}")
            total = FileCounts()
            for name, c in self.files.items():
                lines.append(f"{name:<{width}}  {c.read:>9,}  {c.added:>9,}  {c.updated:>9,}  {c.unchanged:>9,}")
                total = FileCounts(
                    total.read + c.read, total.added + c.added, total.updated + c.updated, total.unchanged + c.unchanged
                )
            lines.append(
                f"{'total':<{width}}  {total.read:>9,}  {total.added:>9,}  {total.updated:>9,}  {total.unchanged:>9,}"
            )
        else:
            n = len(self.errors)
            lines.append(
                f"Rejected {self.source or 'feed'}: {n:,} error{'s' if n != 1 else ''}. "
                "Nothing was written; the database is as it was."
            )
            lines.append("")
            lines.extend(self.errors[:ERRORS_SHOWN])
            if n > ERRORS_SHOWN:
                lines.append(f"... and {n - ERRORS_SHOWN:,} more errors not shown.")
        if self.warnings:
            lines.append("")
            lines.append(f"Warnings ({len(self.warnings):,}):")
            lines.extend(self.warnings[:ERRORS_SHOWN])
            if len(self.warnings) > ERRORS_SHOWN:
                lines.append(f"... and {len(self.warnings) - ERRORS_SHOWN:,} more warnings not shown.")
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# Cell parsers: each takes a stripped, non-empty string and returns the value or
# raises _Bad with the problem in plain words.
# ---------------------------------------------------------------------------


class _Bad(ValueError):
    pass


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONEY_RE = re.compile(r"^-?\d{1,9}\.\d{2}$")
_POSTCODE_RE = re.compile(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}|GIR0AA)$")
_UPRN_RE = re.compile(r"^\d{1,12}$")
_INT_RE = re.compile(r"^\d{1,3}$")


def _parse_date(raw: str) -> date:
    if not _DATE_RE.match(raw):
        raise _Bad(f"'{raw}' is not a date in the form YYYY-MM-DD")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise _Bad(f"'{raw}' is not a real date") from None
    if not 1900 <= value.year <= 2199:
        raise _Bad(f"'{raw}' is not a plausible date (year before 1900 or after 2199)")
    return value


def _parse_monday(raw: str) -> date:
    value = _parse_date(raw)
    if value.weekday() != 0:
        raise _Bad(f"'{raw}' is a {value:%A}, not a Monday (rent weeks start on Monday)")
    return value


def _parse_mondays(raw: str) -> str:
    """'2026-12-21; 2026-12-28' -> '2026-12-21;2026-12-28' (sorted, no repeats)."""
    days: set[date] = set()
    for part in raw.split(";"):
        part = part.strip()
        if not part:
            continue
        days.add(_parse_monday(part))
    return ";".join(d.isoformat() for d in sorted(days))


def _parse_money(raw: str) -> int:
    if not _MONEY_RE.match(raw):
        raise _Bad(f"'{raw}' is not an amount in pounds with exactly two decimals (like 113.69)")
    # "-113.69" -> -11369: the pattern guarantees exactly two decimals, so no floats.
    return int(raw.replace(".", ""))


def _parse_bool(raw: str) -> bool:
    low = raw.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    raise _Bad(f"'{raw}' is not true or false")


def _parse_postcode(raw: str) -> str:
    compact = "".join(raw.split()).upper()
    if not _POSTCODE_RE.match(compact):
        raise _Bad(f"'{raw}' is not a UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def _parse_uprn(raw: str) -> str:
    if not _UPRN_RE.match(raw):
        raise _Bad(f"'{raw}' is not a UPRN (up to 12 digits)")
    return raw


def _parse_bedrooms(raw: str) -> int:
    if not _INT_RE.match(raw) or int(raw) > 50:
        raise _Bad(f"'{raw}' is not a number of bedrooms (a whole number from 0)")
    return int(raw)


def _parse_email(raw: str) -> str:
    value = normalise_email(raw)
    if value is None:
        raise _Bad(f"'{raw}' is not an email address")
    return value


def _parse_mobile(raw: str) -> str:
    value = normalise_uk_mobile(raw)
    if value is None:
        raise _Bad(f"'{raw}' is not a UK mobile number")
    return value


def _text(max_len: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if len(raw) > max_len:
            raise _Bad(f"is {len(raw)} characters long; at most {max_len} are allowed")
        return raw

    return parse


_REF_RE = re.compile(r"\S{1,64}")


def _ref(raw: str) -> str:
    if _REF_RE.fullmatch(raw):
        return raw
    if len(raw) > 64:
        raise _Bad(f"is {len(raw)} characters long; at most 64 are allowed")
    raise _Bad(f"'{raw}' contains spaces; references may not")


def _enum(*choices: str) -> Callable[[str], str]:
    allowed = {c: c for c in choices}
    listed = ", ".join(choices)

    def parse(raw: str) -> str:
        value = allowed.get(raw) or allowed.get(raw.lower())
        if value is None:
            raise _Bad(f"'{raw}' is not one of: {listed}")
        return value

    return parse


PROPERTY_TYPES = ("flat", "house", "maisonette", "bedsit", "bungalow", "garage", "parking_space", "other")
OFFICER_ROLES = ("income_officer", "housing_officer", "leasehold_officer", "repairs_officer")
TENURES = (
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
)
RENT_FREQUENCIES = ("weekly", "fortnightly", "four_weekly", "monthly")
# A payment plan's standing in the landlord's system (``arrangements.csv``), as the portal keeps it.
ARRANGEMENT_STATUSES = ("active", "completed", "cancelled")
PARTY_ROLES = (
    "lead_tenant",
    "joint_tenant",
    "household_member",
    "leaseholder",
    "joint_leaseholder",
    "licensee",
    "occupant",
)
ACCOUNT_TYPES = ("rent", "service_charge", "garage", "major_works", "sundry")
CHARGE_FREQUENCIES = ("weekly", "monthly", "yearly")
TRANSACTION_TYPES = (
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
)
PAYMENT_METHODS = (
    "card",
    "direct_debit",
    "standing_order",
    "bank_transfer",
    "paypoint",
    "post_office",
    "cash",
    "cheque",
    "portal_card",
)

# ---------------------------------------------------------------------------
# The files
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Col:
    name: str  # the feed's column name
    required: bool
    parse: Callable[[str], Any]
    db: str | None = None  # the database column, when named differently
    ref: str | None = None  # the file whose key this column refers to
    default: Any = None  # the value of an empty cell, or of an absent column in a new row
    unique: bool = False  # a value seen once per file: not worth caching

    @property
    def db_name(self) -> str:
        return self.db or self.name


@dataclass(frozen=True)
class _Spec:
    file: str
    model: Any
    key: tuple[str, ...]
    cols: tuple[_Col, ...]
    # pairs of (earlier, later) date columns: later may not be before earlier
    ordered: tuple[tuple[str, str], ...] = ()
    # the portal's own columns of a new row, from its feed values (``arrangements.csv``)
    on_insert: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # the portal's own columns of an updated row, from its feed values (``documents.csv``)
    on_update: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cols)


SPECS: tuple[_Spec, ...] = (
    _Spec(
        "properties.csv",
        Property,
        ("property_ref",),
        (
            _Col("property_ref", True, _ref),
            _Col("uprn", False, _parse_uprn),
            _Col("address_line_1", True, _text(200)),
            _Col("address_line_2", False, _text(200)),
            _Col("address_line_3", False, _text(200)),
            _Col("town", True, _text(100)),
            _Col("postcode", True, _parse_postcode),
            _Col("property_type", True, _enum(*PROPERTY_TYPES)),
            _Col("bedrooms", False, _parse_bedrooms),
            _Col("block_ref", False, _ref),
        ),
    ),
    _Spec(
        "people.csv",
        Person,
        ("person_ref",),
        (
            _Col("person_ref", True, _ref),
            _Col("title", False, _text(20)),
            _Col("first_name", True, _text(100)),
            _Col("last_name", True, _text(100)),
            _Col("date_of_birth", False, _parse_date),
            _Col("email", False, _parse_email),
            _Col("mobile", False, _parse_mobile),
        ),
    ),
    _Spec(
        "officers.csv",
        Officer,
        ("officer_ref",),
        (
            _Col("officer_ref", True, _ref),
            _Col("name", True, _text(200)),
            _Col("role", True, _enum(*OFFICER_ROLES)),
            _Col("email", True, _parse_email),
            _Col("phone", False, _text(30)),
        ),
    ),
    _Spec(
        "tenancies.csv",
        Tenancy,
        ("tenancy_ref",),
        (
            _Col("tenancy_ref", True, _ref),
            _Col("property_ref", True, _ref, db="property_id", ref="properties.csv"),
            _Col("tenure", True, _enum(*TENURES)),
            _Col("start_date", True, _parse_date),
            _Col("end_date", False, _parse_date),
            _Col("rent_frequency", False, _enum(*RENT_FREQUENCIES), default="weekly"),
            _Col("rent_free_weeks", False, _parse_mondays),
            _Col("income_officer_ref", False, _ref, db="income_officer_id", ref="officers.csv"),
            _Col("housing_officer_ref", False, _ref, db="housing_officer_id", ref="officers.csv"),
            # docs/tenancy-feed.md: the lease's officer, and the day a tenant's notice must end on
            _Col("leasehold_officer_ref", False, _ref, db="leasehold_officer_id", ref="officers.csv"),
            _Col("notice_end_day", False, _enum("monday", "sunday", "period_end", "any_day")),
        ),
        ordered=(("start_date", "end_date"),),
    ),
    _Spec(
        "tenancy_parties.csv",
        TenancyParty,
        ("tenancy_ref", "person_ref"),
        (
            _Col("tenancy_ref", True, _ref, db="tenancy_id", ref="tenancies.csv"),
            _Col("person_ref", True, _ref, db="person_id", ref="people.csv"),
            _Col("role", True, _enum(*PARTY_ROLES)),
            _Col("start_date", False, _parse_date),
            _Col("end_date", False, _parse_date),
        ),
        ordered=(("start_date", "end_date"),),
    ),
    _Spec(
        "accounts.csv",
        Account,
        ("account_ref",),
        (
            _Col("account_ref", True, _ref),
            _Col("tenancy_ref", True, _ref, db="tenancy_id", ref="tenancies.csv"),
            _Col("account_type", True, _enum(*ACCOUNT_TYPES)),
            _Col("opened_on", True, _parse_date),
            _Col("closed_on", False, _parse_date),
        ),
        ordered=(("opened_on", "closed_on"),),
    ),
    _Spec(
        "charges.csv",
        Charge,
        ("account_ref", "charge_code", "effective_from"),
        (
            _Col("account_ref", True, _ref, db="account_id", ref="accounts.csv"),
            _Col("charge_code", True, _text(40)),
            _Col("description", True, _text(200)),
            _Col("amount", True, _parse_money, db="amount_pence"),
            _Col("frequency", True, _enum(*CHARGE_FREQUENCIES)),
            _Col("benefit_eligible", False, _parse_bool),
            _Col("effective_from", True, _parse_date),
            _Col("effective_to", False, _parse_date),
        ),
        ordered=(("effective_from", "effective_to"),),
    ),
    _Spec(
        "transactions.csv",
        Transaction,
        ("transaction_ref",),
        (
            _Col("transaction_ref", True, _ref, unique=True),
            _Col("account_ref", True, _ref, db="account_id", ref="accounts.csv"),
            _Col("posted_on", True, _parse_date),
            _Col("week_commencing", False, _parse_monday),
            _Col("type", True, _enum(*TRANSACTION_TYPES)),
            _Col("description", True, _text(200)),
            _Col("amount", True, _parse_money, db="amount_pence"),
            _Col("method", False, _enum(*PAYMENT_METHODS)),
        ),
    ),
)


def _arrangement_columns(row: dict[str, Any]) -> dict[str, Any]:
    """A payment plan made by phone or in the office, as the feed sends it
    (``docs/arrangements-feed.md``): the portal's reference for it, and "made" on the day
    before it starts, so the plan's check counts the charges from its start date on."""
    from portal_app.services.payments.plans import new_reference  # noqa: PLC0415

    start = row["start_date"]
    return {
        "reference": new_reference(),
        "created_at": datetime(start.year, start.month, start.day, 12, tzinfo=UTC) - timedelta(days=1),
        "source": "feed",
        "user_id": None,
        "decision_note": "",
        "standing": "",
        "told_behind": False,
    }


SPECS = (
    *SPECS,
    _Spec(
        "arrangements.csv",
        PaymentPlan,
        ("arrangement_ref",),
        (
            _Col("arrangement_ref", True, _ref, db="feed_ref", unique=True),
            _Col("account_ref", True, _ref, db="account_id", ref="accounts.csv"),
            _Col("status", True, _enum(*ARRANGEMENT_STATUSES)),
            _Col("frequency", True, _enum(*RENT_FREQUENCIES)),
            _Col("regular_amount", True, _parse_money, db="regular_pence"),
            _Col("towards_arrears", True, _parse_money, db="extra_pence"),
            _Col("start_date", True, _parse_date),
            _Col("start_balance", True, _parse_money, db="start_balance_pence"),
            _Col("arrears_at_start", True, _parse_money, db="arrears_pence"),
            _Col("end_date", False, _parse_date, db="ended_on"),
        ),
        ordered=(("start_date", "end_date"),),
        on_insert=_arrangement_columns,
    ),
)
# A repair's status and priority as the landlord's repairs system sends them (``repairs.csv``).
REPAIR_STATUSES = ("reported", "booked", "on_the_way", "completed", "follow_on", "cancelled")
REPAIR_PRIORITIES = ("emergency", "urgent", "routine", "planned")
_MOMENT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$")


def _parse_moment(raw: str) -> datetime:
    """'2026-12-14' or '2026-12-14T09:30', UK local time, as an aware UTC datetime (a date
    alone: the start of that UK day)."""
    from portal_app.clock import UK  # noqa: PLC0415

    if not _MOMENT_RE.match(raw):
        raise _Bad(f"'{raw}' is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM)")
    day = _parse_date(raw[:10])
    hour, minute = (int(raw[11:13]), int(raw[14:16])) if len(raw) > 10 else (0, 0)
    if hour > 23 or minute > 59:
        raise _Bad(f"'{raw}' is not a real time")
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UK).astimezone(UTC)


def _parse_deadline(raw: str) -> datetime:
    """A target date: the repair is late from the start of the UK day after it."""
    from portal_app.clock import uk_day_in_utc  # noqa: PLC0415

    return uk_day_in_utc(_parse_date(raw))[1]


def _parse_repair_kind(raw: str) -> str:
    """``damp_mould`` true: a damp and mould case (Awaab's Law); false: a repair."""
    return "damp_mould" if _parse_bool(raw) else "repair"


def _repair_columns(row: dict[str, Any]) -> dict[str, Any]:
    """A repair raised by phone or in the office, as the feed sends it (``docs/repairs-feed.md``):
    the portal's reference for it, and for damp and mould Awaab's Law's first deadline."""
    from portal_app.services.repairs.common import new_reference  # noqa: PLC0415
    from portal_app.services.repairs.targets import awaab_on_report  # noqa: PLC0415
    from portal_app.settings import get_settings  # noqa: PLC0415

    damp = row.get("kind") == "damp_mould"
    reported = row["reported_at"]
    return {
        "reference": new_reference(),
        "source": "feed",
        "user_id": None,
        "tenancy_id": None,
        "kind": "damp_mould" if damp else "repair",
        "awaab": damp,
        "investigate_by": awaab_on_report(reported, get_settings()).investigate.at if damp else None,
        "triage_path": "",
        "area_words": "",
        "element_words": "",
        "access_notes": "",
        "contact_phone": "",
        "contact_way": "",
        "damp_answers": "",
        "fixed": "",
        "fixed_reason": "",
        "communal": bool(row.get("communal") or False),
        "updated_at": utcnow(),
    }


SPECS = (
    *SPECS,
    _Spec(
        "repairs.csv",
        Repair,
        ("repair_ref",),
        (
            _Col("repair_ref", True, _ref, db="feed_ref", unique=True),
            _Col("property_ref", True, _ref, db="property_id", ref="properties.csv"),
            _Col("communal", False, _parse_bool, default=False),
            _Col("block_ref", False, _ref),
            _Col("reported_at", True, _parse_moment),
            _Col("summary", True, _text(200), db="problem_words"),
            _Col("description", False, _text(1000), default=""),
            _Col("priority", True, _enum(*REPAIR_PRIORITIES)),
            _Col("status", True, _enum(*REPAIR_STATUSES)),
            _Col("target_date", True, _parse_deadline, db="target_at"),
            _Col("sor_code", False, _text(20)),
            _Col("damp_mould", False, _parse_repair_kind, db="kind", default="repair"),
            _Col("appointment_start", False, _parse_moment, db="feed_appointment_start"),
            _Col("appointment_end", False, _parse_moment, db="feed_appointment_end"),
            _Col("completed_at", False, _parse_moment),
        ),
        ordered=(("reported_at", "completed_at"), ("appointment_start", "appointment_end")),
        on_insert=_repair_columns,
    ),
)
# ---------------------------------------------------------------------------
# Letters and documents (with their PDFs) and transfer applications: docs/tenancy-feed.md
# ---------------------------------------------------------------------------

DOCUMENT_KINDS = ("tenancy_agreement", "letter", "notice", "statement", "other")
TRANSFER_STATUSES = ("active", "suspended", "closed", "housed")
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024  # one PDF of documents.csv: 10 MB at most
_PDF_MAGIC = b"%PDF-"


def _parse_document_path(raw: str) -> str:
    """A PDF's path relative to the feed's folder (``letters/2026/rent-TEN1.pdf``): never
    absolute, never out of the folder."""
    if len(raw) > 255:
        raise _Bad(f"is {len(raw)} characters long; at most 255 are allowed")
    if "\\" in raw:
        raise _Bad(f"'{raw}' has a backslash; separate folders with /")
    parts = raw.split("/")
    if raw.startswith("/") or ":" in parts[0] or any(part in ("", ".", "..") for part in parts):
        raise _Bad(f"'{raw}' is not a path inside the feed's folder (like letters/rent-2026.pdf)")
    return raw


class _Pdf(str):
    """A document's sha256 (what is compared with the stored row), carrying the PDF itself
    when it is new or changed (``data``), or None when the stored one is the same."""

    data: bytes | None = None


def _document_columns(row: dict[str, Any]) -> dict[str, Any]:
    pdf = row["sha256"]
    return {
        "sha256": str(pdf),
        "data": pdf.data,
        "size_bytes": len(pdf.data),
        "imported_at": utcnow(),
        "notified_at": None,
    }


def _document_changes(row: dict[str, Any]) -> dict[str, Any]:
    """A changed row: the PDF is written again only when its sha256 changed."""
    pdf = row["sha256"]
    if getattr(pdf, "data", None) is None:
        return {"sha256": str(pdf)}
    return {"sha256": str(pdf), "data": pdf.data, "size_bytes": len(pdf.data)}


SPECS = (
    *SPECS,
    _Spec(
        "documents.csv",
        ResidentDocument,
        ("document_ref",),
        (
            _Col("document_ref", True, _ref, unique=True),
            _Col("tenancy_ref", True, _ref, db="tenancy_id", ref="tenancies.csv"),
            _Col("person_ref", False, _ref, db="person_id", ref="people.csv"),
            _Col("kind", True, _enum(*DOCUMENT_KINDS)),
            _Col("title", True, _text(200)),
            _Col("issued_on", True, _parse_date),
            _Col("file", True, _parse_document_path, db="sha256"),
        ),
        on_insert=_document_columns,
        on_update=_document_changes,
    ),
    _Spec(
        "transfer_applications.csv",
        TransferApplication,
        ("application_ref",),
        (
            _Col("application_ref", True, _ref, unique=True),
            _Col("tenancy_ref", True, _ref, db="tenancy_id", ref="tenancies.csv"),
            _Col("band", True, _text(40)),
            _Col("effective_date", True, _parse_date),
            _Col("status", True, _enum(*TRANSFER_STATUSES)),
            _Col("bedrooms_needed", False, _parse_bedrooms),
            _Col("updated_on", False, _parse_date),
        ),
    ),
)


def _pdf_reader(path: Path) -> tuple[Callable[[str], bytes], Callable[[], None]]:
    """read(name) -> the bytes of the file ``name`` beside documents.csv (in the folder, or
    in the .zip beside it), raising _Bad when it is missing, too large or outside; and a closer."""
    if path.is_dir():
        base = path.resolve()

        def read_file(name: str) -> bytes:
            target = (base / name).resolve()
            if not target.is_relative_to(base):
                raise _Bad(f"'{name}' is outside the feed's folder")
            if not target.is_file():
                raise _Bad(f"there is no file '{name}' in the feed")
            if target.stat().st_size > DOCUMENT_MAX_BYTES:
                raise _Bad(f"'{name}' is larger than {DOCUMENT_MAX_BYTES // (1024 * 1024)} MB")
            return target.read_bytes()

        return read_file, lambda: None

    archive = zipfile.ZipFile(path)
    here = next(
        (
            i.filename
            for i in archive.infolist()
            if i.filename.rsplit("/", 1)[-1] == "documents.csv" and "__MACOSX" not in i.filename
        ),
        "documents.csv",
    )
    prefix = here[: -len("documents.csv")]

    def read_member(name: str) -> bytes:
        try:
            info = archive.getinfo(prefix + name)
        except KeyError:
            raise _Bad(f"there is no file '{name}' in the feed") from None
        if info.is_dir():
            raise _Bad(f"there is no file '{name}' in the feed")
        if info.file_size > DOCUMENT_MAX_BYTES:
            raise _Bad(f"'{name}' is larger than {DOCUMENT_MAX_BYTES // (1024 * 1024)} MB")
        with archive.open(info) as handle:
            data = handle.read(DOCUMENT_MAX_BYTES + 1)
        if len(data) > DOCUMENT_MAX_BYTES:
            raise _Bad(f"'{name}' is larger than {DOCUMENT_MAX_BYTES // (1024 * 1024)} MB")
        return data

    return read_member, archive.close


def _read_documents(session: Session, path: Path, feed: dict[str, _FileRows], errors: list[str]) -> None:
    """documents.csv's ``file`` cells become the PDFs' sha256 (each with the PDF when it is
    new or changed): each must be a PDF (by its first bytes) of at most DOCUMENT_MAX_BYTES.
    A ``person_ref`` must be a party to the document's tenancy (in this feed or stored)."""
    rows = feed.get("documents.csv")
    if rows is None:
        return
    names = rows.spec.names
    ref_i, tenancy_i, person_i, file_i = (names.index(n) for n in ("document_ref", "tenancy_ref", "person_ref", "file"))
    refs = [values[ref_i] for values in rows.rows]
    stored: dict[str, str] = {}
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        stored.update(
            session.execute(
                select(ResidentDocument.document_ref, ResidentDocument.sha256).where(
                    ResidentDocument.document_ref.in_(chunk)
                )
            ).all()
        )
    read, close = _pdf_reader(path)
    out: list[tuple] = []
    try:
        for values, line in zip(rows.rows, rows.lines):
            name = values[file_i]
            try:
                data = read(name)
                if not data.startswith(_PDF_MAGIC):
                    raise _Bad(f"'{name}' is not a PDF (a PDF starts with %PDF-)")
            except _Bad as exc:
                errors.append(f"documents.csv:{line}:file: {exc}")
                out.append(values)
                continue
            except OSError as exc:
                errors.append(f"documents.csv:{line}:file: '{name}' cannot be read ({exc})")
                out.append(values)
                continue
            pdf = _Pdf(hashlib.sha256(data).hexdigest())
            pdf.data = None if stored.get(values[ref_i]) == pdf else data
            out.append((*values[:file_i], pdf, *values[file_i + 1 :]))
    finally:
        close()
    rows.rows = out
    if not rows.present[person_i]:
        return
    parties: set[tuple[str, str]] = set()
    in_feed = feed.get("tenancy_parties.csv")
    if in_feed is not None:
        t_i, p_i = in_feed.spec.names.index("tenancy_ref"), in_feed.spec.names.index("person_ref")
        parties.update((v[t_i], v[p_i]) for v in in_feed.rows)
        parties.update(k for k in in_feed.bad_keys if isinstance(k, tuple))
    wanted = {values[person_i] for values in rows.rows if values[person_i] not in (None, _ABSENT)}
    if wanted:
        parties.update(
            session.execute(
                select(Tenancy.tenancy_ref, Person.person_ref)
                .join(TenancyParty, TenancyParty.tenancy_id == Tenancy.id)
                .join(Person, Person.id == TenancyParty.person_id)
                .where(Person.person_ref.in_(sorted(wanted)))
            ).all()
        )
    for values, line in zip(rows.rows, rows.lines):
        person = values[person_i]
        if person not in (None, _ABSENT) and (values[tenancy_i], person) not in parties:
            errors.append(
                f"documents.csv:{line}:person_ref: '{person}' is not on tenancy '{values[tenancy_i]}' "
                "(a letter for one person goes to a tenancy they are on)"
            )


def _announce_documents(session: Session, feed: dict[str, _FileRows], plans: dict, now: datetime) -> None:
    """The documents this import added: "You have a new letter" to whoever may see each
    and gets letters online, queued in this same transaction (services/tenancy/letters.py)."""
    rows = feed.get("documents.csv")
    if rows is None or "documents.csv" not in plans:
        return
    added = plans["documents.csv"][0]
    if not added:
        return
    from portal_app.services.tenancy import letters  # noqa: PLC0415
    from portal_app.settings import get_settings  # noqa: PLC0415

    ref_i = rows.spec.names.index("document_ref")
    refs = [rows.rows[i][ref_i] for i in added]
    ids: list[int] = []
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        ids.extend(
            session.execute(select(ResidentDocument.id).where(ResidentDocument.document_ref.in_(chunk))).scalars()
        )
    letters.announce_new_letters(session, document_ids=ids, now=now, settings=get_settings())


SPEC_BY_FILE = {s.file: s for s in SPECS}
FEED_FILES = tuple(s.file for s in SPECS)

# The files whose single key column other files refer to, and that key's column.
_KEYED = {
    "properties.csv": (Property, "property_ref"),
    "people.csv": (Person, "person_ref"),
    "officers.csv": (Officer, "officer_ref"),
    "tenancies.csv": (Tenancy, "tenancy_ref"),
    "accounts.csv": (Account, "account_ref"),
}

_ABSENT = object()  # a column the file does not have
_CHUNK = 5_000


# ---------------------------------------------------------------------------
# Reading the feed
# ---------------------------------------------------------------------------


@dataclass
class _FileRows:
    spec: _Spec
    present: tuple[bool, ...]  # per spec column: is it in the header?
    rows: list[tuple] = field(default_factory=list)  # values in spec column order (or _ABSENT)
    lines: list[int] = field(default_factory=list)  # physical line of each row
    read: int = 0
    bad_keys: set = field(default_factory=set)  # keys of rows that had errors


_Opener = Callable[[], io.TextIOBase]


def _open_sources(path: Path, errors: list[str], warnings: list[str]) -> tuple[dict[str, _Opener], Callable[[], None]]:
    """Map each feed file present to an opener; and a closer for the zip, if any."""
    openers: dict[str, _Opener] = {}
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if not child.is_file():
                continue
            if child.name in SPEC_BY_FILE:
                openers[child.name] = lambda p=child: open(p, encoding="utf-8-sig", newline="")  # noqa: SIM115
            elif child.suffix.lower() == ".csv":
                warnings.append(f"{child.name}: not a file of the import format; ignored")
        return openers, lambda: None

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        errors.append(f"{path.name}: not a folder or a readable .zip file ({exc})")
        return {}, lambda: None
    seen: dict[str, str] = {}
    for info in archive.infolist():
        if info.is_dir() or "__MACOSX" in info.filename:
            continue
        name = info.filename.rsplit("/", 1)[-1]
        if name in SPEC_BY_FILE:
            if name in seen:
                errors.append(f"{path.name}: holds {name} twice ({seen[name]} and {info.filename})")
                continue
            seen[name] = info.filename
            openers[name] = lambda i=info: io.TextIOWrapper(archive.open(i), encoding="utf-8-sig", newline="")
        elif name.lower().endswith(".csv"):
            warnings.append(f"{info.filename}: not a file of the import format; ignored")
    return openers, archive.close


_MISS = object()
_CACHE_LIMIT = 50_000
_READ_CHUNK = 5_000
_WHITESPACE = re.compile(r"\s")


class _Invalid:
    """A cell that did not parse, and why."""

    __slots__ = ("problem",)

    def __init__(self, problem: str):
        self.problem = problem


class _Cells(dict):
    """raw cell -> value for one column. Most cells repeat (dates, amounts, refs, types),
    so each distinct text is parsed once; a miss parses it (``__missing__``)."""

    def __init__(self, col: _Col):
        super().__init__()
        self.parse = col.parse
        self.required = col.required
        self.default = col.default
        self.bad = False

    def value(self, raw: str) -> Any:
        text = raw.strip()
        if not text:
            if self.required:
                raise _Bad("a value is required")
            return self.default
        return self.parse(text)

    def __missing__(self, raw: str) -> Any:
        try:
            value = self.value(raw)
        except _Bad as exc:
            self.bad = True
            return _Invalid(str(exc))
        if len(self) < _CACHE_LIMIT:
            self[raw] = value
        return value


def _unique_column(cells: _Cells, raw: list[str]) -> list[Any]:
    """A column of references that are all different (transaction_ref): check the whole
    column at C speed, and cell by cell only when something is off."""
    if raw and min(map(len, raw)) > 0 and max(map(len, raw)) <= 64 and not _WHITESPACE.search("".join(raw)):
        return raw
    out: list[Any] = []
    for text in raw:
        try:
            out.append(cells.value(text))
        except _Bad as exc:
            cells.bad = True
            out.append(_Invalid(str(exc)))
    return out


def _read_file(spec: _Spec, handle: io.TextIOBase, errors: list[str], warnings: list[str]) -> _FileRows | None:
    file = spec.file
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        errors.append(f"{file}:1: the header row cannot be read ({exc})")
        return None
    if header is None:
        errors.append(f"{file}:1: the file is empty (it needs at least a header row)")
        return None
    header = [h.strip() for h in header]
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            warnings.append(f"{file}:1:column {i + 1}: a column without a name; ignored")
        elif name in positions:
            errors.append(f"{file}:1:{name}: the column appears twice")
        else:
            if name not in spec.names:
                warnings.append(f"{file}:1:{name}: unknown column; ignored")
            positions[name] = i
    missing = [c.name for c in spec.cols if c.required and c.name not in positions]
    for name in missing:
        errors.append(f"{file}:1:{name}: required column is missing")
    if missing:
        return None

    present = tuple(c.name in positions for c in spec.cols)
    result = _FileRows(spec, present)
    columns = [(positions[c.name], c, _Cells(c)) if here else None for c, here in zip(spec.cols, present)]
    width = len(header)
    key_idx = [spec.names.index(k) for k in spec.key]
    single_key = key_idx[0] if len(key_idx) == 1 else None
    key_label = spec.key[0] if single_key is not None else spec.key[-1]
    ordered = [(spec.names.index(a), spec.names.index(b), a, b) for a, b in spec.ordered]
    first_line_of: dict[Any, int] = {}

    def take(records: list[list[str]], lines: list[int]) -> None:
        n = len(records)
        values: list[Any] = []
        for column in columns:
            if column is None:
                values.append(repeat(_ABSENT, n))
                continue
            pos, col, cells = column
            raw = list(map(itemgetter(pos), records))
            cells.bad = False
            if col.unique:
                values.append(_unique_column(cells, raw))
            else:
                values.append(list(map(cells.__getitem__, raw)))
        bad_rows: dict[int, list[str]] = {}
        for column, vals in zip(columns, values):
            if column is None or not column[2].bad:
                continue
            for i, value in enumerate(vals):
                if type(value) is _Invalid:
                    bad_rows.setdefault(i, []).append(f"{file}:{lines[i]}:{column[1].name}: {value.problem}")
        rows = list(zip(*values))
        if bad_rows:
            for i in sorted(bad_rows):
                if not any(cell.strip() for cell in records[i]):
                    result.read -= 1  # a row of empty cells: a blank line
                    continue
                errors.extend(bad_rows[i])
                key = tuple(rows[i][k] for k in key_idx)
                if not any(type(part) is _Invalid for part in key):
                    # the row is there, if wrong: other files may name it without a second error
                    result.bad_keys.add(key[0] if single_key is not None else key)
            keep = [i for i in range(n) if i not in bad_rows]
            rows = [rows[i] for i in keep]
            lines = [lines[i] for i in keep]
        if ordered:
            keep_rows, keep_lines = [], []
            for row, line in zip(rows, lines):
                ok = True
                for a, b, name_a, name_b in ordered:
                    va, vb = row[a], row[b]
                    if va is not None and vb is not None and va is not _ABSENT and vb is not _ABSENT and vb < va:
                        errors.append(f"{file}:{line}:{name_b}: {vb.isoformat()} is before {name_a} {va.isoformat()}")
                        ok = False
                if ok:
                    keep_rows.append(row)
                    keep_lines.append(line)
            rows, lines = keep_rows, keep_lines
        if single_key is not None:
            keys = [row[single_key] for row in rows]
        else:
            keys = [tuple(row[k] for k in key_idx) for row in rows]
        before = len(first_line_of)
        first_line_of.update(zip(keys, lines))
        if len(first_line_of) - before != len(keys):
            # Some key is repeated: find which, the slow way (first_line_of was just
            # overwritten with later lines for this chunk's keys, so rebuild them).
            for key in keys:
                first_line_of.pop(key, None)
            seen_rows, seen_lines = [], []
            for key, row, line in zip(keys, rows, lines):
                earlier = first_line_of.get(key)
                if earlier is not None:
                    shown = key if isinstance(key, str) else ", ".join(str(k) for k in key)
                    errors.append(
                        f"{file}:{line}:{key_label}: '{shown}' is already on line {earlier} "
                        f"(each {' + '.join(spec.key)} may appear once)"
                    )
                    continue
                first_line_of[key] = line
                seen_rows.append(row)
                seen_lines.append(line)
            rows, lines = seen_rows, seen_lines
        result.rows.extend(rows)
        result.lines.extend(lines)

    records: list[list[str]] = []
    record_lines: list[int] = []
    last_line = 1
    try:
        for record in reader:
            line = last_line + 1
            last_line = reader.line_num
            if len(record) != width:
                if not record or not any(cell.strip() for cell in record):
                    continue  # a blank line
                result.read += 1
                column = header[min(len(record), width - 1)] or "-"
                errors.append(f"{file}:{line}:{column}: the row has {len(record)} fields but the header has {width}")
                continue
            result.read += 1
            records.append(record)
            record_lines.append(line)
            if len(records) >= _READ_CHUNK:
                take(records, record_lines)
                records, record_lines = [], []
    except UnicodeDecodeError:
        errors.append(f"{file}:{last_line + 1}: the file is not UTF-8 text")
    except csv.Error as exc:
        errors.append(f"{file}:{last_line + 1}: the CSV cannot be read ({exc})")
    if records:
        take(records, record_lines)
    return result


# ---------------------------------------------------------------------------
# What the database already holds
# ---------------------------------------------------------------------------


class _Existing:
    """Existing rows, as feed values (references as refs, not ids), keyed like the feed."""

    def __init__(self, session: Session):
        self.session = session
        self.ids: dict[str, dict[str, int]] = {}  # file -> ref -> id
        self.refs: dict[str, dict[int, str]] = {}  # file -> id -> ref
        for file in _KEYED:
            self.reload_ids(file)
        self.rows: dict[str, dict[Any, tuple[int, tuple]]] = {}

    def reload_ids(self, file: str) -> None:
        model, ref_col = _KEYED[file]
        table = model.__table__
        result = self.session.execute(select(table.c.id, table.c[ref_col])).all()
        self.ids[file] = {ref: id_ for id_, ref in result}
        self.refs[file] = {id_: ref for id_, ref in result}

    def _to_feed(self, spec: _Spec, db_row: Any) -> tuple:
        values = []
        for col in spec.cols:
            value = db_row._mapping[col.db_name]
            if col.ref is not None and value is not None:
                value = self.refs[col.ref].get(value)
            values.append(value)
        return tuple(values)

    def _all_postings(self) -> dict[str, tuple[int, tuple]]:
        """Every stored posting, read through the driver (hundreds of thousands of rows, so
        no per-row type processing; columns converted at C speed), as
        ref -> (id, values in feed order)."""
        account_refs = self.refs["accounts.csv"]
        cursor = self.session.connection().connection.driver_connection.cursor()
        try:
            cursor.execute(
                "SELECT id, transaction_ref, account_id, posted_on, week_commencing, type, description, "
                "amount_pence, method FROM ledger_transaction"
            )
            stored = cursor.fetchall()
        finally:
            cursor.close()
        if not stored:
            return {}
        ids, refs, accounts, posted, weeks, kinds, descriptions, amounts, methods = zip(*stored)
        del stored
        days = _Days()
        values = zip(
            refs,
            map(account_refs.get, accounts),
            map(days.__getitem__, posted),
            map(days.__getitem__, weeks),
            kinds,
            descriptions,
            amounts,
            methods,
        )
        return dict(zip(refs, zip(ids, values)))

    def load(
        self, spec: _Spec, feed_keys: Iterable[Any] | None = None, feed_count: int = 0
    ) -> dict[Any, tuple[int, tuple]]:
        """Existing rows of this file, key -> (id, values). For transactions, only those the
        feed names (all of them at once when the feed is large, else by key)."""
        table = spec.model.__table__
        columns = [table.c.id] + [table.c[c.db_name] for c in spec.cols]
        key_idx = [spec.names.index(k) for k in spec.key]
        out: dict[Any, tuple[int, tuple]] = {}

        def add(rows: Iterable[Any]) -> None:
            for row in rows:
                values = self._to_feed(spec, row)
                key = values[key_idx[0]] if len(key_idx) == 1 else tuple(values[k] for k in key_idx)
                out[key] = (row.id, values)

        if spec.file == "transactions.csv":
            if feed_keys is not None and feed_count < 20_000:
                keys = list(feed_keys)
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    add(self.session.execute(select(*columns).where(table.c.transaction_ref.in_(chunk))))
            else:
                out = self._all_postings()
        else:
            add(self.session.execute(select(*columns)))
        self.rows[spec.file] = out
        return out


# ---------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------


def import_feed(
    engine: Engine,
    path: str | Path,
    *,
    now: datetime | None = None,
    source: str | None = None,
    staff_id: int | None = None,
    also: Callable[[Session, ImportReport], None] | None = None,
) -> ImportReport:
    """Validate a feed completely, then write all of it in one transaction, or nothing.

    ``source`` names the feed in the report and the import's history (default: its path;
    the back office gives the uploaded file's name), ``staff_id`` is who uploaded it, and
    ``also`` runs in the import's own transaction just before it commits (the back office
    writes its audit line there, so the line and the records commit together or not at all).
    Returns a report; raises only FileNotFoundError when ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No feed at {path}")
    # Hundreds of thousands of small tuples: the cyclic garbage collector would walk
    # them again and again while they are built, and there are no cycles to find.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import(engine, path, now, source=source, staff_id=staff_id, also=also)
    finally:
        if collecting:
            gc.enable()


def _import(
    engine: Engine,
    path: Path,
    now: datetime | None,
    *,
    source: str | None = None,
    staff_id: int | None = None,
    also: Callable[[Session, ImportReport], None] | None = None,
) -> ImportReport:
    clock_start = time.perf_counter()
    started_at = now or utcnow()
    errors: list[str] = []
    warnings: list[str] = []
    source = source or str(path)

    def finish(ok: bool, files: dict[str, FileCounts]) -> ImportReport:
        return ImportReport(ok, errors, warnings, files, time.perf_counter() - clock_start, source)

    # 1. Read and check every row of every file.
    openers, close = _open_sources(path, errors, warnings)
    feed: dict[str, _FileRows] = {}
    try:
        for spec in SPECS:
            opener = openers.get(spec.file)
            if opener is None:
                continue
            try:
                with opener() as handle:
                    rows = _read_file(spec, handle, errors, warnings)
            except OSError as exc:
                errors.append(f"{spec.file}: cannot be read ({exc})")
                continue
            if rows is not None:
                feed[spec.file] = rows
    finally:
        close()
    if not openers and not errors:
        errors.append(f"{path.name}: holds none of the feed files ({', '.join(FEED_FILES)})")

    today = started_at.date()
    people = feed.get("people.csv")
    if people is not None:
        dob = people.spec.names.index("date_of_birth")
        for values, line in zip(people.rows, people.lines):
            if values[dob] not in (None, _ABSENT) and values[dob] > today:
                errors.append(f"people.csv:{line}:date_of_birth: {values[dob].isoformat()} is in the future")

    with Session(engine) as session:
        try:
            existing = _Existing(session)
            _read_documents(session, path, feed, errors)  # documents.csv's PDFs (docs/tenancy-feed.md)

            # 2. References: each must be defined by the feed or already be in the database.
            feed_refs: dict[str, set[str]] = {}
            for file, (_model, ref_col) in _KEYED.items():
                rows = feed.get(file)
                if rows is None:
                    feed_refs[file] = set()
                else:
                    i = rows.spec.names.index(ref_col)
                    feed_refs[file] = {values[i] for values in rows.rows} | rows.bad_keys
            for rows in feed.values():
                for j, col in enumerate(rows.spec.cols):
                    if col.ref is None or not rows.present[j]:
                        continue
                    known_feed, known_db = feed_refs[col.ref], existing.ids[col.ref]
                    what = col.ref.removesuffix(".csv")
                    for values, line in zip(rows.rows, rows.lines):
                        ref = values[j]
                        if ref is not None and ref not in known_feed and ref not in known_db:
                            errors.append(
                                f"{rows.spec.file}:{line}:{col.name}: '{ref}' is not in {what}.csv "
                                f"of this feed nor in the database"
                            )

            # 3. Compare with what is stored.
            plans: dict[str, tuple[list[int], list[tuple[int, int]], int]] = {}
            for spec in SPECS:
                rows = feed.get(spec.file)
                if rows is None:
                    continue
                key_idx = [spec.names.index(k) for k in spec.key]

                def key_of(values: tuple, key_idx: list[int] = key_idx) -> Any:
                    return values[key_idx[0]] if len(key_idx) == 1 else tuple(values[k] for k in key_idx)

                stored = existing.load(spec, (key_of(v) for v in rows.rows), len(rows.rows))
                compare = [j for j, here in enumerate(rows.present) if here]
                added: list[int] = []
                updated: list[tuple[int, int]] = []  # (row index, id)
                unchanged = 0
                is_ledger = spec.file == "transactions.csv"
                for i, values in enumerate(rows.rows):
                    hit = stored.get(key_of(values))
                    if hit is None:
                        added.append(i)
                        continue
                    id_, old = hit
                    if values == old:
                        unchanged += 1
                        continue
                    differs = [j for j in compare if values[j] != old[j]]
                    if not differs:
                        unchanged += 1
                    elif is_ledger:
                        j = differs[0]
                        col = spec.cols[j]
                        errors.append(
                            f"{spec.file}:{rows.lines[i]}:{col.name}: transaction '{values[0]}' is already posted "
                            f"with {col.name} {_show(old[j], col)}, not {_show(values[j], col)}; postings are "
                            "never edited (send a correction as a new adjustment row)"
                        )
                    else:
                        updated.append((i, id_))
                plans[spec.file] = (added, updated, unchanged)

            counts = {
                file: FileCounts(feed[file].read, len(a), len(u), unchanged)
                for file, (a, u, unchanged) in plans.items()
            }
            if errors:
                session.rollback()
                return finish(False, {f: FileCounts(feed[f].read) for f in feed})

            # 4. Write, in dependency order, in this one transaction.
            for spec in SPECS:
                if spec.file not in plans:
                    continue
                added, updated, _ = plans[spec.file]
                rows = feed[spec.file]
                _write(session, existing, spec, rows, added, updated)
                if spec.file in _KEYED and added:
                    existing.reload_ids(spec.file)

            _announce_documents(session, feed, plans, _aware_utc(started_at))
            report = finish(True, counts)
            finished_at = started_at + timedelta(seconds=report.seconds) if now else utcnow()
            session.add(
                ImportRun(
                    source=source[:500],
                    started_at=_aware_utc(started_at),
                    finished_at=_aware_utc(finished_at),
                    ok=True,
                    staff_id=staff_id,
                    report=report.render(),
                )
            )
            if also is not None:
                also(session, report)
            session.commit()
            return report
        except Exception as exc:  # a database refusal (say a concurrent import): nothing is kept
            session.rollback()
            errors.append(f"the database refused the import, so nothing was written: {type(exc).__name__}: {exc}")
            return finish(False, {f: FileCounts(feed[f].read) for f in feed})


def _aware_utc(moment: datetime) -> datetime:
    """Timestamps are UTC; SQLModel's datetime columns insist on an explicit zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _Days(dict):
    """Stored date (text on SQLite, a date on PostgreSQL) -> date, each converted once."""

    def __missing__(self, value: Any) -> date | None:
        day = _as_date(value)
        self[value] = day
        return day


def _as_date(value: Any) -> date | None:
    """A date as the driver returns it (SQLite: 'YYYY-MM-DD' text; PostgreSQL: a date)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _show(value: Any, col: _Col) -> str:
    if value is None:
        return "(empty)"
    if col.db_name == "amount_pence":
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"
    if isinstance(value, date):
        return value.isoformat()
    return f"'{value}'"


def _write(
    session: Session,
    existing: _Existing,
    spec: _Spec,
    rows: _FileRows,
    added: list[int],
    updated: list[tuple[int, int]],
) -> None:
    table = spec.model.__table__
    present = rows.present
    if added:
        if spec.file == "transactions.csv":
            _insert_postings(session, existing, rows, added)
        else:
            new_rows = (_db_values(existing, spec, present, rows.rows[i], new=True) for i in added)
            if spec.on_insert is not None:
                new_rows = ({**row, **spec.on_insert(row)} for row in new_rows)
            for batch in _chunks(new_rows):
                session.execute(table.insert(), batch)
    if updated:
        changes = []
        for i, id_ in updated:
            values = _db_values(existing, spec, present, rows.rows[i], new=False)
            values["id"] = id_
            if spec.on_update is not None:
                values.update(spec.on_update(values))
            changes.append(values)
        for start in range(0, len(changes), _CHUNK):
            session.execute(update(spec.model), changes[start : start + _CHUNK])


_LEDGER_COLUMNS = (
    "transaction_ref",
    "account_id",
    "posted_on",
    "week_commencing",
    "type",
    "description",
    "amount_pence",
    "method",
)


def _insert_postings(session: Session, existing: _Existing, rows: _FileRows, added: list[int]) -> None:
    """The hot path: new postings, in the session's transaction, through the driver's own
    bulk route (SQLite executemany; PostgreSQL COPY), or SQLAlchemy's executemany elsewhere."""
    account_ids = existing.ids["accounts.csv"]
    p = rows.present
    week = 3 if p[3] else None
    method = 7 if p[7] else None
    data = rows.rows

    def tuples() -> Iterator[tuple]:
        for i in added:
            v = data[i]
            yield (
                v[0],
                account_ids[v[1]],
                v[2],
                v[week] if week is not None else None,
                v[4],
                v[5],
                v[6],
                v[method] if method is not None else None,
            )

    connection = session.connection()
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    names = ", ".join(_LEDGER_COLUMNS)
    if dialect.name == "sqlite":
        iso: dict[date | None, str | None] = {None: None}

        def text_dates() -> Iterator[tuple]:
            for t in tuples():
                posted = iso.get(t[2]) or iso.setdefault(t[2], t[2].isoformat())
                monday = iso.get(t[3], _MISS)
                if monday is _MISS:
                    monday = iso[t[3]] = t[3].isoformat()
                yield (t[0], t[1], posted, monday, t[4], t[5], t[6], t[7])

        cursor = driver.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO ledger_transaction ({names}) VALUES ({', '.join('?' * len(_LEDGER_COLUMNS))})",
                text_dates(),
            )
        finally:
            cursor.close()
        return
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        with driver.cursor() as cursor:
            with cursor.copy(f"COPY ledger_transaction ({names}) FROM STDIN") as copy:
                for t in tuples():
                    copy.write_row(t)
        return
    table = Transaction.__table__
    for batch in _chunks(dict(zip(_LEDGER_COLUMNS, t)) for t in tuples()):
        session.execute(table.insert(), batch)


def _db_values(
    existing: _Existing, spec: _Spec, present: tuple[bool, ...], values: tuple, *, new: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for j, col in enumerate(spec.cols):
        if not present[j]:
            if new:
                out[col.db_name] = col.default
            continue
        value = values[j]
        if col.ref is not None and value is not None:
            value = existing.ids[col.ref][value]
        out[col.db_name] = value
    return out


def _chunks(items: Iterable[dict[str, Any]], size: int = _CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["FEED_FILES", "FileCounts", "ImportReport", "import_feed"]
