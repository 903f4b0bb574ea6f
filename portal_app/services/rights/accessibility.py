"""What the accessibility statement says (``pages/identity/accessibility.py`` draws it).

The Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility
Regulations 2018 (regulation 8 and the Schedule) ask a statement to give: how far the
site complies with WCAG (here 2.2 AA), what is not accessible and why, how to report a
problem and ask for content in another format, the enforcement procedure, and when the
statement was prepared and last reviewed. The page follows GOV.UK's model statement.

``KNOWN_ISSUES`` is the list of what is still wrong: edit it as problems are fixed or
found (one entry each: what a resident meets, the WCAG success criteria it fails, what we
are doing about it). The compliance status follows from it: "partially compliant" while
it has entries, "fully compliant" only when it is empty.
``tests/unit/rights/test_accessibility_statement.py`` checks the page shows every entry.

No reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal_app.clock import uk_date_words

WCAG = "Web Content Accessibility Guidelines version 2.2 AA standard"

# The dates the regulations ask for: change them when the statement is reviewed, never
# "today" (a statement reviewed every time it is read was never reviewed).
PREPARED_ON = date(2026, 12, 1)
LAST_REVIEWED_ON = date(2026, 12, 1)
LAST_TESTED_ON = date(2026, 12, 1)

# How soon we answer a report of an accessibility problem or a request for another format.
REPLY_WITHIN = "5 working days"

EHRC_URL = "https://www.equalityhumanrights.com/"
EASS_URL = "https://www.equalityadvisoryservice.com/"
ECNI_URL = "https://www.equalityni.org/Home"


@dataclass(frozen=True)
class KnownIssue:
    problem: str  # what a resident meets, in their words
    criteria: tuple[str, ...]  # the WCAG 2.2 success criteria it fails: "1.4.10 Reflow"
    plan: str  # what we are doing about it


# What is still wrong. Remove an entry when its fix is released; add one as soon as a
# problem is found. (Issue 13's list of barriers was fixed before this statement was
# published: the phone tables, error-summary links, focus styles, the offline and update
# banners, radio-group errors, the session-end warning, the budget planner's totals and
# page titles.)
KNOWN_ISSUES: tuple[KnownIssue, ...] = (
    KnownIssue(
        "The PDF statement is tagged (headings, paragraphs, a table with column headers, the language), but it "
        "has not yet been checked with a PDF/UA checker, and its font is not embedded in the file, so some "
        "assistive technology may read it less well than the statement on screen. The statement on screen, its "
        "printable HTML copy and the CSV download hold the same lines.",
        ("1.3.1 Info and Relationships",),
        "We will check the PDF with a PDF/UA checker and embed its font, and fix what the check finds.",
    ),
)

# How the portal was tested (the regulations ask for the method).
HOW_TESTED = (
    "Automated checks with axe-core on every page that the browser tests open, on every change to the "
    "portal, at phone (390 pixels) and desktop (1280 pixels) widths.",
    "Checks by hand: using the portal with a keyboard alone, at 400% zoom and 320 pixels wide, in "
    "forced colours (Windows high contrast), and through what a screen reader is given (each page's "
    "accessibility tree), for each kind of account in the demonstration data.",
    "The PDF statement's tags (structure, table headers and language) are read back by an automated test. "
    "It has not yet been checked with a PDF/UA checker.",
)


def compliance_status() -> str:
    """The regulations' compliance status, from ``KNOWN_ISSUES``."""
    if KNOWN_ISSUES:
        return f"This website is partially compliant with the {WCAG}, due to the non-compliances listed below."
    return f"This website is fully compliant with the {WCAG}."


def prepared_text() -> str:
    return uk_date_words(PREPARED_ON)


def reviewed_text() -> str:
    return uk_date_words(LAST_REVIEWED_ON)


def tested_text() -> str:
    return uk_date_words(LAST_TESTED_ON)
