"""One resident in the back office (``?id=`` their portal account): their contact details and
sign-in, their accounts and requests read-only and exactly as they see them, help with
their sign-in, and a request raised for them by phone or in person.

Every look is audited by the service (``services/staff/residents.py``); the id in the
address is only a key for the service to look up. The resident's data lives only in this
tab's state, filled for the officer who asked and emptied when their staff session ends
(``StaffState``) or another resident is opened. Nothing here ever holds a password, its
hash, a two-step key or a refund's bank details: the bank details an officer types for a
refund go from the form's event straight to the service and are never put in a var.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_date_words, uk_time_words, utcnow
from portal_app.components import forms, money, tables
from portal_app.components.back_office import staff_page
from portal_app.pages.requests import status_tag
from portal_app.pages.requests.new import ERROR_ORDER, KIND_INTRO, KIND_ORDER, RADIO_FIELDS
from portal_app.services.accounts import summary as account_words
from portal_app.services.money import balance_display, format_pence
from portal_app.services.requests import resident as money_requests
from portal_app.services.requests.common import RAISED_VIA
from portal_app.services.staff import assisted, residents
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

K = money_requests
HELP_FIELDS = [("disable_reason", "disable-reason"), ("enable_reason", "enable-reason")]
START_FIELDS = [("raise_account", "raise-account"), ("raise_kind", "raise-kind")]
RAISE_ERROR_ORDER = [("raised_via", "raised-via"), *dict.fromkeys(p for k in KIND_ORDER for p in ERROR_ORDER[k])]
RAISE_RADIOS = {**RADIO_FIELDS, "raised_via": tuple(RAISED_VIA)}


def _money_or_blank(pence: int | None) -> str:
    return format_pence(pence) if pence is not None else ""


def _day(value: date | None) -> str:
    return uk_date_words(value) if value else ""


class ResidentState(StaffState):
    loaded: bool = False
    found: bool = False
    profile: dict[str, str] = {}
    sign_in_words: list[str] = []
    accounts: list[dict[str, str]] = []
    requests: list[dict[str, str]] = []

    # One account, as their account page shows it.
    account: dict[str, str] = {}
    account_refused: bool = False
    account_pending: list[dict[str, str]] = []
    account_explanations: list[str] = []
    account_charges: list[dict[str, str]] = []
    account_history: list[dict[str, str]] = []
    account_page: int = 1
    account_pages: int = 1
    account_lines: int = 0

    # One request, as their request page shows it.
    request: dict[str, str] = {}
    request_lines: list[dict[str, str]] = []
    request_updates: list[dict[str, str]] = []

    # Helping with the sign-in.
    help_message: str = ""
    help_done: bool = False
    help_errors: dict[str, str] = {}

    # Raising a request for them.
    raise_step: str = ""  # "" (choose the kind and account) | "form" | "done"
    raise_kind: str = ""
    raise_account: str = ""
    raise_problem: str = ""
    raise_errors: dict[str, str] = {}
    raise_choices: dict[str, str] = {}
    raise_form: dict[str, str] = {}
    raise_transactions: list[dict[str, str]] = []
    raise_ack: dict[str, str] = {}
    raise_steps: list[str] = []

    _user_id: int = 0

    def _id_from_page(self) -> str:
        """The ``?id=`` of the page's address: whatever the browser sent, only ever a key."""
        if not self.router:
            return ""
        return str(self.router.url.query_parameters.get("id", "") or "")[:16]

    # -- seeing ----------------------------------------------------------------

    def _show(self, view: residents.ResidentView) -> None:
        p = view.profile
        self._user_id = p.user_id
        self.found = True
        self.profile = {
            "name": p.name,
            "email": p.email,
            "mobile": p.mobile_masked,
            "status": p.status,
            "status_words": p.status_words,
            "two_step": "On: they sign in with a code from an app" if p.two_step_on else "Off",
            "last_sign_in": p.last_sign_in_words,
            "registered": p.registered_words,
            "tenancy": p.tenancy_ref,
            "address": p.address,
            "letters": "Yes, as well as online" if p.letters_by_post else "No, online only",
            "sessions": "Not signed in anywhere" if not p.live_sessions else f"{p.live_sessions} now",
            "disabled_reason": p.disabled_reason,
        }
        self.sign_in_words = list(p.sign_in.words)
        self.accounts = [
            {
                "label": a.label,
                "reference": a.account_ref,
                "option": f"{a.label} {a.account_ref}",
                "address": a.address,
                "balance": a.balance_display,
                "words": a.balance_words,
                "arrears": "yes" if a.arrears else "",
                "as_at": uk_time_words(a.as_at),
                "last_payment": account_words.last_payment_words(a),
                "next_due": account_words.next_due_words(a),
                "former": "yes" if a.is_former else "",
            }
            for a in view.accounts
        ]
        self.requests = [
            {
                "reference": r.reference,
                "kind": r.kind_label,
                "summary": r.summary,
                "status": r.status,
                "status_label": r.status_label,
                "account": f"{r.account_label} {r.account_ref}".strip(),
                "created": r.created_on,
                "updated": r.updated_on,
                "raised_by": r.raised_by,
            }
            for r in view.requests
        ]

    async def _refresh(self) -> None:
        """Show the resident again after a help or a raised request (a new look, audited as
        one); not for a role that may help but not look (an administrator)."""
        if residents.VIEW not in current_staff().permissions:
            return
        view = await in_transaction(
            residents.view_resident,
            current_staff(),
            self._user_id,
            now=utcnow(),
            settings=get_settings(),
            client_ip=self._client_ip(),
        )
        if view is None:
            self.found = False
            return
        self._show(view)

    def _reset_page(self) -> None:
        """Every var of this page back to its default (not the header's, which StaffState keeps)."""
        header = StaffState.__fields__.keys()
        for name, var in type(self).__fields__.items():
            if name not in header and getattr(self, name) != var.default_value():
                setattr(self, name, var.default_value())

    @staff_only("view_resident")
    @rx.event
    async def load(self):
        self._reset_page()
        view = await in_transaction(
            residents.view_resident,
            current_staff(),
            self._id_from_page(),
            now=utcnow(),
            settings=get_settings(),
            client_ip=self._client_ip(),
        )
        if view is not None:
            self._show(view)
        self.loaded = True

    def _show_account(self, found: residents.ResidentAccount) -> None:
        overview, history = found.overview, found.history
        if overview is None or history is None:
            self.account_refused, self.account = True, {}
            self.account_pending, self.account_explanations, self.account_charges, self.account_history = [], [], [], []
            return
        a = overview.summary
        self.account_refused = False
        self.account = {
            "label": a.label,
            "reference": a.account_ref,
            "address": a.address,
            "balance": a.balance_display,
            "words": a.balance_words,
            "arrears": "yes" if overview.arrears else "",
            "as_at": uk_time_words(a.as_at),
            "pending_total": format_pence(overview.pending_pence) if overview.pending_pence else "",
            "charges_total": format_pence(overview.charges.total_weekly_pence) if overview.charges.lines else "",
        }
        self.account_pending = [
            {"date": uk_date_words(p.paid_on), "amount": format_pence(p.amount_pence), "reference": p.reference}
            for p in overview.pending
        ]
        self.account_explanations = list(overview.explanations)
        self.account_charges = [
            {"description": line.description, "weekly": format_pence(line.weekly_pence)}
            for line in overview.charges.lines
        ]
        self.account_page, self.account_pages, self.account_lines = (
            history.page,
            history.page_count,
            history.total_lines,
        )
        self.account_history = [
            {
                "date": line.posted_on.strftime("%d %b %Y"),
                "description": line.description,
                "type": account_words.type_caption(line.description, line.type_label),
                "debit": _money_or_blank(line.debit_pence),
                "credit": _money_or_blank(line.credit_pence),
                "balance": balance_display(line.balance_after_pence),
            }
            for line in history.lines
        ]

    async def _account(self, reference: str, page: int) -> None:
        found = await in_transaction(
            residents.view_account,
            current_staff(),
            self._user_id,
            reference,
            page=page,
            now=utcnow(),
            settings=get_settings(),
            client_ip=self._client_ip(),
        )
        if found is None:
            self.found = False
            return
        self._show_account(found)

    @staff_only("view_resident")
    @rx.event
    async def show_account(self, reference: str):
        """One of their accounts as their account page shows it (the service checks it is theirs)."""
        await self._account(str(reference)[:64], 1)
        return rx.call_script("setTimeout(() => document.getElementById('account-heading')?.focus(), 50)")

    @staff_only("view_resident")
    @rx.event
    async def account_go_to(self, number: int | str):
        try:
            wanted = int(str(number))
        except ValueError:
            return
        if not self.account.get("reference"):
            return
        await self._account(self.account["reference"], max(1, min(wanted, 100_000)))
        return rx.call_script("document.getElementById('account-heading')?.focus()")

    @staff_only("view_resident")
    @rx.event
    async def show_request(self, reference: str):
        """One of their requests as their request page shows it (someone else's is not found)."""
        found = await in_transaction(
            residents.view_request,
            current_staff(),
            self._user_id,
            str(reference)[:32],
            now=utcnow(),
            client_ip=self._client_ip(),
        )
        if found is None:
            self.request, self.request_lines, self.request_updates = {"missing": "yes"}, [], []
        else:
            self.request = {
                "reference": found.reference,
                "kind": found.kind_label,
                "summary": found.summary,
                "status": found.status,
                "status_label": found.status_label,
                "account": f"{found.account_label} {found.account_ref}".strip(),  # "": about no account
                "created": found.created_words,
                "officer": found.officer_name or "",
                "raised_by": found.raised_by,
            }
            self.request_lines = [{"label": ln.label, "value": ln.value} for ln in found.lines]
            self.request_updates = [
                {"at": u.at_words, "status": u.status_label, "note": u.note, "by": u.by} for u in found.updates
            ]
        return rx.call_script("setTimeout(() => document.getElementById('request-heading')?.focus(), 50)")

    # -- helping with the sign-in -------------------------------------------------

    async def _after_help(self, result: residents.ActionResult):
        self.help_done, self.help_message = result.done, result.message
        self.help_errors = dict(result.errors)
        self.raise_errors = {}  # one error summary on the page at a time
        if result.errors:
            return forms.focus_error_summary()
        await self._refresh()
        return rx.call_script("setTimeout(() => document.getElementById('help-message')?.focus(), 50)")

    async def _help(self, action, *args):
        result = await in_transaction(
            action, current_staff(), self._user_id, *args, now=utcnow(), client_ip=self._client_ip()
        )
        return await self._after_help(result)

    @staff_only("unlock_accounts")
    @rx.event
    async def unlock(self):
        return await self._help(residents.unlock)

    @staff_only("unlock_accounts")
    @rx.event
    async def send_password_link(self):
        return await self._help(residents.send_password_link)

    @staff_only("unlock_accounts")
    @rx.event
    async def sign_out_everywhere(self):
        return await self._help(residents.sign_out_everywhere)

    @staff_only("unlock_accounts")
    @rx.event
    async def disable(self, form_data: dict):
        return await self._help(residents.disable, form_fields(form_data).get("disable_reason", ""))

    @staff_only("unlock_accounts")
    @rx.event
    async def enable(self, form_data: dict):
        return await self._help(residents.enable, form_fields(form_data).get("enable_reason", ""))

    # -- raising a request for them ----------------------------------------------

    def _raise_reset(self) -> None:
        self.raise_step, self.raise_kind, self.raise_account, self.raise_problem = "", "", "", ""
        self.raise_errors, self.raise_choices, self.raise_form, self.raise_transactions = {}, {}, {}, []
        self.raise_ack, self.raise_steps = {}, []

    @staff_only("raise_on_behalf")
    @rx.event
    async def start_raise(self, form_data: dict):
        """Step one: what they are asking for, and about which of their accounts."""
        form = form_fields(form_data)
        self._raise_reset()
        self.help_errors = {}
        kind, account = form.get("raise_kind", ""), form.get("raise_account", "")
        errors = {}
        if kind not in KIND_ORDER:
            errors["raise_kind"] = "Select what they are asking for"
        if not account:
            errors["raise_account"] = "Select which of their accounts it is about"
        if errors:
            self.raise_errors = errors
            return forms.focus_error_summary()
        found = await in_transaction(
            assisted.raise_form,
            current_staff(),
            self._user_id,
            account,
            kind,
            now=utcnow(),
            settings=get_settings(),
            client_ip=self._client_ip(),
        )
        if found.form is None:
            self.raise_problem = found.problem
            return rx.call_script("setTimeout(() => document.getElementById('raise-heading')?.focus(), 50)")
        context, limit = found.form.context, found.form.refund
        so = found.form.standing_order
        self.raise_step, self.raise_kind, self.raise_account = "form", found.kind, found.form.account.account_ref
        self.raise_choices = {"raised_via": "phone"}
        self.raise_form = {
            "account": f"{found.form.account.label} {found.form.account.account_ref}",
            "home_address": context.home_address,
            "joint": "yes" if context.is_joint else "",
            "refund_message": limit.message,
            "refund_possible": "yes" if limit.available_pence > 0 else "",
            "refund_available": format_pence(limit.available_pence),
            "so_name": so.account_name,
            "so_sort_code": so.sort_code,
            "so_number": so.account_number,
            "so_reference": so.payment_reference,
        }
        self.raise_transactions = [{"id": str(t.transaction_id), "label": t.label} for t in found.form.transactions]
        return rx.call_script("setTimeout(() => document.getElementById('raise-heading')?.focus(), 50)")

    @staff_only("raise_on_behalf")
    @rx.event
    def choose(self, field: str, value: str):
        """A radio of the raise form was chosen: keep it (only known fields and values)."""
        field, value = str(field), str(value)
        if value in RAISE_RADIOS.get(field, ()):
            self.raise_choices = {**self.raise_choices, field: value}

    @staff_only("raise_on_behalf")
    @rx.event
    async def raise_request(self, form_data: dict):
        """Step two: send it, as the resident's own form would, marked as raised by this officer."""
        form = form_fields(form_data)
        if self.raise_step != "form":
            return
        choices = dict(self.raise_choices)
        outcome = await in_transaction(
            assisted.raise_request,
            current_staff(),
            self._user_id,
            self.raise_account,
            kind=self.raise_kind,
            via=choices.pop("raised_via", ""),
            form=form,
            choices=choices,
            now=utcnow(),
            settings=get_settings(),
            client_ip=self._client_ip(),
        )
        self.help_errors = {}
        if outcome.errors:
            self.raise_errors = dict(outcome.errors)
            return forms.focus_error_summary()
        if not outcome.ok:
            self.raise_errors = {}
            self.raise_problem = outcome.problem
            return rx.call_script("setTimeout(() => document.getElementById('raise-heading')?.focus(), 50)")
        ack = outcome.acknowledgement
        self.raise_errors, self.raise_problem, self.raise_step = {}, "", "done"
        self.raise_ack = {
            "reference": ack.reference,
            "kind": ack.kind_label,
            "asked": ack.what_you_asked,
            "email": ack.email,
        }
        self.raise_steps = list(ack.next_steps)
        await self._refresh()
        return rx.call_script("setTimeout(() => document.getElementById('raise-heading')?.focus(), 50)")

    @staff_only("raise_on_behalf")
    @rx.event
    def raise_another(self):
        self._raise_reset()


S = ResidentState


# ---------------------------------------------------------------------------
# The page: who they are and their sign-in
# ---------------------------------------------------------------------------


def _row(term: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(term), rx.el.dd(value))


def _profile() -> rx.Component:
    p = S.profile
    return rx.el.section(
        rx.el.h2("Contact details and sign-in", id="profile-heading"),
        rx.el.dl(
            _row("Email address", p["email"]),
            _row(
                "Mobile", rx.fragment(p["mobile"], rx.el.span(" (ask them for the whole number)", class_name="caption"))
            ),
            _row("Letters by post", p["letters"]),
            _row("Tenancy they registered with", rx.fragment(p["tenancy"], rx.el.br(), p["address"])),
            _row("Portal account", p["status_words"]),
            rx.cond(p["disabled_reason"] != "", _row("Why it was turned off", p["disabled_reason"])),
            _row("Two-step sign-in", p["two_step"]),
            _row("Last signed in", p["last_sign_in"]),
            _row("Signed in now", p["sessions"]),
            _row("Registered", p["registered"]),
            class_name="summary-list",
        ),
        rx.el.h3("What is slowing down their sign-in"),
        rx.cond(
            S.sign_in_words.length() > 0,
            rx.el.ul(rx.foreach(S.sign_in_words, lambda words: rx.el.li(words))),
            rx.el.p("Nothing: no sign-in waits or extra checks on their account now."),
        ),
        rx.el.p(
            "You cannot see or set their password: nobody can. If they have forgotten it, email them a link below.",
            class_name="caption",
        ),
        aria_labelledby="profile-heading",
    )


def _help_message() -> rx.Component:
    return rx.cond(
        S.help_message != "",
        rx.el.p(
            S.help_message,
            id="help-message",
            tab_index=-1,
            role="status",
            class_name=rx.cond(S.help_done, "notice notice--success", "notice notice--warning"),
        ),
    )


def _reason_form(field: str, label: str, hint: str, button: str, handler, warning: bool) -> rx.Component:
    return rx.el.form(
        forms.textarea_field(S.help_errors, field, label, hint=hint, max_length=residents.REASON_MAX_LENGTH),
        rx.el.button(
            button,
            type="submit",
            class_name="button button--warning" if warning else "button",
            disabled=~rx.State.is_hydrated,
        ),
        on_submit=handler,
        no_validate=True,
    )


def _help() -> rx.Component:
    active = S.profile["status"] == "active"
    return rx.el.section(
        rx.el.h2("Help with signing in", id="help-heading"),
        forms.error_summary(S.help_errors, HELP_FIELDS),
        _help_message(),
        rx.cond(
            active,
            rx.fragment(
                rx.el.h3("Clear their sign-in waits"),
                rx.el.p(
                    "Nobody is ever locked out of the portal. But after wrong passwords or codes, the internet "
                    "connection they came from has to wait a little longer before each next try (up to 15 minutes), "
                    "and after many wrong tries from elsewhere the right password needs one more check: the code "
                    "from their app, or a link we email them. Clearing forgets the wrong tries at their account from "
                    "everywhere, as choosing a new password does, so they can sign in straight away. It does not "
                    "change their password, and it does not clear the waits on an internet connection that tried "
                    "many different accounts (that protects every resident)."
                ),
                rx.el.button("Clear their sign-in waits", type="button", class_name="button", on_click=S.unlock),
                rx.el.h3("Email them a link to choose a new password"),
                rx.el.p(
                    "This is the email that checks it is them: their mailbox was proved when they registered, and "
                    "the link proves it again. We send it only to the email address on their account, above. It works "
                    "once, for a short time, and any link we have sent works until one is used. To stop anyone filling "
                    "their inbox, only a few are sent an hour; if they still have one that works, look for it first."
                ),
                rx.el.button(
                    "Email a link to choose a new password",
                    type="button",
                    class_name="button",
                    on_click=S.send_password_link,
                ),
            ),
        ),
        rx.el.h3("Sign them out everywhere"),
        rx.el.p(
            "Ends their sign-in on every phone, computer or office screen straight away, for example if they "
            "lost a phone or used a shared computer. Their password does not change."
        ),
        rx.el.button(
            "Sign them out everywhere",
            type="button",
            class_name="button button--secondary",
            on_click=S.sign_out_everywhere,
        ),
        rx.match(
            S.profile["status"],
            (
                "active",
                rx.fragment(
                    rx.el.h3("Turn off their online account"),
                    rx.el.p(
                        "They will not be able to sign in, ask for a password link or register again until it is "
                        "turned back on; they are signed out everywhere and we email them to say so. Their tenancy, "
                        "accounts and requests do not change."
                    ),
                    _reason_form(
                        "disable_reason",
                        "Why are you turning it off?",
                        "Recorded in the audit log with your name. We do not send the reason to them.",
                        "Turn off their online account",
                        S.disable,
                        warning=True,
                    ),
                ),
            ),
            (
                "disabled",
                rx.fragment(
                    rx.el.h3("Turn their online account back on"),
                    rx.el.p(
                        "They can sign in again with their email address and password, as before, and we email them "
                        "to say so."
                    ),
                    _reason_form(
                        "enable_reason",
                        "Why are you turning it back on?",
                        "Recorded in the audit log with your name.",
                        "Turn their online account back on",
                        S.enable,
                        warning=False,
                    ),
                ),
            ),
            rx.fragment(),
        ),
        aria_labelledby="help-heading",
    )


# ---------------------------------------------------------------------------
# Their accounts and requests, as they see them
# ---------------------------------------------------------------------------


def _account_card(acc: rx.Var) -> rx.Component:
    return rx.el.section(
        rx.el.h3(acc["label"], " ", acc["reference"]),
        rx.el.p(acc["address"], class_name="caption"),
        money.balance(acc["balance"], acc["words"], acc["arrears"] == "yes", acc["as_at"]),
        rx.el.dl(
            rx.el.div(rx.el.dt("Last payment"), rx.el.dd(acc["last_payment"])),
            rx.el.div(rx.el.dt("Next due"), rx.el.dd(acc["next_due"])),
            class_name="summary-list",
        ),
        rx.el.button(
            "Show transactions",
            rx.el.span(" for ", acc["label"], " ", acc["reference"], class_name="visually-hidden"),
            type="button",
            class_name="button button--secondary",
            on_click=S.show_account(acc["reference"]),
        ),
        class_name="card",
        aria_label=acc["label"],
    )


HISTORY_COLUMNS = (
    tables.Column("Date", "date"),
    tables.Column(
        "Description",
        render=lambda row: (row["description"], rx.el.br(), rx.el.span(row["type"], class_name="caption")),
    ),
    tables.Column("Charged", "debit", numeric=True),
    tables.Column("Paid", "credit", numeric=True),
    tables.Column("Balance", "balance", numeric=True),
)
CHARGE_COLUMNS = (
    tables.Column("Charge", "description", row_header=True),
    tables.Column("Each week", "weekly", numeric=True),
)


def _one_account() -> rx.Component:
    a = S.account
    return rx.cond(
        S.account_refused,
        rx.el.p("That account is not one they can see.", role="status"),
        rx.cond(
            a.contains("reference"),
            rx.el.section(
                rx.el.h3(
                    a["label"],
                    " ",
                    a["reference"],
                    ": as their account page shows it",
                    id="account-heading",
                    tab_index=-1,
                ),
                money.balance(a["balance"], a["words"], a["arrears"] == "yes", a["as_at"]),
                rx.cond(
                    S.account_pending.length() > 0,
                    rx.el.div(
                        rx.el.p(
                            "Payments made in the portal that our records do not show yet (", a["pending_total"], "):"
                        ),
                        rx.el.ul(
                            rx.foreach(
                                S.account_pending,
                                lambda p: rx.el.li(
                                    p["amount"], " paid on ", p["date"], " (reference ", p["reference"], ")"
                                ),
                            )
                        ),
                        class_name="notice",
                    ),
                ),
                rx.foreach(S.account_explanations, lambda text: rx.el.p(text, class_name="inset")),
                rx.cond(
                    S.account_charges.length() > 0,
                    tables.table(
                        "Their regular charges now",
                        CHARGE_COLUMNS,
                        S.account_charges,
                        label="Their regular charges",
                        foot=[tables.row(CHARGE_COLUMNS, ["Total", a["charges_total"]])],
                    ),
                ),
                rx.cond(
                    S.account_history.length() > 0,
                    tables.table(
                        ("Transactions, newest first, page ", S.account_page, " of ", S.account_pages),
                        HISTORY_COLUMNS,
                        S.account_history,
                        label="Their transactions",
                        stack=True,
                        class_name="table--history",
                    ),
                    rx.el.p("There are no transactions on this account yet."),
                ),
                rx.el.nav(
                    rx.cond(
                        S.account_page > 1,
                        rx.el.button(
                            "Newer",
                            type="button",
                            class_name="button button--secondary",
                            on_click=S.account_go_to(S.account_page - 1),
                        ),
                    ),
                    rx.el.p(
                        "Page ",
                        S.account_page,
                        " of ",
                        S.account_pages,
                        " (",
                        S.account_lines,
                        " transactions)",
                        class_name="caption",
                    ),
                    rx.cond(
                        S.account_page < S.account_pages,
                        rx.el.button(
                            "Older",
                            type="button",
                            class_name="button button--secondary",
                            on_click=S.account_go_to(S.account_page + 1),
                        ),
                    ),
                    class_name="pagination",
                    aria_label="Pages of their transactions",
                ),
                class_name="panel",
                aria_labelledby="account-heading",
            ),
        ),
    )


def _accounts() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Their accounts", id="accounts-heading"),
        rx.el.p("Exactly as their home page shows them. Read-only.", class_name="caption"),
        rx.cond(
            S.accounts.length() > 0,
            rx.el.div(rx.foreach(S.accounts, _account_card), class_name="cards"),
            rx.el.p("The portal shows them no accounts at the moment."),
        ),
        _one_account(),
        aria_labelledby="accounts-heading",
    )


def _request_cell(r: rx.Var) -> rx.Component:
    return rx.el.button(
        r["kind"],
        ": ",
        rx.el.span(r["reference"], class_name="nowrap"),
        type="button",
        class_name="link-button",
        on_click=S.show_request(r["reference"]),
    )


REQUEST_COLUMNS = (
    tables.Column("Request", row_header=True, render=_request_cell),
    tables.Column(
        "What they asked",
        render=lambda r: (
            r["summary"],
            rx.cond(r["raised_by"] != "", rx.fragment(rx.el.br(), rx.el.span(r["raised_by"], class_name="caption"))),
        ),
    ),
    tables.Column("Status", render=lambda r: status_tag(r["status"], r["status_label"])),
    tables.Column("Sent", "created"),
    tables.Column("Last change", "updated"),
)


def _one_request() -> rx.Component:
    d = S.request
    return rx.cond(
        d.contains("missing"),
        rx.el.p("That request is not one of theirs.", role="status", id="request-heading", tab_index=-1),
        rx.cond(
            d.contains("reference"),
            rx.el.section(
                rx.el.h3("Request ", d["reference"], ": as they see it", id="request-heading", tab_index=-1),
                rx.el.p(status_tag(d["status"], d["status_label"])),
                rx.cond(d["raised_by"] != "", rx.el.p(d["raised_by"])),
                rx.el.dl(
                    _row("Kind", d["kind"]),
                    rx.cond(d["account"] != "", _row("Account", d["account"])),
                    _row("Sent", d["created"]),
                    rx.cond(d["officer"] != "", _row("Their officer", d["officer"])),
                    rx.foreach(S.request_lines, lambda ln: rx.el.div(rx.el.dt(ln["label"]), rx.el.dd(ln["value"]))),
                    class_name="summary-list",
                ),
                rx.cond(
                    StaffState.staff_can.contains("manage_requests"),
                    rx.el.p(rx.el.a("Open it in the requests queue", href=routes.staff_request(d["reference"]))),
                ),
                rx.el.h4("What has happened"),
                rx.el.ol(
                    rx.foreach(
                        S.request_updates,
                        lambda u: rx.el.li(
                            rx.el.strong(u["status"]),
                            " at ",
                            u["at"],
                            rx.cond(u["by"] != "", rx.fragment(", by ", u["by"])),
                            rx.cond(u["note"] != "", rx.el.p(u["note"], class_name="pre-line")),
                        ),
                    )
                ),
                class_name="panel",
                aria_labelledby="request-heading",
            ),
        ),
    )


def _requests() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Their requests", id="requests-heading"),
        rx.el.p("Exactly as their My requests page shows them. Read-only.", class_name="caption"),
        rx.cond(
            S.requests.length() > 0,
            tables.table(
                "Their requests, newest first",
                REQUEST_COLUMNS,
                S.requests,
                label="List of their requests",
                stack=True,
                class_name="table--requests",
            ),
            rx.el.p("They have not sent any requests."),
        ),
        _one_request(),
        aria_labelledby="requests-heading",
    )


# ---------------------------------------------------------------------------
# Raising a request for them
# ---------------------------------------------------------------------------


def _radios(field: str, legend: str, options, hint: str | None = None) -> rx.Component:
    return forms.radios(
        S.raise_errors,
        field,
        legend,
        list(options),
        selected=S.raise_choices.get(field, ""),
        on_select=lambda value: S.choose(field, value),
        hint=hint,
    )


def _post_to() -> rx.Component:
    return rx.fragment(
        _radios(
            "post_to_address", "Should we post it to their home?", [("yes", "Yes"), ("no", "No, to another address")]
        ),
        rx.el.p("Their home: ", S.raise_form["home_address"], class_name="hint"),
        forms.textarea_field(
            S.raise_errors,
            "other_address",
            "Other address (only if they chose another address)",
            hint="The full address, with the postcode",
            max_length=K.ADDRESS_MAX_LENGTH,
        ),
    )


def _query_fields() -> rx.Component:
    return rx.fragment(
        rx.el.div(
            rx.el.label(
                "Which payment or charge is it about? (optional)", html_for="transaction-id", class_name="label"
            ),
            forms.error_line(S.raise_errors, "transaction_id", "transaction-id"),
            rx.el.select(
                rx.el.option("Not about one payment or charge", value=""),
                rx.foreach(S.raise_transactions, lambda t: rx.el.option(t["label"], value=t["id"])),
                id="transaction-id",
                name="transaction_id",
                class_name="select",
            ),
            class_name="field",
        ),
        forms.textarea_field(
            S.raise_errors,
            "message",
            "Their question",
            hint="In their words, as they told you.",
            max_length=K.QUERY_MAX_LENGTH,
        ),
    )


def _standing_order_fields() -> rx.Component:
    f = S.raise_form
    return rx.fragment(
        rx.el.p("Read them our details now if they want them: they can set up the standing order straight away."),
        rx.el.dl(
            _row("Account name", f["so_name"]),
            _row("Sort code", f["so_sort_code"]),
            _row("Account number", f["so_number"]),
            _row("Payment reference", rx.el.strong(f["so_reference"])),
            class_name="summary-list",
        ),
        _post_to(),
    )


def _refund_fields() -> rx.Component:
    e = S.raise_errors
    f = S.raise_form
    return rx.fragment(
        rx.el.p(f["refund_message"], class_name="inset"),
        rx.cond(
            f["refund_possible"] == "yes",
            rx.fragment(
                rx.cond(
                    f["joint"] == "yes",
                    rx.el.p(
                        "This is a joint tenancy: we will ask the other tenant to agree before we pay a refund.",
                        class_name="notice",
                    ),
                ),
                forms.text_field(
                    e,
                    "amount",
                    "How much do they want back?",
                    hint=rx.fragment("Up to ", f["refund_available"]),
                    input_mode="decimal",
                    extra_class="input--short",
                    autocomplete="off",
                ),
                forms.text_field(
                    e, "bank_account_name", "Name on the bank account", autocomplete="off", spellcheck=False
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
                    "The bank details are stored encrypted; after you send this they are shown only masked, "
                    "and only to the officer who pays the refund.",
                    class_name="caption",
                ),
            ),
        ),
    )


def _benefits_fields() -> rx.Component:
    e = S.raise_errors
    return rx.fragment(
        _radios("topic", "What do they want advice about?", K.BENEFIT_TOPICS),
        _radios("best_time", "When is best to contact them?", K.BEST_TIMES),
        _radios("contact_by", "How should we contact them?", K.CONTACT_WAYS),
        forms.text_field(e, "phone", "Phone number (if by phone)", input_type="tel", autocomplete="off"),
        forms.text_field(
            e, "email", "Email address (if by email)", input_type="email", autocomplete="off", spellcheck=False
        ),
        forms.textarea_field(e, "note", "Anything else we should know (optional)", max_length=K.NOTE_MAX_LENGTH),
    )


def _paper_fields() -> rx.Component:
    e = S.raise_errors
    return rx.fragment(
        forms.date_field(
            e, "period_from", "Start date", hint="For example, 1 4 2025", prefix="period-from", autocomplete_prefix=None
        ),
        forms.date_field(
            e, "period_to", "End date", hint="For example, 31 3 2026", prefix="period-to", autocomplete_prefix=None
        ),
        _post_to(),
    )


def _start_form() -> rx.Component:
    return rx.el.form(
        forms.error_summary(S.raise_errors, START_FIELDS),
        rx.el.div(
            rx.el.label("Which of their accounts is it about?", html_for="raise-account", class_name="label"),
            forms.error_line(S.raise_errors, "raise_account", "raise-account"),
            rx.el.select(
                rx.el.option("Choose an account", value=""),
                rx.foreach(S.accounts, lambda a: rx.el.option(a["option"], value=a["reference"])),
                id="raise-account",
                name="raise_account",
                class_name="select",
            ),
            class_name="field",
        ),
        rx.el.div(
            rx.el.label("What are they asking for?", html_for="raise-kind", class_name="label"),
            forms.error_line(S.raise_errors, "raise_kind", "raise-kind"),
            rx.el.select(
                rx.el.option("Choose what they are asking for", value=""),
                *[rx.el.option(KIND_INTRO[k], value=k) for k in KIND_ORDER],
                id="raise-kind",
                name="raise_kind",
                class_name="select",
            ),
            class_name="field",
        ),
        forms.submit_button("Continue"),
        on_submit=S.start_raise,
        no_validate=True,
        aria_label="What they are asking for",
    )


def _raise_fields_form() -> rx.Component:
    needs_button = rx.cond(S.raise_kind == K.REFUND, S.raise_form["refund_possible"] == "yes", True)
    return rx.el.form(
        forms.error_summary(S.raise_errors, RAISE_ERROR_ORDER),
        rx.el.p(
            rx.el.strong(rx.match(S.raise_kind, *[(k, KIND_INTRO[k]) for k in KIND_ORDER], "")),
            ", about their ",
            S.raise_form["account"],
            ".",
        ),
        rx.match(
            S.raise_kind,
            (K.QUERY, _query_fields()),
            (K.STANDING_ORDER, _standing_order_fields()),
            (K.REFUND, _refund_fields()),
            (K.BENEFITS_ADVICE, _benefits_fields()),
            (K.PAPER_STATEMENT, _paper_fields()),
            rx.fragment(),
        ),
        _radios(
            "raised_via",
            "How did they ask you?",
            [("phone", "By phone"), ("in_person", "In person")],
            hint="They will see that you raised it for them, with your name.",
        ),
        rx.cond(
            needs_button,
            rx.el.div(
                forms.submit_button("Send it for them"),
                rx.el.button(
                    "Start again", type="button", class_name="button button--secondary", on_click=S.raise_another
                ),
                class_name="button-group",
            ),
            rx.el.button("Start again", type="button", class_name="button button--secondary", on_click=S.raise_another),
        ),
        on_submit=S.raise_request,
        no_validate=True,
        aria_label="Their request",
    )


def _raised() -> rx.Component:
    a = S.raise_ack
    return rx.el.div(
        rx.el.div(
            rx.el.p("Request sent for them. Their reference is ", rx.el.strong(a["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.p(a["asked"]),
        rx.el.p("We have emailed the usual confirmation to ", rx.el.strong(a["email"]), "."),
        rx.el.h3("Tell them what happens next"),
        rx.el.ul(rx.foreach(S.raise_steps, lambda step: rx.el.li(step))),
        rx.el.button(
            "Raise another request", type="button", class_name="button button--secondary", on_click=S.raise_another
        ),
    )


def _raise() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Raise a request for them", id="raise-heading", tab_index=-1),
        rx.el.p(
            "When they ask by phone or in person, send it here as they would online: the same questions and "
            "checks, their usual confirmation email, and it shows under their My requests as raised for them "
            "by you."
        ),
        rx.cond(S.raise_problem != "", rx.el.p(S.raise_problem, class_name="notice notice--warning", role="status")),
        rx.match(S.raise_step, ("form", _raise_fields_form()), ("done", _raised()), _start_form()),
        aria_labelledby="raise-heading",
    )


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


@staff_page(
    routes.STAFF_RESIDENT,
    "A resident",
    on_load=ResidentState.load,
    errors=[ResidentState.help_errors, ResidentState.raise_errors],
    named=rx.cond(ResidentState.found, ResidentState.profile["name"], ""),
)
def staff_resident_page() -> rx.Component:
    can = StaffState.staff_can
    return rx.cond(
        S.loaded,
        rx.cond(
            S.found,
            rx.fragment(
                rx.el.p(rx.el.a("Find another resident", href=routes.STAFF_RESIDENTS)),
                rx.el.h1(S.profile["name"]),
                rx.el.p(
                    "What you see here is what they see in the portal, and you cannot change it. "
                    "Each look is recorded in the audit log with your name.",
                    class_name="lead",
                ),
                _profile(),
                rx.cond(can.contains("unlock_accounts"), _help()),
                _accounts(),
                _requests(),
                rx.cond(can.contains("raise_on_behalf") & (S.profile["status"] == "active"), _raise()),
            ),
            rx.fragment(
                rx.el.h1("We cannot find that resident"),
                rx.el.p(
                    "There is no portal account with that number. ",
                    rx.el.a("Search for them again", href=routes.STAFF_RESIDENTS),
                    ".",
                ),
            ),
        ),
        rx.fragment(rx.el.h1("A resident"), rx.el.p("Loading…", role="status")),
    )
