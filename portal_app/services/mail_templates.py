"""Plain-text emails for registration. Plain words, one job per email.

Each function returns a ``MailContent`` (subject and body); the caller queues it in the
outbox. No email names the resident or repeats what they typed: an email may reach
someone who typed another person's details, so it says no more than the screen would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal_app import routes
from portal_app.clock import uk_time_words
from portal_app.settings import Settings


@dataclass(frozen=True)
class MailContent:
    subject: str
    body: str


def _url(settings: Settings, path: str) -> str:
    return f"{settings.base_url}{path}"


def _contact_block(settings: Settings) -> str:
    return (
        f"Phone: {settings.landlord_phone} ({settings.landlord_hours})\n"
        f"Email: {settings.landlord_email}\n"
        f"Post: {settings.landlord_address}"
    )


def _sign_off(settings: Settings) -> str:
    return f"{settings.landlord_name}\n\nThis email was sent automatically. Please do not reply to it."


def registration_code(code: str, *, valid_minutes: int, settings: Settings) -> MailContent:
    body = (
        f"Your code to finish registering for your {settings.landlord_name} online account is:\n"
        f"\n"
        f"{code}\n"
        f"\n"
        f"Type this code on the registration page. It works once, and stops working after "
        f"{valid_minutes} minutes. If it has stopped working, ask for a new code on the same page.\n"
        f"\n"
        f"We will never ask you for this code by phone, text or email. Do not share it with anyone.\n"
        f"\n"
        f"If you did not try to register, you can ignore this email. Without this code nobody "
        f"can finish registering with this email address.\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Your {settings.landlord_name} registration code", body)


def someone_tried_to_register(*, attempted_at: datetime, settings: Settings) -> MailContent:
    body = (
        f"Someone tried to register for a {settings.landlord_name} online account at "
        f"{uk_time_words(attempted_at)}, using details that belong to your existing account.\n"
        f"\n"
        f"We have not created a new account and we have not changed your account.\n"
        f"\n"
        f"If it was you, you already have an account:\n"
        f"- sign in at {_url(settings, routes.SIGN_IN)}\n"
        f"- if you have forgotten your password, reset it at {_url(settings, routes.FORGOT_PASSWORD)}\n"
        f"\n"
        f"If it was not you, you do not need to do anything. If you are worried, contact us:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Someone tried to register with your {settings.landlord_name} details", body)


def could_not_match(*, settings: Settings) -> MailContent:
    body = (
        f"Someone, probably you, tried to register for a {settings.landlord_name} online account "
        f"with this email address. We could not match the details you gave to our records, so "
        f"we have not created an account.\n"
        f"\n"
        f"Check that:\n"
        f"- the tenancy reference is the one on your rent statement or tenancy agreement "
        f"(leaseholders: the service charge account number on your service charge statement)\n"
        f"- the date of birth is your own, and you are named on the tenancy or lease\n"
        f"\n"
        f"You can try again at {_url(settings, routes.REGISTER)}\n"
        f"\n"
        f"If your tenancy has only just started, our records may not be ready yet: try again in a week.\n"
        f"\n"
        f"If it still does not work, contact us and we will check the details we hold:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"If you did not try to register, you can ignore this email.\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"We could not match your details - {settings.landlord_name}", body)


_NOT_AVAILABLE_BECAUSE = {
    "tenure_not_eligible": "Online access is not available for your kind of tenancy.",
    "role_not_eligible": (
        "Online access is only available to the tenants or leaseholders named on the tenancy, "
        "not to other members of the household."
    ),
    "former_tenancy": "Online access is not available for a tenancy that has ended.",
    "tenancy_not_started": "Online access will be available from the day your tenancy starts. Please try again then.",
    "party_not_started": (
        "Online access will be available from the day you are added to the tenancy. Please try again then."
    ),
}


def not_available_for_tenancy(*, reason: str, settings: Settings) -> MailContent:
    because = _NOT_AVAILABLE_BECAUSE.get(reason, _NOT_AVAILABLE_BECAUSE["tenure_not_eligible"])
    body = (
        f"Someone, probably you, tried to register for a {settings.landlord_name} online account "
        f"with this email address.\n"
        f"\n"
        f"{because} We have not created an account.\n"
        f"\n"
        f"You can still contact us about your rent, service charges or home in the usual way:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"If you think this is a mistake, contact us and we will check the details we hold.\n"
        f"\n"
        f"If you did not try to register, you can ignore this email.\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Online access is not available for your tenancy - {settings.landlord_name}", body)


def account_ready(*, settings: Settings, closed_previous: bool = False) -> MailContent:
    moved = (
        "Your online account for your previous home is now closed. This new account shows your new tenancy.\n\n"
        if closed_previous
        else ""
    )
    body = (
        f"Welcome. Your {settings.landlord_name} online account is ready.\n"
        f"\n"
        f"Sign in at {_url(settings, routes.SIGN_IN)} with this email address and the password you chose.\n"
        f"\n"
        f"{moved}"
        f"If you did not create this account, contact us straight away:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Your {settings.landlord_name} online account is ready", body)
