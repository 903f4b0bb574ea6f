"""The one table component (components/tables.py) and the pages that draw their figures
with it. Read from the compiled JSX, as the browser gets it."""

from __future__ import annotations

import re

import pytest
import reflex as rx

from portal_app.components import tables
from portal_app.settings import PROJECT_ROOT

COLUMNS = (
    tables.Column("Date", "date", row_header=True),
    tables.Column("Description", "description"),
    tables.Column("Paid", "paid", numeric=True),
    tables.Column("Query", hide_heading=True, render=lambda r: rx.el.a("Ask", href=r["href"])),
)
ROWS = rx.Var.create([{"date": "1 Apr 2026", "description": "Rent", "paid": "£10.00", "href": "/x"}])


def _jsx(component) -> str:
    return str(component)


def _cells(jsx: str, tag: str) -> list[str]:
    """The props of every <tag> in the JSX, e.g. '"data-label":"Paid",className:"num"'."""
    return re.findall(r'jsx\("' + tag + r'",\{([^}]*)\}', jsx)


def test_the_table_marks_its_header_cells_as_column_headers():
    jsx = _jsx(tables.table("Payments", COLUMNS, ROWS, label="Payments"))
    headers = [p for p in _cells(jsx, "th") if 'scope:"col"' in p]
    assert len(headers) == len(COLUMNS)
    for heading in ("Date", "Description", "Paid"):
        assert re.search(r'scope:"col"\},"' + heading + '"', jsx)


def test_a_row_header_column_names_each_row_and_the_others_are_data_cells():
    jsx = _jsx(tables.table("Payments", COLUMNS, ROWS, label="Payments"))
    assert re.search(r'jsx\("th",\{scope:"row"\},item_rx_state_\?\.\["date"\]\)', jsx)
    assert len(_cells(jsx, "td")) == 3


def test_money_columns_are_right_aligned_and_words_are_not():
    jsx = _jsx(tables.table("Payments", COLUMNS, ROWS, label="Payments"))
    assert re.search(r'jsx\("th",\{className:"num",scope:"col"\},"Paid"\)', jsx)
    assert re.search(r'jsx\("td",\{className:"num"\},item_rx_state_\?\.\["paid"\]\)', jsx)
    assert re.search(r'jsx\("td",\{\},item_rx_state_\?\.\["description"\]\)', jsx)


def test_a_column_of_links_has_a_heading_for_screen_readers_only():
    jsx = _jsx(tables.table("Payments", COLUMNS, ROWS, label="Payments"))
    assert 'jsx("th",{scope:"col"},jsx("span",{className:"visually-hidden"},"Query"))' in jsx


def test_the_table_sits_in_a_named_region_that_the_keyboard_can_scroll():
    jsx = _jsx(tables.table("Payments", COLUMNS, ROWS, label="Your payments"))
    assert jsx.startswith('jsx("div",{"aria-label":"Your payments",className:"table-wrap",role:"region",tabIndex:0}')


def test_the_caption_says_what_the_table_is_and_can_be_for_screen_readers_only():
    shown = _jsx(tables.table("Payments this year", COLUMNS, ROWS, label="Payments"))
    hidden = _jsx(tables.table(("Page ", rx.Var.create(2)), COLUMNS, ROWS, label="Payments", caption_hidden=True))
    assert 'jsx("caption",{},"Payments this year")' in shown
    assert 'jsx("caption",{className:"visually-hidden"},"Page ",2)' in hidden


def test_on_a_phone_every_cell_but_the_row_header_and_the_links_is_labelled_with_its_column():
    jsx = _jsx(tables.table("Payments", COLUMNS, ROWS, label="Payments", stack=True))
    labels = re.findall(r'"data-label":"([^"]+)"', jsx)
    assert labels == ["Description", "Paid"]
    assert 'jsx("span",{className:"table__value"},item_rx_state_?.["paid"])' in jsx
    assert "table table--stack" in jsx


def test_a_stacked_table_keeps_its_table_semantics_for_screen_readers():
    jsx = _jsx(tables.table("Payments", COLUMNS, ROWS, label="Payments", stack=True))
    for role in ("table", "rowgroup", "row", "columnheader", "rowheader", "cell"):
        assert f'role:"{role}"' in jsx, role


def test_a_table_that_is_not_stacked_adds_nothing_for_the_phone_layout():
    jsx = _jsx(tables.table("Payments", COLUMNS, ROWS, label="Payments"))
    assert "data-label" not in jsx
    assert 'role:"cell"' not in jsx and "table--stack" not in jsx


def test_rows_built_beforehand_come_before_the_listed_ones_and_footers_go_in_the_foot():
    opening = tables.row(COLUMNS, ["", "Opening balance", "", ""])
    closing = tables.row(COLUMNS, ["", "Closing balance", "£0.00", ""])
    jsx = _jsx(tables.table("Statement", COLUMNS, ROWS, label="Statement", body=[opening], foot=[closing]))
    tbody = jsx[jsx.index('jsx("tbody"') : jsx.index('jsx("tfoot"')]
    assert tbody.index("Opening balance") < tbody.index("Array.prototype.map")
    assert "Closing balance" in jsx[jsx.index('jsx("tfoot"') :]


def test_a_row_with_the_wrong_number_of_cells_is_refused():
    with pytest.raises(ValueError, match="3 cells for 4 columns"):
        tables.row(COLUMNS, ["a", "b", "c"])


def test_the_stylesheet_stacks_the_rows_and_shows_the_labels_on_small_screens_only():
    css = (PROJECT_ROOT / "assets" / "styles.css").read_text()
    block = css[css.index("@media screen and (max-width: 40rem) {\n  .table--stack") :]
    block = block[: block.index("\n}\n")]
    assert re.search(r"\.table--stack tr \{[^}]*display: block", block)
    assert "content: attr(data-label)" in block
    # Heading and value in two grid columns: a heading on two lines pushes the next one down.
    assert re.search(r"td\[data-label\] \{[^}]*display: grid; grid-template-columns: 42% 1fr", block)
    assert re.search(r"\.table--stack thead \{[^}]*position: absolute[^}]*clip", block)  # hidden, still read out


# --- The pages ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app():
    import portal_app.portal_app  # noqa: F401 - registers the pages


def _region(jsx: str, label: str) -> str:
    start = jsx.index(f'jsx("div",{{"aria-label":"{label}",className:"table-wrap"')
    return jsx[start : jsx.index('jsx("tbody"', start)]


def _headings(region: str) -> list[str]:
    return re.findall(r'scope:"col"\},(?:jsx\("span",\{className:"visually-hidden"\},)?"([^"]+)"', region)


def test_the_transaction_history_and_the_charges_keep_their_columns(app):
    from portal_app.pages.accounts.account import account_page

    jsx = _jsx(account_page())
    assert _headings(_region(jsx, "Transaction list")) == ["Date", "Description", "Charged", "Paid", "Balance", "Query"]
    assert _headings(_region(jsx, "Your regular charges")) == ["Charge", "Amount", "Each week", "Benefits can cover it"]
    assert "table--stack" in _region(jsx, "Transaction list")


def test_the_statement_keeps_its_columns_and_its_opening_and_closing_rows(app):
    from portal_app.pages.accounts.statement import statement_page

    jsx = _jsx(statement_page())
    region = _region(jsx, "Statement lines")
    assert _headings(region) == ["Date", "Week commencing", "Description", "Debit", "Credit", "Balance"]
    for name in ("Opening balance", "Totals for the period", "Closing balance"):
        assert f'jsx("th",{{role:"rowheader",scope:"row"}},"{name}")' in jsx


def test_the_budget_table_is_not_stacked_so_the_offline_planner_stays_small(app):
    from portal_app.pages.accounts.budget import budget_page

    jsx = _jsx(budget_page())
    assert _headings(_region(jsx, "Your budget each month, line by line")) == ["Line", "Each month"]
    assert 'jsx("caption",{},"Every line of your budget as a monthly amount")' in jsx
    assert "data-label" not in jsx and "table--stack" not in jsx and 'role:"table"' not in jsx


def test_the_requests_list_is_a_table_with_a_link_to_each_request(app):
    from portal_app.pages.requests.mine import my_requests_page

    jsx = _jsx(my_requests_page())
    assert _headings(_region(jsx, "Your requests")) == ["Request", "What you asked", "Status", "Sent", "Last change"]
    assert re.search(
        r'jsx\("th",\{role:"rowheader",scope:"row"\},jsx\(ReactRouterLink,\{to:item_rx_state_\?\.\["href"\]\}', jsx
    )
