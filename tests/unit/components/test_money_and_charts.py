"""How money and charts are drawn (components/money.py, components/charts.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date

import plotly.graph_objects as go
import pytest
import reflex as rx

from portal_app import design
from portal_app.components import charts, money

OWED = rx.Var.create(True)
FIGURE = rx.Var(_js_expr="figure", _var_type=go.Figure)


def test_a_balance_shows_the_amount_then_what_it_means_in_words_then_when():
    jsx = str(
        money.balance(
            rx.Var.create("123.45 DR"),
            rx.Var.create("You owe 123.45 (arrears)"),
            OWED,
            rx.Var.create("09:00 on 1 April 2026"),
        )
    )
    amount, words, when = jsx.index('"123.45 DR"'), jsx.index("You owe 123.45 (arrears)"), jsx.index("As at ")
    assert amount < words < when
    assert 'jsx("strong",{},"You owe 123.45 (arrears)")' in jsx
    assert 'jsx("p",{className:"caption"},"As at ","09:00 on 1 April 2026")' in jsx


def test_a_balance_owed_is_drawn_in_the_arrears_style_and_a_credit_is_not():
    jsx = str(
        money.balance(
            rx.Var.create("1.00 DR"), rx.Var.create("You owe 1.00 (arrears)"), rx.Var(_js_expr="owed", _var_type=bool)
        )
    )
    assert 'jsx("p",{className:(isTrue(owed) ? "balance balance--arrears" : "balance")},"1.00 DR")' in jsx
    assert "As at" not in jsx


@pytest.fixture(scope="module")
def app():
    import portal_app.portal_app  # noqa: F401 - registers the pages


def test_the_home_page_and_the_account_page_show_a_balance_the_same_way(app):
    from portal_app.pages.accounts.account import account_page
    from portal_app.pages.accounts.home import home_page

    for jsx in (str(home_page()), str(account_page())):
        assert re.search(r'"balance balance--arrears" : "balance"\)\},[^)]*balance', jsx)
        assert re.search(r'jsx\("p",\{className:"caption"\},"As at ",', jsx)


def test_the_balance_chart_is_a_step_line_in_pounds_in_the_brand_blue_on_white():
    figure = charts.balance_figure([(date(2026, 4, 6), 11369), (date(2026, 4, 9), -2000)])
    line = figure.data[0]
    assert list(line.x) == ["2026-04-06", "2026-04-09"]
    assert list(line.y) == [113.69, -20.0]
    assert line.line.shape == "hv" and line.line.color == design.colour("brand")
    assert figure.layout.paper_bgcolor == figure.layout.plot_bgcolor == design.colour("white")
    assert figure.layout.yaxis.zerolinecolor == design.colour("text")
    assert figure.layout.font.family == design.CHART_FONT_FAMILY


def test_the_chart_drawing_is_hidden_from_screen_readers_and_its_caption_says_what_it_shows():
    jsx = str(charts.chart(FIGURE, "Most owed: 10.00 on 1 April 2026."))
    assert re.search(r'jsx\("div",\{"aria-hidden":"true",className:"chart"\},jsx\(BasicPlotlyPlot', jsx)
    assert 'jsx("figcaption",{className:"caption"},"Most owed: 10.00 on 1 April 2026.")' in jsx


def test_a_static_chart_does_not_react_to_the_pointer():
    assert '["staticPlot"]:true' in str(charts.chart(FIGURE, "x", static=True)).replace(" ", "")
    assert "staticPlot" not in str(charts.chart(FIGURE, "x"))


def test_plotly_is_loaded_only_by_the_pages_that_draw_a_chart(app):
    from portal_app.pages.accounts.account import account_page
    from portal_app.pages.accounts.budget import budget_page
    from portal_app.pages.accounts.home import home_page
    from portal_app.pages.accounts.statement import statement_page
    from portal_app.pages.requests.mine import my_requests_page

    def plotly(page) -> bool:
        return any("plotly" in name for name in page()._get_all_imports())

    assert plotly(account_page) and plotly(budget_page)
    assert not any(plotly(p) for p in (home_page, statement_page, my_requests_page))


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_bar_chart_built_in_the_browser_leaves_out_empty_lines_and_puts_the_largest_first():
    expr = charts.bars_js(
        '[["Food", 5000], ["Water", 0], ["Rent", 43333]]', axis_title="Each month (£)", hover_suffix=" a month"
    )
    out = subprocess.run(
        ["node", "-e", f"console.log(JSON.stringify({expr}))"], capture_output=True, text=True, timeout=60, check=True
    )
    figure = json.loads(out.stdout)
    bar = figure["data"][0]
    assert bar["y"] == ["Rent", "Food"] and bar["x"] == [433.33, 50]
    assert bar["marker"]["color"] == design.colour("brand")
    assert bar["hovertemplate"] == "%{y}: £%{x:,.2f} a month<extra></extra>"
    assert figure["layout"]["xaxis"]["title"]["text"] == "Each month (£)"
    assert figure["layout"]["font"] == {"family": design.CHART_FONT_FAMILY, "size": design.CHART_FONT_SIZE}
    assert figure["layout"]["height"] == 160
