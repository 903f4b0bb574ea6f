"""The landlord's feed sends payment plans made by phone or in the office
(``arrangements.csv``, docs/arrangements-feed.md): they appear under "My payment plans"
and the nightly check follows them like the portal's own."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlmodel import Session, select

from portal_app.models import Account, PaymentPlan, Person, Tenancy, TenancyParty
from portal_app.services.payments import plans
from portal_app.services.records.importer import import_feed
from portal_app.settings import get_settings
from tests.factories import make_portal_user
from tests.unit.records.test_importer import NOW, good_feed, write_feed

ARRANGEMENT = {
    "arrangement_ref": "ARR-1",
    "account_ref": "R1",
    "status": "active",
    "frequency": "weekly",
    "regular_amount": "118.19",
    "towards_arrears": "5.00",
    "start_date": "2026-11-16",
    "start_balance": "50.00",
    "arrears_at_start": "50.00",
    "end_date": "",
}


def _import(db, tmp_path, rows, name="feed"):
    return import_feed(db, write_feed(tmp_path / name, good_feed(arrangements=rows)), now=NOW)


def test_an_arrangement_in_the_feed_becomes_a_payment_plan_the_resident_sees(db, tmp_path):
    report = _import(db, tmp_path, [ARRANGEMENT])
    assert report.ok, report.errors
    with Session(db) as s:
        plan = s.exec(select(PaymentPlan)).one()
        assert (plan.feed_ref, plan.source, plan.status, plan.extra_pence, plan.regular_pence) == (
            "ARR-1",
            "feed",
            "active",
            500,
            11_819,
        )
        assert plan.reference.startswith("PP-") and plan.user_id is None
        account = s.exec(select(Account).where(Account.account_ref == "R1")).one()
        party = s.exec(select(TenancyParty).where(TenancyParty.tenancy_id == account.tenancy_id)).first()
        user = make_portal_user(s, s.get(Person, party.person_id), s.get(Tenancy, account.tenancy_id))
        s.commit()
        caller = SimpleNamespace(user_id=user.id, person_id=party.person_id, tenancy_id=account.tenancy_id)
        [view] = plans.my_plans(s, caller, now=datetime(2026, 11, 20, 9, tzinfo=UTC), settings=get_settings())
    assert view.reference == plan.reference and view.status_words == "Running"
    assert "£5.00 towards arrears of £50.00" in view.terms_words


def test_re_importing_the_same_arrangement_changes_nothing_and_a_changed_one_updates_it(db, tmp_path):
    assert _import(db, tmp_path, [ARRANGEMENT]).ok
    again = _import(db, tmp_path, [ARRANGEMENT], name="again")
    assert again.ok and again.files["arrangements.csv"].unchanged == 1
    ended = _import(db, tmp_path, [ARRANGEMENT | {"status": "completed", "end_date": "2026-11-30"}], name="ended")
    assert ended.ok and ended.files["arrangements.csv"].updated == 1
    with Session(db) as s:
        plan = s.exec(select(PaymentPlan)).one()
    assert (plan.status, plan.ended_on.isoformat()) == ("completed", "2026-11-30")


def test_a_bad_arrangement_row_is_refused_with_its_line_and_nothing_is_written(db, tmp_path):
    report = _import(
        db,
        tmp_path,
        [ARRANGEMENT | {"frequency": "daily"}, ARRANGEMENT | {"arrangement_ref": "ARR-2", "account_ref": "NOPE"}],
    )
    assert not report.ok
    assert any(e.startswith("arrangements.csv:2:frequency") for e in report.errors)
    assert any("arrangements.csv:3:account_ref" in e and "'NOPE'" in e for e in report.errors)
    with Session(db) as s:
        assert s.exec(select(PaymentPlan)).all() == []
