"""Make a payment: choose how much (the balance, the overdue part, or your own amount),
check your answers, then the provider's card page (``services/payments/card.py``).

The payment is written before the browser leaves, and the browser leaves through the
cookie handoff (``SessionState._hand_over``): the payment's random return key goes into an
HttpOnly cookie, never into this state, and the card page's address never reaches the
browser's state either (``api/payments.py`` answers with it as a redirect)."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components import forms
from portal_app.components.accounts import account_picker, account_tabs, not_yours
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.payments import OFFLINE
from portal_app.services import tokens
from portal_app.services.identity import cookies
from portal_app.services.money import format_pence
from portal_app.services.payments import card
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction

AMOUNT, CHECK, OPEN = "amount", "check", "open"
ERROR_ORDER = [("choice", "choice"), ("other_amount", "other-amount")]


class PayState(AccountChoiceState):
    loaded: bool = False
    step: str = AMOUNT
    account_label: str = ""
    balance: str = ""  # "£123.45", what the account owes less payments still pending
    overdue: str = ""
    has_balance: bool = False
    has_overdue: bool = False  # part of what is owed is overdue: offer paying just that
    in_arrears: bool = False  # anything is overdue
    pending: str = ""  # paid here, not yet on the account
    choice: str = ""
    other_amount: str = ""
    amount: str = ""
    _amount_pence: int = 0
    open_amount: str = ""
    open_when: str = ""
    errors: dict[str, str] = {}
    leaving: bool = False
    # One check-your-answers page: the same press arriving twice finds the same payment.
    _attempt: str = ""

    def _fill(self, form: card.PayForm) -> None:
        self.account_label = form.account_label
        self.balance, self.has_balance = format_pence(form.balance_pence), form.balance_pence > 0
        self.overdue = format_pence(form.overdue_pence)
        self.has_overdue = 0 < form.overdue_pence < form.balance_pence
        self.in_arrears = form.overdue_pence > 0
        self.pending = format_pence(form.pending_pence) if form.pending_pence else ""
        if form.open_payment is not None:
            self.step = OPEN
            self.open_amount = format_pence(form.open_payment.amount_pence)
            self.open_when = form.open_payment.started_words

    async def _form(self, wanted: str | None = None) -> card.PayForm | None:
        principal = current_principal()
        now = utcnow()
        choice, form = await in_transaction(
            card.pay_form,
            principal,
            self._wanted(wanted),
            self.chosen_ref,
            now=now,
            today=uk_today(now),
            settings=get_settings(),
        )
        if self._take(choice) is None:
            return None
        return form

    @resident_only
    @rx.event
    async def load(self):
        self.step, self.errors, self.leaving, self.choice, self.other_amount = AMOUNT, {}, False, "", ""
        self.amount, self._amount_pence, self._attempt = "", 0, ""
        form = await self._form()
        if form is not None:
            self._fill(form)
        self.loaded = True

    @resident_only
    @rx.event
    def choose(self, value: str):
        value = str(value)
        if value in card.CHOICES:
            self.choice = value

    @resident_only
    @rx.event
    async def check(self, form_data: dict):
        """The amount chosen: check it against today's figures, then show it to check."""
        fields = form_fields(form_data)
        self.other_amount = fields.get("other_amount", "")[:20]
        form = await self._form(self.chosen_ref)
        if form is None:
            return
        self._fill(form)
        if self.step == OPEN:
            return
        checked = card.check_amount(form, self.choice, self.other_amount)
        if checked.amount_pence is None:
            self.errors = checked.errors
            return forms.focus_error_summary()
        self.errors = {}
        self._amount_pence = checked.amount_pence
        self.amount = format_pence(checked.amount_pence)
        self._attempt = tokens.new_token()
        self.step = CHECK
        return rx.call_script(
            "window.scrollTo(0, 0); setTimeout(() => document.getElementById('check-heading')?.focus(), 50)"
        )

    @resident_only
    @rx.event
    def change(self):
        self.step, self._attempt = AMOUNT, ""

    async def _leave(self, started: card.Started):
        if started.outcome == "ready":
            self.leaving = True
            cookie = cookies.SetCookie(cookies.PAYMENT, started.return_key, cookies.PAYMENT_SECONDS)
            return await self._hand_over([cookie], routes.API_PAYMENT_GO)
        if started.outcome == "refused":
            self.refused, self.chosen_ref = True, ""
            return None
        if started.outcome == "open":
            form = await self._form(self.chosen_ref)
            if form is not None:
                self._fill(form)
            return None
        self.step, self.errors = AMOUNT, dict(started.errors)
        return forms.focus_error_summary()

    @resident_only
    @rx.event
    async def confirm(self):
        """Continue to the card page. Events from one tab run one at a time, and the
        payment is keyed by this page's attempt, so a second press finds the first's payment."""
        if self.leaving or self.step != CHECK or not self._attempt:
            return
        principal = current_principal()
        now = utcnow()
        started = await in_transaction(
            card.start,
            principal,
            self.chosen_ref,
            self._amount_pence,
            attempt_key=self._attempt,
            now=now,
            today=uk_today(now),
            settings=get_settings(),
        )
        return await self._leave(started)

    @resident_only
    @rx.event
    async def resume(self):
        """Continue the unfinished payment on this account, on the card page."""
        if self.leaving:
            return
        principal = current_principal()
        started = await in_transaction(
            card.resume, principal, self.chosen_ref, today=uk_today(utcnow()), settings=get_settings()
        )
        return await self._leave(started)

    @resident_only
    @rx.event
    async def start_again(self):
        """Cancel the unfinished payment (one already taken is kept as taken), then choose again."""
        principal = current_principal()
        now = utcnow()
        await asyncio.to_thread(
            card.cancel_open_here, principal, self.chosen_ref, now=now, today=uk_today(now), settings=get_settings()
        )
        self.step, self.errors = AMOUNT, {}
        form = await self._form(self.chosen_ref)
        if form is not None:
            self._fill(form)


def _limits() -> str:
    settings = get_settings()
    return (
        f"At least {format_pence(settings.payment_min_pence)}, and up to "
        f"{format_pence(settings.payment_max_pence)} at a time. For example, 25.00"
    )


def _choices(options: list) -> rx.Component:
    return forms.radios(
        PayState.errors,
        "choice",
        "How much do you want to pay?",
        options,
        selected=PayState.choice,
        on_select=PayState.choose,
    )


def _amount_step() -> rx.Component:
    e = PayState.errors
    full = (card.CHOICE_BALANCE, "The full amount you owe, " + PayState.balance)
    overdue = (card.CHOICE_OVERDUE, "The overdue amount (arrears), " + PayState.overdue)
    other = (card.CHOICE_OTHER, "Another amount")
    options = rx.cond(
        PayState.has_overdue,
        _choices([full, overdue, other]),
        rx.cond(
            PayState.has_balance,
            _choices([full, other]),
            rx.fragment(
                rx.el.p(
                    "You owe nothing now. A payment stays on your account as credit for your next charges.",
                    class_name="inset",
                ),
                _choices([(card.CHOICE_OTHER, "An amount of your choice")]),
            ),
        ),
    )
    return rx.el.form(
        forms.error_summary(PayState.errors, ERROR_ORDER),
        rx.cond(
            PayState.has_overdue,
            rx.el.p(
                "Of what you owe, ",
                rx.el.strong(PayState.overdue),
                " is overdue (arrears). Paying at least this brings your account up to date.",
                class_name="inset",
            ),
        ),
        rx.cond(
            PayState.in_arrears & ~PayState.has_overdue,
            rx.el.p("All of what you owe is overdue (arrears).", class_name="inset"),
        ),
        rx.cond(
            PayState.in_arrears,
            rx.el.p(
                "Cannot pay it all at once? ",
                rx.el.a("Set up a payment plan", href=routes.new_payment_plan(PayState.chosen_ref)),
                " to pay off your arrears a bit at a time, or see ",
                rx.el.a("your payment plans", href=routes.PAYMENT_PLANS),
                ".",
            ),
        ),
        rx.cond(
            PayState.pending != "",
            rx.el.p(
                "You have paid ",
                PayState.pending,
                " online that is not on your account yet. It is already taken off the amount you owe here.",
                class_name="caption",
            ),
        ),
        options,
        forms.text_field(
            e,
            "other_amount",
            "The amount, in pounds (for another amount)",
            hint=_limits(),
            input_mode="decimal",
            extra_class="input--short",
            autocomplete="off",
            default_value=PayState.other_amount,
        ),
        forms.submit_button("Continue"),
        rx.el.p(
            "Or let us collect your regular charges: ",
            rx.el.a("Pay by Direct Debit", href=routes.direct_debit(PayState.chosen_ref)),
            ".",
        ),
        on_submit=PayState.check,
        no_validate=True,
    )


def _check_step() -> rx.Component:
    return rx.fragment(
        rx.el.h2("Check your payment", id="check-heading", tab_index=-1),
        rx.el.dl(
            rx.el.div(rx.el.dt("Account"), rx.el.dd(PayState.account_label, " ", PayState.chosen_ref)),
            rx.el.div(rx.el.dt("Amount"), rx.el.dd(rx.el.strong(PayState.amount))),
            rx.el.div(rx.el.dt("Payment reference"), rx.el.dd(PayState.chosen_ref)),
            class_name="summary-list",
        ),
        rx.el.button(
            "Change the amount", type="button", class_name="button button--secondary", on_click=PayState.change
        ),
        rx.el.p(
            "Next you will type your card details on our payment provider's secure page. We never see your card number."
        ),
        rx.el.button(
            rx.cond(PayState.leaving, "Please wait…", "Continue to payment"),
            type="button",
            class_name="button",
            on_click=PayState.confirm,
            disabled=rx.cond(rx.State.is_hydrated, PayState.leaving, True),
        ),
    )


def _open_step() -> rx.Component:
    return rx.fragment(
        rx.el.div(
            rx.el.h2("You have a payment that is not finished"),
            rx.el.p(
                "You started paying ",
                rx.el.strong(PayState.open_amount),
                " to this account ",
                PayState.open_when,
                ". To make sure you do not pay twice, finish that payment or cancel it first.",
            ),
            class_name="notice",
            role="status",
        ),
        rx.el.div(
            rx.el.button(
                "Finish that payment",
                type="button",
                class_name="button",
                on_click=PayState.resume,
                disabled=rx.cond(rx.State.is_hydrated, PayState.leaving, True),
            ),
            rx.el.button(
                "Cancel it and start again",
                type="button",
                class_name="button button--secondary",
                on_click=PayState.start_again,
                disabled=~rx.State.is_hydrated,
            ),
            class_name="button-group",
        ),
        rx.el.p(
            "If you already typed your card details, cancelling keeps the payment if it was taken: you will not lose it.",
            class_name="caption",
        ),
    )


@page(
    routes.PAY,
    "Make a payment",
    on_load=PayState.load,
    by=PayState.step,
    states=[(CHECK, "Check your payment"), (OPEN, "You have a payment that is not finished")],
    errors=PayState.errors,
)
def pay_page() -> rx.Component:
    return rx.cond(
        PayState.loaded,
        rx.cond(
            PayState.chosen_ref != "",
            rx.fragment(
                rx.el.h1("Make a payment"),
                account_picker(PayState.account_options, PayState.chosen_ref, routes.pay),
                account_tabs(PayState.chosen_ref, "pay"),
                rx.match(PayState.step, (CHECK, _check_step()), (OPEN, _open_step()), _amount_step()),
            ),
            not_yours(PayState.refused),
        ),
        rx.fragment(rx.el.h1("Make a payment"), loading_or_offline("Loading…", OFFLINE)),
    )
