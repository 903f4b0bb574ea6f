"""The accessibility statement (pages/identity/accessibility.py, services/rights/accessibility.py):
what the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility
Regulations 2018 ask it to say, in the order of GOV.UK's model statement."""

from __future__ import annotations

import re

import pytest

from portal_app.pages.identity import accessibility as page
from portal_app.services.rights import accessibility
from portal_app.settings import get_settings


def _text() -> str:
    """The page's words, without the markup between them."""
    rendered = str(page.accessibility_page())
    return re.sub(r"\s+", " ", re.sub(r'["{}]|\\n', " ", rendered))


@pytest.fixture
def statement() -> str:
    return _text()


def test_the_accessibility_statement_follows_the_model_statements_headings_in_order():
    rendered = str(page.accessibility_page())
    headings = [
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website's accessibility",
        "Compliance status",
        "Non-accessible content",
        "What we're doing to improve accessibility",
        "Preparation of this accessibility statement",
    ]
    where = [rendered.find(h) for h in headings]
    assert -1 not in where, [h for h, w in zip(headings, where) if w == -1]
    assert where == sorted(where)
    assert f"Accessibility statement for the {get_settings().landlord_name} resident portal" in rendered


def test_while_known_problems_remain_the_statement_says_the_portal_is_partially_compliant(statement):
    assert accessibility.KNOWN_ISSUES
    assert (
        "This website is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard"
        in statement
    )
    assert "fully compliant" not in statement


def test_when_every_known_problem_is_fixed_the_statement_says_fully_compliant(monkeypatch):
    monkeypatch.setattr(accessibility, "KNOWN_ISSUES", ())

    statement = _text()

    assert "This website is fully compliant with the Web Content Accessibility Guidelines version 2.2 AA standard" in (
        statement
    )
    assert "partially compliant" not in statement


def test_the_statement_lists_every_known_problem_with_the_guideline_it_fails_and_what_we_are_doing(statement):
    for issue in accessibility.KNOWN_ISSUES:
        assert issue.problem in statement
        assert issue.plan in statement
        for criterion in issue.criteria:
            assert criterion in statement


def test_the_statement_tells_me_how_to_report_a_problem_and_how_soon_i_will_hear_back(statement):
    s = get_settings()
    assert s.landlord_email in statement and s.landlord_phone in statement
    assert f"get back to you within {accessibility.REPLY_WITHIN}" in statement


def test_the_statement_tells_me_where_to_go_if_i_am_not_happy_with_the_answer(statement):
    assert "Equality and Human Rights Commission (EHRC)" in statement
    assert "Equality Advisory and Support Service (EASS)" in statement
    assert "Equality Commission for Northern Ireland (ECNI)" in statement
    assert accessibility.EASS_URL in statement and accessibility.ECNI_URL in statement


def test_the_statement_says_how_the_portal_was_tested_and_when_it_was_prepared_and_reviewed(statement):
    assert "axe-core" in statement
    assert f"This statement was prepared on {accessibility.prepared_text()}" in statement
    assert f"It was last reviewed on {accessibility.reviewed_text()}" in statement
    assert accessibility.prepared_text() == "1 December 2026"


def test_the_statement_names_the_accessible_alternatives_to_a_pdf_statement(statement):
    assert "tagged" in statement
    assert "CSV" in statement and "on screen" in statement
