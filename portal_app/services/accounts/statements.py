"""Account statements (on screen, CSV, PDF) and the rent letter for a Universal Credit claim.

``statement`` builds one frozen dataclass that every format renders: the page shows its
fields, ``to_csv`` and ``to_pdf`` write the same lines with the same text, so what a
resident downloads is what they saw. Money is integer pence (positive = owed, DR;
negative = credit, CR). PDFs use fpdf2's core Helvetica font, which is latin-1: text is
passed through ``pdf_text`` (curly quotes and dashes become plain ones, accents outside
latin-1 are dropped, anything else becomes "?"). No reflex import here.
"""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fpdf import FPDF, ViewerPreferences
from fpdf.structure_tree import StructElem, StructureTreeBuilder
from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from portal_app import design
from portal_app.clock import to_uk, uk_date_words, uk_time_words, uk_today
from portal_app.models import Account, Person, Property, Tenancy, TenancyParty, Transaction
from portal_app.services.accounts import owed
from portal_app.services.accounts.access import AccountChoice, Caller, ChosenAccount, choose_account
from portal_app.services.accounts.balances import ACCOUNT_LABELS
from portal_app.services.accounts.ledger import ChargeLine, charge_line, charges_in_force, type_label
from portal_app.services.money import balance_display, dr_cr, format_pence, round_half_up_div
from portal_app.settings import Settings

# Who a statement is addressed to, in this order.
NAMED_ROLES = ("lead_tenant", "leaseholder", "licensee", "joint_tenant", "joint_leaseholder")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CSV_HEADER = ("Date", "Week commencing", "Description", "Type", "Debit", "Credit", "Balance")
OPENING_LABEL = "Opening balance"
CLOSING_LABEL = "Closing balance"
OPENING_TYPE = "Balance brought forward"
CLOSING_TYPE = "Balance carried forward"


# ---------------------------------------------------------------------------
# Small formatting helpers (shared by the page, the CSV and the PDF)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Landlord:
    name: str
    address: str  # one line: "Northbrook Homes, 1 Civic Way, Northbrook NB1 1AA"
    phone: str
    email: str = ""

    @classmethod
    def from_settings(cls, settings) -> Landlord:
        """From ``portal_app.settings.Settings`` (landlord_name, _address, _phone, _email)."""
        return cls(settings.landlord_name, settings.landlord_address, settings.landlord_phone, settings.landlord_email)


def short_date(day: date) -> str:
    """'1 Apr 2026': the dates in statement tables."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def pounds(pence: int) -> str:
    """Signed pounds for CSV: 12345 -> '123.45', -2000 -> '-20.00' (no £, no thousands separator)."""
    magnitude = abs(pence)
    return f"{'-' if pence < 0 else ''}{magnitude // 100}.{magnitude % 100:02d}"


_PDF_REPLACE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200b": "",
        "\u20ac": "EUR",
    }
)


def pdf_text(text: str) -> str:
    """Text that fpdf2's latin-1 core fonts can draw."""
    text = (text or "").translate(_PDF_REPLACE)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


def _csv_text(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---------------------------------------------------------------------------
# Who and where
# ---------------------------------------------------------------------------


def _full_name(person: Person) -> str:
    return " ".join(part for part in (person.title, person.first_name, person.last_name) if part)


def _address_lines(prop: Property) -> tuple[str, ...]:
    lines = [p for p in (prop.address_line_1, prop.address_line_2, prop.address_line_3) if p]
    return tuple(lines + [prop.town, prop.postcode])


# A statement's queries, built once, their values bound when they run: building a
# statement and working out its cache key cost SQLAlchemy more than SQLite takes to run
# it (bench/statements.py).
_PARTIES = (
    select(TenancyParty, Person)
    .join(Person, Person.id == TenancyParty.person_id)
    .where(TenancyParty.tenancy_id == bindparam("tenancy_id"), TenancyParty.role.in_(NAMED_ROLES))
)
_ACCOUNT_CONTEXT = (
    select(Account, Tenancy, Property)
    .join(Tenancy, Tenancy.id == Account.tenancy_id)
    .join(Property, Property.id == Tenancy.property_id)
    .where(Account.id == bindparam("account_id"))
)
_OPENING = select(func.coalesce(func.sum(Transaction.amount_pence), 0)).where(
    Transaction.account_id == bindparam("account_id"), Transaction.posted_on < bindparam("date_from")
)
_PERIOD = (
    select(
        Transaction.id,
        Transaction.posted_on,
        Transaction.week_commencing,
        Transaction.type,
        Transaction.description,
        Transaction.amount_pence,
    )
    .where(
        Transaction.account_id == bindparam("account_id"),
        Transaction.posted_on >= bindparam("date_from"),
        Transaction.posted_on <= bindparam("date_to"),
    )
    .order_by(Transaction.posted_on, Transaction.id)
)


def _residents(session: Session, tenancy: Tenancy, today: date) -> tuple[str, ...]:
    """The tenancy's named parties (lead and joint tenants, leaseholders, licensees) on the
    day: today while the tenancy runs, else its last day; when nobody was on it that day
    (an odd feed), everyone who ever held one of those roles."""
    on = today if tenancy.end_date is None or tenancy.end_date >= today else tenancy.end_date
    rows = session.exec(_PARTIES, params={"tenancy_id": tenancy.id}).all()
    rank = {role: i for i, role in enumerate(NAMED_ROLES)}
    rows = sorted(rows, key=lambda r: (rank[r[0].role], r[0].id))
    current = [person for party, person in rows if party.is_current(on)]
    return tuple(_full_name(p) for p in (current or [person for _party, person in rows]))


def _account_context(session: Session, account_id: int) -> tuple[Account, Tenancy, Property]:
    row = session.exec(_ACCOUNT_CONTEXT, params={"account_id": account_id}).first()
    if row is None:
        raise LookupError(f"no account with id {account_id}")
    return row


# ---------------------------------------------------------------------------
# The statement
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    transaction_id: int
    posted_on: date
    week_commencing: date  # as sent, or the Monday of posted_on when the feed left it empty
    week_derived: bool  # True when week_commencing was worked out from posted_on
    type: str
    type_label: str
    description: str
    amount_pence: int  # signed: positive a debit, negative a credit
    debit_pence: int | None
    credit_pence: int | None  # positive
    balance_pence: int  # the balance after this posting
    # The same, as the page, the CSV and the PDF show them:
    date_text: str  # "14 Nov 2026"
    week_text: str
    debit_text: str  # "£113.69" or ""
    credit_text: str
    balance_text: str  # "£1,234.56 DR", "£20.00 CR", "£0.00"


@dataclass(frozen=True)
class Statement:
    landlord: Landlord
    account_id: int
    account_ref: str
    account_type: str
    account_label: str  # "Rent account"
    title: str  # "Rent account statement"
    tenancy_ref: str
    tenure: str
    residents: tuple[str, ...]  # "Mrs Denise Walker", ...
    address_lines: tuple[str, ...]  # the property, then town, then postcode
    date_from: date  # the first day shown: the day asked for, or the day the tenancy began if that was later
    date_to: date
    asked_from: date  # the start date the resident asked for
    start_note: str  # "Your tenancy began on 3 March 2019, so this statement starts then." or ""
    period_text: str  # "1 April 2026 to 22 November 2026"
    opening_balance_pence: int
    opening_text: str  # "£12.34 DR"
    lines: tuple[StatementLine, ...]  # oldest first
    total_debits_pence: int
    total_credits_pence: int  # positive
    closing_balance_pence: int
    closing_text: str  # "£123.45 DR"
    closing_dr_cr: str  # "DR" | "CR" | ""
    # What was owed and what of it was overdue at the end ("You owe £123.45 (arrears)", "On 31
    # October 2026 you owed £5,450.00, paid in instalments of £250.00 a month; nothing was overdue").
    closing_words: str
    produced_at: datetime
    produced_text: str  # "22 November 2026"


def period_before_tenancy_message(account: Account | ChosenAccount, tenancy: Tenancy | None) -> str:
    """What the statement form says when every date asked for is before the tenancy began."""
    day = uk_date_words(earliest_statement_day(account, tenancy))
    return f"{_began_words(account, tenancy)}, so the end date must be the same as or after {day}"


def _closing_words(
    session: Session, account: Account, balance: int, day: date, today: date, days_to_pay: int | None
) -> str:
    """What was owed at the end of the period and how much of it was overdue on that day
    (``owed.standing`` as at the period's last day, or today for a period running to
    today): only overdue money is arrears."""
    as_at = min(day, today)
    standing = owed.standing(session, account.id, account.account_type, balance, as_at, days_to_pay=days_to_pay)
    return owed.words(standing) if day >= today else owed.words(standing, on=day)


def earliest_statement_day(account: Account | ChosenAccount, tenancy: Tenancy | None) -> date:
    """The first day a statement can cover: the day the tenancy began (or the account
    opened, if a feed opened it earlier)."""
    return min(account.opened_on, tenancy.start_date) if tenancy else account.opened_on


def _began_words(account: Account | ChosenAccount, tenancy: Tenancy | None) -> str:
    """'Your tenancy began on 3 March 2019' (or when the account opened, if that was earlier)."""
    earliest = earliest_statement_day(account, tenancy)
    if tenancy is not None and earliest == tenancy.start_date:
        return f"Your tenancy began on {uk_date_words(earliest)}"
    return f"This account opened on {uk_date_words(earliest)}"


def statement(
    session: Session,
    account_id: int,
    date_from: date,
    date_to: date,
    *,
    landlord: Landlord,
    now: datetime,
    days_to_pay: int | None = None,
) -> Statement:
    """The account's statement for ``date_from`` to ``date_to`` (UK dates, both included).

    A start before the tenancy began (``earliest_statement_day``) is moved to the day it
    began, and the statement says so in ``start_note`` (issue 13: a statement "from 2010"
    for a tenancy that began in 2019 must not read as if it covered 2010).

    Opening balance: every posting before ``date_from``. Lines: every posting in the
    period, oldest first (posted_on, id), each with the balance after it. Closing
    balance: opening plus the period's postings. A period with no postings (before the
    first, after the last) has no lines and closes at its opening balance. The closing
    words say what of the closing balance was overdue on the period's last day
    (``owed.standing``; ``days_to_pay`` as there).
    Raises ValueError when ``date_from`` is after ``date_to`` or the whole period is before
    the tenancy began (the message says when it began), LookupError for an unknown account."""
    if date_from > date_to:
        raise ValueError("The start of the period must be on or before its end")
    account, tenancy, prop = _account_context(session, account_id)
    earliest = earliest_statement_day(account, tenancy)
    if date_to < earliest:
        raise ValueError(period_before_tenancy_message(account, tenancy))
    asked_from = date_from
    start_note = ""
    if date_from < earliest:
        date_from = earliest
        start_note = f"{_began_words(account, tenancy)}, so this statement starts then."
    today = to_uk(now).date()
    opening = int(session.exec(_OPENING, params={"account_id": account_id, "date_from": date_from}).one())
    rows = session.exec(_PERIOD, params={"account_id": account_id, "date_from": date_from, "date_to": date_to}).all()

    balance = opening
    debits = credits = 0
    lines: list[StatementLine] = []
    day_text: dict[date, str] = {}

    def text_of(day: date) -> str:
        value = day_text.get(day)
        if value is None:
            value = day_text[day] = short_date(day)
        return value

    for tid, posted_on, week, kind, description, amount in rows:
        balance += amount
        if amount > 0:
            debits += amount
        else:
            credits -= amount
        derived = week is None
        week = week or monday_of(posted_on)
        lines.append(
            StatementLine(
                transaction_id=tid,
                posted_on=posted_on,
                week_commencing=week,
                week_derived=derived,
                type=kind,
                type_label=type_label(kind),
                description=description,
                amount_pence=amount,
                debit_pence=amount if amount > 0 else None,
                credit_pence=-amount if amount < 0 else None,
                balance_pence=balance,
                date_text=text_of(posted_on),
                week_text=text_of(week),
                debit_text=format_pence(amount) if amount > 0 else "",
                credit_text=format_pence(amount) if amount < 0 else "",
                balance_text=balance_display(balance),
            )
        )
    label = ACCOUNT_LABELS.get(account.account_type, "Account")
    return Statement(
        landlord=landlord,
        account_id=account.id,
        account_ref=account.account_ref,
        account_type=account.account_type,
        account_label=label,
        title=f"{label} statement",
        tenancy_ref=tenancy.tenancy_ref,
        tenure=tenancy.tenure,
        residents=_residents(session, tenancy, today),
        address_lines=_address_lines(prop),
        date_from=date_from,
        date_to=date_to,
        asked_from=asked_from,
        start_note=start_note,
        period_text=f"{uk_date_words(date_from)} to {uk_date_words(date_to)}",
        opening_balance_pence=opening,
        opening_text=balance_display(opening),
        lines=tuple(lines),
        total_debits_pence=debits,
        total_credits_pence=credits,
        closing_balance_pence=balance,
        closing_text=balance_display(balance),
        closing_dr_cr=dr_cr(balance),
        closing_words=_closing_words(session, account, balance, date_to, today, days_to_pay),
        produced_at=now,
        produced_text=uk_date_words(today),
    )


@dataclass(frozen=True)
class PeriodPreset:
    key: str  # last_13_weeks | this_financial_year | last_financial_year | since_start
    label: str
    date_from: date
    date_to: date


def period_presets(tenancy_start: date, today: date) -> list[PeriodPreset]:
    """The periods a resident can pick with one click, each ending today except the last
    financial year. "Last 13 weeks" is this rent week (from Monday) and the 12 before it.
    Financial years run from 1 April to 31 March. A start before the tenancy began is
    moved to the day it began; "last financial year" is left out when the tenancy began
    after it ended (and every preset when the tenancy has not begun)."""
    if tenancy_start > today:
        return []
    fy = today.year if today >= date(today.year, 4, 1) else today.year - 1
    this_fy, last_fy, last_fy_end = date(fy, 4, 1), date(fy - 1, 4, 1), date(fy, 3, 31)
    out = [
        PeriodPreset(
            "last_13_weeks", "Last 13 weeks", max(monday_of(today) - timedelta(weeks=12), tenancy_start), today
        ),
        PeriodPreset(
            "this_financial_year",
            f"This financial year (from {uk_date_words(this_fy)})",
            max(this_fy, tenancy_start),
            today,
        ),
    ]
    if tenancy_start <= last_fy_end:
        out.append(
            PeriodPreset(
                "last_financial_year",
                f"Last financial year ({uk_date_words(last_fy)} to {uk_date_words(last_fy_end)})",
                max(last_fy, tenancy_start),
                last_fy_end,
            )
        )
    out.append(
        PeriodPreset("since_start", f"Since the tenancy began ({uk_date_words(tenancy_start)})", tenancy_start, today)
    )
    return out


# ---------------------------------------------------------------------------
# The statements page: one account the caller may see, its periods and a statement
# ---------------------------------------------------------------------------

# Accounts whose statement is a rent statement (a week-by-week rent account).
RENT_STATEMENT_TYPES = ("rent", "garage")


def is_rent_statement(account_type: str) -> bool:
    """Whether an account's statement is a rent statement (a rent or garage account)."""
    return account_type in RENT_STATEMENT_TYPES


def offers_uc_letter(account_type: str) -> bool:
    """Whether a resident can download the rent letter for a Universal Credit claim: rent accounts only."""
    return account_type == "rent"


@dataclass(frozen=True)
class StatementView:
    """What the statements page shows for one account: the periods it offers and, once a
    period is chosen, the statement for it."""

    account: ChosenAccount
    earliest: date  # the first day a statement can cover
    presets: tuple[PeriodPreset, ...]
    statement: Statement | None  # None when no period could be chosen
    date_from: date | None
    date_to: date | None
    is_rent: bool
    offers_uc_letter: bool
    start_note: str = ""  # the statement starts later than asked: when the tenancy began
    period_error: str = ""  # the dates asked for are all before the tenancy began


def statement_view(
    session: Session,
    caller: Caller,
    wanted: str | None,
    remembered: str = "",
    *,
    preset: str | None = None,
    period: tuple[date, date] | None = None,
    now: datetime,
    settings: Settings,
) -> tuple[AccountChoice, StatementView | None]:
    """The account asked for (or chosen before), its periods, and the statement for
    ``period``, else for the preset with the key ``preset``, else for the first preset.
    A ``preset`` that is not one of this account's gives no statement. A ``period`` that
    starts before the tenancy began starts on the day it began (``date_from`` is that
    day, ``start_note`` says so); one that ends before it gives no statement and a
    ``period_error`` naming the day."""
    today = uk_today(now)
    choice = choose_account(session, caller, wanted, remembered, today=today, settings=settings)
    account = choice.account
    if account is None:
        return choice, None
    tenancy = session.get(Tenancy, account.tenancy_id)
    earliest = earliest_statement_day(account, tenancy)
    presets = tuple(period_presets(earliest, today))
    if period is not None:
        date_from, date_to = period
    elif preset is not None:
        chosen = next((p for p in presets if p.key == preset), None)
        date_from, date_to = (chosen.date_from, chosen.date_to) if chosen else (None, None)
    elif presets:
        date_from, date_to = presets[0].date_from, presets[0].date_to
    else:
        date_from = date_to = None
    shown = None
    period_error = ""
    if date_from is not None and date_to is not None and date_to < earliest:
        period_error = period_before_tenancy_message(account, tenancy)
        date_from = date_to = None
    if date_from is not None and date_to is not None:
        shown = statement(
            session,
            account.account_id,
            date_from,
            date_to,
            landlord=Landlord.from_settings(settings),
            now=now,
            days_to_pay=settings.leasehold_bill_days_to_pay,
        )
        date_from = shown.date_from
    return choice, StatementView(
        account=account,
        earliest=earliest,
        presets=presets,
        statement=shown,
        date_from=date_from,
        date_to=date_to,
        is_rent=is_rent_statement(account.account_type),
        offers_uc_letter=offers_uc_letter(account.account_type),
        start_note=shown.start_note if shown else "",
        period_error=period_error,
    )


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def csv_rows(st: Statement) -> list[list[str]]:
    """The CSV's rows after the header: the opening balance, each line, the closing balance.
    Dates are ISO (YYYY-MM-DD); money is pounds with two decimals; debits and credits are
    positive; the balance is signed (positive owed, negative in credit)."""
    rows = [[st.date_from.isoformat(), "", OPENING_LABEL, OPENING_TYPE, "", "", pounds(st.opening_balance_pence)]]
    for line in st.lines:
        rows.append(
            [
                line.posted_on.isoformat(),
                line.week_commencing.isoformat(),
                _csv_text(line.description),
                line.type_label,
                pounds(line.debit_pence) if line.debit_pence is not None else "",
                pounds(line.credit_pence) if line.credit_pence is not None else "",
                pounds(line.balance_pence),
            ]
        )
    rows.append([st.date_to.isoformat(), "", CLOSING_LABEL, CLOSING_TYPE, "", "", pounds(st.closing_balance_pence)])
    return rows


def to_csv(st: Statement) -> bytes:
    """The statement as CSV: UTF-8 with a byte order mark (so spreadsheet programs read it
    as UTF-8), a header row (``CSV_HEADER``), then ``csv_rows``; CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(st))
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

PAGE_MARGIN = 12.0
TABLE_FONT = 8.0
ROW_LINE = 3.6  # mm per text line in the table
ROW_PAD = 1.0


class _Element(StructElem):
    """One element of the PDF's structure tree (ISO 32000-1 14.7, 14.8.4): its role (H1,
    P, Table, TR, TH, TD), its page, and for a table header the column it heads."""

    __slots__ = ("a",)

    def __init__(self, role: str, parent: StructElem, page_number: int, page: object, scope: str | None = None):
        super().__init__(struct_type=f"/{role}", parent=parent, kids=[], page_number=page_number)
        self.pg = page
        self.a = f"<</O /Table /Scope /{scope}>>" if scope else None

    def serialize(self, obj_dict=None, _security_handler=None) -> str:
        """The same dictionary fpdf2's generic ``PDFObject.serialize`` writes (it holds no
        strings to encrypt), written directly: a long statement has tens of thousands of
        cells, and the generic one looks up every attribute of every element."""
        entries = [f"/A {self.a}"] if self.a else []
        if self.k:
            entries.append("/K [" + " ".join(str(k) if isinstance(k, int) else k.ref for k in self.k) + "]")
        entries += [f"/P {self.p.ref}", f"/Pg {self.pg.ref}", f"/S {self.s}", "/Type /StructElem"]
        return f"{self.id} 0 obj\n<<\n" + "\n".join(entries) + "\n>>\nendobj"


class _Tags(StructureTreeBuilder):
    """The document's structure tree, nested (Document > Table > TR > TH/TD).

    fpdf2 2.8.9 builds only a flat list under /Document (figures and links, from its own
    drawing calls); this keeps its root, its /Document element and its parent tree (which
    maps each page's marked content back to its element) and writes every element below.
    fpdf2 calls the structure tree module internal: requirements.txt pins the version, and
    tests/unit/accounts/test_statements.py reads the tags back with pypdf."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[_Element] = []
        self.next_mcid: dict[int, int] = {}

    def element(self, role: str, parent: StructElem | None, pdf: FPDF, scope: str | None = None) -> _Element:
        parent = parent or self.doc_struct_elem
        elem = _Element(role, parent, pdf.page, pdf.pages[pdf.page], scope)
        parent.k.append(elem)
        self.elements.append(elem)
        return elem

    def mark(self, elem: _Element, pdf: FPDF) -> int:
        """A new marked-content id on the current page, for content of ``elem``."""
        page = pdf.page
        if elem.page_number() != page:
            raise ValueError("an element's content must be on its own page")
        spid = self.spid_per_page_number.setdefault(page, len(self.spid_per_page_number))
        pdf.pages[page].struct_parents = spid
        mcid = self.next_mcid.get(page, 0)
        self.next_mcid[page] = mcid + 1
        self.struct_tree_root.parent_tree.nums[spid].append(elem)  # index mcid: the list is in mcid order
        elem.k.append(mcid)
        return mcid

    def empty(self) -> bool:
        return not self.elements

    def __iter__(self) -> Iterator[StructElem]:
        yield self.struct_tree_root
        yield self.doc_struct_elem
        yield self.struct_tree_root.parent_tree
        for elem in self.elements:
            if not elem.k:  # an empty table cell: no /K at all rather than an empty array
                elem.k = None
            yield elem


class _Document(FPDF):
    """A4 portrait, manual page breaks, "Page n of N" in the footer, and tagged (PDF/UA's
    basics, WCAG 2.2 1.3.1 and 3.1.1): language en-GB, the title shown as the window's
    title, every piece of text in a structure element (H1, P, Table > TR > TH/TD), and
    what is only page furniture (rules, shading, footers, headers repeated on later
    pages) marked as an artifact so a screen reader skips it."""

    def __init__(self, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = pdf_text(footer_text)
        self.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        self.set_auto_page_break(False)
        self.alias_nb_pages()
        self.set_creator("Doorstep")
        self.set_lang("en-GB")
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.struct_builder = self.tags = _Tags()
        self._widths: dict[tuple[str, float, str], float] = {}

    def tag(self, role: str, parent: StructElem | None = None, scope: str | None = None) -> _Element:
        """A structure element on the current page, under ``parent`` (else the document)."""
        return self.tags.element(role, parent, self, scope)

    @contextmanager
    def marked(self, elem: _Element) -> Iterator[None]:
        """What is drawn inside is ``elem``'s content."""
        mcid = self.tags.mark(elem, self)
        self._out(f"{elem.s} <</MCID {mcid}>> BDC")
        yield
        self._out("EMC")

    @contextmanager
    def artifact(self, kind: str = "Layout") -> Iterator[None]:
        """What is drawn inside is page furniture, not content."""
        self._out(f"/Artifact <</Type /{kind}>> BDC")
        yield
        self._out("EMC")

    def width(self, text: str) -> float:
        """``get_string_width`` at the current font, remembered (fpdf2's is slow, and a
        statement repeats the same dates, words and amounts thousands of times)."""
        key = (self.font_style, self.font_size_pt, text)
        value = self._widths.get(key)
        if value is None:
            value = self._widths[key] = self.get_string_width(text)
        return value

    def footer(self) -> None:
        with self.artifact("Pagination"):
            self._footer()

    def _footer(self) -> None:
        self.set_font("Helvetica", size=7.5)
        self.set_text_color(*design.rgb("print-footer"))
        self.set_xy(PAGE_MARGIN, self.h - 11)
        width = self.w - 2 * PAGE_MARGIN
        self.cell(width - 25, 5, self.footer_text)
        self.set_xy(self.w - PAGE_MARGIN - 25, self.h - 11)
        self.cell(25, 5, f"Page {self.page_no()} of {{nb}}", align="R")  # {nb}: fpdf2 fills in the count
        self.set_text_color(0, 0, 0)

    # -- drawing helpers ----------------------------------------------------

    def wrap(self, text: str, width: float) -> list[str]:
        """Words into lines no wider than ``width`` at the current font."""
        text = pdf_text(text)
        if self.width(text) <= width:
            return [text]
        lines: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            if self.width(trial) <= width:
                current = trial
                continue
            if current:
                lines.append(current)
            while self.width(word) > width:  # a word wider than the column
                cut = len(word)
                while cut > 1 and self.width(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        if current:
            lines.append(current)
        return lines or [""]

    def para(
        self,
        text: str,
        *,
        size: float = 10,
        style: str = "",
        gap: float = 1.5,
        width: float | None = None,
        x: float | None = None,
        role: str | None = "P",
        elem: _Element | None = None,
    ) -> None:
        """A wrapped paragraph at the cursor; moves the cursor below it. Tagged as a new
        element of ``role`` (P, H1), or as more of ``elem``, or with ``role=None`` as an
        artifact."""
        self.set_font("Helvetica", style=style, size=size)
        line_h = size * 0.45
        x = PAGE_MARGIN if x is None else x
        width = width or (self.w - x - PAGE_MARGIN)
        if role is None and elem is None:
            mark = self.artifact()
        else:
            mark = self.marked(elem or self.tag(role))
        with mark:
            for line in self.wrap(text, width):
                self.text(x, self.get_y() + line_h * 0.8, line)
                self.set_y(self.get_y() + line_h)
        self.set_y(self.get_y() + gap)


@dataclass(frozen=True)
class _Column:
    title: str
    width: float
    right: bool = False


STATEMENT_COLUMNS = (
    _Column("Date", 20),
    _Column("Week commencing", 20),
    _Column("Description", 60),
    _Column("Type", 24),
    _Column("Debit", 19, True),
    _Column("Credit", 19, True),
    _Column("Balance", 24, True),
)


def _table_row(
    pdf: _Document,
    columns: Sequence[_Column],
    cells: Sequence[str],
    *,
    bold: bool = False,
    shade: bool = False,
    bottom: float | None = None,
    on_break=None,
    table: _Element | None = None,
    header: bool = False,
) -> float:
    """Draws one row at the cursor, wrapping each cell within its column, and returns its
    height. When the row would pass ``bottom``, ``on_break()`` starts a new page first.
    The row is tagged as a TR of ``table`` (TH cells with column scope when ``header``,
    else TD); without a table it is page furniture (the header repeated on a new page)."""
    style = "B" if bold else ""
    if pdf.font_style != style or pdf.font_size_pt != TABLE_FONT:
        pdf.set_font("Helvetica", style=style, size=TABLE_FONT)
    wrapped = [pdf.wrap(text, col.width - 2 * ROW_PAD) for col, text in zip(columns, cells)]
    height = max(len(w) for w in wrapped) * ROW_LINE + ROW_PAD
    if bottom is not None and on_break is not None and pdf.get_y() + height > bottom:
        on_break()
        pdf.set_font("Helvetica", style=style, size=TABLE_FONT)
    top = pdf.get_y()
    width = sum(c.width for c in columns)
    if shade:
        with pdf.artifact():
            pdf.set_fill_color(*design.rgb("print-shade"))
            pdf.rect(PAGE_MARGIN, top, width, height, style="F")
    row = pdf.tag("TR", table) if table is not None else None
    x = PAGE_MARGIN
    for col, lines in zip(columns, wrapped):
        if row is None:
            mark = pdf.artifact("Pagination")
        else:
            cell = pdf.tag("TH" if header else "TD", row, scope="Column" if header else None)
            mark = pdf.marked(cell) if any(lines) else None
        baseline = top + ROW_LINE - 0.6
        if mark is not None:
            with mark:
                for line in lines:
                    if line:
                        if col.right:
                            pdf.text(x + col.width - ROW_PAD - pdf.width(line), baseline, line)
                        else:
                            pdf.text(x + ROW_PAD, baseline, line)
                    baseline += ROW_LINE
        x += col.width
    with pdf.artifact():
        pdf.line(PAGE_MARGIN, top + height, PAGE_MARGIN + width, top + height)
    pdf.set_y(top + height)
    return height


def statement_table_rows(st: Statement) -> list[tuple[str, ...]]:
    """The table's rows as the PDF draws them (and the page may show them): the opening
    balance, each line, the closing balance."""
    rows = [(short_date(st.date_from), "", OPENING_LABEL, "", "", "", st.opening_text)]
    rows += [
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
    rows.append((short_date(st.date_to), "", CLOSING_LABEL, "", "", "", st.closing_text))
    return rows


# ---------------------------------------------------------------------------
# HTML: one self-contained page, kept on the resident's device to open offline
# ---------------------------------------------------------------------------

# $name is the design token of that name (portal_app/design.py).
_HTML_STYLE = re.sub(
    r"\$([a-z-]+)",
    lambda m: design.colour(m.group(1)),
    """
body{font-family:Arial,Helvetica,sans-serif;color:$text;margin:0;line-height:1.4}
main{max-width:60rem;margin:0 auto;padding:1rem}
.saved{border-left:6px solid $brand;background:$brand-tint;padding:.6rem 1rem;margin:0 0 1rem}
h1{font-size:1.6rem;margin:.2rem 0 .6rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{font-weight:bold}dd{margin:0}.wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid $border;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap}.closing{font-size:1.2rem;font-weight:bold}
a{color:$brand}a:focus{outline:3px solid $focus;background:$focus;color:$text}
@media print{.saved,.noprint{display:none}main{max-width:none;padding:0}thead{display:table-header-group}}
""",
)


def to_html(st: Statement, *, back_href: str = "/saved-statements") -> bytes:
    """The statement as one HTML page with its own styles and no scripts: the same rows
    as the PDF (``statement_table_rows``), the period and the time it was produced, so a
    copy kept on the device says how old it is."""
    e = html.escape
    produced = uk_time_words(st.produced_at)
    rows = "".join(
        "<tr>"
        + "".join(f'<td class="n">{e(cell)}</td>' if i >= 4 else f"<td>{e(cell)}</td>" for i, cell in enumerate(row))
        + "</tr>"
        for row in statement_table_rows(st)
    )
    heads = "".join(
        f'<th scope="col" class="n">{e(h)}</th>' if i >= 4 else f'<th scope="col">{e(h)}</th>'
        for i, h in enumerate(CSV_HEADER)
    )
    people = "<br>".join(e(x) for x in (*st.residents, *st.address_lines))
    page = f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(st.title)} {e(st.account_ref)}: {e(st.period_text)}</title><style>{_HTML_STYLE}</style></head>
<body><main>
<p class="saved">This statement was produced at {e(produced)}. Payments and charges after that are not on it.
<a href="{e(back_href)}">Saved statements</a></p>
<p>{e(st.landlord.name)}<br>{e(st.landlord.address)}<br>Phone {e(st.landlord.phone)}</p>
<h1>{e(st.title)}</h1>
<p>{people}</p>
<dl><dt>Account reference</dt><dd>{e(st.account_ref)}</dd><dt>Period</dt><dd>{e(st.period_text)}</dd>
<dt>Opening balance</dt><dd>{e(st.opening_text)}</dd><dt>Total debits</dt><dd>{e(format_pence(st.total_debits_pence))}</dd>
<dt>Total credits</dt><dd>{e(format_pence(st.total_credits_pence))}</dd><dt>Closing balance</dt><dd>{e(st.closing_text)}</dd></dl>
{f"<p>{e(st.start_note)}</p>" if st.start_note else ""}
<p class="closing">{e(st.closing_words)}</p>
<div class="wrap" role="region" aria-label="Transactions" tabindex="0"><table>
<caption>Transactions from {e(st.period_text)}, oldest first</caption>
<thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table></div>
</main></body></html>"""
    return page.encode("utf-8")


def _letterhead(pdf: _Document, landlord: Landlord, title: str) -> None:
    """The title at the top left and the landlord's block at the top right."""
    top = PAGE_MARGIN
    pdf.set_y(top)
    pdf.para(title, size=16, style="B", gap=2, width=100, role="H1")
    title_bottom = pdf.get_y()
    right_x = pdf.w - PAGE_MARGIN - 80
    pdf.set_y(top)
    pdf.para(landlord.name, size=11, style="B", gap=0.5, x=right_x, width=80)
    pdf.para(landlord.address, size=8.5, gap=0.5, x=right_x, width=80)
    if landlord.phone:
        pdf.para(f"Phone {landlord.phone}", size=8.5, gap=0.5, x=right_x, width=80)
    if landlord.email:
        pdf.para(landlord.email, size=8.5, gap=0.5, x=right_x, width=80)
    pdf.set_y(max(pdf.get_y(), title_bottom) + 3)


def _people_block(pdf: _Document, residents: Iterable[str], address_lines: Iterable[str]) -> None:
    for name in residents:
        pdf.para(name, size=10, gap=0.3)
    for line in address_lines:
        pdf.para(line, size=10, gap=0.3)
    pdf.set_y(pdf.get_y() + 4)


def _facts(pdf: _Document, facts: Sequence[tuple[str, str]]) -> None:
    for label, value in facts:
        top = pdf.get_y()
        fact = pdf.tag("P")  # "Period 1 April 2026 to ...": the label and its value, read as one
        pdf.set_font("Helvetica", style="B", size=9.5)
        with pdf.marked(fact):
            pdf.text(PAGE_MARGIN, top + 3.4, pdf_text(label))
        pdf.para(value, size=9.5, gap=0.6, x=PAGE_MARGIN + 45, elem=fact)
    pdf.set_y(pdf.get_y() + 3)


def to_pdf(st: Statement) -> bytes:
    """The statement as an A4 PDF: the title and the landlord's details, the residents and
    the address, the references and period, the opening and closing balances, then a
    table of the same lines as the screen and the CSV (opening balance first, closing
    balance last, the header repeated on every page), the closing balance in words, and
    "Page n of N" on every page."""
    pdf = _Document(f"{st.landlord.name} - {st.title} - account {st.account_ref} - {st.period_text}")
    pdf.set_title(pdf_text(f"{st.title} {st.account_ref}"))
    pdf.set_author(pdf_text(st.landlord.name))
    pdf.add_page()
    _letterhead(pdf, st.landlord, st.title)
    _people_block(pdf, st.residents, st.address_lines)
    _facts(
        pdf,
        [
            ("Account reference", st.account_ref),
            ("Tenancy reference", st.tenancy_ref),
            ("Period", st.period_text),
            ("Opening balance", st.opening_text),
            ("Closing balance", st.closing_text),
            ("Produced on", st.produced_text),
        ],
    )
    if st.start_note:
        pdf.para(st.start_note, size=9.5, gap=3)

    columns = STATEMENT_COLUMNS
    header = tuple(c.title for c in columns)
    bottom = pdf.h - 16

    def new_page() -> None:
        pdf.add_page()
        pdf.set_y(PAGE_MARGIN)
        pdf.para(
            f"{st.title}: account {st.account_ref}, {st.period_text} (continued)", size=9, style="B", gap=2, role=None
        )
        _table_row(pdf, columns, header, bold=True, shade=True)

    pdf.set_draw_color(*design.rgb("print-rule"))
    table = pdf.tag("Table")
    _table_row(pdf, columns, header, bold=True, shade=True, table=table, header=True)
    rows = statement_table_rows(st)
    last = len(rows) - 1
    for i, cells in enumerate(rows):
        _table_row(pdf, columns, cells, bold=i == 0 or i == last, bottom=bottom, on_break=new_page, table=table)

    if pdf.get_y() + 22 > bottom:
        pdf.add_page()
        pdf.set_y(PAGE_MARGIN)
    pdf.set_y(pdf.get_y() + 4)
    pdf.para(f"Closing balance on {uk_date_words(st.date_to)}: {st.closing_text}", size=10, style="B", gap=1)
    pdf.para(f"{st.closing_words}.", size=10, gap=1)
    # Owed, not arrears: only overdue money is arrears, and the closing words say how much was.
    pdf.para("DR means an amount owed; CR means an amount in credit.", size=8.5, gap=1)
    if st.landlord.phone:
        pdf.para(f"Questions about this statement? Call {st.landlord.name} on {st.landlord.phone}.", size=8.5)
    return bytes(pdf.output())


# ---------------------------------------------------------------------------
# The rent letter for a Universal Credit claim
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UcChargeLine:
    code: str
    description: str
    frequency: str  # as the landlord charges it
    amount_pence: int  # per frequency
    weekly_pence: int
    monthly_pence: int  # weekly x 52 / 12 (monthly charges as they are), half up to the penny
    benefit_eligible: bool | None
    eligibility_text: str  # "Eligible" | "Not eligible" | "Not stated"
    weekly_text: str  # "£113.69"
    monthly_text: str


@dataclass(frozen=True)
class UcRentStatement:
    landlord: Landlord
    as_at: date
    as_at_text: str  # "22 November 2026"
    account_ref: str
    tenancy_ref: str
    tenure: str
    tenancy_start: date
    tenancy_start_text: str
    residents: tuple[str, ...]
    address_lines: tuple[str, ...]
    rent_frequency: str
    lines: tuple[UcChargeLine, ...]  # rent first, then each service charge
    total_weekly_pence: int
    total_monthly_pence: int
    eligible_weekly_pence: int
    eligible_monthly_pence: int
    not_eligible_weekly_pence: int  # benefit_eligible False
    not_eligible_monthly_pence: int
    not_stated_weekly_pence: int  # benefit_eligible None
    not_stated_monthly_pence: int
    rent_free_weeks: int  # in the 52 weeks from the Monday of the as-at week
    charged_weeks: int  # 52 - rent_free_weeks
    eligible_monthly_charged_weeks_pence: int  # eligible weekly x charged weeks / 12, half up
    notes: tuple[str, ...]


def _eligibility_text(value: bool | None) -> str:
    return {True: "Eligible", False: "Not eligible"}.get(value, "Not stated")


def _uc_line(line: ChargeLine) -> UcChargeLine:
    return UcChargeLine(
        code=line.code,
        description=line.description,
        frequency=line.frequency,
        amount_pence=line.amount_pence,
        weekly_pence=line.weekly_pence,
        monthly_pence=line.monthly_pence,
        benefit_eligible=line.benefit_eligible,
        eligibility_text=_eligibility_text(line.benefit_eligible),
        weekly_text=format_pence(line.weekly_pence),
        monthly_text=format_pence(line.monthly_pence),
    )


def _rent_free_mondays(tenancy: Tenancy) -> set[date]:
    days: set[date] = set()
    for part in (tenancy.rent_free_weeks or "").split(";"):
        try:
            days.add(date.fromisoformat(part.strip()))
        except ValueError:
            continue
    return days


def uc_rent_statement(session: Session, account_id: int, as_at: date, *, landlord: Landlord) -> UcRentStatement:
    """What a Universal Credit claim asks the landlord to confirm: the rent and each service
    charge in force on ``as_at``, weekly and monthly, and whether each is eligible for the
    housing costs element, with the tenancy's reference and start date.

    Monthly equivalents are weekly x 52 / 12 rounded half up to the penny (a monthly
    charge is shown as it is). Where the tenancy has rent-free weeks, the letter also
    gives the eligible charges over the weeks actually charged (weekly x charged weeks /
    12), which is how Universal Credit averages a rent with rent-free weeks.
    Raises LookupError for an unknown account."""
    account, tenancy, prop = _account_context(session, account_id)
    lines = tuple(_uc_line(charge_line(c)) for c in charges_in_force(session, account_id, as_at))

    def total(attr: str, eligible: object = ...) -> int:
        return sum(getattr(line, attr) for line in lines if eligible is ... or line.benefit_eligible is eligible)

    start = monday_of(as_at)
    free = sum(1 for d in _rent_free_mondays(tenancy) if start <= d < start + timedelta(weeks=52))
    charged = 52 - free
    eligible_weekly = total("weekly_pence", True)
    averaged = round_half_up_div(eligible_weekly * charged, 12)
    notes = [
        "Eligible means the charge can be met by the housing costs element of Universal Credit; "
        "not eligible charges (such as water, heating or other personal charges) must be paid by the tenant.",
        "Monthly figures are the weekly charge x 52 / 12, rounded to the nearest penny.",
    ]
    if free:
        notes.append(
            f"This tenancy has {free} rent-free week{'s' if free != 1 else ''} in the 52 weeks from "
            f"{uk_date_words(start)}, so rent is charged for {charged} weeks. Over those weeks the eligible "
            f"charges come to {format_pence(averaged)} a month ({format_pence(eligible_weekly)} x {charged} / 12)."
        )
    if not lines:
        notes.append(f"No charges were in force on this account on {uk_date_words(as_at)}.")
    return UcRentStatement(
        landlord=landlord,
        as_at=as_at,
        as_at_text=uk_date_words(as_at),
        account_ref=account.account_ref,
        tenancy_ref=tenancy.tenancy_ref,
        tenure=tenancy.tenure,
        tenancy_start=tenancy.start_date,
        tenancy_start_text=uk_date_words(tenancy.start_date),
        residents=_residents(session, tenancy, as_at),
        address_lines=_address_lines(prop),
        rent_frequency=tenancy.rent_frequency or "weekly",
        lines=lines,
        total_weekly_pence=total("weekly_pence"),
        total_monthly_pence=total("monthly_pence"),
        eligible_weekly_pence=eligible_weekly,
        eligible_monthly_pence=total("monthly_pence", True),
        not_eligible_weekly_pence=total("weekly_pence", False),
        not_eligible_monthly_pence=total("monthly_pence", False),
        not_stated_weekly_pence=total("weekly_pence", None),
        not_stated_monthly_pence=total("monthly_pence", None),
        rent_free_weeks=free,
        charged_weeks=charged,
        eligible_monthly_charged_weeks_pence=averaged,
        notes=tuple(notes),
    )


UC_COLUMNS = (
    _Column("Charge", 80),
    _Column("Universal Credit", 40),
    _Column("Weekly", 33, True),
    _Column("Monthly", 33, True),
)


def uc_table_rows(letter: UcRentStatement) -> list[tuple[str, ...]]:
    """The letter's table as drawn: each charge, then the totals that apply."""
    rows = [(line.description, line.eligibility_text, line.weekly_text, line.monthly_text) for line in letter.lines]
    rows.append(("Total", "", format_pence(letter.total_weekly_pence), format_pence(letter.total_monthly_pence)))
    rows.append(
        (
            "Eligible charges",
            "Eligible",
            format_pence(letter.eligible_weekly_pence),
            format_pence(letter.eligible_monthly_pence),
        )
    )
    rows.append(
        (
            "Charges not eligible",
            "Not eligible",
            format_pence(letter.not_eligible_weekly_pence),
            format_pence(letter.not_eligible_monthly_pence),
        )
    )
    if letter.not_stated_weekly_pence:
        rows.append(
            (
                "Charges not stated",
                "Not stated",
                format_pence(letter.not_stated_weekly_pence),
                format_pence(letter.not_stated_monthly_pence),
            )
        )
    return rows


def uc_rent_statement_pdf(letter: UcRentStatement) -> bytes:
    """The Universal Credit rent letter as an A4 PDF."""
    title = "Rent and service charges for Universal Credit"
    pdf = _Document(f"{letter.landlord.name} - {title} - tenancy {letter.tenancy_ref} - as at {letter.as_at_text}")
    pdf.set_title(pdf_text(f"{title} {letter.tenancy_ref}"))
    pdf.set_author(pdf_text(letter.landlord.name))
    pdf.add_page()
    _letterhead(pdf, letter.landlord, title)
    _people_block(pdf, letter.residents, letter.address_lines)
    _facts(
        pdf,
        [
            ("Tenancy reference", letter.tenancy_ref),
            ("Rent account", letter.account_ref),
            ("Tenancy began", letter.tenancy_start_text),
            ("Charges as at", letter.as_at_text),
        ],
    )
    names = " and ".join(letter.residents) or "the tenant"
    pdf.para(
        f"We confirm that {names} {'are' if len(letter.residents) > 1 else 'is'} our tenant at the address "
        f"above, and that on {letter.as_at_text} the charges for the home were as follows.",
        size=10,
        gap=3,
    )
    header = tuple(c.title for c in UC_COLUMNS)
    pdf.set_draw_color(*design.rgb("print-rule"))
    table = pdf.tag("Table")
    _table_row(pdf, UC_COLUMNS, header, bold=True, shade=True, table=table, header=True)

    def new_page() -> None:
        pdf.add_page()
        pdf.set_y(PAGE_MARGIN)
        _table_row(pdf, UC_COLUMNS, header, bold=True, shade=True)

    for i, cells in enumerate(uc_table_rows(letter)):
        _table_row(
            pdf, UC_COLUMNS, cells, bold=i >= len(letter.lines), bottom=pdf.h - 16, on_break=new_page, table=table
        )
    pdf.set_y(pdf.get_y() + 4)
    for note in letter.notes:
        if pdf.get_y() + 14 > pdf.h - 16:
            pdf.add_page()
            pdf.set_y(PAGE_MARGIN)
        pdf.para(note, size=9.5, gap=2)
    pdf.set_y(pdf.get_y() + 4)
    pdf.para(f"Income team, {letter.landlord.name}", size=10, style="B", gap=0.5)
    if letter.landlord.phone:
        pdf.para(f"Phone {letter.landlord.phone}", size=10, gap=0.5)
    return bytes(pdf.output())


__all__ = [
    "CSV_HEADER",
    "Landlord",
    "PeriodPreset",
    "Statement",
    "StatementLine",
    "UcChargeLine",
    "UcRentStatement",
    "csv_rows",
    "monday_of",
    "pdf_text",
    "period_presets",
    "pounds",
    "short_date",
    "statement",
    "statement_table_rows",
    "to_csv",
    "to_pdf",
    "uc_rent_statement",
    "uc_rent_statement_pdf",
    "uc_table_rows",
]
