"""No refund bank details and no staff session token in the back office's Reflex state:
the request page shows the bank details to the officer the refund is assigned to once, in
the event's script (pages/staff/request.py), and never in a var, so no delta or state
file holds them (tests/security/state_browser.py drives one browser through the real
handlers; its docstring says how)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.pages.staff.request import RequestPageState
from portal_app.services.requests.office import update_request
from portal_app.services.requests.resident import submit_refund
from portal_app.services.staff import sessions as staff_sessions
from tests.factories import make_charge, make_posting, make_resident, make_staff
from tests.security.secrets_scan import assert_nowhere, reached
from tests.security.state_browser import Browser, run_journey

BANK = {"bank_account_name": "Joanna Smith", "sort_code": "30-94-57", "bank_account_number": "73345612"}


@pytest.fixture
def refund_for_rachel(db):
    """Joanna asked for a refund of £40.00; it is assigned to Rachel, who is signed in."""
    with Session(db, expire_on_commit=False) as s:
        who = make_resident(s, email="joanna@example.org", first="Joanna", last="Smith", ref="SCANRENT9")
        today = uk_today(utcnow())
        make_charge(s, who.account, 10_000, description="Basic rent")
        make_posting(s, who.account, today - timedelta(days=14), "rent_charge", 10_000, "Rent", ref="SCAN-T91")
        make_posting(s, who.account, today - timedelta(days=7), "payment", -35_000, "Card payment", ref="SCAN-T92")
        rachel = make_staff(s, "income_officer", name="Rachel Adeyemi")
        made = submit_refund(s, **who.on(), amount="40.00", now=utcnow(), **BANK)
        ref = made.acknowledgement.reference
        assert update_request(s, ref, status="in_progress", note="", staff_id=rachel.id, now=utcnow()).ok
        token = staff_sessions.start(s, rachel.id, now=utcnow())
        s.commit()
    return ref, token


def test_revealing_refund_bank_details_sends_them_once_in_the_events_script_and_keeps_them_in_no_delta_or_state_file(
    tmp_path, refund_for_rachel
):
    ref, token = refund_for_rachel

    async def journey():
        async with Browser(tmp_path, staff=token) as browser:
            await browser.open(routes.STAFF_REQUEST, ref=ref)
            await browser.run(RequestPageState, "load")
            page = await browser.state(RequestPageState)
            shown = dict(page.req)
            sent = await browser.run(RequestPageState, "reveal_bank_details")
            await browser.run(RequestPageState, "approve", {"approve_note": ""})
            await browser.run(RequestPageState, "mark_paid")
            after = dict((await browser.state(RequestPageState)).req)
            return browser, shown, sent, after

    browser, shown, sent, after = run_journey(journey())

    assert (shown["reference"], shown["can_reveal"], shown["bank_masked"]) == (
        ref,
        "yes",
        "Sort code **-**-57, account ****5612, name J Smith",
    )
    # The officer saw the details, in the script written into #bank-details ...
    assert "doorstepShowOnce" in sent and "bank-details" in sent
    assert reached("73345612", [sent]) and reached("30-94-57", [sent])
    # ... once paid they are gone from the page too, and from the database.
    assert (after["status"], after["has_bank_details"], after["can_reveal"]) == ("done", "", "")
    assert any("forget" in e and "bank-details" in e for e in browser.events)
    # None of it, nor the staff session token, stayed in Reflex's state.
    assert_nowhere(
        {
            "the sort code as typed": "30-94-57",
            "the sort code": "309457",
            "the account number": "73345612",
            "the staff session token": token,
        },
        deltas=browser.deltas,
        pickles=browser.pickles(),
    )
