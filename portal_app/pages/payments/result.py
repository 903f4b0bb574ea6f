"""After the card page: the receipt (seed 001: date and time, amount, account, the
provider's reference and the authorisation code; printable, and emailed), or what went
wrong in plain words, that nothing was taken, and a way to try again.

The page finds the payment by its reference in the address, and shows it only to the
resident who made it (``card.outcome``); anyone else sees the same "cannot show" words
as for a reference that does not exist."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.integrations.payments import base
from portal_app.pages.payments import OFFLINE
from portal_app.services.money import format_pence
from portal_app.services.payments import card
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

TAKEN, WAITING, NOT_TAKEN, UNKNOWN = "taken", "waiting", "not_taken", "unknown"
WHY = {
    base.DECLINED: (
        "Your payment was declined",
        "Your card was declined. Check the card details you typed, or ask your bank why, then try again.",
    ),
    base.USER_CANCELLED: ("You cancelled your payment", "You chose to cancel on the card page."),
    base.EXPIRED: (
        "Your payment timed out",
        "The card page waited 90 minutes without the payment being finished, so it was stopped.",
    ),
    "error": (
        "Your payment could not be taken",
        "Something went wrong with the card payment. Try again in a few minutes.",
    ),
    "cancelled": ("This payment was cancelled", "It was cancelled before it was paid."),
    "unreachable": (
        "We could not start your payment",
        "Our card payment provider did not answer. Try again in a few minutes.",
    ),
}


class PaymentResultState(SessionState):
    loaded: bool = False
    shown: str = UNKNOWN
    reference: str = ""
    amount: str = ""
    account_ref: str = ""
    account_label: str = ""
    paid_at: str = ""
    provider_reference: str = ""
    auth_code: str = ""
    card_words: str = ""
    email: str = ""
    heading: str = ""
    why: str = ""

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        reference = str(self.router.url.query_parameters.get("payment", "") or "")[:64] if self.router else ""
        found = await in_transaction(card.outcome, principal, reference)
        if found is not None and found.status in ("created", "sent"):
            await asyncio.to_thread(card.refresh_here, principal, reference, now=utcnow(), settings=get_settings())
            found = await in_transaction(card.outcome, principal, reference)
        self._show(found)
        self.loaded = True

    def _show(self, found: card.Outcome | None) -> None:
        if found is None:
            self.shown, self.reference, self.heading = UNKNOWN, "", "We cannot show that payment"
            return
        self.reference, self.amount = found.reference, format_pence(found.amount_pence)
        self.account_ref, self.account_label = found.account_ref, found.account_label
        self.paid_at, self.email = found.paid_at_words, found.email
        self.provider_reference, self.auth_code, self.card_words = (
            found.provider_reference,
            found.auth_code,
            found.card_words,
        )
        if found.taken:
            self.shown, self.heading = TAKEN, "Payment received"
        elif found.status == "created":
            # The provider could not be reached: the resident never saw a card page.
            self.shown = NOT_TAKEN
            self.heading, self.why = WHY["unreachable"]
        elif found.status == "sent":
            self.shown, self.heading = WAITING, "Your payment is not finished yet"
        else:
            self.shown = NOT_TAKEN
            key = found.failure_code if found.status == "failed" else found.status
            self.heading, self.why = WHY.get(key, WHY["error"])


def _row(term: str, value) -> rx.Component:
    return rx.cond(value != "", rx.el.div(rx.el.dt(term), rx.el.dd(value)))


def _receipt() -> rx.Component:
    s = PaymentResultState
    return rx.fragment(
        rx.el.div(
            rx.el.h1("Payment received", id="result-heading", tab_index=-1),
            rx.el.p("You paid ", rx.el.strong(s.amount, class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.dl(
            _row("Date and time", s.paid_at),
            _row("Amount", s.amount),
            rx.el.div(rx.el.dt("Account"), rx.el.dd(s.account_label, " ", s.account_ref)),
            _row("Payment reference", s.reference),
            _row("Card payment reference", s.provider_reference),
            _row("Authorisation code", s.auth_code),
            _row("Paid with", s.card_words),
            class_name="summary-list",
        ),
        rx.el.p(card.ON_STATEMENT, " Until then your account shows it as pending."),
        rx.el.p("We have emailed this receipt to ", rx.el.strong(s.email), "."),
        rx.el.button(
            "Print this receipt",
            type="button",
            class_name="button button--secondary no-print",
            on_click=rx.call_script("window.print()"),
        ),
        rx.el.h2("If you paid the wrong amount"),
        rx.el.p(card.WRONG_AMOUNT),
        rx.el.ul(
            rx.el.li(rx.el.a("See your account", href=routes.account(s.account_ref))),
            rx.el.li(rx.el.a("Go to your home page", href=routes.HOME)),
            class_name="list no-print",
        ),
    )


def _not_taken() -> rx.Component:
    s = PaymentResultState
    settings = get_settings()
    return rx.fragment(
        rx.el.h1(s.heading, id="result-heading", tab_index=-1),
        rx.el.div(
            rx.el.p(rx.el.strong("No money has been taken.")), rx.el.p(s.why), class_name="notice", role="status"
        ),
        rx.el.p(rx.el.a("Try again", href=routes.pay(s.account_ref), class_name="button")),
        rx.el.p(
            f"If it keeps happening, phone us on {settings.landlord_phone} ({settings.landlord_hours}) and quote ",
            s.reference,
            ".",
            class_name="caption",
        ),
    )


def _waiting() -> rx.Component:
    s = PaymentResultState
    return rx.fragment(
        rx.el.h1(s.heading, id="result-heading", tab_index=-1),
        rx.el.p(
            "We have not heard yet whether your payment of ",
            rx.el.strong(s.amount),
            " went through. Do not pay again: if it is taken, we will email your receipt "
            "and it will show on your account. If it is not finished within 90 minutes, nothing is taken.",
        ),
        rx.el.p(rx.el.a("Check again", href=routes.payment_result(s.reference))),
        rx.el.p(rx.el.a("Go to your home page", href=routes.HOME)),
    )


def _unknown() -> rx.Component:
    return rx.fragment(
        rx.el.h1("We cannot show that payment"),
        rx.el.p(
            "It may be a payment made by someone else, or the link may be wrong. Your own payments show on your account."
        ),
        rx.el.p(rx.el.a("Go to your home page", href=routes.HOME)),
    )


@page(routes.PAYMENT_RESULT, "Your payment", on_load=PaymentResultState.load, named=PaymentResultState.heading)
def payment_result_page() -> rx.Component:
    return rx.cond(
        PaymentResultState.loaded,
        rx.match(
            PaymentResultState.shown, (TAKEN, _receipt()), (WAITING, _waiting()), (NOT_TAKEN, _not_taken()), _unknown()
        ),
        rx.fragment(rx.el.h1("Your payment"), loading_or_offline("Loading…", OFFLINE)),
    )
