"""Mutual exchange: swapping homes with another social housing tenant (seed 000:
"information on mutual exchanges").

What it is: a secure tenant (Housing Act 1985, section 92) or an assured tenant of a housing
association (by the agreement and the regulator's Tenancy Standard) may swap homes with
another council or housing association tenant, anywhere in the country, with both landlords'
written consent. Each takes over the other's tenancy (or, for some swaps, a new one).

Who may apply here: a tenant (lead or joint) of a current secure, assured or flexible
tenancy. A trial (introductory or starter) tenancy cannot be swapped until the trial year
ends; a lease, and other arrangements, are not exchanged this way: those say "contact us".

How to find a swap: a swap website (``MUTUAL_EXCHANGE_URL``, by default HomeSwapper, which
many landlords subscribe to for their tenants); residents can also use others, such as
House Exchange or Exchange Locator, or find someone themselves.

The landlord decides within 42 days of the application (``targets.CALENDAR_TARGETS``, counted
in calendar days: ``targets.due_date``) and may refuse only on the grounds of Schedule 3 to
the Housing Act 1985 (``REFUSAL_GROUNDS``, in brief), or consent on condition that rent
arrears are paid or a breach put right. The request is a ``MUTUAL_EXCHANGE`` one, in
``NEEDS_DECISION``: the officer approves or declines it with a reason on the staff request
page. Its summary carries the decision date, so My requests shows the deadline.

No reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from portal_app.clock import uk_date_words, uk_today
from portal_app.models import MoneyRequest, PortalUser, Property, Tenancy, TenancyParty
from portal_app.services.requests.common import MUTUAL_EXCHANGE, OPEN_STATUSES
from portal_app.services.requests.resident import SubmitResult, submit_tenancy_request
from portal_app.services.requests.targets import due_date, target_words
from portal_app.services.tenancy.details import TENURE_WORDS
from portal_app.services.tenancy.home import home_of

EXCHANGE_TENURES = ("secure", "assured", "flexible")
TRIAL_TENURES = ("introductory", "starter")
TENANT_ROLES = ("lead_tenant", "joint_tenant")
NAME_MAX_LENGTH = 120
LANDLORD_MAX_LENGTH = 150
ADDRESS_MAX_LENGTH = 500
MAX_BEDROOMS = 10
OTHER_TENURES = (
    ("secure", "Secure (council) tenancy"),
    ("assured", "Assured (housing association) tenancy"),
    ("flexible", "Flexible or fixed-term tenancy"),
    ("not_sure", "Another kind, or not sure"),
)
OTHER_TENURE_WORDS = dict(OTHER_TENURES)
WHAT_IT_IS = (
    "A mutual exchange is a swap: you move into another council or housing association tenant's home, and they "
    "move into yours. You can swap with someone anywhere in the country, and with more than one household at "
    "once (a chain).",
    "Both landlords must agree in writing before anyone moves. Do not move before then: if you do, you could "
    "lose your home.",
    "You take the home as it is, so look around it carefully first. We check both homes, and the other "
    "landlord checks yours.",
)
REFUSAL_GROUNDS = (
    "A court has ordered you or the other tenant to leave, or we or their landlord have started court action "
    "to take back the home (for example for rent arrears, nuisance or another breach of the tenancy).",
    "A demotion order, an injunction or a similar order for anti-social behaviour applies to you or the other "
    "tenant, or court action for one has started.",
    "The home is much bigger than the household moving in needs, or not big enough or suitable for it.",
    "The home goes with a job (for example a caretaker's home).",
    "The home is adapted for a disabled person, or is sheltered or supported housing, and nobody who needs "
    "that would live there.",
    "The landlord is a charity, or the home is for people whose circumstances make housing hard to find, and "
    "the move would go against that purpose.",
    "The home is managed by a tenant management or housing co-operative, and the person moving in will not join it.",
)
CONDITION_WORDS = (
    "We can also agree on condition that rent arrears are paid, or something you have broken in the tenancy "
    "agreement is put right, before you move."
)


@dataclass(frozen=True)
class ExchangeContext:
    can_apply: bool
    refusal: str
    address: str = ""
    tenure_words: str = ""
    bedrooms: int | None = None
    swap_url: str = ""
    decision_words: str = ""  # "We decide within 42 days of your application: by 15 January 2027."


@dataclass(frozen=True)
class ExchangeResult:
    errors: dict[str, str]
    result: SubmitResult | None = None
    due: date | None = None
    due_words: str = ""

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


def decision_due(now: datetime, settings) -> date:
    """The day the landlord must decide by, for an application made ``now``."""
    return due_date(MUTUAL_EXCHANGE, uk_today(now), settings)


def _open_exchange(session: Session, tenancy_id: int) -> MoneyRequest | None:
    return session.exec(
        select(MoneyRequest)
        .join(PortalUser, PortalUser.id == MoneyRequest.user_id)
        .where(
            PortalUser.tenancy_id == tenancy_id,
            MoneyRequest.kind == MUTUAL_EXCHANGE,
            MoneyRequest.status.in_(OPEN_STATUSES),
        )
    ).first()


def exchange_context(session: Session, caller, *, now: datetime, settings) -> ExchangeContext:
    today = uk_today(now)
    phone = settings.landlord_phone
    home = home_of(session, caller, today, settings)
    if home is None:
        return ExchangeContext(False, f"We cannot find a tenancy you can swap. Phone us on {phone} and we will help.")
    tenancy = session.get(Tenancy, home.tenancy_id)
    party = session.exec(
        select(TenancyParty).where(TenancyParty.tenancy_id == tenancy.id, TenancyParty.person_id == caller.person_id)
    ).first()
    prop = session.get(Property, home.property_id)
    base = {
        "address": home.address,
        "tenure_words": TENURE_WORDS.get(tenancy.tenure, (tenancy.tenure.replace("_", " ").capitalize(), ""))[0],
        "bedrooms": prop.bedrooms if prop is not None else None,
        "swap_url": settings.mutual_exchange_url,
    }
    if tenancy.tenure in TRIAL_TENURES:
        return ExchangeContext(
            False,
            "You cannot swap your home during your trial year. You can apply once your tenancy becomes secure or "
            f"assured. To talk about moving sooner, phone us on {phone}.",
            **base,
        )
    if tenancy.tenure not in EXCHANGE_TENURES:
        return ExchangeContext(
            False,
            f"Your kind of tenancy cannot be swapped this way. Contact us on {phone} to talk about moving.",
            **base,
        )
    if party is None or party.role not in TENANT_ROLES:
        return ExchangeContext(False, "Only a tenant named on the tenancy can apply to swap it.", **base)
    if (found := _open_exchange(session, tenancy.id)) is not None:
        return ExchangeContext(
            False,
            f"An application to swap this home is already open (reference {found.reference}). We will decide on it "
            "first: to change it, contact your housing officer.",
            **base,
        )
    due = decision_due(now, settings)
    return ExchangeContext(
        True,
        "",
        **base,
        decision_words=(
            f"We decide within {target_words(MUTUAL_EXCHANGE, settings)} of your application: if you apply today, "
            f"by {uk_date_words(due)}."
        ),
    )


def _text(form: dict, name: str) -> str:
    return " ".join(str(form.get(name, "") or "").split()).strip()


def validate(form: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(errors, cleaned) for an application form: ``other_name``, ``other_landlord``,
    ``other_address``, ``other_tenure`` (an ``OTHER_TENURES`` code), ``other_bedrooms``."""
    errors: dict[str, str] = {}
    name, landlord, address = _text(form, "other_name"), _text(form, "other_landlord"), _text(form, "other_address")
    if not name:
        errors["other_name"] = "Enter the name of the tenant you want to swap with"
    elif len(name) > NAME_MAX_LENGTH:
        errors["other_name"] = f"The name must be {NAME_MAX_LENGTH} characters or fewer"
    if not landlord:
        errors["other_landlord"] = "Enter the name of their landlord (their council or housing association)"
    elif len(landlord) > LANDLORD_MAX_LENGTH:
        errors["other_landlord"] = f"Their landlord's name must be {LANDLORD_MAX_LENGTH} characters or fewer"
    if not address:
        errors["other_address"] = "Enter the address of their home"
    elif len(address) > ADDRESS_MAX_LENGTH:
        errors["other_address"] = f"The address must be {ADDRESS_MAX_LENGTH} characters or fewer"
    elif len(address) < 8:
        errors["other_address"] = "Enter the full address of their home, with the postcode"
    tenure = _text(form, "other_tenure")
    if tenure not in OTHER_TENURE_WORDS:
        errors["other_tenure"] = "Choose the kind of tenancy they have"
    bedrooms = _text(form, "other_bedrooms")
    if not bedrooms:
        errors["other_bedrooms"] = "Enter how many bedrooms their home has"
    elif not bedrooms.isdigit():
        errors["other_bedrooms"] = "Bedrooms must be a whole number, like 2"
    elif not 0 <= int(bedrooms) <= MAX_BEDROOMS:
        errors["other_bedrooms"] = f"Bedrooms must be between 0 and {MAX_BEDROOMS}"
    cleaned = {
        "other_name": name,
        "other_landlord": landlord,
        "other_address": address,
        "other_tenure": tenure,
        "other_bedrooms": str(int(bedrooms)) if bedrooms.isdigit() else bedrooms,
    }
    return errors, cleaned


def apply_for_exchange(session: Session, caller, form: dict, *, now: datetime, settings) -> ExchangeResult:
    """Validate and make the MUTUAL_EXCHANGE request; nothing is written when anything is wrong."""
    context = exchange_context(session, caller, now=now, settings=settings)
    if not context.can_apply:
        return ExchangeResult({"exchange": context.refusal})
    errors, v = validate(form)
    if errors:
        return ExchangeResult(errors)
    due = decision_due(now, settings)
    due_words = uk_date_words(due)
    bedrooms = int(v["other_bedrooms"])
    bedrooms_words = (
        "a studio or bedsit (no separate bedroom)"
        if bedrooms == 0
        else (f"{bedrooms} bedroom{'s' if bedrooms != 1 else ''}")
    )
    result = submit_tenancy_request(
        session,
        user_id=caller.user_id,
        person_id=caller.person_id,
        tenancy_id=caller.tenancy_id,
        kind=MUTUAL_EXCHANGE,
        summary=f"Swap with {v['other_name']} ({v['other_landlord']}): we decide by {due_words}",
        what_you_asked=(
            f"You asked to swap your home with {v['other_name']}, a tenant of {v['other_landlord']}. We must decide "
            f"within {target_words(MUTUAL_EXCHANGE, settings)}, by {due_words}."
        ),
        lines=[
            ("Swap with", v["other_name"]),
            ("Their landlord", v["other_landlord"]),
            ("Their home", v["other_address"]),
            ("Their tenancy", OTHER_TENURE_WORDS[v["other_tenure"]]),
            ("Bedrooms in their home", bedrooms_words),
            ("We decide by", due_words),
        ],
        next_steps=(
            "Your housing officer checks your tenancy and asks the other landlord about theirs. We may visit both "
            "homes.",
            f"We tell you our decision, and our reasons if we say no, by {due_words}.",
            "The other tenant must apply to their landlord too: ask them to do it now.",
            "Do not move until both landlords have agreed in writing.",
        ),
        now=now,
        settings=settings,
        details={"decide_by": due.isoformat(), "other_tenure": v["other_tenure"], "other_bedrooms": bedrooms},
        limit_field="exchange",
    )
    return ExchangeResult(dict(result.errors), result, due, due_words)


__all__ = [
    "CONDITION_WORDS",
    "OTHER_TENURES",
    "REFUSAL_GROUNDS",
    "WHAT_IT_IS",
    "ExchangeContext",
    "ExchangeResult",
    "apply_for_exchange",
    "decision_due",
    "exchange_context",
    "validate",
]
