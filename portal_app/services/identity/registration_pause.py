"""Pausing new registrations, and the waiting list kept while they are paused (seed 003:
"we are not currently accepting any new sign-ups ... we will keep a log of their details").

The rules:

* An administrator pauses with a message the registration page shows; at most one pause
  is in force at a time (a partial unique index backs the check, migration 0008_admin).
* While paused, every step of registration that would create an attempt, send a code or
  make a portal account refuses (``refuse_if_paused``, called by
  ``services/identity/registration.py`` itself, so a handler called directly is refused
  too). Residents who already have an account sign in as usual.
* Anyone may leave a name, tenancy reference and email on the waiting list; one entry per
  email address per pause, and the answer is the same whether or not the address was
  already on it (so the page tells nobody who else is waiting). The first time, a
  confirmation email goes to the address. Joins are counted per client address, so a
  script cannot fill the list (or other people's inboxes) from one place.
* On resume, every entry not yet invited is emailed an invitation exactly once: each
  entry is claimed with ``UPDATE ... SET invited_at WHERE invited_at IS NULL`` in the
  transaction that queues its email, so resuming twice (or two administrators at once)
  never mails anyone twice.
* Pausing and resuming are audited (``registration_paused``, ``registration_resumed``),
  and so is an administrator's look at the waiting list (it holds people's details).

Nothing here commits; ``now`` is aware UTC. No reflex import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select, update

from portal_app.models import RegistrationPause, StaffMember, WaitingListEntry
from portal_app.services import audit, throttle
from portal_app.services.audit import StaffActor
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.validation import EMAIL_MAX_LENGTH, REFERENCE_MAX_LENGTH, normalise_email, normalise_reference
from portal_app.settings import Settings, get_settings

MESSAGE_MAX_LENGTH = 1000
NAME_MAX_LENGTH = 200
# Joins from one client address in an hour before it must wait (a household, an office
# helping several residents: well below; a script filling the list: far above).
JOINS_PER_ADDRESS_PER_HOUR = 20

REGISTRATION_PAUSED = "registration_paused"
REGISTRATION_RESUMED = "registration_resumed"
WAITING_LIST_VIEWED = "waiting_list_viewed"
audit.ACTION_LABELS.setdefault(REGISTRATION_PAUSED, "Paused new registrations")
audit.ACTION_LABELS.setdefault(REGISTRATION_RESUMED, "Resumed new registrations")
audit.ACTION_LABELS.setdefault(WAITING_LIST_VIEWED, "Viewed the registration waiting list")

KIND_WAITING_CONFIRMED = "waiting_list_joined"
KIND_WAITING_INVITED = "waiting_list_invited"


@dataclass(frozen=True)
class PauseNotice:
    """The pause in force, as the registration page shows it."""

    pause_id: int
    message: str
    paused_at: datetime


class RegistrationPaused(Exception):
    """Registration is paused: the step asked for was not taken and nothing was written."""

    def __init__(self, notice: PauseNotice):
        super().__init__(notice.message)
        self.notice = notice


@dataclass(frozen=True)
class WaitingEntry:
    id: int
    name: str
    tenancy_reference: str
    email: str
    created_at: datetime
    invited_at: datetime | None


@dataclass(frozen=True)
class RegistrationOverview:
    """What the back office's registration page shows."""

    pause: PauseNotice | None
    paused_by: str
    waiting: tuple[WaitingEntry, ...]  # newest first, those not yet invited
    waiting_count: int
    invited_count: int  # everyone ever invited from the list


@dataclass(frozen=True)
class PauseOutcome:
    ok: bool
    errors: dict[str, str]
    notice: PauseNotice | None = None


@dataclass(frozen=True)
class ResumeOutcome:
    resumed: bool  # False: registration was not paused (someone resumed it already)
    invited: int  # invitations queued by this resume


@dataclass(frozen=True)
class WaitingDetails:
    name: str
    tenancy_reference: str
    email: str


@dataclass(frozen=True)
class JoinOutcome:
    status: str  # joined (the same answer when already on the list) | not_paused | wait
    retry_after_seconds: int = 0


# --- the pause in force ------------------------------------------------------------------


def current_pause(session: Session) -> PauseNotice | None:
    """The pause in force, or None when anyone may register."""
    row = session.exec(
        select(RegistrationPause).where(col(RegistrationPause.resumed_at).is_(None)).order_by(RegistrationPause.id)
    ).first()
    if row is None:
        return None
    return PauseNotice(pause_id=row.id, message=row.message, paused_at=row.paused_at)


def refuse_if_paused(session: Session) -> None:
    """Raise ``RegistrationPaused`` while registration is paused (the registration service
    calls this first in every step, before it writes anything)."""
    notice = current_pause(session)
    if notice is not None:
        raise RegistrationPaused(notice)


# --- what administrators do --------------------------------------------------------------


def pause(session: Session, actor: StaffActor, message: str, *, now: datetime) -> PauseOutcome:
    """Pause new registrations with ``message`` for the registration page."""
    text = (message or "").strip() if isinstance(message, str) else ""
    if not text:
        return PauseOutcome(False, {"message": "Enter the message people will see on the registration page"})
    if len(text) > MESSAGE_MAX_LENGTH:
        return PauseOutcome(False, {"message": f"The message must be {MESSAGE_MAX_LENGTH} characters or fewer"})
    if current_pause(session) is not None:
        return PauseOutcome(False, {"message": "Registration is already paused"})
    row = RegistrationPause(message=text, paused_at=now, paused_by_staff_id=actor.staff_id)
    try:
        with session.begin_nested():  # two administrators at the same moment: the index lets one in
            session.add(row)
            session.flush()
    except IntegrityError:
        return PauseOutcome(False, {"message": "Registration is already paused"})
    audit.record(
        session,
        action=REGISTRATION_PAUSED,
        actor_kind=audit.STAFF,
        actor_id=actor.staff_id,
        actor_label=actor.name,
        target=f"pause {row.id}",
        detail={"message": text[:200]},
        client_ip=actor.client_ip,
        now=now,
    )
    return PauseOutcome(True, {}, PauseNotice(row.id, row.message, row.paused_at))


def resume(session: Session, actor: StaffActor, *, now: datetime, settings: Settings | None = None) -> ResumeOutcome:
    """End the pause in force and invite, once, everyone on the list not yet invited."""
    settings = settings or get_settings()
    notice = current_pause(session)
    if notice is None:
        return ResumeOutcome(False, 0)
    ended = session.exec(
        update(RegistrationPause)
        .where(RegistrationPause.id == notice.pause_id, col(RegistrationPause.resumed_at).is_(None))
        .values(resumed_at=now, resumed_by_staff_id=actor.staff_id)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:  # another administrator resumed it a moment ago
        return ResumeOutcome(False, 0)
    invited = invite_waiting(session, now=now, settings=settings)
    audit.record(
        session,
        action=REGISTRATION_RESUMED,
        actor_kind=audit.STAFF,
        actor_id=actor.staff_id,
        actor_label=actor.name,
        target=f"pause {notice.pause_id}",
        detail={"invited": invited},
        client_ip=actor.client_ip,
        now=now,
    )
    return ResumeOutcome(True, invited)


def invite_waiting(session: Session, *, now: datetime, settings: Settings | None = None) -> int:
    """Email an invitation to each waiting-list entry not yet invited; how many were sent.

    Each entry is claimed by an atomic UPDATE before its email is queued, in this one
    transaction: an entry another transaction claimed first is skipped, so nobody is
    invited twice however often (or however concurrently) this runs."""
    settings = settings or get_settings()
    waiting = session.exec(
        select(WaitingListEntry.id, WaitingListEntry.email)
        .where(col(WaitingListEntry.invited_at).is_(None))
        .order_by(WaitingListEntry.id)
    ).all()
    mail = mail_templates.registration_open_again(settings=settings)
    sent = 0
    for entry_id, email in waiting:
        claimed = session.exec(
            update(WaitingListEntry)
            .where(WaitingListEntry.id == entry_id, col(WaitingListEntry.invited_at).is_(None))
            .values(invited_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        queue_mail(session, to=email, subject=mail.subject, body=mail.body, kind=KIND_WAITING_INVITED, now=now)
        sent += 1
    return sent


def overview(session: Session, actor: StaffActor, *, now: datetime, limit: int = 500) -> RegistrationOverview:
    """The state of registration and the waiting list (the look is audited)."""
    notice = current_pause(session)
    paused_by = ""
    if notice is not None:
        row = session.get(RegistrationPause, notice.pause_id)
        member = session.get(StaffMember, row.paused_by_staff_id) if row else None
        paused_by = member.name if member else ""
    rows = session.exec(
        select(WaitingListEntry)
        .where(col(WaitingListEntry.invited_at).is_(None))
        .order_by(col(WaitingListEntry.created_at).desc(), col(WaitingListEntry.id).desc())
        .limit(limit)
    ).all()
    waiting_count = session.exec(
        select(func.count()).select_from(WaitingListEntry).where(col(WaitingListEntry.invited_at).is_(None))
    ).one()
    invited_count = session.exec(
        select(func.count()).select_from(WaitingListEntry).where(col(WaitingListEntry.invited_at).is_not(None))
    ).one()
    audit.record(
        session,
        action=WAITING_LIST_VIEWED,
        actor_kind=audit.STAFF,
        actor_id=actor.staff_id,
        actor_label=actor.name,
        detail={"waiting": int(waiting_count)},
        client_ip=actor.client_ip,
        now=now,
    )
    return RegistrationOverview(
        pause=notice,
        paused_by=paused_by,
        waiting=tuple(
            WaitingEntry(r.id, r.name, r.tenancy_reference, r.email, r.created_at, r.invited_at) for r in rows
        ),
        waiting_count=int(waiting_count),
        invited_count=int(invited_count),
    )


# --- the waiting list, for people who wanted to register ---------------------------------


def parse_waiting_list(raw: Mapping[str, str]) -> tuple[WaitingDetails | None, dict[str, str]]:
    """Check the waiting-list form; (details, {}) or (None, {field: message}) in page order."""

    def text(name: str) -> str:
        value = raw.get(name)
        return value.strip() if isinstance(value, str) else ""

    errors: dict[str, str] = {}
    name = " ".join(text("name").split())
    if not name:
        errors["name"] = "Enter your full name"
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Your name must be {NAME_MAX_LENGTH} characters or fewer"
    reference = normalise_reference(text("tenancy_reference"))
    if not reference:
        errors["tenancy_reference"] = "Enter your tenancy reference or service charge account number"
    elif len(reference) > REFERENCE_MAX_LENGTH:
        errors["tenancy_reference"] = (
            f"Tenancy reference or service charge account number must be {REFERENCE_MAX_LENGTH} characters or fewer"
        )
    email_raw = text("email")
    email = normalise_email(email_raw)
    if not email_raw:
        errors["email"] = "Enter your email address"
    elif len(email_raw) > EMAIL_MAX_LENGTH:
        errors["email"] = f"Email address must be {EMAIL_MAX_LENGTH} characters or fewer"
    elif email is None:
        errors["email"] = "Enter an email address in the correct format, like name@example.com"
    if errors:
        return None, errors
    assert email is not None
    return WaitingDetails(name=name, tenancy_reference=reference, email=email), {}


def _join_key(client_ip: str | None) -> str:
    return f"waiting-list:{throttle.digest(throttle.client_address(client_ip), purpose='address')}"


def join_waiting_list(
    session: Session, details: WaitingDetails, *, client_ip: str | None, now: datetime, settings: Settings | None = None
) -> JoinOutcome:
    """Add someone to the waiting list of the pause in force and email them once."""
    settings = settings or get_settings()
    notice = current_pause(session)
    if notice is None:
        return JoinOutcome("not_paused")
    key = _join_key(client_ip)
    if throttle.hits_since(session, key, now, timedelta(hours=1)) >= JOINS_PER_ADDRESS_PER_HOUR:
        return JoinOutcome("wait", retry_after_seconds=3600)
    throttle.record_hit(session, key, now)
    already = session.exec(
        select(WaitingListEntry.id).where(
            WaitingListEntry.pause_id == notice.pause_id, WaitingListEntry.email == details.email
        )
    ).first()
    if already is not None:
        return JoinOutcome("joined")  # the same answer: the page says nothing about who is waiting
    entry = WaitingListEntry(
        name=details.name[:NAME_MAX_LENGTH],
        tenancy_reference=details.tenancy_reference,
        email=details.email,
        pause_id=notice.pause_id,
        created_at=now,
    )
    try:
        with session.begin_nested():  # the same address twice at the same moment: one entry
            session.add(entry)
            session.flush()
    except IntegrityError:
        return JoinOutcome("joined")
    mail = mail_templates.waiting_list_joined(settings=settings)
    queue_mail(session, to=details.email, subject=mail.subject, body=mail.body, kind=KIND_WAITING_CONFIRMED, now=now)
    return JoinOutcome("joined")


__all__ = [
    "JoinOutcome",
    "PauseNotice",
    "PauseOutcome",
    "RegistrationOverview",
    "RegistrationPaused",
    "ResumeOutcome",
    "WaitingDetails",
    "WaitingEntry",
    "current_pause",
    "invite_waiting",
    "join_waiting_list",
    "overview",
    "parse_waiting_list",
    "pause",
    "refuse_if_paused",
    "resume",
]
