"""The code that proves a new email address (pages/identity/your_details_email.py) is in no
delta and no state file: it goes from the form straight to the service, and the page shows
only the address it went to."""

from __future__ import annotations

import re

from sqlmodel import Session, select

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.clock import utcnow
from portal_app.models import OutboxMessage, PortalUser
from portal_app.pages.identity.your_details_email import EmailChangeState
from portal_app.services.identity import sessions
from tests.factories import make_resident
from tests.security.secrets_scan import assert_nowhere
from tests.security.state_browser import Browser, run_journey


def test_changing_the_email_leaves_the_code_in_no_delta_or_state_file(tmp_path, db):
    with Session(db, expire_on_commit=False) as s:
        who = make_resident(s, email="joanna@example.org", first="Joanna", last="Smith", ref="SCANEMAIL1")
        token = sessions.create_session(s, who.user.id, client="scan", now=utcnow())
        s.commit()

    def the_code() -> str:
        with Session(db) as s:
            mail = s.exec(select(OutboxMessage).where(OutboxMessage.to_address == "jo.new@example.org")).one()
        return re.search(r"^(\d{6})$", mail.body_text, re.MULTILINE).group(1)

    async def journey():
        async with Browser(tmp_path, token) as browser:
            await browser.open(routes.YOUR_DETAILS_EMAIL)
            await browser.run(EmailChangeState, "load")
            await browser.run(EmailChangeState, "send_code", {"new_email": "jo.new@example.org"})
            code = the_code()
            wrong = "000000" if code != "000000" else "111111"
            await browser.run(EmailChangeState, "confirm", {"code": wrong})
            await browser.run(EmailChangeState, "confirm", {"code": code})
            page = await browser.state(EmailChangeState)
            return browser, code, page

    browser, code, page = run_journey(journey())

    assert page.step == "done" and page.new_email == "jo.new@example.org"  # the journey did change it
    with Session(db) as s:
        assert s.get(PortalUser, who.user.id).email == "jo.new@example.org"
    assert_nowhere(
        {"the emailed code": code, "the session token": token}, deltas=browser.deltas, pickles=browser.pickles()
    )
