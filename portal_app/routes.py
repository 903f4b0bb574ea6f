"""Every path the portal serves, and the URL builders. No literal hrefs elsewhere."""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

START = "/"
REGISTER = "/register"
REGISTER_CODE = "/register/code"
SIGN_IN = "/sign-in"
SIGN_IN_TWO_STEP = "/sign-in/two-step"
SIGNED_OUT = "/signed-out"
# After "Not you?": what was done (every session ended, a reset link emailed) and what next.
SIGNED_OUT_NOT_ME = "/signed-out/not-you"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset-password"
HOME = "/home"
SECURITY = "/security"
DEV_MAILBOX = "/dev/mailbox"
ACCESSIBILITY = "/accessibility"
ACCOUNT = "/account"
STATEMENT = "/account/statement"
REQUESTS = "/requests"
NEW_REQUEST = "/requests/new"
REQUEST_DETAIL = "/requests/view"
SAVED_STATEMENTS = "/saved-statements"
SAVED_STATEMENT_PREFIX = "/saved/"  # served from the device by the service worker (assets/sw-extra.js)
OFFLINE_PAGE = "/offline.html"
SERVICE_WORKER = "/sw.js"
MANIFEST = "/manifest.webmanifest"
BUDGET = "/budget-planner"
# Paying by card (pages/payments/): choose and check, then the receipt (or what went wrong).
PAY = "/pay"
PAYMENT_RESULT = "/pay/result"
# Payment plans (pages/payments/plans.py, new_plan.py): "My payment plans", and proposing one.
PAYMENT_PLANS = "/payment-plans"
NEW_PAYMENT_PLAN = "/payment-plans/new"
# Direct Debit (pages/payments/direct_debit.py): the resident's instructions, setting one up,
# and the paper form.
DIRECT_DEBIT = "/direct-debit"
# Your tenancy (pages/tenancy/): what it is, who is on it, the charges, your officers.
TENANCY = "/tenancy"
# Your details and preferences (pages/identity/your_details.py): email (changed with a code to
# the new address), phones, letters by post or online, how we contact you, which messages.
YOUR_DETAILS = "/your-details"
YOUR_DETAILS_EMAIL = "/your-details/email"
RECORD_CHANGE = "/your-details/name-or-date-of-birth"
# Your household (pages/tenancy/household.py): who lives with you, and telling us of a change.
HOUSEHOLD = "/household"
# Permissions (pages/tenancy/permissions.py): a pet, an alteration, a business, a lodger, a vehicle.
PERMISSIONS = "/permissions"
ASK_PERMISSION = "/permissions/ask"
# Complaints, compliments and comments (pages/tenancy/complaints.py).
COMPLAINTS = "/complaints"
NEW_COMPLAINT = "/complaints/new"
ESCALATE_COMPLAINT = "/complaints/escalate"
FEEDBACK = "/complaints/compliment-or-comment"
# Ending or swapping a tenancy (pages/tenancy/end.py, exchange.py).
END_TENANCY = "/tenancy/give-notice"
MUTUAL_EXCHANGE = "/tenancy/mutual-exchange"
# Letters and documents the landlord sent (pages/tenancy/letters.py).
LETTERS = "/letters"
# Repairs (pages/repairs/): "My repairs", reporting one, and one repair.
REPAIRS = "/repairs"
NEW_REPAIR = "/repairs/new"
REPAIR_DETAIL = "/repairs/view"
# Residents' own records and data rights (pages/identity/sign_in_history.py, pages/rights/).
SIGN_IN_HISTORY = "/security/history"
MY_DATA = "/your-data"
DATA_REQUEST = "/your-data/correct-or-delete"
PRIVACY = "/privacy"
COOKIES = "/cookies"
# Reflex's name for the page every unknown address shows (pages/identity/not_found.py).
NOT_FOUND = "404"

# Files from assets/, served at the site's root.
PWA_SCRIPT = "/pwa.js"
KIOSK_SCRIPT = "/kiosk.js"
SESSION_TIMEOUT_SCRIPT = "/session_timeout.js"
ICON_192 = "/icons/icon-192.png"
APPLE_TOUCH_ICON = "/icons/apple-touch-icon.png"

# The back office (more of its paths at the end of this file).
STAFF_SIGN_IN = "/staff/sign-in"
STAFF_NOT_ALLOWED = "/staff/not-allowed"

API_HEALTH = "/api/health"
API_STATEMENT_PDF = "/api/statement.pdf"
API_STATEMENT_CSV = "/api/statement.csv"
API_UC_LETTER_PDF = "/api/uc-rent-statement.pdf"
API_STATEMENT_HTML = "/api/statement.html"
# "Download my data": everything the portal holds about the signed-in resident.
API_MY_DATA_JSON = "/api/my-data.json"
API_MY_DATA_HTML = "/api/my-data.html"
# The Direct Debit paper form, filled in with the resident's name, address and payment reference.
API_DIRECT_DEBIT_FORM_PDF = "/api/direct-debit-form.pdf"
# A repair's photo (api/repair_photos.py): only for the resident whose home it is, with the
# session cookie, or staff; never from a public folder.
API_REPAIR_PHOTO = "/api/repair-photo/{key}"
# The contractor's signed status callbacks (api/repair_notify.py, docs/repairs-system-api.md).
API_REPAIR_NOTIFY = "/api/repairs/notify"
# A photo or PDF a resident sent with a request (api/request_evidence.py): only for the
# resident who sent it, with the session cookie, or staff.
API_REQUEST_EVIDENCE = "/api/evidence/{key}"
# A letter or document from the landlord (api/documents.py): only for a resident it is for.
API_DOCUMENT = "/api/document/{ref}"
# GOV.UK Notify's delivery receipts (api/notify_callback.py), with its bearer token.
API_NOTIFY_CALLBACK = "/api/notify/callback"
# Sign-out ends with a full load of this route: Clear-Site-Data, then SIGNED_OUT (a kiosk: START).
API_SIGNED_OUT = "/api/signed-out"
# A sign-in step that succeeded over the websocket ends with a full load of this route,
# whose response sets its HttpOnly cookie (api/handoff.py).
API_HANDOFF = "/api/handoff"
# The link in the password reset email: it puts the reset token in a cookie and goes on to RESET_PASSWORD.
API_RESET = "/api/reset"
# The link in the email asking the other joint tenant to agree to a refund (no portal
# account): a small page of its own that answers once (api/joint_consent.py).
API_JOINT_CONSENT = "/api/joint-consent"
# Officers' single sign-on (api/staff_sso.py): start goes to the landlord's identity
# provider, which sends the browser back to the callback (its redirect URI).
# Card payments (api/payments.py): the browser leaves for the provider's card page
# through go, and the provider sends it back to return; signed notifications arrive at
# notify/<provider>. The built-in sandbox's own card page is under sandbox-pay/.
API_PAYMENT_GO = "/api/payments/go"
API_PAYMENT_RETURN = "/api/payments/return"
API_PAYMENT_NOTIFY = "/api/payments/notify/{provider}"
API_SANDBOX_PAY = "/api/sandbox-pay/{payment_id}"
API_STAFF_SSO_START = "/api/staff/sso/start"
API_STAFF_SSO_CALLBACK = "/api/staff/sso/callback"

PRIVATE_PAGES = (
    HOME,
    SECURITY,
    SIGN_IN_HISTORY,
    ACCOUNT,
    STATEMENT,
    REQUESTS,
    NEW_REQUEST,
    REQUEST_DETAIL,
    PAY,
    PAYMENT_RESULT,
    PAYMENT_PLANS,
    NEW_PAYMENT_PLAN,
    DIRECT_DEBIT,
    REPAIRS,
    NEW_REPAIR,
    REPAIR_DETAIL,
    YOUR_DETAILS,
    YOUR_DETAILS_EMAIL,
    RECORD_CHANGE,
    HOUSEHOLD,
    PERMISSIONS,
    ASK_PERMISSION,
    COMPLAINTS,
    NEW_COMPLAINT,
    ESCALATE_COMPLAINT,
    FEEDBACK,
    END_TENANCY,
    MUTUAL_EXCHANGE,
    LETTERS,
    TENANCY,
    MY_DATA,
    DATA_REQUEST,
)


def safe_next(raw: str | None) -> str:
    """Cut a `next` value to a path on this site; anything else goes home."""
    if not raw:
        return HOME
    parsed = urlparse(raw)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith("/") or parsed.path.startswith(("//", "/\\")):
        return HOME
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def with_query(path, **params):
    """``path`` with a query of ``params`` in the order given, leaving out empty ones.

    A value may be a value in the browser (a Reflex Var, say ``State.chosen_ref``): then
    the URL is a Var too, joined in the browser (and not encoded, as the browser gives it)."""
    url = path
    sep = "&" if isinstance(path, str) and "?" in path else "?"
    for name, value in params.items():
        if value is None or (isinstance(value, str) and value == ""):
            continue
        if isinstance(value, str):
            url = url + f"{sep}{urlencode({name: value}, safe='/')}"
        else:
            url = url + f"{sep}{name}=" + value
        sep = "&"
    return url


# Why a session ended, as the sign-in page says it (``why=``): nothing was done for the idle limit.
ENDED_IDLE = "idle"


def sign_in(next_path: str | None = None, why: str | None = None) -> str:
    """The sign-in page, coming back to ``next_path`` (cut to a path on this site, with its
    query) after; ``why=ENDED_IDLE`` when the session ended because it was not used."""
    return with_query(SIGN_IN, why=why if why == ENDED_IDLE else None, next=safe_next(next_path) if next_path else None)


def signed_out_after_idle(next_path: str | None) -> str:
    """The sign-out route when the page saw the session end for want of use: it clears the
    cookies, then the sign-in page says why and comes back to ``next_path``."""
    return with_query(API_SIGNED_OUT, why=ENDED_IDLE, next=safe_next(next_path))


def staff_sign_in(next_path: str | None = None) -> str:
    """The staff sign-in page, coming back to ``next_path`` after."""
    return with_query(STAFF_SIGN_IN, next=safe_next(next_path) if next_path else None)


def staff_sso_start(next_path: str | None = None) -> str:
    """The single sign-on button's link: to the identity provider, back to ``next_path`` after."""
    return with_query(API_STAFF_SSO_START, next=safe_next(next_path) if next_path else None)


def staff_sign_in_sso_refused(reason: str) -> str:
    """The staff sign-in page, saying why single sign-on did not sign the officer in
    (``services/staff/sso.py``: ``MESSAGES``)."""
    return with_query(STAFF_SIGN_IN, sso=reason)


def signed_out_everywhere() -> str:
    """The sign-out route after "Not you?": says every session has ended."""
    return with_query(API_SIGNED_OUT, everywhere="1")


def signed_out_not_me() -> str:
    """The sign-out route after "Not you?": lands on ``SIGNED_OUT_NOT_ME``."""
    return with_query(API_SIGNED_OUT, not_me="1")


def handoff(code: str, *, staff: bool = False) -> str:
    """The handoff route that sets the cookies a websocket event left under ``code``
    (``staff``: a back-office sign-in, whose code that no longer works goes back to the
    staff sign-in page, not the residents')."""
    return with_query(API_HANDOFF, code=code, side="staff" if staff else None)


def reset_link(token: str) -> str:
    """The path of the password reset email's link (the base URL goes in front)."""
    return with_query(API_RESET, token=token)


def signed_out_page(everywhere: bool = False) -> str:
    """The signed-out page; ``everywhere`` when every session of the resident has ended."""
    return with_query(SIGNED_OUT, everywhere="1" if everywhere else None)


def with_account(path, account_ref):
    """One of the account pages (``ACCOUNT``, ``STATEMENT``, ``NEW_REQUEST``) for one account."""
    return with_query(path, account=account_ref)


def account(account_ref) -> str:
    """The account page (balance and transactions) for one account."""
    return with_account(ACCOUNT, account_ref)


def statement(account_ref) -> str:
    """The statements page for one account."""
    return with_account(STATEMENT, account_ref)


def new_request(kind=None, account=None, transaction=None, date_from=None, date_to=None):
    """The new-request form: of one kind, about one account (and one transaction, or a period)."""
    return with_query(
        NEW_REQUEST, kind=kind, account=account, transaction=transaction, **{"from": date_from, "to": date_to}
    )


def pay(account_ref=None) -> str:
    """The payment page, for one account."""
    return with_account(PAY, account_ref)


def new_payment_plan(account_ref=None) -> str:
    """Proposing a payment plan, for one account."""
    return with_account(NEW_PAYMENT_PLAN, account_ref)


def direct_debit(account_ref=None) -> str:
    """Direct Debit (the resident's instructions, and setting one up), for one account."""
    return with_account(DIRECT_DEBIT, account_ref)


def repair_detail(reference) -> str:
    """One of the resident's repairs."""
    return with_query(REPAIR_DETAIL, repair=reference)


def repair_photo(key: str) -> str:
    return API_REPAIR_PHOTO.replace("{key}", key)


def request_evidence(key: str) -> str:
    return API_REQUEST_EVIDENCE.replace("{key}", key)


def document(ref: str) -> str:
    return API_DOCUMENT.replace("{ref}", ref)


def ask_permission(kind=None) -> str:
    """Asking for one kind of permission (pet, alteration, business, lodger, vehicle)."""
    return with_query(ASK_PERMISSION, kind=kind) if kind else ASK_PERMISSION


def escalate_complaint(reference) -> str:
    """Taking one of the resident's stage 1 complaints to stage 2."""
    return with_query(ESCALATE_COMPLAINT, ref=reference)


def payment_result(reference) -> str:
    """The receipt (or what went wrong) for one of the resident's payments."""
    return with_query(PAYMENT_RESULT, payment=reference)


def request_detail(reference: str) -> str:
    """One of the resident's requests, by its reference."""
    return with_query(REQUEST_DETAIL, ref=reference)


def download(path: str, ticket: str) -> str:
    """A download route (``API_STATEMENT_PDF``, ``API_STATEMENT_CSV``, ``API_UC_LETTER_PDF``,
    ``API_STATEMENT_HTML``, ``API_MY_DATA_JSON``, ``API_MY_DATA_HTML``, ``API_DIRECT_DEBIT_FORM_PDF``)
    with its short-lived ticket."""
    return with_query(path, ticket=ticket)


# --- The back office ---------------------------------------------------------------------

STAFF_PREFIX = "/staff"
STAFF_HOME = "/staff"
STAFF_QUEUE = "/staff/requests"
STAFF_REQUEST = "/staff/requests/view"
STAFF_RESIDENTS = "/staff/residents"
STAFF_RESIDENT = "/staff/residents/view"
STAFF_REGISTRATION = "/staff/registration"
STAFF_AUDIT = "/staff/audit"
STAFF_IMPORTS = "/staff/imports"
STAFF_TEAM = "/staff/team"
STAFF_SET_UP = "/staff/set-up"
# Repairs in the back office (pages/staff/repairs.py, repair.py): the queue, and one repair.
STAFF_REPAIRS = "/staff/repairs"
STAFF_REPAIR = "/staff/repairs/view"
# Pages a browser without a staff session may open (the others send it to sign in).
STAFF_OPEN_PAGES = (STAFF_SIGN_IN, STAFF_SET_UP, STAFF_NOT_ALLOWED)
# Staff sign-out ends with a full load of this route: it clears the staff cookie only.
API_STAFF_SIGNED_OUT = "/api/staff/signed-out"
API_STAFF_PREFIX = "/api/staff/"
# The audit log's search as a CSV file (checks the staff cookie and view_audit itself).
API_STAFF_AUDIT_CSV = "/api/staff/audit.csv"
# The link in a new member of staff's set-up email: it puts the token in an HttpOnly
# cookie and goes on to STAFF_SET_UP, so the token is never in the page's address or state.
API_STAFF_SET_UP = "/api/staff/set-up"


def staff_queue(*, kind=None, status=None, assigned=None, patch=None, age=None, page=None) -> str:
    """The requests queue with its filters (any left out: the default)."""
    return with_query(
        STAFF_QUEUE,
        kind=kind,
        status=status,
        assigned=assigned,
        patch=patch,
        age=age,
        page=str(page) if isinstance(page, int) else page,
    )


def joint_consent_link(token: str) -> str:
    """The path of the joint-consent email's link (the base URL goes in front)."""
    return with_query(API_JOINT_CONSENT, token=token)


def staff_request(reference: str) -> str:
    """One request in the back office, by its reference."""
    return with_query(STAFF_REQUEST, ref=reference)


def staff_resident(user_id) -> str:
    """One resident in the back office (read-only, as they see it), by their portal account id."""
    return with_query(STAFF_RESIDENT, id=str(user_id) if isinstance(user_id, int) else user_id)


def staff_audit_csv(params: dict[str, str]) -> str:
    """The audit log's CSV export for one search (``audit_search.AuditQuery.params``)."""
    return with_query(API_STAFF_AUDIT_CSV, **params)


def staff_set_up_link(token: str) -> str:
    """The path of a new member of staff's set-up link (the base URL goes in front)."""
    return with_query(API_STAFF_SET_UP, token=token)


def staff_repairs(*, status=None, priority=None, kind=None, overdue=None, page=None) -> str:
    """The repairs queue with its filters (any left out: the default)."""
    return with_query(
        STAFF_REPAIRS,
        status=status,
        priority=priority,
        kind=kind,
        overdue=overdue,
        page=str(page) if isinstance(page, int) else page,
    )


def staff_repair(reference) -> str:
    """One repair in the back office, by its reference."""
    return with_query(STAFF_REPAIR, ref=reference)
