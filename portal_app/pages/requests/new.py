"""Asking us something about money: a question about the account (or
one transaction), standing order details, a refund, benefits advice, a paper statement.
"My requests" is mine.py, one request is detail.py."""

from __future__ import annotations

from datetime import date

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.accounts import account_picker, account_tabs, not_yours
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.components.session_timeout import DRAFT_SENT, draft_attrs
from portal_app.pages.requests import OFFLINE
from portal_app.services.money import format_pence
from portal_app.services.requests import form as request_form
from portal_app.services.requests import resident as money_requests
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction

K = money_requests
KIND_ORDER = [K.QUERY, K.STANDING_ORDER, K.REFUND, K.BENEFITS_ADVICE, K.PAPER_STATEMENT]
KIND_INTRO = {
    K.QUERY: "Ask a question about your account",
    K.STANDING_ORDER: "Pay by standing order",
    K.REFUND: "Ask for a refund of money in credit",
    K.BENEFITS_ADVICE: "Get advice about benefits",
    K.PAPER_STATEMENT: "Get a statement by post",
}
ERROR_ORDER = {
    K.QUERY: [("transaction_id", "transaction-id"), ("message", "message")],
    K.STANDING_ORDER: [("post_to_address", "post-to-address"), ("other_address", "other-address")],
    K.REFUND: [
        ("amount", "amount"),
        ("bank_account_name", "bank-account-name"),
        ("sort_code", "sort-code"),
        ("bank_account_number", "bank-account-number"),
    ],
    K.BENEFITS_ADVICE: [
        ("topic", "topic"),
        ("best_time", "best-time"),
        ("contact_by", "contact-by"),
        ("phone", "phone"),
        ("email", "email"),
        ("note", "note"),
    ],
    K.PAPER_STATEMENT: [
        ("period_from", "period-from"),
        ("period_to", "period-to"),
        ("post_to_address", "post-to-address"),
        ("other_address", "other-address"),
    ],
}
# What the form keeps in this tab through a sign-in when the session ends before Send
# (components/session_timeout.py): the words a resident types, and never the refund's amount
# or bank details (``REFUND``'s fields), which must not stay on the device.
DRAFT_FIELDS = [
    "transaction_id",
    "message",
    "other_address",
    "phone",
    "email",
    "note",
    *[f"period_{end}_{part}" for end in ("from", "to") for part in ("day", "month", "year")],
]
# Once each: the standing order and paper statement forms share the address fields.
ALL_ERROR_ORDER = list(dict.fromkeys(pair for kind in KIND_ORDER for pair in ERROR_ORDER[kind]))
RADIO_FIELDS = {
    "post_to_address": ("yes", "no"),
    "topic": tuple(v for v, _ in K.BENEFIT_TOPICS),
    "best_time": tuple(v for v, _ in K.BEST_TIMES),
    "contact_by": tuple(v for v, _ in K.CONTACT_WAYS),
}


def _split_date(value: str) -> dict[str, str]:
    try:
        d = date.fromisoformat(value)
    except (TypeError, ValueError):
        return {"day": "", "month": "", "year": ""}
    return {"day": str(d.day), "month": str(d.month), "year": str(d.year)}


class RequestFormState(AccountChoiceState):
    loaded: bool = False
    kind: str = ""
    errors: dict[str, str] = {}
    home_address: str = ""
    is_joint: bool = False
    transactions: list[dict[str, str]] = []
    chosen_transaction: str = ""
    choices: dict[str, str] = {}
    standing_order: dict[str, str] = {}
    refund_message: str = ""
    refund_available: str = ""
    refund_possible: bool = False
    period_from: dict[str, str] = {}
    period_to: dict[str, str] = {}
    earliest: str = ""
    done: bool = False
    ack: dict[str, str] = {}
    ack_steps: list[str] = []
    busy: bool = False

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        kind = self._query("kind")
        self.kind = kind if kind in KIND_ORDER else ""
        self.errors, self.choices, self.done, self.ack, self.ack_steps, self.busy = {}, {}, False, {}, [], False
        choice, found = await in_transaction(
            request_form.form_context,
            principal,
            self._wanted(),
            self.chosen_ref,
            transaction=self._query("transaction"),
            now=utcnow(),
            settings=get_settings(),
        )
        if self._take(choice) is None or found is None:
            self.loaded = True
            return
        context = found.context
        self.home_address, self.is_joint = context.home_address, context.is_joint
        self.earliest = context.statement_earliest.isoformat()
        self.transactions = [{"id": str(t.transaction_id), "label": t.label} for t in found.transactions]
        self.chosen_transaction = found.chosen_transaction
        details = found.standing_order
        self.standing_order = {
            "name": details.account_name,
            "sort_code": details.sort_code,
            "number": details.account_number,
            "reference": details.payment_reference,
        }
        limit = found.refund
        self.refund_message = limit.message
        self.refund_possible = limit.available_pence > 0
        self.refund_available = format_pence(limit.available_pence)
        self.period_from = _split_date(self._query("from"))
        self.period_to = _split_date(self._query("to"))
        self.loaded = True

    @resident_only
    @rx.event
    def choose(self, field: str, value: str):
        """A radio was chosen: keep it (only known fields and values)."""
        field, value = str(field), str(value)
        if value in RADIO_FIELDS.get(field, ()):
            self.choices = {**self.choices, field: value}

    @resident_only
    @rx.event
    async def submit(self, form_data: dict):
        """Send the request. Events from one browser run one at a time, so a second press
        arrives after the first has finished and finds it done: one request, not two."""
        principal = current_principal()
        form = form_fields(form_data)
        if self.kind not in KIND_ORDER or self.done:
            return
        outcome = await in_transaction(
            request_form.submit_request,
            principal,
            self.chosen_ref,
            kind=self.kind,
            form=form,
            choices=dict(self.choices),
            now=utcnow(),
            settings=get_settings(),
        )
        self._take(outcome.choice)
        if outcome.not_yours:
            if self.kind == K.QUERY:
                self.errors = {"transaction_id": "Choose a payment or charge from the list"}
                return forms.focus_error_summary()
            self.refused = True
            return
        result = outcome.result
        if result is None:
            return
        if not result.ok:
            self.errors = dict(result.errors)
            return forms.focus_error_summary()
        ack = result.acknowledgement
        self.errors = {}
        self.done = True
        self.ack = {
            "reference": ack.reference,
            "kind": ack.kind_label,
            "asked": ack.what_you_asked,
            "email": ack.email,
            "joint": "yes" if ack.needs_joint_consent else "",
        }
        self.ack_steps = list(ack.next_steps)
        return rx.call_script(
            "window.scrollTo(0, 0); setTimeout(() => document.getElementById('ack-heading')?.focus(), 50)"
        )


def _choice_radios(field: str, legend: str, options, hint: str | None = None) -> rx.Component:
    return forms.radios(
        RequestFormState.errors,
        field,
        legend,
        list(options),
        selected=RequestFormState.choices.get(field, ""),
        on_select=lambda value: RequestFormState.choose(field, value),
        hint=hint,
    )


def _post_to() -> rx.Component:
    e = RequestFormState.errors
    return rx.fragment(
        _choice_radios(
            "post_to_address",
            "Should we post it to your home?",
            [("yes", "Yes"), ("no", "No, to another address")],
            hint=None,
        ),
        rx.el.p("Your home: ", RequestFormState.home_address, class_name="hint"),
        forms.textarea_field(
            e,
            "other_address",
            "Other address (only if you chose another address)",
            hint="The full address, with the postcode",
            max_length=K.ADDRESS_MAX_LENGTH,
        ),
    )


def _query_form() -> rx.Component:
    e = RequestFormState.errors
    return rx.fragment(
        rx.el.div(
            rx.el.label(
                "Which payment or charge is it about? (optional)", html_for="transaction-id", class_name="label"
            ),
            forms.error_line(e, "transaction_id", "transaction-id"),
            rx.el.select(
                rx.el.option("Not about one payment or charge", value=""),
                rx.foreach(RequestFormState.transactions, lambda t: rx.el.option(t["label"], value=t["id"])),
                id="transaction-id",
                name="transaction_id",
                class_name="select",
                default_value=RequestFormState.chosen_transaction,
                key=RequestFormState.chosen_transaction,
            ),
            class_name="field",
        ),
        forms.textarea_field(
            e,
            "message",
            "Your question",
            hint="Tell us what looks wrong or what you want to know. Your income officer will reply.",
            max_length=K.QUERY_MAX_LENGTH,
        ),
    )


def _standing_order_form() -> rx.Component:
    so = RequestFormState.standing_order
    return rx.fragment(
        rx.el.p("Ask your bank to pay us by standing order using these details:"),
        rx.el.dl(
            rx.el.div(rx.el.dt("Account name"), rx.el.dd(so["name"])),
            rx.el.div(rx.el.dt("Sort code"), rx.el.dd(so["sort_code"])),
            rx.el.div(rx.el.dt("Account number"), rx.el.dd(so["number"])),
            rx.el.div(rx.el.dt("Payment reference"), rx.el.dd(rx.el.strong(so["reference"]))),
            class_name="summary-list",
        ),
        rx.el.p(
            "Always quote your payment reference, or we cannot match the payment to your account.", class_name="inset"
        ),
        rx.el.h2("Want these details by post?"),
        _post_to(),
    )


def _refund_form() -> rx.Component:
    e = RequestFormState.errors
    return rx.fragment(
        rx.el.p(RequestFormState.refund_message, class_name="inset"),
        rx.cond(
            RequestFormState.refund_possible,
            rx.fragment(
                rx.cond(
                    RequestFormState.is_joint,
                    rx.el.p(
                        "This is a joint tenancy: we will ask the other tenant to agree before we pay a refund.",
                        class_name="notice",
                    ),
                ),
                forms.text_field(
                    e,
                    "amount",
                    "How much do you want back?",
                    hint=rx.fragment("Up to ", RequestFormState.refund_available),
                    input_mode="decimal",
                    extra_class="input--short",
                    autocomplete="off",
                ),
                forms.text_field(
                    e, "bank_account_name", "Name on the bank account", autocomplete="cc-name", spellcheck=False
                ),
                forms.text_field(
                    e,
                    "sort_code",
                    "Sort code",
                    hint="6 digits, for example 30-94-57",
                    input_mode="numeric",
                    extra_class="input--short",
                    autocomplete="off",
                ),
                forms.text_field(
                    e,
                    "bank_account_number",
                    "Account number",
                    hint="8 digits",
                    input_mode="numeric",
                    autocomplete="off",
                ),
                rx.el.p(
                    "We keep your bank details encrypted and only your income officer can see them.",
                    class_name="caption",
                ),
            ),
        ),
    )


def _benefits_form() -> rx.Component:
    e = RequestFormState.errors
    return rx.fragment(
        _choice_radios("topic", "What do you want advice about?", K.BENEFIT_TOPICS),
        _choice_radios("best_time", "When is best to contact you?", K.BEST_TIMES),
        _choice_radios("contact_by", "How should we contact you?", K.CONTACT_WAYS),
        forms.text_field(e, "phone", "Phone number (if by phone)", input_type="tel", autocomplete="tel"),
        forms.text_field(
            e, "email", "Email address (if by email)", input_type="email", autocomplete="email", spellcheck=False
        ),
        forms.textarea_field(e, "note", "Anything else we should know (optional)", max_length=K.NOTE_MAX_LENGTH),
    )


def _paper_form() -> rx.Component:
    e = RequestFormState.errors
    return rx.fragment(
        forms.date_field(
            e,
            "period_from",
            "Start date",
            hint="For example, 1 4 2025",
            prefix="period-from",
            autocomplete_prefix=None,
            defaults=RequestFormState.period_from,
        ),
        forms.date_field(
            e,
            "period_to",
            "End date",
            hint="For example, 31 3 2026",
            prefix="period-to",
            autocomplete_prefix=None,
            defaults=RequestFormState.period_to,
        ),
        _post_to(),
    )


def _kind_menu() -> rx.Component:
    return rx.el.ul(
        *[
            rx.el.li(rx.el.a(KIND_INTRO[k], href=routes.new_request(kind=k, account=RequestFormState.chosen_ref)))
            for k in KIND_ORDER
        ],
        # About the resident rather than this account: a page of its own (pages/rights/data_request.py).
        rx.el.li(rx.el.a("Ask us to correct or delete information about you", href=routes.DATA_REQUEST)),
        class_name="list",
    )


def _form() -> rx.Component:
    needs_button = rx.cond(RequestFormState.kind == K.REFUND, RequestFormState.refund_possible, True)
    return rx.el.form(
        forms.error_summary(RequestFormState.errors, ALL_ERROR_ORDER),
        rx.match(
            RequestFormState.kind,
            (K.QUERY, _query_form()),
            (K.STANDING_ORDER, _standing_order_form()),
            (K.REFUND, _refund_form()),
            (K.BENEFITS_ADVICE, _benefits_form()),
            (K.PAPER_STATEMENT, _paper_form()),
            rx.fragment(),
        ),
        rx.cond(needs_button, forms.submit_button("Send")),
        on_submit=RequestFormState.submit,
        no_validate=True,
        custom_attrs=draft_attrs(DRAFT_FIELDS),
    )


def _acknowledgement() -> rx.Component:
    a = RequestFormState.ack
    return rx.el.div(
        rx.el.div(
            rx.el.h1("Request sent", id="ack-heading", tab_index=-1),
            rx.el.p("Your reference is ", rx.el.br(), rx.el.strong(a["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.p(a["asked"]),
        rx.el.p("We have sent a confirmation to ", rx.el.strong(a["email"]), "."),
        rx.el.h2("What happens next"),
        rx.el.ul(rx.foreach(RequestFormState.ack_steps, lambda step: rx.el.li(step))),
        rx.el.p(rx.el.a("See all your requests", href=routes.REQUESTS)),
        custom_attrs={DRAFT_SENT: "1"},
    )


@page(
    routes.NEW_REQUEST,
    "Ask us something",
    on_load=RequestFormState.load,
    # each form its own title, as its heading says
    by=RequestFormState.kind,
    states=[(k, KIND_INTRO[k]) for k in KIND_ORDER],
    errors=RequestFormState.errors,
)
def new_request_page() -> rx.Component:
    heading = rx.match(
        RequestFormState.kind, *[(k, KIND_INTRO[k]) for k in KIND_ORDER], "Ask us something about your account"
    )
    return rx.cond(
        RequestFormState.loaded,
        rx.cond(
            RequestFormState.chosen_ref != "",
            rx.cond(
                RequestFormState.done,
                _acknowledgement(),
                rx.fragment(
                    rx.el.h1(heading),
                    account_picker(
                        RequestFormState.account_options,
                        RequestFormState.chosen_ref,
                        lambda ref: routes.new_request(kind=RequestFormState.kind, account=ref),
                    ),
                    account_tabs(RequestFormState.chosen_ref, "requests"),
                    rx.cond(RequestFormState.kind == "", _kind_menu(), _form()),
                ),
            ),
            not_yours(RequestFormState.refused),
        ),
        rx.fragment(rx.el.h1("Ask us something"), loading_or_offline("Loading…", OFFLINE)),
    )
