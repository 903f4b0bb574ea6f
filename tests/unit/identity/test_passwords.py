"""The own-details rule (services/identity/passwords.py): a password mostly made of the
resident's name, date of birth, tenancy reference, email or mobile is refused, whatever its
case and separators; a strong password that happens to hold a short piece of a name is not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from portal_app.models import PortalUser
from portal_app.services.identity import auth
from portal_app.services.identity.passwords import OwnDetails, password_problem
from portal_app.services.identity.registration import parse_registration
from portal_app.settings import get_settings
from tests.factories import PASSWORD, make_person, make_portal_user, make_tenancy
from tests.unit.identity.test_auth import mails, reset_token_from

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
MARGARET = OwnDetails(
    names=("Margaret", "O'Connor"),
    date_of_birth=date(1946, 5, 17),
    tenancy_reference="TEN200046",
    email="maggie.oc@example.org",
    mobile="+447700900456",
)
HYPHENATED = OwnDetails(names=("Mary-Jane", "Smith-Jones"), date_of_birth=date(1988, 11, 3))


@pytest.mark.parametrize(
    "password",
    [
        "margaret o'connor 1946",  # the example
        "MARGARET-OCONNOR-1946",
        "M.OConnor.1946",
        "OConnor-46-Margaret",
        "Connor Margaret 17051946",  # ddmmyyyy
        "oconnor-19460517-m",  # yyyymmdd
        "Margaret 170546 OConnor",  # ddmmyy
        "maggie.oc.maggie.oc",  # the email's local part
        "ten200046 margaret",  # the tenancy reference
    ],
)
def test_a_password_made_of_my_name_and_birth_year_is_refused_whatever_the_separators(password):
    problem = password_problem(password, own=MARGARET)
    assert problem is not None
    assert problem.startswith("Your password must not be made of your ")


@pytest.mark.parametrize(
    ("password", "kinds"),
    [
        ("Mary-Jane Smith-Jones", "name"),
        ("maryjane.smithjones.88", "name or date of birth"),
        ("SMITH JONES MARY 1988", "name or date of birth"),
    ],
)
def test_a_password_made_of_my_hyphenated_names_is_refused(password, kinds):
    assert password_problem(password, own=HYPHENATED) == (
        f"Your password must not be made of your {kinds}. Try three random words together"
    )


def test_i_am_told_which_of_my_details_the_password_is_made_of():
    assert password_problem("margaret o'connor 1946", own=MARGARET) == (
        "Your password must not be made of your name or date of birth. Try three random words together"
    )
    assert password_problem("maggie.oc@example.org", own=MARGARET) == (
        "Your password must not be made of your email address. Try three random words together"
    )
    assert password_problem("TEN200046-maggie", own=MARGARET) == (
        "Your password must not be made of your email address or tenancy reference. Try three random words together"
    )


@pytest.mark.parametrize(
    "password",
    [
        "margaret kettle orbit lantern",  # a name among enough other words
        "plum-kettle-orbit-42",
        "ann-marigold-harbour",  # "mar" and "ann" are no detail of Margaret's
    ],
)
def test_a_strong_password_that_happens_to_hold_part_of_my_name_is_allowed(password):
    assert password_problem(password, own=MARGARET) is None


def test_a_strong_password_with_a_three_letter_name_is_allowed():
    sam = OwnDetails(names=("Sam", "Lee"), date_of_birth=date(1980, 2, 1))
    assert password_problem("sample orbit kettle lee", own=sam) is None


def _margaret(session) -> None:
    person = make_person(session, "Margaret", "O'Connor", dob=date(1946, 5, 17))
    tenancy = make_tenancy(session, ref="TEN200046")
    make_portal_user(session, person, tenancy, email="maggie.oc@example.org")
    session.commit()


def test_margaret_cannot_reset_her_password_to_her_name_and_birth_year(session):
    _margaret(session)
    auth.request_password_reset(session, "maggie.oc@example.org", client_ip="198.51.100.7", now=NOW)
    session.commit()
    token = reset_token_from(mails(session, "password_reset")[-1])
    problem = auth.reset_password(session, token, "margaret o'connor 1946", now=NOW + timedelta(minutes=1))
    assert problem == "Your password must not be made of your name or date of birth. Try three random words together"
    assert auth.reset_token_is_valid(session, token, now=NOW + timedelta(minutes=1))


def test_margaret_cannot_change_her_password_to_her_name_and_birth_year(session):
    _margaret(session)
    [user_id] = [u.id for u in session.exec(select(PortalUser)).all()]
    errors = auth.change_password(session, user_id, PASSWORD, "M.OConnor.1946", keep_token=None, now=NOW)
    assert errors == {
        "new_password": "Your password must not be made of your name or date of birth. Try three random words together"
    }


def test_registering_refuses_a_password_made_of_the_birth_date_and_email_i_typed():
    form = {
        "tenancy_reference": "TEN200046",
        "dob_day": "17",
        "dob_month": "5",
        "dob_year": "1946",
        "email": "margaret.oconnor@example.org",
        "mobile": "07700 900456",
        "password": "M.OConnor.1946",
        "paper_correspondence": "no",
    }
    parsed, errors = parse_registration(form, today=NOW.date())
    assert parsed is None
    assert errors == {
        "password": (
            "Your password must not be made of your date of birth or email address. Try three random words together"
        )
    }


def test_a_password_made_of_the_landlords_name_is_refused_in_words_that_say_so():
    landlord = get_settings().landlord_name
    assert password_problem(f"{landlord} 2026", own=MARGARET) == (
        f"Your password must not be made of our name, {landlord}. Try three random words together"
    )
