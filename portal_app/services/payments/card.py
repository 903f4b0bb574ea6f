"""Paying by card, exactly once.

The journey (``pages/payments/pay.py``, ``api/payments.py``):

1. The resident chooses an account they may see (``accounts.access``) and an amount (the
   balance, the overdue part, or their own; between ``PAYMENT_MIN_PENCE`` and
   ``PAYMENT_MAX_PENCE``), then checks their answers.
2. "Continue to payment" calls ``start``: the payment row is written now, ``created``,
   with the idempotency key the provider will be sent and the hash of a random return
   key, before the resident leaves. The same press arriving twice (its ``attempt_key``)
   finds the same row; a second tab, Back or a refresh finds the unfinished payment
   (one per resident and account: the ``uq_portal_payment_open`` index) and is offered
   it, never a second one.
3. The browser goes through the cookie handoff (the return key into an HttpOnly,
   ``SameSite=Lax`` cookie) to ``go``, which creates the payment at the provider (the
   same idempotency key on every try, so a retry or a second ``go`` gets the same
   payment; and it claims the row, ``created`` to ``sent``, before asking, since GOV.UK
   Pay honours the key only for recurring payments), and sends the resident to the
   provider's card page.
   ``next_url`` is never stored, logged or put in any Reflex state.
4. The provider sends the resident back to ``/api/payments/return``, which finds the
   payment by the cookie's key (never by anything in the address), asks the provider
   for its status and ``settle``s it; the receipt page then shows what happened.
5. A resident who never comes back (closed the tab, lost signal, the server restarted)
   is settled by ``jobs.settle_unfinished``; a signed notification from the provider
   settles it too. ``settle`` moves a payment out of ``created``/``sent`` once, in one
   conditional UPDATE, so whichever of the return, the notification and the job gets
   there first settles it and queues the receipt email; the others change nothing.

Provider calls never happen inside a database transaction: the functions that make them
take the engine and open short units of work around the call.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app import routes
from portal_app.clock import uk_time_words
from portal_app.integrations import payments as providers
from portal_app.integrations.payments import base
from portal_app.models import Account, PaymentNotification, PortalPayment, PortalUser
from portal_app.models.payments import OPEN_STATUSES
from portal_app.services import audit, tokens
from portal_app.services.accounts import access, balances, ledger, owed
from portal_app.services.mail import outbox
from portal_app.services.money import MoneyFormatError, format_pence, parse_pounds
from portal_app.settings import Settings

log = logging.getLogger(__name__)

RETURN_PURPOSE = "payment-return"
# Our status for each of the provider's finished states.
FINISHED_AS = {base.SUCCESS: "pending", base.FAILED: "failed", base.CANCELLED: "cancelled", base.ERROR: "error"}
# A payment never sent to the provider is given up after this (the resident never reached a card page).
NEVER_SENT_AFTER = timedelta(hours=2)

CHOICE_BALANCE, CHOICE_OVERDUE, CHOICE_OTHER = "balance", "overdue", "other"
CHOICES = (CHOICE_BALANCE, CHOICE_OVERDUE, CHOICE_OTHER)


# ---------------------------------------------------------------------------
# What the pages are given
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenPayment:
    reference: str
    amount_pence: int
    started_words: str  # "at 10:02 on 3 December 2026"


@dataclass(frozen=True)
class PayForm:
    account_ref: str
    account_label: str
    balance_pence: int  # the ledger's balance less payments still pending
    overdue_pence: int  # arrears: the overdue part (0 when nothing is overdue)
    pending_pence: int  # paid in the portal, not yet on the account
    min_pence: int
    max_pence: int
    open_payment: OpenPayment | None


@dataclass(frozen=True)
class AmountCheck:
    amount_pence: int | None
    errors: dict[str, str]


@dataclass(frozen=True)
class Started:
    """What ``start`` did: ``ready`` with the return key for the payment cookie; ``open``
    when an unfinished payment is in the way (``open_payment``); ``refused`` for an
    account the resident may not see; ``invalid`` with ``errors``."""

    outcome: str  # ready | open | refused | invalid
    reference: str = ""
    return_key: str = ""
    open_payment: OpenPayment | None = None
    errors: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What the receipt page shows for one of the resident's payments."""

    reference: str
    status: str  # pending | posted | failed | cancelled | error | created | sent
    amount_pence: int
    account_ref: str
    account_label: str
    paid_at_words: str  # "10:04 on 3 December 2026", UK time
    provider_reference: str
    auth_code: str
    card_words: str  # "Visa ending 1111"
    failure_code: str
    email: str

    @property
    def taken(self) -> bool:
        return self.status in ("pending", "posted")


# ---------------------------------------------------------------------------
# Choosing what to pay
# ---------------------------------------------------------------------------


def _open_payment(session: Session, account_id: int, user_id: int) -> PortalPayment | None:
    return session.exec(
        select(PortalPayment).where(
            PortalPayment.account_id == account_id,
            PortalPayment.user_id == user_id,
            PortalPayment.status.in_(OPEN_STATUSES),
        )
    ).first()


def _open_words(row: PortalPayment, now: datetime) -> OpenPayment:
    del now
    return OpenPayment(row.reference, row.amount_pence, f"at {uk_time_words(row.created_at)}")


def pay_form(
    session: Session,
    caller,
    wanted: str | None,
    remembered: str = "",
    *,
    now: datetime,
    today: date,
    settings: Settings,
) -> tuple[access.AccountChoice, PayForm | None]:
    """The account to pay and what it owes now."""

    def build(s: Session, account: access.ChosenAccount) -> PayForm:
        balance, pending, after = ledger.balance_with_pending(s, account.account_id)
        standing = owed.standing(s, account.account_id, account.account_type, balance, today)
        open_row = _open_payment(s, account.account_id, caller.user_id)
        return PayForm(
            account_ref=account.account_ref,
            account_label=account.label,
            balance_pence=max(0, after),
            overdue_pence=max(0, min(standing.overdue_pence - pending, after)),
            pending_pence=pending,
            min_pence=settings.payment_min_pence,
            max_pence=settings.payment_max_pence,
            open_payment=_open_words(open_row, now) if open_row else None,
        )

    return access.with_account(session, caller, wanted, remembered, today=today, settings=settings, then=build)


def check_amount(form: PayForm, choice: str, other: str) -> AmountCheck:
    """The amount the resident chose, or a message next to the field that was wrong."""
    if choice == CHOICE_BALANCE and form.balance_pence > 0:
        amount = form.balance_pence
    elif choice == CHOICE_OVERDUE and form.overdue_pence > 0:
        amount = form.overdue_pence
    elif choice == CHOICE_OTHER or (choice == "" and other.strip()):
        text = other.strip().replace("£", "").replace(",", "")
        if not text:
            return AmountCheck(None, {"other_amount": "Enter the amount you want to pay"})
        if "." not in text and text.isdigit():
            text += ".00"
        elif text.count(".") == 1 and len(text.rsplit(".", 1)[1]) == 1:
            text += "0"
        try:
            amount = parse_pounds(text)
        except MoneyFormatError:
            return AmountCheck(None, {"other_amount": "Enter an amount in pounds and pence, like 25.00"})
    else:
        return AmountCheck(None, {"choice": "Choose how much you want to pay"})
    field = "other_amount" if choice != CHOICE_BALANCE and choice != CHOICE_OVERDUE else "choice"
    if amount < form.min_pence:
        return AmountCheck(None, {field: f"The amount must be at least {format_pence(form.min_pence)}"})
    if amount > form.max_pence:
        return AmountCheck(
            None, {field: f"You can pay up to {format_pence(form.max_pence)} at a time online. Phone us to pay more."}
        )
    return AmountCheck(amount, {})


# ---------------------------------------------------------------------------
# Starting a payment
# ---------------------------------------------------------------------------


def new_reference() -> str:
    """Our reference for a payment: on the receipt, the finance export and, once the feed
    posts it, the statement. No 0/O or 1/I, so it can be read out over the phone."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "DP-" + "".join(secrets.choice(alphabet) for _ in range(10))


def _rotate_return_key(session: Session, payment_id: int) -> str:
    key = tokens.new_token()
    session.execute(
        update(PortalPayment)
        .where(PortalPayment.id == payment_id)
        .values(return_key_hash=tokens.hash_token(key, purpose=RETURN_PURPOSE))
    )
    return key


def start(
    session: Session,
    caller,
    account_ref: str,
    amount_pence: int,
    *,
    attempt_key: str,
    now: datetime,
    today: date,
    settings: Settings,
) -> Started:
    """Write the payment, ``created``, before the resident leaves for the card page.

    The same ``attempt_key`` (one check-your-answers page) arriving again, at the same
    time or later, finds the payment it made; any other unfinished payment of this
    resident on this account is ``open`` and offered instead of a second one."""
    choice = access.choose_account(session, caller, account_ref, today=today, settings=settings)
    if choice.account is None:
        return Started("refused")
    account = choice.account
    if not settings.payment_min_pence <= amount_pence <= settings.payment_max_pence:
        return Started("invalid", errors=(("other_amount", "Choose the amount again"),))
    attempt_key = (attempt_key or "")[:64]
    if not attempt_key:
        return Started("invalid", errors=(("choice", "Choose the amount again"),))
    open_row = _open_payment(session, account.account_id, caller.user_id)
    if open_row is not None:
        if open_row.attempt_key == attempt_key and open_row.status == "created":
            # This very press again (a resend after a dropped connection): carry on with it.
            return Started("ready", open_row.reference, _rotate_return_key(session, open_row.id))
        return Started("open", open_payment=_open_words(open_row, now))
    key = tokens.new_token()
    row = PortalPayment(
        reference=new_reference(),
        account_id=account.account_id,
        user_id=caller.user_id,
        amount_pence=amount_pence,
        status="created",
        created_at=now,
        attempt_key=attempt_key,
        idempotency_key=str(uuid.uuid4()),
        provider=settings.payment_provider,
        return_key_hash=tokens.hash_token(key, purpose=RETURN_PURPOSE),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another press of the same page, or another tab, wrote its payment first.
        session.expunge(row) if row in session else None
        found = _open_payment(session, account.account_id, caller.user_id)
        if found is None:  # it has finished already: this press is the same attempt's
            return Started("open", open_payment=None)
        return Started("open", open_payment=_open_words(found, now))
    audit.record(
        session,
        action="payment_started",
        actor_kind=audit.RESIDENT,
        actor_id=caller.user_id,
        subject_user_id=caller.user_id,
        target=row.reference,
        detail={"account": account.account_ref, "amount_pence": amount_pence, "provider": row.provider},
        now=now,
    )
    return Started("ready", row.reference, key)


def resume(session: Session, caller, account_ref: str, *, today: date, settings: Settings) -> Started:
    """ "Continue to the card page" for the resident's unfinished payment on this account:
    a fresh return key for the cookie (the old cookie may be gone)."""
    choice = access.choose_account(session, caller, account_ref, today=today, settings=settings)
    if choice.account is None:
        return Started("refused")
    row = _open_payment(session, choice.account.account_id, caller.user_id)
    if row is None:
        return Started("invalid", errors=(("choice", "That payment has finished. Choose the amount again."),))
    return Started("ready", row.reference, _rotate_return_key(session, row.id))


# ---------------------------------------------------------------------------
# Going to the card page, and coming back
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Go:
    """Where ``go`` sends the browser: the card page (``next_url``, never stored) or our
    receipt page (``reference``), or nowhere useful (``problem``)."""

    next_url: str = ""
    reference: str = ""
    problem: str = ""  # unknown | unavailable | refused


def _by_return_key(session: Session, return_key: str | None) -> PortalPayment | None:
    if not return_key or len(return_key) > 200:
        return None
    wanted = tokens.hash_token(return_key, purpose=RETURN_PURPOSE)
    return session.exec(select(PortalPayment).where(PortalPayment.return_key_hash == wanted)).first()


def _description(settings: Settings, account_ref: str) -> str:
    return f"{settings.landlord_name}: payment to account {account_ref}"


def _host_allowed(next_url: str, provider: base.PaymentProvider) -> bool:
    from urllib.parse import urlparse  # noqa: PLC0415

    parsed = urlparse(next_url)
    return parsed.scheme in ("https", "http") and parsed.netloc in provider.allowed_hosts


def go(engine: Engine, return_key: str | None, user_id: int | None, *, now: datetime, settings: Settings) -> Go:
    """Create the payment at the provider (once: the stored idempotency key) and say
    where to send the browser. ``user_id`` is whoever the browser's session is: the
    payment must be theirs. A payment already sent (Back, a refresh) is not sent again:
    the card page's address works once, so the resident goes to the receipt page,
    which says what happened."""
    with Session(engine) as s:
        row = _by_return_key(s, return_key)
        if row is None or user_id is None or row.user_id != user_id:
            return Go(problem="unknown")
        if row.status != "created":
            return Go(reference=row.reference)
        account_ref = s.get(Account, row.account_id).account_ref
        email = s.get(PortalUser, row.user_id).email
        payment_id, reference, amount, key, provider_name = (
            row.id,
            row.reference,
            row.amount_pence,
            row.idempotency_key,
            row.provider,
        )
    with Session(engine) as s:
        # Claim it first: GOV.UK Pay honours an Idempotency-Key only for recurring payments,
        # so two ``go``s at once (two tabs sharing the cookie) must not both create one.
        claimed = s.execute(
            update(PortalPayment)
            .where(PortalPayment.id == payment_id, PortalPayment.status == "created")
            .values(status="sent", sent_at=now)
        )
        s.commit()
        if claimed.rowcount != 1:
            return Go(reference=reference)
    provider = providers.provider_named(provider_name, settings)
    try:
        created = provider.create(
            amount_pence=amount,
            reference=reference,
            description=_description(settings, account_ref),
            return_url=settings.base_url + routes.API_PAYMENT_RETURN,
            idempotency_key=key,
            language="en",
            email=email,
        )
    except base.ProviderUnavailable as exc:
        log.warning("payment %s: the provider is unavailable: %s", reference, exc)
        with Session(engine) as s:
            # Nothing reached a card page: the resident may try again from "created".
            s.execute(
                update(PortalPayment)
                .where(
                    PortalPayment.id == payment_id, PortalPayment.status == "sent", PortalPayment.provider_id.is_(None)
                )
                .values(status="created", sent_at=None)
            )
            s.commit()
        return Go(reference=reference, problem="unavailable")
    except base.ProviderRefused as exc:
        log.error("payment %s: the provider refused to create it: %s", reference, exc)
        with Session(engine) as s:
            _finish(s, payment_id, "error", base.ERROR, failure_code="refused", now=now)
            s.commit()
        return Go(reference=reference, problem="refused")
    with Session(engine) as s:
        s.execute(
            update(PortalPayment)
            .where(PortalPayment.id == payment_id)
            .values(provider_id=created.provider_id, provider_state=base.CREATED)
        )
        s.commit()
    if not _host_allowed(created.next_url, provider):
        log.error("payment %s: the provider's card page is not on an allowed host", reference)
        return Go(reference=reference, problem="refused")
    return Go(next_url=created.next_url, reference=reference)


def returned(engine: Engine, return_key: str | None, *, now: datetime, settings: Settings) -> str | None:
    """The resident is back from the card page: settle their payment from the provider's
    status; its reference for the receipt page, or None when the cookie matches nothing."""
    with Session(engine) as s:
        row = _by_return_key(s, return_key)
        if row is None:
            return None
        payment_id, reference = row.id, row.reference
    settle_from_provider(engine, payment_id, now=now, settings=settings)
    return reference


# ---------------------------------------------------------------------------
# Settling: exactly once, whoever gets there first
# ---------------------------------------------------------------------------


def _finish(session: Session, payment_id: int, status: str, state: str, *, now: datetime, **values) -> bool:
    done = session.execute(
        update(PortalPayment)
        .where(PortalPayment.id == payment_id, PortalPayment.status.in_(OPEN_STATUSES))
        .values(status=status, provider_state=state, settled_at=now, last_checked_at=now, **values)
    )
    return done.rowcount == 1


def settle(session: Session, payment_id: int, found: base.PaymentStatus, *, now: datetime, settings: Settings) -> bool:
    """Apply the provider's status to an unfinished payment. True when this call finished
    it (and, when taken, queued the receipt email in the same transaction); False when
    it was finished already, or is still in progress (its last check is noted)."""
    row = session.get(PortalPayment, payment_id)
    if row is None:
        return False
    if not found.finished:
        session.execute(
            update(PortalPayment)
            .where(PortalPayment.id == payment_id, PortalPayment.status.in_(OPEN_STATUSES))
            .values(provider_state=found.state, last_checked_at=now)
        )
        return False
    status = FINISHED_AS[found.state]
    if status == "pending" and found.amount_pence != row.amount_pence:
        # Never believe a success for another amount: leave it for an officer.
        log.error(
            "payment %s: the provider reports %d pence, we asked for %d",
            row.reference,
            found.amount_pence,
            row.amount_pence,
        )
        status = "error"
    if not _finish(
        session,
        payment_id,
        status,
        found.state,
        now=now,
        failure_code=found.failure_code[:20],
        provider_reference=found.provider_reference[:100],
        auth_code=found.auth_code[:100],
        card_brand=found.card_brand[:40],
        last_digits=found.last_digits[-4:],
    ):
        return False
    audit.record(
        session,
        action=f"payment_{status}",
        actor_kind=audit.SYSTEM,
        subject_user_id=row.user_id,
        target=row.reference,
        detail={"amount_pence": row.amount_pence, "provider_state": found.state, "why_not_taken": found.failure_code},
        now=now,
    )
    if status == "pending":
        session.refresh(row)
        _queue_receipt(session, row, settings=settings, now=now)
    return True


def settle_from_provider(engine: Engine, payment_id: int, *, now: datetime, settings: Settings) -> str:
    """Ask the provider about one of our unfinished payments and settle it; its status now."""
    with Session(engine) as s:
        row = s.get(PortalPayment, payment_id)
        if row is None:
            return ""
        if row.status not in OPEN_STATUSES:
            return row.status
        if row.status == "created" or not row.provider_id:
            if now - row.created_at >= NEVER_SENT_AFTER:
                _finish(s, payment_id, "cancelled", "", now=now, failure_code="never_sent")
                s.commit()
                return "cancelled"
            return row.status
        provider_name, provider_id = row.provider, row.provider_id
    try:
        found = providers.provider_named(provider_name, settings).status(provider_id)
    except (base.ProviderUnavailable, base.ProviderRefused) as exc:
        log.warning("payment %d: could not get its status: %s", payment_id, exc)
        return "sent"
    with Session(engine) as s:
        settle(s, payment_id, found, now=now, settings=settings)
        s.commit()
        return s.get(PortalPayment, payment_id).status


def cancel_open(engine: Engine, caller, account_ref: str, *, now: datetime, today: date, settings: Settings) -> bool:
    """ "Cancel it and start again": end the resident's unfinished payment on this account.
    One the provider has already taken is settled as taken instead (never cancelled)."""
    with Session(engine) as s:
        choice = access.choose_account(s, caller, account_ref, today=today, settings=settings)
        if choice.account is None:
            return False
        row = _open_payment(s, choice.account.account_id, caller.user_id)
        if row is None:
            return True
        payment_id, provider_name, provider_id, status = row.id, row.provider, row.provider_id, row.status
        if status == "created" or not provider_id:
            _finish(s, payment_id, "cancelled", "", now=now, failure_code="never_sent")
            s.commit()
            return True
    provider = providers.provider_named(provider_name, settings)
    try:
        provider.cancel(provider_id)
    except base.ProviderRefused:
        pass  # finished at the provider already: its status says how
    except base.ProviderUnavailable:
        return False
    settle_from_provider(engine, payment_id, now=now, settings=settings)
    return True


def cancel_open_here(caller, account_ref: str, *, now: datetime, today: date, settings: Settings) -> bool:
    """``cancel_open`` on the portal's engine, for a page's handler (run it off the event loop)."""
    from portal_app.db import get_engine  # noqa: PLC0415

    return cancel_open(get_engine(), caller, account_ref, now=now, today=today, settings=settings)


def refresh_here(caller, reference: str, *, now: datetime, settings: Settings) -> None:
    """Ask the provider again about one of the caller's own unfinished payments (the
    receipt page, when the resident is back before the provider has finished)."""
    from portal_app.db import get_engine  # noqa: PLC0415

    engine = get_engine()
    with Session(engine) as s:
        row = s.exec(select(PortalPayment).where(PortalPayment.reference == (reference or "")[:64])).first()
        if row is None or row.user_id != caller.user_id or row.status not in OPEN_STATUSES:
            return
        payment_id = row.id
    settle_from_provider(engine, payment_id, now=now, settings=settings)


def notified(
    engine: Engine, provider_name: str, body: bytes, headers, *, now: datetime, settings: Settings
) -> bool | None:
    """A provider's notification: None when its signature is wrong (refused), else True.
    A repeat (the same event id) is counted once; the payment's status is always read
    back from the provider, so notifications in any order settle it rightly."""
    if provider_name not in providers.NAMES:
        return None
    provider = providers.provider_named(provider_name, settings)
    notice = provider.verify_notification(body, headers)
    if notice is None:
        return None
    with Session(engine) as s:
        if notice.event_id:
            try:
                with s.begin_nested():
                    s.add(
                        PaymentNotification(
                            provider=provider_name,
                            event_id=notice.event_id[:100],
                            provider_id=notice.provider_id[:64],
                            received_at=now,
                        )
                    )
            except IntegrityError:
                return True  # seen before
        row = s.exec(
            select(PortalPayment).where(
                PortalPayment.provider == provider_name, PortalPayment.provider_id == notice.provider_id
            )
        ).first()
        s.commit()
        if row is None:
            return True
        payment_id = row.id
    settle_from_provider(engine, payment_id, now=now, settings=settings)
    return True


def unfinished(session: Session, *, older_than: datetime, limit: int = 200) -> list[int]:
    """Payments still ``created`` or ``sent`` that began before ``older_than``, oldest first."""
    return list(
        session.exec(
            select(PortalPayment.id)
            .where(PortalPayment.status.in_(OPEN_STATUSES), PortalPayment.created_at < older_than)
            .order_by(PortalPayment.created_at)
            .limit(limit)
        ).all()
    )


# ---------------------------------------------------------------------------
# The receipt
# ---------------------------------------------------------------------------


def _card_words(row: PortalPayment) -> str:
    if row.card_brand and row.last_digits:
        return f"{row.card_brand} ending {row.last_digits}"
    return f"Card ending {row.last_digits}" if row.last_digits else ""


def outcome(session: Session, caller, reference: str) -> Outcome | None:
    """One of the caller's own payments, by its reference; None for anyone else's."""
    row = session.exec(select(PortalPayment).where(PortalPayment.reference == (reference or "")[:64])).first()
    if row is None or row.user_id != caller.user_id:
        return None
    account = session.get(Account, row.account_id)
    when = row.settled_at or row.created_at
    return Outcome(
        reference=row.reference,
        status=row.status,
        amount_pence=row.amount_pence,
        account_ref=account.account_ref,
        account_label=balances.ACCOUNT_LABELS.get(account.account_type, "Account"),
        paid_at_words=uk_time_words(when),
        provider_reference=row.provider_reference,
        auth_code=row.auth_code,
        card_words=_card_words(row),
        failure_code=row.failure_code,
        email=session.get(PortalUser, row.user_id).email,
    )


WRONG_AMOUNT = (
    "If it was too little, you can pay the difference the same way. "
    "If it was too much, the extra stays on your account as credit and counts towards your next "
    "charges. You can ask for a refund of credit, unless you owe us money on another account or are in arrears."
)
ON_STATEMENT = "It will show on your account and your statement within 3 to 5 working days."


def _queue_receipt(session: Session, row: PortalPayment, *, settings: Settings, now: datetime) -> None:
    from portal_app.services.mail import templates  # noqa: PLC0415

    user = session.get(PortalUser, row.user_id)
    account = session.get(Account, row.account_id)
    when = row.settled_at or now
    content = templates.payment_receipt(
        amount=format_pence(row.amount_pence),
        account_ref=account.account_ref,
        paid_at=uk_time_words(when),
        reference=row.reference,
        provider_reference=row.provider_reference,
        auth_code=row.auth_code,
        card=_card_words(row),
        on_statement=ON_STATEMENT,
        wrong_amount=WRONG_AMOUNT,
        settings=settings,
    )
    outbox.queue_mail(
        session, to=user.email, subject=content.subject, body=content.body, kind="payment_receipt", now=now
    )
