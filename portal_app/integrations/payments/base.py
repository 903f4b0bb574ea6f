"""What the portal needs from a card payment provider, and nothing more.

A provider hosts the card page: the portal never sees a card number. The portal asks it
to ``create`` a payment (amount in pence, our reference, a description, where to send the
resident back, and an idempotency key so a retried request never makes a second payment),
sends the resident to the ``next_url`` it answers with, and afterwards asks for the
payment's ``status``. Where the provider has them, it can also ``cancel`` a payment the
resident abandoned, ``refund`` one, and sign notifications (webhooks) that the portal
checks with ``verify_notification`` before believing them.

Each implementation is one module in this package (``sandbox.py``: the built-in card page,
the embedded default; ``govuk_pay.py``: GOV.UK Pay), registered in ``PROVIDERS`` in
``__init__.py`` under the name ``PAYMENT_PROVIDER`` chooses. A third provider (a housing
association's hosted payment page) is a third module with a class that has these methods,
and a line in ``PROVIDERS``: no page, state or service changes (README, "Payments").

Nothing here touches the database or Reflex; calls block (the portal makes them off the
event loop) and raise ``ProviderUnavailable`` or ``ProviderRefused``, never anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

# A provider payment's life, in GOV.UK Pay's words (its ``state.status``); every
# implementation answers with one of these.
CREATED = "created"  # made, the resident has not reached the card page yet
STARTED = "started"  # the resident is on the card page
SUBMITTED = "submitted"  # card details sent, being authorised
CAPTURABLE = "capturable"  # authorised, waiting for the service to capture (delayed capture only)
SUCCESS = "success"  # taken
FAILED = "failed"  # declined, expired, or the resident cancelled on the card page (see ``failure_code``)
CANCELLED = "cancelled"  # cancelled by the service (us) through the API
ERROR = "error"  # the provider could not complete it; nothing taken
STATES = (CREATED, STARTED, SUBMITTED, CAPTURABLE, SUCCESS, FAILED, CANCELLED, ERROR)
FINISHED = frozenset({SUCCESS, FAILED, CANCELLED, ERROR})
IN_PROGRESS = frozenset({CREATED, STARTED, SUBMITTED, CAPTURABLE})

# Why a payment failed, as GOV.UK Pay codes it (``state.code``), so the portal can say it in words.
DECLINED = "P0010"  # the card was declined (or the details did not match)
EXPIRED = "P0020"  # the payment expired (90 minutes on GOV.UK Pay) before the resident finished
USER_CANCELLED = "P0030"  # the resident chose "Cancel" on the card page
SERVICE_CANCELLED = "P0040"  # cancelled through the API
PROVIDER_ERROR = "P0050"  # the provider had an error


class ProviderUnavailable(Exception):
    """The provider could not be reached, timed out, answered 5xx, or kept answering 429:
    try again later; nothing is known to have happened."""


class ProviderRefused(Exception):
    """The provider answered that the request itself was wrong (4xx other than 429)."""


@dataclass(frozen=True)
class CreatedPayment:
    provider_id: str  # the provider's id for the payment (GOV.UK Pay's ``payment_id``)
    next_url: str  # the card page: single use, for this resident's browser only; never stored in clear or shown


@dataclass(frozen=True)
class PaymentStatus:
    provider_id: str
    state: str  # one of STATES
    amount_pence: int
    failure_code: str = ""  # for FAILED / ERROR: one of the codes above, or the provider's own
    failure_message: str = ""  # the provider's words, for the log and the back office, not for residents
    # For SUCCESS: what the receipt shows (seed 001: "an authorisation code ... the reference
    # confirming your payment"). ``provider_reference`` is the provider's id the resident
    # can quote; ``auth_code`` the card processor's authorisation (GOV.UK Pay: its ``provider_id``).
    provider_reference: str = ""
    auth_code: str = ""
    card_brand: str = ""
    last_digits: str = ""  # the card's last four digits, if the provider gives them

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


@dataclass(frozen=True)
class Notification:
    """A signed notification the provider sent about one payment."""

    provider_id: str
    event_id: str  # the provider's id of this notification (a repeat carries the same one), or ""
    status: PaymentStatus | None  # what it says the payment is now, when it says; None: ask ``status``


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    state: str  # "submitted", "success" or "error"


class PaymentProvider(Protocol):
    name: str  # the key in PROVIDERS, kept with each payment
    # Hosts ``next_url`` may be on: the portal sends a resident nowhere else.
    allowed_hosts: tuple[str, ...]
    supports_refunds: bool
    supports_notifications: bool

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
    ) -> CreatedPayment: ...

    def status(self, provider_id: str) -> PaymentStatus: ...

    def cancel(self, provider_id: str) -> None:
        """Cancel a payment still in CREATED, STARTED or SUBMITTED; one already finished raises ProviderRefused."""

    def refund(self, provider_id: str, *, amount_pence: int, idempotency_key: str) -> RefundResult: ...

    def verify_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification | None:
        """The notification in ``body``, or None when its signature is missing or wrong."""
