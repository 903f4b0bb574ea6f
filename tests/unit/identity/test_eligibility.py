"""Who may register for online access (seed 000, section 1).

The policy is written out here as literal tables, not read from the code under test,
so a change to the defaults in settings shows up as a failing test.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date

import pytest

from portal_app.models import Tenancy, TenancyParty
from portal_app.services.identity.eligibility import Eligibility, registration_eligibility
from portal_app.settings import get_settings

TODAY = date(2026, 3, 2)

# Every tenure and role in the import format, and whether the default policy allows it.
TENURE_ALLOWED = {
    "secure": True,
    "introductory": True,
    "flexible": True,
    "assured": True,
    "leasehold": True,
    "shared_ownership": True,  # shared owners hold a lease: they are leaseholders
    "starter": False,
    "non_secure": False,
    "temporary_accommodation": False,
    "garage_licence": False,
}
ROLE_ALLOWED = {
    "lead_tenant": True,
    "joint_tenant": True,
    "leaseholder": True,
    "joint_leaseholder": True,
    "household_member": False,
    "licensee": False,
    "occupant": False,
}


def tenancy(tenure="secure", *, start=date(2015, 1, 5), end=None) -> Tenancy:
    return Tenancy(id=1, tenancy_ref="TEN100001", property_id=1, tenure=tenure, start_date=start, end_date=end)


def party(role="lead_tenant", *, start=None, end=None) -> TenancyParty:
    return TenancyParty(id=1, tenancy_id=1, person_id=1, role=role, start_date=start, end_date=end)


def policy(*, allow_former_tenants=False, **changes):
    return dataclasses.replace(get_settings(), allow_former_tenants=allow_former_tenants, **changes)


def test_the_default_settings_are_the_policy_written_here():
    settings = get_settings()
    assert set(settings.eligible_tenures) == {t for t, ok in TENURE_ALLOWED.items() if ok}
    assert set(settings.eligible_roles) == {r for r, ok in ROLE_ALLOWED.items() if ok}
    assert settings.allow_former_tenants is False


def expected_reason(tenure: str, role: str, former: bool, former_switch_on: bool) -> str:
    if not TENURE_ALLOWED[tenure]:
        return "tenure_not_eligible"
    if not ROLE_ALLOWED[role]:
        return "role_not_eligible"
    if former and not former_switch_on:
        return "former_tenancy"
    return "ok"


MATRIX = list(itertools.product(TENURE_ALLOWED, ROLE_ALLOWED, (False, True), (False, True)))


def test_the_matrix_covers_every_tenure_role_state_and_switch():
    assert len(MATRIX) == 10 * 7 * 2 * 2


@pytest.mark.parametrize(
    ("tenure", "role", "former", "switch_on"),
    MATRIX,
    ids=[f"{t}-{r}-{'former' if f else 'current'}-{'on' if s else 'off'}" for t, r, f, s in MATRIX],
)
def test_eligibility_for_every_tenure_role_current_or_former_and_former_switch(tenure, role, former, switch_on):
    ended = date(2025, 6, 1) if former else None
    verdict = registration_eligibility(
        tenancy(tenure, end=ended), party(role, end=ended), today=TODAY, settings=policy(allow_former_tenants=switch_on)
    )
    reason = expected_reason(tenure, role, former, switch_on)
    assert verdict == Eligibility(reason == "ok", reason)


@pytest.mark.parametrize(
    ("tenure", "role", "expected"),
    [
        ("secure", "lead_tenant", Eligibility(True, "ok")),
        ("assured", "joint_tenant", Eligibility(True, "ok")),
        ("leasehold", "leaseholder", Eligibility(True, "ok")),
        ("secure", "household_member", Eligibility(False, "role_not_eligible")),
        ("temporary_accommodation", "lead_tenant", Eligibility(False, "tenure_not_eligible")),
        ("non_secure", "lead_tenant", Eligibility(False, "tenure_not_eligible")),
        ("garage_licence", "licensee", Eligibility(False, "tenure_not_eligible")),
    ],
)
def test_each_example_in_the_seed_gets_the_verdict_the_seed_gives(tenure, role, expected):
    assert registration_eligibility(tenancy(tenure), party(role), today=TODAY, settings=policy()) == expected


def test_a_tenancy_ending_today_is_still_current():
    verdict = registration_eligibility(tenancy(end=TODAY), party(end=TODAY), today=TODAY, settings=policy())
    assert verdict == Eligibility(True, "ok")


def test_a_tenancy_that_ended_yesterday_is_former():
    ended = date(2026, 3, 1)
    verdict = registration_eligibility(tenancy(end=ended), party(end=ended), today=TODAY, settings=policy())
    assert verdict == Eligibility(False, "former_tenancy")


def test_a_joint_tenant_who_has_left_a_current_tenancy_may_not_register():
    verdict = registration_eligibility(
        tenancy("secure"), party("joint_tenant", end=date(2024, 1, 1)), today=TODAY, settings=policy()
    )
    assert verdict == Eligibility(False, "party_left")


def test_a_joint_tenant_added_from_next_week_may_not_register_yet():
    verdict = registration_eligibility(
        tenancy("secure"), party("joint_tenant", start=date(2026, 3, 9)), today=TODAY, settings=policy()
    )
    assert verdict == Eligibility(False, "party_not_started")


def test_a_tenancy_that_has_not_started_may_not_register_yet():
    verdict = registration_eligibility(tenancy(start=date(2026, 3, 9)), party(), today=TODAY, settings=policy())
    assert verdict == Eligibility(False, "tenancy_not_started")


def test_with_the_switch_on_a_tenant_who_left_before_the_tenancy_ended_may_not_register():
    verdict = registration_eligibility(
        tenancy(end=date(2025, 6, 1)),
        party("joint_tenant", end=date(2023, 1, 1)),
        today=TODAY,
        settings=policy(allow_former_tenants=True),
    )
    assert verdict == Eligibility(False, "party_left")


def test_with_the_switch_on_a_former_tenant_whose_party_row_has_no_end_date_may_register():
    verdict = registration_eligibility(
        tenancy(end=date(2025, 6, 1)), party(end=None), today=TODAY, settings=policy(allow_former_tenants=True)
    )
    assert verdict == Eligibility(True, "ok")


def test_a_landlord_can_choose_other_tenures_and_roles_in_settings():
    settings = policy(eligible_tenures=("starter",), eligible_roles=("licensee",))
    assert registration_eligibility(tenancy("starter"), party("licensee"), today=TODAY, settings=settings).allowed
    assert registration_eligibility(
        tenancy("secure"), party("licensee"), today=TODAY, settings=settings
    ) == Eligibility(False, "tenure_not_eligible")
    assert registration_eligibility(tenancy("starter"), party("lead_tenant"), today=TODAY, settings=settings) == (
        Eligibility(False, "role_not_eligible")
    )
