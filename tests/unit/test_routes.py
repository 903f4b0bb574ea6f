"""Every URL with a query is built by routes.py."""

from __future__ import annotations

import reflex as rx

from portal_app import routes


def test_the_account_pages_are_built_for_one_account():
    assert routes.account("RENT1") == "/account?account=RENT1"
    assert routes.statement("RENT1") == "/account/statement?account=RENT1"
    assert routes.with_account(routes.NEW_REQUEST, "RENT1") == "/requests/new?account=RENT1"


def test_a_new_request_link_keeps_its_parameters_in_order_and_leaves_out_empty_ones():
    assert routes.new_request() == "/requests/new"
    assert routes.new_request(kind="query", account="RENT1", transaction="42") == (
        "/requests/new?kind=query&account=RENT1&transaction=42"
    )
    assert routes.new_request(
        kind="paper_statement", account="RENT1", date_from="2025-04-01", date_to="2026-03-31"
    ) == ("/requests/new?kind=paper_statement&account=RENT1&from=2025-04-01&to=2026-03-31")
    assert routes.new_request(kind="", account="RENT1") == "/requests/new?account=RENT1"


def test_values_are_encoded_and_a_path_with_a_query_gets_more_with_an_ampersand():
    assert routes.request_detail("RQ 1&2") == "/requests/view?ref=RQ+1%262"
    assert routes.with_query("/requests/new?kind=query", account="RENT1") == "/requests/new?kind=query&account=RENT1"


def test_downloads_and_sign_out_links_carry_their_query():
    assert routes.download(routes.API_STATEMENT_PDF, "abc.def") == "/api/statement.pdf?ticket=abc.def"
    assert routes.signed_out_everywhere() == "/api/signed-out?everywhere=1"
    assert routes.signed_out_page() == "/signed-out"
    assert routes.signed_out_page(everywhere=True) == "/signed-out?everywhere=1"
    assert routes.sign_in(routes.BUDGET) == "/sign-in?next=/budget-planner"


def test_a_value_from_the_browser_is_joined_in_the_browser():
    ref = rx.Var(_js_expr="someRef").to(str)
    built = routes.new_request(kind="query", account=ref)
    assert isinstance(built, rx.Var)
    assert str(built) == '("/requests/new?kind=query&account="+someRef)'
