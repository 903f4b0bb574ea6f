"""What a keyboard or screen reader user meets on the forms and pages (issue 13, items 9,
13 and 16): error-summary links that stay on the page, errors tied to groups of radios,
titles of their own, page changes announced. Checked with axe-core on the way."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.steps import accessible, register, signed_in_resident

pytestmark = pytest.mark.e2e

NOTE = "I work shifts, so mornings are hard for me."


def _chosen_account(page: Page) -> str:
    page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
    expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible()
    return parse_qs(urlparse(page.url).query)["account"][0]


def _benefits_form_with_errors(page: Page, account: str) -> None:
    page.goto(f"/requests/new?account={account}&kind=benefits_advice")
    expect(page.get_by_role("heading", name="Get advice about benefits")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    page.get_by_label("Anything else we should know (optional)").fill(NOTE)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()


def test_following_an_error_link_keeps_me_on_my_form_with_what_i_typed(page, portal, width):
    signed_in_resident(page, portal, 7 if width == "desktop" else 8)
    account = _chosen_account(page)
    _benefits_form_with_errors(page, account)
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    # The summary takes focus when it appears, so it is read out first.
    expect(summary).to_be_focused()
    accessible(page)
    before = page.url
    assert "kind=benefits_advice" in before and f"account={account}" in before
    page.evaluate("window.__samePage = true")
    summary.get_by_role("link", name="Select what you would like advice about").click()
    # Focus is on the first choice of the group, on the same page: nothing was reloaded.
    expect(page.get_by_label("Housing Benefit", exact=True)).to_be_focused()
    assert page.url == before
    assert page.evaluate("window.__samePage === true")
    expect(page.get_by_label("Anything else we should know (optional)")).to_have_value(NOTE)
    expect(page.get_by_role("heading", name="Get advice about benefits")).to_be_visible()


def test_a_screen_reader_hears_the_error_of_a_group_of_choices_with_the_group(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for what a screen reader is told")
    # Registration: "Do you still want letters from us by post?"
    page.goto("/register")
    expect(page.get_by_role("button", name="Continue")).to_be_enabled()
    page.get_by_role("button", name="Continue").click()
    letters = page.get_by_role("group", name="Do you still want letters from us by post?")
    expect(letters).to_have_accessible_description(re.compile("Select whether you want letters by post"))
    expect(page.get_by_label("Yes, keep sending me letters by post")).to_have_attribute("aria-invalid", "true")
    accessible(page)

    # A request for benefits advice: three groups, each told its own error.
    signed_in_resident(page, portal, 10)
    _benefits_form_with_errors(page, _chosen_account(page))
    topic = page.get_by_role("group", name="What do you want advice about?")
    expect(topic).to_have_accessible_description(re.compile("Select what you would like advice about"))
    for label in ("Housing Benefit", "Universal Credit"):
        expect(page.get_by_label(label, exact=True)).to_have_attribute("aria-invalid", "true")
    best = page.get_by_role("group", name="When is best to contact you?")
    expect(best).to_have_accessible_description(re.compile(r"\S"))
    expect(page.get_by_label("Morning", exact=True)).to_have_attribute("aria-invalid", "true")
    accessible(page)


def _resident_with_two_accounts(portal) -> dict:
    engine = create_engine(portal.database_url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT t.tenancy_ref, p.date_of_birth FROM tenancy t "
                "JOIN tenancy_party tp ON tp.tenancy_id = t.id JOIN person p ON p.id = tp.person_id "
                "WHERE t.end_date IS NULL AND tp.role = 'lead_tenant' AND tp.end_date IS NULL "
                "AND p.date_of_birth IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM portal_user u WHERE u.person_id = p.id) "
                "AND (SELECT COUNT(*) FROM account a WHERE a.tenancy_id = t.id) > 1 "
                "ORDER BY t.tenancy_ref LIMIT 1"
            )
        ).first()
    engine.dispose()
    assert row, "the demo landlord has a resident with two accounts on one tenancy"
    dob = row[1] if not isinstance(row[1], str) else __import__("datetime").date.fromisoformat(row[1])
    return {"tenancy_ref": row[0], "dob": dob}


def test_each_page_i_open_has_a_title_of_its_own_and_says_error_first_when_my_form_has_a_problem(page, portal, width):
    if width == "phone":
        pytest.skip("titles do not depend on the width")
    resident = _resident_with_two_accounts(portal)
    email = f"resident-{uuid.uuid4().hex[:8]}@example.com"
    before = register(page, portal, resident, email)
    code = portal.mail.code_in(portal.mail.wait_for(email, "code", after=before))
    page.get_by_label("Enter the code").fill(code)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Your accounts · "))

    links = page.get_by_role("link", name=re.compile("^Transactions and balance"))
    expect(links.nth(1)).to_be_visible()
    titles, refs = [], []
    for index in range(2):
        page.goto("/home")
        expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
        page.get_by_role("link", name=re.compile("^Transactions and balance")).nth(index).click()
        expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible()
        ref = parse_qs(urlparse(page.url).query)["account"][0]
        expect(page).to_have_title(re.compile(re.escape(ref)))
        # The link opened the account inside the app, with no page load: its title is announced.
        announced = page.get_by_role("status").filter(has_text=re.compile(re.escape(ref) + " · "))
        expect(announced).to_have_count(1)
        titles.append(page.title())
        refs.append(ref)
        # Two lines on the same day are two different links to a screen reader.
        asks = page.get_by_role("region", name="Transaction list").get_by_role("link", name=re.compile("^Ask about"))
        names = [a.evaluate("e => e.getAttribute('aria-label') || e.textContent") for a in asks.all()]
        assert len(names) == len(set(names)), names
    assert titles[0] != titles[1], titles

    # Each request form has its own title, and "Error: " comes first while it shows errors.
    page.goto(f"/requests/new?account={refs[0]}&kind=refund")
    expect(page).to_have_title(re.compile(r"^Ask for a refund"))
    refund_title = page.title()
    page.goto(f"/requests/new?account={refs[0]}&kind=benefits_advice")
    expect(page).to_have_title(re.compile(r"^Get advice about benefits"))
    assert page.title() != refund_title
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Get advice about benefits"))
    accessible(page)
