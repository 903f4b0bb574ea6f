"""Staff accounts: created from the command line (``python -m portal_app create-staff``)
or by an administrator in the back office, and how they sign in.

A new account gets a password (the command line) or a single-use set-up link (the back
office emails it): either way the authenticator app is added before the first sign-in
(the app's key is shown once to whoever sets it up, and kept encrypted). An account for
single sign-on is matched on the identity provider's subject, never on the email.
No reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from portal_app.models import Officer, StaffMember
from portal_app.services import roles, tokens
from portal_app.services.identity import passwords, two_step
from portal_app.services.validation import normalise_email

SETUP_PURPOSE = "staff-setup"
SETUP_VALID = timedelta(hours=72)


class StaffAccountError(ValueError):
    """A staff account cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class StaffView:
    id: int
    email: str
    name: str
    role: str
    role_label: str
    status: str
    uses_sso: bool
    has_authenticator: bool
    officer_ref: str | None
    last_sign_in_at: datetime | None


@dataclass(frozen=True)
class NewStaff:
    staff: StaffView
    totp_uri: str | None = None  # shown once to the person setting up (the command line)
    totp_secret: str | None = None
    setup_token: str | None = None  # for the emailed set-up link


def _view(session: Session, member: StaffMember) -> StaffView:
    officer = session.get(Officer, member.officer_id) if member.officer_id else None
    return StaffView(
        id=member.id,
        email=member.email,
        name=member.name,
        role=member.role,
        role_label=roles.role_label(member.role),
        status=member.status,
        uses_sso=bool(member.oidc_subject),
        has_authenticator=bool(member.totp_secret_enc),
        officer_ref=officer.officer_ref if officer else None,
        last_sign_in_at=member.last_sign_in_at,
    )


def create_staff(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    now: datetime,
    password: str | None = None,
    officer_ref: str | None = None,
    oidc_issuer: str | None = None,
    oidc_subject: str | None = None,
    created_by_staff_id: int | None = None,
    issuer_name: str = "Doorstep staff",
    totp_secret: str | None = None,
) -> NewStaff:
    """A new staff account. With ``password``: the authenticator key is made now and
    returned once (``totp_uri``; ``totp_secret`` gives the key instead, for the demo
    landlord's staff only). Without: a set-up link token is returned, for the email. Raises StaffAccountError with a message for the person creating it."""
    address = normalise_email(email or "")
    if not address or "@" not in address:
        raise StaffAccountError("Enter the member of staff's work email address")
    if not (name or "").strip():
        raise StaffAccountError("Enter the member of staff's name")
    if role not in roles.ROLES:
        raise StaffAccountError(f"Choose a role: {', '.join(sorted(roles.ROLES))}")
    if session.exec(select(StaffMember).where(StaffMember.email == address)).first() is not None:
        raise StaffAccountError("There is already a staff account with that email address")
    if bool(oidc_issuer) != bool(oidc_subject):
        raise StaffAccountError("Single sign-on needs both the provider and the subject id")
    officer_id = None
    if officer_ref:
        officer = session.exec(select(Officer).where(Officer.officer_ref == officer_ref.strip())).first()
        if officer is None:
            raise StaffAccountError(f"No officer {officer_ref!r} in the landlord's records")
        officer_id = officer.id
    member = StaffMember(
        email=address,
        name=name.strip()[:200],
        role=role,
        officer_id=officer_id,
        oidc_issuer=oidc_issuer or None,
        oidc_subject=oidc_subject or None,
        created_at=now,
        created_by_staff_id=created_by_staff_id,
    )
    uri = secret = setup = None
    if password is not None:
        problem = passwords.password_problem(password, own=passwords.OwnDetails(names=(name,), email=address))
        if problem:
            raise StaffAccountError(problem)
        member.password_hash = passwords.hash_password(password)
        found = two_step.begin_setup(address, issuer=issuer_name)
        secret = totp_secret or found.secret
        uri = found.otpauth_uri.replace(found.secret, secret)
        member.totp_secret_enc = tokens.encrypt(secret)
    elif not oidc_subject:
        setup = tokens.new_token()
        member.setup_token_hash = tokens.hash_token(setup, purpose=SETUP_PURPOSE)
        member.setup_expires_at = now + SETUP_VALID
    session.add(member)
    session.flush()
    return NewStaff(_view(session, member), totp_uri=uri, totp_secret=secret, setup_token=setup)


def find_by_subject(session: Session, issuer: str, subject: str) -> StaffMember | None:
    """The active staff member the identity provider's (issuer, subject) belongs to."""
    if not issuer or not subject:
        return None
    member = session.exec(
        select(StaffMember).where(StaffMember.oidc_issuer == issuer, StaffMember.oidc_subject == subject)
    ).first()
    return member if member is not None and member.status == "active" else None


def list_staff(session: Session) -> list[StaffView]:
    rows = session.exec(select(StaffMember).order_by(StaffMember.name, StaffMember.id)).all()
    return [_view(session, m) for m in rows]


def staff_view(session: Session, staff_id: int) -> StaffView | None:
    member = session.get(StaffMember, staff_id) if isinstance(staff_id, int) else None
    return _view(session, member) if member else None


__all__ = ["NewStaff", "StaffAccountError", "StaffView", "create_staff", "find_by_subject", "list_staff", "staff_view"]
