"""One typed settings object, read from the environment.

Every variable is listed in the README with its default. Nothing else in the
project reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Tenures a resident may register with, by default (the landlord's terms for online access).
DEFAULT_ELIGIBLE_TENURES = ("secure", "introductory", "flexible", "assured", "leasehold", "shared_ownership")
DEFAULT_ELIGIBLE_ROLES = ("lead_tenant", "joint_tenant", "leaseholder", "joint_leaseholder")


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None or value.strip() == "":
        return default
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _int(value: str | None, default: int) -> int:
    if value is None or value.strip() == "":
        return default
    return int(value)


def _days_by_kind(value: str | None) -> tuple[tuple[str, int], ...]:
    """'refund=10,query=5' -> (('refund', 10), ('query', 5)); a bad entry stops the start."""
    found: list[tuple[str, int]] = []
    for part in _list(value, ()):
        kind, sep, days = part.partition("=")
        if not sep or not kind.strip() or not days.strip().isdigit():
            raise ValueError(f"REQUEST_TARGET_DAYS_BY_KIND: {part!r} is not kind=working days, like refund=10")
        found.append((kind.strip(), int(days)))
    return tuple(found)


def _dates(value: str | None, name: str) -> tuple[date, ...]:
    """'2026-12-24,2026-12-31' -> those dates; a bad one stops the start."""
    found: list[date] = []
    for part in _list(value, ()):
        try:
            found.append(date.fromisoformat(part))
        except ValueError:
            raise ValueError(f"{name}: {part!r} is not a date like 2026-12-24") from None
    return tuple(found)


def _choice(value: str | None, allowed: tuple[str, ...], name: str) -> str:
    """One of ``allowed``, or "" when unset; anything else is a configuration error."""
    value = (value or "").strip()
    if value and value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)} (or empty), not {value!r}")
    return value


def _collection_days(value: str | None) -> tuple[int, ...]:
    """'1,15' -> (1, 15), sorted; each a day of the month from 1 to 28 (every month has it),
    at least one (Bacs collection dates; services/payments/direct_debit_rules.py). A bad one
    stops the start."""
    days: set[int] = set()
    for part in _list(value, ("1", "8", "15", "22", "28")):
        if not part.isdigit() or not 1 <= int(part) <= 28:
            raise ValueError(f"DIRECT_DEBIT_COLLECTION_DAYS: {part!r} is not a day of the month from 1 to 28")
        days.add(int(part))
    return tuple(sorted(days))


def _service_user_number(value: str | None) -> str:
    """The landlord's Bacs service user number: 6 digits (a demo one when unset)."""
    number = (value or "").strip() or "123456"
    if not (number.isascii() and number.isdigit() and len(number) == 6):
        raise ValueError(f"DIRECT_DEBIT_SERVICE_USER_NUMBER must be the 6 digits Bacs gave you, not {number!r}")
    return number


_REPAIR_TARGETS_DEFAULT = "urgent:5,routine:20,planned:60"


def _repair_targets(value: str | None) -> tuple[tuple[str, int], ...]:
    """'urgent:5,routine:20,planned:60' -> (("urgent", 5), ...): the working days each
    priority's repairs should be fixed in (services/repairs/targets.py; an emergency is
    always 24 hours). Every one of urgent, routine and planned must be there; a bad one
    stops the start."""
    found: dict[str, int] = {}
    for part in _list(value, tuple(_REPAIR_TARGETS_DEFAULT.split(","))):
        name, _, days = part.partition(":")
        name, days = name.strip(), days.strip()
        if name not in ("urgent", "routine", "planned") or not days.isdigit() or not 1 <= int(days) <= 365:
            raise ValueError(
                f"REPAIR_TARGET_WORKING_DAYS: {part!r} is not a priority (urgent, routine or planned) "
                "with its working days, like routine:20"
            )
        found[name] = int(days)
    missing = [p for p in ("urgent", "routine", "planned") if p not in found]
    if missing:
        raise ValueError(f"REPAIR_TARGET_WORKING_DAYS: give the working days for {', '.join(missing)} too")
    return tuple(sorted(found.items()))


def _pence_triple(value: str | None, default: tuple[int, int, int], name: str) -> tuple[int, int, int]:
    """'1000,200,5000' -> (1000, 200, 5000)."""
    if not value or not value.strip():
        return default
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{name} must be three amounts in pence, like 1000,200,5000")
    base, per_day, cap = (int(p) for p in parts)
    return base, per_day, cap


def _notify_api_key(value: str | None) -> str:
    """A GOV.UK Notify API key: its name, then the service id and the secret (two UUIDs).
    What is wrong is said without the key itself."""
    key = (value or "").strip()
    if not key:
        return ""
    try:
        uuid.UUID(key[-73:-37])
        uuid.UUID(key[-36:])
        ok = key[-37] == "-" and len(key) > 74 and key[-74] == "-"
    except (ValueError, IndexError):
        ok = False
    if not ok:
        raise ValueError("NOTIFY_API_KEY is not a GOV.UK Notify API key (its name, service id and secret key)")
    return key


def _template_ids(value: str | None, name: str) -> tuple[tuple[str, str], ...]:
    """Template ids by kind, from "kind=template-uuid,kind=template-uuid" ("default=...":
    the kinds not listed)."""
    pairs = []
    for part in (value or "").split(","):
        if not part.strip():
            continue
        kind, _, template = part.partition("=")
        try:
            template = str(uuid.UUID(template.strip()))
        except ValueError:
            raise ValueError(f"{name}: {part.strip()!r} is not kind=template id") from None
        if not kind.strip():
            raise ValueError(f"{name}: {part.strip()!r} has no kind before '='")
        pairs.append((kind.strip(), template))
    return tuple(pairs)


def _secret(data_dir: Path, name: str, env_value: str | None) -> str:
    """A secret from the environment, or one generated once and kept under data/."""
    if env_value:
        return env_value
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f".{name}"
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str
    smtp_url: str
    mail_from: str
    base_url: str
    env: str  # "prod" or "dev"
    secret_key: str
    encryption_key: str
    landlord_name: str
    landlord_phone: str
    landlord_email: str
    landlord_hours: str
    landlord_address: str
    eligible_tenures: tuple[str, ...]
    eligible_roles: tuple[str, ...]
    allow_former_tenants: bool
    session_idle_minutes: int
    session_absolute_hours: int
    code_valid_minutes: int
    code_max_attempts: int
    code_resend_seconds: int
    reset_valid_minutes: int
    kiosk_hosts: tuple[str, ...] = field(default_factory=tuple)
    # Before a resident's session ends for want of use, the page warns this long ahead with
    # "Stay signed in" (WCAG 2.2.1 Timing Adjustable; assets/session_timeout.js). At least 2
    # minutes; never more than half of a session's own idle limit.
    session_warning_seconds: int = 120
    # Sign-in throttles (services/identity/lockout.py, docs/security-policy.md). Nobody is ever
    # locked out: one address failing at one account waits longer after each failure past the
    # free tries; many failures at one account, or from one address, ask for an extra check.
    signin_free_tries: int = 5
    signin_max_wait_seconds: int = 900
    signin_window_minutes: int = 60
    signin_account_limit: int = 50
    signin_address_limit: int = 100
    signin_code_account_limit: int = 10
    # Reset emails per account in an hour: from one address, and from all addresses together.
    reset_mail_per_address: int = 3
    reset_mail_per_account: int = 10
    # Registration throttles (services/identity/registration.py): failed tries before waits begin.
    register_free_tries_per_client: int = 10
    register_free_tries_per_reference: int = 5
    register_limit_window_minutes: int = 60
    register_max_wait_seconds: int = 900
    # Kiosk mode (services/identity/kiosk.py): sign out after this long without input, warning
    # this long before; the server ends a kiosk session after kiosk_session_idle_minutes.
    kiosk_idle_seconds: int = 180
    kiosk_warning_seconds: int = 60
    kiosk_session_idle_minutes: int = 4
    # The back office (services/staff/): its sessions end after this long without use and
    # this long after they began; STAFF_HOSTS, when set, are the only host names its pages
    # and handlers answer on (elsewhere: not found).
    staff_session_idle_minutes: int = 15
    staff_session_hours: int = 10
    staff_hosts: tuple[str, ...] = field(default_factory=tuple)
    # The landlord's data feed uploaded in the back office (services/staff/imports.py): the
    # largest .zip taken, in megabytes (what it unpacks to may be at most 20 times that).
    import_max_mb: int = 50
    # Standing orders go to this account, quoting the resident's account reference.
    landlord_bank_name: str = "Northbrook Homes Rent Account"
    landlord_sort_code: str = "20-00-00"
    landlord_account_number: str = "55779911"
    # A leaseholder's service charge and major works accounts are paid into this one.
    landlord_leasehold_bank_name: str = "Northbrook Homes Leasehold Account"
    landlord_leasehold_sort_code: str = "20-00-00"
    landlord_leasehold_account_number: str = "55779922"
    # A refund leaves this many weeks of the account's regular charge in credit (the landlord's refund policy).
    refund_keep_back_weeks: int = 1
    # The days a leaseholder's bill (service charge, major works, a year-end balancing charge)
    # gives to pay, as the lease does (commonly 30): owed from the day it is charged, overdue
    # (arrears) only after this many days (services/accounts/owed.py). 0: due when charged.
    leasehold_bill_days_to_pay: int = 30
    # A resident's account may have this many requests of one kind made in one UK day (0: no limit),
    # so a script cannot flood the officers' queue and the outbox.
    requests_per_kind_per_day: int = 5
    # Data protection (the privacy notice, pages/rights/privacy.py): who answers residents'
    # data rights requests, and the landlord's entry in the ICO's register of fee payers.
    data_protection_officer_email: str = "dpo@northbrook-homes.example"
    ico_registration_number: str = "ZA000000"
    # Retention (services/identity/retention.py, services/mail/jobs.py; the privacy notice
    # states each period): what the worker deletes, and after how long.
    retain_expired_codes_hours: int = 24  # registration attempts and reset links, after they stop working
    retain_handoff_minutes: int = 60  # the one-minute codes that hand a cookie to the browser
    retain_ended_sessions_days: int = 30  # residents' and staff sessions, from when they ended
    retain_throttle_hours: int = 48  # failed sign-in and registration counters (never less than their windows)
    signin_known_address_days: int = 90  # an address an account signed in from counts as its own this long
    retain_mail_body_days: int = 7  # a delivered email's text (codes, links) is emptied after this; the envelope stays
    retain_waiting_list_days: int = 30  # a waiting-list entry, after its invitation to register was sent
    # Response targets for residents' requests, in working days (services/requests/targets.py;
    # seed 000: "wait 5-10 working days for a response"): one for every kind, and any kind's
    # own; weekends, England and Wales bank holidays and these local closures are not working days.
    request_target_working_days: int = 10
    request_target_days_by_kind: tuple[tuple[str, int], ...] = ()
    bank_holidays_extra: tuple[date, ...] = ()
    # Officers' single sign-on with the landlord's identity provider (integrations/oidc.py).
    # No issuer: single sign-on is off and the staff sign-in page shows no button for it.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile email"
    oidc_provider_name: str = "Sign in with your organisation account"
    # client_secret_basic or client_secret_post; empty: the first the provider's discovery
    # document offers, basic before post.
    oidc_token_auth_method: str = ""
    # The production profile (`make run-prod`, deploy/): backend worker processes on this
    # machine. 0 (unset): Reflex's own choice with Redis, 2 x CPU cores + 1.
    web_workers: int = 0

    # The background worker (portal_app/worker.py, huey): whether the web process runs it
    # (default: yes without REDIS_URL, the embedded default; no with it: run
    # `python -m portal_app worker` as its own process), its threads, and its queue's name
    # (huey's storage name and Redis key prefix: two portals on one Redis need two names).
    worker_in_web: bool = True
    worker_threads: int = 2
    worker_queue: str = "doorstep"
    # How long a deliverer holds an outbox message it is sending (services/mail/outbox.py):
    # keep it well above the SMTP timeout (10 s); one that dies holding a message delays it this long.
    mail_lease_seconds: int = 120

    # Card payments (services/payments/card.py, integrations/payments/): the provider new
    # payments use (sandbox: the built-in card page, the embedded default; govuk_pay), the
    # smallest and largest amount a resident may pay at once, in pence, and GOV.UK Pay's
    # API address, API key and webhook signing secret.
    payment_provider: str = "sandbox"
    payment_min_pence: int = 100
    payment_max_pence: int = 500_000
    govuk_pay_base_url: str = "https://publicapi.payments.service.gov.uk"
    govuk_pay_api_key: str = ""
    govuk_pay_webhook_secret: str = ""
    # Payment plans (services/payments/plans.py): the least a resident may pay towards their
    # arrears, as a weekly amount in pence (converted for other frequencies); plans clearing
    # within this many weeks start at once, longer ones wait for the income officer; and how
    # far ahead a plan may start.
    plan_min_extra_weekly_pence: int = 250
    plan_approval_weeks: int = 52
    plan_latest_start_days: int = 28
    # Direct Debit (services/payments/direct_debit.py): the days of the month a resident may
    # choose for collections (each 1 to 28, so every month has it), the landlord's Bacs service
    # user number (on the paper form and in the bureau export), and newer Vocalink modulus
    # checking tables (VALACDOS.txt and SCSUBTAB.txt; empty: the ones bundled in
    # portal_app/data/modulus/, services/payments/modulus.py).
    direct_debit_collection_days: tuple[int, ...] = (1, 8, 15, 22, 28)
    direct_debit_service_user_number: str = "123456"
    modulus_weights_file: str = ""
    modulus_substitutions_file: str = ""
    # Repairs (services/repairs/): the working days each priority should be fixed in, the
    # reports one home may make in a day (seed 001: six), the out-of-hours emergency line
    # and its hours, the Right to Repair (secure tenants of a council) and its compensation
    # (base, per day, most, in pence), and the landlord's own triage tree (empty: the bundled one).
    repair_target_working_days: tuple[tuple[str, int], ...] = (("planned", 60), ("routine", 20), ("urgent", 5))
    repairs_per_home_per_day: int = 6
    repairs_emergency_phone: str = "0300 123 4999"
    repairs_emergency_hours: str = "24 hours a day, every day"
    right_to_repair: bool = True
    right_to_repair_compensation: tuple[int, int, int] = (1000, 200, 5000)
    repairs_triage_file: str = ""
    # Where appointment slots come from (integrations/repairs/): the built-in sandbox (slots
    # from the working hours, REPAIRS_SLOT_HOURS long (0: a morning and an afternoon), each
    # for REPAIRS_SLOT_CAPACITY jobs) or a contractor system's HTTP API
    # (docs/repairs-system-api.md), and the secret its signed status updates carry.
    repairs_system: str = "sandbox"
    repairs_working_hours: str = "08:00-18:00"
    repairs_slot_hours: int = 0
    repairs_slot_capacity: int = 2
    repairs_system_url: str = ""
    repairs_system_api_key: str = ""
    repairs_system_timeout_seconds: float = 5.0
    repairs_notify_secret: str = ""
    # Texts and email through GOV.UK Notify (integrations/notify.py, docs/notify.md): how email
    # goes (MAIL_TRANSPORT: smtp | notify | local; empty: smtp with SMTP_URL, else notify
    # with NOTIFY_API_KEY, else the local outbox), the API key (texts go through Notify
    # whenever it is set; never logged), Notify's address, the template for each kind of
    # message ("default" for kinds not listed; every template gets ((subject)) and ((body)))
    # and the bearer token Notify's delivery-status callbacks carry.
    mail_transport: str = ""
    notify_api_key: str = field(default="", repr=False)
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    notify_email_template_ids: tuple[tuple[str, str], ...] = ()
    notify_sms_template_ids: tuple[tuple[str, str], ...] = ()
    notify_callback_token: str = field(default="", repr=False)
    # Ending or swapping a tenancy (services/tenancy/notice.py, exchange.py): the day a
    # tenant's notice must end on when the tenancy has no rule of its own (monday | sunday |
    # period_end | any_day), and where residents can look for a mutual exchange.
    notice_end_day: str = "monday"
    mutual_exchange_url: str = "https://www.homeswapper.co.uk/"
    # The landlord's choice-based lettings site, linked from a transfer application
    # (services/tenancy/details.py); empty: no link.
    choice_based_lettings_url: str = ""

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    @property
    def outbox_is_local(self) -> bool:
        return not self.smtp_url


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("PORTAL_DATA_DIR") or PROJECT_ROOT / "data")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'portal.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env.get("REDIS_URL", ""),
        worker_in_web=_bool(env.get("WORKER_IN_WEB"), not env.get("REDIS_URL", "")),
        worker_threads=max(1, _int(env.get("WORKER_THREADS"), 2)),
        worker_queue=(env.get("WORKER_QUEUE") or "doorstep").strip(),
        mail_lease_seconds=max(1, _int(env.get("MAIL_LEASE_SECONDS"), 120)),
        smtp_url=env.get("SMTP_URL", ""),
        mail_from=env.get("MAIL_FROM", "Doorstep <no-reply@doorstep.localhost>"),
        base_url=(env.get("PORTAL_BASE_URL") or "http://localhost:3000").rstrip("/"),
        env=env.get("PORTAL_ENV", "prod"),
        secret_key=_secret(data_dir, "secret_key", env.get("SECRET_KEY")),
        encryption_key=_secret(data_dir, "encryption_key", env.get("ENCRYPTION_KEY")),
        landlord_name=env.get("LANDLORD_NAME", "Northbrook Homes"),
        landlord_phone=env.get("LANDLORD_PHONE", "0300 123 4567"),
        landlord_email=env.get("LANDLORD_EMAIL", "income@northbrook-homes.example"),
        landlord_hours=env.get("LANDLORD_HOURS", "Monday to Friday, 9am to 5pm"),
        landlord_address=env.get("LANDLORD_ADDRESS", "Northbrook Homes, 1 Civic Way, Northbrook NB1 1AA"),
        eligible_tenures=_list(env.get("REGISTER_TENURES"), DEFAULT_ELIGIBLE_TENURES),
        eligible_roles=_list(env.get("REGISTER_ROLES"), DEFAULT_ELIGIBLE_ROLES),
        allow_former_tenants=_bool(env.get("REGISTER_FORMER_TENANTS"), False),
        session_idle_minutes=_int(env.get("SESSION_IDLE_MINUTES"), 30),
        session_absolute_hours=_int(env.get("SESSION_ABSOLUTE_HOURS"), 12),
        session_warning_seconds=max(120, _int(env.get("SESSION_WARNING_SECONDS"), 120)),
        code_valid_minutes=_int(env.get("CODE_VALID_MINUTES"), 10),
        code_max_attempts=_int(env.get("CODE_MAX_ATTEMPTS"), 5),
        code_resend_seconds=_int(env.get("CODE_RESEND_SECONDS"), 60),
        reset_valid_minutes=_int(env.get("RESET_VALID_MINUTES"), 30),
        signin_free_tries=_int(env.get("SIGNIN_FREE_TRIES"), 5),
        signin_max_wait_seconds=_int(env.get("SIGNIN_MAX_WAIT_SECONDS"), 900),
        signin_window_minutes=_int(env.get("SIGNIN_WINDOW_MINUTES"), 60),
        signin_account_limit=_int(env.get("SIGNIN_ACCOUNT_LIMIT"), 50),
        signin_address_limit=_int(env.get("SIGNIN_ADDRESS_LIMIT"), 100),
        signin_code_account_limit=_int(env.get("SIGNIN_CODE_ACCOUNT_LIMIT"), 10),
        reset_mail_per_address=_int(env.get("RESET_MAIL_PER_ADDRESS"), 3),
        reset_mail_per_account=_int(env.get("RESET_MAIL_PER_ACCOUNT"), 10),
        register_free_tries_per_client=_int(env.get("REGISTER_FREE_TRIES_PER_CLIENT"), 10),
        register_free_tries_per_reference=_int(env.get("REGISTER_FREE_TRIES_PER_REFERENCE"), 5),
        register_limit_window_minutes=_int(env.get("REGISTER_LIMIT_WINDOW_MINUTES"), 60),
        register_max_wait_seconds=_int(env.get("REGISTER_MAX_WAIT_SECONDS"), 900),
        kiosk_hosts=_list(env.get("KIOSK_HOSTS"), ()),
        kiosk_idle_seconds=_int(env.get("KIOSK_IDLE_SECONDS"), 180),
        kiosk_warning_seconds=_int(env.get("KIOSK_WARNING_SECONDS"), 60),
        kiosk_session_idle_minutes=_int(env.get("KIOSK_SESSION_IDLE_MINUTES"), 4),
        staff_session_idle_minutes=_int(env.get("STAFF_SESSION_IDLE_MINUTES"), 15),
        staff_session_hours=_int(env.get("STAFF_SESSION_HOURS"), 10),
        staff_hosts=tuple(h.lower() for h in _list(env.get("STAFF_HOSTS"), ())),
        import_max_mb=_int(env.get("IMPORT_MAX_MB"), 50),
        landlord_bank_name=env.get("LANDLORD_BANK_NAME", "Northbrook Homes Rent Account"),
        landlord_sort_code=env.get("LANDLORD_SORT_CODE", "20-00-00"),
        landlord_account_number=env.get("LANDLORD_ACCOUNT_NUMBER", "55779911"),
        landlord_leasehold_bank_name=env.get("LANDLORD_LEASEHOLD_BANK_NAME", "Northbrook Homes Leasehold Account"),
        landlord_leasehold_sort_code=env.get("LANDLORD_LEASEHOLD_SORT_CODE", "20-00-00"),
        landlord_leasehold_account_number=env.get("LANDLORD_LEASEHOLD_ACCOUNT_NUMBER", "55779922"),
        refund_keep_back_weeks=_int(env.get("REFUND_KEEP_BACK_WEEKS"), 1),
        leasehold_bill_days_to_pay=_int(env.get("LEASEHOLD_BILL_DAYS_TO_PAY"), 30),
        requests_per_kind_per_day=_int(env.get("REQUESTS_PER_KIND_PER_DAY"), 5),
        data_protection_officer_email=env.get("DATA_PROTECTION_OFFICER_EMAIL") or "dpo@northbrook-homes.example",
        ico_registration_number=env.get("ICO_REGISTRATION_NUMBER") or "ZA000000",
        retain_expired_codes_hours=_int(env.get("RETAIN_EXPIRED_CODES_HOURS"), 24),
        retain_handoff_minutes=_int(env.get("RETAIN_HANDOFF_MINUTES"), 60),
        retain_ended_sessions_days=_int(env.get("RETAIN_ENDED_SESSIONS_DAYS"), 30),
        retain_throttle_hours=_int(env.get("RETAIN_THROTTLE_HOURS"), 48),
        signin_known_address_days=_int(env.get("SIGNIN_KNOWN_ADDRESS_DAYS"), 90),
        retain_mail_body_days=_int(env.get("RETAIN_MAIL_BODY_DAYS"), 7),
        retain_waiting_list_days=_int(env.get("RETAIN_WAITING_LIST_DAYS"), 30),
        request_target_working_days=_int(env.get("REQUEST_TARGET_WORKING_DAYS"), 10),
        request_target_days_by_kind=_days_by_kind(env.get("REQUEST_TARGET_DAYS_BY_KIND")),
        bank_holidays_extra=_dates(env.get("BANK_HOLIDAYS_EXTRA"), "BANK_HOLIDAYS_EXTRA"),
        oidc_issuer=env.get("OIDC_ISSUER", "").strip(),
        oidc_client_id=env.get("OIDC_CLIENT_ID", "").strip(),
        oidc_client_secret=env.get("OIDC_CLIENT_SECRET", ""),
        oidc_scopes=env.get("OIDC_SCOPES", "").strip() or "openid profile email",
        oidc_provider_name=env.get("OIDC_PROVIDER_NAME", "").strip() or "Sign in with your organisation account",
        oidc_token_auth_method=_choice(
            env.get("OIDC_TOKEN_AUTH_METHOD"), ("client_secret_basic", "client_secret_post"), "OIDC_TOKEN_AUTH_METHOD"
        ),
        payment_provider=_choice(env.get("PAYMENT_PROVIDER"), ("sandbox", "govuk_pay"), "PAYMENT_PROVIDER")
        or "sandbox",
        payment_min_pence=max(1, _int(env.get("PAYMENT_MIN_PENCE"), 100)),
        payment_max_pence=_int(env.get("PAYMENT_MAX_PENCE"), 500_000),
        govuk_pay_base_url=(env.get("GOVUK_PAY_BASE_URL") or "https://publicapi.payments.service.gov.uk").rstrip("/"),
        govuk_pay_api_key=env.get("GOVUK_PAY_API_KEY", ""),
        govuk_pay_webhook_secret=env.get("GOVUK_PAY_WEBHOOK_SECRET", ""),
        plan_min_extra_weekly_pence=max(1, _int(env.get("PLAN_MIN_EXTRA_WEEKLY_PENCE"), 250)),
        plan_approval_weeks=max(1, _int(env.get("PLAN_APPROVAL_WEEKS"), 52)),
        plan_latest_start_days=max(0, _int(env.get("PLAN_LATEST_START_DAYS"), 28)),
        direct_debit_collection_days=_collection_days(env.get("DIRECT_DEBIT_COLLECTION_DAYS")),
        direct_debit_service_user_number=_service_user_number(env.get("DIRECT_DEBIT_SERVICE_USER_NUMBER")),
        modulus_weights_file=(env.get("MODULUS_WEIGHTS_FILE") or "").strip(),
        modulus_substitutions_file=(env.get("MODULUS_SUBSTITUTIONS_FILE") or "").strip(),
        repair_target_working_days=_repair_targets(env.get("REPAIR_TARGET_WORKING_DAYS")),
        repairs_per_home_per_day=max(0, _int(env.get("REPAIRS_PER_HOME_PER_DAY"), 6)),
        repairs_emergency_phone=(env.get("REPAIRS_EMERGENCY_PHONE") or "0300 123 4999").strip(),
        notice_end_day=_choice(
            env.get("NOTICE_END_DAY"), ("monday", "sunday", "period_end", "any_day"), "NOTICE_END_DAY"
        )
        or "monday",
        mutual_exchange_url=(env.get("MUTUAL_EXCHANGE_URL") or "https://www.homeswapper.co.uk/").strip(),
        choice_based_lettings_url=(env.get("CHOICE_BASED_LETTINGS_URL") or "").strip(),
        repairs_emergency_hours=(env.get("REPAIRS_EMERGENCY_HOURS") or "24 hours a day, every day").strip(),
        right_to_repair=_bool(env.get("RIGHT_TO_REPAIR"), True),
        right_to_repair_compensation=_pence_triple(
            env.get("RIGHT_TO_REPAIR_COMPENSATION"), (1000, 200, 5000), "RIGHT_TO_REPAIR_COMPENSATION"
        ),
        repairs_triage_file=(env.get("REPAIRS_TRIAGE_FILE") or "").strip(),
        repairs_system=_choice(env.get("REPAIRS_SYSTEM"), ("sandbox", "http"), "REPAIRS_SYSTEM") or "sandbox",
        repairs_working_hours=(env.get("REPAIRS_WORKING_HOURS") or "08:00-18:00").strip(),
        repairs_slot_hours=max(0, _int(env.get("REPAIRS_SLOT_HOURS"), 0)),
        repairs_slot_capacity=max(1, _int(env.get("REPAIRS_SLOT_CAPACITY"), 2)),
        repairs_system_url=(env.get("REPAIRS_SYSTEM_URL") or "").strip(),
        repairs_system_api_key=(env.get("REPAIRS_SYSTEM_API_KEY") or "").strip(),
        repairs_system_timeout_seconds=float(_int(env.get("REPAIRS_SYSTEM_TIMEOUT_SECONDS"), 5)),
        repairs_notify_secret=(env.get("REPAIRS_NOTIFY_SECRET") or "").strip(),
        mail_transport=_choice(env.get("MAIL_TRANSPORT"), ("smtp", "notify", "local"), "MAIL_TRANSPORT"),
        notify_api_key=_notify_api_key(env.get("NOTIFY_API_KEY")),
        notify_base_url=(env.get("NOTIFY_BASE_URL") or "https://api.notifications.service.gov.uk").rstrip("/"),
        notify_email_template_ids=_template_ids(env.get("NOTIFY_EMAIL_TEMPLATE_IDS"), "NOTIFY_EMAIL_TEMPLATE_IDS"),
        notify_sms_template_ids=_template_ids(env.get("NOTIFY_SMS_TEMPLATE_IDS"), "NOTIFY_SMS_TEMPLATE_IDS"),
        notify_callback_token=(env.get("NOTIFY_CALLBACK_TOKEN") or "").strip(),
        web_workers=_int(env.get("WEB_WORKERS"), 0) or 2 * (os.cpu_count() or 1) + 1,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
