"""What each page asks the server when it opens (issue 15: work done twice per page load)."""

from __future__ import annotations

import portal_app.portal_app  # noqa: F401 - registers every page
from portal_app import routes
from portal_app.components.layout import PAGES
from portal_app.state.access import RESIDENT, access_of
from portal_app.state.session import SessionState


def _loaders() -> dict[str, list]:
    return {route: loaders for _render, route, _title, loaders in PAGES}


def _resident_only(handler) -> bool:
    mark = access_of(handler.fn)
    return mark is not None and mark.kind == RESIDENT


def test_a_signed_in_page_looks_up_the_residents_session_once_when_it_opens_not_twice():
    pages = _loaders()
    signed_in = {route: loaders for route, loaders in pages.items() if any(_resident_only(h) for h in loaders)}
    assert routes.HOME in signed_in and routes.ACCOUNT in signed_in
    for route, loaders in signed_in.items():
        lookups = [h for h in loaders if h.fn is SessionState.check_session.fn or _resident_only(h)]
        assert len(lookups) == 1, f"{route} looks up the session {len(lookups)} times when it opens"


def test_a_public_page_still_keeps_the_header_honest_about_who_is_signed_in():
    pages = _loaders()
    for route in (routes.START, routes.SIGN_IN, routes.ACCESSIBILITY):
        assert [h.fn for h in pages[route]][:1] == [SessionState.check_session.fn], route
