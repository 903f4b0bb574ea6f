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
    figure = go.Figure(
        charts.balance_chart([(date(2026, 4, 6), 11369), (date(2026, 4, 9), -2000)])
    )  # Plotly validates it
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


def test_the_balance_chart_the_page_keeps_is_what_plotly_would_draw_without_its_template():
    series = [(date(2026, 4, 6), 11369), (date(2026, 4, 9), -2000)]

    kept = charts.balance_chart(series)
    drawn = json.loads(go.Figure(kept).to_json())  # what Plotly makes of it, having checked every property

    assert set(kept) == {"data", "layout"} and "template" not in kept["layout"]
    assert kept["data"] == drawn["data"]
    assert kept["data"][0]["x"] == ["2026-04-06", "2026-04-09"] and kept["data"][0]["y"] == [113.69, -20.0]
    assert kept["layout"] == {k: v for k, v in drawn["layout"].items() if k != "template"}
    assert len(json.dumps(kept)) < 1_500


def test_ask_about_this_names_the_line_and_goes_to_the_query_form_for_that_transaction(app):
    from portal_app import routes
    from portal_app.pages.accounts import account

    charge = {"id": "42", "date": "09 Nov 2026", "description": "Rent", "debit": "£114.00", "credit": ""}
    paid = {**charge, "description": "Card payment", "debit": "", "credit": "£50.00"}
    nothing = {**charge, "description": "Correction", "debit": "", "credit": ""}
    prefix = routes.new_request(kind="query", account="R&D 1/7")

    assert account.ask_about_words({**charge, "balance": "£114.00 DR"}) == (
        " charge on 09 Nov 2026: Rent, £114.00, balance after £114.00 DR"
    )
    assert account.ask_about_words({**paid, "balance": "£64.00 DR"}) == (
        " payment on 09 Nov 2026: Card payment, £50.00, balance after £64.00 DR"
    )
    assert account.ask_about_words({**nothing, "balance": "£0.00"}) == (
        " payment on 09 Nov 2026: Correction, £0.00, balance after £0.00"
    )
    assert prefix + "&transaction=42" == routes.new_request(kind="query", account="R&D 1/7", transaction="42")
    # The page joins the same words and address in the browser from the row it is sent.
    jsx = str(account.account_page())
    assert re.search(r'ask_href_rx_state_\+"&transaction="\)\+item_rx_state_\?\.\["id"\]', jsx)
    assert re.search(
        r'"visually-hidden"\}," ",\(.*?"charge" : "payment"\)," on ",item_rx_state_\?\.\["date"\],": ",'
        r'item_rx_state_\?\.\["description"\],", ",.*?", balance after ",item_rx_state_\?\.\["balance"\]\)',
        jsx,
    )
