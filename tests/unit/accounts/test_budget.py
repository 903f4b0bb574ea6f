"""The budget planner's rules (services/budget.py), and proof that the JavaScript the
page runs in the browser gives the same figures (Node evaluates the compiled code)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from portal_app.services.accounts import budget
from portal_app.services.accounts.budget import (
    housing_costs,
    left_words,
    parse_pounds,
    pence_as_typed,
    to_monthly_pence,
    totals,
)

# ---------------------------------------------------------------------------
# Converting to a month
# ---------------------------------------------------------------------------


def test_a_weekly_amount_is_fifty_two_twelfths_a_month():
    assert to_monthly_pence(10_000, "weekly") == 43_333  # £100 x 52 / 12 = £433.333...


def test_a_fortnightly_amount_is_twenty_six_twelfths_a_month():
    assert to_monthly_pence(10_000, "fortnightly") == 21_667  # £100 x 26 / 12 = £216.666...


def test_a_four_weekly_amount_is_thirteen_twelfths_a_month():
    assert to_monthly_pence(10_000, "four_weekly") == 10_833  # £100 x 13 / 12 = £108.333...


def test_a_monthly_amount_is_itself():
    assert to_monthly_pence(12_345, "monthly") == 12_345


def test_a_yearly_amount_is_a_twelfth_a_month():
    assert to_monthly_pence(120_000, "yearly") == 10_000  # £1,200 a year = £100 a month


def test_an_exact_half_penny_rounds_up():
    assert to_monthly_pence(6, "yearly") == 1  # 0.5p
    assert to_monthly_pence(18, "yearly") == 2  # 1.5p
    assert to_monthly_pence(3, "fortnightly") == 7  # 3 x 26 / 12 = 6.5p
    assert to_monthly_pence(5, "yearly") == 0  # 0.4166p


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError):
        to_monthly_pence(-1, "weekly")


# ---------------------------------------------------------------------------
# Pounds as typed
# ---------------------------------------------------------------------------

READABLE = {
    "12": 1_200,
    "12.50": 1_250,
    "12.5": 1_250,
    "£1,200": 120_000,
    "1,200.99": 120_099,
    " £ 3 ": 300,
    ".50": 50,
    "0": 0,
    "": 0,
    "   ": 0,
    "£": 0,
    "1234567": 123_456_700,
    "£9,999,999.99": 999_999_999,
}
UNREADABLE = ["12.505", "1,20", "12,00", "abc", "-5", ".", "12p", "1.2.3", "12345678", "£££5", "1e3", "٣", "+4"]


@pytest.mark.parametrize("typed,pence", READABLE.items())
def test_pounds_and_pence_as_people_type_them_are_read(typed, pence):
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize("typed", UNREADABLE)
def test_anything_that_is_not_an_amount_in_pounds_is_not_read(typed):
    assert parse_pounds(typed) is None


def test_an_amount_kept_as_typed_reads_back_the_same():
    assert pence_as_typed(11_401) == "114.01"
    assert parse_pounds(pence_as_typed(11_401)) == 11_401
    assert pence_as_typed(5) == "0.05"


# ---------------------------------------------------------------------------
# A whole household
# ---------------------------------------------------------------------------

HOUSEHOLD = {
    "earnings": ("1,100", "monthly"),  # 1,100.00
    "benefits": ("92.40", "weekly"),  # 9240 x 52 / 12 = 40040     -> 400.40
    "rent": ("118.50", "weekly"),  # 11850 x 52 / 12 = 51350    -> 513.50
    "service_charges": ("12.35", "weekly"),  # 1235 x 52 / 12 = 5351.67   -> 53.52
    "council_tax": ("£1,680", "yearly"),  # 168000 / 12 = 14000        -> 140.00
    "energy": ("120", "monthly"),  # 120.00
    "water": ("450", "yearly"),  # 45000 / 12 = 3750          -> 37.50
    "phone_internet": ("45", "four_weekly"),  # 4500 x 13 / 12 = 4875     -> 48.75
    "tv_licence": ("174.50", "yearly"),  # 17450 / 12 = 1454.17       -> 14.54
    "transport": ("25", "weekly"),  # 2500 x 52 / 12 = 10833.33  -> 108.33
    "food": ("85", "weekly"),  # 8500 x 52 / 12 = 36833.33  -> 368.33
    "personal": ("60", "monthly"),  # 60.00
    "leisure": ("30", "fortnightly"),  # 3000 x 26 / 12 = 6500      -> 65.00
    "priority_debts": ("10", "weekly"),  # 1000 x 52 / 12 = 4333.33   -> 43.33
}
# In:        1,100.00 + 400.40                                              = 1,500.40
# Fixed:     513.50 + 53.52 + 140.00 + 120.00 + 37.50 + 48.75 + 14.54 + 108.33 = 1,036.14
# Flexible:  368.33 + 60.00 + 65.00                                          =   493.33
# Debts:     43.33
# Out:       1,036.14 + 493.33 + 43.33                                       = 1,572.80
# Left:      1,500.40 - 1,572.80                                             =   -72.40 (short)


def test_a_household_that_spends_more_than_comes_in_is_told_how_short_it_is():
    result = totals(HOUSEHOLD)
    assert result.monthly["service_charges"] == 5_352
    assert result.monthly["tv_licence"] == 1_454
    assert result.sections == {"income": 150_040, "fixed": 103_614, "flexible": 49_333, "debts": 4_333}
    assert result.income == 150_040
    assert result.outgoings == 157_280
    assert result.left == -7_240
    assert left_words(result.left) == "You are £72.40 short each month"
    assert result.priority_warning is True
    assert result.invalid == ()


def test_a_household_with_money_over_is_told_how_much_is_left():
    result = totals(HOUSEHOLD | {"earnings": ("1,450", "monthly")})  # 72.40 short + 350.00 more
    assert result.left == 27_760
    assert left_words(result.left) == "You have £277.60 left each month"
    assert result.priority_warning is False


def test_a_shortfall_without_rent_or_council_tax_gives_no_priority_warning():
    result = totals({"food": ("50", "weekly")})
    assert result.left < 0
    assert result.priority_warning is False


def test_an_unreadable_amount_counts_as_nothing_and_is_named():
    result = totals({"earnings": ("1,000", "monthly"), "food": ("lots", "weekly")})
    assert result.invalid == ("food",)
    assert result.monthly["food"] == 0
    assert result.left == 100_000


def test_every_line_has_a_known_section_and_frequency_and_a_unique_key():
    assert len(budget.LINES_BY_KEY) == len(budget.LINES)
    assert {line.section for line in budget.LINES} == set(budget.SECTIONS)
    assert all(line.frequency in budget.FREQUENCIES for line in budget.LINES)
    assert set(budget.FREQUENCY_LABELS) == set(budget.FREQUENCIES)
    assert {"rent", "council_tax"} <= {line.key for line in budget.LINES if line.priority}


# ---------------------------------------------------------------------------
# Filling in from an account
# ---------------------------------------------------------------------------


def test_weekly_rent_and_weekly_services_are_filled_in_weekly():
    costs = housing_costs(
        [("basic_rent", 11_401, "weekly", 11_401), ("caretaking", 450, "weekly", 450), ("water", 400, "weekly", 400)]
    )
    assert (costs.rent_pence, costs.rent_frequency) == (11_401, "weekly")
    assert (costs.service_pence, costs.service_frequency) == (850, "weekly")


def test_a_yearly_service_charge_keeps_the_landlords_yearly_amount():
    costs = housing_costs(
        [("ground_rent", 25_000, "yearly", 481), ("estimated_service_charge", 150_000, "yearly", 2_885)]
    )
    assert (costs.rent_pence, costs.rent_frequency) == (25_000, "yearly")
    assert (costs.service_pence, costs.service_frequency) == (150_000, "yearly")


def test_charges_of_mixed_frequencies_are_added_up_weekly():
    costs = housing_costs([("caretaking", 450, "weekly", 450), ("estimated_service_charge", 52_000, "yearly", 1_000)])
    assert (costs.service_pence, costs.service_frequency) == (1_450, "weekly")
    assert (costs.rent_pence, costs.rent_frequency) == (0, "weekly")


# ---------------------------------------------------------------------------
# The browser runs the same rules
# ---------------------------------------------------------------------------

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _node(script: str):
    out = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


BUDGET_JS = Path(__file__).resolve().parents[3] / "assets" / "budget.js"


def _import_helper() -> str:
    """assets/budget.js imported as the page imports it (as an ES module)."""
    source = base64.b64encode(BUDGET_JS.read_bytes()).decode()
    return f'import {{ makeBudgetPlanner }} from "data:text/javascript;base64,{source}";\n'


def _with_library(body: str) -> str:
    """The browser's helper as the page runs it: assets/budget.js, then the page's statement."""
    from portal_app.pages.accounts.budget import budget_library_js

    return f"{_import_helper()}const refs = {{}};\n{budget_library_js()};\nconst L = globalThis.doorstepBudget;\n{body}"


def test_the_page_helper_carries_the_same_factors_as_the_python_table():
    from portal_app.pages.accounts.budget import budget_library_js

    code = budget_library_js()
    for key, (numerator, denominator) in budget.FREQUENCIES.items():
        assert f'"{key}": [{numerator}, {denominator}]' in code
    assert json.dumps(budget.AMOUNT_PATTERN) in code


def test_the_compiled_page_defines_the_helper_and_sums_every_line_from_the_table():
    import portal_app.portal_app  # noqa: F401
    from portal_app.pages.accounts.budget import budget_library_js, budget_page, left_words_expr, line_expr

    component = budget_page()
    assert any(budget_library_js() in hook for hook in component._get_all_hooks())
    rendered = str(component)
    for line in budget.LINES:
        assert line_expr(line.key) in rendered
    assert left_words_expr() in rendered


@needs_node
def test_the_browser_reads_typed_pounds_exactly_as_python_does():
    cases = list(READABLE) + UNREADABLE + ["£ 1,234.5", "0.5", "007", "12.", "1,234,567.00", "10,000,000"]
    got = _node(_with_library(f"console.log(JSON.stringify({json.dumps(cases)}.map(L.pence)))"))
    assert got == [parse_pounds(c) for c in cases]


@needs_node
def test_the_browser_converts_every_frequency_exactly_as_python_does():
    amounts = [0, 1, 3, 5, 6, 18, 999, 1_235, 9_240, 10_000, 11_850, 17_450, 120_000, 999_999_999]
    pairs = [[a, f] for a in amounts for f in budget.FREQUENCIES]
    got = _node(_with_library(f"console.log(JSON.stringify({json.dumps(pairs)}.map(([a, f]) => L.monthly(a, f))))"))
    assert got == [to_monthly_pence(a, f) for a, f in pairs]


@needs_node
@pytest.mark.parametrize("earnings", ["1,100", "1,450", "", "not a number"])
def test_the_compiled_totals_and_words_on_the_page_match_python(earnings):
    from portal_app.pages.accounts import budget as page

    household = HOUSEHOLD | {"earnings": (earnings, "monthly"), "water": ("12.505", "weekly")}
    values = dict(page.DEFAULTS)
    for key, (amount, frequency) in household.items():
        values[f"a_{key}"], values[f"f_{key}"] = amount, frequency
    values_js = page._values()

    def expr(text: str) -> str:
        return text.replace(values_js, "V")

    exprs = {
        "income": expr(page.income_expr()),
        "outgoings": expr(page.outgoings_expr()),
        "left": expr(page.left_expr()),
        "words": expr(page.left_words_expr()),
        "warning": expr(page.priority_warning_expr()),
        "invalid": expr(page.invalid_labels_expr()),
        **{s: expr(page.section_expr(s)) for s in budget.SECTIONS},
    }
    body = (
        f"const V = {json.dumps(values)};\nconsole.log(JSON.stringify({{"
        + ", ".join(f"{json.dumps(k)}: {v}" for k, v in exprs.items())
        + "}));"
    )
    got = _node(_with_library(body))
    want = totals(household)
    assert got["income"] == want.income
    assert got["outgoings"] == want.outgoings
    assert got["left"] == want.left
    assert got["words"] == left_words(want.left)
    assert got["warning"] == want.priority_warning
    assert got["invalid"] == ", ".join(budget.LINES_BY_KEY[k].label for k in want.invalid)
    assert {s: got[s] for s in budget.SECTIONS} == want.sections


@needs_node
def test_the_chart_is_built_in_the_browser_from_the_outgoing_lines():
    from portal_app.pages.accounts import budget as page

    values = dict(page.DEFAULTS) | {
        "a_rent": "100",
        "f_rent": "weekly",
        "a_food": "50",
        "f_food": "monthly",
        "a_earnings": "2000",
    }
    figure = _node(
        _with_library(
            f"const V = {json.dumps(values)};\nconsole.log(JSON.stringify({page.chart_expr().replace(page._values(), 'V')}));"
        )
    )
    bar = figure["data"][0]
    assert bar["y"] == ["Rent", "Food and housekeeping"]
    assert bar["x"] == [433.33, 50]


@needs_node
def test_the_helper_hands_every_change_to_the_planner_state_and_builds_on_what_it_showed():
    from portal_app.pages.accounts import budget as page

    script = (
        f"{_import_helper()}"
        "const seen = [];\n"
        "globalThis.localStorage = { setItem() {}, removeItem() {}, getItem() { return null; } };\n"
        f"const L = makeBudgetPlanner({json.dumps(page.budget_table())}, (v) => seen.push(v));\n"
        'L.fill({a_rent: "114.01", f_rent: "weekly"}); L.set("a_food", "50"); L.clear();\n'
        "console.log(JSON.stringify(seen.map((v) => [v.a_rent, v.f_rent, v.a_food])));"
    )
    assert _node(script) == [["114.01", "weekly", ""], ["114.01", "weekly", "50"], ["", page.DEFAULTS["f_rent"], ""]]


def test_the_page_imports_the_helper_from_the_assets_file():
    import portal_app.portal_app  # noqa: F401
    from portal_app.pages.accounts.budget import BUDGET_MODULE, budget_page

    assert BUDGET_MODULE == "$/public/budget.js"
    imports = budget_page()._get_all_imports()
    assert [v.tag for v in imports[BUDGET_MODULE]] == ["makeBudgetPlanner"]
