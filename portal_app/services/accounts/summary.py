"""What the account pages say about one account: the words and the decisions behind them.

The home page and the account page show what this module decides (is it arrears, is it
a leaseholder's account, how the balance chart reads in words); the pages only format
and show it. ``account_overview`` and ``history`` are the account page's units of work:
each goes through ``access.choose_account`` first, so they only ever read an account
the caller may see.
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
    posting (``ledger.balance_after_each``), not the chart's drawn points, which are one
    per day and sampled, so that the words agree with the history."""
    if not series:
        return "There are no payments or charges on this account yet."
    high = max(series, key=lambda p: p[1])
    low = min(series, key=lambda p: p[1])
    return (
        f"From {uk_date_words(series[0][0])} to {uk_date_words(series[-1][0])}. "
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
    today = uk_today(now)
    summary = next(
        (
            a
            for a in balances.account_summaries(
                session,
                person_id=caller.person_id,
                tenancy_id=caller.tenancy_id,
                today=today,
                now=now,
                allow_former=settings.allow_former_tenants,
                roles=settings.eligible_roles,
            )
            if a.account_id == account.account_id
        ),
        None,
    )
    if summary is None:  # pragma: no cover - choose_account already proved it visible
        return None
    _ledger, pending_pence, after = ledger.balance_with_pending(session, account.account_id)
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
    series = tuple(ledger.balance_series(session, account.account_id))
    standing = owed.standing(session, account.account_id, account.account_type, summary.balance_pence, today)
    return AccountOverview(
        summary=summary,
        arrears=is_arrears(standing.overdue_pence),
        pending=tuple(ledger.pending_payments(session, account.account_id)),
        pending_pence=pending_pence,
        after_pending_pence=after,
        explanations=benefit_explanations(standing, phone=settings.landlord_phone),
        overdue_pence=standing.overdue_pence,
        charges=ledger.charge_breakdown(session, account.account_id, today),
        lease_explanation=lease_explanation,
        lease_rows=rows,
        series=series,
        chart_summary=chart_summary(ledger.balance_after_each(session, account.account_id)),
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
