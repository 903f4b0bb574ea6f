"""Payment plans (arrangements to pay off arrears): proposing one, following it, and the
nightly check that says whether it is kept. The sums are ``plan_rules.py``'s.

The rules:

* Only a resident whose account is in arrears (overdue money, ``owed.standing``) may
  propose a plan, on an account they may see (``accounts.access``), and only one plan may
  be running or waiting for a decision on an account at a time (``uq_payment_plan_live``).
* The plan is the regular charge plus an extra amount each period (weekly, fortnightly,
  four-weekly or monthly) from a start date; the page shows when the arrears would be
  cleared and what each payment is. At least ``PLAN_MIN_EXTRA_WEEKLY_PENCE`` a week
  towards the arrears (as that period's amount).
* A plan that clears within ``PLAN_APPROVAL_WEEKS`` (52) starts at once; a longer one
  waits for the income officer: it is a request of kind ``payment_plan`` in the back
  office's queue, and the officer's decision there (``requests.office.decide_request``)
  starts or declines the plan (``request_decided``). Officers also approve, decline and
  cancel plans here (``services/payments/office.py``).
* Kept or behind: expected balance = the balance when the plan was made - the instalments
  due so far (each counted ``owed.GRACE_DAYS`` after its date, as the account pages count
  instalments: a payment can take a few working days to reach the ledger) + the charges
  posted since; behind when the real balance (less card payments
  still pending) is above it. The nightly job records one check a day per running plan;
  a resident who falls behind gets one email, not one a night, and one who catches up is
  told; a plan whose arrears are cleared is completed (and they are told).

Nothing here commits.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app import routes
from portal_app.clock import to_uk, uk_date_words, uk_today
from portal_app.models import Account, MoneyRequest, PaymentPlan, PaymentPlanCheck, PortalUser, Tenancy, Transaction
from portal_app.services import audit
from portal_app.services.accounts import access, ledger, owed
from portal_app.services.mail import outbox
from portal_app.services.money import format_pence
from portal_app.services.payments import plan_rules as rules
from portal_app.services.requests.resident import parse_amount, weekly_charge
from portal_app.services.validation import parse_date_parts
from portal_app.settings import Settings

log = logging.getLogger(__name__)

PROPOSED, ACTIVE, COMPLETED, DECLINED, CANCELLED = "proposed", "active", "completed", "declined", "cancelled"
LIVE = (PROPOSED, ACTIVE)
STATUS_WORDS = {
    PROPOSED: "Waiting for your income officer to agree it",
    ACTIVE: "Running",
    COMPLETED: "Finished: your arrears are cleared",
    DECLINED: "Not agreed",
    CANCELLED: "Cancelled",
}
# The charges "charges since" counts: what the ledger adds to the balance.
CHARGE_TYPES = ("rent_charge", "service_charge", "other_charge", "recharge", "court_costs")
FREQUENCY_CHOICES = (
    ("weekly", "Every week"),
    ("fortnightly", "Every 2 weeks"),
    ("four_weekly", "Every 4 weeks"),
    ("monthly", "Every month"),
)
FIELD_ORDER = (rules.FIELD_ARREARS, rules.FIELD_FREQUENCY, rules.FIELD_EXTRA, rules.FIELD_START_DATE)


# ---------------------------------------------------------------------------
# What the pages are given
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanContext:
    account_ref: str
    account_label: str
    balance_pence: int
    arrears_pence: int
    weekly_charge_pence: int
    usual_frequency: str  # the tenancy's rent frequency, when it is one a plan can have
    live_plan: str  # the reference of a plan running or waiting on this account, or ""
    minimum_words: str  # "at least £2.50 a week"


@dataclass(frozen=True)
class PaymentLine:
    when: str  # "7 December 2026"
    amount: str  # "£110.00"
    note: str  # "£100.00 rent and £10.00 towards your arrears"


@dataclass(frozen=True)
class Proposal:
    """A plan worked out: what it would be, or what is wrong with what was typed."""

    errors: dict[str, str]
    summary: str = ""  # plan_rules.schedule_words
    payments: tuple[PaymentLine, ...] = ()  # the first few, and the last
    more: int = 0  # how many are not listed between them
    more_words: str = ""  # what those are, in words
    needs_approval: bool = False


@dataclass(frozen=True)
class Proposed:
    outcome: str  # started | waiting | invalid | refused | exists
    reference: str = ""
    errors: tuple[tuple[str, str], ...] = ()
    request_reference: str = ""
    email: str = ""


@dataclass(frozen=True)
class CheckLine:
    on: str
    words: str  # "On track" / "Behind by £12.50"


@dataclass(frozen=True)
class PlanView:
    reference: str
    account_ref: str
    status: str
    status_words: str
    terms_words: (
        str  # "£110.00 every week from 7 December 2026: £100.00 rent and £10.00 towards your arrears of £95.00"
    )
    standing_words: str  # "You are on track" / "You are behind by £10.00" / ""
    behind: bool
    next_words: str
    clears_words: str
    decision_note: str
    checks: tuple[CheckLine, ...]


# ---------------------------------------------------------------------------
# Reading the account
# ---------------------------------------------------------------------------


def _live_plan(session: Session, account_id: int) -> PaymentPlan | None:
    return session.exec(
        select(PaymentPlan).where(PaymentPlan.account_id == account_id, PaymentPlan.status.in_(LIVE))
    ).first()


def _standing(session: Session, account: access.ChosenAccount, today: date) -> tuple[int, int]:
    """(the balance less card payments still pending, what of it is overdue)."""
    _balance, pending, after = ledger.balance_with_pending(session, account.account_id)
    standing = owed.standing(session, account.account_id, account.account_type, after, today)
    del pending
    return after, standing.overdue_pence


def _usual_frequency(session: Session, tenancy_id: int) -> str:
    tenancy = session.get(Tenancy, tenancy_id)
    frequency = (tenancy.rent_frequency if tenancy else "") or "weekly"
    return frequency if frequency in rules.FREQUENCIES else "weekly"


def _minimum_words(settings: Settings) -> str:
    return f"at least {format_pence(settings.plan_min_extra_weekly_pence)} a week"


def plan_context(
    session: Session, caller, wanted: str | None, remembered: str = "", *, now: datetime, settings: Settings
) -> tuple[access.AccountChoice, PlanContext | None]:
    today = uk_today(now)

    def build(s: Session, account: access.ChosenAccount) -> PlanContext:
        balance, arrears = _standing(s, account, today)
        live = _live_plan(s, account.account_id)
        return PlanContext(
            account_ref=account.account_ref,
            account_label=account.label,
            balance_pence=balance,
            arrears_pence=arrears,
            weekly_charge_pence=weekly_charge(s, account.account_id, today),
            usual_frequency=_usual_frequency(s, account.tenancy_id),
            live_plan=live.reference if live else "",
            minimum_words=_minimum_words(settings),
        )

    return access.with_account(session, caller, wanted, remembered, today=today, settings=settings, then=build)


# ---------------------------------------------------------------------------
# Working a plan out, and proposing it
# ---------------------------------------------------------------------------


def _parse(form: dict[str, str], today: date) -> tuple[str, int | None, date | None, dict[str, str]]:
    errors: dict[str, str] = {}
    frequency = (form.get("frequency") or "").strip()
    if frequency not in rules.FREQUENCIES:
        errors[rules.FIELD_FREQUENCY] = "Select how often you will pay"
    extra = parse_amount(form.get("extra", ""))
    if not (form.get("extra") or "").strip():
        errors[rules.FIELD_EXTRA] = "Enter how much you will pay towards your arrears each time"
    elif extra is None:
        errors[rules.FIELD_EXTRA] = "Enter an amount in pounds and pence, like 10.00"
    start, problem = parse_date_parts(
        form.get("start_date_day", ""),
        form.get("start_date_month", ""),
        form.get("start_date_year", ""),
        label="The start date",
        today=date.max,
    )
    if problem:
        errors[rules.FIELD_START_DATE] = problem
    return frequency, extra, start, errors


def _terms(
    session: Session, account: access.ChosenAccount, frequency: str, extra: int, start: date, today: date
) -> rules.PlanTerms:
    balance, arrears = _standing(session, account, today)
    tenancy = session.get(Tenancy, account.tenancy_id)
    return rules.PlanTerms(
        start_balance_pence=balance,
        arrears_pence=arrears,
        regular_pence=rules.regular_per_period(weekly_charge(session, account.account_id, today), frequency),
        extra_pence=extra,
        frequency=frequency,
        start_date=start,
        rent_free_weeks=rules.rent_free_weeks_of(tenancy) if tenancy else frozenset(),
    )


def _payment_line(instalment: rules.Instalment) -> PaymentLine:
    parts = []
    if instalment.regular_pence:
        parts.append(f"{format_pence(instalment.regular_pence)} regular charge")
    elif instalment.rent_free_weeks:
        parts.append("no rent (a rent-free week)")
    parts.append(f"{format_pence(instalment.extra_pence)} towards your arrears")
    return PaymentLine(uk_date_words(instalment.due_on), format_pence(instalment.total_pence), " and ".join(parts))


def _work_out(
    session: Session, account: access.ChosenAccount, form: dict[str, str], *, today: date, settings: Settings
) -> tuple[rules.PlanTerms | None, rules.PlanSchedule | None, dict[str, str]]:
    frequency, extra, start, errors = _parse(form, today)
    if errors:
        return None, None, errors
    terms = _terms(session, account, frequency, extra, start, today)
    errors = rules.validate_terms(
        terms,
        today=today,
        minimum_weekly_pence=settings.plan_min_extra_weekly_pence,
        latest_start_days=settings.plan_latest_start_days,
    )
    if errors:
        return terms, None, errors
    return terms, rules.schedule(terms, approval_weeks=settings.plan_approval_weeks), {}


SHOWN_FIRST = 4


def _proposal(plan: rules.PlanSchedule) -> Proposal:
    lines = [_payment_line(i) for i in plan.instalments]
    shown = lines if len(lines) <= SHOWN_FIRST + 1 else [*lines[:SHOWN_FIRST], lines[-1]]
    more = len(lines) - len(shown)
    extra = format_pence(plan.terms.extra_pence)
    more_words = (
        f"Between these are {more} more payments: each is the regular charge and {extra} towards your arrears"
        + (f", or {extra} alone in a rent-free week." if plan.terms.rent_free_weeks else ".")
        if more
        else ""
    )
    return Proposal(
        errors={},
        summary=rules.schedule_words(plan),
        payments=tuple(shown),
        more=more,
        more_words=more_words,
        needs_approval=plan.needs_approval,
    )


def preview(
    session: Session, caller, account_ref: str, form: dict[str, str], *, now: datetime, settings: Settings
) -> tuple[access.AccountChoice, Proposal | None]:
    """What the plan typed in would be: when the arrears clear and each payment."""
    today = uk_today(now)

    def build(s: Session, account: access.ChosenAccount) -> Proposal:
        _terms_, plan, errors = _work_out(s, account, form, today=today, settings=settings)
        return Proposal(errors) if plan is None else _proposal(plan)

    return access.with_account(session, caller, account_ref, today=today, settings=settings, then=build)


def new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "PP-" + "".join(secrets.choice(alphabet) for _ in range(8))


def propose(
    session: Session, caller, account_ref: str, form: dict[str, str], *, now: datetime, settings: Settings
) -> Proposed:
    """Make the plan: running at once when it clears within the approval weeks, else
    waiting for the income officer (a ``payment_plan`` request in their queue). The
    resident is emailed either way."""
    today = uk_today(now)
    choice = access.choose_account(session, caller, account_ref, today=today, settings=settings)
    account = choice.account
    if account is None:
        return Proposed("refused")
    if _live_plan(session, account.account_id) is not None:
        return Proposed("exists")
    terms, plan, errors = _work_out(session, account, form, today=today, settings=settings)
    if plan is None or terms is None:
        return Proposed("invalid", errors=tuple(errors.items()))
    row = PaymentPlan(
        reference=new_reference(),
        account_id=account.account_id,
        user_id=caller.user_id,
        status=PROPOSED if plan.needs_approval else ACTIVE,
        frequency=terms.frequency,
        regular_pence=terms.regular_pence,
        extra_pence=terms.extra_pence,
        start_date=terms.start_date,
        start_balance_pence=terms.start_balance_pence,
        arrears_pence=terms.arrears_pence,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return Proposed("exists")
    user = session.get(PortalUser, caller.user_id)
    words = rules.schedule_words(plan)
    request_reference = ""
    if plan.needs_approval:
        from portal_app.services.requests import resident as requests  # noqa: PLC0415

        ack = requests.submit_payment_plan(
            session,
            user_id=caller.user_id,
            person_id=caller.person_id,
            tenancy_id=caller.tenancy_id,
            account_id=account.account_id,
            summary=f"Payment plan {row.reference}: {_terms_words(row)}",
            what_you_asked=words,
            details={"plan": row.reference},
            now=now,
            settings=settings,
        )
        request_reference = ack.reference
        request_id = session.exec(select(MoneyRequest.id).where(MoneyRequest.reference == ack.reference)).one()
        session.execute(update(PaymentPlan).where(PaymentPlan.id == row.id).values(request_id=request_id))
    else:
        _mail(session, user.email, "started", row, settings=settings, now=now, words=words)
    audit.record(
        session,
        action="payment_plan_proposed",
        actor_kind=audit.RESIDENT,
        actor_id=caller.user_id,
        subject_user_id=caller.user_id,
        target=row.reference,
        detail={"account": account.account_ref, "status": row.status, "extra_pence": row.extra_pence},
        now=now,
    )
    return Proposed(
        "waiting" if plan.needs_approval else "started",
        reference=row.reference,
        request_reference=request_reference,
        email=user.email,
    )


# ---------------------------------------------------------------------------
# Following plans
# ---------------------------------------------------------------------------


def _terms_of(session: Session, plan: PaymentPlan) -> rules.PlanTerms:
    account = session.get(Account, plan.account_id)
    tenancy = session.get(Tenancy, account.tenancy_id)
    return rules.PlanTerms(
        start_balance_pence=plan.start_balance_pence,
        arrears_pence=plan.arrears_pence,
        regular_pence=plan.regular_pence,
        extra_pence=plan.extra_pence,
        frequency=plan.frequency,
        start_date=plan.start_date,
        rent_free_weeks=rules.rent_free_weeks_of(tenancy) if tenancy else frozenset(),
    )


def _terms_words(plan: PaymentPlan) -> str:
    per = dict(FREQUENCY_CHOICES)[plan.frequency].lower()
    return (
        f"{format_pence(plan.regular_pence + plan.extra_pence)} {per} from {uk_date_words(plan.start_date)}: "
        f"the regular charge of {format_pence(plan.regular_pence)} and {format_pence(plan.extra_pence)} "
        f"towards arrears of {format_pence(plan.arrears_pence)}"
    )


def _charges_since(session: Session, account_id: int, after: date) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(Transaction.amount_pence), 0)).where(
            Transaction.account_id == account_id, Transaction.type.in_(CHARGE_TYPES), Transaction.posted_on > after
        )
    ).one()
    return int(total or 0)


def plan_check(session: Session, plan: PaymentPlan, today: date) -> rules.PlanCheck:
    """How a plan stands on ``today``, from the ledger."""
    account = session.get(Account, plan.account_id)
    chosen = access.ChosenAccount(
        account_id=account.id,
        account_ref=account.account_ref,
        account_type=account.account_type,
        tenancy_id=account.tenancy_id,
        label="",
        opened_on=account.opened_on,
    )
    real, overdue = _standing(session, chosen, today)
    return rules.check(
        _terms_of(session, plan),
        today=today,
        charges_since_pence=_charges_since(session, plan.account_id, to_uk(plan.created_at).date()),
        real_balance_pence=real,
        overdue_pence=overdue,
        grace_days=owed.GRACE_DAYS,
    )


def _check_line(row: PaymentPlanCheck) -> CheckLine:
    words = "On track" if row.kept else f"Behind by {format_pence(row.behind_by_pence)}"
    return CheckLine(uk_date_words(row.checked_on), words)


def my_plans(session: Session, caller, *, now: datetime, settings: Settings) -> list[PlanView]:
    """Every plan on the accounts this resident may see, newest first, with how each stands."""
    today = uk_today(now)
    visible = access.choose_account(session, caller, None, today=today, settings=settings).options
    refs = [o.ref for o in visible]
    if not refs:
        return []
    rows = session.exec(
        select(PaymentPlan, Account.account_ref)
        .join(Account, Account.id == PaymentPlan.account_id)
        .where(Account.account_ref.in_(refs))
        .order_by(PaymentPlan.created_at.desc(), PaymentPlan.id.desc())
    ).all()
    found = []
    for plan, account_ref in rows:
        standing = next_words = clears = ""
        behind = False
        if plan.status == ACTIVE:
            checked = plan_check(session, plan, today)
            standing = rules.check_words(checked)
            behind = not checked.kept and not checked.cleared
            next_words = rules.next_instalment_words(checked)
        if plan.status in LIVE:
            clears = rules.schedule_words(rules.schedule(_terms_of(session, plan), approval_weeks=10_000)).split(". ")[
                0
            ]
        checks = session.exec(
            select(PaymentPlanCheck)
            .where(PaymentPlanCheck.plan_id == plan.id)
            .order_by(PaymentPlanCheck.checked_on.desc())
            .limit(26)
        ).all()
        found.append(
            PlanView(
                reference=plan.reference,
                account_ref=account_ref,
                status=plan.status,
                status_words=STATUS_WORDS[plan.status],
                terms_words=_terms_words(plan),
                standing_words=standing,
                behind=behind,
                next_words=next_words,
                clears_words=clears,
                decision_note=plan.decision_note,
                checks=tuple(_check_line(c) for c in checks),
            )
        )
    return found


# ---------------------------------------------------------------------------
# Decisions (the officers' side: services/payments/office.py and the queue)
# ---------------------------------------------------------------------------


def decide(
    session: Session, plan: PaymentPlan, *, status: str, note: str, staff_id: int | None, now: datetime, settings
) -> bool:
    """Move a plan to ``status`` (active, declined, cancelled) once; the resident is emailed."""
    allowed_from = {ACTIVE: (PROPOSED,), DECLINED: (PROPOSED,), CANCELLED: LIVE}[status]
    done = session.execute(
        update(PaymentPlan)
        .where(PaymentPlan.id == plan.id, PaymentPlan.status.in_(allowed_from))
        .values(
            status=status,
            decided_at=now,
            decided_by_staff_id=staff_id,
            decision_note=(note or "")[:2000],
            ended_on=None if status == ACTIVE else uk_today(now),
        )
    )
    if done.rowcount != 1:
        return False
    session.refresh(plan)
    audit.record(
        session,
        action=f"payment_plan_{status}",
        actor_kind=audit.STAFF if staff_id else audit.SYSTEM,
        actor_id=staff_id,
        subject_user_id=plan.user_id,
        target=plan.reference,
        detail={"status": status},
        now=now,
    )
    if plan.user_id:
        email = session.get(PortalUser, plan.user_id).email
        _mail(
            session,
            email,
            {ACTIVE: "approved", DECLINED: "declined", CANCELLED: "cancelled"}[status],
            plan,
            settings=settings,
            now=now,
            words=note,
        )
    return True


def request_decided(
    session: Session, request: MoneyRequest, *, approved: bool, note: str, staff_id: int, now, settings
) -> None:
    """The back office decided a ``payment_plan`` request: start or decline its plan."""
    plan = session.exec(select(PaymentPlan).where(PaymentPlan.request_id == request.id)).first()
    if plan is not None:
        decide(
            session,
            plan,
            status=ACTIVE if approved else DECLINED,
            note=note,
            staff_id=staff_id,
            now=now,
            settings=settings,
        )


# ---------------------------------------------------------------------------
# The nightly check
# ---------------------------------------------------------------------------


def check_plan(session: Session, plan: PaymentPlan, *, now: datetime, settings: Settings) -> str:
    """Record today's check of a running plan (once a day) and tell the resident when it
    changes: behind (once), caught up (once), cleared (the plan completes). Returns what
    happened: "", "behind", "caught_up", "completed" or "checked"."""
    today = uk_today(now)
    checked = plan_check(session, plan, today)
    try:
        with session.begin_nested():
            session.add(
                PaymentPlanCheck(
                    plan_id=plan.id,
                    checked_on=today,
                    expected_balance_pence=checked.expected_balance_pence,
                    real_balance_pence=checked.real_balance_pence,
                    kept=checked.kept,
                    behind_by_pence=checked.behind_by_pence,
                )
            )
    except IntegrityError:
        return ""  # checked today already
    email = session.get(PortalUser, plan.user_id).email if plan.user_id else None
    if checked.cleared:
        session.execute(
            update(PaymentPlan)
            .where(PaymentPlan.id == plan.id)
            .values(status=COMPLETED, ended_on=today, standing="kept")
        )
        if email:
            _mail(session, email, "completed", plan, settings=settings, now=now)
        return "completed"
    if not checked.kept and not plan.told_behind:
        session.execute(
            update(PaymentPlan).where(PaymentPlan.id == plan.id).values(standing="behind", told_behind=True)
        )
        if email:
            _mail(session, email, "behind", plan, settings=settings, now=now, words=rules.check_words(checked))
        return "behind"
    if checked.kept and plan.told_behind:
        session.execute(update(PaymentPlan).where(PaymentPlan.id == plan.id).values(standing="kept", told_behind=False))
        if email:
            _mail(session, email, "caught_up", plan, settings=settings, now=now)
        return "caught_up"
    session.execute(
        update(PaymentPlan).where(PaymentPlan.id == plan.id).values(standing="kept" if checked.kept else "behind")
    )
    return "checked"


def running_plans(session: Session) -> list[int]:
    return list(session.exec(select(PaymentPlan.id).where(PaymentPlan.status == ACTIVE).order_by(PaymentPlan.id)).all())


# ---------------------------------------------------------------------------
# Emails
# ---------------------------------------------------------------------------


def _mail(
    session: Session, to: str, kind: str, plan: PaymentPlan, *, settings: Settings, now: datetime, words: str = ""
) -> None:
    from portal_app.services.mail import templates  # noqa: PLC0415

    content = templates.payment_plan(
        kind=kind,
        reference=plan.reference,
        terms=_terms_words(plan),
        words=words,
        link=f"{settings.base_url}{routes.PAYMENT_PLANS}",
        settings=settings,
    )
    outbox.queue_mail(session, to=to, subject=content.subject, body=content.body, kind=f"payment_plan_{kind}", now=now)


__all__ = [
    "ACTIVE",
    "CANCELLED",
    "COMPLETED",
    "DECLINED",
    "PROPOSED",
    "decide",
    "my_plans",
    "plan_context",
    "preview",
    "propose",
    "request_decided",
]
