"""No secret in the portal's state files: after a resident's journey in a real browser
(register, set up two-step sign-in, see recovery codes, ask for a refund into their bank
account, pay by card through the sandbox's card page), none of the codes, the key, the
bank details or the cookies' tokens is in any file Reflex wrote to its state folder, and
only the portal's own user may open that folder. Nor are the cookies' values (the
registration attempt, the session token, the payment's return key: HttpOnly, so only the
test can read them from the browser) in any websocket frame, sent or received.

The scan is tests/security/secrets_scan.py (the unit journeys in
tests/security/test_no_secrets_in_state.py run the same handlers without a browser).
"""

from __future__ import annotations

import re
import stat
import time
import uuid

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.steps import accessible, register
from tests.security.secrets_scan import assert_nowhere, reached, state_files

pytestmark = pytest.mark.e2e

# Reflex writes a changed state to disk this long after the event (REFLEX_STATE_MANAGER_DISK_DEBOUNCE).
DISK_DEBOUNCE_SECONDS = 2.0
SORT_CODE, ACCOUNT_NUMBER = "30-94-57", "73345612"


def _written_since(portal, moment: float) -> dict[str, bytes]:
    """Every state file, once Reflex has written what the events before ``moment`` changed
    (a positive control: some file must have been written since, or the scan proves nothing)."""
    deadline = time.time() + DISK_DEBOUNCE_SECONDS + 10
    while time.time() < deadline:
        time.sleep(DISK_DEBOUNCE_SECONDS + 0.5)
        if any(p.stat().st_mtime >= moment for p in portal.states_dir.iterdir()):
            return state_files(portal.states_dir)
    raise AssertionError(f"nothing was written to {portal.states_dir} after the step")


def _cookie(page, name: str) -> str:
    """The value of one of the portal's cookies in this browser (HttpOnly: only the test can read it)."""
    return next((c["value"] for c in page.context.cookies() if c["name"] == name), "")


def _record_frames(websocket, into: list[str]) -> None:
    """Every frame of one websocket, both ways: the deltas and events the portal sends,
    and the events the page sends."""

    def keep(payload) -> None:
        into.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))

    websocket.on("framereceived", keep)
    websocket.on("framesent", keep)


def test_no_code_key_or_bank_detail_of_a_residents_journey_is_in_the_portals_state_files(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough: the state files do not depend on it")
    if portal.states_dir is None:
        pytest.skip("set E2E_STATES_DIR to the running portal's Reflex state folder")
    # The refund asked for below is £1.00; £100 that may be asked back today leaves no doubt.
    # (Credit alone is not enough: the landlord keeps a week's charges back, and a week's rent
    # grows with the demo's dates, so a resident £126 in credit had nothing to refund.)
    candidates = portal.unregistered_residents(limit=12, refundable_pence=10_000)
    assert candidates, "the demo landlord has no unregistered resident who may ask for £100 back"
    resident = candidates[-1]
    email = f"resident-{uuid.uuid4().hex[:8]}@example.com"
    secrets: dict[str, str] = {}
    frames: list[str] = []  # every websocket frame of the journey, as the browser saw it
    page.on("websocket", lambda websocket: _record_frames(websocket, frames))

    # Register with the emailed code.
    before = register(page, portal, resident, email)
    secrets["the registration code"] = portal.mail.code_in(portal.mail.wait_for(email, "code", after=before))
    secrets["the registration cookie"] = _cookie(page, "doorstep_registration")
    page.get_by_label("Enter the code").fill(secrets["the registration code"])
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
    secrets["the session token"] = _cookie(page, "doorstep_session")
    card = page.get_by_role("region").filter(has_text="Rent account").first
    reference = re.search(r"Payment reference\s+(\S+)", card.inner_text()).group(1)

    # Two-step sign-in: the key is shown while setting up, and is not on disk meanwhile.
    page.goto("/security")
    page.get_by_role("button", name="Set up two-step sign-in").click()
    key_box = page.locator(".key")
    expect(key_box).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{4})+$"))
    expect(page.locator(".qr svg")).to_be_visible()
    accessible(page)
    key = key_box.inner_text().replace(" ", "")
    secrets["the authenticator key"] = key
    assert_nowhere(secrets, pickles=_written_since(portal, time.time() - 1), unpickle=False)

    code = pyotp.TOTP(key).now()
    page.get_by_label("Code from the app").fill(code)
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    codes_list = page.get_by_role("list", name="Recovery codes")
    expect(codes_list.get_by_role("listitem")).to_have_count(10)
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_focused()
    expect(page.get_by_text("Two-step sign-in is on.")).to_be_visible()
    expect(page.locator(".key")).to_have_count(0)  # the setup steps, and the key, are gone
    accessible(page)
    for n, item in enumerate(codes_list.get_by_role("listitem").all_inner_texts()):
        secrets[f"recovery code {n + 1}"] = item.strip()
    assert_nowhere(secrets, pickles=_written_since(portal, time.time() - 1), unpickle=False)
    page.emulate_media(media="print")  # "Print" prints the codes alone
    expect(page.get_by_role("heading", name="Sign-in and security")).to_be_hidden()
    expect(codes_list).to_be_visible()
    expect(page.get_by_role("button", name="I have saved these codes")).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("button", name="I have saved these codes").click()
    expect(codes_list).to_have_count(0)
    expect(page.get_by_role("heading", name="Two-step sign-in", exact=True)).to_be_focused()

    # New codes replace them, shown once the same way.
    page.get_by_role("button", name="Make new recovery codes").click()
    expect(codes_list.get_by_role("listitem")).to_have_count(10)
    for n, item in enumerate(codes_list.get_by_role("listitem").all_inner_texts()):
        secrets[f"new recovery code {n + 1}"] = item.strip()
        assert item.strip() != secrets.get(f"recovery code {n + 1}")

    # A refund into the resident's bank account: first refused for the amount, then sent.
    page.goto(f"/requests/new?kind=refund&account={reference}")
    expect(page.get_by_role("heading", name="Ask for a refund of money in credit")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    page.get_by_label("How much do you want back?").fill("999999")
    page.get_by_label("Name on the bank account").fill("Joanna Smith")
    page.get_by_label("Sort code").fill(SORT_CODE)
    page.get_by_label("Account number").fill(ACCOUNT_NUMBER)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("link", name=re.compile("^Amount must be"))).to_be_visible()
    expect(page.get_by_label("Account number")).to_have_value(ACCOUNT_NUMBER)  # kept in the page, not the state
    secrets |= {"the sort code as typed": SORT_CODE, "the account number": ACCOUNT_NUMBER}
    assert_nowhere(secrets, pickles=_written_since(portal, time.time() - 1), unpickle=False)
    page.get_by_label("How much do you want back?").fill("1.00")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    request_ref = re.search(r"RQ-[A-Z0-9]{6}", page.get_by_text(re.compile("RQ-")).first.inner_text()).group(0)
    page.goto(f"/requests/view?ref={request_ref}")
    expect(page.get_by_role("heading", name=f"Request {request_ref}")).to_be_visible()
    expect(page.get_by_text("Sort code **-**-57, account ****5612, name J Smith")).to_have_count(1)
    accessible(page)

    # A card payment through the sandbox's card page. The return key that matches the
    # resident's return to the payment is only in the payment cookie, which the handoff
    # route sets (HttpOnly) on the way to the card page and the return route clears.
    page.goto(f"/pay?account={reference}")
    expect(page.get_by_role("heading", name="Make a payment", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Continue")).to_be_enabled()
    page.get_by_role("radio", name=re.compile("^(Another amount|An amount of your choice)$")).check()
    page.locator("#other-amount").fill("5.00")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check your payment")).to_be_visible()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("heading", name="Enter card details")).to_be_visible()
    assert "/api/sandbox-pay/" in page.url
    secrets["the payment cookie's return key"] = _cookie(page, "doorstep_payment")  # right after the handoff
    page.get_by_label("Card number").fill("4444333322221111")
    page.get_by_label("Expiry month").fill("04")
    page.get_by_label("Expiry year").fill("30")
    page.get_by_label("Name on card").fill("Joanna Smith")
    page.get_by_label("Card security code").fill("123")
    page.get_by_label("Postcode").fill("NB1 1AA")
    page.get_by_role("button", name="Pay £5.00").click()
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    payment_ref = re.search(r"DP-[A-Z0-9]{10}", page.locator(".summary-list").inner_text()).group(0)
    assert _cookie(page, "doorstep_payment") == ""  # the return route cleared it
    accessible(page)
    # Positive controls: the frames recorded are this journey's (the receipt's reference came
    # in a delta), and the cookies' values were there to be found in the browser.
    assert reached(payment_ref, frames), "the websocket frames recorded are not the result page's"
    cookie_values = {
        name: secrets[name]
        for name in ("the registration cookie", "the session token", "the payment cookie's return key")
    }
    assert_nowhere(cookie_values, deltas=frames)

    files = _written_since(portal, time.time() - 1)
    assert any(request_ref.encode() in blob for blob in files.values()), "the scan is not reading this portal's states"
    assert any(payment_ref.encode() in blob for blob in files.values()), "the payment's receipt is not in the states"
    assert_nowhere(secrets | {"the sort code": SORT_CODE.replace("-", "")}, pickles=files, unpickle=False)
    assert stat.S_IMODE(portal.states_dir.stat().st_mode) == 0o700
