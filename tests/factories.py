"""The one place that builds records for tests: portal users (with a known password and
its hash), residents (Person), homes (Property), tenancies and their parties, accounts,
charges, ledger postings, officers, portal payments and money requests.

Every builder takes the session first, adds and flushes its row (so it has an id) and
returns it; every field has a sensible default and can be overridden by keyword.
References are numbered from one counter for the whole run, so builders can be called
any number of times in one test (or one database) without clashing. ``Records`` binds
the builders to one session for tests that build a lot (the ``records`` fixture in
tests/conftest.py is one).

Nothing here commits except ``make_user`` (a ready-to-sign-in resident) and
``resident_with_history`` (a whole resident for the security tests): the caller
commits when it wants the rows seen by other sessions.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, timedelta

from argon2 import PasswordHasher
from sqlmodel import Session, select

from portal_app.models import (
    Account,
    Charge,
    MoneyRequest,
    Officer,
    Person,
    PortalPayment,
    PortalUser,
    Property,
    StaffMember,
    Tenancy,
    TenancyParty,
    Transaction,
)

PASSWORD = "kettle orbit marmalade"
# A real argon2id hash of PASSWORD with cheap parameters, made once: verifying it is
# fast, so tests that sign in many times do not spend seconds in argon2. The service
# verifies whatever parameters the stored hash carries.
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
MOBILE = "+447700900123"
# When a user was made unless a test says otherwise: thirty days before the identity
# tests' clock (2 March 2026, 10:00 UTC).
USER_CREATED_AT = datetime(2026, 1, 31, 10, 0, 0, tzinfo=UTC)

_numbers = itertools.count(1)


def _next() -> int:
    return next(_numbers)


def _add(session: Session, row):
    session.add(row)
    session.flush()
    return row


# --- the landlord's records ----------------------------------------------------------


def make_home(
    session: Session,
    line_1: str = "Flat 12",
    line_2: str | None = "Elm Court",
    kind: str = "flat",
    *,
    ref: str | None = None,
    town: str = "Northbrook",
    postcode: str = "NB1 2AB",
) -> Property:
    return _add(
        session,
        Property(
            property_ref=ref or f"P{_next()}",
            address_line_1=line_1,
            address_line_2=line_2,
            town=town,
            postcode=postcode,
            property_type=kind,
        ),
    )


def make_person(
    session: Session,
    first: str = "Ann",
    last: str = "Lee",
    *,
    dob: date | None = date(1970, 1, 2),
    title: str | None = None,
    ref: str | None = None,
) -> Person:
    return _add(
        session,
        Person(person_ref=ref or f"A{_next()}", title=title, first_name=first, last_name=last, date_of_birth=dob),
    )


def make_tenancy(
    session: Session,
    tenure: str = "secure",
    *,
    start: date = date(2020, 4, 6),
    end: date | None = None,
    rent_free: str | None = None,
    home: Property | None = None,
    ref: str | None = None,
    income_officer: Officer | None = None,
) -> Tenancy:
    home = home or make_home(session)
    return _add(
        session,
        Tenancy(
            tenancy_ref=ref or f"TEN{_next()}",
            property_id=home.id,
            tenure=tenure,
            start_date=start,
            end_date=end,
            rent_free_weeks=rent_free,
            income_officer_id=income_officer.id if income_officer else None,
        ),
    )


def make_party(
    session: Session,
    tenancy: Tenancy,
    person: Person,
    role: str = "lead_tenant",
    *,
    start: date | None = None,
    end: date | None = None,
) -> TenancyParty:
    return _add(
        session, TenancyParty(tenancy_id=tenancy.id, person_id=person.id, role=role, start_date=start, end_date=end)
    )


def make_account(
    session: Session,
    tenancy: Tenancy,
    kind: str = "rent",
    *,
    ref: str | None = None,
    opened: date | None = None,
    closed: date | None = None,
) -> Account:
    return _add(
        session,
        Account(
            account_ref=ref or f"AC{_next()}",
            tenancy_id=tenancy.id,
            account_type=kind,
            opened_on=opened or tenancy.start_date,
            closed_on=closed,
        ),
    )


def make_document(
    session: Session,
    tenancy: Tenancy,
    title: str = "Your rent from 6 April 2026",
    *,
    kind: str = "letter",
    issued_on: date = date(2026, 3, 2),
    person: Person | None = None,
    data: bytes | None = None,
    notified_at: datetime | None = None,
):
    """A letter or document from the feed (documents.csv) for ``tenancy``, or for one person on it."""
    import hashlib

    from portal_app.models import ResidentDocument

    pdf = data or f"%PDF-1.4\n% {title}\n%%EOF\n".encode()
    return _add(
        session,
        ResidentDocument(
            document_ref=f"DOC{_next()}",
            tenancy_id=tenancy.id,
            person_id=person.id if person else None,
            kind=kind,
            title=title,
            issued_on=issued_on,
            data=pdf,
            size_bytes=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            imported_at=USER_CREATED_AT,
            notified_at=notified_at,
        ),
    )


def make_charge(
    session: Session,
    account: Account,
    pence: int,
    frequency: str = "weekly",
    *,
    code: str = "basic_rent",
    start: date = date(2026, 4, 6),
    end: date | None = None,
    description: str | None = None,
    eligible: bool | None = None,
) -> Charge:
    return _add(
        session,
        Charge(
            account_id=account.id,
            charge_code=code,
            description=description or code,
            amount_pence=pence,
            frequency=frequency,
            effective_from=start,
            effective_to=end,
            benefit_eligible=eligible,
        ),
    )


def make_posting(
    session: Session,
    account: Account,
    day: date,
    kind: str,
    pence: int,
    description: str = "",
    *,
    week: date | None = None,
    ref: str | None = None,
) -> Transaction:
    """One ledger transaction (a posting): positive pence is a debit (a charge), negative a credit."""
    return _add(
        session,
        Transaction(
            transaction_ref=ref or f"T{_next()}",
            account_id=account.id,
            posted_on=day,
            type=kind,
            description=description or kind,
            amount_pence=pence,
            week_commencing=week,
        ),
    )


def make_ledger(session: Session, account: Account, rows) -> list[Transaction]:
    """Many postings at once. rows: (day, kind, pence, description); added in order, flushed once."""
    items = [
        Transaction(
            transaction_ref=f"T{_next()}",
            account_id=account.id,
            posted_on=day,
            type=kind,
            description=description,
            amount_pence=pence,
        )
        for day, kind, pence, description in rows
    ]
    session.add_all(items)
    session.flush()
    return items


def make_officer(
    session: Session,
    name: str = "Priya Shah",
    role: str = "income_officer",
    *,
    email: str | None = None,
    ref: str | None = None,
) -> Officer:
    n = _next()
    return _add(
        session,
        Officer(officer_ref=ref or f"O{n}", name=name, role=role, email=email or f"officer{n}@northbrook.example"),
    )


# --- the portal's records ------------------------------------------------------------


def make_portal_user(
    session: Session,
    person: Person,
    tenancy: Tenancy,
    *,
    email: str | None = None,
    mobile: str = MOBILE,
    password_hash: str = PASSWORD_HASH,
    status: str = "active",
    created_at: datetime = USER_CREATED_AT,
    **fields,
) -> PortalUser:
    """A portal user for an existing person and tenancy; signs in with PASSWORD unless
    another password_hash is given."""
    return _add(
        session,
        PortalUser(
            email=email or f"u{_next()}@example.com",
            mobile=mobile,
            password_hash=password_hash,
            person_id=person.id,
            tenancy_id=tenancy.id,
            status=status,
            created_at=created_at,
            **fields,
        ),
    )


def make_user(
    session: Session,
    *,
    email: str = "ada@example.org",
    status: str = "active",
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    created_at: datetime = USER_CREATED_AT,
    **fields,
) -> PortalUser:
    """A resident who can sign in with ``email`` and PASSWORD: a home, a person (no date of
    birth), a secure tenancy from 6 January 2020 (no parties, no accounts) and the user,
    committed."""
    n = _next()
    home = make_home(session, f"{n} High Street", None, ref=f"PR{n}", postcode="NB1 1AA")
    person = make_person(session, first_name, last_name, dob=None, ref=f"PE{n}")
    tenancy = make_tenancy(session, start=date(2020, 1, 6), home=home, ref=f"TE{n}")
    user = make_portal_user(session, person, tenancy, email=email, status=status, created_at=created_at, **fields)
    session.commit()
    return user


# --- the back office ------------------------------------------------------------------

# Every test member of staff has this authenticator key (base32) unless a test gives
# another; ``staff_code`` makes the code an app would show at a moment.
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def staff_code(at: datetime, secret: str = STAFF_TOTP_SECRET) -> str:
    """The 6-digit code an authenticator app with ``secret`` shows at ``at``."""
    import pyotp

    return pyotp.TOTP(secret).at(at)


def make_staff(
    session: Session,
    role: str = "income_officer",
    *,
    name: str | None = None,
    email: str | None = None,
    status: str = "active",
    officer: Officer | None = None,
    totp_secret: str = STAFF_TOTP_SECRET,
    password_hash: str | None = PASSWORD_HASH,
    created_at: datetime = USER_CREATED_AT,
    **fields,
) -> StaffMember:
    """A member of staff with ``role`` who signs in with PASSWORD and a code of
    ``totp_secret`` (``staff_code``); not committed."""
    from portal_app.services import tokens

    n = _next()
    return _add(
        session,
        StaffMember(
            email=email or f"staff{n}@northbrook-homes.example",
            name=name or f"Officer {n}",
            role=role,
            status=status,
            officer_id=officer.id if officer else None,
            password_hash=password_hash,
            totp_secret_enc=tokens.encrypt(totp_secret) if totp_secret else None,
            created_at=created_at,
            **fields,
        ),
    )


def make_portal_payment(
    session: Session,
    account: Account,
    user: PortalUser,
    pence: int,
    ref: str,
    *,
    status: str = "pending",
    at: datetime = USER_CREATED_AT,
) -> PortalPayment:
    return _add(
        session,
        PortalPayment(
            reference=ref, account_id=account.id, user_id=user.id, amount_pence=pence, status=status, created_at=at
        ),
    )


def make_money_request(
    session: Session,
    user: PortalUser,
    account: Account,
    *,
    kind: str = "query",
    summary: str = "Why did my rent go up?",
    reference: str | None = None,
    at: datetime = USER_CREATED_AT,
) -> MoneyRequest:
    return _add(
        session,
        MoneyRequest(
            reference=reference or f"RQ-F{_next():05d}",
            kind=kind,
            user_id=user.id,
            person_id=user.person_id,
            account_id=account.id,
            summary=summary,
            created_at=at,
            updated_at=at,
        ),
    )


# --- whole residents -----------------------------------------------------------------


@dataclasses.dataclass
class Resident:
    """A signed-up resident: their portal user, person, tenancy and main account."""

    user: PortalUser
    person: Person
    tenancy: Tenancy
    account: Account

    @property
    def principal(self) -> dict:
        return {"user_id": self.user.id, "person_id": self.person.id, "tenancy_id": self.tenancy.id}

    def on(self, account: Account | None = None) -> dict:
        return {**self.principal, "account_id": (account or self.account).id}


def make_resident(
    session: Session,
    *,
    email: str = "ann@example.org",
    first: str = "Ann",
    last: str = "Lee",
    tenure: str = "secure",
    role: str = "lead_tenant",
    officer: Officer | None = None,
    ref: str | None = None,
    start: date = date(2020, 4, 6),
    **user_fields,
) -> Resident:
    """A lead tenant (by default) with a portal user and one account: rent, or service
    charge for a leaseholder."""
    person = make_person(session, first, last)
    tenancy = make_tenancy(session, tenure, start=start, income_officer=officer)
    make_party(session, tenancy, person, role)
    account = make_account(
        session, tenancy, "service_charge" if tenure == "leasehold" else "rent", ref=ref or f"RENT{_next():08d}"
    )
    return Resident(make_portal_user(session, person, tenancy, email=email, **user_fields), person, tenancy, account)


def resident_with_history(
    session: Session, n: int, *, first: str, last: str, street: str, email: str, now: datetime
) -> dict:
    """Resident number ``n`` as the security tests use them, committed: a home on
    ``street``, a rent account OWNRENT{n} charging 114.00 + n pence a week, three postings
    (rent, a card payment of 50.00 + n pence, rent), a portal user signing in with PASSWORD,
    and a query. Returns person, tenancy, account, user, property, request, transaction."""
    home = make_home(session, f"{n} {street}", None, ref=f"OWN-P{n}", postcode=f"NB{n} 1AA")
    person = make_person(session, first, last, dob=date(1970, 1, n), ref=f"OWN-PE{n}")
    tenancy = make_tenancy(session, home=home, ref=f"OWNTEN{n}")
    make_party(session, tenancy, person)
    account = make_account(session, tenancy, ref=f"OWNRENT{n}")
    make_charge(session, account, 11_400 + n, description="Basic rent")
    for i, pence in enumerate((11_400 + n, -5_000 - n, 11_400 + n)):
        make_posting(
            session,
            account,
            date(2026, 11, 2) + timedelta(days=7 * i),
            "rent_charge" if pence > 0 else "payment",
            pence,
            "Rent" if pence > 0 else f"Card payment from {first}",
            ref=f"OWN-T{n}-{i}",
        )
    user = make_portal_user(session, person, tenancy, email=email, created_at=now - timedelta(days=30))
    request = make_money_request(
        session, user, account, summary=f"Secret question from {first}", reference=f"RQ-OWN{n}AB", at=now
    )
    session.commit()
    transaction = session.exec(
        select(Transaction).where(Transaction.account_id == account.id).order_by(Transaction.id)
    ).first()
    return {
        "person": person,
        "tenancy": tenancy,
        "account": account,
        "user": user,
        "property": home,
        "request": request,
        "transaction": transaction,
    }


class Records:
    """The builders above bound to one session: ``records.person()``, ``records.post(...)``."""

    def __init__(self, session: Session):
        self.s = session

    def home(self, *args, **kw) -> Property:
        return make_home(self.s, *args, **kw)

    def person(self, *args, **kw) -> Person:
        return make_person(self.s, *args, **kw)

    def tenancy(self, *args, **kw) -> Tenancy:
        return make_tenancy(self.s, *args, **kw)

    def party(self, *args, **kw) -> TenancyParty:
        return make_party(self.s, *args, **kw)

    def account(self, *args, **kw) -> Account:
        return make_account(self.s, *args, **kw)

    def charge(self, *args, **kw) -> Charge:
        return make_charge(self.s, *args, **kw)

    def post(self, *args, **kw) -> Transaction:
        return make_posting(self.s, *args, **kw)

    def post_many(self, *args, **kw) -> list[Transaction]:
        return make_ledger(self.s, *args, **kw)

    def officer(self, *args, **kw) -> Officer:
        return make_officer(self.s, *args, **kw)

    def user(self, *args, **kw) -> PortalUser:
        return make_portal_user(self.s, *args, **kw)

    def staff(self, *args, **kw) -> StaffMember:
        return make_staff(self.s, *args, **kw)

    def portal_payment(self, *args, **kw) -> PortalPayment:
        return make_portal_payment(self.s, *args, **kw)

    def resident(self, **kw) -> Resident:
        return make_resident(self.s, **kw)

    def tenant_with_rent_account(self, ref: str = "R1", **tenancy_args) -> tuple[Person, Tenancy, Account]:
        """A lead tenant and their tenancy's rent account ``ref``."""
        person = self.person()
        tenancy = self.tenancy(**tenancy_args)
        self.party(tenancy, person)
        return person, tenancy, self.account(tenancy, ref=ref)


FIRST_MONDAY = date(2006, 4, 3)


def twenty_years_of_rent(records: Records, account: Account) -> list[tuple[date, str, int, int]]:
    """Weekly rent of £100 every Monday from 3 April 2006 (FIRST_MONDAY), a £400 payment
    every fourth Friday (£160 from April 2016), Housing Benefit of £60 a week from April
    2016: 1,901 postings on 1,346 days. Returns (day, type, pence, balance after) newest
    first, with the balance after each, as the ledger orders them (posted_on, then as posted)."""
    rows = []
    monday = FIRST_MONDAY
    n = 0
    while monday <= date(2026, 11, 16):
        rows.append((monday, "rent_charge", 10000, "Rent"))
        if monday >= date(2016, 4, 4):
            rows.append((monday, "housing_benefit", -6000, "Housing Benefit"))
        if n % 4 == 3:
            rows.append(
                (
                    monday + timedelta(days=4),
                    "payment",
                    -40000 if monday < date(2016, 4, 4) else -16000,
                    "Payment at PayPoint",
                )
            )
        monday += timedelta(weeks=1)
        n += 1
    records.post_many(account, rows)
    running, balance = [], 0
    for _index, (day, kind, pence, _d) in sorted(enumerate(rows), key=lambda r: (r[1][0], r[0])):
        balance += pence
        running.append((day, kind, pence, balance))
    return list(reversed(running))
