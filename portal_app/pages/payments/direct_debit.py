"""Direct Debit: the resident's instructions (bank details masked) with Cancel; setting one
up (the name(s) on the account, sort code, account number, how often, which day; what the
payments will be, and the Direct Debit Guarantee in full, before "Set up Direct Debit");
the confirmation; and the paper form as a PDF (``services/payments/direct_debit.py``).

Bank details never enter this state, not even a backend (underscore) var: Reflex keeps
every var, those included, in its state files or Redis. So there is one submit: the form,
with what the payments will be and the Guarantee shown above its button, goes to
``set_up`` straight from the browser's form data, which checks it and writes the
instruction in the same event; the typed numbers are never kept between events. What the
payments will be follows the two choices that are not secret (how often and which day) as
they are made, from figures worked out when the page loaded; the page shows the bank
details only masked ("Sort code ending 57, account ending 5612"), after they are saved.
A form that comes back with errors keeps what was typed in the browser's own inputs,
never here, and the form is never kept as a draft through a sign-in
(``components/session_timeout.py``).
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.accounts import account_picker, account_tabs, not_yours
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.payments import OFFLINE
from portal_app.services.identity import tickets
from portal_app.services.payments import direct_debit as dd
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction

FORM, DONE = "form", "done"
ERROR_ORDER = [
    (dd.FIELD_NAME, "account-name"),
    (dd.FIELD_SORT_CODE, "sort-code"),
    (dd.FIELD_ACCOUNT_NUMBER, "account-number"),
    (dd.FIELD_FREQUENCY, "frequency"),
    (dd.FIELD_DAY, "collection-day"),
    (dd.FIELD_AUTHORISE, "authorise"),
]
# What the handler reads of the form: the typed fields (the radios are in state as chosen).
TYPED = (dd.FIELD_NAME, dd.FIELD_SORT_CODE, dd.FIELD_ACCOUNT_NUMBER, dd.FIELD_AUTHORISE)
FREQUENCIES = tuple(f for f, _ in dd.FREQUENCY_CHOICES)


@dataclasses.dataclass
class InstructionItem:
    reference: str = ""
    account: str = ""
    active: bool = False
    status: str = ""
    holder: str = ""
    bank: str = ""
    terms: str = ""
    day: str = ""
    first: str = ""
    set_up: str = ""


def _items(views) -> list[InstructionItem]:
    return [
        InstructionItem(
            reference=v.reference,
            account=f"{v.account_label} {v.account_ref}",
            active=v.active,
            status=v.status_words,
            holder=v.holder,
            bank=v.bank_masked,
            terms=v.terms_words,
            day=v.day_words,
            first=v.first_words,
            set_up=v.set_up_words,
        )
        for v in views
    ]


class DirectDebitState(AccountChoiceState):
    loaded: bool = False
    step: str = FORM
    account_label: str = ""
    charge: str = ""  # "£100.00 a week"
    has_charge: bool = False
    active_reference: str = ""  # this resident's Direct Debit on this account, or ""
    paid_by_other: bool = False  # another tenant on this account pays it by Direct Debit
    amounts: dict[str, str] = {}  # frequency -> "£433.33"
    first_dates: dict[str, str] = {}  # day -> "28 January 2027"
    frequency: str = ""
    day: str = ""
    preview: dict[str, str] = {}  # what the chosen frequency and day would be, in words
    errors: dict[str, str] = {}
    instructions: list[InstructionItem] = []
    pdf_href: str = ""
    email: str = ""
    done: dict[str, str] = {}
    cancelling: str = ""  # the reference whose "Are you sure?" shows
    cancelled: str = ""  # the reference just cancelled
    # Every frequency and day's words, worked out at load (nothing secret: the charges and the dates).
    _previews: dict[str, dict[str, str]] = {}

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        now = utcnow()
        self.step, self.errors, self.done, self.cancelling, self.cancelled = FORM, {}, {}, "", ""
        self.frequency, self.day, self.preview = "", "", {}
        choice, form = await in_transaction(
            dd.form_context, principal, self._wanted(), self.chosen_ref, now=now, settings=get_settings()
        )
        if self._take(choice) is not None and form is not None:
            self.account_label = form.account_label
            self.charge = form.charge_words
            self.has_charge = form.weekly_charge_pence > 0
            self.active_reference = form.active_reference
            self.paid_by_other = form.paid_by_other
            self.amounts = {o.frequency: o.amount_words for o in form.frequencies}
            self.first_dates = {str(o.day): o.first_words for o in form.days}
            self._previews = {key: dataclasses.asdict(p) for key, p in form.previews.items()}
            self.instructions = _items(form.instructions)
            self.email = form.email
            ticket = tickets.issue(
                session_id=principal.session_id,
                user_id=principal.user_id,
                account_id=form.account_id,
                kind="direct_debit_form_pdf",
                date_from=None,
                date_to=None,
                now=now,
            )
            self.pdf_href = routes.download(routes.API_DIRECT_DEBIT_FORM_PDF, ticket)
        self.loaded = True

    def _show_preview(self) -> None:
        self.preview = dict(self._previews.get(dd.preview_key(self.frequency, self.day), {}))

    @resident_only
    @rx.event
    def choose_frequency(self, value: str):
        if isinstance(value, str) and value in FREQUENCIES:
            self.frequency = value
            self._show_preview()

    @resident_only
    @rx.event
    def choose_day(self, value: str):
        if isinstance(value, str) and value in self.first_dates:
            self.day = value
            self._show_preview()

    @resident_only
    @rx.event
    async def submit(self, form_data: dict):
        """Check the form and set the Direct Debit up, in this one event: the bank details
        go from the form data to the service and are kept nowhere here. Events from one tab
        run one at a time and a resident has one active Direct Debit per account, so a
        second press finds the first and makes none."""
        if self.step == DONE or not self.chosen_ref:
            return
        principal = current_principal()
        sent = form_fields(form_data)
        form = {name: sent.get(name, "") for name in TYPED}
        # The checkbox arrives as True or False (Reflex reads a checkbox's ``checked``), which
        # form_fields leaves out as not text: only True, or its value as text, confirms.
        ticked = isinstance(form_data, dict) and form_data.get(dd.FIELD_AUTHORISE) is True
        form[dd.FIELD_AUTHORISE] = dd.AUTHORISED if ticked else form[dd.FIELD_AUTHORISE]
        form[dd.FIELD_FREQUENCY], form[dd.FIELD_DAY] = self.frequency, self.day
        done = await in_transaction(dd.set_up, principal, self.chosen_ref, form, now=utcnow(), settings=get_settings())
        if done.outcome == "refused":
            self.refused, self.chosen_ref = True, ""
            return
        if done.outcome == "invalid":
            self.errors = dict(done.errors)
            return forms.focus_error_summary()
        self.errors = {}
        if done.outcome == "exists":
            if done.paid_by_other:
                self.paid_by_other = True
            else:
                self.active_reference = done.reference or "yes"
            return
        if done.outcome == "no_charge":
            self.has_charge = False
            return
        self.done = {
            "reference": done.reference,
            "account": f"{self.account_label} {done.account_ref}",
            "holder": done.holder,
            "bank": done.bank_masked,
            "amount": f"{done.amount_words} {done.frequency_words}",
            "day": done.when_words,
            "first": done.first_words,
            "later": done.later_dates,
            "email": done.email,
        }
        self.active_reference = done.reference
        self.instructions = _items(done.instructions)
        self.step = DONE
        return rx.call_script(
            "window.scrollTo(0, 0); setTimeout(() => document.getElementById('done-heading')?.focus(), 50)"
        )

    @resident_only
    @rx.event
    def ask_cancel(self, reference: str):
        """Show "Are you sure?" for one of the resident's own active Direct Debits."""
        if isinstance(reference, str) and any(i.reference == reference and i.active for i in self.instructions):
            self.cancelling, self.cancelled = reference, ""

    @resident_only
    @rx.event
    def keep(self):
        self.cancelling = ""

    @resident_only
    @rx.event
    async def cancel(self):
        """Cancel the Direct Debit whose "Are you sure?" shows: the service checks it is
        this resident's own and active, and cancels it once."""
        if not self.cancelling:
            return
        principal = current_principal()
        done = await in_transaction(dd.cancel, principal, self.cancelling, now=utcnow(), settings=get_settings())
        self.cancelling = ""
        if done.outcome == "refused":
            return
        self.instructions = _items(done.instructions)
        self.cancelled = done.reference
        if done.reference == self.active_reference:
            self.active_reference = ""
        return rx.call_script("setTimeout(() => document.getElementById('cancelled-message')?.focus(), 50)")


def _row(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _instruction(item) -> rx.Component:
    return rx.el.section(
        rx.el.h3("Direct Debit ", item.reference),
        rx.el.dl(
            _row("Status", item.status),
            _row("Paying", item.account),
            _row("Amount", item.terms),
            _row("When", item.day),
            _row("First payment", item.first),
            _row("From", rx.fragment(item.holder, rx.el.br(), item.bank)),
            _row("Set up on", item.set_up),
            class_name="summary-list",
        ),
        rx.cond(
            item.active,
            rx.cond(
                DirectDebitState.cancelling == item.reference,
                rx.el.div(
                    rx.el.p(
                        rx.el.strong("Are you sure you want to cancel Direct Debit ", item.reference, "?"),
                        " We will not take any more payments under it, and you will need to pay another way.",
                    ),
                    rx.el.div(
                        rx.el.button(
                            "Yes, cancel this Direct Debit",
                            type="button",
                            class_name="button button--warning",
                            on_click=DirectDebitState.cancel,
                        ),
                        rx.el.button(
                            "No, keep it",
                            type="button",
                            class_name="button button--secondary",
                            on_click=DirectDebitState.keep,
                        ),
                        class_name="button-group",
                    ),
                    class_name="notice notice--warning",
                    role="group",
                    aria_label="Cancel this Direct Debit?",
                ),
                rx.el.button(
                    "Cancel Direct Debit ",
                    item.reference,
                    type="button",
                    class_name="button button--secondary",
                    on_click=DirectDebitState.ask_cancel(item.reference),
                    disabled=~rx.State.is_hydrated,
                ),
            ),
        ),
        class_name="card",
    )


def _mine() -> rx.Component:
    return rx.cond(
        DirectDebitState.instructions.length() > 0,
        rx.el.section(
            rx.el.h2("Your Direct Debits"),
            rx.cond(
                DirectDebitState.cancelled != "",
                rx.el.p(
                    "Direct Debit ",
                    DirectDebitState.cancelled,
                    " is cancelled. We have sent you an email to confirm it.",
                    class_name="notice notice--success",
                    id="cancelled-message",
                    tab_index=-1,
                    role="status",
                ),
            ),
            rx.foreach(DirectDebitState.instructions, _instruction),
        ),
    )


def _guarantee() -> rx.Component:
    points = dd.guarantee(get_settings().landlord_name)
    return rx.el.section(
        rx.el.h3(dd.GUARANTEE_HEADING, id="guarantee-heading"),
        rx.el.ul(
            *[
                rx.el.li(
                    point.text, rx.el.ul(*[rx.el.li(sub) for sub in point.under]) if point.under else rx.fragment()
                )
                for point in points
            ],
            class_name="list",
        ),
        class_name="inset",
        aria_labelledby="guarantee-heading",
    )


def _check() -> rx.Component:
    p = DirectDebitState.preview
    return rx.el.div(
        rx.el.h3("Check your payments"),
        rx.cond(
            p.contains("amount_words"),
            rx.el.dl(
                _row("Paying", rx.fragment(DirectDebitState.account_label, " ", DirectDebitState.chosen_ref)),
                _row("Amount", rx.el.strong(p["amount_words"], " ", p["frequency_words"])),
                _row("When", p["when_words"]),
                _row("First payment", rx.el.strong(p["first_words"])),
                _row("After that", p["later_dates"]),
                _row("Payment reference", DirectDebitState.chosen_ref),
                class_name="summary-list",
            ),
            rx.el.p("Choose how often and which day, and your payments will show here.", class_name="hint"),
        ),
        aria_live="polite",
    )


def _authorise(errors) -> rx.Component:
    has_error = errors.contains(dd.FIELD_AUTHORISE)
    return rx.el.div(
        forms.error_line(errors, dd.FIELD_AUTHORISE, "authorise"),
        rx.el.div(
            rx.el.input(
                type="checkbox",
                id="authorise",
                name=dd.FIELD_AUTHORISE,
                value=dd.AUTHORISED,
                aria_describedby=rx.cond(has_error, "authorise-hint authorise-error", "authorise-hint"),
                aria_invalid=rx.cond(has_error, "true", "false"),
            ),
            rx.el.label(
                "I am an account holder and I can authorise Direct Debits from this account on my own",
                html_for="authorise",
            ),
            class_name="checkbox",
        ),
        rx.el.p(
            "If the account needs more than one person to sign, use the paper form below.",
            class_name="hint",
            id="authorise-hint",
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _form() -> rx.Component:
    e = DirectDebitState.errors
    settings = get_settings()
    frequencies = [
        (value, rx.fragment(label, ": ", DirectDebitState.amounts[value])) for value, label in dd.FREQUENCY_CHOICES
    ]
    days = [
        (str(day), rx.fragment(dd.day_label(day), ": first payment ", DirectDebitState.first_dates[str(day)]))
        for day in settings.direct_debit_collection_days
    ]
    return rx.el.form(
        forms.error_summary(e, ERROR_ORDER),
        rx.el.p(
            "Your regular charges on this account come to ",
            rx.el.strong(DirectDebitState.charge),
            ". We will take the same each time, worked out for how often you choose to pay.",
        ),
        rx.el.h3("Your bank account"),
        forms.text_field(
            e,
            dd.FIELD_NAME,
            "Name on the account",
            hint="As it is shown on your bank statement. For a joint account, give both names",
            autocomplete="off",
            spellcheck=False,
        ),
        forms.text_field(
            e,
            dd.FIELD_SORT_CODE,
            "Sort code",
            hint="Must be 6 digits long, for example 30-94-57",
            input_mode="numeric",
            extra_class="input--short",
            autocomplete="off",
        ),
        forms.text_field(
            e,
            dd.FIELD_ACCOUNT_NUMBER,
            "Account number",
            hint="Must be between 6 and 8 digits long",
            input_mode="numeric",
            autocomplete="off",
        ),
        _authorise(e),
        rx.el.h3("Your payments"),
        forms.radios(
            e,
            dd.FIELD_FREQUENCY,
            "How often do you want to pay?",
            frequencies,
            selected=DirectDebitState.frequency,
            on_select=DirectDebitState.choose_frequency,
        ),
        forms.radios(
            e,
            dd.FIELD_DAY,
            "Which day of the month should payments start?",
            days,
            selected=DirectDebitState.day,
            on_select=DirectDebitState.choose_day,
            hint=(
                "We need at least 10 working days' notice before the first payment. A payment due on a weekend or "
                "bank holiday is taken on the next working day. Weekly payments then follow every week, and so on."
            ),
        ),
        _check(),
        _guarantee(),
        rx.el.p(
            "By setting up this Direct Debit you confirm these details are correct and ask your bank to pay ",
            settings.landlord_name,
            " as the Direct Debit Guarantee above says. We keep your bank details encrypted.",
        ),
        forms.submit_button("Set up Direct Debit"),
        on_submit=DirectDebitState.submit,
        no_validate=True,
        auto_complete="off",
    )


def _set_up_section() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Set up a Direct Debit"),
        rx.cond(
            DirectDebitState.has_charge,
            rx.cond(
                DirectDebitState.active_reference != "",
                rx.el.p(
                    "You already pay this account by Direct Debit. To change how much or when, cancel it above "
                    "and set up a new one.",
                    class_name="inset",
                ),
                rx.cond(
                    DirectDebitState.paid_by_other,
                    rx.el.p(
                        "Another tenant on this account already pays it by Direct Debit, so we will not collect "
                        "it twice. Ask them, or ask us, if you want to change how it is paid.",
                        class_name="inset",
                        id="paid-by-other",
                    ),
                    _form(),
                ),
            ),
            rx.el.p(
                "There is no regular charge on this account to pay by Direct Debit. Ask us if you think this is wrong.",
                class_name="inset",
            ),
        ),
    )


def _paper() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Set up a Direct Debit on paper"),
        rx.el.p(
            "The paper form has your name, address and payment reference on it already. Fill in your bank details, "
            "sign it and post it to us. Use it if your bank account needs more than one signature."
        ),
        rx.el.p(
            rx.el.a("Download a paper form (PDF)", href=DirectDebitState.pdf_href, download=True, reload_document=True),
            class_name="not-kiosk",
        ),
    )


def _done() -> rx.Component:
    d = DirectDebitState.done
    return rx.fragment(
        rx.el.div(
            rx.el.h1("Your Direct Debit is set up", id="done-heading", tab_index=-1),
            rx.el.p("Direct Debit reference ", rx.el.br(), rx.el.strong(d["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.dl(
            _row("Paying", d["account"]),
            _row("Amount", d["amount"]),
            _row("When", d["day"]),
            _row("First payment", d["first"]),
            _row("After that", d["later"]),
            _row("From", rx.fragment(d["holder"], rx.el.br(), d["bank"])),
            class_name="summary-list",
        ),
        rx.el.p(
            "We have sent a confirmation, with these dates and the Direct Debit Guarantee, to ",
            rx.el.strong(d["email"]),
            ".",
        ),
        rx.el.p(
            "Payments will show on your bank statement as ",
            get_settings().landlord_name,
            " with the reference ",
            d["reference"],
            ". We will tell you at least 10 working days before we change the amount, the date or how often.",
        ),
        rx.el.p(rx.el.a("See your Direct Debits", href=routes.direct_debit(DirectDebitState.chosen_ref))),
    )


@page(
    routes.DIRECT_DEBIT,
    "Direct Debit",
    on_load=DirectDebitState.load,
    by=DirectDebitState.step,
    states=[(DONE, "Your Direct Debit is set up")],
    errors=DirectDebitState.errors,
)
def direct_debit_page() -> rx.Component:
    return rx.cond(
        DirectDebitState.loaded,
        rx.cond(
            DirectDebitState.chosen_ref != "",
            rx.cond(
                DirectDebitState.step == DONE,
                _done(),
                rx.fragment(
                    rx.el.h1("Direct Debit"),
                    account_picker(DirectDebitState.account_options, DirectDebitState.chosen_ref, routes.direct_debit),
                    account_tabs(DirectDebitState.chosen_ref, "pay"),
                    _mine(),
                    _set_up_section(),
                    _paper(),
                ),
            ),
            not_yours(DirectDebitState.refused),
        ),
        rx.fragment(rx.el.h1("Direct Debit"), loading_or_offline("Loading…", OFFLINE)),
    )
