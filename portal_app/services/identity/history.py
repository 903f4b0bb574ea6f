"""Residents' own events in the audit log, and the sign-in history a resident sees.

Every sign-in, failed try, wait or extra check, sign-out, password change or reset,
two-step change, new recovery codes, contact details change and data download writes one
line of the audit log (``services/staff/audit.py``), in the same transaction as the event
itself, so a line never claims what did not happen (issue 12, section 5). The resident
sees their own lines on "Your sign-in history" (``pages/identity/sign_in_history.py``).

Who acted:

* ``resident`` (``actor_id`` = the portal account) for what only the signed-in resident,
  or the holder of the emailed link, could do: a completed sign-in, a sign-out, changes on
  the security page, a new password from a reset link, a download;
* ``anonymous`` for a failed try, a wait or an extra check: nobody has proved who typed it.
  Against a known account the line names that account as its subject, so its owner sees
  it; against an email address with no account it names nobody, and keeps no email: what
  was typed in the email box may be a password typed in the wrong box.

What a line never holds: a password, a code, a token or a link (``audit.record`` refuses
detail keys that could name one, and nothing here passes what the resident typed). From
where: the client's IP address, and for sign-in steps the device in a few words
(``device_words``: "Firefox on Windows"), never the whole User-Agent.

No reflex import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from portal_app.clock import uk_time_words
from portal_app.models import AuditEvent, PortalUser
from portal_app.services import audit

# The resident's own events: what the sign-in history shows.
RESIDENT_ACTIONS = (
    audit.SIGNED_IN,
    audit.SIGN_IN_FAILED,
    audit.SIGN_IN_WAIT,
    audit.SIGNED_OUT,
    audit.PASSWORD_CHANGED,
    audit.PASSWORD_RESET,
    audit.CONTACT_DETAILS_CHANGED,
    audit.TWO_STEP_ON,
    audit.TWO_STEP_OFF,
    audit.RECOVERY_CODES_NEW,
    audit.DATA_DOWNLOADED,
)
# What our staff did to the resident's sign-in at her request (services/staff/residents.py):
# she sees these too, so nothing changes how she signs in without her knowing. Staff looks
# at her data are in the audit log for the landlord, not here.
STAFF_HELP_ACTIONS = (
    audit.RESIDENT_UNLOCKED,
    audit.RESIDENT_LINK_SENT,
    audit.RESIDENT_SIGNED_OUT_EVERYWHERE,
    audit.RESIDENT_DISABLED,
    audit.RESIDENT_ENABLED,
)
HISTORY_ACTIONS = RESIDENT_ACTIONS + STAFF_HELP_ACTIONS
STAFF_HELP_WORDS = {
    audit.RESIDENT_UNLOCKED: "Our staff cleared the waits that wrong tries had caused",
    audit.RESIDENT_LINK_SENT: "Our staff emailed you a link to choose a new password",
    audit.RESIDENT_SIGNED_OUT_EVERYWHERE: "Our staff signed you out everywhere",
    audit.RESIDENT_DISABLED: "Our staff turned off your online account",
    audit.RESIDENT_ENABLED: "Our staff turned your online account back on",
}
HISTORY_LIMIT = 200

# detail["step"] of a sign-in line: which step it was.
PASSWORD_STEP = "password"
CODE_STEP = "app code"
RECOVERY_STEP = "recovery code"
REGISTERED_STEP = "registration"  # the session that finishing registration starts
# detail["reason"] of a SIGN_IN_WAIT line.
WAIT = "wait"
EXTRA_CHECK = "extra_check"

_BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Microsoft Edge"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"CriOS/|Chrome/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
)
_SYSTEMS = (
    (r"iPhone", "an iPhone"),
    (r"iPad", "an iPad"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"CrOS", "a Chromebook"),
    (r"Macintosh|Mac OS X", "a Mac"),
    (r"Linux", "Linux"),
)
UNKNOWN_DEVICE = "a browser we did not recognise"


def device_words(client: str | None) -> str:
    """'Firefox on Windows', 'Safari on an iPhone': the device in a few words, from the
    User-Agent (or the sessions list's "address agent" text). Never the whole string: it
    would help tell one person's browser from another's."""
    text = client or ""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, text)), "")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, text)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"a browser on {system}" if system else UNKNOWN_DEVICE)


def record(
    session: Session,
    action: str,
    *,
    now: datetime,
    client_ip: str | None,
    user: PortalUser | None = None,
    user_id: int | None = None,
    proved: bool = True,
    client: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    """One line for a resident's event, in the caller's transaction.

    ``user`` (or ``user_id``) is the account the event is about (None: an email address with
    no account). ``proved``: the resident did it (signed in, or holding the emailed link);
    False for failed tries, waits and extra checks, whose actor is anonymous. ``client``:
    the device text of a sign-in step (kept only as ``device_words``)."""
    account = user if user is not None else (session.get(PortalUser, user_id) if user_id is not None else None)
    facts = dict(detail or {})
    if client is not None:
        facts["device"] = device_words(client)
    resident = proved and account is not None
    audit.record(
        session,
        action=action,
        actor_kind=audit.RESIDENT if resident else audit.ANONYMOUS,
        actor_id=account.id if resident else None,
        actor_label=account.email if account is not None else "",
        subject_user_id=account.id if account is not None else None,
        subject_person_id=account.person_id if account is not None else None,
        detail=facts,
        client_ip=client_ip,
        now=now,
    )


def record_failure(
    session: Session,
    *,
    step: str,
    waits: int,
    now: datetime,
    client_ip: str | None,
    user: PortalUser | None,
    client: str | None = None,
) -> None:
    """A wrong password or code: one line (naming the account when there is one), and when
    it makes this address wait before its next try, a second line saying for how long."""
    seen = dict(now=now, client_ip=client_ip, user=user, client=client, proved=False)
    record(session, audit.SIGN_IN_FAILED, detail={"step": step}, **seen)
    if waits:
        record(session, audit.SIGN_IN_WAIT, detail={"reason": WAIT, "wait_seconds": waits, "step": step}, **seen)


# ---------------------------------------------------------------------------
# What the resident sees


@dataclass(frozen=True)
class HistoryLine:
    at: datetime  # as stored (UTC)
    when: str  # "10:42 on 22 November 2026" (UK time)
    what: str  # "Signed in with a code from your app"
    where: str  # "192.0.2.10, Firefox on Windows"
    ip: str
    device: str
    attention: bool  # not the resident's own doing: a failed try, a wait, an extra check


def _seconds(n: object) -> str:
    try:
        value = int(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "a while"
    if value < 120:
        return f"{value} second{'s' if value != 1 else ''}"
    return f"{-(-value // 60)} minutes"


def what_words(action: str, detail: Mapping[str, object]) -> str:
    """The event in plain words, as the resident reads it."""
    if action in STAFF_HELP_WORDS:
        return STAFF_HELP_WORDS[action]
    step = detail.get("step")
    if action == audit.SIGNED_IN:
        if step == CODE_STEP:
            return "Signed in with your password and a code from your app"
        if step == RECOVERY_STEP:
            return "Signed in with your password and a recovery code"
        if step == REGISTERED_STEP:
            return "Registered and signed in"
        return "Signed in with your password"
    if action == audit.SIGN_IN_FAILED:
        if step in (CODE_STEP, RECOVERY_STEP):
            return "Someone typed your password, then a wrong code"
        return "Someone tried to sign in with a wrong password"
    if action == audit.SIGN_IN_WAIT:
        if detail.get("reason") == EXTRA_CHECK:
            return (
                "The right password was typed, but after many wrong tries we emailed you a link "
                "to check it was you instead of signing in"
            )
        return (
            f"Too many wrong tries from this address: its next try had to wait {_seconds(detail.get('wait_seconds'))}"
        )
    if action == audit.SIGNED_OUT:
        return "Signed out everywhere" if detail.get("everywhere") else "Signed out"
    if action == audit.PASSWORD_CHANGED:
        return "Password changed"
    if action == audit.PASSWORD_RESET:
        return "New password chosen with an emailed link"
    if action == audit.CONTACT_DETAILS_CHANGED:
        changed = detail.get("changed")
        if isinstance(changed, list) and changed:
            return "Contact details changed: " + ", ".join(str(item) for item in changed)
        return "Contact details changed"
    if action == audit.TWO_STEP_ON:
        return "Two-step sign-in turned on"
    if action == audit.TWO_STEP_OFF:
        return "Two-step sign-in turned off"
    if action == audit.RECOVERY_CODES_NEW:
        return "New recovery codes made"
    if action == audit.DATA_DOWNLOADED:
        form = detail.get("format")
        return f"Downloaded your data ({form})" if form else "Downloaded your data"
    return audit.ACTION_LABELS.get(action, action.replace("_", " ").capitalize())


def _detail(row: AuditEvent) -> dict:
    try:
        found = json.loads(row.detail or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def sign_in_history(session: Session, user_id: int, *, limit: int | None = HISTORY_LIMIT) -> list[HistoryLine]:
    """This account's own events, newest first: only lines whose subject is this account,
    the residents' kinds and what our staff did to the account's sign-in (never what staff
    looked at). ``limit`` None: all of them (the data download)."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.subject_user_id == user_id, col(AuditEvent.action).in_(HISTORY_ACTIONS))
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    )
    if limit is not None:
        stmt = stmt.limit(max(1, limit))
    rows = session.exec(stmt).all()
    lines = []
    for row in rows:
        detail = _detail(row)
        device = str(detail.get("device") or "")
        ip = row.client_ip or ""
        where = ", ".join(part for part in (ip, device) if part) or "Not known"
        if row.actor_kind == audit.STAFF:
            ip, where = "", "Our office"  # not the office network's address
        lines.append(
            HistoryLine(
                at=row.at,
                when=uk_time_words(row.at),
                what=what_words(row.action, detail),
                where=where,
                ip=ip,
                device=device,
                attention=row.actor_kind != audit.RESIDENT,
            )
        )
    return lines


__all__ = [
    "CODE_STEP",
    "EXTRA_CHECK",
    "HISTORY_LIMIT",
    "HistoryLine",
    "PASSWORD_STEP",
    "RECOVERY_STEP",
    "REGISTERED_STEP",
    "HISTORY_ACTIONS",
    "RESIDENT_ACTIONS",
    "STAFF_HELP_ACTIONS",
    "WAIT",
    "device_words",
    "record",
    "record_failure",
    "sign_in_history",
    "what_words",
]
