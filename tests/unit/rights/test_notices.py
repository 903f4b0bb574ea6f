"""The privacy notice and the cookie page (pages/rights/, services/rights/notices.py): what
they say comes from the settings and from the code, and both are in every page's footer."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import reflex as rx

from portal_app import routes
from portal_app.components.back_office import staff_frame
from portal_app.components.layout import page_frame
from portal_app.pages.accounts import budget
from portal_app.pages.rights import cookie_policy, privacy
from portal_app.services.identity import cookies
from portal_app.services.rights import notices
from portal_app.settings import PROJECT_ROOT, get_settings

ASSETS = PROJECT_ROOT / "assets"


@pytest.fixture
def cookie_page() -> str:
    return str(cookie_policy.cookies_page())


def test_the_cookie_page_names_every_cookie_the_portal_sets(cookie_page):
    for kind in cookies.KINDS:
        assert cookies.cookie_name(kind, secure=True) in cookie_page, kind
    assert cookies.SIGNED_IN_HINT in cookie_page


def test_a_new_kind_of_cookie_cannot_be_added_without_the_cookie_page_describing_it(monkeypatch):
    monkeypatch.setattr(cookies, "KINDS", (*cookies.KINDS, "remember_me"))

    with pytest.raises(notices.UndescribedCookie, match="remember_me"):
        cookie_policy.cookies_page()


def _storage_keys_in(script: Path) -> set[str]:
    """The names a page script keeps things under: its string constants starting doorstep."""
    return set(re.findall(r'"(doorstep[-_][a-z_-]+)"', script.read_text()))


def test_the_cookie_page_names_every_key_the_page_scripts_and_the_budget_planner_keep(cookie_page):
    keys = _storage_keys_in(ASSETS / "pwa.js") | _storage_keys_in(ASSETS / "sw-extra.js") | {budget.STORAGE_KEY}
    keys -= {cookies.SIGNED_IN_HINT}  # the hint cookie, listed with the cookies

    assert keys >= {"doorstep-saved-statements", "doorstep_saved_statements", "doorstep_last_seen"}
    assert [key for key in sorted(keys) if key not in cookie_page] == []


def test_the_cookie_page_names_the_key_reflex_keeps_its_tab_token_under(cookie_page):
    import reflex_base

    state_js = Path(reflex_base.__file__).parent / ".templates" / "web" / "utils" / "state.js"
    (token_key,) = re.findall(r'const TOKEN_KEY = "([^"]+)";', state_js.read_text())
    (reload_key,) = re.findall(r'const LAST_RELOADED_KEY = "([^"]+)";', state_js.read_text())

    for key in (token_key, reload_key):
        assert f'"{key}"' in cookie_page, key


def test_the_cookie_page_says_every_one_is_strictly_necessary_and_why_there_is_no_banner(cookie_page):
    assert "All of them are strictly necessary" in cookie_page
    assert "So we do not ask you to accept cookies." in cookie_page
    lifetimes = [item.lifetime for item in notices.storage_items(get_settings())]
    assert all(lifetimes) and "Until you sign out, and never longer than 12 hours." in lifetimes[0]


def test_the_privacy_notice_gives_the_landlords_details_and_every_period_from_the_settings(monkeypatch):
    settings = replace(
        get_settings(),
        landlord_name="Fenwick Housing",
        landlord_address="Fenwick Housing, 9 Quay Street, Fenwick FN1 2ZZ",
        landlord_email="hello@fenwick.example",
        data_protection_officer_email="privacy@fenwick.example",
        ico_registration_number="ZB765432",
        retain_ended_sessions_days=45,
        retain_mail_body_days=3,
        retain_expired_codes_hours=12,
        signin_known_address_days=60,
    )
    monkeypatch.setattr(privacy, "get_settings", lambda: settings)

    text = str(privacy.privacy_page())

    for expected in (
        "Fenwick Housing, 9 Quay Street, Fenwick FN1 2ZZ",
        "hello@fenwick.example",
        "privacy@fenwick.example",
        "ZB765432",
        "Deleted 45 days after the session ended.",
        "is deleted 3 days after it is sent",
        "An unfinished registration is deleted 12 hours after its code stops working.",
        "for 60 days",
    ):
        assert expected in text, expected
    assert "northbrook" not in text.lower()  # nothing of the default landlord left


def test_the_privacy_notice_covers_what_is_collected_the_lawful_bases_and_the_rights_with_their_forms():
    text = str(privacy.privacy_page())

    for collected in ("date of birth", "Your email address", "Your mobile number", "bank details", "sign-in"):
        assert collected in text, collected
    for basis in ("Article 6(1)(b)", "Article 6(1)(f)", "Articles 6(1)(c) and 32"):
        assert basis in text, basis
    for right in ("right of access", "rectification", "erasure", "restriction", "To object", "portability"):
        assert right in text, right
    assert notices.ICO_COMPLAINTS_URL in text and notices.ICO_PHONE in text
    assert f'"{routes.MY_DATA}"' in text and f'"{routes.DATA_REQUEST}"' in text and f'"{routes.COOKIES}"' in text
    assert "within one month" in text or "We answer within one month" in text
    assert "The portal does not keep your date of birth" in text
    assert "Kept: it is part of our audit log" in text  # never deleted by the portal: no period claimed


def test_every_residents_page_and_every_back_office_page_links_to_both_in_its_footer():
    for frame in (page_frame(rx.fragment()), staff_frame(rx.fragment())):
        footer = str(frame).split("footer", 1)[1]
        assert f'"{routes.PRIVACY}"' in footer and f'"{routes.COOKIES}"' in footer
