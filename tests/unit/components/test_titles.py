"""Every page, and every state of a page a resident tells apart, has a title of its own
(WCAG 2.4.2): the titles come from ``@page(route, title)`` (components/layout.py)."""

from __future__ import annotations

import pytest

from portal_app import routes
from portal_app.components import layout


@pytest.fixture(scope="module")
def titles() -> dict:
    import portal_app.portal_app  # noqa: F401 - registers every page

    return {route: title for _, route, title, _ in layout.PAGES}


def _every(title) -> list[str]:
    """Every title a page can show (before its state arrives and in each state it names)."""
    return [title] if isinstance(title, str) else list(title.every())


def test_no_two_pages_or_request_forms_share_a_title(titles):
    from portal_app.pages.requests.new import KIND_INTRO

    everything = [shown for title in titles.values() for shown in _every(title)]
    assert len(everything) == len(set(everything)), sorted(t for t in everything if everything.count(t) > 1)
    forms = _every(titles[routes.NEW_REQUEST])
    for intro in KIND_INTRO.values():
        assert any(shown.startswith(intro) for shown in forms), (intro, forms)


def test_the_title_of_a_form_page_says_error_first_while_the_form_shows_errors(titles):
    for route in (routes.NEW_REQUEST, routes.SIGN_IN, routes.REGISTER, routes.STATEMENT, routes.ACCOUNT):
        shown = str(titles[route] if isinstance(titles[route], str) else titles[route].var())
        assert "Error: " in shown, (route, shown)


def test_my_two_accounts_do_not_share_a_title(titles):
    for route in (routes.ACCOUNT, routes.STATEMENT):
        shown = titles[route] if isinstance(titles[route], str) else titles[route].var()
        assert not isinstance(shown, str), f"{route} has one fixed title for every account: {shown}"
        assert "reference" in str(shown) or "chosen_ref" in str(shown), str(shown)


@pytest.mark.parametrize(
    "route, naming",
    [(routes.REQUEST_DETAIL, "reference"), (routes.STAFF_REQUEST, "reference"), (routes.STAFF_RESIDENT, "name")],
)
def test_each_request_and_each_resident_an_officer_opens_has_a_title_of_its_own(titles, route, naming):
    shown = titles[route] if isinstance(titles[route], str) else titles[route].var()
    assert not isinstance(shown, str), f"every one is called {shown!r}"
    assert naming in str(shown), str(shown)
