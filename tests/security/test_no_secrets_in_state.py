"""No secret in Reflex state: after each journey, no token, code or bank detail is in any
delta the handlers sent or in any state file Reflex wrote (the session token included:
it reaches the handlers from the cookie jar, state/cookie_jar.py, never a var).

Each journey runs the real handlers on one browser's state tree in a real
``StateManagerDisk`` (tests/security/state_browser.py; its docstring says how to add a
journey), then looks for the journey's secrets in every form they could take. Each also
checks that what the resident must see did reach the browser, so a scan that finds
nothing is not a journey that never made the secret.
"""

from __future__ import annotations

import base64
import json
import pickle
import re
import urllib.parse
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import Session

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.pages.accounts.statement import StatementState
from portal_app.pages.identity.security import SecurityState
from portal_app.pages.requests.detail import RequestDetailState
from portal_app.pages.requests.new import RequestFormState
from portal_app.services.identity import sessions, tickets, two_step
from portal_app.settings import get_settings
from tests.factories import make_charge, make_posting, make_resident
from tests.security.secrets_scan import assert_nowhere, reached, tickets_in
from tests.security.state_browser import Browser, run_journey

BANK = {"bank_account_name": "Joanna Smith", "sort_code": "30-94-57", "bank_account_number": "73345612"}
BANK_SECRETS = {"the sort code as typed": "30-94-57", "the sort code": "309457", "the account number": "73345612"}


@pytest.fixture
def resident(db):
    """A resident with a rent account £250.00 in credit (£100 a week rent), and a session."""
    with Session(db, expire_on_commit=False) as s:
        who = make_resident(s, email="joanna@example.org", first="Joanna", last="Smith", ref="SCANRENT1")
        today = uk_today(utcnow())
        make_charge(s, who.account, 10_000, description="Basic rent")
        make_posting(s, who.account, today - timedelta(days=14), "rent_charge", 10_000, "Rent", ref="SCAN-T1")
        make_posting(s, who.account, today - timedelta(days=7), "payment", -35_000, "Card payment", ref="SCAN-T2")
        token = sessions.create_session(s, who.user.id, client="scan", now=utcnow())
        s.commit()
    return who, token


@pytest.fixture
def known_key(monkeypatch):
    """The authenticator key the next setup will make (a real random one, known to the test)."""
    key = pyotp.random_base32()
    monkeypatch.setattr(pyotp, "random_base32", lambda *a, **k: key)
    return key


@pytest.fixture
def recovery_codes(monkeypatch):
    """Every recovery code the service makes during the test."""
    made: list[str] = []
    real = two_step._replace_recovery_codes

    def spy(*args, **kwargs):
        codes = real(*args, **kwargs)
        made.extend(codes)
        return codes

    monkeypatch.setattr(two_step, "_replace_recovery_codes", spy)
    return made


def _qr_path(key: str, email: str) -> str:
    """The drawing of the QR code for ``key`` (it is the key too, as a picture)."""
    uri = pyotp.TOTP(key).provisioning_uri(name=email, issuer_name=get_settings().landlord_name)
    return re.search(r' d="([^"]+)"', two_step.qr_svg(uri)).group(1)


def test_setting_up_two_step_sign_in_leaves_neither_the_key_nor_the_recovery_codes_in_any_delta_or_state_file(
    tmp_path, resident, known_key, recovery_codes
):
    who, token = resident

    async def journey():
        async with Browser(tmp_path, token) as browser:
            await browser.open(routes.SECURITY)
            await browser.run(SecurityState, "load")
            await browser.run(SecurityState, "start_setup")
            shown_key = list(browser.deltas + browser.events)
            await browser.run(SecurityState, "confirm_setup", {"code": "000000"})
            wrong = await browser.state(SecurityState)
            wrong_errors = dict(wrong.setup_errors)
            code = pyotp.TOTP(known_key).now()
            await browser.run(SecurityState, "confirm_setup", {"code": code})
            page = await browser.state(SecurityState)
            return browser, shown_key, wrong_errors, code, page.two_step_enabled

    browser, shown_key, wrong_errors, code, enabled = run_journey(journey())

    assert "code" in wrong_errors  # a wrong code is explained, the setup goes on
    assert enabled
    assert len(recovery_codes) == two_step.RECOVERY_CODE_COUNT
    sent = browser.deltas + browser.events
    # The resident saw the key, the QR code and their recovery codes ...
    assert reached(two_step.group_secret(known_key), shown_key)
    assert reached(_qr_path(known_key, who.user.email), shown_key)
    assert all(reached(c, sent) for c in recovery_codes)
    # ... and none of them stayed in Reflex's state.
    secrets = {
        "the authenticator key": known_key,
        "the authenticator key in groups": two_step.group_secret(known_key),
        "the QR code of the key": _qr_path(known_key, who.user.email),
        "the code typed from the app": code,
        "the session token": token,
        **{f"recovery code {n + 1}": c for n, c in enumerate(recovery_codes)},
    }
    assert_nowhere(secrets, deltas=browser.deltas, pickles=browser.pickles())


def test_new_recovery_codes_reach_the_page_once_and_stay_in_no_delta_or_state_file(
    tmp_path, db, resident, known_key, recovery_codes
):
    who, token = resident
    with Session(db) as s:
        two_step.confirm_setup(s, who.user.id, known_key, pyotp.TOTP(known_key).now(), now=utcnow())
        s.commit()
    first = list(recovery_codes)

    async def journey():
        async with Browser(tmp_path, token) as browser:
            await browser.open(routes.SECURITY)
            await browser.run(SecurityState, "load")
            await browser.run(SecurityState, "new_codes")
            await browser.open(routes.SECURITY)  # back to the page later: the codes are not shown again
            await browser.run(SecurityState, "load")
            return browser

    browser = run_journey(journey())

    new = recovery_codes[len(first) :]
    assert len(new) == two_step.RECOVERY_CODE_COUNT
    assert all(reached(c, browser.deltas + browser.events) for c in new)
    assert_nowhere(
        {"the session token": token, **{f"recovery code {n + 1}": c for n, c in enumerate(first + new)}},
        deltas=browser.deltas,
        pickles=browser.pickles(),
    )


def test_a_refund_with_bank_details_leaves_them_in_no_delta_or_state_file_and_the_request_shows_them_masked(
    tmp_path, resident
):
    who, token = resident

    async def journey():
        async with Browser(tmp_path, token) as browser:
            await browser.open(routes.NEW_REQUEST, kind="refund", account=who.account.account_ref)
            await browser.run(RequestFormState, "load")
            await browser.run(RequestFormState, "submit", {"amount": "40.00", **BANK})
            form = await browser.state(RequestFormState)
            reference = form.ack.get("reference", "")
            await browser.open(routes.REQUEST_DETAIL, ref=reference)
            await browser.run(RequestDetailState, "load")
            detail = await browser.state(RequestDetailState)
            return browser, form.done, [(ln["label"], ln["value"]) for ln in detail.detail_lines]

    browser, done, lines = run_journey(journey())

    assert done
    [(label, masked)] = [(label, value) for label, value in lines if label == "Pay it into"]
    assert masked == "Sort code **-**-57, account ****5612, name J Smith"
    assert_nowhere(BANK_SECRETS | {"the session token": token}, deltas=browser.deltas, pickles=browser.pickles())


@pytest.mark.parametrize(
    "form,refused",
    [
        ({"amount": "900.00", **BANK}, "amount"),
        ({"amount": "40.00", **BANK, "bank_account_name": ""}, "bank_account_name"),
        ({"amount": "40.00", **BANK, "bank_account_number": "7334561"}, "bank_account_number"),
    ],
    ids=["amount too high", "no name", "a digit short"],
)
def test_a_refund_refused_for_one_field_does_not_echo_the_bank_details_into_state(tmp_path, resident, form, refused):
    who, token = resident

    async def journey():
        async with Browser(tmp_path, token) as browser:
            await browser.open(routes.NEW_REQUEST, kind="refund", account=who.account.account_ref)
            await browser.run(RequestFormState, "load")
            await browser.run(RequestFormState, "submit", form)
            state = await browser.state(RequestFormState)
            return browser, state.done, dict(state.errors)

    browser, done, errors = run_journey(journey())

    assert not done and list(errors) == [refused]
    typed = {
        "the sort code as typed": form["sort_code"],
        "the sort code": form["sort_code"].replace("-", ""),
        "the account number as typed": form["bank_account_number"],
        "the session token": token,
    }
    assert_nowhere(typed, deltas=browser.deltas, pickles=browser.pickles())


def test_a_statement_leaves_no_download_ticket_in_state_but_the_links_the_page_shows(tmp_path, resident):
    who, token = resident

    async def journey():
        links: set[str] = set()  # every download link the page has shown
        async with Browser(tmp_path, token) as browser:
            await browser.open(routes.STATEMENT, account=who.account.account_ref)
            for step in (("load",), ("choose_preset", "since_start")):
                await browser.run(StatementState, *step)
                page = await browser.state(StatementState)
                links |= {page.pdf_href, page.csv_href, page.uc_href} - {""}
            return browser, links

    browser, links = run_journey(journey())

    now = utcnow()
    shown = tickets_in(links)
    assert {tickets.verify(t, now=now).kind for t in shown} == {"statement_pdf", "statement_csv", "uc_letter_pdf"}
    # The device was still asked to keep a copy, with a ticket of its own to fetch it ...
    kept = [t for t in tickets_in(browser.events) if (c := tickets.verify(t, now=now)) and c.kind == "statement_html"]
    assert kept, "the page no longer asks the device to keep the statement"
    # ... but the only tickets in Reflex's state are the links on the page.
    in_state = tickets_in([*browser.deltas, *browser.pickles().values()]) - shown
    hidden = sorted(claims.kind for t in in_state if (claims := tickets.verify(t, now=now)))
    assert hidden == [], f"live tickets in Reflex state that the page does not show: {hidden}"
    assert_nowhere(
        {"the session token": token, **{f"the ticket to keep a copy ({n + 1})": t for n, t in enumerate(kept)}},
        deltas=browser.deltas,
        pickles=browser.pickles(),
    )


# ---------------------------------------------------------------------------
# The scan itself finds what it looks for


@pytest.mark.parametrize(
    "written",
    [
        pytest.param(lambda s: pickle.dumps({"typed": s}), id="pickled text"),
        pytest.param(lambda s: pickle.dumps({"typed": int(s)}) if s.isdigit() else pickle.dumps([s]), id="an int"),
        pytest.param(lambda s: json.dumps({"v": f"is {s}."}).encode(), id="JSON"),
        pytest.param(lambda s: ("/x?k=" + urllib.parse.quote(f"a {s}")).encode(), id="in an address"),
        pytest.param(lambda s: base64.urlsafe_b64encode(f'{{"n":"{s}"}}'.encode()), id="base64 inside"),
        pytest.param(lambda s: f"hex {s.encode().hex()}".encode(), id="hex"),
    ],
)
@pytest.mark.parametrize("secret", ["73345612", "ab3k-9xzq", "JBSW Y3DP EHPK 3PXP"])
def test_the_scan_finds_a_secret_in_each_form_it_could_be_written_in(written, secret):
    blob = written(secret)

    with pytest.raises(AssertionError, match="secrets in Reflex state"):
        assert_nowhere({"it": secret}, pickles=[blob])


def test_the_scan_finds_a_base32_key_kept_as_its_raw_bytes_and_not_a_number_inside_a_longer_one():
    key = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with pytest.raises(AssertionError, match="the key"):
        assert_nowhere({"the key": key}, pickles=[pickle.dumps(base64.b32decode(key))])
    assert_nowhere({"the code": "123456"}, deltas=[{"id": "91234567"}], pickles=[b"x1234567"])
