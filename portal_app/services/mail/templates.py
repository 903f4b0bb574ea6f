"""Plain-text emails: registration, and requests about money. Plain words, one job per email.

Each function returns a ``MailContent`` (subject and body); the caller queues it in the
outbox. No email names the resident or repeats what they typed: an email may reach
someone who typed another person's details, so it says no more than the screen would.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def email_change_code(code: str, *, valid_minutes: int, settings: Settings) -> MailContent:
    """To the NEW address: the code that proves it is theirs (services/identity/email_change.py)."""
    body = (
        f"Your code to use this email address for your {settings.landlord_name} online account is:\n"
        f"\n"
        f"{code}\n"
        f"\n"
        f"Type this code on the page where you asked to change your email address. It works once, and stops "
        f"working after {valid_minutes} minutes.\n"
        f"\n"
        f"We will never ask you for this code by phone, text or email. Do not share it with anyone.\n"
        f"\n"
        f"If you did not ask to use this address, you can ignore this email: without this code nothing changes.\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Your code to change your email address - {settings.landlord_name}", body)


def email_changed(*, new_address: str, changed_at: datetime, settings: Settings) -> MailContent:
    """To the OLD address once the change is made, so a change they did not make is noticed."""
    body = (
        f"The email address for your {settings.landlord_name} online account was changed to {new_address} at "
        f"{uk_time_words(changed_at)}. We will send emails about your account there from now on.\n"
        f"\n"
        f"If you did this, you do not need to do anything.\n"
        f"\n"
        f"If you did not, phone us straight away on {settings.landlord_phone} ({settings.landlord_hours}).\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Your email address was changed - {settings.landlord_name}", body)


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


def _each_person_own_address(settings: Settings) -> str:
    return (
        "Each person needs their own email address. If you share this email address with someone "
        "in your home, they need to register with a different one: they can start again at "
        f"{_url(settings, routes.REGISTER)}"
    )


def email_already_used(*, attempted_at: datetime, settings: Settings) -> MailContent:
    """To an address already used by an account, when someone whose details matched a
    tenancy tried to register with it (couples often share one address). It goes to that
    address only, so it may say the address is in use; the screen never does."""
    body = (
        f"Someone tried to register for a {settings.landlord_name} online account at "
        f"{uk_time_words(attempted_at)} with this email address. It is already used by an account, "
        f"so we have not created a new account and we have not changed the existing one.\n"
        f"\n"
        f"{_each_person_own_address(settings)}\n"
        f"\n"
        f"If it was you and the account is yours:\n"
        f"- sign in at {_url(settings, routes.SIGN_IN)}\n"
        f"- if you have forgotten your password, reset it at {_url(settings, routes.FORGOT_PASSWORD)}\n"
        f"\n"
        f"If you did not expect this, you do not need to do anything: nobody can get into the account "
        f"without its password. If you are worried, contact us:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Someone tried to register with this email address - {settings.landlord_name}", body)


def password_made_of_own_name(*, settings: Settings) -> MailContent:
    """To the typed address when the details matched a tenancy but the password is made of
    the name on it (the form asks no name, so this is the first moment it can be known).
    No code: the resident registers again with another password."""
    body = (
        f"Someone, probably you, tried to register for a {settings.landlord_name} online account "
        f"with this email address. We matched your details, but the password you chose is made of "
        f"your name, so we have not created the account: a password like that is one of the first "
        f"that someone trying to get into your account would guess.\n"
        f"\n"
        f"Register again at {_url(settings, routes.REGISTER)} with a different password. Three "
        f"random words together make a good one, like 'kettle river orange'.\n"
        f"\n"
        f"If you did not try to register, you can ignore this email: nothing has been set up.\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Choose a different password to register - {settings.landlord_name}", body)


def _address_in_use_note(address_in_use: bool, settings: Settings) -> str:
    if not address_in_use:
        return ""
    return f"This email address is already used by an account. {_each_person_own_address(settings)}\n\n"


def could_not_match(*, settings: Settings, address_in_use: bool = False) -> MailContent:
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
        f"{_address_in_use_note(address_in_use, settings)}"
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


def not_available_for_tenancy(*, reason: str, settings: Settings, address_in_use: bool = False) -> MailContent:
    because = _NOT_AVAILABLE_BECAUSE.get(reason, _NOT_AVAILABLE_BECAUSE["tenure_not_eligible"])
    body = (
        f"Someone, probably you, tried to register for a {settings.landlord_name} online account "
        f"with this email address.\n"
        f"\n"
        f"{because} We have not created an account.\n"
        f"\n"
        f"{_address_in_use_note(address_in_use, settings)}"
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


# --- requests about money (services/requests.py) ------------------------------------------
#
# These go to the signed-in resident's own verified address. They say what was asked in
# our words (never the resident's free text), give account numbers only by their last
# four characters, and never carry bank details.


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def request_received(
    *, reference: str, kind_label: str, what_you_asked: str, next_steps: Sequence[str], settings: Settings
) -> MailContent:
    body = (
        f"We have received your request.\n"
        f"\n"
        f"Your reference is {reference}. Please quote it if you contact us about this request.\n"
        f"\n"
        f"What you asked for ({kind_label}):\n"
        f"{what_you_asked}\n"
        f"\n"
        f"What happens next:\n"
        f"{_bullets(next_steps)}\n"
        f"\n"
        f"You can follow your request under 'My requests' when you sign in: {_url(settings, routes.REQUESTS)}\n"
        f"\n"
        f"If you have a question, or you did not make this request, contact us:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"We have received your request {reference} - {settings.landlord_name}", body)


def request_updated(
    *,
    reference: str,
    kind_label: str,
    what_you_asked: str,
    status_label: str,
    what_it_means: str,
    has_message: bool,
    settings: Settings,
) -> MailContent:
    message = "We have added a message for you. Sign in to read it.\n\n" if has_message else ""
    body = (
        f"There is an update on your request {reference} ({kind_label}).\n"
        f"\n"
        f"You asked for: {what_you_asked}\n"
        f"\n"
        f"Status: {status_label}\n"
        f"\n"
        f"{what_it_means}\n"
        f"\n"
        f"{message}"
        f"You can see your request under 'My requests' when you sign in: {_url(settings, routes.REQUESTS)}\n"
        f"\n"
        f"If you have a question, contact us and quote {reference}:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Update on your request {reference}: {status_label} - {settings.landlord_name}", body)


# --- pausing registration (services/staff/registration_pause.py) ---------------------------
#
# Neither email names the person or repeats what they typed: an address typed on the
# waiting list may be someone else's.


def waiting_list_joined(*, settings: Settings) -> MailContent:
    body = (
        f"Thank you for joining the waiting list for a {settings.landlord_name} online account.\n"
        f"\n"
        f"We are not taking new registrations at the moment. We will email you when you can register.\n"
        f"You do not need to do anything until then.\n"
        f"\n"
        f"If you already have an online account, you can still sign in as usual at {_url(settings, routes.SIGN_IN)}\n"
        f"\n"
        f"You can still contact us about your rent, service charges or home in the usual way:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"If you did not ask to join the waiting list, you can ignore this email.\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"You are on the waiting list - {settings.landlord_name}", body)


def registration_open_again(*, settings: Settings) -> MailContent:
    body = (
        f"You asked us to tell you when you could register for a {settings.landlord_name} online account.\n"
        f"\n"
        f"You can register now at {_url(settings, routes.REGISTER)}\n"
        f"\n"
        f"You will need your tenancy reference (or service charge account number), your date of birth, "
        f"your email address and a mobile number.\n"
        f"\n"
        f"If you need help, contact us:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"You can now register for your {settings.landlord_name} online account", body)


# --- the back office's staff accounts (services/staff/accounts.py) -------------------------


def staff_set_up_link(*, link: str, valid_hours: int, created_by: str, settings: Settings) -> MailContent:
    body = (
        f"{created_by} has made you an account for the {settings.landlord_name} back office.\n"
        f"\n"
        f"To set it up, open this link, choose a password and add the back office to an authenticator app "
        f"on your work phone:\n"
        f"\n"
        f"{link}\n"
        f"\n"
        f"The link works once, for {valid_hours} hours. If it has stopped working, ask an administrator for a new one.\n"
        f"\n"
        f"Nobody from {settings.landlord_name} will ask you for your password or for a code from your app.\n"
        f"\n"
        f"If you were not expecting this email, tell your IT team and do not open the link.\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Set up your {settings.landlord_name} back office account", body)


# --- The back office's emails to staff ------------------------------------------------------
# An email to a member of staff names a request by its reference and kind only: nothing a
# resident told us, not even their name, so a forwarded or misdirected email gives nothing away.


def request_assigned(*, reference: str, kind_label: str, assigned_by: str, settings: Settings) -> MailContent:
    by = f"{assigned_by} has assigned" if assigned_by else "We have assigned"
    body = (
        f"{by} a request to you.\n"
        f"\n"
        f"Reference: {reference}\n"
        f"Kind: {kind_label}\n"
        f"\n"
        f"Open it in the back office (you will be asked to sign in):\n"
        f"{_url(settings, routes.staff_request(reference))}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"A request has been assigned to you: {reference}", body)


def overdue_digest(
    *, lines: Sequence[str], overdue: int, unassigned_overdue: int, day_words: str, settings: Settings
) -> MailContent:
    """Once a day: the requests assigned to this member of staff that are past their target."""
    these = "1 request assigned to you is" if overdue == 1 else f"{overdue} requests assigned to you are"
    extra = ""
    if unassigned_overdue:
        waiting = (
            "1 unassigned request is" if unassigned_overdue == 1 else f"{unassigned_overdue} unassigned requests are"
        )
        extra = f"Also, {waiting} overdue in the queue.\n\n"
    body = (
        f"On {day_words}, {these} past the response target:\n"
        f"\n"
        f"{_bullets(lines)}\n"
        f"\n"
        f"{extra}"
        f"See them in the back office (you will be asked to sign in):\n"
        f"{_url(settings, routes.staff_queue(assigned='me', age='overdue'))}\n"
        f"\n"
        f"We send this once a working day while any request assigned to you is overdue.\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Overdue requests: {overdue} assigned to you", body)


# --- Asking the other joint tenant -----------------------------------------------------------


def joint_consent_by_email(*, what: str, link: str, valid_days: int, settings: Settings) -> MailContent:
    """To the other tenant of a joint tenancy who has no portal account (the landlord's
    records give the address): agree or not, through a link that works once."""
    body = (
        f"{what}\n"
        f"\n"
        f"Because the account is in joint names, we need your agreement before we pay it.\n"
        f"\n"
        f"Tell us whether you agree: {link}\n"
        f"\n"
        f"The link works once and stops working after {valid_days} days. If you do not answer, we "
        f"will not pay the refund without speaking to you.\n"
        f"\n"
        f"If you have a question, or you do not know about this, contact us:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Do you agree to a refund from your joint account? - {settings.landlord_name}", body)


def joint_consent_in_portal(*, what: str, settings: Settings) -> MailContent:
    """To the other tenant who has a portal account: the question waits for them there."""
    body = (
        f"{what}\n"
        f"\n"
        f"Because the account is in joint names, we need your agreement before we pay it.\n"
        f"\n"
        f"Sign in and answer under 'My requests': {_url(settings, routes.REQUESTS)}\n"
        f"\n"
        f"If you have a question, or you do not know about this, contact us:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Do you agree to a refund from your joint account? - {settings.landlord_name}", body)


# --- card payments (services/payments/card.py) ----------------------------------------------


def payment_receipt(
    *,
    amount: str,
    account_ref: str,
    paid_at: str,
    reference: str,
    provider_reference: str,
    auth_code: str,
    card: str,
    on_statement: str,
    wrong_amount: str,
    settings: Settings,
) -> MailContent:
    """The receipt for a card payment (seed 001: "a receipt with an authorisation code, the
    reference confirming your payment"). Only what the receipt page shows."""
    lines = [
        f"Amount: {amount}",
        f"Paid to account: {account_ref}",
        f"When: {paid_at}",
        f"Payment reference: {reference}",
    ]
    if provider_reference:
        lines.append(f"Card payment reference: {provider_reference}")
    if auth_code:
        lines.append(f"Authorisation code: {auth_code}")
    if card:
        lines.append(f"Paid with: {card}")
    body = (
        f"Thank you. We have received your payment.\n"
        f"\n"
        f"{_bullets(lines)}\n"
        f"\n"
        f"{on_statement} Until then your account shows it as pending.\n"
        f"\n"
        f"If you paid the wrong amount: {wrong_amount}\n"
        f"\n"
        f"Keep this email as your receipt. If you have a question about this payment, contact us and "
        f"quote {reference}:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Payment received: {amount} - {settings.landlord_name}", body)


# --- payment plans (services/payments/plans.py) ---------------------------------------------

_PLAN_WORDS = {
    "started": ("Your payment plan has started", "Your payment plan has started. Thank you."),
    "approved": ("Your payment plan has been agreed", "Your income officer has agreed your payment plan."),
    "declined": (
        "Your payment plan was not agreed",
        "Your income officer could not agree your payment plan. Please contact us so we can agree one that works.",
    ),
    "cancelled": ("Your payment plan has been cancelled", "Your payment plan has been cancelled."),
    "behind": (
        "Your payment plan is behind",
        "Your payments have fallen behind your payment plan. If you are having trouble paying, contact us "
        "now: we can help, and it is better to talk early.",
    ),
    "caught_up": ("Your payment plan is back on track", "Thank you: your payments are back on track with your plan."),
    "completed": (
        "You have cleared your arrears",
        "Well done: your arrears are cleared, so your payment plan has finished. Keep paying your regular "
        "charge as usual.",
    ),
}


def payment_plan(*, kind: str, reference: str, terms: str, words: str, link: str, settings: Settings) -> MailContent:
    """One email about a payment plan: started, agreed, not agreed, cancelled, behind (sent
    once when it falls behind), back on track, cleared."""
    subject, opening = _PLAN_WORDS[kind]
    extra = f"{words}\n\n" if words else ""
    body = (
        f"{opening}\n"
        f"\n"
        f"Plan {reference}: {terms}.\n"
        f"\n"
        f"{extra}"
        f"You can see your plan and how it stands under 'My payment plans' when you sign in: {link}\n"
        f"\n"
        f"If you have a question, contact us and quote {reference}:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"{subject} - {settings.landlord_name}", body)


# --- Direct Debit (services/payments/direct_debit.py) ----------------------------------------


def direct_debit_set_up(
    *,
    reference: str,
    account_ref: str,
    bank_masked: str,
    amount: str,
    frequency: str,
    day_words: str,
    first: str,
    later: str,
    notice_working_days: int,
    guarantee: str,
    link: str,
    settings: Settings,
) -> MailContent:
    """The confirmation of a Direct Debit set up online, with the advance notice (Bacs's
    rules for a Paperless Direct Debit: the amount, the date of the first collection and the
    frequency, and the Direct Debit Guarantee, which the payer has not had on paper). Bank
    details masked only, as the page shows them."""
    lines = [
        f"Direct Debit reference: {reference}",
        f"Paying to account: {account_ref} (your payment reference)",
        f"From: {bank_masked}",
        f"Amount: {amount} {frequency}",
    ]
    then = f", {later}" if later else ""
    body = (
        f"Your Direct Debit to {settings.landlord_name} is set up. Thank you.\n"
        f"\n"
        f"{_bullets(lines)}\n"
        f"\n"
        f"Advance notice of your payments\n"
        f"\n"
        f"We will take {amount} from your bank account {frequency}. The first payment will be taken on "
        f"{first}{then}: {day_words}. Payments will show on your bank statement as "
        f"{settings.landlord_name}, with the reference {reference}.\n"
        f"\n"
        f"We will tell you at least {notice_working_days} working days in advance if the amount, the date or how "
        f"often we collect changes.\n"
        f"\n"
        f"If any of this is wrong, or you did not set up this Direct Debit, contact us straight away and quote "
        f"{reference}. You can see or cancel your Direct Debit when you sign in: {link}\n"
        f"\n"
        f"{guarantee}\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Your Direct Debit is set up: {amount} {frequency} - {settings.landlord_name}", body)


def direct_debit_cancelled(
    *,
    reference: str,
    account_ref: str,
    bank_masked: str,
    terms: str,
    cancelled_on: str,
    bank_told: bool,
    pay_link: str,
    settings: Settings,
) -> MailContent:
    """A Direct Debit the resident cancelled in the portal."""
    bank = (
        "We will tell your bank. You can also tell your bank yourself."
        if bank_told
        else "We had not yet sent it to your bank, so no payment will be taken under it."
    )
    body = (
        f"You cancelled your Direct Debit {reference} on {cancelled_on}.\n"
        f"\n"
        f"{_bullets([f'Paying to account: {account_ref}', f'From: {bank_masked}', f'Amount: {terms}'])}\n"
        f"\n"
        f"We will not take any more payments under it. {bank} A payment already on its way to your bank "
        f"may still be taken.\n"
        f"\n"
        f"Your charges are still due: pay them another way, for example by card: {pay_link}\n"
        f"\n"
        f"If you did not cancel this Direct Debit, contact us straight away and quote {reference}:\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Your Direct Debit is cancelled - {settings.landlord_name}", body)


# --- Repairs (services/repairs/) -------------------------------------------------------------


def repair_reported(
    *,
    reference: str,
    what: str,
    priority: str,
    target: str,
    appointment: str,
    deadlines: Sequence[str],
    next_steps: Sequence[str],
    link: str,
    settings: Settings,
) -> MailContent:
    """The confirmation of a repair reported online: the reference, what it is (our words
    from the triage tree, never the resident's description), the priority in words, the
    target date, the appointment when one is booked, the legal deadlines that apply, and
    what happens next."""
    lines = [f"Reference: {reference}", f"Repair: {what}", f"Priority: {priority}", f"We will fix this by: {target}"]
    lines.append(f"Appointment: {appointment}" if appointment else "Appointment: we will contact you to arrange one")
    legal = f"\n{_bullets(deadlines)}\n" if deadlines else ""
    body = (
        f"Thank you for reporting a repair.\n"
        f"\n"
        f"{_bullets(lines)}\n"
        f"{legal}"
        f"\n"
        f"What happens next\n"
        f"\n"
        f"{_bullets(next_steps)}\n"
        f"\n"
        f"You can follow your repair, change or cancel the appointment, and tell us if it is not fixed, when you "
        f"sign in: {link}\n"
        f"\n"
        f"If it gets worse or becomes an emergency, phone {settings.repairs_emergency_phone} "
        f"({settings.repairs_emergency_hours}). If you smell gas, leave your home and phone the National Gas "
        f"Emergency Service on 0800 111 999.\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Repair {reference}: we will fix this by {target} - {settings.landlord_name}", body)


def repair_update(*, reference: str, what: str, headline: str, lines: Sequence[str], link: str, settings: Settings):
    """A change to a repair the resident should know of: an appointment booked, changed or
    cancelled, the repair completed (and "Is it fixed?"), reopened, or a note from us."""
    body = (
        f"{headline}\n"
        f"\n"
        f"{_bullets([f'Reference: {reference}', f'Repair: {what}', *lines])}\n"
        f"\n"
        f"See your repair: {link}\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"Repair {reference}: {headline.rstrip('.')} - {settings.landlord_name}", body)


def new_letter(*, count: int, link: str, settings: Settings) -> MailContent:
    """A letter or document from us is in the resident's portal (services/tenancy/letters.py):
    that there is one and where to read it, never what it is or says (an email may be read by
    someone else)."""
    what = "a new letter" if count == 1 else f"{count} new letters or documents"
    body = (
        f"You have {what} from {settings.landlord_name} in your online account.\n"
        f"\n"
        f"Sign in to read it: {link}\n"
        f"\n"
        f"We do not say in email what our letters are about, to keep them private.\n"
        f"\n"
        f"Letters for your home come online, so we do not post a paper copy. To change how you get "
        f"letters, go to Your details when you sign in.\n"
        f"\n"
        f"{_contact_block(settings)}\n"
        f"\n"
        f"{_sign_off(settings)}\n"
    )
    return MailContent(f"You have a new letter in your portal - {settings.landlord_name}", body)
