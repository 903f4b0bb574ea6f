"""The new-request form's units of work (services/requests/form.py): only ever about an
account the resident may see, and nothing written unless the request is made."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from portal_app.models import MoneyRequest
from portal_app.services.requests import common, form
from portal_app.settings import get_settings

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


class Caller:
    def __init__(self, resident):
        self.user_id, self.person_id, self.tenancy_id = resident.user.id, resident.person.id, resident.tenancy.id


@pytest.fixture
def settings():
    return replace(get_settings(), allow_former_tenants=False)


def _requests(session) -> int:
    return session.exec(select(func.count()).select_from(MoneyRequest)).one()


def test_the_form_keeps_a_transaction_asked_about_only_when_it_is_on_the_residents_account(
    session, records, ann, bob, settings
):
    mine = records.post(ann.account, date(2026, 11, 16), "rent_charge", 11_400)
    theirs = records.post(bob.account, date(2026, 11, 16), "rent_charge", 11_400)

    _c, own = form.form_context(
        session, Caller(ann), ann.account.account_ref, transaction=str(mine.id), now=NOW, settings=settings
    )
    _c, other = form.form_context(
        session, Caller(ann), ann.account.account_ref, transaction=str(theirs.id), now=NOW, settings=settings
    )

    assert own.chosen_transaction == str(mine.id)
    assert other.chosen_transaction == ""
    assert str(theirs.id) not in {str(t.transaction_id) for t in other.transactions}
    assert own.standing_order.payment_reference == ann.account.account_ref


def test_the_form_refuses_another_residents_account(session, ann, bob, settings):
    choice, found = form.form_context(
        session, Caller(ann), bob.account.account_ref, transaction="", now=NOW, settings=settings
    )

    assert (choice.refused, found) == (True, None)


def test_a_request_with_errors_writes_nothing_and_a_good_one_is_made(session, ann, settings):
    session.commit()  # the resident is on record, as in the portal: a failed request rolls back only itself
    bad = form.submit_request(
        session,
        Caller(ann),
        ann.account.account_ref,
        kind=common.QUERY,
        form={"message": ""},
        choices={},
        now=NOW,
        settings=settings,
    )
    assert bad.result is not None and not bad.result.ok and "message" in bad.result.errors
    assert _requests(session) == 0

    good = form.submit_request(
        session,
        Caller(ann),
        ann.account.account_ref,
        kind=common.QUERY,
        form={"message": "Why did my rent go up?"},
        choices={},
        now=NOW,
        settings=settings,
    )
    assert good.result.ok and good.not_yours is False
    assert _requests(session) == 1


def test_a_query_about_another_residents_transaction_is_not_yours_and_writes_nothing(
    session, records, ann, bob, settings
):
    theirs = records.post(bob.account, date(2026, 11, 16), "rent_charge", 11_400)
    session.commit()

    outcome = form.submit_request(
        session,
        Caller(ann),
        ann.account.account_ref,
        kind=common.QUERY,
        form={"message": "What is this?", "transaction_id": str(theirs.id)},
        choices={},
        now=NOW,
        settings=settings,
    )

    assert (outcome.not_yours, outcome.result) == (True, None)
    assert _requests(session) == 0
