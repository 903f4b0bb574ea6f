"""The other joint tenant's agreement to a refund from the account they share.

A refund asked for on a joint tenancy is marked ``needs_joint_consent`` when it is made
(``resident.submit_refund``). The other current tenants (or leaseholders) named on the
tenancy are asked when an officer first moves the refund on (``office.update_request``,
or the first try to approve it), not when it is made: the officer checks the account
first, so a refund that will be declined anyway never sends a joint tenant a question,
and nothing is sent on a resident's say-so alone.

How each one is asked (``ask_all``), one ``JointConsent`` row each:

* with an active portal account: in the portal, on their "My requests" page
  (``questions_for``, answered with ``answer_in_portal``: only by that portal user,
  signed in), and emailed that a question is waiting;
* without one, at the email address the landlord's records hold for them: a link with a
  single-use token (stored hashed, ``TOKEN_PURPOSE``), good for ``VALID_DAYS``, to a small
  page of its own (``api/joint_consent.py``: ``question_for_token``, ``answer_by_token``);
* with neither, nobody is asked: the officer gets the answer by phone or letter and
  records it (``office.record_joint_answer``).

An answer is given once (a conditional update on an unanswered row). Approving the
refund is refused until everyone asked has agreed (``summary_for(...).agreed``). Every
answer is in the audit log. No email or page here shows the bank details, and the email
does not name the person who asked (it may reach an old address); the signed-in portal
and the link's page do, by first name, so the joint tenant knows who is asking.
No reflex import; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from portal_app import routes
from portal_app.clock import uk_time_words, uk_today
from portal_app.models import Account, JointConsent, MoneyRequest, Person, PortalUser, TenancyParty
from portal_app.services import audit, tokens
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.money import format_pence
from portal_app.services.requests.common import (
    JOINT_ROLES,
    OPEN_STATUSES,
    REFUND,
    NotYours,
    account_label,
    account_words,
    as_utc,
    settings_or_default,
    text_of,
)
from portal_app.services.validation import normalise_email
from portal_app.settings import Settings

AGREED = "agreed"
REFUSED = "refused"
ANSWERS = (AGREED, REFUSED)
ANSWER_LABELS = {AGREED: "Agreed", REFUSED: "Does not agree"}
VALID_DAYS = 28
TOKEN_PURPOSE = "joint-consent"
MAIL_ASKED = "joint_consent_asked"  # OutboxMessage.kind

PORTAL = "portal"
EMAIL = "email"
NOT_ASKED = "not_asked"
HOW_LABELS = {
    PORTAL: "Asked in the portal",
    EMAIL: "Asked by email",
    NOT_ASKED: "Not asked: no portal account and no email address in our records. Ask them by phone or letter",
}


@dataclass(frozen=True)
class ConsentLine:
    """One joint tenant's answer, as the officer sees it."""

    consent_id: int
    name: str
    how: str  # portal | email | not_asked
    how_label: str
    asked_words: str
    answer: str  # "" | agreed | refused
    answer_label: str  # "Not answered yet" | "Agreed" | "Does not agree"
    answered_words: str


@dataclass(frozen=True)
class ConsentSummary:
    needed: bool  # a refund on a joint tenancy
    asked: bool  # the other tenants have been asked
    agreed: bool  # nothing stands in the way of approving (not needed, or everyone asked agreed)
    refused: bool  # someone does not agree
    words: str  # the state in one sentence, for the request page
    lines: tuple[ConsentLine, ...] = ()


@dataclass(frozen=True)
class ConsentQuestion:
    """What the other tenant is asked, in the portal or on the link's page."""

    consent_id: int
    reference: str
    question: str  # "Tomasz asked for a refund of £40.00 from your joint rent account ending 0042."
    asked_words: str


# ---------------------------------------------------------------------------
# Asking
# ---------------------------------------------------------------------------


def _account(session: Session, request: MoneyRequest) -> Account | None:
    return session.get(Account, request.account_id) if request.account_id is not None else None


def other_joint_tenants(session: Session, request: MoneyRequest, today: date) -> list[Person]:
    """The people named on the refund's tenancy today as tenants or leaseholders, other than
    the one who asked."""
    account = _account(session, request)
    if account is None:
        return []
    parties = session.exec(
        select(TenancyParty)
        .where(
            TenancyParty.tenancy_id == account.tenancy_id,
            TenancyParty.person_id != request.person_id,
            TenancyParty.role.in_(JOINT_ROLES),
        )
        .order_by(TenancyParty.id)
    ).all()
    people = [session.get(Person, p.person_id) for p in parties if p.is_current(today)]
    return [p for p in people if p is not None]


def _portal_user(session: Session, person: Person, tenancy_id: int) -> PortalUser | None:
    users = session.exec(
        select(PortalUser)
        .where(PortalUser.person_id == person.id, PortalUser.status == "active")
        .order_by(PortalUser.id)
    ).all()
    return next((u for u in users if u.tenancy_id == tenancy_id), users[0] if users else None)


def _what(session: Session, request: MoneyRequest, *, named: bool) -> str:
    account = _account(session, request)
    amount = format_pence(request.amount_pence or 0)
    if named:
        asker = session.get(Person, request.person_id)
        label = account_label(account).lower() if account is not None else "account"
        ending = f" ending {account.account_ref[-4:]}" if account is not None and len(account.account_ref) > 4 else ""
        return f"{asker.first_name} asked for a refund of {amount} from your joint {label}{ending}."
    where = account_words(account) if account is not None else "your account"
    return f"Another person named on your tenancy has asked for a refund of {amount} from {where}."


def ask_all(session: Session, request: MoneyRequest, *, now: datetime, settings: Settings | None = None) -> int:
    """Ask every other current joint tenant, once (nothing if they have been asked already,
    or the request needs no agreement). Returns how many were asked (portal or email)."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    if not request.needs_joint_consent or request.kind != REFUND:
        return 0
    asked_before = session.exec(select(JointConsent.id).where(JointConsent.request_id == request.id)).first()
    if asked_before is not None:
        return 0
    account = _account(session, request)
    asked = 0
    for person in other_joint_tenants(session, request, uk_today(now)):
        user = _portal_user(session, person, account.tenancy_id)
        row = JointConsent(request_id=request.id, person_id=person.id, asked_at=now)
        if user is not None:
            row.user_id = user.id
            mail = mail_templates.joint_consent_in_portal(what=_what(session, request, named=False), settings=settings)
            queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=MAIL_ASKED, now=now)
            how = PORTAL
        elif (address := normalise_email(person.email or "")) is not None:
            token = tokens.new_token()
            row.email = address
            row.token_hash = tokens.hash_token(token, purpose=TOKEN_PURPOSE)
            mail = mail_templates.joint_consent_by_email(
                what=_what(session, request, named=False),
                link=f"{settings.base_url}{routes.joint_consent_link(token)}",
                valid_days=VALID_DAYS,
                settings=settings,
            )
            queue_mail(session, to=address, subject=mail.subject, body=mail.body, kind=MAIL_ASKED, now=now)
            how = EMAIL
        else:
            how = NOT_ASKED
        session.add(row)
        session.flush()
        asked += how != NOT_ASKED
        audit.record(
            session,
            action=audit.JOINT_CONSENT_ASKED,
            actor_kind=audit.SYSTEM,
            actor_label="requests queue",
            subject_user_id=request.user_id,
            target=request.reference,
            detail={"how": how, "joint_person_id": person.id},
            now=now,
        )
    return asked


# ---------------------------------------------------------------------------
# What the officer sees
# ---------------------------------------------------------------------------


def _how(row: JointConsent) -> str:
    if row.user_id is not None:
        return PORTAL
    if row.email:
        return EMAIL
    return NOT_ASKED


def _line(session: Session, row: JointConsent) -> ConsentLine:
    person = session.get(Person, row.person_id)
    how = _how(row)
    return ConsentLine(
        consent_id=row.id,
        name=f"{person.first_name} {person.last_name}" if person else "",
        how=how,
        how_label=HOW_LABELS[how],
        asked_words=uk_time_words(row.asked_at),
        answer=row.answer or "",
        answer_label=ANSWER_LABELS.get(row.answer or "", "Not answered yet"),
        answered_words=uk_time_words(row.answered_at) if row.answered_at else "",
    )


def summary_for(session: Session, request: MoneyRequest, today: date) -> ConsentSummary:
    """Whether the joint tenants' agreement stands in the way of approving this refund."""
    if not request.needs_joint_consent or request.kind != REFUND:
        return ConsentSummary(False, False, True, False, "")
    rows = session.exec(
        select(JointConsent).where(JointConsent.request_id == request.id).order_by(JointConsent.id)
    ).all()
    lines = tuple(_line(session, r) for r in rows)
    if not rows:
        if not other_joint_tenants(session, request, today):
            return ConsentSummary(
                True, False, True, False, "Nobody else is named on the tenancy now, so no one else needs to agree."
            )
        return ConsentSummary(
            True,
            False,
            False,
            False,
            "The other joint tenant has not been asked yet: they are asked when you first move this refund on.",
        )
    refused = any(r.answer == REFUSED for r in rows)
    agreed = all(r.answer == AGREED for r in rows)
    if refused:
        words = "The other joint tenant does not agree to this refund. Decline it, saying why, or talk to them first."
    elif agreed:
        words = "The other joint tenant agrees to this refund."
    else:
        words = "Waiting for the other joint tenant to agree. You can approve the refund once they have."
    return ConsentSummary(True, True, agreed, refused, words, lines)


def record_answer(session: Session, row: JointConsent, answer: str, *, now: datetime) -> bool:
    """Write an answer once: False when it had been answered already."""
    moved = session.execute(
        update(JointConsent)
        .where(JointConsent.id == row.id, JointConsent.answer.is_(None))
        .values(answer=answer, answered_at=as_utc(now), token_hash=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(row)
    return moved.rowcount == 1


# ---------------------------------------------------------------------------
# The joint tenant answers: in the portal ...
# ---------------------------------------------------------------------------


def _open_refund(session: Session, row: JointConsent) -> MoneyRequest | None:
    request = session.get(MoneyRequest, row.request_id)
    if request is None or request.status not in OPEN_STATUSES or not request.needs_joint_consent:
        return None
    return request


def _question(session: Session, row: JointConsent, request: MoneyRequest) -> ConsentQuestion:
    return ConsentQuestion(
        consent_id=row.id,
        reference=request.reference,
        question=_what(session, request, named=True),
        asked_words=uk_time_words(row.asked_at),
    )


def questions_for(session: Session, user_id: int) -> list[ConsentQuestion]:
    """The refunds this signed-in resident is asked to agree to, oldest first."""
    user = session.get(PortalUser, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None or user.status != "active":
        return []
    rows = session.exec(
        select(JointConsent)
        .where(JointConsent.user_id == user.id, JointConsent.person_id == user.person_id, JointConsent.answer.is_(None))
        .order_by(JointConsent.asked_at, JointConsent.id)
    ).all()
    found = []
    for row in rows:
        request = _open_refund(session, row)
        if request is not None:
            found.append(_question(session, row, request))
    return found


def _consent_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = text_of(value).strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


def answer_in_portal(session: Session, *, user_id: int, consent_id: object, answer: object, now: datetime) -> str:
    """The signed-in resident answers a question put to them. Returns "agreed" or
    "refused" as recorded, or "" when it had already been answered or the refund is no
    longer open. Raises NotYours for a question that is not theirs (or no such question),
    and ValueError for an answer that is neither."""
    wanted = _consent_id(consent_id)
    row = session.get(JointConsent, wanted) if wanted is not None else None
    user = session.get(PortalUser, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if row is None or user is None or user.status != "active" or row.user_id != user.id:
        raise NotYours("not a question put to this resident")
    if row.person_id != user.person_id:
        raise NotYours("not a question put to this resident")
    value = text_of(answer)
    if value not in ANSWERS:
        raise ValueError("answer must be agreed or refused")
    request = _open_refund(session, row)
    if request is None or not record_answer(session, row, value, now=now):
        return ""
    audit.record(
        session,
        action=audit.JOINT_CONSENT_ANSWERED,
        actor_kind=audit.RESIDENT,
        actor_id=user.id,
        actor_label=user.email,
        subject_user_id=request.user_id,
        target=request.reference,
        detail={"answer": value, "how": PORTAL},
        now=as_utc(now),
    )
    return value


# ---------------------------------------------------------------------------
# ... or through the emailed link
# ---------------------------------------------------------------------------


def _by_token(session: Session, token: object, now: datetime) -> tuple[JointConsent, MoneyRequest] | None:
    value = text_of(token).strip()
    if not value or len(value) > 200:
        return None
    row = session.exec(
        select(JointConsent).where(JointConsent.token_hash == tokens.hash_token(value, purpose=TOKEN_PURPOSE))
    ).first()
    if row is None or row.answer is not None:
        return None
    if as_utc(now) >= as_utc(row.asked_at) + timedelta(days=VALID_DAYS):
        return None
    request = _open_refund(session, row)
    return (row, request) if request is not None else None


def question_for_token(session: Session, token: object, *, now: datetime) -> ConsentQuestion | None:
    """The question behind an emailed link, or None (unknown, used, too old, or the refund
    is closed): the same answer for each, so links cannot be probed."""
    found = _by_token(session, token, now)
    return _question(session, *found) if found is not None else None


def answer_by_token(session: Session, token: object, answer: object, *, now: datetime) -> str:
    """Answer through the emailed link: "agreed" or "refused" as recorded, "" when the
    link no longer works. The link works once. Raises ValueError for an answer that is neither."""
    value = text_of(answer)
    if value not in ANSWERS:
        raise ValueError("answer must be agreed or refused")
    found = _by_token(session, token, now)
    if found is None:
        return ""
    row, request = found
    if not record_answer(session, row, value, now=now):
        return ""
    audit.record(
        session,
        action=audit.JOINT_CONSENT_ANSWERED,
        actor_kind=audit.ANONYMOUS,
        actor_label="joint tenant, through the emailed link",
        subject_user_id=request.user_id,
        target=request.reference,
        detail={"answer": value, "how": EMAIL, "joint_person_id": row.person_id},
        now=as_utc(now),
    )
    return value


__all__ = [
    "AGREED",
    "ANSWERS",
    "ANSWER_LABELS",
    "ConsentLine",
    "ConsentQuestion",
    "ConsentSummary",
    "EMAIL",
    "NOT_ASKED",
    "PORTAL",
    "REFUSED",
    "TOKEN_PURPOSE",
    "VALID_DAYS",
    "answer_by_token",
    "answer_in_portal",
    "ask_all",
    "other_joint_tenants",
    "question_for_token",
    "questions_for",
    "record_answer",
    "summary_for",
]
