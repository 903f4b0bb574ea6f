"""Requests residents make about their money: what both sides share.

A resident asks (``resident.py``); an income officer deals with it (``office.py``).
Both use the kinds, statuses and their labels, the ``RQ-`` references, the two
exceptions, the summary lines of what was asked, and the few helpers below. Nothing
here writes to the database.

Statuses (``TRANSITIONS``): received -> in_progress | waiting_for_you | done | declined;
in_progress and waiting_for_you -> any of in_progress, waiting_for_you, done, declined
(the same status again only with a note). done and declined are closed; an officer may
reopen one only to in_progress and only with a note saying why (the resident sees it).

The data rights kinds (``DATA_KINDS``: correct or delete my information) are about the
resident, not one account: their ``account_id`` is None, and everything here copes.

Bank details are never shown whole outside ``office.reveal_bank_details``: everywhere
else they are masked (``mask_bank_details``).

Times: ``now`` is an aware UTC datetime from the caller (naive is read as UTC); "today"
is the UK date of ``now``. Money is integer pence. No reflex import.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from portal_app.clock import uk_date_words
from portal_app.models import Account, MoneyRequest, Transaction
from portal_app.services.accounts.balances import ACCOUNT_LABELS
from portal_app.services.money import dr_cr, format_pence
from portal_app.settings import Settings, get_settings

# ---------------------------------------------------------------------------
# Words and codes
# ---------------------------------------------------------------------------

QUERY = "query"
STANDING_ORDER = "standing_order"
REFUND = "refund"
BENEFITS_ADVICE = "benefits_advice"
PAPER_STATEMENT = "paper_statement"
# A payment plan that takes longer than PLAN_APPROVAL_WEEKS: the income officer approves it
# (services/payments/plans.py makes the request; the decision starts or declines the plan).
PAYMENT_PLAN = "payment_plan"
# Residents' data rights (UK GDPR Articles 16 and 17), for the data protection officer
# (the back office's permission ``handle_data_requests``). About the resident, not about
# one account: ``MoneyRequest.account_id`` is None.
DATA_CORRECTION = "data_correction"
DATA_ERASURE = "data_erasure"
DATA_KINDS = (DATA_CORRECTION, DATA_ERASURE)
# About the resident's home and tenancy (services/tenancy/, issue 18), for the housing officer
# (the leasehold officer for a lease): ``routing.route_officer``. Each is made by
# ``resident.submit_tenancy_request``; what the resident told us is ``details["lines"]``.
RECORD_CHANGE = "record_change"  # name or date of birth: the landlord's records, changed by request
HOUSEHOLD_CHANGE = "household_change"
PERMISSION = "permission"
COMPLAINT = "complaint"  # stage 1 of the Housing Ombudsman's Complaint Handling Code
COMPLAINT_STAGE_2 = "complaint_stage_2"  # its escalation: ``parent_request_id`` is the stage 1
COMPLIMENT = "compliment"
COMMENT = "comment"
END_TENANCY = "end_tenancy"  # the tenant's notice
MUTUAL_EXCHANGE = "mutual_exchange"
TENANCY_KINDS = (
    RECORD_CHANGE,
    HOUSEHOLD_CHANGE,
    PERMISSION,
    COMPLAINT,
    COMPLAINT_STAGE_2,
    COMPLIMENT,
    COMMENT,
    END_TENANCY,
    MUTUAL_EXCHANGE,
)

KIND_LABELS = {
    QUERY: "Question about my account",
    STANDING_ORDER: "Standing order details by post",
    REFUND: "Refund",
    BENEFITS_ADVICE: "Benefits advice",
    PAPER_STATEMENT: "Paper statement",
    PAYMENT_PLAN: "Payment plan",
    DATA_CORRECTION: "Correct my information",
    DATA_ERASURE: "Delete my information",
    RECORD_CHANGE: "Change my name or date of birth",
    HOUSEHOLD_CHANGE: "Change to my household",
    PERMISSION: "Permission",
    COMPLAINT: "Complaint (stage 1)",
    COMPLAINT_STAGE_2: "Complaint (stage 2)",
    COMPLIMENT: "Compliment",
    COMMENT: "Comment or suggestion",
    END_TENANCY: "Notice to end my tenancy",
    MUTUAL_EXCHANGE: "Mutual exchange",
}
# The kinds that are about one account (the others have ``account_id`` None).
ACCOUNT_KINDS = (QUERY, STANDING_ORDER, REFUND, BENEFITS_ADVICE, PAPER_STATEMENT, PAYMENT_PLAN)

# Kinds only some staff may see, and the permission that shows them (services/staff/roles.py):
# residents' data-rights requests are for the data protection officer. Such requests are
# about the resident, not one account (``MoneyRequest.account_id`` is NULL).
KIND_PERMISSIONS: dict[str, str] = {"data_correction": "handle_data_requests", "data_erasure": "handle_data_requests"}

# Kinds an officer approves or declines before they are done (refunds; later payment plans),
# and the status an approval moves them to: a refund still has to be paid ("Mark as paid").
NEEDS_DECISION: dict[str, str] = {
    REFUND: "in_progress",
    PAYMENT_PLAN: "done",
    PERMISSION: "done",
    MUTUAL_EXCHANGE: "done",
}

RECEIVED = "received"
IN_PROGRESS = "in_progress"
WAITING_FOR_YOU = "waiting_for_you"
DONE = "done"
DECLINED = "declined"

STATUS_LABELS = {
    RECEIVED: "Received",
    IN_PROGRESS: "In progress",
    WAITING_FOR_YOU: "Waiting for your reply",
    DONE: "Completed",
    DECLINED: "Declined",
}
OPEN_STATUSES = (RECEIVED, IN_PROGRESS, WAITING_FOR_YOU)
CLOSED_STATUSES = (DONE, DECLINED)

# Which status may follow which. The same open status again is a note on its own.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (IN_PROGRESS, WAITING_FOR_YOU, DONE, DECLINED),
    IN_PROGRESS: (IN_PROGRESS, WAITING_FOR_YOU, DONE, DECLINED),
    WAITING_FOR_YOU: (IN_PROGRESS, WAITING_FOR_YOU, DONE, DECLINED),
    DONE: (IN_PROGRESS,),  # reopening: with a note only
    DECLINED: (IN_PROGRESS,),  # reopening: with a note only
}

# Radios on the benefits advice form: (value, label), in page order.
BENEFIT_TOPICS = (
    ("housing_benefit", "Housing Benefit"),
    ("universal_credit", "Universal Credit"),
    ("council_tax_support", "Council Tax Support"),
    ("discretionary_housing_payment", "Discretionary Housing Payment"),
    ("budgeting_debt", "Budgeting or debt"),
    ("other", "Something else"),
)
BEST_TIMES = (("morning", "Morning"), ("afternoon", "Afternoon"), ("any", "Any time"))
CONTACT_WAYS = (("phone", "Phone"), ("email", "Email"))

# Parties who make a tenancy "joint" for a refund: anyone else named on it as a tenant,
# leaseholder or licensee (not household members or occupants). Their agreement is asked
# before a refund from the shared account is paid (consent.py).
JOINT_ROLES = ("lead_tenant", "joint_tenant", "leaseholder", "joint_leaseholder", "licensee")

REFERENCE_PREFIX = "RQ-"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
REFERENCE_LENGTH = 6

# Assisted digital: how a resident asked an officer to raise a request for them (the
# request's ``details["raised_via"]``), in the words "Raised for you by ... (by phone)".
RAISED_VIA = {"phone": "by phone", "in_person": "in person"}

# OutboxMessage.kind
MAIL_RECEIVED = "request_received"
MAIL_UPDATED = "request_updated"


class NotYours(ValueError):
    """The principal may not act on this account, transaction or request."""


class RequestNotFound(LookupError):
    """No request has this reference (officer side)."""


@dataclass(frozen=True)
class DetailLine:
    label: str
    value: str


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def may_see_kind(kind: str, permissions: frozenset[str] | set[str]) -> bool:
    """Whether a member of staff with ``permissions`` may see requests of ``kind``."""
    needed = KIND_PERMISSIONS.get(kind)
    return needed is None or needed in permissions


def kind_label(kind: str) -> str:
    """'Refund'; a kind without a label yet (a later issue's) in words from its code."""
    return KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()


def as_utc(now: datetime) -> datetime:
    """``now`` as an aware UTC datetime (a naive one is read as UTC)."""
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def text_of(value: object) -> str:
    """What the browser sent, as text: anything that is not a string counts as empty."""
    return value if isinstance(value, str) else ""


def settings_or_default(settings: Settings | None) -> Settings:
    """The settings passed in (tests pass their own), else the running ones."""
    return settings or get_settings()


def account_label(account: Account | None) -> str:
    """'Rent account'; "" for a request about no account (a data rights request)."""
    if account is None:
        return ""
    return ACCOUNT_LABELS.get(account.account_type, "Account")


def account_words(account: Account | None) -> str:
    """How an email names an account: its kind and only the last 4 characters of its number
    (a request about no account: "the information we hold about you")."""
    if account is None:
        return "the information we hold about you"
    kind = account_label(account).lower()
    if len(account.account_ref) > 4:
        return f"your {kind} ending {account.account_ref[-4:]}"
    return f"your {kind}"


def transaction_label(t: Transaction) -> str:
    """'16 November 2026, Card payment, £100.00 CR'."""
    amount = f"{format_pence(t.amount_pence)} {dr_cr(t.amount_pence)}".strip()
    return f"{uk_date_words(t.posted_on)}, {t.description}, {amount}"


def normalise_request_reference(raw: object) -> str:
    """'rq-abc234', 'RQ ABC234' and 'abc234' all mean 'RQ-ABC234'."""
    value = re.sub(r"[\s-]", "", text_of(raw)).upper()
    if value.startswith("RQ"):
        value = value[2:]
    return REFERENCE_PREFIX + value


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def mask_bank_details(account_name: str, sort_code: str, account_number: str) -> str:
    """'Sort code **-**-56, account ****5678, name J Smith'."""
    digits = re.sub(r"\D", "", sort_code)
    words = account_name.split()
    if len(words) > 1:
        name = f"{words[0][0]} {words[-1]}"
    else:
        name = words[0] if words else ""
    return f"Sort code **-**-{digits[-2:]}, account ****{account_number[-4:]}, name {name}"[:100]


def raised_by_words(request: MoneyRequest, officer_name: str | None) -> str:
    """ "Raised for you by Rachel Adeyemi (by phone)" for a request an officer raised on the
    resident's behalf (``raised_by_staff_id``); "" for one the resident made themselves."""
    if request.raised_by_staff_id is None:
        return ""
    try:
        via = json.loads(request.details or "{}").get("raised_via", "phone")
    except (ValueError, AttributeError):
        via = "phone"
    who = officer_name or "one of our officers"
    return f"Raised for you by {who} ({RAISED_VIA.get(via, RAISED_VIA['phone'])})"


def detail_lines(session: Session, request: MoneyRequest, *, for_staff: bool = False) -> tuple[DetailLine, ...]:
    """What the resident told us, as label and value lines (bank details only masked), in
    the resident's words ("Your question") or, ``for_staff``, an officer's ("Their question")."""
    try:
        details = json.loads(request.details or "{}")
    except ValueError:
        details = {}
    lines: list[DetailLine] = []
    if request.kind == QUERY:
        lines.append(DetailLine("Their question" if for_staff else "Your question", details.get("message", "")))
        if request.transaction_id is not None:
            t = session.get(Transaction, request.transaction_id)
            if t is not None:
                lines.append(DetailLine("Transaction", transaction_label(t)))
    elif request.kind in (STANDING_ORDER, PAPER_STATEMENT):
        if request.kind == PAPER_STATEMENT and request.period_from and request.period_to:
            lines.append(
                DetailLine("Period", f"{uk_date_words(request.period_from)} to {uk_date_words(request.period_to)}")
            )
        lines.append(DetailLine("Post it to", details.get("address", "")))
    elif request.kind == REFUND:
        lines.append(DetailLine("Amount", format_pence(request.amount_pence or 0)))
        if request.bank_details_masked:
            lines.append(DetailLine("Pay it into", request.bank_details_masked))
        if request.needs_joint_consent:
            lines.append(
                DetailLine("Joint tenancy", "We will ask the other tenant or leaseholder to agree to the refund")
            )
    elif request.kind == BENEFITS_ADVICE:
        lines.append(DetailLine("Advice about", dict(BENEFIT_TOPICS).get(details.get("topic", ""), "")))
        lines.append(DetailLine("Best time", dict(BEST_TIMES).get(details.get("best_time", ""), "")))
        if details.get("contact_by") == "phone":
            lines.append(DetailLine("Phone", details.get("phone", "")))
        else:
            lines.append(DetailLine("Email", details.get("email", "")))
        if details.get("note"):
            lines.append(DetailLine("Note", details["note"]))
    elif request.kind == DATA_CORRECTION:
        lines.append(DetailLine("Information that is wrong", details.get("about", "")))
        lines.append(DetailLine("What it should say", details.get("correction", "")))
    elif request.kind == DATA_ERASURE:
        lines.append(DetailLine("Information to delete", details.get("about", "")))
        if details.get("why"):
            lines.append(DetailLine("Why", details["why"]))
    elif request.kind in TENANCY_KINDS:
        # Written by the tenancy service that made it, as (label, value) pairs in the
        # resident's words; an officer's own wording, when it differs, is ``staff_lines``.
        pairs = details.get("staff_lines") if for_staff and details.get("staff_lines") else details.get("lines")
        for pair in pairs if isinstance(pairs, list) else []:
            if isinstance(pair, list | tuple) and len(pair) == 2:
                lines.append(DetailLine(str(pair[0]), str(pair[1])))
    return tuple(lines)


__all__ = [
    "ACCOUNT_KINDS",
    "BENEFITS_ADVICE",
    "BENEFIT_TOPICS",
    "BEST_TIMES",
    "CLOSED_STATUSES",
    "COMMENT",
    "COMPLAINT",
    "COMPLAINT_STAGE_2",
    "COMPLIMENT",
    "END_TENANCY",
    "HOUSEHOLD_CHANGE",
    "MUTUAL_EXCHANGE",
    "PERMISSION",
    "RECORD_CHANGE",
    "TENANCY_KINDS",
    "CONTACT_WAYS",
    "DATA_CORRECTION",
    "DATA_ERASURE",
    "DATA_KINDS",
    "DECLINED",
    "DONE",
    "DetailLine",
    "IN_PROGRESS",
    "JOINT_ROLES",
    "KIND_LABELS",
    "KIND_PERMISSIONS",
    "NEEDS_DECISION",
    "MAIL_RECEIVED",
    "MAIL_UPDATED",
    "NotYours",
    "OPEN_STATUSES",
    "PAPER_STATEMENT",
    "PAYMENT_PLAN",
    "QUERY",
    "RAISED_VIA",
    "RECEIVED",
    "REFERENCE_ALPHABET",
    "REFERENCE_LENGTH",
    "REFERENCE_PREFIX",
    "REFUND",
    "RequestNotFound",
    "STANDING_ORDER",
    "STATUS_LABELS",
    "TRANSITIONS",
    "WAITING_FOR_YOU",
    "account_label",
    "account_words",
    "as_utc",
    "detail_lines",
    "kind_label",
    "may_see_kind",
    "mask_bank_details",
    "new_reference",
    "normalise_request_reference",
    "raised_by_words",
    "settings_or_default",
    "text_of",
    "transaction_label",
]
