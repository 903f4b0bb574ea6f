"""An unknown address gets the portal's own "Page not found" page (issue 13 item 24), not
Reflex's bare "404: Page not found"."""

from __future__ import annotations

import portal_app.portal_app as portal
from portal_app.settings import get_settings


def test_an_unknown_address_shows_a_page_not_found_page_with_the_portals_title():
    page = portal.app._unevaluated_pages["404"]
    assert page.title == f"Page not found · {get_settings().landlord_name}"
    assert page.component is not None and callable(page.component)
    assert page.component.__name__ == "not_found_page"
