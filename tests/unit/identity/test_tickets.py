"""Download tickets: signed, short-lived, and only as good as the session they name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal_app.services.identity import tickets

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)

FROM, TO = date(2025, 4, 1), date(2026, 3, 31)


def _ticket(**overrides) -> str:
    args = dict(session_id=7, user_id=3, account_id=11, kind="statement_pdf", date_from=FROM, date_to=TO, now=NOW)
    args.update(overrides)
    return tickets.issue(**args)


def test_a_fresh_ticket_gives_back_exactly_what_it_was_issued_for():
    claims = tickets.verify(_ticket(), now=NOW + timedelta(minutes=1))
    assert (claims.session_id, claims.user_id, claims.account_id, claims.kind) == (7, 3, 11, "statement_pdf")
    assert (claims.date_from, claims.date_to) == (FROM, TO)


def test_a_ticket_stops_working_after_fifteen_minutes():
    ticket = _ticket()
    assert tickets.verify(ticket, now=NOW + timedelta(minutes=14, seconds=59)) is not None
    assert tickets.verify(ticket, now=NOW + timedelta(minutes=15)) is None


def test_a_ticket_with_any_character_changed_is_refused():
    ticket = _ticket()
    payload, signature = ticket.split(".")
    other_account = _ticket(account_id=12).split(".")[0]
    assert tickets.verify(f"{other_account}.{signature}", now=NOW) is None
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert tickets.verify(f"{payload}.{flipped}", now=NOW) is None


def test_missing_malformed_and_huge_tickets_are_refused_without_an_error():
    for bad in (None, "", "abc", "a.b.c", "x" * 5000, "!!!.???"):
        assert tickets.verify(bad, now=NOW) is None


def test_an_unknown_kind_cannot_be_issued():
    with pytest.raises(ValueError):
        _ticket(kind="everything")
