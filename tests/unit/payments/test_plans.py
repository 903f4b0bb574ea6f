"""Payment plans as a resident and an officer meet them: proposing one, the income
officer's decision for a long one, "My payment plans", and the nightly check's emails.

The account: £100 rent every Monday, arrears of £95 on Thursday 3 December 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from portal_app.models import MoneyRequest, OutboxMessage, PaymentPlan, PaymentPlanCheck
from portal_app.services.payments import jobs, plans
from portal_app.services.requests import office
from portal_app.settings import get_settings

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _form(frequency="weekly", extra="10.00", start=date(2026, 12, 7)) -> dict[str, str]:
    return {
        "frequency": frequency,
        "extra": extra,
        "start_date_day": str(start.day),
        "start_date_month": str(start.month),
        "start_date_year": str(start.year),
    }


@pytest.fixture
def tenant(db, records, session):
    resident = records.resident(email="ann@example.org")
    records.charge(resident.account, 10_000, description="Basic rent", start=date(2026, 4, 6))
    records.post(resident.account, date(2026, 11, 23), "rent_charge", 10_000, "Rent")
    records.post(resident.account, date(2026, 11, 30), "rent_charge", 10_000, "Rent")
    records.post(resident.account, date(2026, 11, 27), "payment", -10_500, "Payment")
    session.commit()
    caller = SimpleNamespace(user_id=resident.user.id, person_id=resident.person.id, tenancy_id=resident.tenancy.id)
    return SimpleNamespace(caller=caller, ref=resident.account.account_ref, resident=resident)


def _propose(db, tenant, form, now=NOW):
    with Session(db) as s:
        done = plans.propose(s, tenant.caller, tenant.ref, form, now=now, settings=get_settings())
        s.commit()
    return done


def _mail(db, kind: str) -> list[OutboxMessage]:
    with Session(db) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)).all())


def test_a_plan_that_clears_within_a_year_starts_at_once_and_shows_when_the_arrears_clear(db, tenant):
    with Session(db) as s:
        _choice, shown = plans.preview(s, tenant.caller, tenant.ref, _form(), now=NOW, settings=get_settings())
    assert shown.errors == {}
    assert shown.summary.startswith("Your arrears of £95.00 would be cleared on 8 February 2027")
    assert [(p.when, p.amount) for p in shown.payments][:2] == [
        ("7 December 2026", "£110.00"),
        ("14 December 2026", "£110.00"),
    ]
    assert shown.payments[-1].amount == "£105.00" and shown.more == 5  # 4 first, then the last of 10
    done = _propose(db, tenant, _form())
    assert done.outcome == "started"
    with Session(db) as s:
        assert s.exec(select(PaymentPlan)).one().status == "active"
        [view] = plans.my_plans(s, tenant.caller, now=NOW, settings=get_settings())
    assert view.status_words == "Running" and view.standing_words == "You are on track"
    assert view.next_words == "Your next payment is £110.00 on 7 December 2026"
    assert len(_mail(db, "payment_plan_started")) == 1


def test_the_form_says_what_is_wrong_next_to_each_field_and_makes_nothing(db, tenant):
    done = _propose(db, tenant, _form(frequency="", extra="ten", start=date(2026, 12, 1)) | {"start_date_day": "40"})
    assert done.outcome == "invalid"
    errors = dict(done.errors)
    assert errors["frequency"] == "Select how often you will pay"
    assert errors["extra"] == "Enter an amount in pounds and pence, like 10.00"
    assert "start_date" in errors
    assert _propose(db, tenant, _form(extra="1.00")).outcome == "invalid"  # under £2.50 a week
    with Session(db) as s:
        assert s.exec(select(PaymentPlan)).all() == []


def test_a_plan_longer_than_a_year_waits_for_the_income_officer_whose_decision_starts_it(db, tenant, records, session):
    officer = records.staff("income_officer")
    session.commit()
    done = _propose(db, tenant, _form(extra="2.50") | {"extra": "2.50"})  # £95 at £2.50 a week: 38 weeks, so...
    assert done.outcome == "started"  # ...that one starts at once
    with Session(db) as s:
        plan = s.exec(select(PaymentPlan)).one()
        plans.decide(s, plan, status="cancelled", note="Test", staff_id=officer.id, now=NOW, settings=get_settings())
        s.commit()
    settings = get_settings()
    import dataclasses

    short_year = dataclasses.replace(settings, plan_approval_weeks=20)
    with Session(db) as s:
        waiting = plans.propose(s, tenant.caller, tenant.ref, _form(extra="2.50"), now=NOW, settings=short_year)
        s.commit()
    assert waiting.outcome == "waiting" and waiting.request_reference
    with Session(db) as s:
        request = s.exec(select(MoneyRequest).where(MoneyRequest.reference == waiting.request_reference)).one()
        assert request.kind == "payment_plan"
        plan = s.exec(select(PaymentPlan).where(PaymentPlan.reference == waiting.reference)).one()
        assert plan.status == "proposed"
        decided = office.decide_request(
            s, request.reference, decision="approve", note="Agreed", staff_id=officer.id, now=NOW, settings=settings
        )
        s.commit()
        assert decided.ok
        s.refresh(plan)
        assert plan.status == "active" and plan.decided_by_staff_id == officer.id
    assert len(_mail(db, "payment_plan_approved")) == 1


def test_an_officer_declining_a_long_plan_says_why_and_the_resident_sees_it(db, tenant, records, session):
    import dataclasses

    officer = records.staff("income_officer")
    session.commit()
    short_year = dataclasses.replace(get_settings(), plan_approval_weeks=20)
    with Session(db) as s:
        waiting = plans.propose(s, tenant.caller, tenant.ref, _form(extra="2.50"), now=NOW, settings=short_year)
        s.commit()
    with Session(db) as s:
        office.decide_request(
            s,
            waiting.request_reference,
            decision="decline",
            note="Please phone us: we can agree a shorter plan.",
            staff_id=officer.id,
            now=NOW,
            settings=get_settings(),
        )
        s.commit()
        [view] = plans.my_plans(s, tenant.caller, now=NOW, settings=get_settings())
    assert view.status == "declined" and view.decision_note == "Please phone us: we can agree a shorter plan."
    assert len(_mail(db, "payment_plan_declined")) == 1


def test_an_account_not_in_arrears_cannot_have_a_plan(db, records, session):
    resident = records.resident(email="bea@example.org")
    records.charge(resident.account, 10_000)
    session.commit()
    caller = SimpleNamespace(user_id=resident.user.id, person_id=resident.person.id, tenancy_id=resident.tenancy.id)
    with Session(db) as s:
        done = plans.propose(s, caller, resident.account.account_ref, _form(), now=NOW, settings=get_settings())
    assert done.outcome == "invalid" and dict(done.errors)["arrears"].startswith("Your account is not in arrears")


def test_one_plan_at_a_time_on_an_account(db, tenant):
    assert _propose(db, tenant, _form()).outcome == "started"
    assert _propose(db, tenant, _form()).outcome == "exists"


def test_another_resident_can_neither_propose_on_nor_see_a_plan_of_this_account(db, tenant, records, session):
    other = records.resident(email="cat@example.org")
    session.commit()
    stranger = SimpleNamespace(user_id=other.user.id, person_id=other.person.id, tenancy_id=other.tenancy.id)
    assert _propose(db, tenant, _form()).outcome == "started"
    with Session(db) as s:
        assert plans.propose(s, stranger, tenant.ref, _form(), now=NOW, settings=get_settings()).outcome == "refused"
        _choice, shown = plans.preview(s, stranger, tenant.ref, _form(), now=NOW, settings=get_settings())
        assert shown is None
        assert plans.my_plans(s, stranger, now=NOW, settings=get_settings()) == []
        assert len(s.exec(select(PaymentPlan)).all()) == 1


def test_falling_behind_sends_one_email_not_one_a_night_and_catching_up_sends_one_more(db, tenant, records, session):
    assert _propose(db, tenant, _form()).outcome == "started"
    # Rent goes on; nothing is paid in the first two weeks of the plan.
    records.post(tenant.resident.account, date(2026, 12, 7), "rent_charge", 10_000, "Rent")
    records.post(tenant.resident.account, date(2026, 12, 14), "rent_charge", 10_000, "Rent")
    session.commit()
    for day in (15, 16, 17):
        jobs.check_plans(engine=db, now=datetime(2026, 12, day, 2, 0, tzinfo=UTC))
    jobs.check_plans(engine=db, now=datetime(2026, 12, 17, 3, 0, tzinfo=UTC))  # the same night again: no second check
    behind = _mail(db, "payment_plan_behind")
    assert len(behind) == 1
    # On 15 December one instalment counts as due (7 December's; 14 December's only after
    # 5 days' grace, as a payment can take that long to show): expected £95 - £110 + £200
    # of rent since = £185.00; real £295.00.
    assert "You are behind by £110.00" in behind[0].body_text
    with Session(db) as s:
        checks = s.exec(select(PaymentPlanCheck).order_by(PaymentPlanCheck.checked_on)).all()
        [view] = plans.my_plans(s, tenant.caller, now=datetime(2026, 12, 17, 9, 0, tzinfo=UTC), settings=get_settings())
    assert [(c.checked_on.day, c.kept, c.behind_by_pence) for c in checks] == [
        (15, False, 11_000),
        (16, False, 11_000),
        (17, False, 11_000),
    ]
    assert view.behind and view.standing_words == "You are behind by £110.00"
    assert [c.words for c in view.checks][:1] == ["Behind by £110.00"]

    records.post(tenant.resident.account, date(2026, 12, 17), "payment", -22_000, "Payment")  # both instalments
    session.commit()
    jobs.check_plans(engine=db, now=datetime(2026, 12, 18, 2, 0, tzinfo=UTC))
    jobs.check_plans(engine=db, now=datetime(2026, 12, 19, 2, 0, tzinfo=UTC))
    assert len(_mail(db, "payment_plan_caught_up")) == 1
    assert len(_mail(db, "payment_plan_behind")) == 1


def test_a_plan_whose_arrears_are_cleared_completes_and_the_resident_is_told(db, tenant, records, session):
    assert _propose(db, tenant, _form()).outcome == "started"
    records.post(tenant.resident.account, date(2026, 12, 7), "rent_charge", 10_000, "Rent")
    records.post(tenant.resident.account, date(2026, 12, 8), "payment", -19_500, "Payment")
    session.commit()
    jobs.check_plans(engine=db, now=datetime(2026, 12, 9, 2, 0, tzinfo=UTC) + timedelta(hours=1))
    with Session(db) as s:
        assert s.exec(select(PaymentPlan)).one().status == "completed"
    assert len(_mail(db, "payment_plan_completed")) == 1


def test_an_officer_cancels_a_running_plan_with_a_reason_and_a_resident_or_stranger_cannot(
    db, tenant, records, session
):
    from portal_app.services.payments import office as plan_office
    from portal_app.services.requests.common import NotYours

    officer = records.staff("income_officer")
    session.commit()
    done = _propose(db, tenant, _form())
    with Session(db) as s:
        with pytest.raises(NotYours):
            plan_office.decide_plan(
                s, done.reference, decision="cancel", note="x", staff_id=999_999, now=NOW, settings=get_settings()
            )
        assert plan_office.decide_plan(
            s, done.reference, decision="cancel", note="", staff_id=officer.id, now=NOW, settings=get_settings()
        ) == {"note": "Say why, for the resident"}
        assert s.exec(select(PaymentPlan)).one().status == "active"
        assert (
            plan_office.decide_plan(
                s,
                done.reference,
                decision="cancel",
                note="You asked us to stop it.",
                staff_id=officer.id,
                now=NOW,
                settings=get_settings(),
            )
            == {}
        )
        s.commit()
        assert s.exec(select(PaymentPlan)).one().status == "cancelled"
    assert len(_mail(db, "payment_plan_cancelled")) == 1
    # Ended: a new plan may be proposed.
    assert _propose(db, tenant, _form()).outcome == "started"


def test_a_payment_due_today_is_not_called_missed_before_it_has_had_time_to_reach_the_account(
    db, tenant, records, session
):
    assert _propose(db, tenant, _form()).outcome == "started"
    records.post(tenant.resident.account, date(2026, 12, 7), "rent_charge", 10_000, "Rent")
    session.commit()
    # The first payment is due on Monday 7 December; the resident pays that day, and the
    # landlord's feed posts it on the Wednesday. No "behind" email in between.
    for day in (7, 8, 9):
        jobs.check_plans(engine=db, now=datetime(2026, 12, day, 2, 0, tzinfo=UTC))
    records.post(tenant.resident.account, date(2026, 12, 9), "payment", -11_000, "Payment")
    session.commit()
    for day in (10, 11, 12, 13, 14):
        jobs.check_plans(engine=db, now=datetime(2026, 12, day, 2, 0, tzinfo=UTC))
    assert _mail(db, "payment_plan_behind") == []
    with Session(db) as s:
        assert all(c.kept for c in s.exec(select(PaymentPlanCheck)).all())
