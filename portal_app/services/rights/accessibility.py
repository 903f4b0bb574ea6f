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


# What is still wrong (issue 13). Remove an entry when its fix is released.
KNOWN_ISSUES: tuple[KnownIssue, ...] = (
    KnownIssue(
        "On a phone, the account history and statement tables are wider than the screen, so the Paid and "
        "Balance columns can only be seen by scrolling the table sideways.",
        ("1.4.10 Reflow",),
        "Each line of these tables will become a stacked block on narrow screens, keeping the table for screen readers.",
    ),
    KnownIssue(
        "The links in the error summary at the top of a request form, the statement dates and the account "
        "filter open the page again without what you typed, instead of moving to the field.",
        ("2.4.3 Focus Order", "3.3.1 Error Identification"),
        "The links will move focus to the field on the same page, keeping what you typed.",
    ),
    KnownIssue(
        "When a link in the header has keyboard focus, its text is white on yellow and hard to read, and the "
        "focus outline can disappear in Windows high contrast mode.",
        ("1.4.3 Contrast (Minimum)", "1.4.11 Non-text Contrast", "2.4.7 Focus Visible"),
        "Focus styles will keep text contrast of at least 4.5 to 1 and an outline that shows in forced colours.",
    ),
    KnownIssue(
        "When you are offline on a small screen or at high zoom, the offline banner can cover the link that "
        "has focus, Sign out among them.",
        ("2.4.11 Focus Not Obscured (Minimum)",),
        "The banner will take its own space on the page instead of covering it.",
    ),
    KnownIssue(
        "An error on a set of radio buttons (benefits advice, letters by post, where to post a statement) is "
        "not announced as belonging to the group.",
        ("1.3.1 Info and Relationships", "3.3.1 Error Identification"),
        "The error will be part of the group's description and each radio button marked as invalid.",
    ),
    KnownIssue(
        "Your session ends after 30 minutes without activity and there is no warning first, so a request you "
        "are typing can be lost.",
        ("2.2.1 Timing Adjustable",),
        "We will warn you before the session ends with a button to stay signed in, and keep what you typed.",
    ),
    KnownIssue(
        "The budget planner's totals change without a screen reader being told.",
        ("4.1.3 Status Messages",),
        "The new totals will be announced once you stop typing.",
    ),
    KnownIssue(
        "Several pages share a title (each request form is called 'Ask us something'), a page with errors does "
        "not say so in its title, and links to transactions on the same day have the same name.",
        ("2.4.2 Page Titled", "2.4.4 Link Purpose (In Context)"),
        "Every page will have its own title, starting with 'Error:' when a form shows errors.",
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
