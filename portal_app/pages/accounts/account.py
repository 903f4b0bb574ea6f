"""One account: balance now, what makes up the charge, pending portal payments, why a
benefit payer can show a balance owed, a leaseholder's year, the balance chart, and the
whole history with filters and paging."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import reflex as rx

from portal_app import routes
from portal_app.clock import uk_date_words, uk_time_words, uk_today, utcnow
from portal_app.components import charts, forms, money, tables
from portal_app.components.accounts import account_picker, account_tabs, not_yours
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline, on_device
from portal_app.services.accounts import ledger, summary
from portal_app.services.money import balance_display, balance_words, format_pence
from portal_app.services.requests.common import BENEFITS_ADVICE
from portal_app.services.validation import form_fields, period_date_from_form
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction

PAGE_SIZE = 50
FILTER_ORDER = [("date_from", "from"), ("date_to", "to"), ("type_group", "type-group")]


def _money_or_blank(pence: int | None) -> str:
    return format_pence(pence) if pence is not None else ""


class AccountState(AccountChoiceState):
    loaded: bool = False
    label: str = ""
    reference: str = ""
    address: str = ""
    balance: str = ""
    words: str = ""
    arrears: bool = False
    as_at: str = ""
    pending: list[dict[str, str]] = []
    pending_total: str = ""
    after_pending: str = ""
    explanations: list[str] = []
    charges: list[dict[str, str]] = []
    charges_total_weekly: str = ""
    charges_eligible_weekly: str = ""
    charges_not_eligible_weekly: str = ""
    lease: list[str] = []
    lease_rows: list[dict[str, str]] = []
    # The figure's JSON (components/charts.balance_chart): data and layout, no template.
    chart: dict = {"data": [], "layout": {}}
    chart_summary: str = ""
    # [{"id", "date", "description", "type", "debit", "credit", "balance"}]: what a line
    # shows and nothing twice; its "Ask about this" link is made in the browser from them.
    history: list[dict[str, str]] = []
    # The new-request form's address for a query about this account; a line's link adds
    # its transaction (``_ask_href``).
    ask_href: str = ""
    page: int = 1
    page_count: int = 1
    total_lines: int = 0
    filter_words: str = ""
    filter_errors: dict[str, str] = {}
    type_group: str = ""
    _date_from: date | None = None
    _date_to: date | None = None

    # -- loading -------------------------------------------------------------

    def _show_history(self, found: ledger.HistoryPage) -> None:
        self.page, self.page_count, self.total_lines = found.page, found.page_count, found.total_lines
        self.history = [
            {
                "id": str(line.transaction_id),
                "date": line.posted_on.strftime("%d %b %Y"),
                "description": line.description,
                "type": summary.type_caption(line.description, line.type_label),
                "debit": _money_or_blank(line.debit_pence),
                "credit": _money_or_blank(line.credit_pence),
                "balance": balance_display(line.balance_after_pence),
            }
            for line in found.lines
        ]
        self.filter_words = summary.filter_words(self._date_from, self._date_to, self.type_group)

    async def _history(
        self, principal, *, date_from: date | None, date_to: date | None, type_group: str, page: int
    ) -> ledger.HistoryPage | None:
        """One page of the chosen account's history (None, and nothing shown, when it is not theirs)."""
        choice, found = await in_transaction(
            summary.history,
            principal,
            self.chosen_ref,
            self.chosen_ref,
            date_from=date_from,
            date_to=date_to,
            type_group=type_group,
            page=page,
            page_size=PAGE_SIZE,
            today=uk_today(utcnow()),
            settings=get_settings(),
        )
        self._take(choice)
        return found

    def _show(self, overview: summary.AccountOverview) -> None:
        account = overview.summary
        self.label, self.reference, self.address = account.label, account.account_ref, account.address
        self.ask_href = routes.new_request(kind="query", account=account.account_ref)
        self.balance, self.words = account.balance_display, account.balance_words
        self.arrears = overview.arrears
        self.as_at = uk_time_words(account.as_at)

        self.pending = [
            {"date": uk_date_words(p.paid_on), "amount": format_pence(p.amount_pence), "reference": p.reference}
            for p in overview.pending
        ]
        self.pending_total = format_pence(overview.pending_pence) if overview.pending_pence else ""
        self.after_pending = balance_words(overview.after_pending_pence) if overview.pending_pence else ""

        self.explanations = list(overview.explanations)

        breakdown = overview.charges
        self.charges = [
            {
                "description": line.description,
                "amount": f"{format_pence(line.amount_pence)} {summary.per_words(line.frequency)}",
                "weekly": format_pence(line.weekly_pence),
                "eligible": summary.benefit_eligible_words(line.benefit_eligible),
            }
            for line in breakdown.lines
        ]
        self.charges_total_weekly = format_pence(breakdown.total_weekly_pence) if breakdown.lines else ""
        self.charges_eligible_weekly = format_pence(breakdown.eligible_weekly_pence)
        self.charges_not_eligible_weekly = format_pence(breakdown.not_eligible_weekly_pence)

        self.lease = list(overview.lease_explanation)
        self.lease_rows = [{"name": name, "value": value} for name, value in overview.lease_rows]

        self.chart = charts.balance_chart(overview.series)
        self.chart_summary = overview.chart_summary

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        self.page, self.type_group, self.filter_errors = 1, "", {}
        self._date_from = self._date_to = None
        # One unit of work: the account chosen once, its overview and the first history page.
        choice, shown = await in_transaction(
            summary.account_page,
            principal,
            self._wanted(),
            self.chosen_ref,
            now=utcnow(),
            settings=get_settings(),
            page_size=PAGE_SIZE,
        )
        if self._take(choice) is None or shown is None:
            self.loaded = True
            self.reference = ""
            return
        self._show(shown.overview)
        self._show_history(shown.history)
        self.loaded = True
        # The last figures this device saw, for the offline banner (assets/pwa.js; not on a kiosk).
        seen = {
            "ref": self.reference,
            "text": f"{self.label} {self.reference}: your balance was {self.balance} as at {self.as_at}.",
        }
        return on_device("rememberBalance", seen)

    @resident_only
    @rx.event
    async def apply_filter(self, form_data: dict):
        principal = current_principal()
        form = form_fields(form_data)
        today = uk_today(utcnow())
        errors: dict[str, str] = {}
        date_from, error = period_date_from_form(form, "from", label="The from date", today=today, required=False)
        if error:
            errors["date_from"] = error
        date_to, error = period_date_from_form(form, "to", label="The to date", today=today, required=False)
        if error:
            errors["date_to"] = error
        if date_from and date_to and date_from > date_to:
            errors["date_to"] = "The to date must be the same as or after the from date"
        group = form.get("type_group", "")
        if group and group not in ledger.TYPE_GROUPS:
            errors["type_group"] = "Choose a type of transaction from the list"
        self.filter_errors = errors
        if errors:
            return forms.focus_error_summary()
        found = await self._history(principal, date_from=date_from, date_to=date_to, type_group=group, page=1)
        if found is None:
            return
        self._date_from, self._date_to, self.type_group = date_from, date_to, group
        self._show_history(found)

    @resident_only
    @rx.event
    async def clear_filter(self):
        principal = current_principal()
        found = await self._history(principal, date_from=None, date_to=None, type_group="", page=1)
        if found is None:
            return
        self._date_from = self._date_to = None
        self.type_group, self.filter_errors = "", {}
        self._show_history(found)

    @resident_only
    @rx.event
    async def go_to_page(self, number: int | str):
        principal = current_principal()
        try:
            wanted = int(str(number))
        except ValueError:
            return
        found = await self._history(
            principal,
            date_from=self._date_from,
            date_to=self._date_to,
            type_group=self.type_group,
            page=max(1, min(wanted, 100_000)),
        )
        if found is None:
            return
        self._show_history(found)
        return rx.call_script("document.getElementById('history-heading')?.focus()")


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def _balance_panel() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Balance", id="balance-heading"),
        money.balance(AccountState.balance, AccountState.words, AccountState.arrears, AccountState.as_at),
        rx.cond(
            AccountState.pending.length() > 0,
            rx.el.div(
                rx.el.h3("Payments you made here that we have not added yet"),
                rx.el.ul(
                    rx.foreach(
                        AccountState.pending,
                        lambda p: rx.el.li(p["amount"], " paid on ", p["date"], " (reference ", p["reference"], ")"),
                    )
                ),
                rx.el.p("When they are added: ", rx.el.strong(AccountState.after_pending), "."),
                rx.el.p(
                    "They are not counted in the balance above until our records show them, so nothing is counted twice.",
                    class_name="caption",
                ),
                class_name="notice",
            ),
        ),
        rx.foreach(AccountState.explanations, lambda text: rx.el.p(text, class_name="inset")),
        rx.cond(
            AccountState.arrears & (AccountState.explanations.length() > 0),
            rx.el.p(
                rx.el.a(
                    "Ask us for benefits advice",
                    href=routes.new_request(kind=BENEFITS_ADVICE, account=AccountState.reference),
                )
            ),
        ),
        aria_labelledby="balance-heading",
    )


def _charges_panel() -> rx.Component:
    return rx.cond(
        AccountState.charges.length() > 0,
        rx.el.section(
            rx.el.h2("What you pay", id="charges-heading"),
            tables.table(
                "Your regular charges now",
                CHARGE_COLUMNS,
                AccountState.charges,
                label="Your regular charges",
                caption_hidden=True,
                stack=True,
                foot=[tables.row(CHARGE_COLUMNS, ["Total", "", AccountState.charges_total_weekly, ""], stack=True)],
            ),
            rx.el.p(
                "Housing Benefit or the housing costs in Universal Credit can cover ",
                AccountState.charges_eligible_weekly,
                " a week of this. ",
                rx.cond(
                    AccountState.charges_not_eligible_weekly != "£0.00",
                    rx.fragment(
                        AccountState.charges_not_eligible_weekly, " a week is yours to pay whatever benefits you get."
                    ),
                ),
                class_name="caption",
            ),
            aria_labelledby="charges-heading",
        ),
    )


def _lease_panel() -> rx.Component:
    return rx.cond(
        AccountState.lease.length() > 0,
        rx.el.section(
            rx.el.h2("Planning for your service charges", id="lease-heading"),
            rx.el.dl(
                rx.foreach(AccountState.lease_rows, lambda r: rx.el.div(rx.el.dt(r["name"]), rx.el.dd(r["value"]))),
                class_name="summary-list",
            ),
            rx.foreach(AccountState.lease, lambda text: rx.el.p(text)),
            aria_labelledby="lease-heading",
        ),
    )


def _chart_panel() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Your balance over time", id="chart-heading"),
        # Drawn once the resident scrolls to it: Plotly is most of what this page loads.
        charts.chart(
            AccountState.chart.to(go.Figure),
            AccountState.chart_summary,
            drawn_when=charts.when_seen("chart-panel", "balance"),
        ),
        id="chart-panel",
        aria_labelledby="chart-heading",
    )


def _filters() -> rx.Component:
    e = AccountState.filter_errors
    return rx.el.details(
        rx.el.summary("Filter by date or type"),
        rx.el.form(
            forms.error_summary(e, FILTER_ORDER),
            rx.el.div(
                forms.date_field(
                    e, "date_from", "From", hint="For example, 1 4 2025", prefix="from", autocomplete_prefix=None
                ),
                forms.date_field(
                    e, "date_to", "To", hint="For example, 31 3 2026", prefix="to", autocomplete_prefix=None
                ),
                class_name="filter-dates",
            ),
            rx.el.div(
                rx.el.label("Type", html_for="type-group", class_name="label"),
                rx.el.select(
                    rx.el.option("Everything", value=""),
                    *[rx.el.option(text, value=key) for key, text in ledger.TYPE_GROUP_LABELS.items()],
                    id="type-group",
                    name="type_group",
                    class_name="select",
                ),
                class_name="field",
            ),
            rx.el.div(
                forms.submit_button("Show transactions"),
                rx.el.button(
                    "Clear filters",
                    type="reset",
                    class_name="button button--secondary",
                    on_click=AccountState.clear_filter,
                ),
                class_name="button-group",
            ),
            on_submit=AccountState.apply_filter,
            no_validate=True,
        ),
        class_name="details",
    )


def ask_about_words(line: dict) -> str:
    """What the "Ask about this" link says to a screen reader after its visible words: the
    line's date, description, amount and balance after, so two lines on the same day are
    two different links (WCAG 2.4.4), and the name still starts with what is seen (2.5.3).
    ``line`` is a history row as the state holds it (the page joins the same words in the
    browser, ``_ask_about``)."""
    what, amount = ("charge", line["debit"]) if line["debit"] else ("payment", line["credit"] or format_pence(0))
    return f" {what} on {line['date']}: {line['description']}, {amount}, balance after {line['balance']}"


def _ask_about(row: rx.Var) -> rx.Component:
    debit, credit = row["debit"].to(str), row["credit"].to(str)
    words = (
        " ",
        rx.cond(debit != "", "charge", "payment"),
        " on ",
        row["date"],
        ": ",
        row["description"],
        ", ",
        rx.cond(debit != "", debit, rx.cond(credit != "", credit, format_pence(0))),
        ", balance after ",
        row["balance"],
    )
    # Ids are digits, so joined in the browser this is routes.new_request(kind="query",
    # account=..., transaction=id) exactly, the account's part encoded on the server.
    href = AccountState.ask_href + "&transaction=" + row["id"].to(str)
    return rx.el.a("Ask about this", rx.el.span(*words, class_name="visually-hidden"), href=href)


HISTORY_COLUMNS = (
    tables.Column("Date", "date"),
    tables.Column(
        "Description",
        render=lambda row: (row["description"], rx.el.br(), rx.el.span(row["type"], class_name="caption")),
    ),
    tables.Column("Charged", "debit", numeric=True),
    tables.Column("Paid", "credit", numeric=True),
    tables.Column("Balance", "balance", numeric=True),
    tables.Column("Query", hide_heading=True, render=_ask_about),
)
CHARGE_COLUMNS = (
    tables.Column("Charge", "description", row_header=True),
    tables.Column("Amount", "amount"),
    tables.Column("Each week", "weekly", numeric=True),
    tables.Column("Benefits can cover it", "eligible"),
)


def _history_panel() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Transactions", id="history-heading", tab_index=-1),
        rx.el.p(
            "Every payment and charge since the account began, newest first, with the balance after each one.",
            class_name="caption",
        ),
        _filters(),
        rx.cond(AccountState.filter_words != "", rx.el.p(AccountState.filter_words, role="status")),
        rx.cond(
            AccountState.history.length() > 0,
            tables.table(
                ("Transactions, page ", AccountState.page, " of ", AccountState.page_count),
                HISTORY_COLUMNS,
                AccountState.history,
                label="Transaction list",
                caption_hidden=True,
                stack=True,
                class_name="table--history",
            ),
            rx.el.p("There are no transactions to show for this filter."),
        ),
        rx.el.nav(
            rx.cond(
                AccountState.page > 1,
                rx.el.button(
                    "Newer",
                    type="button",
                    class_name="button button--secondary",
                    on_click=AccountState.go_to_page(AccountState.page - 1),
                ),
            ),
            rx.el.p(
                "Page ",
                AccountState.page,
                " of ",
                AccountState.page_count,
                " (",
                AccountState.total_lines,
                " transactions)",
                class_name="caption",
            ),
            rx.cond(
                AccountState.page < AccountState.page_count,
                rx.el.button(
                    "Older",
                    type="button",
                    class_name="button button--secondary",
                    on_click=AccountState.go_to_page(AccountState.page + 1),
                ),
            ),
            class_name="pagination",
            aria_label="Pages of transactions",
        ),
        aria_labelledby="history-heading",
    )


@page(
    routes.ACCOUNT,
    "Your account",
    on_load=AccountState.load,
    # "Rent account 12345678": each account its own title, as its heading says
    named=rx.cond(AccountState.reference != "", AccountState.label + " " + AccountState.reference, ""),
    errors=AccountState.filter_errors,
)
def account_page() -> rx.Component:
    return rx.fragment(
        rx.cond(
            AccountState.loaded,
            rx.cond(
                AccountState.reference != "",
                rx.fragment(
                    rx.el.span(AccountState.address, class_name="caption-l"),
                    rx.el.h1(AccountState.label, " ", AccountState.reference),
                    account_picker(AccountState.account_options, AccountState.chosen_ref, routes.account),
                    account_tabs(AccountState.chosen_ref, "account"),
                    _balance_panel(),
                    _charges_panel(),
                    _lease_panel(),
                    _chart_panel(),
                    _history_panel(),
                ),
                not_yours(AccountState.refused),
            ),
            rx.fragment(
                rx.el.h1("Your account"),
                loading_or_offline(
                    "Loading your account…", "You're offline. Connect to the internet to see your balance and payments."
                ),
            ),
        )
    )
