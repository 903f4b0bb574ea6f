"""Helping residents from the back office (issue 12, section 3): finding a resident, seeing
their accounts and requests exactly as they see them, and the help an officer gives with
their sign-in. Raising a request for them is ``assisted.py``.

The rules:

* Finding. One search box, and what to search by: name, tenancy reference, account
  reference, email address or postcode (or all of them). Case does not matter, nor do the
  spaces in a postcode or a reference. At least ``MIN_CHARS`` characters (two for a name:
  "Ng" is a surname). At most ``MAX_RESULTS`` results, and the page says to refine the
  search when there were more. The results are people on tenancies, whether or not they
  have a portal account (the officer on the phone needs both), and portal accounts whose
  person is no longer on the tenancy. Every search is audited (``resident_searched``, the
  words typed in the detail: they are a name or a reference, never a secret).
* Seeing. A resident is their portal account (``portal_user.id``: what the page's address
  carries, so it is only ever a key to look up, never trusted). What they see is built by
  the resident side's own services, for that resident (``summary.home_summaries``,
  ``summary.account_overview`` and ``summary.history`` through ``access.choose_account``,
  ``requests.resident.my_requests`` and ``request_detail``): nothing is decided twice.
  Every look writes an audit line in the same transaction (``resident_viewed``, and
  ``request_viewed`` for one request), with the officer and the resident.
* Never the password. No DTO here carries a password, its hash, a two-step key or a
  recovery code; an officer can neither see nor set a password. The most they can do is
  email the resident a link to choose one (``send_password_link``).
* Helping with the sign-in (``unlock_accounts``), each audited with the officer and the
  resident, each one unit of work:

  - ``unlock``: nobody is ever locked out (``docs/security-policy.md``, S1 to S10), but
    failed tries make the place they came from wait (S1), and many failures at the account
    make the right password need one more check (S2, S4, S6). Unlocking forgets the
    account's failures from every address, and its wrong current passwords on the security
    page (S10), as choosing a new password does (S9): she can sign in at once. It leaves
    the counts for an internet connection that tried many accounts (S3): they protect every
    resident, and are not about her account.
  - ``send_password_link``: "resend a verification email". Registration proved her
    mailbox; what proves it again at sign-in is the emailed link to choose a new password
    (S4, "Check it is you"). The officer can send one, within the same caps as the page
    (R1 to R4: the back office has its own share per officer, and one is always sent while
    she has no working link). A pending registration's code is not resent from here: it
    works only in the browser that started the registration, and goes only to the address
    typed there.
  - ``sign_out_everywhere``: every session of the account ends.
  - ``disable`` and ``enable``: a reason is required and audited; a turned-off account
    cannot sign in, ask for a reset link or register again, and its sessions and open
    links end; turning it back on restores it as it was (password, two-step, requests).
    The resident is emailed each time, without the officer's reason (it may be internal).

Nothing here commits; ``now`` is aware UTC. No reflex import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, true, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from portal_app import routes
from portal_app.clock import uk_date_words, uk_time_words, uk_today
from portal_app.models import Account, AuditEvent, AuthSession, Person, PortalUser, Property, Tenancy, TenancyParty
from portal_app.services import audit, throttle
from portal_app.services.accounts import balances, ledger, summary
from portal_app.services.accounts.access import AccountChoice
from portal_app.services.identity import lockout, resets, sessions
from portal_app.services.identity.notices import queue_account_mail
from portal_app.services.requests import resident as resident_requests
from portal_app.services.staff.sessions import StaffPrincipal
from portal_app.settings import Settings, get_settings

# ---------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------

ANY = "any"
SEARCH_BY: dict[str, str] = {
    ANY: "Any of these",
    "name": "Name",
    "tenancy": "Tenancy reference",
    "account": "Account reference",
    "email": "Email address",
    "postcode": "Postcode",
}
MIN_CHARS = 3
MIN_NAME_CHARS = 2
MAX_QUERY_CHARS = 100
MAX_RESULTS = 20
REASON_MAX_LENGTH = 500
HISTORY_PAGE_SIZE = 50

ROLE_LABELS = {
    "lead_tenant": "Lead tenant",
    "joint_tenant": "Joint tenant",
    "household_member": "Household member",
    "leaseholder": "Leaseholder",
    "joint_leaseholder": "Joint leaseholder",
    "licensee": "Licensee",
    "occupant": "Occupant",
}
TENURE_LABELS = {
    "secure": "Secure tenancy",
    "introductory": "Introductory tenancy",
    "flexible": "Flexible tenancy",
    "assured": "Assured tenancy",
    "starter": "Starter tenancy",
    "non_secure": "Non-secure tenancy",
    "temporary_accommodation": "Temporary accommodation",
    "leasehold": "Lease",
    "shared_ownership": "Shared ownership lease",
    "garage_licence": "Garage licence",
}
STATUS_WORDS = {
    "active": "Active: they can sign in",
    "disabled": "Turned off: they cannot sign in",
    "closed": "Closed: replaced by the account for their new home",
}
NO_PORTAL_ACCOUNT = "No portal account"

# What each permission needs of the officer (the marks check it first; these say it again,
# so a service called from anywhere else cannot skip it).
VIEW = "view_resident"
HELP = "unlock_accounts"


class NotAllowed(PermissionError):
    """The member of staff's role does not grant what this needs."""


# ---------------------------------------------------------------------------
# What goes back to the pages
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentMatch:
    """One person on one tenancy, found by a search."""

    person_id: int
    name: str
    tenancy_ref: str
    address: str
    role_label: str  # "Lead tenant"; "" when their portal account is all that ties them to it
    tenancy_words: str  # "Secure tenancy since 6 April 2020", "... ended 3 March 2024"
    user_id: int | None  # their portal account for this tenancy (or another), None: none
    portal_words: str  # "Active: they can sign in", "No portal account", ...


@dataclass(frozen=True)
class SearchResult:
    query: str
    search_by: str
    matches: tuple[ResidentMatch, ...] = ()
    more: bool = False  # more than MAX_RESULTS matched: refine the search
    error: str = ""  # what was typed cannot be searched for (nothing searched, nothing audited)
    error_field: str = ""  # "query" or "search_by": where the error goes on the form

    @property
    def searched(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class SignInHelp:
    """What is slowing down their sign-in now, in numbers and words."""

    waiting_places: int  # internet connections that must wait before their next try
    longest_wait_seconds: int
    failures_last_window: int  # wrong passwords at the account, from anywhere, in the window
    wrong_codes_last_window: int
    extra_check: bool  # the right password alone is not enough just now (S2, S4)
    code_check: bool  # a right two-step code alone is not enough just now (S6)
    security_page_wait_seconds: int  # wrong current passwords on the security page (S10)
    words: tuple[str, ...]  # each of the above, in words; empty when nothing slows them

    @property
    def anything(self) -> bool:
        return bool(self.words)


@dataclass(frozen=True)
class ResidentProfile:
    """Their contact details and the state of their sign-in. Never a password or its hash,
    a two-step key or a recovery code."""

    user_id: int
    person_id: int
    name: str
    email: str
    mobile_masked: str  # "Ending 0123": ask them for the whole number to check it is them
    status: str  # active | disabled | closed
    status_words: str
    two_step_on: bool
    last_sign_in_words: str  # "10:42 on 2 March 2026", or "Never"
    registered_words: str
    tenancy_ref: str
    address: str
    letters_by_post: bool
    live_sessions: int
    disabled_reason: str  # the reason given when it was turned off ("" unless turned off)
    sign_in: SignInHelp


@dataclass(frozen=True)
class ResidentView:
    """The resident page: who they are, and their accounts and requests as they see them."""

    profile: ResidentProfile
    accounts: tuple[balances.AccountSummary, ...]  # as their home page shows them
    requests: tuple[resident_requests.RequestSummary, ...]  # as "My requests" shows them


@dataclass(frozen=True)
class ResidentAccount:
    """One of their accounts as their account page shows it (None: not one they see)."""

    choice: AccountChoice
    overview: summary.AccountOverview | None
    history: ledger.HistoryPage | None


@dataclass(frozen=True)
class ActionResult:
    """How one of the sign-in helps went: ``done`` with ``message`` (what happened, in words),
    or not done, with ``message`` saying why, or ``errors`` (field -> message) on the form."""

    done: bool
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Caller:
    """The resident, as the resident side's services need a caller (``access.Caller``)."""

    user_id: int
    person_id: int
    tenancy_id: int


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _require(staff: StaffPrincipal, permission: str) -> None:
    if permission not in staff.permissions:
        raise NotAllowed(permission)


def resident_id(raw: object) -> int | None:
    """A portal account id from the browser (the page's ``?id=``), or None when it is not
    one: only digits, at most 9 of them (no 40-digit number reaches the database)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) <= 9:
        value = int(raw.strip())
    else:
        return None
    return value if 0 < value < 2**31 else None


def _user(session: Session, raw: object) -> PortalUser | None:
    wanted = resident_id(raw)
    return session.get(PortalUser, wanted) if wanted is not None else None


def _caller(user: PortalUser) -> _Caller:
    return _Caller(user_id=user.id, person_id=user.person_id, tenancy_id=user.tenancy_id)


def _record(
    session: Session,
    staff: StaffPrincipal,
    action: str,
    *,
    now: datetime,
    client_ip: str | None,
    user: PortalUser | None = None,
    target: str | None = None,
    detail: dict | None = None,
) -> None:
    audit.record(
        session,
        action=action,
        actor_kind=audit.STAFF,
        actor_id=staff.staff_id,
        actor_label=staff.name,
        subject_user_id=user.id if user else None,
        subject_person_id=user.person_id if user else None,
        target=target,
        detail=detail,
        client_ip=client_ip,
        now=now,
    )


def _name(person: Person) -> str:
    return " ".join(part for part in (person.title, person.first_name, person.last_name) if part)


def _address(prop: Property) -> str:
    lines = [part for part in (prop.address_line_1, prop.address_line_2, prop.address_line_3) if part]
    return f"{', '.join(lines)}, {prop.town} {prop.postcode}"


def mask_mobile(mobile: str) -> str:
    """'+447700900123' -> 'Ending 0123'."""
    digits = re.sub(r"\D", "", mobile or "")
    return f"Ending {digits[-4:]}" if len(digits) >= 4 else "Not given"


def _tenancy_words(tenancy: Tenancy, today: date) -> str:
    kind = TENURE_LABELS.get(tenancy.tenure, tenancy.tenure.replace("_", " ").capitalize())
    if tenancy.end_date is not None and tenancy.end_date < today:
        return f"{kind}, ended {uk_date_words(tenancy.end_date)}"
    if tenancy.start_date > today:
        return f"{kind}, starts {uk_date_words(tenancy.start_date)}"
    return f"{kind} since {uk_date_words(tenancy.start_date)}"


def _reason(raw: object, field_name: str, what: str) -> tuple[str, dict[str, str]]:
    text = " ".join((raw if isinstance(raw, str) else "").split())
    if not text:
        return "", {field_name: f"Enter why you are {what}"}
    if len(text) > REASON_MAX_LENGTH:
        return "", {field_name: f"The reason must be {REASON_MAX_LENGTH} characters or fewer"}
    return text, {}


# ---------------------------------------------------------------------------
# Finding a resident
# ---------------------------------------------------------------------------


def _squash(text: str) -> str:
    """Lower case, no spaces: how references and postcodes are compared."""
    return re.sub(r"\s+", "", text).lower()


def _squashed(column):
    return func.replace(func.lower(column), " ", "")


def _conditions(search_by: str, query: str) -> list:
    """What a person on a tenancy must match, as conditions on Person, Tenancy and Property
    (accounts and portal accounts through EXISTS). Every LIKE is escaped: a % or _ typed
    is a character, not a wildcard."""
    lowered = query.lower()
    squashed = _squash(query)
    found: list = []
    if search_by in (ANY, "name"):
        words = lowered.split()
        found.append(
            true()
            if not words
            else and_(
                *[
                    or_(
                        func.lower(Person.first_name).contains(word, autoescape=True),
                        func.lower(Person.last_name).contains(word, autoescape=True),
                    )
                    for word in words
                ]
            )
        )
    if search_by in (ANY, "tenancy"):
        found.append(_squashed(Tenancy.tenancy_ref).contains(squashed, autoescape=True))
    if search_by in (ANY, "account"):
        found.append(
            exists().where(
                Account.tenancy_id == Tenancy.id, _squashed(Account.account_ref).contains(squashed, autoescape=True)
            )
        )
    if search_by in (ANY, "email"):
        login = aliased(PortalUser)  # its own name: the outer query may be over PortalUser too
        found.append(
            or_(
                func.lower(Person.email).contains(lowered, autoescape=True),
                exists().where(
                    login.person_id == Person.id, func.lower(login.email).contains(lowered, autoescape=True)
                ),
            )
        )
    if search_by in (ANY, "postcode"):
        found.append(_squashed(Property.postcode).contains(squashed, autoescape=True))
    return found


def _query_problem(query: str, search_by: str) -> str:
    if search_by not in SEARCH_BY:
        return "Choose what to search by from the list"
    if not query:
        return "Enter a name, reference, email address or postcode"
    if len(query) > MAX_QUERY_CHARS:
        return f"Search for {MAX_QUERY_CHARS} characters or fewer"
    shortest = MIN_NAME_CHARS if search_by == "name" else MIN_CHARS
    if len(_squash(query)) < shortest:
        return f"Enter at least {shortest} characters"
    return ""


def _portal_words(user: PortalUser | None, elsewhere: PortalUser | None, refs: dict[int, str]) -> str:
    if user is not None:
        return STATUS_WORDS.get(user.status, user.status)
    if elsewhere is not None:
        return f"Portal account on tenancy {refs.get(elsewhere.tenancy_id, '')}".strip()
    return NO_PORTAL_ACCOUNT


_STATUS_ORDER = {"active": 0, "disabled": 1, "closed": 2}


def _best(users: list[PortalUser]) -> PortalUser | None:
    """The account to show: active before turned off before closed, the newest first."""
    return min(users, key=lambda u: (_STATUS_ORDER.get(u.status, 3), -u.id), default=None)


def search(
    session: Session,
    staff: StaffPrincipal,
    query: object,
    search_by: object = ANY,
    *,
    now: datetime,
    client_ip: str | None = None,
) -> SearchResult:
    """People on tenancies (and portal accounts) matching ``query``, by ``search_by`` (a key
    of ``SEARCH_BY``): at most ``MAX_RESULTS``, ordered by surname, first name and tenancy.
    Audited, unless what was typed could not be searched for."""
    _require(staff, VIEW)
    text = " ".join((query if isinstance(query, str) else "").split())
    by = search_by if isinstance(search_by, str) and search_by else ANY
    problem = _query_problem(text, by)
    if problem:
        return SearchResult(
            query=text[:MAX_QUERY_CHARS],
            search_by=by if by in SEARCH_BY else ANY,
            error=problem,
            error_field="search_by" if by not in SEARCH_BY else "query",
        )
    matches = or_(*_conditions(by, text))
    order = (func.lower(Person.last_name), func.lower(Person.first_name), Tenancy.tenancy_ref)

    parties = session.exec(
        select(TenancyParty, Person, Tenancy, Property)
        .join(Person, Person.id == TenancyParty.person_id)
        .join(Tenancy, Tenancy.id == TenancyParty.tenancy_id)
        .join(Property, Property.id == Tenancy.property_id)
        .where(matches)
        .order_by(*order, TenancyParty.id)
        .limit(MAX_RESULTS + 1)
    ).all()
    # Portal accounts whose person is not (or no longer) a party to their tenancy.
    loose = session.exec(
        select(PortalUser, Person, Tenancy, Property)
        .join(Person, Person.id == PortalUser.person_id)
        .join(Tenancy, Tenancy.id == PortalUser.tenancy_id)
        .join(Property, Property.id == Tenancy.property_id)
        .where(
            matches,
            ~exists().where(
                TenancyParty.person_id == PortalUser.person_id, TenancyParty.tenancy_id == PortalUser.tenancy_id
            ),
        )
        .order_by(*order, PortalUser.id)
        .limit(MAX_RESULTS + 1)
    ).all()

    rows: dict[tuple[int, int], tuple[str, Person, Tenancy, Property]] = {}
    for party, person, tenancy, prop in parties:
        rows.setdefault((person.id, tenancy.id), (party.role, person, tenancy, prop))
    for _user_row, person, tenancy, prop in loose:
        rows.setdefault((person.id, tenancy.id), ("", person, tenancy, prop))
    ordered = sorted(
        rows.values(), key=lambda r: (r[1].last_name.lower(), r[1].first_name.lower(), r[2].tenancy_ref, r[1].id)
    )
    more = len(ordered) > MAX_RESULTS
    ordered = ordered[:MAX_RESULTS]

    person_ids = {person.id for _role, person, _t, _p in ordered}
    users: dict[int, list[PortalUser]] = {}
    if person_ids:
        for user in session.exec(select(PortalUser).where(col(PortalUser.person_id).in_(person_ids))).all():
            users.setdefault(user.person_id, []).append(user)
    tenancy_ids = {u.tenancy_id for found in users.values() for u in found}
    refs = (
        {t.id: t.tenancy_ref for t in session.exec(select(Tenancy).where(col(Tenancy.id).in_(tenancy_ids))).all()}
        if tenancy_ids
        else {}
    )
    today = uk_today(now)
    out: list[ResidentMatch] = []
    for role, person, tenancy, prop in ordered:
        theirs = users.get(person.id, [])
        here = _best([u for u in theirs if u.tenancy_id == tenancy.id])
        elsewhere = None if here else _best([u for u in theirs if u.status != "closed"])
        shown = here or elsewhere
        out.append(
            ResidentMatch(
                person_id=person.id,
                name=_name(person),
                tenancy_ref=tenancy.tenancy_ref,
                address=_address(prop),
                role_label=ROLE_LABELS.get(role, role.replace("_", " ").capitalize()) if role else "",
                tenancy_words=_tenancy_words(tenancy, today),
                user_id=shown.id if shown else None,
                portal_words=_portal_words(here, elsewhere, refs),
            )
        )
    _record(
        session,
        staff,
        audit.RESIDENT_SEARCHED,
        now=now,
        client_ip=client_ip,
        detail={"query": text, "search_by": by, "found": len(out), "more": more},
    )
    return SearchResult(query=text, search_by=by, matches=tuple(out), more=more)


# ---------------------------------------------------------------------------
# Seeing a resident as they see the portal
# ---------------------------------------------------------------------------


def _sign_in_help(session: Session, user: PortalUser, *, now: datetime, settings: Settings) -> SignInHelp:
    waits = lockout.pair_waits(session, user.email, now=now)
    window = lockout.window()
    failures = throttle.hits_since(session, lockout.account_key(user.email), now, window)
    codes = throttle.hits_since(session, lockout.code_key(user.email), now, window)
    extra = failures >= settings.signin_account_limit
    code_check = codes >= settings.signin_code_account_limit
    security_wait = lockout.reauth_wait_seconds(session, user.id, now=now)
    words: list[str] = []
    if waits:
        places = "1 internet connection has" if len(waits) == 1 else f"{len(waits)} internet connections have"
        words.append(f"{places} to wait before their next try at this account: up to {throttle.wait_words(waits[0])}.")
    if failures or codes:
        words.append(
            f"{failures} wrong password{'s' if failures != 1 else ''} and {codes} wrong code{'s' if codes != 1 else ''} "
            f"at this account in the last {settings.signin_window_minutes} minutes, from anywhere."
        )
    if extra:
        words.append(
            "Many wrong tries from elsewhere: the right password alone is not enough just now. "
            "Without two-step sign-in, we email a link to check it is them."
        )
    if code_check:
        words.append(
            "Many wrong two-step codes: someone may know the password. A right code also needs the emailed link."
        )
    if security_wait:
        words.append(
            f"Wrong current passwords on their security page: they wait {throttle.wait_words(security_wait)} there."
        )
    return SignInHelp(
        waiting_places=len(waits),
        longest_wait_seconds=waits[0] if waits else 0,
        failures_last_window=failures,
        wrong_codes_last_window=codes,
        extra_check=extra,
        code_check=code_check,
        security_page_wait_seconds=security_wait,
        words=tuple(words),
    )


def _live_sessions(session: Session, user_id: int, now: datetime) -> int:
    stored = session.exec(
        select(AuthSession).where(
            AuthSession.user_id == user_id, col(AuthSession.ended_at).is_(None), AuthSession.expires_at > now
        )
    ).all()
    idle = get_settings().session_idle_minutes
    return sum(1 for s in stored if (now - s.last_seen_at).total_seconds() < 60 * (s.idle_minutes or idle))


def _disabled_reason(session: Session, user: PortalUser) -> str:
    if user.status != "disabled":
        return ""
    row = session.exec(
        select(AuditEvent.detail)
        .where(AuditEvent.subject_user_id == user.id, AuditEvent.action == audit.RESIDENT_DISABLED)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(1)
    ).first()
    try:
        return str(json.loads(row or "{}").get("reason", ""))
    except ValueError:
        return ""


def _profile(session: Session, user: PortalUser, *, now: datetime, settings: Settings) -> ResidentProfile:
    person = session.get(Person, user.person_id)
    tenancy = session.get(Tenancy, user.tenancy_id)
    prop = session.get(Property, tenancy.property_id) if tenancy else None
    return ResidentProfile(
        user_id=user.id,
        person_id=user.person_id,
        name=_name(person) if person else "",
        email=user.email,
        mobile_masked=mask_mobile(user.mobile),
        status=user.status,
        status_words=STATUS_WORDS.get(user.status, user.status),
        two_step_on=bool(user.totp_enabled),
        last_sign_in_words=uk_time_words(user.last_sign_in_at) if user.last_sign_in_at else "Never",
        registered_words=uk_time_words(user.created_at),
        tenancy_ref=tenancy.tenancy_ref if tenancy else "",
        address=_address(prop) if prop else "",
        letters_by_post=bool(user.paper_correspondence),
        live_sessions=_live_sessions(session, user.id, now),
        disabled_reason=_disabled_reason(session, user),
        sign_in=_sign_in_help(session, user, now=now, settings=settings),
    )


def view_resident(
    session: Session,
    staff: StaffPrincipal,
    user_id: object,
    *,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> ResidentView | None:
    """The resident page for the portal account ``user_id`` (from the browser): None, and
    nothing audited, for an id that is no portal account. Audited (``resident_viewed``)."""
    _require(staff, VIEW)
    settings = settings or get_settings()
    user = _user(session, user_id)
    if user is None:
        return None
    accounts = summary.home_summaries(session, user, now=now, settings=settings)
    view = ResidentView(
        profile=_profile(session, user, now=now, settings=settings),
        accounts=tuple(accounts),
        requests=tuple(resident_requests.my_requests(session, user.id)),
    )
    _record(
        session,
        staff,
        audit.RESIDENT_VIEWED,
        now=now,
        client_ip=client_ip,
        user=user,
        detail={"seen": "summary", "accounts": len(view.accounts), "requests": len(view.requests)},
    )
    return view


def view_account(
    session: Session,
    staff: StaffPrincipal,
    user_id: object,
    account_ref: object,
    *,
    page: int = 1,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> ResidentAccount | None:
    """One of the resident's accounts as their account page shows it (balance, charges,
    pending payments and one page of the history), chosen by ``access.choose_account`` for
    them: another resident's reference is refused as it is for them. None for an id that is
    no portal account. Audited when something was shown."""
    _require(staff, VIEW)
    settings = settings or get_settings()
    user = _user(session, user_id)
    if user is None:
        return None
    wanted = (account_ref if isinstance(account_ref, str) else "").strip()[:64]
    if not wanted:  # the resident side would show their first account; here one is always named
        return ResidentAccount(AccountChoice((), None, refused=True), None, None)
    caller = _caller(user)
    choice, overview = summary.account_overview(session, caller, wanted, "", now=now, settings=settings)
    if choice.account is None or overview is None:
        return ResidentAccount(choice, None, None)
    _choice, history = summary.history(
        session,
        caller,
        wanted,
        "",
        date_from=None,
        date_to=None,
        type_group="",
        page=max(1, min(int(page) if isinstance(page, int) and not isinstance(page, bool) else 1, 10_000)),
        page_size=HISTORY_PAGE_SIZE,
        today=uk_today(now),
        settings=settings,
    )
    _record(
        session,
        staff,
        audit.RESIDENT_VIEWED,
        now=now,
        client_ip=client_ip,
        user=user,
        target=choice.account.account_ref,
        detail={"seen": "account", "page": history.page if history else 1},
    )
    return ResidentAccount(choice, overview, history)


def view_request(
    session: Session,
    staff: StaffPrincipal,
    user_id: object,
    reference: object,
    *,
    now: datetime,
    client_ip: str | None = None,
) -> resident_requests.RequestDetail | None:
    """One of the resident's requests as they see it (``request_detail`` for them): None
    for someone else's, an unknown one, or an id that is no portal account. Audited
    (``request_viewed``) when shown."""
    _require(staff, VIEW)
    user = _user(session, user_id)
    if user is None:
        return None
    found = resident_requests.request_detail(session, user.id, (reference if isinstance(reference, str) else "")[:32])
    if found is None:
        return None
    _record(
        session,
        staff,
        audit.REQUEST_VIEWED,
        now=now,
        client_ip=client_ip,
        user=user,
        target=found.reference,
        detail={"seen": "as the resident sees it"},
    )
    return found


# ---------------------------------------------------------------------------
# Helping with the sign-in
# ---------------------------------------------------------------------------

NOT_FOUND = "We cannot find that resident's portal account. Search for them again."


def _helpable(
    session: Session, staff: StaffPrincipal, user_id: object
) -> tuple[PortalUser | None, ActionResult | None]:
    _require(staff, HELP)
    user = _user(session, user_id)
    if user is None:
        return None, ActionResult(False, NOT_FOUND)
    return user, None


def _needs_active(user: PortalUser) -> ActionResult | None:
    if user.status == "disabled":
        return ActionResult(False, "This account is turned off. Turn it back on first.")
    if user.status != "active":
        return ActionResult(False, "This account is closed: they have a newer account for their new home.")
    return None


def unlock(
    session: Session, staff: StaffPrincipal, user_id: object, *, now: datetime, client_ip: str | None = None
) -> ActionResult:
    """Clear the sign-in waits and the extra check on this account (see the module's rules)."""
    user, refused = _helpable(session, staff, user_id)
    if refused:
        return refused
    if (refused := _needs_active(user)) is not None:
        return refused
    settings = get_settings()
    before = _sign_in_help(session, user, now=now, settings=settings)
    lockout.forget_failures(session, user.email)
    throttle.clear_hits(session, lockout.reauth_key(user.id))
    _record(
        session,
        staff,
        audit.RESIDENT_UNLOCKED,
        now=now,
        client_ip=client_ip,
        user=user,
        detail={
            "places_waiting": before.waiting_places,
            "failures": before.failures_last_window,
            "wrong_second_steps": before.wrong_codes_last_window,
            "extra_check": before.extra_check or before.code_check,
        },
    )
    if before.anything:
        message = "Done: their sign-in waits and the extra check are cleared. They can sign in now."
    else:
        message = "Done. Nothing was slowing down their sign-in, so they can sign in as usual."
    return ActionResult(True, message)


def send_password_link(
    session: Session, staff: StaffPrincipal, user_id: object, *, now: datetime, client_ip: str | None = None
) -> ActionResult:
    """Email the resident a link to choose a new password, within the reset caps (R1 to R4;
    the back office counts as its own place per officer)."""
    user, refused = _helpable(session, staff, user_id)
    if refused:
        return refused
    if (refused := _needs_active(user)) is not None:
        return refused
    sent = resets.send_within_caps(session, user, f"back-office:{staff.staff_id}", reason="office", now=now)
    _record(session, staff, audit.RESIDENT_LINK_SENT, now=now, client_ip=client_ip, user=user, detail={"sent": sent})
    if not sent:
        return ActionResult(
            False,
            "We did not send another link: several have been sent in the last hour and at least one still works. "
            "Ask them to look for it, in their spam or junk folder too.",
        )
    minutes = get_settings().reset_valid_minutes
    return ActionResult(
        True,
        f"Done: we have emailed {user.email} a link to choose a new password. It works once, for {minutes} minutes.",
    )


def sign_out_everywhere(
    session: Session, staff: StaffPrincipal, user_id: object, *, now: datetime, client_ip: str | None = None
) -> ActionResult:
    """End every session of the account (phones, computers, a kiosk left signed in)."""
    user, refused = _helpable(session, staff, user_id)
    if refused:
        return refused
    ended = sessions.sign_out_everywhere(session, user.id, now=now)
    _record(
        session,
        staff,
        audit.RESIDENT_SIGNED_OUT_EVERYWHERE,
        now=now,
        client_ip=client_ip,
        user=user,
        detail={"sessions_ended": ended},
    )
    if ended == 0:
        return ActionResult(True, "Done. They were not signed in anywhere.")
    where = "1 device" if ended == 1 else f"{ended} devices"
    return ActionResult(True, f"Done: they are signed out on {where}.")


def disable(
    session: Session,
    staff: StaffPrincipal,
    user_id: object,
    reason: object,
    *,
    now: datetime,
    client_ip: str | None = None,
) -> ActionResult:
    """Turn the account off: it cannot sign in, ask for a reset link or register again; its
    sessions and open reset links end; the resident is emailed. Error: ``disable_reason``."""
    user, refused = _helpable(session, staff, user_id)
    if refused:
        return refused
    text, errors = _reason(reason, "disable_reason", "turning off this account")
    if errors:
        return ActionResult(False, errors=errors)
    if user.status == "disabled":
        return ActionResult(False, "This account is already turned off.")
    if user.status != "active":
        return ActionResult(False, "This account is closed: they have a newer account for their new home.")
    # Only from active: two officers at once cannot both turn it off.
    changed = session.exec(
        update(PortalUser).where(PortalUser.id == user.id, PortalUser.status == "active").values(status="disabled")
    )
    if changed.rowcount != 1:
        return ActionResult(False, "Someone has just changed this account. Reload the page and try again.")
    session.refresh(user)
    ended = sessions.end_sessions(session, user.id, reason="account_disabled", now=now)
    resets.expire_open_resets(session, user.id, now=now)
    settings = get_settings()
    queue_account_mail(
        session,
        user,
        subject=f"Your {settings.landlord_name} online account has been turned off",
        text=(
            "We have turned off your online account. You cannot sign in to it until we turn it back on, "
            "and you have been signed out everywhere.\n\n"
            "Nothing about your tenancy, your rent account or your requests has changed. "
            "If you did not expect this, or want it turned back on, contact us."
        ),
        kind="account_disabled",
        now=now,
    )
    _record(
        session,
        staff,
        audit.RESIDENT_DISABLED,
        now=now,
        client_ip=client_ip,
        user=user,
        detail={"reason": text, "sessions_ended": ended},
    )
    return ActionResult(True, "Done: their online account is turned off and they are signed out everywhere.")


def enable(
    session: Session,
    staff: StaffPrincipal,
    user_id: object,
    reason: object,
    *,
    now: datetime,
    client_ip: str | None = None,
) -> ActionResult:
    """Turn a turned-off account back on, as it was; the resident is emailed. Error:
    ``enable_reason``."""
    user, refused = _helpable(session, staff, user_id)
    if refused:
        return refused
    text, errors = _reason(reason, "enable_reason", "turning this account back on")
    if errors:
        return ActionResult(False, errors=errors)
    if user.status != "disabled":
        return ActionResult(False, "This account is not turned off.")
    clash = session.exec(
        select(PortalUser.id).where(
            PortalUser.id != user.id,
            PortalUser.status == "active",
            or_(
                PortalUser.email == user.email,
                (PortalUser.person_id == user.person_id) & (PortalUser.tenancy_id == user.tenancy_id),
            ),
        )
    ).first()
    if clash is not None:
        return ActionResult(False, "Another active portal account now has this email address or this tenancy.")
    changed = session.exec(
        update(PortalUser).where(PortalUser.id == user.id, PortalUser.status == "disabled").values(status="active")
    )
    if changed.rowcount != 1:
        return ActionResult(False, "Someone has just changed this account. Reload the page and try again.")
    session.refresh(user)
    settings = get_settings()
    queue_account_mail(
        session,
        user,
        subject=f"Your {settings.landlord_name} online account is turned back on",
        text=(
            "We have turned your online account back on. You can sign in again with your email address "
            "and your password, as before.\n\n"
            f"If you have forgotten your password, choose a new one at {settings.base_url}{routes.FORGOT_PASSWORD}"
        ),
        kind="account_enabled",
        now=now,
    )
    _record(session, staff, audit.RESIDENT_ENABLED, now=now, client_ip=client_ip, user=user, detail={"reason": text})
    return ActionResult(True, "Done: their online account is turned back on. They can sign in as before.")


__all__ = [
    "ANY",
    "MAX_RESULTS",
    "MIN_CHARS",
    "MIN_NAME_CHARS",
    "NO_PORTAL_ACCOUNT",
    "SEARCH_BY",
    "ActionResult",
    "NotAllowed",
    "ResidentAccount",
    "ResidentMatch",
    "ResidentProfile",
    "ResidentView",
    "SearchResult",
    "SignInHelp",
    "disable",
    "enable",
    "mask_mobile",
    "resident_id",
    "search",
    "send_password_link",
    "sign_out_everywhere",
    "unlock",
    "view_account",
    "view_request",
    "view_resident",
]
