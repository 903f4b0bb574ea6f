"""The back office in a browser: an officer signs in with the code from their app,
finds a resident, answers a query, and the resident sees the reply and gets the email;
an administrator pauses registration and a newcomer joins the waiting list. axe-core
runs on every page visited (steps.accessible)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from portal_app.services.staff.demo import DEMO_STAFF
from tests.e2e import steps
from tests.e2e.steps import VIEWPORTS, accessible, signed_in_resident, signed_in_staff

STAFF = {role: (email, name, key) for email, name, role, _ref, key in DEMO_STAFF}


def test_an_officer_signs_in_with_the_code_from_their_app_and_a_wrong_code_is_refused_next_to_the_field(
    page: Page, portal
):
    email, name, key = STAFF["income_officer"]
    page.goto("/staff/sign-in")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    page.get_by_label("Work email address").fill(email)
    page.get_by_label("Password").fill("not my password at all")
    page.get_by_label("Code from your authenticator app").fill("123456")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The email address, password or code is not right")
    expect(page.get_by_label("Work email address")).to_have_value(email)  # what was typed is kept
    accessible(page)
    signed_in_staff(page, email, key)
    expect(page.get_by_text(re.compile(f"Signed in as {name}"))).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out of the back office.")).to_be_visible()
    page.goto("/staff")
    expect(page.get_by_role("heading", name="Sign in to the back office")).to_be_visible()


def _resume_in_the_database(portal) -> None:
    """If the journey stopped half way, open registration again so the other journeys can register."""
    from sqlalchemy import create_engine, text

    engine = create_engine(portal.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE registration_pause SET resumed_at = CURRENT_TIMESTAMP WHERE resumed_at IS NULL"))
    engine.dispose()


def test_an_administrator_pauses_registration_a_newcomer_joins_the_waiting_list_and_is_invited_once_on_resume(
    browser, portal, width
):
    staff = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    newcomer = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    admin, resident = staff.new_page(), newcomer.new_page()
    email = f"waiting-{width}@example.com"
    try:
        signed_in_staff(admin, *STAFF["administrator"][::2])
        admin.get_by_role("link", name="Registration").first.click()
        expect(admin.get_by_role("heading", name="Registration", exact=True)).to_be_visible()
        accessible(admin)
        message = "We are checking our records after a system change. We expect to open again on Monday."
        admin.get_by_label("Message for the registration page").fill(message)
        admin.get_by_role("button", name="Pause new registrations").click()
        expect(admin.get_by_role("heading", name="New registrations are paused")).to_be_visible()
        accessible(admin)

        resident.goto("/register")
        expect(
            resident.get_by_role("heading", name="We are not taking new registrations at the moment")
        ).to_be_visible()
        expect(resident.get_by_text(message)).to_be_visible()
        accessible(resident)
        expect(resident.get_by_role("button", name="Join the waiting list")).to_be_enabled()
        resident.get_by_role("button", name="Join the waiting list").click()  # empty: errors beside the fields
        expect(resident.get_by_role("alert")).to_contain_text("name")
        accessible(resident)
        resident.get_by_label("Full name").fill("Nadia Okafor")
        resident.get_by_label("Tenancy reference or service charge account number").fill("TEN100099")
        resident.get_by_label("Email address").fill(email)
        before = portal.mail.count()
        resident.get_by_role("button", name="Join the waiting list").click()
        expect(resident.get_by_role("heading", name="You are on the waiting list")).to_be_visible()
        accessible(resident)
        portal.mail.wait_for(email, "waiting list", after=before)

        admin.reload()
        expect(admin.get_by_text("Nadia Okafor")).to_be_visible()
        invited_from = portal.mail.count()
        admin.get_by_role("button", name="Resume registrations").click()
        expect(admin.get_by_role("heading", name="Pause new registrations")).to_be_visible()
        invitation = portal.mail.wait_for(email, "You can now register", after=invited_from)
        assert "/register" in portal.mail.body(invitation)

        resident.goto("/register")
        expect(resident.get_by_role("heading", name="Register for an account")).to_be_visible()
        # Pausing and resuming again does not invite her a second time.
        admin.get_by_label("Message for the registration page").fill("A short pause.")
        admin.get_by_role("button", name="Pause new registrations").click()
        expect(admin.get_by_role("heading", name="New registrations are paused")).to_be_visible()
        again = portal.mail.count()
        admin.get_by_role("button", name="Resume registrations").click()
        expect(admin.get_by_role("heading", name="Pause new registrations")).to_be_visible()
        resident.wait_for_timeout(3000)  # the outbox is delivered every 2 seconds
        later = [m for m in portal.mail.messages[again:] if m["To"].lower() == email]
        assert later == [], [m["Subject"] for m in later]
    finally:
        _resume_in_the_database(portal)
        staff.close()
        newcomer.close()


def _ask_a_question(page: Page, question: str) -> str:
    """From the resident's home page, ask a question about their first account; its reference."""
    page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
    expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("^Ask about this")).first.click()
    expect(page.get_by_role("heading", name="Ask a question about your account")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    return re.search(r"RQ-[A-Z0-9]{6}", page.get_by_text(re.compile("RQ-")).first.inner_text()).group(0)


def test_an_officer_finds_a_resident_answers_their_question_and_the_resident_reads_the_reply_and_is_emailed(
    browser, portal, width
):
    resident_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    office_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    resident, officer = resident_side.new_page(), office_side.new_page()
    try:
        email = signed_in_resident(resident, portal, 6 if width == "phone" else 7)
        reference = _ask_a_question(resident, "Why has my rent gone up this month?")

        # Any officer may answer: the data protection officer cannot, the income officer can.
        signed_in_staff(officer, *STAFF["income_officer"][::2])
        officer.get_by_role("link", name="Residents").first.click()
        expect(officer.get_by_role("heading", name="Find a resident")).to_be_visible()
        accessible(officer)
        expect(officer.get_by_role("button", name="Search")).to_be_enabled()
        officer.get_by_label("Name, reference, email address or postcode").fill(email)
        officer.get_by_role("button", name="Search").click()
        expect(officer.get_by_role("heading", name="Results")).to_be_visible()
        accessible(officer)
        officer.get_by_role("table", name=re.compile("Search results|People matching")).get_by_role(
            "link"
        ).first.click()
        expect(officer.get_by_role("heading", name="Their requests")).to_be_visible()
        accessible(officer)
        officer.get_by_role("button", name=re.compile(reference)).click()
        expect(officer.get_by_role("heading", name=re.compile(f"Request {reference}: as they see it"))).to_be_visible()
        officer.get_by_role("link", name="Open it in the requests queue").click()
        expect(officer.get_by_role("heading", name=re.compile(f"Request {reference}"))).to_be_visible()
        expect(officer.get_by_text("Why has my rent gone up this month?")).to_be_visible()
        accessible(officer)

        answer = "Your rent went up on 6 April with the yearly increase; we wrote to you in February."
        officer.get_by_label("What happens next").select_option(label="Completed")
        officer.get_by_label("Message to the resident").fill(answer)
        before = portal.mail.count()
        officer.get_by_role("button", name="Send").click()
        expect(officer.get_by_text(answer)).to_be_visible()
        accessible(officer)

        update = portal.mail.wait_for(email, f"Update on your request {reference}", after=before)
        assert answer not in portal.mail.body(update)  # the email says there is an update, never the message

        resident.goto("/requests")
        expect(resident.get_by_role("heading", name="My requests")).to_be_visible()
        resident.get_by_role("link", name=re.compile(reference)).click()
        expect(resident.get_by_role("heading", name=f"Request {reference}")).to_be_visible()
        expect(resident.get_by_text(answer)).to_be_visible()
        expect(resident.get_by_text(re.compile("Rachel Adeyemi")).first).to_be_visible()
        accessible(resident)
    finally:
        resident_side.close()
        office_side.close()


def test_an_administrator_adds_a_member_of_staff_who_sets_up_from_the_emailed_link_and_signs_in(browser, portal, width):
    import pyotp

    admin_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    newcomer_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    admin, newcomer = admin_side.new_page(), newcomer_side.new_page()
    email = f"new.officer.{width}@northbrook-homes.example"
    try:
        signed_in_staff(admin, *STAFF["administrator"][::2])
        admin.get_by_role("link", name="Staff", exact=True).first.click()
        expect(admin.get_by_role("heading", name="Staff accounts")).to_be_visible()
        accessible(admin)
        expect(admin.get_by_role("button", name="Add the member of staff")).to_be_enabled()
        admin.get_by_role("button", name="Add the member of staff").click()  # empty: errors beside the fields
        expect(admin.get_by_role("alert")).to_be_visible()
        accessible(admin)
        admin.get_by_label("Full name").fill("Sam Okoro")
        admin.get_by_label("Work email address").fill(email)
        admin.get_by_label("Role", exact=True).select_option(label="Housing officer")
        before = portal.mail.count()
        admin.get_by_role("button", name="Add the member of staff").click()
        expect(admin.get_by_text(f"We have emailed {email} a link")).to_be_visible()
        link = portal.mail.link_in(portal.mail.wait_for(email, "Set up your", after=before))
        assert "/api/staff/set-up?token=" in link

        newcomer.goto(link)
        expect(newcomer.get_by_role("heading", name="Set up your back office account")).to_be_visible()
        assert "token=" not in newcomer.url  # the token went into an HttpOnly cookie, not the address
        key = newcomer.locator("#setup-key")
        expect(key).not_to_be_empty()
        accessible(newcomer)
        secret = key.inner_text().replace(" ", "")
        newcomer.get_by_label("Password", exact=True).fill("lantern meadow copper 91")
        newcomer.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        steps.remember_code_used(secret)  # the sign-in below must wait for the next code
        newcomer.get_by_role("button", name="Finish setting up").click()
        expect(newcomer.get_by_text("Your account is set up.")).to_be_visible()
        accessible(newcomer)
        signed_in_staff(newcomer, email, secret, password="lantern meadow copper 91")
        expect(newcomer.get_by_text("Housing officer")).to_be_visible()
    finally:
        admin_side.close()
        newcomer_side.close()


def test_every_other_back_office_and_data_rights_page_passes_the_accessibility_check(browser, portal, width):
    """The pages no journey above walks through: axe-core and the 320px reflow check on each."""
    staff_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    resident_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    try:
        admin = staff_side.new_page()
        signed_in_staff(admin, *STAFF["administrator"][::2])
        admin.get_by_role("link", name="Audit log", exact=True).first.click()
        expect(admin.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
        expect(admin.get_by_role("link", name=re.compile("Download this search"))).to_be_visible()
        accessible(admin)
        admin.get_by_role("link", name="Landlord data", exact=True).first.click()
        expect(admin.get_by_role("heading", name="Landlord data", exact=True)).to_be_visible()
        accessible(admin)
        admin.goto("/staff/requests")  # not the administrator's: the page says so, nothing shown
        expect(admin.get_by_role("heading", name="You cannot do that with your role")).to_be_visible()
        accessible(admin)
        staff_side.close()

        staff_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
        dpo = staff_side.new_page()
        signed_in_staff(dpo, *STAFF["data_protection_officer"][::2])
        dpo.get_by_role("link", name="Requests", exact=True).first.click()
        expect(dpo.get_by_role("heading", name="Residents' requests")).to_be_visible()
        accessible(dpo)

        resident = resident_side.new_page()
        signed_in_resident(resident, portal, 8 if width == "phone" else 11)
        for path, heading in (
            ("/security/history", "Your sign-in history"),
            ("/your-data", "Your data"),
            ("/privacy", "Privacy notice"),
            ("/cookies", "Cookies"),
        ):
            resident.goto(path)
            expect(resident.get_by_role("heading", name=heading, exact=True, level=1)).to_be_visible()
            accessible(resident)
        resident.goto("/your-data/correct-or-delete")
        expect(resident.get_by_role("heading", level=1)).to_be_visible()
        accessible(resident)
    finally:
        staff_side.close()
        resident_side.close()
