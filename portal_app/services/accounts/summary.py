"""What the account pages say about one account: the words and the decisions behind them.

The home page and the account page show what this module decides (is it arrears, is it
a leaseholder's account, how the balance chart reads in words); the pages only format
and show it. ``account_page`` (its load: the overview and the first history page) and
``history`` (a page or a filter of it) are the account page's units of work, and
``account_overview`` the back office's view of the same figures: each goes through
``access.choose_account`` first, once, so they only ever read an account the caller may
see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from portal_app.clock import uk_date_words, uk_today
from portal_app.services.accounts import balances, ledger, owed
from portal_app.services.accounts.access import AccountChoice, Caller, ChosenAccount, choose_account
from portal_app.services.money import balance_display, format_pence
from portal_app.settings import Settings

# The accounts that are a leaseholder's: their page plans the service-charge year.
LEASEHOLD_ACCOUNT_TYPES = ("service_charge", "major_works")

_PER = {"weekly": "a week", "monthly": "a month", "yearly": "a year"}
_BENEFIT_ELIGIBLE = {True: "Yes", False: "No", None: "Ask us"}


def is_arrears(overdue_pence: int) -> bool:
    """Whether a balance is shown as arrears (the red style): only when some of it is
    overdue (``owed.standing``), never for money owed that falls due later."""
    return overdue_pence > 0


def type_caption(description: str, type_label: str) -> str:
    """A history line's type under its description, unless the description already says it
    ("Rent" charged as rent says "Rent" once)."""
    return "" if description.strip().casefold() == type_label.strip().casefold() else type_label


def last_payment_words(account: balances.AccountSummary) -> str:
    """ "£483.00 on 2 November 2026: Universal Credit housing costs (paid to us directly)"."""
    if not account.last_payment_on or account.last_payment_pence is None:
        return "No payments yet"
    words = f"{format_pence(account.last_payment_pence)} on {uk_date_words(account.last_payment_on)}"
    return f"{words}: {account.last_payment_description}" if account.last_payment_description else words


def next_due_words(account: balances.AccountSummary) -> str:
    """ "£100.00 on 1 December 2026", or "Nothing due"."""
    if account.next_due_on and account.next_due_pence is not None:
        return f"{format_pence(account.next_due_pence)} on {uk_date_words(account.next_due_on)}"
    return "Nothing due"


def is_leasehold_account(account_type: str) -> bool:
    """Whether an account is a leaseholder's (service charge or major works)."""
    return account_type in LEASEHOLD_ACCOUNT_TYPES


def per_words(frequency: str) -> str:
    """ "a week", "a month", "a year" for a charge's frequency (anything else as it is)."""
    return _PER.get(frequency, frequency)


def benefit_eligible_words(eligible: bool | None) -> str:
    """Whether benefits can cover a charge, in words: "Yes", "No", or "Ask us" when the landlord has not said."""
    return _BENEFIT_ELIGIBLE[eligible]


def chart_summary(series: list[tuple[date, int]] | tuple[tuple[date, int], ...]) -> str:
    """The balance chart in words, for those who cannot see it: the period, the most owed
    and the most in credit (the first time of each, when a figure repeats).

    ``series`` is every balance to consider, in posting order: pass the balance after each
    posting (``ledger.balance_after_each``), not the chart's drawn points, which are
    sampled (always keeping the extremes), so that the words agree with the history. The account page reads
    the same words from its one read of the ledger (``ledger.balance_over_time``)."""
    if not series:
        return _words(None, None, None, None)
    high = max(series, key=lambda p: p[1])
    low = min(series, key=lambda p: p[1])
    return _words(series[0][0], series[-1][0], high, low)


def _chart_words(over: ledger.BalanceOverTime) -> str:
    """``chart_summary`` of a ledger read once (the same words: the extremes are the first
    posting after which the balance was highest and lowest)."""
    return _words(over.first_on, over.last_on, over.most_owed, over.least_owed)


def _words(first_on, last_on, high, low) -> str:
    if first_on is None:
        return "There are no payments or charges on this account yet."
    return (
        f"From {uk_date_words(first_on)} to {uk_date_words(last_on)}. "
        f"Most owed: {balance_display(high[1])} on {uk_date_words(high[0])}. "
        f"Most in credit or least owed: {balance_display(low[1])} on {uk_date_words(low[0])}."
    )


def lease_rows(lease: ledger.LeaseholderSummary) -> tuple[tuple[str, str], ...]:
    """A leaseholder's year as (name, value) rows: the estimate, ground rent, the last
    year-end and each major works account."""
    rows: list[tuple[str, str]] = []
    if lease.estimate_yearly_pence is not None:
        rows.append(
            (
                f"Estimated service charge {lease.year_label}",
                f"{format_pence(lease.estimate_yearly_pence)} a year "
                f"({format_pence(lease.estimate_monthly_pence or 0)} a month)",
            )
        )
    if lease.ground_rent_yearly_pence:
        rows.append(("Ground rent", f"{format_pence(lease.ground_rent_yearly_pence)} a year"))
    if lease.last_year_end is not None:
        rows.append((f"Year-end {lease.last_year_end.year_label}", lease.last_year_end.words))
    for works in lease.major_works:
        rows.append((f"Major works ({works.account_ref})", works.words))
    return tuple(rows)


def filter_words(date_from: date | None, date_to: date | None, type_group: str) -> str:
    """What a filtered history shows, in words ("Showing from 1 April 2025 to today, payments");
    empty when nothing is filtered."""
    words = []
    if date_from or date_to:
        words.append(
            f"from {uk_date_words(date_from) if date_from else 'the start'}"
            f" to {uk_date_words(date_to) if date_to else 'today'}"
        )
    if type_group:
        words.append(ledger.TYPE_GROUP_LABELS[type_group].lower())
    return ("Showing " + ", ".join(words)) if words else ""


def home_summaries(
    session: Session, caller: Caller, *, now: datetime, settings: Settings
) -> list[balances.AccountSummary]:
    """Every account the caller sees, summarised under the landlord's settings (who may see
    a tenancy's accounts, former tenants, a leaseholder's days to pay): the home page's
    cards, and the back office's view of the same resident."""
    return balances.account_summaries(
        session,
        person_id=caller.person_id,
        tenancy_id=caller.tenancy_id,
        today=uk_today(now),
        now=now,
        allow_former=settings.allow_former_tenants,
        roles=settings.eligible_roles,
        days_to_pay=settings.leasehold_bill_days_to_pay,
    )


@dataclass(frozen=True)
class AccountOverview:
    """Everything the account page shows about one account, above its history."""

    summary: balances.AccountSummary
    arrears: bool
    pending: tuple[ledger.PendingPayment, ...]
    pending_pence: int  # 0 when nothing is waiting
    after_pending_pence: int  # the balance once the pending payments are added
    explanations: tuple[str, ...]  # why a benefit payer can show a balance owed, or that part is arrears
    overdue_pence: int  # the part of the balance that is overdue (owed.standing)
    charges: ledger.ChargeBreakdown
    lease_explanation: tuple[str, ...]  # empty unless a leaseholder's account with a lease summary
    lease_rows: tuple[tuple[str, str], ...]
    series: tuple[tuple[date, int], ...]
    chart_summary: str


def _overview(
    session: Session, caller: Caller, account: ChosenAccount, *, now: datetime, settings: Settings
) -> AccountOverview | None:
    """The overview of an account ``access.choose_account`` chose for the caller: its
    ledger read once (``ledger.balance_over_time``), its summary alone (not every visible
    account's, to keep one), and each rule asked once."""
    del caller  # the choice was the caller's: nothing here asks who again
    today = uk_today(now)
    over = ledger.balance_over_time(session, account.account_id)
    found, standing, charges, tenancy = balances.account_summary(
        session,
        account.account_id,
        balance=over.balance_pence,
        today=today,
        now=now,
        days_to_pay=settings.leasehold_bill_days_to_pay,
    )
    pending = ledger.pending_payments(session, account.account_id)
    _ledger, pending_pence, after = ledger.balance_with_pending(
        session, account.account_id, balance=over.balance_pence, pending=pending
    )
    lease_explanation: tuple[str, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()
    if is_leasehold_account(account.account_type):
        lease = ledger.leaseholder_summary(session, account.tenancy_id, today)
        if lease is not None:
            lease_explanation, rows = tuple(lease.explanation), lease_rows(lease)
            # Each thing once: what the rows say (the year-end, each major works account)
            # is not said again as a paragraph.
            shown = {value for _name, value in rows}
            lease_explanation = tuple(p for p in lease_explanation if p not in shown)
    return AccountOverview(
        summary=found,
        arrears=is_arrears(standing.overdue_pence),
        pending=tuple(pending),
        pending_pence=pending_pence,
        after_pending_pence=after,
        explanations=benefit_explanations(standing, phone=settings.landlord_phone),
        overdue_pence=standing.overdue_pence,
        charges=ledger.breakdown_of(account.account_id, today, charges, tenancy),
        lease_explanation=lease_explanation,
        lease_rows=rows,
        series=over.chart,
        chart_summary=_chart_words(over),
    )


def benefit_explanations(standing: owed.Standing, *, phone: str) -> tuple[str, ...]:
    """Why a benefit payer's account shows a balance owed, only when benefits paid in
    arrears explain it (up to one payment of each benefit); when the balance is more than
    that, say plainly that the rest is arrears, and what help there is."""
    timing = standing.benefit
    if timing is None or standing.owed_pence == 0:
        return ()
    if standing.overdue_pence == 0:
        said = {"housing_benefit": ledger.HB_EXPLANATION, "universal_credit": ledger.UC_EXPLANATION}
        return tuple(said[k] for k in timing.kinds)
    return (owed.benefit_words(timing, standing.overdue_pence, phone=phone),)


def account_overview(
    session: Session, caller: Caller, wanted: str | None, remembered: str = "", *, now: datetime, settings: Settings
) -> tuple[AccountChoice, AccountOverview | None]:
    """The account page's figures for the account the caller asked for (or chose before)."""
    choice = choose_account(session, caller, wanted, remembered, today=uk_today(now), settings=settings)
    if choice.account is None:
        return choice, None
    return choice, _overview(session, caller, choice.account, now=now, settings=settings)


@dataclass(frozen=True)
class AccountPage:
    """What the account page's load shows: the overview and the first page of the history."""

    overview: AccountOverview
    history: ledger.HistoryPage


def account_page(
    session: Session,
    caller: Caller,
    wanted: str | None,
    remembered: str = "",
    *,
    now: datetime,
    settings: Settings,
    page_size: int,
) -> tuple[AccountChoice, AccountPage | None]:
    """The account page's load, one unit of work: the account chosen once (the one asked
    for, else the one chosen before), its overview and the first page of its history."""
    choice = choose_account(session, caller, wanted, remembered, today=uk_today(now), settings=settings)
    if choice.account is None:
        return choice, None
    overview = _overview(session, caller, choice.account, now=now, settings=settings)
    if overview is None:  # pragma: no cover - choose_account already proved it visible
        return choice, None
    first = ledger.history_page(session, choice.account.account_id, page=1, page_size=page_size)
    return choice, AccountPage(overview, first)


def history(
    session: Session,
    caller: Caller,
    wanted: str | None,
    remembered: str = "",
    *,
    date_from: date | None,
    date_to: date | None,
    type_group: str,
    page: int,
    page_size: int,
    today: date,
    settings: Settings,
) -> tuple[AccountChoice, ledger.HistoryPage | None]:
    """One page of the account's history, filtered by dates and a type group (a key of
    ``ledger.TYPE_GROUPS``, or "" for every type)."""
    choice = choose_account(session, caller, wanted, remembered, today=today, settings=settings)
    if choice.account is None:
        return choice, None
    types = ledger.TYPE_GROUPS.get(type_group) if type_group else None
    found = ledger.history_page(
        session,
        choice.account.account_id,
        date_from=date_from,
        date_to=date_to,
        types=types,
        page=page,
        page_size=page_size,
    )
    return choice, found
