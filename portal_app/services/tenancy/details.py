"""My tenancy: what the resident's tenancy is, in plain words, and who looks after it.

For the tenancy the resident registered on (``tenancy.home.home_of``'s rules: a current
party with a role that may use the portal, the tenancy not ended):

* the tenure in plain words, what it means, and when it ends or is reviewed: an
  introductory (council) or starter (housing association) tenancy is a trial year from its
  start, after which it becomes secure or assured unless the landlord extends it or takes
  action; a flexible or fixed-term one ends on its end date unless renewed; secure and assured
  tenancies are for life, subject to the agreement;
* the start date; the tenants and the household named on it (names and their place only,
  never their contact details);
* the home: address, type, bedrooms;
* the rent and charges in force today, each account's, with the weekly total;
* the landlord's obligations in short (section 11 of the Landlord and Tenant Act 1985, the
  yearly gas safety check, the Decent Homes Standard, Awaab's Law);
* the named officers from the feed (housing, income, leasehold), with how to reach them: seed
  001's "my housing officers";
* the tenancy agreement's PDF when the feed supplies it (documents.csv, ``letters.py``), and
  the transfer application when there is one (band, the date it counts from, its status in
  words, with the landlord's choice-based lettings site: ``CHOICE_BASED_LETTINGS_URL``).

No reflex import; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from portal_app.clock import uk_date_words
from portal_app.models import Account, Charge, Officer, Person, Property, Tenancy, TenancyParty, TransferApplication
from portal_app.services.accounts.balances import ACCOUNT_LABELS, convert_charge
from portal_app.services.money import format_pence
from portal_app.services.tenancy.home import home_of
from portal_app.services.tenancy.letters import tenancy_agreement

TENURE_WORDS: dict[str, tuple[str, str]] = {
    "secure": (
        "Secure tenancy",
        "A lifetime council tenancy: you can live in your home for as long as you keep to the tenancy agreement.",
    ),
    "introductory": (
        "Introductory tenancy",
        "A trial tenancy for your first year with us. If you keep to the agreement it becomes a secure tenancy "
        "after 12 months. We can extend the trial by 6 months, and we would tell you why first.",
    ),
    "starter": (
        "Starter tenancy",
        "A trial tenancy for your first year. If you keep to the agreement it becomes an assured tenancy after "
        "12 months. We can extend the trial, and we would tell you why first.",
    ),
    "flexible": (
        "Flexible tenancy",
        "A tenancy for a fixed number of years. Before it ends we review it and tell you whether we will offer "
        "a new one, at least 6 months before the end date.",
    ),
    "assured": (
        "Assured tenancy",
        "A lifetime housing association tenancy: you can live in your home for as long as you keep to the "
        "tenancy agreement.",
    ),
    "non_secure": (
        "Non-secure tenancy",
        "A tenancy without the full rights of a secure tenancy, often while we decide about your housing. Ask "
        "your housing officer what it means for you.",
    ),
    "temporary_accommodation": (
        "Temporary accommodation",
        "A home for now, while we find you a settled home. Ask your housing officer how long it is likely to last.",
    ),
    "leasehold": (
        "Leasehold",
        "You own the lease of your home. We are the freeholder: we look after the building and you pay a share "
        "of the costs as service charges.",
    ),
    "shared_ownership": (
        "Shared ownership",
        "You own a share of your home and pay rent on the rest. You can buy more shares over time.",
    ),
    "garage_licence": ("Garage licence", "A licence to use a garage or parking space, ended with notice."),
}
TRIAL_TENURES = ("introductory", "starter")
ROLE_WORDS = {
    "lead_tenant": "Tenant",
    "joint_tenant": "Joint tenant",
    "leaseholder": "Leaseholder",
    "joint_leaseholder": "Joint leaseholder",
    "licensee": "Licensee",
    "household_member": "Lives here",
    "occupant": "Lives here",
}
PROPERTY_WORDS = {
    "flat": "Flat",
    "house": "House",
    "maisonette": "Maisonette",
    "bedsit": "Bedsit",
    "bungalow": "Bungalow",
    "garage": "Garage",
    "parking_space": "Parking space",
    "other": "Home",
}
OFFICER_WORDS = {
    "housing_officer": "Your housing officer",
    "income_officer": "Your income officer (rent and money)",
    "leasehold_officer": "Your leasehold officer",
    "repairs_officer": "Your repairs officer",
}
OBLIGATIONS = (
    "Keep the structure and outside of your home in repair: the roof, walls, windows, doors, drains and gutters.",
    "Keep the water, gas, electricity, toilets, basins, baths and sinks, and the heating and hot water working.",
    "Have the gas appliances we own checked for safety every year, and give you a copy of the record.",
    "Keep your home free of serious hazards, such as damp and mould, and fix them within the times Awaab's Law sets.",
    "Keep the shared parts of your building clean, safe and in repair.",
)


@dataclass(frozen=True)
class PersonOnTenancy:
    name: str
    role_words: str


@dataclass(frozen=True)
class ChargeLine:
    account: str  # "Rent account RA100006"
    description: str
    amount_words: str  # "£118.19 a week"


@dataclass(frozen=True)
class OfficerView:
    role_words: str
    name: str
    email: str
    phone: str


TRANSFER_STATUS_WORDS = {
    "active": "Active: you can bid for homes that suit you",
    "suspended": "Suspended: you cannot bid for now. Your housing officer can tell you why",
    "closed": "Closed",
    "housed": "Housed: you have accepted a new home",
}


@dataclass(frozen=True)
class TransferView:
    reference: str
    band: str  # "Band B", as the landlord's register names it
    effective_words: str  # "1 September 2025": the date the band counts from
    status_words: str
    bedrooms_words: str  # "3 bedrooms", or ""
    lettings_url: str  # the choice-based lettings site, or "" (no link)


@dataclass(frozen=True)
class TenancyView:
    reference: str
    tenure_words: str
    tenure_means: str
    started_words: str
    ends_words: str  # "" when it has no end: lifetime tenancies
    review_words: str  # a trial tenancy: when the trial ends
    address: str
    property_words: str  # "Flat, 2 bedrooms"
    people: tuple[PersonOnTenancy, ...]
    charges: tuple[ChargeLine, ...]
    weekly_total_words: str
    officers: tuple[OfficerView, ...]
    obligations: tuple[str, ...] = OBLIGATIONS
    agreement_href: str = ""  # the tenancy agreement's download, when the feed supplied it
    agreement_words: str = ""  # "PDF, 84 KB"
    transfer: TransferView | None = None


def _name(person: Person) -> str:
    return " ".join(p for p in (person.title, person.first_name, person.last_name) if p)


def _per(frequency: str) -> str:
    return {"weekly": "a week", "monthly": "a month", "yearly": "a year"}.get(frequency, frequency)


def _one_year_on(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day + timedelta(days=365)


def my_tenancy(session: Session, caller, *, today: date, settings) -> TenancyView | None:
    """The caller's tenancy as they may see it, or None when they have none here."""
    home = home_of(session, caller, today, settings)
    if home is None:
        return None
    tenancy = session.get(Tenancy, home.tenancy_id)
    prop = session.get(Property, home.property_id)
    tenure_words, means = TENURE_WORDS.get(tenancy.tenure, (tenancy.tenure.replace("_", " ").capitalize(), ""))
    review = ""
    if tenancy.tenure in TRIAL_TENURES:
        review = f"The trial year ends on {uk_date_words(_one_year_on(tenancy.start_date))}."
    parties = session.exec(
        select(TenancyParty, Person)
        .join(Person, Person.id == TenancyParty.person_id)
        .where(TenancyParty.tenancy_id == tenancy.id)
        .order_by(TenancyParty.id)
    ).all()
    people = tuple(
        PersonOnTenancy(_name(person), ROLE_WORDS.get(party.role, party.role.replace("_", " ").capitalize()))
        for party, person in parties
        if party.is_current(today)
    )
    accounts = session.exec(select(Account).where(Account.tenancy_id == tenancy.id).order_by(Account.id)).all()
    lines, weekly = [], 0
    for account in accounts:
        if account.closed_on is not None and account.closed_on < today:
            continue
        label = f"{ACCOUNT_LABELS.get(account.account_type, 'Account')} {account.account_ref}"
        charges = session.exec(select(Charge).where(Charge.account_id == account.id).order_by(Charge.id)).all()
        for c in charges:
            if c.effective_from <= today and (c.effective_to is None or c.effective_to >= today):
                lines.append(ChargeLine(label, c.description, f"{format_pence(c.amount_pence)} {_per(c.frequency)}"))
                weekly += convert_charge(c.amount_pence, c.frequency, "weekly")
    officers = []
    for role, officer_id in (
        ("housing_officer", tenancy.housing_officer_id),
        ("income_officer", tenancy.income_officer_id),
        ("leasehold_officer", tenancy.leasehold_officer_id),
    ):
        officer = session.get(Officer, officer_id) if officer_id else None
        if officer is not None:
            officers.append(
                OfficerView(
                    OFFICER_WORDS.get(officer.role, OFFICER_WORDS[role]),
                    officer.name,
                    officer.email,
                    officer.phone or "",
                )
            )
    bedrooms = f", {prop.bedrooms} bedroom{'s' if prop.bedrooms != 1 else ''}" if prop.bedrooms else ""
    agreement = tenancy_agreement(session, caller, today=today, settings=settings)
    return TenancyView(
        reference=tenancy.tenancy_ref,
        tenure_words=tenure_words,
        tenure_means=means,
        started_words=uk_date_words(tenancy.start_date),
        ends_words=uk_date_words(tenancy.end_date) if tenancy.end_date else "",
        review_words=review,
        address=home.address,
        property_words=f"{PROPERTY_WORDS.get(prop.property_type, 'Home')}{bedrooms}",
        people=people,
        charges=tuple(lines),
        weekly_total_words=f"{format_pence(weekly)} a week" if lines else "",
        officers=tuple(officers),
        agreement_href=agreement.href if agreement else "",
        agreement_words=f"PDF, {agreement.size_words}" if agreement else "",
        transfer=_transfer(session, tenancy.id, settings),
    )


def _transfer(session: Session, tenancy_id: int, settings) -> TransferView | None:
    """The tenancy's transfer application: a live one (active or suspended) first, else the latest."""
    apps = session.exec(
        select(TransferApplication)
        .where(TransferApplication.tenancy_id == tenancy_id)
        .order_by(TransferApplication.id.desc())
    ).all()
    if not apps:
        return None
    app = next((a for a in apps if a.status in ("active", "suspended")), apps[0])
    beds = app.bedrooms_needed
    site = getattr(settings, "choice_based_lettings_url", "") or ""
    return TransferView(
        reference=app.application_ref,
        band=app.band,
        effective_words=uk_date_words(app.effective_date),
        status_words=TRANSFER_STATUS_WORDS.get(app.status, app.status.capitalize()),
        bedrooms_words=f"{beds} bedroom{'s' if beds != 1 else ''}" if beds is not None else "",
        lettings_url=site if app.status in ("active", "suspended") else "",
    )


__all__ = ["OBLIGATIONS", "TENURE_WORDS", "TRANSFER_STATUS_WORDS", "TenancyView", "TransferView", "my_tenancy"]
