"""The account picker: one link per account, to the page the resident is on."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.accounts import account_picker

OPTIONS = rx.Var.create([{"ref": "RENT1", "label": "Rent account"}, {"ref": "GAR2", "label": "Garage account"}])


def test_the_picker_on_the_request_form_keeps_the_kind_and_adds_the_account_to_one_query():
    kind = rx.Var(_js_expr="kindInThePage", _var_type=str).to(str)  # the form's kind, known only in the browser
    picker = account_picker(OPTIONS, rx.Var.create("RENT1"), lambda ref: routes.new_request(kind=kind, account=ref))
    jsx = str(picker)
    assert '"/requests/new?kind="+kindInThePage' in jsx and '+"&account=")+o_rx_state_?.["ref"]' in jsx
    assert "?account=" not in jsx  # one query string: never "?kind=refund?account=GAR2"


def test_the_picker_on_the_account_page_links_each_account_to_the_account_page():
    jsx = str(account_picker(OPTIONS, rx.Var.create("RENT1"), routes.account))
    assert '("/account?account="+o_rx_state_?.["ref"])' in jsx
