"""Your tenancy as the resident sees it (services/tenancy/details.py): the tenure in plain
words and when a trial year ends, who is on it (names and places, never contact details),
the home, the charges in force today with their weekly total, the named officers, and
nothing for another household or a former tenant."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlmodel import Session

from portal_app.services.tenancy import details
from portal_app.settings import get_settings
from tests.factories import (
    make_account,
    make_charge,
    make_home,
    make_officer,
    make_party,
    make_person,
    make_portal_user,
    make_tenancy,
)

TODAY = date(2026, 12, 14)


@pytest.fixture
def household(db):
    with Session(db, expire_on_commit=False) as s:
        officer = make_officer(s, "Priya Shah")
        home = make_home(s, "Flat 3", "Larch House", postcode="NB4 4AA")
        home.bedrooms = 2
        ada = make_person(s, "Ada", "Okafor")
        bea = make_person(s, "Bea", "Okafor")
        kid = make_person(s, "Cal", "Okafor")
        gone = make_person(s, "Dee", "Okafor")
        tenancy = make_tenancy(s, "introductory", start=date(2026, 3, 2), home=home, income_officer=officer)
        make_party(s, tenancy, ada, "lead_tenant")
        make_party(s, tenancy, bea, "joint_tenant")
        make_party(s, tenancy, kid, "household_member")
        make_party(s, tenancy, gone, "household_member", end=date(2026, 6, 1))
        rent = make_account(s, tenancy, ref="TNRENT1")
        make_charge(s, rent, 11_819, description="Basic rent", start=date(2026, 4, 6))
        make_charge(
            s,
            rent,
            1_000,
            code="caretaking",
            description="Old service charge",
            start=date(2025, 4, 7),
            end=date(2026, 4, 5),
        )
        user = make_portal_user(s, ada, tenancy, email="ada@example.org")
        other = make_tenancy(s, home=make_home(s, "9 Elm Row", None))
        cal = make_person(s, "Zed", "Other")
        make_party(s, other, cal)
        other_user = make_portal_user(s, cal, other, email="zed@example.org")
        s.commit()
    return SimpleNamespace(
        ada=SimpleNamespace(user_id=user.id, person_id=ada.id, tenancy_id=tenancy.id),
        zed=SimpleNamespace(user_id=other_user.id, person_id=cal.id, tenancy_id=other.id),
        tenancy_id=tenancy.id,
    )


def test_an_introductory_tenancy_says_what_it_means_and_when_the_trial_year_ends(db, household):
    with Session(db) as s:
        view = details.my_tenancy(s, household.ada, today=TODAY, settings=get_settings())
    assert view.tenure_words == "Introductory tenancy" and "becomes a secure tenancy" in view.tenure_means
    assert view.review_words == "The trial year ends on 2 March 2027."
    assert view.started_words == "2 March 2026" and view.ends_words == ""
    assert view.address.startswith("Flat 3, Larch House") and view.property_words == "Flat, 2 bedrooms"


def test_the_people_on_it_are_named_with_their_place_and_someone_who_left_is_not(db, household):
    with Session(db) as s:
        view = details.my_tenancy(s, household.ada, today=TODAY, settings=get_settings())
    assert [(p.name, p.role_words) for p in view.people] == [
        ("Ada Okafor", "Tenant"),
        ("Bea Okafor", "Joint tenant"),
        ("Cal Okafor", "Lives here"),
    ]


def test_the_charges_in_force_today_and_their_weekly_total_and_the_named_officer(db, household):
    with Session(db) as s:
        view = details.my_tenancy(s, household.ada, today=TODAY, settings=get_settings())
    assert [(c.description, c.amount_words) for c in view.charges] == [("Basic rent", "£118.19 a week")]
    assert view.weekly_total_words == "£118.19 a week"
    [officer] = view.officers
    assert officer.name == "Priya Shah" and officer.role_words.startswith("Your income officer")


def test_another_household_and_a_former_tenant_see_nothing_of_it(db, household):
    with Session(db) as s:
        zeds = details.my_tenancy(s, household.zed, today=TODAY, settings=get_settings())
        assert zeds is not None and zeds.reference != ""
        assert all(p.name != "Ada Okafor" for p in zeds.people)
        from portal_app.models import Tenancy

        tenancy = s.get(Tenancy, household.tenancy_id)
        tenancy.end_date = date(2026, 12, 1)
        s.add(tenancy)
        s.commit()
        assert details.my_tenancy(s, household.ada, today=TODAY, settings=get_settings()) is None


# --- The tenancy agreement, the leasehold officer and a transfer application (docs/tenancy-feed.md) ---


def test_the_tenancy_agreement_from_the_feed_is_a_download_saying_pdf_and_its_size(db, household):
    from portal_app.models import Tenancy
    from tests.factories import make_document

    with Session(db) as s:
        assert details.my_tenancy(s, household.ada, today=TODAY, settings=get_settings()).agreement_href == ""
        tenancy = s.get(Tenancy, household.tenancy_id)
        doc = make_document(s, tenancy, "Your tenancy agreement", kind="tenancy_agreement", data=b"%PDF-" + b"1" * 2048)
        doc_id = doc.id
        s.commit()
        view = details.my_tenancy(s, household.ada, today=TODAY, settings=get_settings())
    assert view.agreement_href == f"/api/document/{doc_id}" and view.agreement_words == "PDF, 3 KB"


def test_the_leasehold_officer_is_among_the_officers(db, household):
    from portal_app.models import Tenancy

    with Session(db) as s:
        judith = make_officer(s, "Judith Rowe", "leasehold_officer")
        tenancy = s.get(Tenancy, household.tenancy_id)
        tenancy.leasehold_officer_id = judith.id
        s.add(tenancy)
        s.commit()
        view = details.my_tenancy(s, household.ada, today=TODAY, settings=get_settings())
    assert [(o.role_words, o.name) for o in view.officers] == [
        ("Your income officer (rent and money)", "Priya Shah"),
        ("Your leasehold officer", "Judith Rowe"),
    ]


def test_a_transfer_application_shows_its_band_date_and_status_with_the_lettings_site(db, household):
    import dataclasses

    from portal_app.models import TransferApplication

    with Session(db) as s:
        assert details.my_tenancy(s, household.ada, today=TODAY, settings=get_settings()).transfer is None
        s.add(
            TransferApplication(
                application_ref="HR-77",
                tenancy_id=household.tenancy_id,
                band="Band B",
                effective_date=date(2025, 9, 1),
                status="active",
                bedrooms_needed=3,
            )
        )
        s.commit()
        with_site = dataclasses.replace(get_settings(), choice_based_lettings_url="https://homes.example/bid")
        view = details.my_tenancy(s, household.ada, today=TODAY, settings=with_site)
        no_site = details.my_tenancy(s, household.ada, today=TODAY, settings=get_settings())
        zeds = details.my_tenancy(s, household.zed, today=TODAY, settings=with_site)
    t = view.transfer
    assert (t.band, t.effective_words, t.bedrooms_words) == ("Band B", "1 September 2025", "3 bedrooms")
    assert t.status_words.startswith("Active") and t.lettings_url == "https://homes.example/bid"
    assert no_site.transfer.lettings_url == "" and zeds.transfer is None
