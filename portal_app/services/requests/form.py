"""The new-request form's units of work: what the form needs about the account the
resident asked about, and sending what they filled in.

Both go through ``services/accounts/access.py`` first, in the same unit of work, so the
request services (``resident.py``) are only ever handed an account the caller may see
(they check it again themselves). No reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from portal_app.clock import uk_today
from portal_app.services.accounts.access import AccountChoice, ChosenAccount, choose_account
from portal_app.services.requests import resident
from portal_app.settings import Settings


@dataclass(frozen=True)
class FormContext:
    """What the form shows for the chosen account."""

    account: ChosenAccount
    context: resident.RequestContext
    transactions: tuple[resident.TransactionChoice, ...]  # for "which payment or charge": an older one asked for first
    chosen_transaction: str  # the asked-for transaction's id when it is on this account, else ""
    standing_order: resident.StandingOrderDetails
    refund: resident.RefundLimit


@dataclass(frozen=True)
class SubmitOutcome:
    choice: AccountChoice
    result: resident.SubmitResult | None  # None when there was no account to send it about, or not_yours
    not_yours: bool = False  # the account or the transaction named is not the caller's


def _common(principal, account: ChosenAccount, now: datetime, settings: Settings) -> dict:
    return dict(
        user_id=principal.user_id,
        person_id=principal.person_id,
        tenancy_id=principal.tenancy_id,
        account_id=account.account_id,
        now=now,
        settings=settings,
    )


def form_context(
    session: Session,
    principal,
    wanted: str | None,
    remembered: str = "",
    *,
    transaction: str,
    now: datetime,
    settings: Settings,
) -> tuple[AccountChoice, FormContext | None]:
    """The form's account (the one asked for, or chosen before) and what it needs about
    it. ``transaction`` is the id the page's address asked about: kept only when it is
    on this account (an older line, picked from the full history, is added to the list)."""
    choice = choose_account(session, principal, wanted, remembered, today=uk_today(now), settings=settings)
    account = choice.account
    if account is None:
        return choice, None
    common = _common(principal, account, now, settings)
    context = resident.request_context(session, **common)
    options = list(context.recent_transactions)
    chosen = ""
    if transaction.isdigit():
        if not any(str(t.transaction_id) == transaction for t in options):
            try:
                options.insert(0, resident.transaction_choice(session, transaction_id=int(transaction), **common))
            except resident.NotYours:
                pass
        if any(str(t.transaction_id) == transaction for t in options):
            chosen = transaction
    return choice, FormContext(
        account=account,
        context=context,
        transactions=tuple(options),
        chosen_transaction=chosen,
        standing_order=resident.standing_order_details(settings, account.account_ref, account.account_type),
        refund=resident.refund_limit(session, account.account_id, context.today, settings),
    )


def _submit_kind(
    session: Session, kind: str, form: dict[str, str], choices: dict[str, str], common: dict
) -> resident.SubmitResult:
    c = choices
    if kind == resident.QUERY:
        raw = form.get("transaction_id", "")
        return resident.submit_query(
            session, message=form.get("message", ""), transaction_id=int(raw) if raw.isdigit() else None, **common
        )
    if kind == resident.STANDING_ORDER:
        return resident.submit_standing_order(
            session, post_to_address=c.get("post_to_address"), other_address=form.get("other_address", ""), **common
        )
    if kind == resident.REFUND:
        return resident.submit_refund(
            session,
            amount=form.get("amount", ""),
            bank_account_name=form.get("bank_account_name", ""),
            sort_code=form.get("sort_code", ""),
            bank_account_number=form.get("bank_account_number", ""),
            **common,
        )
    if kind == resident.BENEFITS_ADVICE:
        return resident.submit_benefits_advice(
            session,
            topic=c.get("topic", ""),
            best_time=c.get("best_time", ""),
            contact_by=c.get("contact_by", ""),
            phone=form.get("phone", ""),
            email=form.get("email", ""),
            note=form.get("note", ""),
            **common,
        )
    return resident.submit_paper_statement(
        session,
        from_day=form.get("period_from_day", ""),
        from_month=form.get("period_from_month", ""),
        from_year=form.get("period_from_year", ""),
        to_day=form.get("period_to_day", ""),
        to_month=form.get("period_to_month", ""),
        to_year=form.get("period_to_year", ""),
        post_to_address=c.get("post_to_address"),
        other_address=form.get("other_address", ""),
        **common,
    )


def submit_request(
    session: Session,
    principal,
    wanted: str | None,
    *,
    kind: str,
    form: dict[str, str],
    choices: dict[str, str],
    now: datetime,
    settings: Settings,
) -> SubmitOutcome:
    """Send a request of ``kind`` about the account ``wanted``, from the form's fields and
    its radio ``choices``. Nothing is written unless it is made: a request with errors,
    and one about an account or transaction that is not the caller's, are rolled back."""
    choice = choose_account(session, principal, wanted, wanted or "", today=uk_today(now), settings=settings)
    if choice.account is None:
        return SubmitOutcome(choice, None)
    try:
        result = _submit_kind(session, kind, form, choices, _common(principal, choice.account, now, settings))
    except resident.NotYours:
        session.rollback()
        return SubmitOutcome(choice, None, not_yours=True)
    if not result.ok:
        session.rollback()
    return SubmitOutcome(choice, result)
