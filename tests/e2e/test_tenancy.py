"""Your tenancy in a real browser, on a phone and a desktop, with axe-core: from home to the
tenancy page, which says what the tenancy is, who is on it, the charges and the officers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e


def test_a_resident_sees_their_tenancy_who_is_on_it_the_charges_and_their_officers(page: Page, portal, width):
    signed_in_resident(page, portal, 10 if width == "desktop" else 11)
    page.get_by_role("link", name="Your tenancy and who is on it").click()
    expect(page.get_by_role("heading", name="Your tenancy", level=1)).to_be_visible()
    summary = page.locator(".summary-list")
    expect(summary).to_contain_text("Secure tenancy")
    expect(summary).to_contain_text("Started")
    expect(page.get_by_role("heading", name="Who is on the tenancy")).to_be_visible()
    expect(page.get_by_role("table", name="The charges on your accounts today")).to_be_visible()
    expect(page.get_by_role("heading", name="What we must do as your landlord")).to_be_visible()
    expect(page.get_by_role("heading", name="Your officers")).to_be_visible()
    accessible(page)


def _resident_with_letters(portal) -> dict:
    """An unregistered demo tenant whose home the demo feed sent letters for (demo_letters.py);
    not TEN100001's, which other journeys use."""
    from sqlalchemy import create_engine, text

    engine = create_engine(portal.database_url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT t.tenancy_ref, p.date_of_birth FROM tenancy t "
                "JOIN tenancy_party tp ON tp.tenancy_id = t.id JOIN person p ON p.id = tp.person_id "
                "WHERE t.tenure = 'secure' AND t.end_date IS NULL AND t.tenancy_ref <> 'TEN100001' "
                "AND tp.role IN ('lead_tenant', 'joint_tenant') AND tp.end_date IS NULL "
                "AND p.date_of_birth IS NOT NULL "
                "AND EXISTS (SELECT 1 FROM resident_document d WHERE d.tenancy_id = t.id "
                "AND d.kind = 'tenancy_agreement') "
                "AND NOT EXISTS (SELECT 1 FROM portal_user u WHERE u.person_id = p.id) "
                "ORDER BY t.tenancy_ref DESC, p.id LIMIT 1"
            )
        ).one()
    engine.dispose()
    dob = row[1] if not isinstance(row[1], str) else __import__("datetime").date.fromisoformat(row[1])
    return {"tenancy_ref": row[0], "dob": dob}


def test_a_resident_sees_the_letters_we_sent_and_downloads_their_tenancy_agreement(page: Page, portal, width):
    import re
    import uuid

    from tests.e2e.steps import register

    email = f"letters-{uuid.uuid4().hex[:8]}@example.com"
    before = register(page, portal, _resident_with_letters(portal), email)
    page.get_by_label("Enter the code").fill(portal.mail.code_in(portal.mail.wait_for(email, "code", after=before)))
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
    page.get_by_role("link", name="Letters and documents").click()
    expect(page.get_by_role("heading", name="Letters and documents", level=1)).to_be_visible()
    agreement = page.get_by_role("link", name=re.compile(r"^Your tenancy agreement \(PDF, \d+ KB\)$"))
    expect(agreement).to_be_visible()
    expect(page.get_by_role("heading", name="Letters by post or online")).to_be_visible()
    expect(page.get_by_text("You chose letters by post.")).to_be_visible()
    expect(page.get_by_role("link", name="Change how you get letters")).to_be_visible()
    accessible(page)
    with page.expect_download() as download:
        agreement.click()
    assert download.value.suggested_filename.endswith("-your-tenancy-agreement.pdf")
