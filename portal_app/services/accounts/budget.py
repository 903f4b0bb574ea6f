"""The budget planner's rules: lines shaped like the Standard Financial Statement, how
often money comes and goes, and the sums. No reflex import.

The page builds the JavaScript that runs in the browser from these same tables
(``pages/budget.py``), so the figures a resident sees offline are the figures these
functions give; ``tests/unit/test_budget.py`` runs both and compares them.

The rounding rule, in one place: every amount is held in whole pence; each line is
converted to a month on its own as ``amount x numerator / denominator`` and rounded
half up to the penny (``balances.convert_charge``); totals are sums of the rounded lines, so the
lines on screen always add up to the totals shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from portal_app.services.accounts import ledger
from portal_app.services.accounts.access import AccountChoice, Caller, choose_account
from portal_app.services.accounts.balances import PER_YEAR, convert_charge
from portal_app.services.money import format_pence
from portal_app.settings import Settings

# ---------------------------------------------------------------------------
# Frequencies: (numerator, denominator) that turn one payment into a month's worth
# ---------------------------------------------------------------------------

# Each frequency as (numerator, denominator) of a month: balances.PER_YEAR over 12. The
# browser's copy of the planner gets this table as it is (pages/budget.py).
FREQUENCIES: dict[str, tuple[int, int]] = {
    f: (PER_YEAR[f], PER_YEAR["monthly"]) for f in ("weekly", "fortnightly", "four_weekly", "monthly", "yearly")
}
FREQUENCY_LABELS: dict[str, str] = {
    "weekly": "Every week",
    "fortnightly": "Every 2 weeks",
    "four_weekly": "Every 4 weeks",
    "monthly": "Every month",
    "yearly": "Every year",
}
DEFAULT_FREQUENCY = "monthly"

# ---------------------------------------------------------------------------
# Sections and lines (Standard Financial Statement headings)
# ---------------------------------------------------------------------------

INCOME = "income"
FIXED = "fixed"
FLEXIBLE = "flexible"
DEBTS = "debts"

SECTIONS: dict[str, str] = {
    INCOME: "Money coming in",
    FIXED: "Fixed costs",
    FLEXIBLE: "Flexible costs",
    DEBTS: "Priority debts",
}
OUTGOING_SECTIONS = (FIXED, FLEXIBLE, DEBTS)


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    section: str
    priority: bool = False
    hint: str = ""
    frequency: str = DEFAULT_FREQUENCY  # what the frequency box starts at


LINES: tuple[Line, ...] = (
    Line("earnings", "Earnings from work", INCOME, hint="After tax and National Insurance"),
    Line("benefits", "Benefits", INCOME, hint="For example Universal Credit, Child Benefit, PIP"),
    Line("pensions", "Pensions", INCOME),
    Line("other_income", "Other income", INCOME, hint="For example maintenance, help from family, lodgers"),
    Line("rent", "Rent", FIXED, priority=True, frequency="weekly"),
    Line(
        "service_charges",
        "Service charges",
        FIXED,
        priority=True,
        frequency="weekly",
        hint="Paid to your landlord with the rent, if you pay any",
    ),
    Line("council_tax", "Council Tax", FIXED, priority=True),
    Line("energy", "Gas and electricity", FIXED, priority=True),
    Line("water", "Water", FIXED),
    Line("phone_internet", "Phone and internet", FIXED),
    Line("tv_licence", "TV licence", FIXED, priority=True),
    Line("insurance", "Insurance", FIXED),
    Line("transport", "Transport", FIXED, hint="Bus, train, fuel, car tax and repairs"),
    Line("childcare", "Childcare", FIXED),
    Line("other_fixed", "Other fixed costs", FIXED),
    Line("food", "Food and housekeeping", FLEXIBLE),
    Line("personal", "Personal costs", FLEXIBLE, hint="Clothes, toiletries, haircuts"),
    Line("leisure", "Leisure", FLEXIBLE, hint="Hobbies, days out, subscriptions"),
    Line(
        "priority_debts",
        "Priority debt repayments",
        DEBTS,
        priority=True,
        hint="Rent or Council Tax arrears, energy arrears, court fines, child maintenance arrears",
    ),
)
LINES_BY_KEY: dict[str, Line] = {line.key: line for line in LINES}

# The bills that must be paid first: losing the home, or court and bailiffs.
PRIORITY_WARNING_KEYS = ("rent", "service_charges", "council_tax")


# ---------------------------------------------------------------------------
# Typed pounds
# ---------------------------------------------------------------------------

# What a human may type once spaces and one leading £ are taken off: 12, 12.5, 12.50,
# 1200, 1,200.00, .50. The browser uses the same pattern (see pages/budget.py).
AMOUNT_PATTERN = r"^([0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.([0-9]{1,2}))?$"
MAX_POUNDS_DIGITS = 7  # £9,999,999.99 at most: a household budget, and exact in JavaScript
AMOUNT_ERROR = "Enter an amount in pounds, like 12.50"
_AMOUNT_RE = re.compile(AMOUNT_PATTERN)


def parse_pounds(text: str | None) -> int | None:
    """Pence from pounds as typed. Blank is 0; anything not an amount is None.

    >>> parse_pounds("£1,200"), parse_pounds("12.5"), parse_pounds(""), parse_pounds("12.505")
    (120000, 1250, 0, None)
    """
    cleaned = re.sub(r"\s", "", text or "")
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
    if cleaned == "":
        return 0
    found = _AMOUNT_RE.match(cleaned)
    if not found:
        return None
    pounds, pence = found.group(1).replace(",", ""), found.group(2) or ""
    if pounds == "" and pence == "":
        return None
    if len(pounds) > MAX_POUNDS_DIGITS:
        return None
    return int(pounds or "0") * 100 + int(pence.ljust(2, "0") or "0")


# ---------------------------------------------------------------------------
# The sums
# ---------------------------------------------------------------------------


def to_monthly_pence(amount_pence: int, frequency: str) -> int:
    """One line as a month's worth, rounded half up to the penny.

    >>> to_monthly_pence(10_000, "weekly"), to_monthly_pence(10_000, "four_weekly"), to_monthly_pence(120_000, "yearly")
    (43333, 10833, 10000)
    """
    if amount_pence < 0:
        raise ValueError("amounts are never negative")
    return convert_charge(amount_pence, frequency, "monthly")


@dataclass(frozen=True)
class Totals:
    monthly: dict[str, int]  # line key -> monthly pence
    sections: dict[str, int]  # section -> monthly pence
    income: int
    outgoings: int
    left: int  # income - outgoings: below 0 is a shortfall
    invalid: tuple[str, ...]  # line keys whose amount could not be read (counted as 0)
    priority_warning: bool  # a shortfall with rent, service charges or council tax entered


def totals(entries: dict[str, tuple[str | int, str]]) -> Totals:
    """The whole budget a month at a time. ``entries`` maps a line key to (amount, frequency):
    the amount as typed (str) or in pence (int). Unknown keys are ignored, unknown
    frequencies read as monthly, unreadable amounts count as 0 and are listed."""
    monthly: dict[str, int] = {}
    invalid: list[str] = []
    for line in LINES:
        amount, frequency = entries.get(line.key, (0, DEFAULT_FREQUENCY))
        pence = parse_pounds(amount) if isinstance(amount, str) else int(amount)
        if pence is None or pence < 0:
            invalid.append(line.key)
            pence = 0
        monthly[line.key] = to_monthly_pence(pence, frequency if frequency in FREQUENCIES else DEFAULT_FREQUENCY)
    sections = {s: sum(monthly[line.key] for line in LINES if line.section == s) for s in SECTIONS}
    income = sections[INCOME]
    outgoings = sum(sections[s] for s in OUTGOING_SECTIONS)
    left = income - outgoings
    return Totals(
        monthly=monthly,
        sections=sections,
        income=income,
        outgoings=outgoings,
        left=left,
        invalid=tuple(invalid),
        priority_warning=left < 0 and any(monthly[k] > 0 for k in PRIORITY_WARNING_KEYS),
    )


def left_words(left_pence: int) -> str:
    """The surplus or shortfall in plain words."""
    if left_pence < 0:
        return f"You are {format_pence(-left_pence)} short each month"
    return f"You have {format_pence(left_pence)} left each month"


# ---------------------------------------------------------------------------
# Filling from the resident's account
# ---------------------------------------------------------------------------

RENT_CHARGE_CODES = frozenset({"basic_rent", "garage", "ground_rent"})


@dataclass(frozen=True)
class HousingCosts:
    rent_pence: int
    rent_frequency: str
    service_pence: int
    service_frequency: str


def housing_costs(lines: list[tuple[str, int, str, int]]) -> HousingCosts:
    """Rent and service charges from an account's charges in force, each given as
    (charge code, amount pence, frequency, weekly pence). Rent is the rent codes; every
    other charge is a service charge. A group whose charges all share one frequency the
    planner knows keeps that frequency and the landlord's amounts; otherwise it is the
    sum of the weekly figures, weekly."""

    def group(chosen: list[tuple[str, int, str, int]]) -> tuple[int, str]:
        if not chosen:
            return 0, "weekly"
        frequencies = {freq for _, _, freq, _ in chosen}
        if len(frequencies) == 1 and next(iter(frequencies)) in FREQUENCIES:
            return sum(amount for _, amount, _, _ in chosen), next(iter(frequencies))
        return sum(weekly for _, _, _, weekly in chosen), "weekly"

    rent = group([line for line in lines if line[0] in RENT_CHARGE_CODES])
    service = group([line for line in lines if line[0] not in RENT_CHARGE_CODES])
    return HousingCosts(rent[0], rent[1], service[0], service[1])


def pence_as_typed(pence: int) -> str:
    """Pence as a resident would type the amount: 11401 -> '114.01'."""
    return f"{pence // 100}.{pence % 100:02d}"


# ---------------------------------------------------------------------------
# "Fill in from my account": the one thing the planner asks the server for
# ---------------------------------------------------------------------------

_PER = {
    "weekly": "a week",
    "fortnightly": "every 2 weeks",
    "four_weekly": "every 4 weeks",
    "monthly": "a month",
    "yearly": "a year",
}


@dataclass(frozen=True)
class PlannerFill:
    values: dict[str, str]  # the planner's values to set: amount as typed and frequency of rent and service charges
    message: str  # what was filled in, in words


def planner_fill(housing: HousingCosts, account_label: str, account_ref: str) -> PlannerFill:
    """The planner's rent and service charge lines from an account's housing costs, and the words that say so."""
    values = {
        "a_rent": pence_as_typed(housing.rent_pence) if housing.rent_pence else "",
        "f_rent": housing.rent_frequency,
        "a_service_charges": pence_as_typed(housing.service_pence) if housing.service_pence else "",
        "f_service_charges": housing.service_frequency,
    }
    message = (
        f"Filled in from your {account_label.lower()} {account_ref}: rent {format_pence(housing.rent_pence)} "
        f"{_PER[housing.rent_frequency]}, service charges {format_pence(housing.service_pence)} "
        f"{_PER[housing.service_frequency]}."
    )
    return PlannerFill(values, message)


def fill_from_account(
    session: Session, caller: Caller, wanted: str | None, remembered: str = "", *, today: date, settings: Settings
) -> tuple[AccountChoice, PlannerFill | None]:
    """Rent and service charges for the planner from the account asked for (or chosen
    before), only ever one the caller may see."""
    choice = choose_account(session, caller, wanted, remembered, today=today, settings=settings)
    account = choice.account
    if account is None:
        return choice, None
    breakdown = ledger.charge_breakdown(session, account.account_id, today)
    costs = housing_costs(
        [(line.code, line.amount_pence, line.frequency, line.weekly_pence) for line in breakdown.lines]
    )
    return choice, planner_fill(costs, account.label, account.account_ref)
