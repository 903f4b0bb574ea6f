"""Giving notice to end a tenancy (seed 000: "information on giving notice").

The rules, as a periodic tenancy agreement usually has them:

* **At least four weeks.** A tenant's notice to quit a periodic tenancy must give at least
  four weeks (28 days): the earliest end date is at least 28 days after the day we receive
  the notice (Protection from Eviction Act 1977, section 5).
* **Counted from the day we receive it.** Notice given through the portal on a working day
  is received that day; on a weekend or bank holiday (``services/working_days.py``, England
  and Wales, plus the landlord's own closures) it counts as received on the next working
  day. Notice sent on Christmas Day 2026 (a Friday) is received on Tuesday 29 December 2026
  (Boxing Day is a Saturday, so its bank holiday is Monday 28 December).
* **Ending on the day the agreement says** (``Tenancy.notice_end_day``; None: the
  landlord's ``NOTICE_END_DAY``, default ``monday``):

  - ``monday``: a Monday, the first day of a rent week (rent weeks start on Monday);
  - ``sunday``: a Sunday, the last day of a rent week;
  - ``period_end``: the last day of a rent period. Weekly rent is due on Monday, so a
    weekly period ends on the Sunday (the day before the rent day). Monthly rent: the last
    day of a calendar month (our monthly tenancies are charged on the 1st, so that is also
    the day before the rent day). Fortnightly and four-weekly periods run from the Monday of
    the week the tenancy started, and end on the Sunday before each new period;
  - ``any_day``: any day.

  The earliest end date is the first allowed day on or after receipt + 28 days; the
  resident may choose it or any later allowed day.
* **Joint tenants.** One joint tenant's notice to quit ends a periodic joint tenancy for
  every tenant (Hammersmith and Fulham LBC v Monk [1992] 1 AC 478): the page says so, names
  the other tenants, and the resident must confirm the others know.
* **Who may give it.** Only a tenant (lead or joint) of a current periodic tenancy: secure,
  introductory, starter, assured or non-secure. A flexible or fixed-term tenancy ends early
  only by agreement (a surrender) or a break clause, a lease is sold or surrendered, and
  other arrangements are ended with us directly: each of those says "contact us".
* **One at a time.** While a notice for the tenancy is open (received or in progress), a
  second is refused, whoever on the tenancy gave the first.

The request is an ``END_TENANCY`` one (``requests.resident.submit_tenancy_request``), routed
to the housing officer and listed under My requests. Rent is due up to and including the end
date; what happens to the rent account (a credit refunded after checks, arrears still owed)
is read from its ledger (``accounts.balances.ledger_balance`` and ``accounts.owed``: only
overdue money is arrears).

Times: ``now`` is an aware UTC datetime; "today" is its UK date. No reflex import.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from portal_app.clock import uk_date_words, uk_today
from portal_app.models import Account, MoneyRequest, Person, PortalUser, Tenancy, TenancyParty
from portal_app.services.accounts import owed as owed_rule
from portal_app.services.accounts.balances import ledger_balance
from portal_app.services.money import format_pence
from portal_app.services.requests.common import END_TENANCY, OPEN_STATUSES, NotYours
from portal_app.services.requests.resident import SubmitResult, submit_tenancy_request
from portal_app.services.tenancy.details import TENURE_WORDS
from portal_app.services.tenancy.home import home_of
from portal_app.services.validation import parse_date_parts
from portal_app.services.working_days import is_working_day, next_working_day

NOTICE_DAYS = 28
RULES = ("monday", "sunday", "period_end", "any_day")
PERIODIC_TENURES = ("secure", "introductory", "starter", "assured", "non_secure")
FIXED_TERM_TENURES = ("flexible", "fixed_term")
LEASE_TENURES = ("leasehold", "shared_ownership")
TENANT_ROLES = ("lead_tenant", "joint_tenant")
ADDRESS_MAX_LENGTH = 500
LATER_CHOICES = 6  # allowed end dates listed after the earliest
REASONS = (
    ("another_social_home", "Moving to another council or housing association home"),
    ("buying", "Buying a home"),
    ("private_rented", "Moving to a privately rented home"),
    ("family", "Moving in with family or a partner"),
    ("work", "Moving for work or study"),
    ("care", "Moving into care or supported housing"),
    ("other", "Another reason"),
    ("not_say", "I would rather not say"),
)
REASON_WORDS = dict(REASONS)


def day_words(day: date) -> str:
    """ "Monday 1 February 2027"."""
    return f"{day:%A} {uk_date_words(day)}"


def end_rule(tenancy: Tenancy, settings) -> str:
    """The day this tenancy's notice must end on: its own rule, else the landlord's."""
    rule = (tenancy.notice_end_day or "").strip()
    if rule in RULES:
        return rule
    default = getattr(settings, "notice_end_day", "monday")
    return default if default in RULES else "monday"


def _period_anchor(start: date) -> date:
    """The Monday of the week the tenancy started: fortnightly and four-weekly periods begin there."""
    return start - timedelta(days=start.weekday())


def is_allowed_end(day: date, rule: str, frequency: str = "weekly", start: date | None = None) -> bool:
    """Whether notice may end on ``day`` under ``rule`` for rent paid every ``frequency``."""
    if rule == "any_day":
        return True
    if rule == "monday":
        return day.weekday() == 0
    if rule == "sunday":
        return day.weekday() == 6
    # period_end
    if frequency == "monthly":
        return day.day == month_calendar.monthrange(day.year, day.month)[1]
    if frequency in ("fortnightly", "four_weekly") and start is not None:
        length = 14 if frequency == "fortnightly" else 28
        return (day + timedelta(days=1) - _period_anchor(start)).days % length == 0
    return day.weekday() == 6  # weekly (and anything else): the Sunday before the Monday rent day


def rule_words(rule: str, frequency: str = "weekly") -> str:
    """The rule in words, to follow "Your notice must end on ..."."""
    if rule == "monday":
        return "a Monday, the first day of a rent week"
    if rule == "sunday":
        return "a Sunday, the last day of a rent week"
    if rule == "period_end":
        if frequency == "monthly":
            return "the last day of a month, the end of a rent period"
        if frequency in ("fortnightly", "four_weekly"):
            return "the last day of a rent period (the Sunday before your next rent period starts)"
        return "the last day of a rent week, a Sunday (your rent is due on Mondays)"
    return "any day you choose"


def received_on(now: datetime, settings) -> date:
    """The day we receive notice sent ``now``: today, or the next working day after a weekend
    or bank holiday."""
    return next_working_day(uk_today(now), settings)


def earliest_end(received: date, rule: str, frequency: str = "weekly", start: date | None = None) -> date:
    """The first allowed end date at least ``NOTICE_DAYS`` days after ``received``."""
    day = received + timedelta(days=NOTICE_DAYS)
    while not is_allowed_end(day, rule, frequency, start):
        day += timedelta(days=1)
    return day


def allowed_ends(first: date, rule: str, frequency: str, start: date | None, count: int) -> tuple[date, ...]:
    """``count`` allowed end dates from ``first`` on (``first`` included when allowed)."""
    found, day = [], first
    while len(found) < count:
        if is_allowed_end(day, rule, frequency, start):
            found.append(day)
        day += timedelta(days=1)
    return tuple(found)


@dataclass(frozen=True)
class NoticeContext:
    """What the notice page shows before the resident chooses."""

    can_give: bool
    refusal: str  # why not, when they cannot: "" when they can
    reference: str = ""
    address: str = ""
    tenure_words: str = ""
    rule: str = ""
    rule_words: str = ""  # "a Monday, the first day of a rent week"
    received: date | None = None
    received_words: str = ""  # "Tuesday 29 December 2026"
    received_why: str = ""  # why it counts from that day
    earliest: date | None = None
    earliest_words: str = ""  # "Monday 1 February 2027"
    later: tuple[date, ...] = ()  # the next allowed end dates after the earliest
    joint: bool = False
    other_tenants: tuple[str, ...] = ()
    joint_words: str = ""
    rent_state: str = ""  # credit | clear | owed | arrears | "" (no rent account)
    rent_words: str = ""
    keys_words: str = ""
    rent_due_words: str = ""


def _name(person: Person) -> str:
    return " ".join(p for p in (person.first_name, person.last_name) if p)


def _names(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def others_know(names: tuple[str, ...]) -> str:
    """ "Bea Okafor knows", "Bea Okafor and Cy Okafor know"."""
    return f"{_names(names)} {'knows' if len(names) == 1 else 'know'}"


def _contact_us(tenure: str, settings) -> str:
    phone = settings.landlord_phone
    if tenure in FIXED_TERM_TENURES:
        return (
            "Your tenancy is for a fixed term, so you cannot end it with a notice here. It can end early if we "
            f"agree (a surrender) or if your agreement has a break clause. Contact us on {phone} to talk it through."
        )
    if tenure in LEASE_TENURES:
        return (
            "You own a lease, so you do not give notice. To sell your home or give up your lease, contact your "
            f"leasehold officer or phone us on {phone}."
        )
    return f"Your agreement is ended with us directly, not by a notice here. Contact us on {phone} to end it."


def _open_notice(session: Session, tenancy_id: int, user_id: int) -> str:
    """A sentence when notice for this tenancy is already open, else ""."""
    row = session.exec(
        select(MoneyRequest)
        .join(PortalUser, PortalUser.id == MoneyRequest.user_id)
        .where(
            PortalUser.tenancy_id == tenancy_id,
            MoneyRequest.kind == END_TENANCY,
            MoneyRequest.status.in_(OPEN_STATUSES),
        )
        .order_by(MoneyRequest.created_at)
    ).first()
    if row is None:
        return ""
    if row.user_id == user_id:
        return (
            f"You have already given notice to end this tenancy (reference {row.reference}). We are dealing with "
            "it, so you cannot give notice again. To change the date or withdraw your notice, contact your "
            "housing officer."
        )
    return (
        "A joint tenant has already given notice to end this tenancy, and we are dealing with it, so you "
        "cannot give notice again. To talk about it, contact your housing officer."
    )


def rent_account_words(session: Session, tenancy_id: int, today: date) -> tuple[str, str]:
    """(state, words) for the tenancy's rent account today: credit, clear, owed (nothing
    overdue) or arrears (only overdue money is arrears); ("", "") with no rent account."""
    account = session.exec(
        select(Account)
        .where(Account.tenancy_id == tenancy_id, Account.account_type == "rent")
        .order_by(Account.closed_on.is_not(None), Account.id)
    ).first()
    if account is None:
        return "", ""
    balance = ledger_balance(session, account.id)
    if balance < 0:
        return "credit", (
            f"Your rent account is {format_pence(-balance)} in credit today. After your tenancy ends we check the "
            "account (the last rent charges, and any repairs or clearing you are responsible for) and then refund "
            "what is left in credit to you."
        )
    if balance == 0:
        return "clear", (
            "Your rent account is clear today: you owe nothing. Keep paying your rent up to the end date, and we "
            "will send you a final statement."
        )
    found = owed_rule.standing(session, account.id, "rent", balance, today)
    if found.overdue_pence > 0:
        return "arrears", (
            f"Your rent account is in arrears: {format_pence(found.overdue_pence)} is overdue today. You still owe "
            "this after your tenancy ends, so please pay it before you go, or talk to us about a way to pay it off."
        )
    return "owed", (
        f"Your rent account shows {format_pence(balance)} owed today, but none of it is overdue, so it is not in "
        "arrears. Keep paying your rent up to the end date, and we will send you a final statement."
    )


def notice_context(session: Session, caller, *, now: datetime, settings) -> NoticeContext:
    """Whether the caller may give notice here, and if so the dates and what they mean."""
    today = uk_today(now)
    home = home_of(session, caller, today, settings)
    if home is None:
        return NoticeContext(
            False,
            f"We cannot find a tenancy you can give notice on. Phone us on {settings.landlord_phone} and we will help.",
        )
    tenancy = session.get(Tenancy, home.tenancy_id)
    party = session.exec(
        select(TenancyParty).where(TenancyParty.tenancy_id == tenancy.id, TenancyParty.person_id == caller.person_id)
    ).first()
    tenure_words = TENURE_WORDS.get(tenancy.tenure, (tenancy.tenure.replace("_", " ").capitalize(), ""))[0]
    base = {"reference": tenancy.tenancy_ref, "address": home.address, "tenure_words": tenure_words}
    if tenancy.tenure in LEASE_TENURES:
        return NoticeContext(False, _contact_us(tenancy.tenure, settings), **base)
    if party is None or party.role not in TENANT_ROLES:
        return NoticeContext(
            False,
            "Only a tenant named on the tenancy can give notice to end it. If you live here and are moving out, "
            f"tell us by phoning {settings.landlord_phone}.",
            **base,
        )
    if tenancy.tenure not in PERIODIC_TENURES:
        return NoticeContext(False, _contact_us(tenancy.tenure, settings), **base)
    if tenancy.end_date is not None:
        return NoticeContext(
            False,
            f"Your tenancy is already due to end on {day_words(tenancy.end_date)}. To talk about it, contact your "
            "housing officer.",
            **base,
        )
    if (already := _open_notice(session, tenancy.id, caller.user_id)) != "":
        return NoticeContext(False, already, **base)

    rule, frequency = end_rule(tenancy, settings), tenancy.rent_frequency or "weekly"
    received = received_on(now, settings)
    if received == today:
        why = "Notice you give today counts from today."
    else:
        why = (
            f"Today, {day_words(today)}, is not a working day (a weekend or bank holiday), so your notice counts "
            f"as received on the next working day, {day_words(received)}."
        )
    first = earliest_end(received, rule, frequency, tenancy.start_date)
    later = allowed_ends(first + timedelta(days=1), rule, frequency, tenancy.start_date, LATER_CHOICES)
    others = tuple(
        _name(person)
        for other, person in session.exec(
            select(TenancyParty, Person)
            .join(Person, Person.id == TenancyParty.person_id)
            .where(TenancyParty.tenancy_id == tenancy.id, TenancyParty.person_id != caller.person_id)
            .order_by(TenancyParty.id)
        ).all()
        if other.role in TENANT_ROLES and other.is_current(today)
    )
    joint_words = ""
    if others:
        joint_words = (
            f"This is a joint tenancy with {_names(others)}. If you give notice, it ends the tenancy for everyone "
            f"on it, {_names(others)} included, even if they want to stay: one joint tenant's notice ends a joint "
            "tenancy (Hammersmith and Fulham LBC v Monk). Please make sure they know before you give notice. If "
            "they want to stay, talk to us first: we may be able to help, for example with a new tenancy in "
            "their name."
        )
    rent_state, rent_words = rent_account_words(session, tenancy.id, today)
    return NoticeContext(
        True,
        "",
        **base,
        rule=rule,
        rule_words=rule_words(rule, frequency),
        received=received,
        received_words=day_words(received),
        received_why=why,
        earliest=first,
        earliest_words=day_words(first),
        later=later,
        joint=bool(others),
        other_tenants=others,
        joint_words=joint_words,
        rent_state=rent_state,
        rent_words=rent_words,
        keys_words=keys_words(first, settings),
        rent_due_words=rent_due_words(first),
    )


def keys_words(end: date, settings) -> str:
    words = (
        f"Bring all your keys to our office by 12 noon on {day_words(end)}. Our office is open "
        f"{settings.landlord_hours}."
    )
    if not is_working_day(end, settings):
        words += " If our office is closed that day, bring them on the last working day before."
    return words + " If keys come back late, we may charge rent for the extra days."


def rent_due_words(end: date) -> str:
    return f"Rent is due up to and including {day_words(end)}."


@dataclass(frozen=True)
class NoticeCheck:
    """A checked notice: the errors (field -> message), or what the check page shows."""

    errors: dict[str, str]
    context: NoticeContext | None = None
    end: date | None = None
    end_words: str = ""
    days_words: str = ""  # "33 days after we receive your notice"
    forwarding_address: str = ""
    reason: str = ""  # a REASONS code or ""
    reason_words: str = ""
    joint_confirmed: bool = False
    keys_words: str = ""
    rent_due_words: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and self.context is not None and self.context.can_give


def _end_from_form(form: dict, context: NoticeContext, frequency: str, start: date) -> tuple[date | None, str]:
    chosen = str(form.get("end_choice", "") or "").strip()
    if chosen and chosen != "other":
        try:
            day = date.fromisoformat(chosen)
        except ValueError:
            return None, "Choose the day your tenancy ends"
    elif chosen == "other":
        parts = [str(form.get(f"end_date_{p}", "") or "") for p in ("day", "month", "year")]
        day, error = parse_date_parts(*parts, label="The end date", today=date.max)
        if error:
            return None, error.replace("Enter the end date", "Enter the day your tenancy ends")
    else:
        return None, "Choose the day your tenancy ends"
    if day < context.earliest:
        return None, (
            f"The end date must be on or after {context.earliest_words}: notice must be at least four weeks, "
            f"counted from {context.received_words}"
        )
    if not is_allowed_end(day, context.rule, frequency, start):
        return None, f"{day_words(day)} is not allowed: your notice must end on {context.rule_words}"
    return day, ""


def check_notice(session: Session, caller, form: dict, *, now: datetime, settings) -> NoticeCheck:
    """Validate a notice form (``end_choice``: an ISO date or "other" with ``end_date_day``,
    ``_month``, ``_year``; ``forwarding_address``; ``reason``; ``joint_confirmed`` "yes")."""
    context = notice_context(session, caller, now=now, settings=settings)
    if not context.can_give:
        return NoticeCheck({"notice": context.refusal}, context)
    tenancy = session.get(Tenancy, caller.tenancy_id)
    frequency = tenancy.rent_frequency or "weekly"
    errors: dict[str, str] = {}
    end, error = _end_from_form(form, context, frequency, tenancy.start_date)
    if error:
        errors["end_date"] = error
    address = " ".join(str(form.get("forwarding_address", "") or "").split()).strip()
    if not address:
        errors["forwarding_address"] = "Enter the address we can write to after you move out"
    elif len(address) > ADDRESS_MAX_LENGTH:
        errors["forwarding_address"] = f"The address must be {ADDRESS_MAX_LENGTH} characters or fewer"
    elif len(address) < 8:
        errors["forwarding_address"] = "Enter the full address, with the postcode"
    reason = str(form.get("reason", "") or "").strip()
    if reason and reason not in REASON_WORDS:
        errors["reason"] = "Choose a reason from the list, or leave it blank"
    joint = str(form.get("joint_confirmed", "") or "") in ("yes", "on", "true")
    if context.joint and not joint:
        errors["joint_confirmed"] = f"Confirm that {others_know(context.other_tenants)} you are giving notice"
    if errors:
        return NoticeCheck(errors, context)
    return NoticeCheck(
        {},
        context,
        end=end,
        end_words=day_words(end),
        days_words=f"{(end - context.received).days} days after we receive your notice on {context.received_words}",
        forwarding_address=address,
        reason=reason,
        reason_words=REASON_WORDS.get(reason, ""),
        joint_confirmed=joint,
        keys_words=keys_words(end, settings),
        rent_due_words=rent_due_words(end),
    )


def next_steps(check: NoticeCheck) -> tuple[str, ...]:
    return (
        f"Your tenancy ends on {check.end_words}. {check.rent_due_words}",
        "Your housing officer will contact you to arrange a visit before you move out, to check the home and "
        "tell you about anything you need to put right or clear before you go.",
        check.keys_words,
        "On the day you move out, take meter readings for gas, electricity and water, and tell your suppliers "
        "and the council tax office that you are leaving.",
        "We will write to you at your forwarding address with your final rent statement.",
    )


def give_notice(
    session: Session, caller, form: dict, *, now: datetime, settings
) -> tuple[NoticeCheck, SubmitResult | None]:
    """Check the notice again and, when it is right, make the END_TENANCY request. Nothing is
    written when anything is wrong (including a notice already open)."""
    check = check_notice(session, caller, form, now=now, settings=settings)
    if not check.ok:
        return check, None
    context = check.context
    lines = [
        ("Tenancy ends on", check.end_words),
        ("Notice received on", context.received_words),
        ("Forwarding address", check.forwarding_address),
        ("Reason for moving", check.reason_words or "Not given"),
    ]
    if context.joint:
        lines.append(("Other tenants told", f"Yes: {_names(context.other_tenants)} know about this notice"))
    result = submit_tenancy_request(
        session,
        user_id=caller.user_id,
        person_id=caller.person_id,
        tenancy_id=caller.tenancy_id,
        kind=END_TENANCY,
        summary=f"Notice to end the tenancy on {check.end_words}",
        what_you_asked=(
            f"You gave notice to end your tenancy of {context.address}. We received it on "
            f"{context.received_words}, and your tenancy ends on {check.end_words}."
        ),
        lines=lines,
        next_steps=next_steps(check),
        now=now,
        settings=settings,
        details={
            "end_date": check.end.isoformat(),
            "received_on": context.received.isoformat(),
            "rule": context.rule,
            "reason": check.reason,
            "joint": context.joint,
        },
        limit_field="notice",
    )
    return check, result


__all__ = [
    "NOTICE_DAYS",
    "REASONS",
    "NoticeCheck",
    "NoticeContext",
    "NotYours",
    "check_notice",
    "earliest_end",
    "end_rule",
    "give_notice",
    "is_allowed_end",
    "notice_context",
    "received_on",
    "rent_account_words",
]
