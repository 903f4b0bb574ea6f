"""Staff accounts in the back office (issue 12 section 1, "and by administrators in the back
office"): the list, a new account, a role changed, an account disabled or re-enabled, and a
new member of staff's own set-up from the emailed link.

The rules:

* A new account signs in with a password and an authenticator app, or through the
  landlord's single sign-on (matched on the provider's subject id, never the email:
  ``accounts.create_staff``). With a password and app, the administrator never sees or
  sets the password: the new member of staff gets a single-use set-up link by email
  (``SETUP_VALID``, 72 hours), chooses a password and adds the app there, and proves it
  with a code. The code's time step is kept, so the same code cannot then sign in.
* An administrator cannot disable themself or take away their own administrator role,
  and nobody can disable or demote the last active administrator (the back office would
  have nobody to run it). The administrators' rows are locked while that is decided, so
  two administrators demoting each other at once cannot both succeed.
* Disabling an account, or changing its role, ends every session it has
  (``sessions.end_all``): the next click signs them out.
* Every change is audited with who made it; no password, code or token reaches the log.

Nothing here commits; ``now`` is aware UTC. No reflex import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import InvalidToken
from sqlmodel import Session, col, select

from portal_app import routes
from portal_app.models import Officer, StaffMember
from portal_app.services import audit, roles, tokens
from portal_app.services.audit import StaffActor
from portal_app.services.identity import passwords, two_step
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.staff import accounts, sessions
from portal_app.services.validation import EMAIL_MAX_LENGTH, normalise_email
from portal_app.settings import Settings, get_settings

PASSWORD_AND_APP = "password_app"
SINGLE_SIGN_ON = "sso"
METHOD_LABELS = {PASSWORD_AND_APP: "Password and authenticator app", SINGLE_SIGN_ON: "Single sign-on"}
KIND_SET_UP_LINK = "staff_set_up_link"

STAFF_CREATED = "staff_created"
STAFF_ROLE_CHANGED = "staff_role_changed"
STAFF_DISABLED = "staff_disabled"
STAFF_ENABLED = "staff_enabled"
STAFF_SET_UP = "staff_set_up"
STAFF_SET_UP_AGAIN = "staff_set_up_again"
for _action, _label in (
    (STAFF_SET_UP_AGAIN, "Sent a new set-up link (the old password and app stopped working)"),
    (STAFF_CREATED, "Created a staff account"),
    (STAFF_ROLE_CHANGED, "Changed a staff member's role"),
    (STAFF_DISABLED, "Disabled a staff account"),
    (STAFF_ENABLED, "Re-enabled a staff account"),
    (STAFF_SET_UP, "Set up their staff account from the emailed link"),
):
    audit.ACTION_LABELS.setdefault(_action, _label)


@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str
    email: str
    role: str
    role_label: str
    method: str  # in words
    set_up: bool  # False: the set-up link has not been used yet
    status: str  # active | disabled
    last_sign_in_at: datetime | None
    officer_ref: str | None


@dataclass(frozen=True)
class NewMember:
    name: str
    email: str
    role: str
    officer_ref: str
    method: str
    sso_subject: str


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str = ""  # for the page: what happened, or why nothing did
    errors: dict[str, str] | None = None
    staff_id: int | None = None


@dataclass(frozen=True)
class SetUpView:
    name: str
    email: str


@dataclass(frozen=True)
class SetUpKey:
    name: str  # whose account it is, to welcome them
    qr_svg: str
    grouped_secret: str


# --- the list ---------------------------------------------------------------------------


def team(session: Session) -> list[TeamRow]:
    rows = session.exec(select(StaffMember).order_by(col(StaffMember.name), col(StaffMember.id))).all()
    officers = {o.id: o.officer_ref for o in session.exec(select(Officer)).all()} if rows else {}
    found: list[TeamRow] = []
    for m in rows:
        sso = bool(m.oidc_subject)
        found.append(
            TeamRow(
                id=m.id,
                name=m.name,
                email=m.email,
                role=m.role,
                role_label=roles.role_label(m.role),
                method=METHOD_LABELS[SINGLE_SIGN_ON if sso else PASSWORD_AND_APP],
                set_up=sso or bool(m.password_hash and m.totp_secret_enc and not m.setup_token_hash),
                status=m.status,
                last_sign_in_at=m.last_sign_in_at,
                officer_ref=officers.get(m.officer_id) if m.officer_id else None,
            )
        )
    return found


# --- a new member of staff --------------------------------------------------------------


def parse_new_member(raw: Mapping[str, str]) -> tuple[NewMember | None, dict[str, str]]:
    def text(name: str) -> str:
        value = raw.get(name)
        return value.strip() if isinstance(value, str) else ""

    errors: dict[str, str] = {}
    name = " ".join(text("name").split())
    if not name:
        errors["name"] = "Enter the member of staff's full name"
    elif len(name) > 200:
        errors["name"] = "The name must be 200 characters or fewer"
    email_raw = text("email")
    email = normalise_email(email_raw)
    if not email_raw:
        errors["email"] = "Enter their work email address"
    elif len(email_raw) > EMAIL_MAX_LENGTH or email is None:
        errors["email"] = "Enter an email address in the correct format, like name@example.com"
    role = text("role")
    if role not in roles.ROLES:
        errors["role"] = "Choose a role"
    officer_ref = text("officer_ref")
    if len(officer_ref) > 64:
        errors["officer_ref"] = "The officer reference must be 64 characters or fewer"
    method = text("method")
    subject = text("sso_subject")
    if method not in METHOD_LABELS:
        errors["method"] = "Choose how they will sign in"
    elif method == SINGLE_SIGN_ON and not subject:
        errors["sso_subject"] = "Enter their subject id from the identity provider"
    elif len(subject) > 255:
        errors["sso_subject"] = "The subject id must be 255 characters or fewer"
    if errors:
        return None, errors
    assert email is not None
    return NewMember(name, email, role, officer_ref, method, subject if method == SINGLE_SIGN_ON else ""), {}


def _field_for(message: str) -> str:
    lowered = message.lower()
    if "email" in lowered:
        return "email"
    if "officer" in lowered:
        return "officer_ref"
    if "single sign-on" in lowered:
        return "sso_subject"
    return "name"


def add_member(
    session: Session, actor: StaffActor, details: NewMember, *, now: datetime, settings: Settings | None = None
) -> Outcome:
    """Make the account; with a password and app, email its single-use set-up link."""
    settings = settings or get_settings()
    sso = details.method == SINGLE_SIGN_ON
    if sso and not settings.oidc_issuer:
        return Outcome(False, errors={"method": "Single sign-on is not set up for the back office (OIDC_ISSUER)"})
    try:
        made = accounts.create_staff(
            session,
            email=details.email,
            name=details.name,
            role=details.role,
            now=now,
            officer_ref=details.officer_ref or None,
            oidc_issuer=settings.oidc_issuer if sso else None,
            oidc_subject=details.sso_subject if sso else None,
            created_by_staff_id=actor.staff_id,
        )
    except accounts.StaffAccountError as problem:
        return Outcome(False, errors={_field_for(str(problem)): str(problem)})
    if made.setup_token:
        link = f"{settings.base_url}{routes.staff_set_up_link(made.setup_token)}"
        mail = mail_templates.staff_set_up_link(
            link=link,
            valid_hours=int(accounts.SETUP_VALID.total_seconds() // 3600),
            created_by=actor.name,
            settings=settings,
        )
        queue_mail(session, to=made.staff.email, subject=mail.subject, body=mail.body, kind=KIND_SET_UP_LINK, now=now)
    audit.record(
        session,
        action=STAFF_CREATED,
        actor_kind=audit.STAFF,
        actor_id=actor.staff_id,
        actor_label=actor.name,
        target=made.staff.email,
        detail={"role": details.role, "method": details.method, "officer": details.officer_ref or None},
        client_ip=actor.client_ip,
        now=now,
    )
    words = (
        f"We have emailed {made.staff.email} a link to set up their account. It works once, for 72 hours."
        if made.setup_token
        else f"{made.staff.name} can now sign in with single sign-on."
    )
    return Outcome(True, message=f"Account made for {made.staff.name}. {words}", staff_id=made.staff.id)


# --- changing an account ----------------------------------------------------------------


def _member(session: Session, staff_id: object) -> StaffMember | None:
    if isinstance(staff_id, str) and staff_id.isdigit():
        staff_id = int(staff_id)
    if not isinstance(staff_id, int) or isinstance(staff_id, bool):
        return None
    return session.get(StaffMember, staff_id)


def _other_active_administrators(session: Session, staff_id: int) -> int:
    """Active administrators other than ``staff_id``, their rows locked (PostgreSQL) until commit."""
    found = session.exec(
        select(StaffMember.id)
        .where(StaffMember.role == roles.ADMINISTRATOR, StaffMember.status == "active")
        .with_for_update()
    ).all()
    return len([i for i in found if i != staff_id])


def _record(session: Session, actor: StaffActor, action: str, member: StaffMember, now: datetime, **detail) -> None:
    audit.record(
        session,
        action=action,
        actor_kind=audit.STAFF,
        actor_id=actor.staff_id,
        actor_label=actor.name,
        target=member.email,
        detail=detail,
        client_ip=actor.client_ip,
        now=now,
    )


def change_role(session: Session, actor: StaffActor, staff_id: object, role: str, *, now: datetime) -> Outcome:
    member = _member(session, staff_id)
    if member is None:
        return Outcome(False, "There is no such staff account.")
    if role not in roles.ROLES:
        return Outcome(False, "Choose a role from the list.")
    if role == member.role:
        return Outcome(True, f"{member.name} is already {roles.role_label(role).lower()}: nothing was changed.")
    if member.role == roles.ADMINISTRATOR:
        if member.id == actor.staff_id:
            return Outcome(False, "You cannot take away your own administrator role. Ask another administrator.")
        if member.status == "active" and _other_active_administrators(session, member.id) == 0:
            return Outcome(False, f"{member.name} is the last administrator, so they must stay one.")
    before = member.role
    member.role = role
    session.add(member)
    session.flush()
    sessions.end_all(session, member.id, reason="role_changed", now=now)
    _record(session, actor, STAFF_ROLE_CHANGED, member, now, before=before, after=role)
    return Outcome(True, f"{member.name} is now {roles.role_label(role).lower()}. They must sign in again.")


def set_disabled(session: Session, actor: StaffActor, staff_id: object, disabled: bool, *, now: datetime) -> Outcome:
    member = _member(session, staff_id)
    if member is None:
        return Outcome(False, "There is no such staff account.")
    if disabled:
        if member.id == actor.staff_id:
            return Outcome(False, "You cannot disable your own account. Ask another administrator.")
        if member.status != "active":
            return Outcome(True, f"{member.name}'s account was already disabled: nothing was changed.")
        if member.role == roles.ADMINISTRATOR and _other_active_administrators(session, member.id) == 0:
            return Outcome(False, f"{member.name} is the last administrator, so their account must stay open.")
        member.status, member.disabled_at = "disabled", now
        session.add(member)
        session.flush()
        sessions.end_all(session, member.id, reason="disabled", now=now)
        _record(session, actor, STAFF_DISABLED, member, now)
        return Outcome(True, f"{member.name}'s account is disabled and they have been signed out.")
    if member.status == "active":
        return Outcome(True, f"{member.name}'s account was already open: nothing was changed.")
    member.status, member.disabled_at = "active", None
    session.add(member)
    session.flush()
    _record(session, actor, STAFF_ENABLED, member, now)
    return Outcome(True, f"{member.name}'s account is open again.")


def send_new_set_up_link(
    session: Session, actor: StaffActor, staff_id: object, *, now: datetime, settings: Settings | None = None
) -> Outcome:
    """A member of staff lost their authenticator app or forgot their password: their
    password and app key stop working at once (their sessions end), and a new single-use
    set-up link is emailed, with which they choose a password and add the app again. Not
    for oneself (another administrator must do it: a stolen session could otherwise
    re-enrol the app), nor for single sign-on accounts (their provider signs them in)."""
    settings = settings or get_settings()
    member = _member(session, staff_id)
    if member is None:
        return Outcome(False, "There is no such staff account.")
    if member.id == actor.staff_id:
        return Outcome(False, "You cannot send yourself a new set-up link. Ask another administrator.")
    if member.status != "active":
        return Outcome(False, f"{member.name}'s account is disabled: re-enable it first.")
    if member.oidc_subject:
        return Outcome(
            False, f"{member.name} signs in with single sign-on: their organisation's account is all they need."
        )
    token = tokens.new_token()
    member.password_hash = None
    member.totp_secret_enc = None
    member.totp_last_step = None
    member.setup_token_hash = tokens.hash_token(token, purpose=accounts.SETUP_PURPOSE)
    member.setup_expires_at = now + accounts.SETUP_VALID
    session.add(member)
    session.flush()
    sessions.end_all(session, member.id, reason="set_up_again", now=now)
    link = f"{settings.base_url}{routes.staff_set_up_link(token)}"
    mail = mail_templates.staff_set_up_link(
        link=link,
        valid_hours=int(accounts.SETUP_VALID.total_seconds() // 3600),
        created_by=actor.name,
        settings=settings,
    )
    queue_mail(session, to=member.email, subject=mail.subject, body=mail.body, kind=KIND_SET_UP_LINK, now=now)
    _record(session, actor, STAFF_SET_UP_AGAIN, member, now)
    return Outcome(
        True,
        f"We have emailed {member.email} a new set-up link (it works once, for 72 hours). "
        f"Their old password and app no longer work, and they have been signed out.",
    )


# --- a new member of staff's own set-up (the emailed link) ------------------------------


def _by_setup_token(session: Session, token: str | None, now: datetime) -> StaffMember | None:
    if not token or len(token) > 200:
        return None
    member = session.exec(
        select(StaffMember).where(
            StaffMember.setup_token_hash == tokens.hash_token(token, purpose=accounts.SETUP_PURPOSE)
        )
    ).first()
    if member is None or member.status != "active" or member.setup_expires_at is None:
        return None
    if now >= member.setup_expires_at:
        return None
    return member


def set_up_for(session: Session, token: str | None, *, now: datetime) -> SetUpView | None:
    """Whose set-up link this is (None: unknown, used, expired or the account disabled)."""
    member = _by_setup_token(session, token, now)
    return SetUpView(member.name, member.email) if member else None


def begin_authenticator(session: Session, token: str | None, *, now: datetime, issuer: str) -> SetUpKey | None:
    """A new authenticator key for the account the link belongs to, kept encrypted on the
    account (which cannot sign in before the set-up is finished); returned once, to show."""
    member = _by_setup_token(session, token, now)
    if member is None:
        return None
    setup = two_step.begin_setup(member.email, issuer=issuer)
    member.totp_secret_enc = tokens.encrypt(setup.secret)
    member.totp_last_step = None
    session.add(member)
    session.flush()
    return SetUpKey(name=member.name, qr_svg=setup.qr_svg, grouped_secret=setup.grouped_secret)


def finish_set_up(
    session: Session, token: str | None, password: str, code: str, *, now: datetime, client_ip: str | None
) -> Outcome:
    """Choose the password and prove the app with a code; the link then stops working."""
    member = _by_setup_token(session, token, now)
    if member is None:
        return Outcome(False, "This set-up link no longer works. Ask an administrator for a new one.")
    errors: dict[str, str] = {}
    problem = passwords.password_problem(
        password or "", own=passwords.OwnDetails(names=(member.name,), email=member.email)
    )
    if problem:
        errors["password"] = problem
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    step = None
    if member.totp_secret_enc and len(digits) == 6:
        try:
            step = two_step.matched_step(tokens.decrypt(member.totp_secret_enc), digits, now)
        except InvalidToken:
            step = None
    if step is None:
        errors["code"] = "The code is not right. Enter the 6-digit code your app shows now"
    if errors:
        return Outcome(False, errors=errors)
    member.password_hash = passwords.hash_password(password)
    member.totp_last_step = step  # this code cannot also sign in
    member.setup_token_hash = None
    member.setup_expires_at = None
    session.add(member)
    session.flush()
    audit.record(
        session,
        action=STAFF_SET_UP,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        detail={"method": METHOD_LABELS[PASSWORD_AND_APP]},
        client_ip=client_ip,
        now=now,
    )
    return Outcome(True, "Your account is set up.", staff_id=member.id)


__all__ = [
    "METHOD_LABELS",
    "NewMember",
    "Outcome",
    "PASSWORD_AND_APP",
    "SINGLE_SIGN_ON",
    "SetUpKey",
    "SetUpView",
    "TeamRow",
    "add_member",
    "begin_authenticator",
    "change_role",
    "finish_set_up",
    "parse_new_member",
    "set_disabled",
    "set_up_for",
    "team",
]
