"""'Download my data': everything the portal holds about the signed-in resident, at once,
as JSON (for a computer) and as one readable HTML page (to read, keep or print).

The right of access (UK GDPR Article 15) covers what the landlord holds about the
resident; this is the part the portal holds, produced the moment it is asked for. What
the landlord holds elsewhere (its housing system, letters, calls) needs a subject access
request to the data protection officer, and the download says so.

What it holds, and what it leaves out:

* the portal account: email, mobile, when it was made, sign-ins, the letters-by-post
  choice and the other contact preferences, whether two-step sign-in is on. Never the password's hash, the authenticator
  key or recovery codes: the download says "two-step sign-in: on" instead, and that the
  password is kept only scrambled;
* the person record, the tenancies and accounts **as the resident may see them in the
  portal** (``balances.visible_accounts``): each account's balance, the charges in force
  and every transaction (``statements.statement``); the names of the tenants named on a
  tenancy (as a statement shows them), never their contact details;
* the resident's own requests and their updates (``requests.resident``: bank details only
  masked), payments made in the portal by this account, the payment plans they proposed
  and the Direct Debits they set up (bank details only masked), the repairs they reported
  (what they told us, how to get in, how to reach them; the photos by number, not the
  pictures), the files they sent with requests (names and sizes, not the files), the
  titles and dates of the landlord's letters shown to them, their tenancy's transfer
  application, changes of sign-in email (never the codes), answers to joint refund
  questions, the sign-in history (``identity.history``), what their email address left on
  the waiting list while registration was paused, and the envelopes of the emails
  sent to them (the text of an email may hold a code or a link and is emptied after
  ``RETAIN_MAIL_BODY_DAYS`` days: they have it in their inbox).

On a joint tenancy the shared accounts and their transactions are in both tenants'
downloads; the other tenant's email address, mobile, sign-ins, requests, payments, plans and Direct Debits are
never in this one (``tests/unit/rights/test_my_data.py``).

``collect`` reads; ``to_json`` and ``to_html`` render what it read. The download route
(``api/downloads.py``) records the download in the audit log in the same unit of work.
No reflex import.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from portal_app import design
from portal_app.clock import uk_time_words, uk_today
from portal_app.models import (
    Account,
    DirectDebitInstruction,
    EmailChange,
    JointConsent,
    MoneyRequest,
    Officer,
    OutboxMessage,
    PaymentPlan,
    Person,
    PortalPayment,
    PortalUser,
    Property,
    RecoveryCode,
    Repair,
    RepairPhoto,
    RequestEvidence,
    ResidentDocument,
    Tenancy,
    TenancyParty,
    Transaction,
    TransferApplication,
    WaitingListEntry,
)
from portal_app.services.accounts import balances, ledger, statements
from portal_app.services.identity import history
from portal_app.services.money import balance_display, format_pence
from portal_app.services.requests import resident as requests
from portal_app.settings import Settings

FORMAT_VERSION = 1

ROLE_WORDS = {
    "lead_tenant": "Tenant",
    "joint_tenant": "Joint tenant",
    "leaseholder": "Leaseholder",
    "joint_leaseholder": "Joint leaseholder",
    "licensee": "Licensee",
    "household_member": "Household member",
    "occupant": "Occupant",
}
TENURE_WORDS = {
    "secure": "Secure tenancy",
    "introductory": "Introductory tenancy",
    "flexible": "Flexible tenancy",
    "assured": "Assured tenancy",
    "leasehold": "Lease",
    "shared_ownership": "Shared ownership lease",
    "garage_licence": "Garage licence",
}


@dataclass(frozen=True)
class MyData:
    """What the portal holds about one resident, as plain JSON values, section by section."""

    user_id: int
    produced_at: datetime
    sections: Mapping[str, Any]


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _address(prop: Property | None) -> str:
    if prop is None:
        return ""
    lines = [part for part in (prop.address_line_1, prop.address_line_2, prop.address_line_3) if part]
    return f"{', '.join(lines)}, {prop.town} {prop.postcode}"


def _name(person: Person) -> str:
    return " ".join(part for part in (person.title, person.first_name, person.last_name) if part)


def _money(pence: int, words: str) -> dict[str, Any]:
    """A balance as pence, as shown (with DR/CR) and in words (what is owed and what of it
    is overdue, as the account page says it: services/accounts/owed.py)."""
    return {"pence": pence, "shown_as": balance_display(pence), "in_words": words}


# ---------------------------------------------------------------------------
# The sections


def _account_section(session: Session, user: PortalUser) -> dict[str, Any]:
    codes_left = 0
    if user.totp_enabled:
        codes_left = int(
            session.exec(
                select(func.count())
                .select_from(RecoveryCode)
                .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
            ).one()
        )
    section: dict[str, Any] = {
        "email": user.email,
        "mobile": user.mobile,
        "status": "Open" if user.status == "active" else "Closed",
        "made_at": _iso(user.created_at),
        "last_signed_in_at": _iso(user.last_sign_in_at),
        "signed_in_before_that_at": _iso(user.previous_sign_in_at),
        "password_last_changed_at": _iso(user.password_changed_at),
        "password": "Set. We keep it only scrambled (hashed), so nobody, us included, can read it.",
        "two_step_sign_in": "On" if user.totp_enabled else "Off",
    }
    if user.totp_enabled:
        section["recovery_codes_left"] = codes_left
    return section


CONTACT_WORDS = {"email": "Email", "text": "Text message", "phone": "Phone call", "letter": "Letter"}


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _choices_section(user: PortalUser) -> dict[str, Any]:
    return {
        "letters_by_post": _yes(user.paper_correspondence),
        "letters_by_post_means": (
            "Whether you want letters by post as well as in the portal (you chose when you registered, and may "
            "change it under Your details)."
        ),
        "other_phone": user.phone or None,
        "how_we_contact_you": CONTACT_WORDS.get(user.preferred_contact, user.preferred_contact),
        "text_messages": _yes(user.texts_wanted),
        "rent_reminders": _yes(user.wants_rent_reminders),
        "repair_updates": _yes(user.wants_repair_updates),
        "statement_ready_emails": _yes(user.wants_statement_ready),
    }


def _email_changes_section(session: Session, user: PortalUser) -> list:
    """Changes of sign-in email asked for in the portal: the new address and what happened
    (the code is kept only scrambled, and never here)."""
    rows = session.exec(
        select(EmailChange).where(EmailChange.user_id == user.id).order_by(EmailChange.created_at)
    ).all()
    return [
        {
            "asked_at": _iso(row.created_at),
            "new_address": row.new_email,
            "outcome": EMAIL_CHANGE_OUTCOMES.get(row.status, row.status),
            "completed_at": _iso(row.completed_at),
        }
        for row in rows
    ]


EMAIL_CHANGE_OUTCOMES = {
    "pending": "Waiting for the code",
    "done": "Changed",
    "replaced": "Replaced by a later change",
    "failed": "Not changed",
}


def _evidence_section(session: Session, user: PortalUser) -> list:
    """The files sent with requests: each one's name, type, size and request (the files
    themselves are in the portal, under the request)."""
    rows = session.exec(
        select(RequestEvidence, MoneyRequest.reference)
        .outerjoin(MoneyRequest, MoneyRequest.id == RequestEvidence.request_id)
        .where(RequestEvidence.user_id == user.id)
        .order_by(RequestEvidence.created_at, RequestEvidence.id)
    ).all()
    return [
        {
            "file": row.name or "Unnamed file",
            "type": "PDF" if row.content_type == "application/pdf" else "Photo",
            "size_bytes": row.size_bytes,
            "request": reference or "Not sent (deleted after a day)",
            "added_at": _iso(row.created_at),
        }
        for row, reference in rows
    ]


def _letters_section(session: Session, user: PortalUser, tenancy_ids: Sequence[int]) -> list:
    """The letters and documents from the landlord shown to this resident in the portal:
    their titles and dates (the letters themselves are PDFs in the portal)."""
    if not tenancy_ids:
        return []
    rows = session.exec(
        select(ResidentDocument)
        .where(
            ResidentDocument.tenancy_id.in_(list(tenancy_ids)),
            (ResidentDocument.person_id.is_(None)) | (ResidentDocument.person_id == user.person_id),
        )
        .order_by(ResidentDocument.issued_on, ResidentDocument.id)
    ).all()
    return [
        {"title": row.title, "kind": row.kind.replace("_", " ").capitalize(), "dated": _iso(row.issued_on)}
        for row in rows
    ]


def _transfer_section(session: Session, tenancy_ids: Sequence[int]) -> list:
    if not tenancy_ids:
        return []
    rows = session.exec(
        select(TransferApplication)
        .where(TransferApplication.tenancy_id.in_(list(tenancy_ids)))
        .order_by(TransferApplication.effective_date)
    ).all()
    return [
        {
            "application_reference": row.application_ref,
            "band": row.band,
            "effective_date": _iso(row.effective_date),
            "status": row.status.capitalize(),
            "bedrooms_needed": row.bedrooms_needed,
        }
        for row in rows
    ]


def _person_section(person: Person) -> dict[str, Any]:
    return {
        "person_reference": person.person_ref,
        "title": person.title,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": _iso(person.date_of_birth),
        "email_in_our_records": person.email,
        "mobile_in_our_records": person.mobile,
    }


def _named_on(session: Session, tenancy: Tenancy, today: date) -> list[str]:
    """The tenants or leaseholders named on the tenancy, as a statement names them: names only."""
    rows = session.exec(
        select(TenancyParty, Person)
        .join(Person, Person.id == TenancyParty.person_id)
        .where(TenancyParty.tenancy_id == tenancy.id, TenancyParty.role.in_(statements.NAMED_ROLES))
        .order_by(TenancyParty.id)
    ).all()
    return [_name(person) for party, person in rows if party.is_current(today) or tenancy.end_date is not None]


def _tenancy_section(session: Session, tenancy: Tenancy, person_id: int, today: date) -> dict[str, Any]:
    party = session.exec(
        select(TenancyParty).where(TenancyParty.tenancy_id == tenancy.id, TenancyParty.person_id == person_id)
    ).first()
    officer = session.get(Officer, tenancy.income_officer_id) if tenancy.income_officer_id else None
    return {
        "tenancy_reference": tenancy.tenancy_ref,
        "kind": TENURE_WORDS.get(tenancy.tenure, tenancy.tenure.replace("_", " ").capitalize()),
        "address": _address(session.get(Property, tenancy.property_id)),
        "started_on": _iso(tenancy.start_date),
        "ended_on": _iso(tenancy.end_date),
        "you_are": ROLE_WORDS.get(party.role, party.role) if party else "Not named on it now",
        "named_on_it": _named_on(session, tenancy, today),
        "your_income_officer": officer.name if officer else None,
    }


def _accounts_section(session: Session, accounts: Sequence[Account], *, now: datetime, settings: Settings) -> list:
    today = uk_today(now)
    landlord = statements.Landlord.from_settings(settings)
    out = []
    for account in accounts:
        first, last = session.exec(
            select(func.min(Transaction.posted_on), func.max(Transaction.posted_on)).where(
                Transaction.account_id == account.id
            )
        ).one()
        start = min(first or account.opened_on, account.opened_on)
        end = max(last or today, today)
        st = statements.statement(
            session, account.id, start, end, landlord=landlord, now=now, days_to_pay=settings.leasehold_bill_days_to_pay
        )
        tenancy = session.get(Tenancy, account.tenancy_id)
        out.append(
            {
                "account_reference": account.account_ref,
                "kind": balances.ACCOUNT_LABELS.get(account.account_type, "Account"),
                "tenancy_reference": tenancy.tenancy_ref if tenancy else None,
                "opened_on": _iso(account.opened_on),
                "closed_on": _iso(account.closed_on),
                "balance": _money(st.closing_balance_pence, st.closing_words),
                "charges_now": [
                    {
                        "description": line.description,
                        "amount": format_pence(line.amount_pence),
                        "amount_pence": line.amount_pence,
                        "how_often": line.frequency,
                        "from": _iso(line.effective_from),
                        "to": _iso(line.effective_to),
                    }
                    for line in (ledger.charge_line(c) for c in ledger.charges_in_force(session, account.id, today))
                ],
                "transactions": [
                    {
                        "date": _iso(line.posted_on),
                        "week_commencing": _iso(line.week_commencing),
                        "type": line.type_label,
                        "description": line.description,
                        "amount_pence": line.amount_pence,
                        "debit": line.debit_text,
                        "credit": line.credit_text,
                        "balance_after": line.balance_text,
                    }
                    for line in st.lines
                ],
                "transactions_mean": "Amounts in pence: positive is a charge (DR), negative is money paid in (CR).",
            }
        )
    return out


def _payments_section(session: Session, user: PortalUser) -> list:
    rows = session.exec(
        select(PortalPayment, Account)
        .join(Account, Account.id == PortalPayment.account_id)
        .where(PortalPayment.user_id == user.id)
        .order_by(PortalPayment.created_at, PortalPayment.id)
    ).all()
    return [
        {
            "reference": payment.reference,
            "account_reference": account.account_ref,
            "amount": format_pence(payment.amount_pence),
            "amount_pence": payment.amount_pence,
            "status": payment.status.capitalize(),
            "paid_at": _iso(payment.created_at),
        }
        for payment, account in rows
    ]


_FREQUENCY_WORDS = {
    "weekly": "every week",
    "fortnightly": "every 2 weeks",
    "four_weekly": "every 4 weeks",
    "monthly": "every month",
}


def _plans_section(session: Session, user: PortalUser) -> list:
    """The payment plans this resident proposed in the portal (one from the feed is the
    landlord's record of the account, not the resident's)."""
    rows = session.exec(
        select(PaymentPlan, Account)
        .join(Account, Account.id == PaymentPlan.account_id)
        .where(PaymentPlan.user_id == user.id)
        .order_by(PaymentPlan.created_at, PaymentPlan.id)
    ).all()
    return [
        {
            "reference": plan.reference,
            "account_reference": account.account_ref,
            "status": plan.status.capitalize(),
            "each_payment": format_pence(plan.regular_pence + plan.extra_pence),
            "of_which_towards_arrears": format_pence(plan.extra_pence),
            "how_often": _FREQUENCY_WORDS.get(plan.frequency, plan.frequency),
            "starts_on": plan.start_date.isoformat(),
            "arrears_when_made": format_pence(plan.arrears_pence),
            "made_at": _iso(plan.created_at),
            "our_reason": plan.decision_note or None,
        }
        for plan, account in rows
    ]


def _direct_debits_section(session: Session, user: PortalUser) -> list:
    """The Direct Debits this resident set up in the portal: the bank details masked, as
    the portal shows them (the encrypted copy goes only to the landlord's bureau)."""
    rows = session.exec(
        select(DirectDebitInstruction, Account)
        .join(Account, Account.id == DirectDebitInstruction.account_id)
        .where(DirectDebitInstruction.user_id == user.id)
        .order_by(DirectDebitInstruction.created_at, DirectDebitInstruction.id)
    ).all()
    return [
        {
            "reference": row.reference,
            "account_reference": account.account_ref,
            "status": row.status.capitalize(),
            "name_on_the_bank_account": row.account_holder_name,
            "bank_account": row.bank_details_masked,
            "amount": format_pence(row.amount_pence),
            "how_often": _FREQUENCY_WORDS.get(row.frequency, row.frequency),
            "day_of_the_month": row.collection_day,
            "first_payment_on": row.first_collection_on.isoformat(),
            "made_at": _iso(row.created_at),
            "cancelled_at": _iso(row.cancelled_at),
        }
        for row, account in rows
    ]


def _repairs_section(session: Session, user: PortalUser) -> list:
    """The repairs this resident reported in the portal: what they told us about each."""
    rows = session.exec(select(Repair).where(Repair.user_id == user.id).order_by(Repair.reported_at, Repair.id)).all()
    out = []
    for repair in rows:
        photos = session.exec(select(RepairPhoto.id).where(RepairPhoto.repair_id == repair.id)).all()
        out.append(
            {
                "reference": repair.reference,
                "what": ": ".join(p for p in (repair.area_words, repair.element_words, repair.problem_words) if p),
                "status": repair.status.replace("_", " ").capitalize(),
                "reported_at": _iso(repair.reported_at),
                "what_you_told_us": repair.description or None,
                "getting_in": repair.access_notes or None,
                "how_we_contact_you": repair.contact_way or None,
                "phone_number": repair.contact_phone or None,
                "about_the_damp_or_mould": "; ".join(
                    f"{k.replace('_', ' ')}: {v}" for k, v in json.loads(repair.damp_answers).items() if v
                )
                if repair.damp_answers
                else None,
                "photos_you_sent": len(photos),
                "is_it_fixed": repair.fixed or None,
                "why_not": repair.fixed_reason or None,
            }
        )
    return out


def _requests_section(session: Session, user: PortalUser) -> list:
    out = []
    for summary in requests.my_requests(session, user.id):
        detail = requests.request_detail(session, user.id, summary.reference)
        if detail is None:  # pragma: no cover - listed a moment ago, in the same unit of work
            continue
        out.append(
            {
                "reference": detail.reference,
                "kind": detail.kind_label,
                "what_you_asked": detail.summary,
                "status": detail.status_label,
                "account": f"{detail.account_label} {detail.account_ref}".strip() or None,
                "sent_at": _iso(detail.created_at),
                "what_you_told_us": [{"label": line.label, "value": line.value} for line in detail.lines],
                "officer": detail.officer_name,
                "updates": [{"at": _iso(u.at), "status": u.status_label, "message": u.note} for u in detail.updates],
            }
        )
    return out


def _joint_answers_section(session: Session, user: PortalUser) -> list:
    rows = session.exec(
        select(JointConsent, MoneyRequest, Account)
        .join(MoneyRequest, MoneyRequest.id == JointConsent.request_id)
        .outerjoin(Account, Account.id == MoneyRequest.account_id)
        .where((JointConsent.user_id == user.id) | (JointConsent.person_id == user.person_id))
        .order_by(JointConsent.asked_at, JointConsent.id)
    ).all()
    return [
        {
            "about": f"A refund from the shared account {account.account_ref}" if account else "A refund",
            "asked_at": _iso(consent.asked_at),
            "your_answer": (consent.answer or "Not answered").capitalize(),
            "answered_at": _iso(consent.answered_at),
        }
        for consent, _request, account in rows
    ]


def _history_section(session: Session, user: PortalUser) -> list:
    return [
        {"at": _iso(line.at), "when": line.when, "what": line.what, "from_address": line.ip, "device": line.device}
        for line in history.sign_in_history(session, user.id, limit=None)
    ]


def _waiting_list_section(session: Session, user: PortalUser) -> list:
    """What this email address left on the waiting list while registration was paused."""
    rows = session.exec(
        select(WaitingListEntry).where(WaitingListEntry.email == user.email).order_by(WaitingListEntry.id)
    ).all()
    return [
        {
            "name": entry.name,
            "tenancy_reference": entry.tenancy_reference,
            "joined_at": _iso(entry.created_at),
            "invited_at": _iso(entry.invited_at),
        }
        for entry in rows
    ]


def _emails_section(session: Session, user: PortalUser) -> list:
    rows = session.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == user.email).order_by(OutboxMessage.id)
    ).all()
    return [
        {
            "subject": m.subject,
            "written_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
            "status": "Sent" if m.sent_at else "Waiting to be sent",
        }
        for m in rows
    ]


def collect(session: Session, user_id: int, *, now: datetime, settings: Settings) -> MyData:
    """Everything the portal holds about this portal account's resident, read now. The
    account comes from the caller's session (``principal.user_id``), never the browser."""
    user = session.get(PortalUser, user_id)
    if user is None:
        raise LookupError("no portal account with that id")
    person = session.get(Person, user.person_id)
    today = uk_today(now)
    accounts = balances.visible_accounts(
        session,
        person_id=user.person_id,
        tenancy_id=user.tenancy_id,
        today=today,
        allow_former=settings.allow_former_tenants,
        roles=settings.eligible_roles,
    )
    tenancy_ids = list(dict.fromkeys([user.tenancy_id, *(a.tenancy_id for a in accounts)]))
    tenancies = [t for t in (session.get(Tenancy, tid) for tid in tenancy_ids) if t is not None]
    sections: dict[str, Any] = {
        "about_this_download": {
            "produced_at": _iso(now),
            "produced_at_uk_time": uk_time_words(now),
            "from": settings.landlord_name,
            "what_it_holds": (
                "Everything this online portal holds about you: your portal account, the details of you, your "
                "tenancies and your accounts that you can see in the portal, your requests, your sign-in history, "
                "your choices and the emails we sent you."
            ),
            "not_included": (
                f"{settings.landlord_name} also keeps records outside the portal (for example letters, notes of "
                f"calls and repairs). To ask for a copy of those, email our data protection officer at "
                f"{settings.data_protection_officer_email}."
            ),
            "times": "Times are UTC, written as in ISO 8601 (2026-11-22T10:42:00+00:00).",
            "format_version": FORMAT_VERSION,
        },
        "your_portal_account": _account_section(session, user),
        "your_choices": _choices_section(user),
        "you_in_our_records": _person_section(person) if person else {},
        "tenancies": [_tenancy_section(session, t, user.person_id, today) for t in tenancies],
        "accounts": _accounts_section(session, accounts, now=now, settings=settings),
        "payments_made_in_the_portal": _payments_section(session, user),
        "payment_plans": _plans_section(session, user),
        "direct_debits": _direct_debits_section(session, user),
        "repairs_you_reported": _repairs_section(session, user),
        "requests": _requests_section(session, user),
        "files_you_sent": _evidence_section(session, user),
        "letters_in_the_portal": _letters_section(session, user, tenancy_ids),
        "transfer_applications": _transfer_section(session, tenancy_ids),
        "email_address_changes": _email_changes_section(session, user),
        "joint_refund_answers": _joint_answers_section(session, user),
        "sign_in_history": _history_section(session, user),
        "waiting_list": _waiting_list_section(session, user),
        "emails_we_sent_you": _emails_section(session, user),
    }
    return MyData(user_id=user.id, produced_at=now, sections=sections)


# ---------------------------------------------------------------------------
# Rendering


def to_json(data: MyData) -> bytes:
    return json.dumps(dict(data.sections), indent=2, ensure_ascii=False).encode("utf-8")


SECTION_TITLES = {
    "about_this_download": "About this download",
    "your_portal_account": "Your portal account",
    "your_choices": "Your choices",
    "you_in_our_records": "You, in our records",
    "tenancies": "Your tenancies",
    "accounts": "Your accounts",
    "payments_made_in_the_portal": "Payments you made in the portal",
    "payment_plans": "Payment plans you proposed",
    "direct_debits": "Direct Debits you set up",
    "repairs_you_reported": "Repairs you reported",
    "requests": "Your requests",
    "files_you_sent": "Files you sent with requests",
    "letters_in_the_portal": "Letters and documents from us in the portal",
    "transfer_applications": "Transfer applications",
    "email_address_changes": "Changes of your sign-in email address",
    "joint_refund_answers": "Your answers about joint refunds",
    "sign_in_history": "Your sign-in history",
    "waiting_list": "The waiting list to register",
    "emails_we_sent_you": "Emails we sent you",
}
_LABELS = {
    "made_at": "Made at",
    "last_signed_in_at": "Last signed in at",
    "signed_in_before_that_at": "Signed in before that at",
    "two_step_sign_in": "Two-step sign-in",
    "from_address": "From (internet address)",
    "named_on_it": "Named on it",
    "you_are": "You are",
    "amount_pence": "Amount (pence)",
}
_NUMERIC = {"amount_pence", "debit", "credit", "balance_after", "amount"}


def _label(key: str) -> str:
    return _LABELS.get(key, key.replace("_", " ").capitalize())


_STYLE = re.sub(
    r"\$([a-z-]+)",
    lambda m: design.colour(m.group(1)),
    """
body{font-family:Arial,Helvetica,sans-serif;color:$text;margin:0;line-height:1.4}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.8rem;margin:.2rem 0 .6rem}h2{font-size:1.4rem;margin:2rem 0 .5rem;border-top:2px solid $border;padding-top:1rem}
h3{font-size:1.15rem;margin:1.2rem 0 .4rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{font-weight:bold}dd{margin:0}.wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:bold;padding:.3rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid $border;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap}
a{color:$brand}a:focus{outline:3px solid $focus;background:$focus;color:$text}
.note{border-left:6px solid $brand;background:$brand-tint;padding:.6rem 1rem}
@media print{main{max-width:none;padding:0}thead{display:table-header-group}h2{break-before:auto}}
""",
)


def _cell(value: Any) -> str:
    e = html.escape
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "<br>".join(e(" ".join(str(v) for v in item.values() if v not in (None, ""))) for item in value)
        return e(", ".join(str(v) for v in value)) or "—"
    if isinstance(value, dict):
        return e(value.get("shown_as") or ", ".join(f"{_label(k)}: {v}" for k, v in value.items()))
    return e(str(value))


def _dl(values: Mapping[str, Any], skip: Sequence[str] = ()) -> str:
    rows = []
    for key, value in values.items():
        if key in skip or (isinstance(value, list) and value and isinstance(value[0], dict)):
            continue
        if isinstance(value, dict) and "in_words" in value:
            shown = f"{html.escape(value['shown_as'])} ({html.escape(value['in_words'])})"
        else:
            shown = _cell(value)
        rows.append(f"<dt>{html.escape(_label(key))}</dt><dd>{shown}</dd>")
    return f"<dl>{''.join(rows)}</dl>" if rows else ""


def _table(caption: str, items: Sequence[Mapping[str, Any]], *, empty: str) -> str:
    if not items:
        return f"<p>{html.escape(empty)}</p>"
    keys = list(dict.fromkeys(k for item in items for k in item))
    heads = "".join(
        f'<th scope="col" class="n">{html.escape(_label(k))}</th>'
        if k in _NUMERIC
        else f'<th scope="col">{html.escape(_label(k))}</th>'
        for k in keys
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_cell(item.get(k))}</td>' if k in _NUMERIC else f"<td>{_cell(item.get(k))}</td>"
            for k in keys
        )
        + "</tr>"
        for item in items
    )
    return (
        f'<div class="wrap" role="region" aria-label="{html.escape(caption)}" tabindex="0"><table>'
        f"<caption>{html.escape(caption)}</caption><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def to_html(data: MyData) -> bytes:
    """One page with its own styles and no scripts: headings for each section, a list for
    single facts, a table (caption, column headers) for lists of things."""
    e = html.escape
    s = data.sections
    about = s["about_this_download"]
    parts = [
        f"<h1>Your data from {e(about['from'])}</h1>",
        f'<p class="note">Produced at {e(about["produced_at_uk_time"])} (UK time). {e(about["what_it_holds"])}</p>',
        f"<p>{e(about['not_included'])}</p>",
    ]
    for key in ("your_portal_account", "your_choices", "you_in_our_records"):
        parts.append(f"<h2>{e(SECTION_TITLES[key])}</h2>{_dl(s[key]) or '<p>None.</p>'}")
    parts.append(f"<h2>{e(SECTION_TITLES['tenancies'])}</h2>")
    for tenancy in s["tenancies"]:
        parts.append(f"<h3>{e(tenancy['kind'])} {e(tenancy['tenancy_reference'])}</h3>{_dl(tenancy)}")
    parts.append(f"<h2>{e(SECTION_TITLES['accounts'])}</h2>")
    if not s["accounts"]:
        parts.append("<p>You cannot see any accounts in the portal at the moment.</p>")
    for account in s["accounts"]:
        title = f"{account['kind']} {account['account_reference']}"
        parts.append(f"<h3>{e(title)}</h3>{_dl(account, skip=('transactions_mean',))}")
        parts.append(_table(f"Charges now on {title}", account["charges_now"], empty="No charges in force."))
        parts.append(
            _table(
                f"Every transaction on {title}, oldest first",
                [{k: v for k, v in line.items() if k != "amount_pence"} for line in account["transactions"]],
                empty="No transactions yet.",
            )
        )
    parts.append(f"<h2>{e(SECTION_TITLES['requests'])}</h2>")
    if not s["requests"]:
        parts.append("<p>You have not sent us any requests.</p>")
    for item in s["requests"]:
        parts.append(f"<h3>{e(item['kind'])}: {e(item['reference'])}</h3>{_dl(item)}")
        told = {line["label"]: line["value"] for line in item["what_you_told_us"]}
        if told:
            parts.append(f"<h4>What you told us</h4>{_dl(told)}")
        parts.append(_table(f"What has happened to {item['reference']}", item["updates"], empty="Nothing yet."))
    for key, empty in (
        ("payments_made_in_the_portal", "You have not made any payments in the portal."),
        ("payment_plans", "You have not proposed a payment plan in the portal."),
        ("direct_debits", "You have not set up a Direct Debit in the portal."),
        ("repairs_you_reported", "You have not reported a repair in the portal."),
        ("files_you_sent", "You have not sent us any files."),
        ("letters_in_the_portal", "We have not put any letters in the portal for you."),
        ("transfer_applications", "We do not hold a transfer application for you."),
        ("email_address_changes", "You have not changed your sign-in email address in the portal."),
        ("joint_refund_answers", "We have not asked you about a joint refund."),
        ("sign_in_history", "Nothing yet."),
        ("waiting_list", "You have not been on the waiting list to register."),
        ("emails_we_sent_you", "We have not emailed you."),
    ):
        rows = s[key]
        if key == "sign_in_history":
            rows = [{k: v for k, v in line.items() if k != "at"} for line in rows]
        parts.append(f"<h2>{e(SECTION_TITLES[key])}</h2>" + _table(SECTION_TITLES[key], rows, empty=empty))
    page = (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Your data from {e(about['from'])}, {e(about['produced_at_uk_time'])}</title>"
        f"<style>{_STYLE}</style></head><body><main>{''.join(parts)}</main></body></html>"
    )
    return page.encode("utf-8")


def file_name(data: MyData, extension: str) -> str:
    return f"my-data-{uk_today(data.produced_at).isoformat()}.{extension}"


__all__ = ["FORMAT_VERSION", "MyData", "SECTION_TITLES", "collect", "file_name", "to_html", "to_json"]
