"""What the privacy notice and the cookie page say, from the settings and the code itself.

Both pages (``pages/rights/privacy.py``, ``pages/rights/cookie_policy.py``) draw what
these functions return, so the words cannot drift from what the portal does:

* ``storage_items`` lists every cookie and every piece of browser storage the portal
  uses, each with its purpose and lifetime. The cookies come from
  ``identity.cookies.KINDS``: a new kind without a description here stops the page being
  built (``UndescribedCookie``), and ``tests/unit/rights/test_notices.py`` checks the page
  names every one. All of it is strictly necessary for a service the resident asked for,
  or kept only when they choose to (saved statements, the budget planner), so there is no
  consent banner (the Privacy and Electronic Communications Regulations 2003, regulation
  6(4): the "strictly necessary" exemption).
* ``holdings`` lists what the portal collects, why, on which lawful basis (UK GDPR
  Article 6) and for how long, the periods read from the retention settings
  (``identity.retention``).

No reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.services.identity import cookies, handoff
from portal_app.settings import Settings

# UK GDPR Article 12(3): "without undue delay and in any event within one month".
ANSWER_WITHIN = "one month"
ICO_COMPLAINTS_URL = "https://ico.org.uk/make-a-complaint/"
ICO_PHONE = "0303 123 1113"
ICO_ADDRESS = "Information Commissioner's Office, Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF"

CONTRACT = "Contract: running your tenancy or lease with you, and the services you ask for (Article 6(1)(b))"
LEGITIMATE = "Legitimate interests: keeping your account and our systems secure (Article 6(1)(f))"
WAITING = "Legitimate interests: telling you when you can register (Article 6(1)(f))"
LEGAL = "Legal obligation: keeping personal data secure and showing who saw it (Articles 6(1)(c) and 32)"

COOKIE = "Cookie"
SESSION_STORAGE = "Session storage"
LOCAL_STORAGE = "Local storage"
CACHE_STORAGE = "Cache storage"
SERVICE_WORKER = "Service worker"


class UndescribedCookie(LookupError):
    """A cookie kind the cookie page does not describe: add it to ``_COOKIE_WORDS``."""


@dataclass(frozen=True)
class StorageItem:
    name: str
    where: str  # COOKIE, SESSION_STORAGE, LOCAL_STORAGE, CACHE_STORAGE, SERVICE_WORKER
    purpose: str
    lifetime: str
    who: str  # "Everyone", "Residents", "Staff" ...


@dataclass(frozen=True)
class Holding:
    what: str
    why: str
    basis: str
    kept: str


def _hours(n: int) -> str:
    return "1 hour" if n == 1 else f"{n} hours"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _minutes(n: int) -> str:
    return "1 minute" if n == 1 else f"{n} minutes"


def _cookie_words(settings: Settings) -> dict[str, tuple[str, str, str]]:
    """kind -> (purpose, lifetime, who)."""
    return {
        cookies.SESSION: (
            "Keeps you signed in. It holds a random code that only our server can match to your sign-in; "
            "no script on the page can read it.",
            f"Until you sign out, and never longer than {_hours(settings.session_absolute_hours)}. Our server also "
            f"ends the sign-in after {_minutes(settings.session_idle_minutes)} without use. On a shared screen in "
            "our offices it goes when the browser closes.",
            "Residents who sign in",
        ),
        cookies.TWO_STEP: (
            "Remembers, between the password and the code from your app, that your password was right.",
            f"{_minutes(cookies.TWO_STEP_SECONDS // 60)}, or until you finish signing in.",
            "Residents with two-step sign-in",
        ),
        cookies.REGISTRATION: (
            "Remembers your registration while you type the code we emailed you.",
            f"{_minutes(cookies.REGISTRATION_SECONDS // 60)}, or until you finish registering.",
            "People registering",
        ),
        cookies.RESET: (
            "Holds the link from a password reset email while you choose a new password, so the link is not "
            "in the page's address.",
            f"{_minutes(cookies.RESET_SECONDS // 60)}.",
            "Residents choosing a new password",
        ),
        cookies.PAYMENT: (
            "Links your return from our payment provider's card page back to the payment you started, so "
            "we can show your receipt. It holds a random key, never your card or bank details, and is sent "
            "when the card page sends you back here.",
            f"{_minutes(cookies.PAYMENT_SECONDS // 60)}, or until you are back from the card page.",
            "Residents paying by card",
        ),
        cookies.STAFF: (
            "Keeps a member of staff signed in to the back office. Residents never get it.",
            f"Until the browser closes; the server ends it after {_minutes(settings.staff_session_idle_minutes)} "
            "without use.",
            "Our staff",
        ),
        cookies.STAFF_SETUP: (
            "Holds the link from the email that invites a new member of staff to set up their back-office "
            "account, so the link is not in the page's address.",
            f"{_minutes(cookies.STAFF_SETUP_SECONDS // 60)}, or until the set-up is finished.",
            "New staff",
        ),
        cookies.STAFF_SSO: (
            "Links a member of staff's single sign-on with the landlord's own sign-in service back to the browser "
            "that began it. It is the one cookie sent when the sign-in service sends the browser back here, and "
            "it proves nothing else.",
            f"{_minutes(cookies.STAFF_SSO_SECONDS // 60)}, or until the sign-in finishes.",
            "Our staff",
        ),
    }


def storage_items(settings: Settings) -> tuple[StorageItem, ...]:
    """Every cookie and piece of browser storage the portal uses, in the order the page lists them."""
    words = _cookie_words(settings)
    items: list[StorageItem] = []
    for kind in cookies.KINDS:
        if kind not in words:
            raise UndescribedCookie(f"the cookie page does not describe the {kind!r} cookie")
        purpose, lifetime, who = words[kind]
        items.append(StorageItem(cookies.cookie_name(kind, secure=True), COOKIE, purpose, lifetime, who))
    items += [
        StorageItem(
            cookies.SIGNED_IN_HINT,
            COOKIE,
            "Says only that someone is signed in on this browser, so the page shows the right menu straight "
            "away and the offline app knows when to forget saved statements. It cannot be used to sign in.",
            "The same as the sign-in cookie.",
            "Residents who sign in",
        ),
        StorageItem(
            "token",
            SESSION_STORAGE,
            "Connects this browser tab to its page on our server (the framework the portal is built with, "
            "Reflex). It is not a sign-in: on its own it gives nobody access to your account.",
            "Until you close the tab.",
            "Everyone",
        ),
        StorageItem(
            "reflex_last_reloaded_on_error",
            SESSION_STORAGE,
            "The time the page last reloaded itself after an error, so it never reloads over and over. Only "
            "written if that happens.",
            "Until you close the tab.",
            "Everyone",
        ),
        StorageItem(
            "theme",
            LOCAL_STORAGE,
            "The colour setting of the framework the portal is built with (Reflex). The portal has one colour "
            "scheme, so it changes nothing you see.",
            "Until you clear your browser's data for this site.",
            "Everyone",
        ),
        StorageItem(
            "doorstep_budget_v1",
            LOCAL_STORAGE,
            "The figures you type into the budget planner, so they are still there next time, even offline. "
            "They never leave your device.",
            "Until you choose \u201cClear the planner\u201d or clear your browser's data. Never kept on a "
            "shared screen in our offices.",
            "People using the budget planner",
        ),
        StorageItem(
            "doorstep_saved_statements",
            LOCAL_STORAGE,
            "The list of statements you chose to keep on this device.",
            "Until you sign out, or remove them.",
            "Residents who save a statement",
        ),
        StorageItem(
            "doorstep_last_seen",
            LOCAL_STORAGE,
            "The last balance this device showed you and when, so the page can say it when you are offline.",
            "Until you sign out.",
            "Residents who sign in",
        ),
        StorageItem(
            "doorstep-saved-statements",
            CACHE_STORAGE,
            "The statements you chose to keep on this device, to open without a connection.",
            "Until you sign out, or remove them.",
            "Residents who save a statement",
        ),
        StorageItem(
            "doorstep-precache-v2-…",
            CACHE_STORAGE,
            "The portal's own pages, scripts, styles and icons (nothing about you), so it opens quickly and "
            "the budget planner works offline.",
            "Replaced by each new version of the portal.",
            "Everyone (not on a shared screen in our offices)",
        ),
        StorageItem(
            "/sw.js",
            SERVICE_WORKER,
            "The small program that serves the portal's pages from that cache when you are offline. It never "
            "keeps anything you send us or anything from your account, except the statements you chose to keep.",
            "Until a new version replaces it, or you clear your browser's data.",
            "Everyone (not on a shared screen in our offices)",
        ),
    ]
    return tuple(items)


def holdings(settings: Settings) -> tuple[Holding, ...]:
    """What the portal collects, why, on which lawful basis and for how long."""
    codes = _hours(settings.retain_expired_codes_hours)
    return (
        Holding(
            "Your tenancy reference (or service charge account number) and date of birth, when you register",
            "To match you with our records, so only you can register for your tenancy.",
            CONTRACT,
            "The portal does not keep your date of birth: it checks it against our records and forgets it. "
            f"An unfinished registration is deleted {codes} after its code stops working.",
        ),
        Holding(
            "Your email address",
            "To sign you in, and to send you codes, links, and answers to your requests.",
            CONTRACT,
            "While you have an online account.",
        ),
        Holding(
            "Your mobile number",
            "To contact you about your account and your requests.",
            CONTRACT,
            "While you have an online account.",
        ),
        Holding(
            "Your password, and the key of your authenticator app if you turn on two-step sign-in",
            "To check it is you when you sign in.",
            CONTRACT,
            "The password only scrambled (hashed), so nobody can read it; the key encrypted. Until you change "
            "them or turn two-step sign-in off.",
        ),
        Holding(
            "Your bank details, only if you ask for a refund",
            "To pay your refund. We never use them for anything else.",
            CONTRACT,
            "Encrypted. Only the officer dealing with your refund can see them, and every time they do is "
            "recorded. Deleted once the refund has been paid.",
        ),
        Holding(
            "Your bank details and the name on the bank account, if you set up a Direct Debit",
            "To collect the payments you asked us to collect, through our bank's Direct Debit bureau. "
            "We never use them for anything else.",
            CONTRACT,
            "Encrypted. The portal shows them to you, and to us, only as the last digits; they are sent, once, "
            "to our bureau. Kept after you cancel the Direct Debit as our records retention schedule says for "
            "financial records.",
        ),
        Holding(
            "The payments you make by card and any payment plan you set up",
            "To show you your payments and receipts, and whether your plan is on track.",
            CONTRACT,
            "We never see or keep your card details: you type them on our payment provider's page. As our "
            "records retention schedule says for financial records.",
        ),
        Holding(
            "The repairs you report: what you tell us, how to get in, how to reach you, and your photos",
            "To do the repair, to arrange it with you and our contractor, and to show you where it is.",
            CONTRACT,
            "Photos are checked and re-saved on our server with their location and other hidden details removed, "
            "and only you, others on your tenancy and our staff can see them. Photos you add but do not send are "
            "deleted after a day. Repairs are kept as our records retention schedule says for repairs records.",
        ),
        Holding(
            "Your requests and what you tell us in them, including about the people in your household, "
            "permissions, complaints, giving notice and swapping homes",
            "To deal with what you asked for, and to show you where each request is.",
            CONTRACT,
            "As our records retention schedule says for your tenancy's records.",
        ),
        Holding(
            "Files you send with a request: photos and PDFs, such as a birth certificate",
            "To check what you told us, and to keep our records of your household right.",
            CONTRACT,
            "Kept on our server, never in a public place; only you and our staff can see them. Photos are re-saved "
            "with their location and other hidden details removed. Files you add but do not send are deleted "
            "after a day. Others as our records retention schedule says for your tenancy's records.",
        ),
        Holding(
            "Your contact preferences: another phone number, how you would like us to contact you, whether we "
            "may text you, which messages you want, and whether you want letters by post",
            "To contact you the way you asked, and to stop sending paper letters if you chose letters online.",
            CONTRACT,
            "While you have an online account. We tell our letters team which residents chose letters online.",
        ),
        Holding(
            "A change of your sign-in email address: the new address and a code we send to it",
            "To check the new address is yours before we use it, and to tell the old one it changed.",
            CONTRACT,
            "The code only scrambled, and only until it is used or stops working.",
        ),
        Holding(
            "A record of each sign-in, failed try, sign-out and change to how you sign in: when, the internet "
            "address, and the kind of browser",
            "To keep your account secure, and to show you your sign-in history.",
            LEGITIMATE,
            "Kept: it is part of our audit log, which the portal never changes or deletes.",
        ),
        Holding(
            "A record of every time one of our staff looks at your accounts or requests, or acts on them",
            "So we can show who saw your information, and when.",
            LEGAL,
            "Kept: it is part of our audit log, which the portal never changes or deletes.",
        ),
        Holding(
            "Counts of failed sign-ins and registration tries, kept only as scrambled codes of the email and "
            "internet address",
            "To slow down anyone guessing passwords, without ever locking you out.",
            LEGITIMATE,
            f"Deleted after {_hours(max(settings.retain_throttle_hours, 24))}. The internet addresses you "
            f"signed in from are remembered (scrambled) for {_days(settings.signin_known_address_days)}, "
            "so you can sign in as usual there during an attack from elsewhere.",
        ),
        Holding(
            "Your sign-in sessions (when each started and was last used, and the browser)",
            "To keep you signed in, and to sign you out everywhere if you ask.",
            CONTRACT,
            f"Deleted {_days(settings.retain_ended_sessions_days)} after the session ended.",
        ),
        Holding(
            "Password reset links and the short codes that finish a sign-in",
            "To let you choose a new password, and to sign you in safely.",
            CONTRACT,
            f"Reset links are deleted {codes} after they stop working; sign-in codes after "
            f"{_minutes(max(settings.retain_handoff_minutes, handoff.HANDOFF_SECONDS // 60))}.",
        ),
        Holding(
            "Your name, tenancy reference and email, if you join the waiting list while new sign-ups are paused",
            "To invite you to register once sign-ups start again.",
            WAITING,
            f"Until we have invited you, then {_days(settings.retain_waiting_list_days)} more.",
        ),
        Holding(
            "The emails we send you",
            "So we can see what we sent you and when, if you ask.",
            CONTRACT,
            f"Their text (which can hold a code or a link) is deleted {_days(settings.retain_mail_body_days)} "
            "after it is sent; we keep who it went to, the subject and when.",
        ),
    )


__all__ = [
    "ANSWER_WITHIN",
    "CACHE_STORAGE",
    "COOKIE",
    "Holding",
    "ICO_ADDRESS",
    "ICO_COMPLAINTS_URL",
    "ICO_PHONE",
    "LOCAL_STORAGE",
    "SERVICE_WORKER",
    "SESSION_STORAGE",
    "StorageItem",
    "UndescribedCookie",
    "holdings",
    "storage_items",
]
