"""The budget planner: open to everyone, signed in or not, and usable offline.

Everything a resident types lives in one client-side state var (Reflex's
``rx._x.client_state``): a dict of the amount as typed and the frequency of every line.
The sums are Var expressions compiled to JavaScript, built here by looping over the
tables in ``services/budget.py``, so the browser does the arithmetic with no websocket
and no backend. A small JavaScript helper (``assets/budget.js``, made once per page load
by ``budget_library_js`` with the same tables) parses typed pounds, converts a line to a
month, and keeps the values in this device's localStorage (never on a kiosk). The one backend event is the optional
"fill in from my account", for a signed-in resident.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import Var, VarData
from reflex_base.vars.function import FunctionVar

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components import charts, tables
from portal_app.components.layout import page, session_switch
from portal_app.services.accounts import budget
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction

STORAGE_KEY = "doorstep_budget_v1"
ANNOUNCEMENT_ID = "budget-announcement"
# How long after the last key or choice the result is said: a pause, not every keystroke.
ANNOUNCE_AFTER_MS = 1000
LIB = "globalThis.doorstepBudget"

# The values: {"a_<key>": amount as typed, "f_<key>": frequency} for every line.
DEFAULTS: dict[str, str] = {}
for _line in budget.LINES:
    DEFAULTS[f"a_{_line.key}"] = ""
    DEFAULTS[f"f_{_line.key}"] = _line.frequency

# Starts as null, which the helper reads as DEFAULTS: Reflex writes the starting value into
# every component that reads the state, and the whole dict there was 2 KB a copy.
PLAN = rx._x.client_state("doorstepbudget", default=Var(_js_expr="null", _var_type=dict))
# True once this page has run in the browser and read what was saved on the device.
READY = rx._x.client_state("doorstepbudgetready", default=False)


def budget_table() -> dict:
    """What the browser needs from the rules, as JSON."""
    return {
        "frequencies": {key: list(factor) for key, factor in budget.FREQUENCIES.items()},
        "defaultFrequency": budget.DEFAULT_FREQUENCY,
        "pattern": budget.AMOUNT_PATTERN,
        "maxDigits": budget.MAX_POUNDS_DIGITS,
        "defaults": DEFAULTS,
        "storageKey": STORAGE_KEY,
        # the live region that says the result once the resident pauses (assets/budget.js)
        "announce": {
            "id": ANNOUNCEMENT_ID,
            "afterMs": ANNOUNCE_AFTER_MS,
            "income": [line.key for line in budget.LINES if line.section == budget.INCOME],
            "outgoing": [line.key for line in budget.LINES if line.section in budget.OUTGOING_SECTIONS],
        },
    }


# The helper itself is assets/budget.js, an ES module the page imports at build time (so it
# is in the page's own JavaScript: prerendered, in the browser and offline alike).
# budget_library_js makes it once per page load, with the rules' tables and the planner
# state's setter (the ClientStateVar's public ``set``, which carries its ``refs`` import).
BUDGET_MODULE = rx.asset("budget.js").importable_path
_PLANNER_IMPORTS = {library: list(names) for library, names in PLAN.set._get_all_var_data().imports} | {
    BUDGET_MODULE: [ImportVar(tag="makeBudgetPlanner")]
}


def budget_library_js() -> str:
    """The statement that defines the helper once per page load (used as a React hook line)."""
    return f"{LIB} ??= makeBudgetPlanner({json.dumps(budget_table())}, (v) => {str(PLAN.set)}?.(v))"


# What a Var that calls the helper needs. The helper itself is defined once, by the page's
# root (_BudgetPage), not by each component that uses it: as a hook of every one of them it
# was copied into each memoized component, about 490 KB of the page's JavaScript.
_LIB_DATA = VarData(imports={library: list(names) for library, names in PLAN.set._get_all_var_data().imports})


class _BudgetPage(rx.Fragment):
    """The planner page's root. Its hook defines the helper in the page's own render, and
    React renders a parent before any child, so every part that calls it finds it there."""

    def add_hooks(self) -> list[str]:
        return [budget_library_js()]

    def add_imports(self) -> dict:
        return dict(_PLANNER_IMPORTS)


def js(expr: str, var_type: type = str) -> Var:
    """A Var of JavaScript that reads the planner's values (and so carries their hooks)."""
    return Var(_js_expr=expr, _var_type=var_type, _var_data=VarData.merge(_LIB_DATA, PLAN._get_all_var_data()))


def _values() -> str:
    return str(PLAN.value)


# ---------------------------------------------------------------------------
# The sums, as JavaScript expressions built from the tables
# ---------------------------------------------------------------------------


def line_expr(key: str) -> str:
    return f"{LIB}.line({_values()}, {json.dumps(key)})"


def section_expr(section: str) -> str:
    keys = [line.key for line in budget.LINES if line.section == section]
    return "(" + " + ".join(line_expr(k) for k in keys) + ")"


def income_expr() -> str:
    return section_expr(budget.INCOME)


def outgoings_expr() -> str:
    return "(" + " + ".join(section_expr(s) for s in budget.OUTGOING_SECTIONS) + ")"


def left_expr() -> str:
    return f"({income_expr()} - {outgoings_expr()})"


def left_words_expr() -> str:
    left = left_expr()
    return (
        f'((({left}) < 0) ? ("You are " + {LIB}.money(-({left})) + " short each month")'
        f' : ("You have " + {LIB}.money({left}) + " left each month"))'
    )


def priority_warning_expr() -> str:
    entered = " || ".join(f"({line_expr(k)} > 0)" for k in budget.PRIORITY_WARNING_KEYS)
    return f"(({left_expr()} < 0) && ({entered}))"


def invalid_labels_expr() -> str:
    items = ", ".join(
        f"({LIB}.invalid({_values()}, {json.dumps(line.key)}) ? {json.dumps(line.label)} : null)"
        for line in budget.LINES
    )
    return f'[{items}].filter(Boolean).join(", ")'


def chart_expr() -> str:
    """The figure for Plotly, computed in the browser: each outgoing line over £0, largest first."""
    rows = ", ".join(
        f"[{json.dumps(line.label)}, {line_expr(line.key)}]"
        for line in budget.LINES
        if line.section in budget.OUTGOING_SECTIONS
    )
    return charts.bars_js(f"[{rows}]", axis_title="Each month (£)", hover_suffix=" a month")


def money_var(expr: str) -> Var:
    return js(f"{LIB}.money({expr})")


def _handler(js_function: str) -> Var:
    """A frontend-only event handler: plain JavaScript, never queued for the backend."""
    return Var(_js_expr=js_function, _var_data=VarData.merge(_LIB_DATA, PLAN._get_all_var_data())).to(FunctionVar)


# ---------------------------------------------------------------------------
# The one backend event: fill in rent and service charges from the resident's account
# ---------------------------------------------------------------------------


class BudgetState(AccountChoiceState):
    fill_message: str = ""

    @resident_only
    @rx.event
    async def fill_from_account(self):
        """Rent and service charges from the account this resident is looking at (only
        ever one they may see: services/accounts/access.py), sent to the planner in the browser."""
        principal = current_principal()
        choice, fill = await in_transaction(
            budget.fill_from_account,
            principal,
            self._wanted(),
            self.chosen_ref,
            today=uk_today(utcnow()),
            settings=get_settings(),
        )
        if self._take(choice) is None or fill is None:
            self.fill_message = (
                "That account is not one you can see."
                if self.refused
                else "We could not find an account to fill in from."
            )
            return
        self.fill_message = fill.message
        return rx.call_script(f"{LIB}?.fill({json.dumps(fill.values)})")


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def _input_id(key: str) -> str:
    return "budget-" + key.replace("_", "-")


def _line_field(line: budget.Line) -> rx.Component:
    amount_id = _input_id(line.key)
    how_often_id = f"{amount_id}-how-often"
    invalid = js(f"{LIB}.invalid({_values()}, {json.dumps(line.key)})", bool)
    hint = " ".join(filter(None, ["Priority bill: pay this first." if line.priority else "", line.hint]))
    hint_id = f"{amount_id}-hint" if hint else ""
    return rx.el.div(
        rx.el.label(line.label, html_for=amount_id, class_name="label"),
        rx.el.p(hint, class_name="hint", id=hint_id) if hint else rx.fragment(),
        rx.cond(
            invalid,
            rx.el.p(
                rx.el.span("Error: ", class_name="visually-hidden"),
                f"{budget.AMOUNT_ERROR}. Until then it counts as £0.",
                class_name="error-message",
                id=f"{amount_id}-error",
            ),
        ),
        rx.el.div(
            rx.el.div(
                rx.el.span("£", class_name="budget__pound", aria_hidden="true"),
                rx.el.input(
                    id=amount_id,
                    name=line.key,
                    type="text",
                    input_mode="decimal",
                    auto_complete="off",
                    spell_check=False,
                    value=js(f"{LIB}.field({_values()}, {json.dumps('a_' + line.key)})"),
                    on_change=_handler(f"(text) => {LIB}.set({json.dumps('a_' + line.key)}, text)"),
                    class_name=rx.cond(invalid, "input input--error budget__input", "input budget__input"),
                    aria_invalid=rx.cond(invalid, "true", "false"),
                    aria_describedby=rx.cond(invalid, f"{hint_id} {amount_id}-error".strip(), hint_id or None),
                ),
                class_name="budget__amount",
            ),
            rx.el.div(
                rx.el.label(
                    rx.el.span(f"{line.label}: ", class_name="visually-hidden"),
                    "how often",
                    html_for=how_often_id,
                    class_name="budget__how-often",
                ),
                rx.el.select(
                    *[rx.el.option(text, value=key) for key, text in budget.FREQUENCY_LABELS.items()],
                    id=how_often_id,
                    name=f"{line.key}_frequency",
                    class_name="select",
                    value=js(f"{LIB}.field({_values()}, {json.dumps('f_' + line.key)})"),
                    on_change=_handler(f"(value) => {LIB}.set({json.dumps('f_' + line.key)}, value)"),
                ),
            ),
            class_name="budget__row",
        ),
        class_name=rx.cond(invalid, "field field--error", "field"),
    )


def _section(section: str) -> rx.Component:
    lines = [line for line in budget.LINES if line.section == section]
    intro = {
        budget.INCOME: "Money that comes in to your household, after tax.",
        budget.FIXED: "Bills that are the same most months.",
        budget.FLEXIBLE: "Spending you can change from month to month.",
        budget.DEBTS: "Repayments on debts that can cost you your home, your energy supply or your liberty if unpaid.",
    }[section]
    return rx.el.fieldset(
        rx.el.legend(budget.SECTIONS[section], class_name="legend--page"),
        rx.el.p(intro, class_name="hint"),
        *[_line_field(line) for line in lines],
        rx.el.p(
            f"{budget.SECTIONS[section]} each month: ",
            rx.el.strong(money_var(section_expr(section))),
            class_name="budget__subtotal",
        ),
        class_name="budget__section",
    )


def _priority_note() -> rx.Component:
    names = [line.label for line in budget.LINES if line.priority and line.section != budget.DEBTS]
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return rx.el.div(
        rx.el.h2("Pay priority bills first", class_name="heading-s"),
        rx.el.p(
            f"{listed} are priority bills, and so are repayments of priority debts. "
            "Pay them before anything else: not paying rent or Council Tax can lead to losing your home, "
            "court action or bailiffs."
        ),
        class_name="notice",
    )


SUMMARY_COLUMNS = (tables.Column("Line", row_header=True), tables.Column("Each month", numeric=True))


def _summary() -> rx.Component:
    def row(label: str, expr: str, strong: bool = False) -> rx.Component:
        value = money_var(expr)
        return tables.row(SUMMARY_COLUMNS, [label, rx.el.strong(value) if strong else value])

    body_rows = []
    for section in budget.SECTIONS:
        body_rows.append(
            rx.el.tr(rx.el.th(budget.SECTIONS[section], scope="rowgroup", col_span=2, class_name="budget__group"))
        )
        for line in budget.LINES:
            if line.section == section:
                body_rows.append(row(line.label, line_expr(line.key)))
        body_rows.append(row(f"Total {budget.SECTIONS[section].lower()}", section_expr(section), strong=True))
    invalid = js(invalid_labels_expr())
    return rx.el.section(
        rx.el.h2("Your budget each month", id="budget-result-heading"),
        rx.el.dl(
            rx.el.div(rx.el.dt("Total coming in"), rx.el.dd(money_var(income_expr()))),
            rx.el.div(rx.el.dt("Total going out"), rx.el.dd(money_var(outgoings_expr()))),
            class_name="summary-list",
        ),
        rx.el.p(js(left_words_expr()), class_name="budget__left", id="budget-left"),
        # Written by assets/budget.js after the resident pauses, never by React: a screen
        # reader hears the result once, not the figures changing at every key.
        rx.el.p(id=ANNOUNCEMENT_ID, role="status", class_name="visually-hidden"),
        rx.cond(
            invalid != "",
            rx.el.p("Some amounts could not be read and are counted as £0: ", invalid, ".", class_name="caption"),
        ),
        rx.cond(
            js(priority_warning_expr(), bool),
            rx.el.div(
                rx.el.p(rx.el.strong("You are spending more than comes in, and you have priority bills to pay.")),
                rx.el.p(
                    "Pay your rent, service charges and Council Tax first, then talk to us before you fall behind: "
                    f"phone {get_settings().landlord_phone} ({get_settings().landlord_hours}). Free, confidential debt "
                    "advice is also available from Citizens Advice, StepChange and National Debtline."
                ),
                class_name="notice notice--warning",
            ),
        ),
        rx.el.h3("Where the money goes"),
        # Plotly (about 350 KiB) is fetched only once there is something to draw, so an
        # empty planner opens as fast as any page; offline it comes from the app's cache.
        rx.cond(
            js(f"({outgoings_expr()}) > 0", bool),
            charts.chart(
                js(chart_expr(), go.Figure),
                "The same figures are in the table below.",
                static=True,
                class_name="budget__chart",
                caption_class="caption no-print",
            ),
            rx.el.p("The chart appears when you enter what you pay out.", class_name="hint"),
        ),
        # Two columns fit any phone: no stacking, and no ARIA roles added to the page's JavaScript.
        tables.table(
            "Every line of your budget as a monthly amount",
            SUMMARY_COLUMNS,
            label="Your budget each month, line by line",
            body=body_rows,
            foot=[row("Total coming in", income_expr()), row("Total going out", outgoings_expr())],
        ),
        aria_labelledby="budget-result-heading",
        class_name="budget__result",
    )


def _fill_panel() -> rx.Component:
    return rx.el.div(
        session_switch(
            lambda hint: rx.el.div(
                rx.el.button(
                    "Fill in rent and service charges from my account",
                    type="button",
                    class_name="button button--secondary",
                    disabled=~rx.State.is_hydrated,
                    on_click=BudgetState.fill_from_account,
                ),
                rx.el.p(BudgetState.fill_message, role="status", class_name="caption"),
                class_name=hint,
            ),
            lambda hint: rx.el.p(
                "Have a rent or service charge account with us? ",
                rx.el.a("Sign in", href=routes.sign_in(routes.BUDGET)),
                " to fill in your rent and service charges from it. You need to be online for that; "
                "everything else here works without a connection.",
                class_name=f"caption {hint}".strip(),
            ),
        ),
        class_name="no-print",
    )


def _mounted() -> Var:
    """True once the page runs in the browser; on mount it reads what this device saved."""
    effect = f"useEffect(() => {{ {LIB}.load(); {str(READY.set)}?.(true); }}, [])"
    return Var(
        _js_expr=str(READY.value),
        _var_type=bool,
        _var_data=VarData.merge(
            READY.value._get_all_var_data(),
            READY.set._get_all_var_data(),
            _LIB_DATA,
            PLAN._get_all_var_data(),
            VarData(hooks={effect: None}, imports={"react": [ImportVar(tag="useEffect")]}),
        ),
    )


@page(routes.BUDGET, "Budget planner")
def budget_page() -> rx.Component:
    ready = _mounted()
    return _BudgetPage.create(
        rx.el.h1("Budget planner"),
        rx.el.p(
            "Work out what comes in and goes out each month. Enter each amount as you get or pay it, and how often: "
            "the planner turns everything into a monthly figure.",
            class_name="lead",
        ),
        rx.el.p(
            "What you enter stays on this device, not with us. It works without an internet connection once you "
            "have opened it. On a shared computer, choose \u201cClear the planner\u201d when you finish."
        ),
        _fill_panel(),
        # A plain div, not a form: nothing here is ever sent anywhere, so Enter can never
        # submit the figures (into the address bar or to the server).
        rx.el.div(
            _priority_note(),
            *[_section(section) for section in budget.SECTIONS],
            data_ready=rx.cond(ready, "true", "false"),
            class_name="budget",
        ),
        _summary(),
        rx.el.div(
            rx.el.button(
                "Print",
                type="button",
                class_name="button button--secondary",
                disabled=~ready,
                on_click=_handler("() => window.print()"),
            ),
            rx.el.button(
                "Clear the planner",
                type="button",
                class_name="button button--warning",
                disabled=~ready,
                on_click=_handler(f"() => {LIB}.clear()"),
            ),
            class_name="button-group no-print",
        ),
    )
