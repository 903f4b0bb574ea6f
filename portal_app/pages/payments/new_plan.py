"""Set up a payment plan (an arrangement to pay off arrears): how often, how much on top
of the regular charge, from when; then what each payment will be and when the arrears
would be cleared; then send it. A plan that clears within a year starts at once; a
longer one goes to the income officer (``services/payments/plans.py``)."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.accounts import account_picker, account_tabs, not_yours
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.payments import OFFLINE
from portal_app.services.money import format_pence
from portal_app.services.payments import plans
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction

FORM, CHECK, DONE = "form", "check", "done"
ERROR_ORDER = [
    ("arrears", "frequency"),
    ("frequency", "frequency"),
    ("extra", "extra"),
    ("start_date", "start-date-day"),
]
KEPT = ("extra", "start_date_day", "start_date_month", "start_date_year")


class NewPlanState(AccountChoiceState):
    loaded: bool = False
    step: str = FORM
    in_arrears: bool = False
    arrears: str = ""
    regular: str = ""
    minimum: str = ""
    live_plan: str = ""
    frequency: str = ""
    extra: str = ""
    start: dict[str, str] = {}
    errors: dict[str, str] = {}
    summary: str = ""
    payments: list[dict[str, str]] = []
    more: int = 0
    more_words: str = ""
    needs_approval: bool = False
    reference: str = ""
    waiting: bool = False
    email: str = ""
    _form: dict[str, str] = {}

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        self.step, self.errors, self.summary, self.payments = FORM, {}, "", []
        choice, context = await in_transaction(
            plans.plan_context, principal, self._wanted(), self.chosen_ref, now=utcnow(), settings=get_settings()
        )
        if self._take(choice) is not None and context is not None:
            self.in_arrears = context.arrears_pence > 0
            self.arrears = format_pence(context.arrears_pence)
            self.regular = format_pence(context.weekly_charge_pence)
            self.minimum = context.minimum_words
            self.live_plan = context.live_plan
            self.frequency = self.frequency or context.usual_frequency
        self.loaded = True

    @resident_only
    @rx.event
    def choose(self, value: str):
        if str(value) in dict(plans.FREQUENCY_CHOICES):
            self.frequency = str(value)

    def _read(self, form_data: dict) -> dict[str, str]:
        fields = form_fields(form_data)
        found = {name: fields.get(name, "")[:20] for name in KEPT}
        found["frequency"] = self.frequency
        self.extra = found["extra"]
        self.start = {part: found[f"start_date_{part}"] for part in ("day", "month", "year")}
        return found

    @resident_only
    @rx.event
    async def work_out(self, form_data: dict):
        """Show what the plan would be, or what to put right."""
        principal = current_principal()
        self._form = self._read(form_data)
        choice, proposal = await in_transaction(
            plans.preview, principal, self.chosen_ref, dict(self._form), now=utcnow(), settings=get_settings()
        )
        if self._take(choice) is None or proposal is None:
            return
        if proposal.errors:
            self.errors = dict(proposal.errors)
            return forms.focus_error_summary()
        self.errors = {}
        self.summary, self.more, self.needs_approval = proposal.summary, proposal.more, proposal.needs_approval
        self.more_words = proposal.more_words
        self.payments = [{"when": p.when, "amount": p.amount, "note": p.note} for p in proposal.payments]
        self.step = CHECK
        return rx.call_script("setTimeout(() => document.getElementById('check-heading')?.focus(), 50)")

    @resident_only
    @rx.event
    def change(self):
        self.step = FORM

    @resident_only
    @rx.event
    async def send(self):
        """Make the plan. Events from one tab run one at a time, and an account has one
        plan at a time, so a second press finds the first plan and makes none."""
        if self.step != CHECK:
            return
        principal = current_principal()
        done = await in_transaction(
            plans.propose, principal, self.chosen_ref, dict(self._form), now=utcnow(), settings=get_settings()
        )
        if done.outcome == "refused":
            self.refused, self.chosen_ref = True, ""
            return
        if done.outcome == "invalid":
            self.step, self.errors = FORM, dict(done.errors)
            return forms.focus_error_summary()
        if done.outcome == "exists":
            self.step, self.live_plan = FORM, self.live_plan or "yes"
            return
        self.reference, self.waiting, self.email = done.reference, done.outcome == "waiting", done.email
        self.step = DONE
        return rx.call_script(
            "window.scrollTo(0, 0); setTimeout(() => document.getElementById('done-heading')?.focus(), 50)"
        )


def _form() -> rx.Component:
    e = NewPlanState.errors
    return rx.el.form(
        forms.error_summary(e, ERROR_ORDER),
        rx.el.p(
            "You are in arrears by ",
            rx.el.strong(NewPlanState.arrears),
            ". A payment plan is an agreement to pay this off a bit at a time, on top of your regular charge of ",
            NewPlanState.regular,
            " a week.",
        ),
        forms.radios(
            e,
            "frequency",
            "How often will you pay?",
            list(plans.FREQUENCY_CHOICES),
            selected=NewPlanState.frequency,
            on_select=NewPlanState.choose,
        ),
        forms.text_field(
            e,
            "extra",
            "How much will you pay towards your arrears each time?",
            hint=rx.fragment("On top of your regular charge: ", NewPlanState.minimum, ". For example, 10.00"),
            input_mode="decimal",
            extra_class="input--short",
            autocomplete="off",
            default_value=NewPlanState.extra,
        ),
        forms.date_field(
            e,
            "start_date",
            "When will you make the first payment?",
            hint="Today or within the next 4 weeks. For example, 14 12 2026",
            prefix="start-date",
            autocomplete_prefix=None,
            defaults=NewPlanState.start,
        ),
        forms.submit_button("Work out my plan"),
        on_submit=NewPlanState.work_out,
        no_validate=True,
    )


def _check() -> rx.Component:
    return rx.fragment(
        rx.el.h2("Your plan", id="check-heading", tab_index=-1),
        rx.el.p(NewPlanState.summary, "."),
        rx.el.table(
            rx.el.caption("What each payment will be"),
            rx.el.thead(
                rx.el.tr(
                    rx.el.th("Date", scope="col"), rx.el.th("Payment", scope="col"), rx.el.th("Made up of", scope="col")
                )
            ),
            rx.el.tbody(
                rx.foreach(
                    NewPlanState.payments,
                    lambda p: rx.el.tr(rx.el.td(p["when"]), rx.el.td(p["amount"]), rx.el.td(p["note"])),
                )
            ),
            class_name="table",
        ),
        rx.cond(NewPlanState.more > 0, rx.el.p(NewPlanState.more_words, class_name="caption")),
        rx.cond(
            NewPlanState.needs_approval,
            rx.el.p(
                "This plan takes longer than a year, so your income officer will look at it before it starts. "
                "Until they reply, keep paying what you can.",
                class_name="inset",
            ),
        ),
        rx.el.div(
            rx.el.button(
                "Send my plan",
                type="button",
                class_name="button",
                on_click=NewPlanState.send,
                disabled=~rx.State.is_hydrated,
            ),
            rx.el.button(
                "Change it", type="button", class_name="button button--secondary", on_click=NewPlanState.change
            ),
            class_name="button-group",
        ),
    )


def _done() -> rx.Component:
    return rx.fragment(
        rx.el.div(
            rx.el.h1(
                rx.cond(NewPlanState.waiting, "Plan sent to your income officer", "Your payment plan has started"),
                id="done-heading",
                tab_index=-1,
            ),
            rx.el.p("Plan reference ", rx.el.strong(NewPlanState.reference)),
            class_name="panel panel--success",
        ),
        rx.el.p("We have sent the details to ", rx.el.strong(NewPlanState.email), "."),
        rx.el.p(rx.el.a("See your payment plans", href=routes.PAYMENT_PLANS)),
    )


def _live() -> rx.Component:
    return rx.fragment(
        rx.el.p(
            "This account already has a payment plan, running or waiting for your income officer.", class_name="inset"
        ),
        rx.el.p(rx.el.a("See your payment plans", href=routes.PAYMENT_PLANS)),
    )


def _not_in_arrears() -> rx.Component:
    return rx.el.p(
        "This account is not in arrears, so there is nothing for a payment plan to pay off. "
        "If you are worried about paying, ask us for benefits advice or use the budget planner.",
        class_name="inset",
    )


@page(
    routes.NEW_PAYMENT_PLAN,
    "Set up a payment plan",
    on_load=NewPlanState.load,
    by=NewPlanState.step,
    states=[(CHECK, "Your plan"), (DONE, "Your payment plan")],
    errors=NewPlanState.errors,
)
def new_plan_page() -> rx.Component:
    return rx.cond(
        NewPlanState.loaded,
        rx.cond(
            NewPlanState.chosen_ref != "",
            rx.cond(
                NewPlanState.step == DONE,
                _done(),
                rx.fragment(
                    rx.el.h1("Set up a payment plan"),
                    account_picker(NewPlanState.account_options, NewPlanState.chosen_ref, routes.new_payment_plan),
                    account_tabs(NewPlanState.chosen_ref, "pay"),
                    rx.cond(
                        NewPlanState.live_plan != "",
                        _live(),
                        rx.cond(
                            NewPlanState.in_arrears,
                            rx.cond(NewPlanState.step == CHECK, _check(), _form()),
                            _not_in_arrears(),
                        ),
                    ),
                ),
            ),
            not_yours(NewPlanState.refused),
        ),
        rx.fragment(rx.el.h1("Set up a payment plan"), loading_or_offline("Loading…", OFFLINE)),
    )
