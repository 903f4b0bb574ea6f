"""Statements: pick a period, see it on screen, print it, download it as PDF or CSV, get
the rent statement for a Universal Credit claim, or ask for one by post.

The download links on the page carry tickets (services/identity/tickets.py), so they are
in the page's state: they are what the page shows. The copy this device keeps to open
offline (assets/pwa.js) is fetched with a ticket of its own, made only in the event
that asks the device to keep it and sent only in that event's script (``_keep_on_device``),
never kept in a var: the state holds just what describes the copy, nothing that opens it.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_date_words, uk_time_words, uk_today, utcnow
from portal_app.components import forms, tables
from portal_app.components.accounts import account_picker, account_tabs, not_yours
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline, on_device
from portal_app.services.accounts import statements
from portal_app.services.identity import tickets
from portal_app.services.validation import form_fields, period_date_from_form
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction

PERIOD_ORDER = [("date_from", "period-from"), ("date_to", "period-to")]


def period_errors(form: dict, today: date) -> tuple[tuple[date | None, date | None], dict[str, str]]:
    """The period the statement form asks for and what is wrong with it, by field: each
    date real and not in the future, the end on or after the start. (A start before the
    tenancy began is not an error: the statement starts on the day it began and says so.)"""
    errors: dict[str, str] = {}
    date_from, error = period_date_from_form(form, "period_from", label="The start date", today=today)
    if error:
        errors["date_from"] = error
    date_to, error = period_date_from_form(form, "period_to", label="The end date", today=today)
    if error:
        errors["date_to"] = error
    if date_from and date_to and date_from > date_to:
        errors["date_to"] = "The end date must be the same as or after the start date"
    return (date_from, date_to), errors


class StatementState(AccountChoiceState):
    loaded: bool = False
    shown: bool = False
    presets: list[dict[str, str]] = []
    period_errors: dict[str, str] = {}
    landlord_name: str = ""
    landlord_address: str = ""
    landlord_phone: str = ""
    title: str = ""
    reference: str = ""
    residents: list[str] = []
    address_lines: list[str] = []
    period_text: str = ""
    produced_text: str = ""
    opening_text: str = ""
    closing_text: str = ""
    closing_words: str = ""
    total_debits: str = ""
    total_credits: str = ""
    lines: list[dict[str, str]] = []
    pdf_href: str = ""
    csv_href: str = ""
    uc_href: str = ""
    paper_href: str = ""
    is_rent: bool = False
    tenancy_start_text: str = ""
    # "Your tenancy began on 3 March 2019, so this statement starts then." when the dates
    # asked for began earlier (shown next to the dates and on the statement).
    start_note: str = ""
    # What the device's saved copy is called and covers (no ticket: see _keep_on_device).
    _keep: dict = {}

    def _show(self, view: statements.StatementView, now: datetime) -> None:
        principal = current_principal()
        account, st = view.account, view.statement
        date_from, date_to = view.date_from, view.date_to
        self.landlord_name, self.landlord_address, self.landlord_phone = (
            st.landlord.name,
            st.landlord.address,
            st.landlord.phone,
        )
        self.title, self.reference = st.title, st.account_ref
        self.residents, self.address_lines = list(st.residents), list(st.address_lines)
        self.period_text, self.produced_text = st.period_text, st.produced_text
        self.start_note = st.start_note
        self.opening_text, self.closing_text, self.closing_words = st.opening_text, st.closing_text, st.closing_words
        self.total_debits = statements.pounds(st.total_debits_pence)
        self.total_credits = statements.pounds(st.total_credits_pence)
        self.lines = [
            {
                "date": ln.date_text,
                "week": ln.week_text,
                "description": ln.description,
                "type": ln.type_label,
                "debit": ln.debit_text,
                "credit": ln.credit_text,
                "balance": ln.balance_text,
            }
            for ln in st.lines
        ]

        def ticket(kind: str, start: date | None, end: date | None) -> str:
            return tickets.issue(
                session_id=principal.session_id,
                user_id=principal.user_id,
                account_id=account.account_id,
                kind=kind,
                date_from=start,
                date_to=end,
                now=now,
            )

        self.pdf_href = routes.download(routes.API_STATEMENT_PDF, ticket("statement_pdf", date_from, date_to))
        # Kept on this device (assets/pwa.js) to open offline under "Saved on this device".
        self._keep = {
            "account_id": account.account_id,
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "key": f"{account.account_ref}-{date_from.isoformat()}-{date_to.isoformat()}",
            "title": f"{st.title} {st.account_ref}",
            "period": st.period_text,
            "asAt": uk_time_words(now),
        }
        self.csv_href = routes.download(routes.API_STATEMENT_CSV, ticket("statement_csv", date_from, date_to))
        self.is_rent = view.is_rent
        self.uc_href = (
            routes.download(routes.API_UC_LETTER_PDF, ticket("uc_letter_pdf", None, uk_today(now)))
            if view.offers_uc_letter
            else ""
        )
        self.paper_href = routes.new_request(
            kind="paper_statement",
            account=account.account_ref,
            date_from=date_from.isoformat(),
            date_to=date_to.isoformat(),
        )
        self.shown = True

    def _keep_on_device(self):
        """Ask the browser to keep a copy of the statement just shown (never on a kiosk),
        with a ticket to fetch it made now and sent only in this script."""
        keep = self._keep
        if not self.shown or not keep:
            return []
        principal = current_principal()
        ticket = tickets.issue(
            session_id=principal.session_id,
            user_id=principal.user_id,
            account_id=keep["account_id"],
            kind="statement_html",
            date_from=date.fromisoformat(keep["from"]),
            date_to=date.fromisoformat(keep["to"]),
            now=utcnow(),
        )
        payload = {name: keep[name] for name in ("key", "title", "period", "asAt")}
        return [on_device("saveStatement", {"url": routes.download(routes.API_STATEMENT_HTML, ticket), **payload})]

    async def _view(
        self, principal, wanted: str | None = None, **period
    ) -> tuple[statements.StatementView | None, datetime]:
        """The account (the one asked for, else the one chosen before), its periods and a
        statement, from the access rule (no view when there is none to show), and when."""
        now = utcnow()
        choice, view = await in_transaction(
            statements.statement_view,
            principal,
            self._wanted(wanted),
            self.chosen_ref,
            now=now,
            settings=get_settings(),
            **period,
        )
        self._take(choice)
        if view is not None:
            self.tenancy_start_text = uk_date_words(view.earliest)
        return view, now

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        self.shown, self.period_errors = False, {}
        view, now = await self._view(principal)
        self.presets = [{"key": p.key, "label": p.label} for p in (view.presets if view else ())]
        if view is not None and view.statement is not None:
            self._show(view, now)
        self.loaded = True
        return self._keep_on_device()

    @resident_only
    @rx.event
    async def choose_preset(self, key: str):
        principal = current_principal()
        view, now = await self._view(principal, self.chosen_ref, preset=str(key))
        if view is None or view.statement is None:
            return
        self.period_errors = {}
        self._show(view, now)
        return [rx.call_script("document.getElementById('statement-heading')?.focus()"), *self._keep_on_device()]

    @resident_only
    @rx.event
    async def choose_period(self, form_data: dict):
        principal = current_principal()
        (date_from, date_to), errors = period_errors(form_fields(form_data), uk_today(utcnow()))
        self.period_errors = errors
        if errors:
            return forms.focus_error_summary()
        view, now = await self._view(principal, self.chosen_ref, period=(date_from, date_to))
        if view is None:
            return
        if view.period_error:
            self.period_errors = {"date_to": view.period_error}
            return forms.focus_error_summary()
        self._show(view, now)
        return [rx.call_script("document.getElementById('statement-heading')?.focus()"), *self._keep_on_device()]


def _period_chooser() -> rx.Component:
    e = StatementState.period_errors
    return rx.el.section(
        rx.el.h2("Choose the period", id="period-heading"),
        rx.el.ul(
            rx.foreach(
                StatementState.presets,
                lambda p: rx.el.li(
                    rx.el.button(
                        p["label"],
                        type="button",
                        class_name="link-button",
                        on_click=StatementState.choose_preset(p["key"]),
                    )
                ),
            ),
            class_name="list",
        ),
        rx.el.details(
            rx.el.summary("Choose your own dates"),
            rx.el.form(
                forms.error_summary(e, PERIOD_ORDER),
                rx.el.p("Any dates from ", StatementState.tenancy_start_text, " to today.", class_name="hint"),
                rx.cond(
                    StatementState.shown & (StatementState.start_note != ""),
                    rx.el.p(StatementState.start_note, class_name="inset", id="period-start-note"),
                ),
                forms.date_field(
                    e,
                    "date_from",
                    "Start date",
                    hint="For example, 1 4 2025",
                    prefix="period-from",
                    autocomplete_prefix=None,
                ),
                forms.date_field(
                    e,
                    "date_to",
                    "End date",
                    hint="For example, 31 3 2026",
                    prefix="period-to",
                    autocomplete_prefix=None,
                ),
                forms.submit_button("Show statement"),
                on_submit=StatementState.choose_period,
                no_validate=True,
            ),
            class_name="details",
        ),
        aria_labelledby="period-heading",
        class_name="no-print",
    )


# The statement's lines, and its opening, totals and closing rows (named in the Description column).
LINE_COLUMNS = (
    tables.Column("Date", "date"),
    tables.Column("Week commencing", "week"),
    tables.Column("Description", "description"),
    tables.Column("Debit", "debit", numeric=True),
    tables.Column("Credit", "credit", numeric=True),
    tables.Column("Balance", "balance", numeric=True),
)
TOTAL_COLUMNS = tuple(dataclasses.replace(c, row_header=True) if c.key == "description" else c for c in LINE_COLUMNS)


def _statement() -> rx.Component:
    return rx.el.article(
        rx.el.div(
            rx.el.div(
                rx.el.p(rx.el.strong(StatementState.landlord_name)),
                rx.el.p(StatementState.landlord_address),
                rx.el.p("Phone ", StatementState.landlord_phone),
                class_name="statement__landlord",
            ),
            rx.el.div(
                rx.foreach(StatementState.residents, lambda n: rx.el.p(n)),
                rx.foreach(StatementState.address_lines, lambda line: rx.el.p(line)),
                class_name="statement__resident",
            ),
            class_name="statement__head",
        ),
        rx.el.h2(StatementState.title, id="statement-heading", tab_index=-1),
        rx.el.dl(
            rx.el.div(rx.el.dt("Account reference"), rx.el.dd(StatementState.reference)),
            rx.el.div(
                rx.el.dt("Period"),
                rx.el.dd(
                    StatementState.period_text,
                    rx.cond(StatementState.start_note != "", rx.el.span(". ", StatementState.start_note)),
                ),
            ),
            rx.el.div(rx.el.dt("Opening balance"), rx.el.dd(StatementState.opening_text)),
            rx.el.div(rx.el.dt("Closing balance"), rx.el.dd(StatementState.closing_text)),
            rx.el.div(rx.el.dt("Produced"), rx.el.dd(StatementState.produced_text)),
            class_name="summary-list",
        ),
        tables.table(
            ("Statement for ", StatementState.period_text),
            LINE_COLUMNS,
            StatementState.lines,
            label="Statement lines",
            caption_hidden=True,
            stack=True,
            class_name="table--statement",
            body=[
                tables.row(TOTAL_COLUMNS, ["", "", "Opening balance", "", "", StatementState.opening_text], stack=True)
            ],
            foot=[
                tables.row(
                    TOTAL_COLUMNS,
                    ["", "", "Totals for the period", StatementState.total_debits, StatementState.total_credits, ""],
                    stack=True,
                ),
                tables.row(TOTAL_COLUMNS, ["", "", "Closing balance", "", "", StatementState.closing_text], stack=True),
            ],
        ),
        rx.el.p(rx.el.strong(StatementState.closing_words), class_name="statement__words"),
        class_name="statement",
        aria_labelledby="statement-heading",
    )


def _actions() -> rx.Component:
    return rx.el.div(
        rx.el.button(
            "Print this statement", type="button", class_name="button", on_click=rx.call_script("window.print()")
        ),
        rx.el.ul(
            # A kiosk keeps nothing on the device: no downloads there (printing is fine).
            rx.el.li(
                rx.el.a("Download as PDF", href=StatementState.pdf_href, download=True, reload_document=True),
                class_name="not-kiosk",
            ),
            rx.el.li(
                rx.el.a(
                    "Download as CSV (for a spreadsheet)",
                    href=StatementState.csv_href,
                    download=True,
                    reload_document=True,
                ),
                class_name="not-kiosk",
            ),
            rx.cond(
                StatementState.uc_href != "",
                rx.el.li(
                    rx.el.a(
                        "Download a rent statement for your Universal Credit claim",
                        href=StatementState.uc_href,
                        download=True,
                        reload_document=True,
                    ),
                    class_name="not-kiosk",
                ),
            ),
            rx.el.li(rx.el.a("Send me this statement by post", href=StatementState.paper_href)),
            rx.el.li(rx.el.a("Statements saved on this device", href=routes.SAVED_STATEMENTS), class_name="not-kiosk"),
            class_name="list",
        ),
        rx.el.p(
            "Download links work for 15 minutes. If one stops working, choose the period again.",
            class_name="caption not-kiosk",
        ),
        rx.el.p(
            "Downloads are switched off on this shared screen, so nothing is left on it. "
            "Print the statement, or ask for it by post.",
            class_name="caption kiosk-only",
        ),
        class_name="no-print actions",
    )


@page(routes.STATEMENT, "Statements", on_load=StatementState.load)
def statement_page() -> rx.Component:
    return rx.cond(
        StatementState.loaded,
        rx.cond(
            StatementState.chosen_ref != "",
            rx.fragment(
                rx.el.h1("Statements", class_name="no-print"),
                rx.el.div(
                    account_picker(StatementState.account_options, StatementState.chosen_ref, routes.statement),
                    account_tabs(StatementState.chosen_ref, "statement"),
                    class_name="no-print",
                ),
                _period_chooser(),
                rx.cond(StatementState.shown, rx.fragment(_actions(), _statement())),
            ),
            not_yours(StatementState.refused),
        ),
        rx.fragment(
            rx.el.h1("Statements"),
            loading_or_offline(
                "Loading…",
                "You're offline. Connect to the internet to see a new statement, or open one saved on this device.",
            ),
        ),
    )
