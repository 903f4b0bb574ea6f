"""The built-in sandbox payment provider: the embedded default.

It behaves like a hosted payment page (GOV.UK Pay's is the model): the portal creates a
payment, the resident goes to the sandbox's own card page (``/api/sandbox-pay/<id>``,
``api/sandbox_pay.py``) and types a card number, expiry, security code, name and
postcode, or chooses "Cancel and go back"; the sandbox then sends them to the return
address. It answers to GOV.UK Pay's published sandbox test cards
(https://docs.payments.service.gov.uk/testing_govuk_pay/#mock-card-numbers-for-testing-purposes):

* 4444333322221111: the payment succeeds;
* 4000000000000002: declined;
* 4000000000000069: declined, the card has expired;
* 4000000000000127: declined, the security code is wrong;
* 4000000000000119: a processing error (nothing taken).

Its records are its own table (``SandboxCardPayment``), standing for the provider's
database: it never holds a card number, only the last four digits, as a provider shows
back. A payment not finished 90 minutes after it was made fails as expired (P0020), as
GOV.UK Pay's do. It sends no notifications; the portal asks it for the status.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from sqlalchemy import update
from sqlmodel import select

from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.integrations.payments import base
from portal_app.models import SandboxCardPayment

CARD_PAGE_PATH = "/api/sandbox-pay/"
EXPIRES_AFTER = timedelta(minutes=90)  # GOV.UK Pay: "a payment expires 90 minutes after it is created"
# Test card -> (state, failure code, what the provider says). Anything else is refused on the card page.
TEST_CARDS = {
    "4444333322221111": (base.SUCCESS, "", "Visa"),
    "4000000000000002": (base.FAILED, base.DECLINED, "The card was declined"),
    "4000000000000069": (base.FAILED, base.DECLINED, "The card has expired"),
    "4000000000000127": (base.FAILED, base.DECLINED, "The security code (CVC) was wrong"),
    "4000000000000119": (base.ERROR, base.PROVIDER_ERROR, "A processing error"),
}
MAX_FIELD = 100


@dataclass(frozen=True)
class CardPage:
    """What the card page shows: the amount and what it is for, never who pays."""

    payment_id: str
    amount_pence: int
    description: str
    open: bool  # still waiting for card details
    return_url: str


def _digits(text: str) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


def luhn_ok(number: str) -> bool:
    """The card number's check digit (ISO/IEC 7812), as every card page checks before sending."""
    if not 12 <= len(number) <= 19 or not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_errors(form: Mapping[str, str], today: date) -> dict[str, str]:
    """The card page's own checks, in GOV.UK Pay's words, keyed by field."""
    errors: dict[str, str] = {}
    number = _digits(form.get("card_number", ""))
    if not number:
        errors["card_number"] = "Enter a card number"
    elif not luhn_ok(number):
        errors["card_number"] = "Enter a valid card number"
    elif number not in TEST_CARDS:
        errors["card_number"] = "This is the sandbox: use one of the test card numbers listed on this page"
    month, year = _digits(form.get("expiry_month", "")), _digits(form.get("expiry_year", ""))
    if not month or not year:
        errors["expiry_month"] = "Enter the expiry date"
    else:
        m, y = int(month), int(year) + (2000 if len(year) <= 2 else 0)
        if not 1 <= m <= 12:
            errors["expiry_month"] = "Enter a valid expiry date"
        elif (y, m) < (today.year, today.month):
            errors["expiry_month"] = "Enter a valid expiry date"
    cvc = _digits(form.get("cvc", ""))
    if not 3 <= len(cvc) <= 4 or cvc != (form.get("cvc") or "").strip():
        errors["cvc"] = "Enter a valid card security code"
    if not (form.get("name") or "").strip():
        errors["name"] = "Enter the name as it appears on the card"
    if not (form.get("postcode") or "").strip():
        errors["postcode"] = "Enter a postcode"
    return errors


class SandboxProvider:
    name = "sandbox"
    supports_refunds = True
    supports_notifications = False

    def __init__(self, base_url: str, *, now: Callable[[], datetime] = utcnow) -> None:
        self.base_url = base_url.rstrip("/")
        self.allowed_hosts = (urlparse(self.base_url).netloc,)
        self._now = now

    # -- the provider's API ---------------------------------------------------------
    def create(
        self,
        *,
        amount_pence: int,
        reference: str,
        description: str,
        return_url: str,
        idempotency_key: str,
        language: str = "en",
        email: str | None = None,
    ) -> base.CreatedPayment:
        del email  # a hosted page may prefill it; the sandbox does not need it
        if not 1 <= amount_pence <= 10_000_000 or not reference or not return_url:
            raise base.ProviderRefused("sandbox: amount, reference and return_url are required")
        with session_scope() as s:
            found = s.exec(
                select(SandboxCardPayment).where(SandboxCardPayment.idempotency_key == idempotency_key)
            ).first()
            if found is not None:
                if (found.amount_pence, found.reference) != (amount_pence, reference):
                    # GOV.UK Pay: the same key with a different request is refused.
                    raise base.ProviderRefused("sandbox: idempotency key reused with a different request")
                return base.CreatedPayment(found.payment_id, self._card_page(found.payment_id))
            payment_id = secrets.token_hex(13)
            s.add(
                SandboxCardPayment(
                    payment_id=payment_id,
                    idempotency_key=idempotency_key,
                    amount_pence=amount_pence,
                    reference=reference[:255],
                    description=description[:255],
                    return_url=return_url,
                    language=language if language in ("en", "cy") else "en",
                    created_at=self._now(),
                )
            )
        return base.CreatedPayment(payment_id, self._card_page(payment_id))

    def status(self, provider_id: str) -> base.PaymentStatus:
        with session_scope() as s:
            row = self._row(s, provider_id)
            self._expire_if_late(s, row)
            return base.PaymentStatus(
                provider_id=row.payment_id,
                state=row.state,
                amount_pence=row.amount_pence,
                failure_code=row.failure_code,
                failure_message=_message(row.failure_code),
                provider_reference=row.payment_id if row.state == base.SUCCESS else "",
                auth_code=row.auth_code,
                card_brand=row.card_brand,
                last_digits=row.last_digits,
            )

    def cancel(self, provider_id: str) -> None:
        with session_scope() as s:
            row = self._row(s, provider_id)
            self._expire_if_late(s, row)
            if not self._finish(s, row.payment_id, base.CANCELLED, base.SERVICE_CANCELLED):
                raise base.ProviderRefused("sandbox: the payment has already finished")

    def refund(self, provider_id: str, *, amount_pence: int, idempotency_key: str) -> base.RefundResult:
        del idempotency_key
        with session_scope() as s:
            row = self._row(s, provider_id)
            if row.state != base.SUCCESS or not 0 < amount_pence <= row.amount_pence:
                raise base.ProviderRefused("sandbox: only a successful payment can be refunded, up to its amount")
        return base.RefundResult(refund_id=secrets.token_hex(8), state="success")

    def verify_notification(self, body: bytes, headers: Mapping[str, str]) -> base.Notification | None:
        del body, headers
        return None  # the sandbox sends none

    # -- the card page (api/sandbox_pay.py) ----------------------------------------
    def card_page(self, provider_id: str) -> CardPage | None:
        """The card page for a payment, marking it started; None for an unknown id."""
        with session_scope() as s:
            row = s.exec(select(SandboxCardPayment).where(SandboxCardPayment.payment_id == provider_id)).first()
            if row is None:
                return None
            self._expire_if_late(s, row)
            if row.state == base.CREATED:
                s.execute(
                    update(SandboxCardPayment)
                    .where(SandboxCardPayment.id == row.id, SandboxCardPayment.state == base.CREATED)
                    .values(state=base.STARTED)
                )
            return CardPage(
                row.payment_id, row.amount_pence, row.description, row.state in base.IN_PROGRESS, row.return_url
            )

    def pay(self, provider_id: str, form: Mapping[str, str]) -> tuple[dict[str, str], str]:
        """Card details from the card page: (errors, "") to show them again, or ({}, the
        return address) once the payment has finished, as the test card says."""
        page = self.card_page(provider_id)
        if page is None:
            return {"card_number": "This payment cannot be found"}, ""
        if not page.open:
            return {}, page.return_url
        errors = card_errors(form, self._now().date())
        if errors:
            return errors, ""
        number = _digits(form.get("card_number", ""))
        state, code, _words = TEST_CARDS[number]
        with session_scope() as s:
            self._finish(
                s,
                provider_id,
                state,
                code,
                auth_code=f"{secrets.randbelow(10**6):06d}" if state == base.SUCCESS else "",
                card_brand="Visa",
                last_digits=number[-4:],
            )
        return {}, page.return_url

    def give_up(self, provider_id: str) -> str:
        """ "Cancel and go back" on the card page: the payment fails as cancelled by the
        resident (P0030); the return address, or "" for an unknown id."""
        with session_scope() as s:
            row = s.exec(select(SandboxCardPayment).where(SandboxCardPayment.payment_id == provider_id)).first()
            if row is None:
                return ""
            self._finish(s, provider_id, base.FAILED, base.USER_CANCELLED)
            return row.return_url

    # -- inside ---------------------------------------------------------------------
    def _card_page(self, payment_id: str) -> str:
        return f"{self.base_url}{CARD_PAGE_PATH}{payment_id}"

    @staticmethod
    def _row(s, provider_id: str) -> SandboxCardPayment:
        row = s.exec(select(SandboxCardPayment).where(SandboxCardPayment.payment_id == provider_id)).first()
        if row is None:
            raise base.ProviderRefused("sandbox: no such payment")
        return row

    def _expire_if_late(self, s, row: SandboxCardPayment) -> None:
        if row.state in base.IN_PROGRESS and self._now() - row.created_at >= EXPIRES_AFTER:
            self._finish(s, row.payment_id, base.FAILED, base.EXPIRED)
            s.refresh(row)

    def _finish(self, s, payment_id: str, state: str, code: str, **card) -> bool:
        """Finish a payment still in progress, once: True if this call finished it."""
        done = s.execute(
            update(SandboxCardPayment)
            .where(SandboxCardPayment.payment_id == payment_id, SandboxCardPayment.state.in_(tuple(base.IN_PROGRESS)))
            .values(state=state, failure_code=code, finished_at=self._now(), **card)
        )
        return done.rowcount == 1


def _message(code: str) -> str:
    return {
        base.DECLINED: "Payment method rejected",
        base.EXPIRED: "Payment expired",
        base.USER_CANCELLED: "Payment was cancelled by the user",
        base.SERVICE_CANCELLED: "Payment was cancelled by the service",
        base.PROVIDER_ERROR: "Payment provider returned an error",
    }.get(code, "")
