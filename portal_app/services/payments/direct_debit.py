"""Direct Debit: the paper form (seed 000, "download direct debit forms and fill in your
details") and setting one up online (seed 001, "set up a direct debit for some types of
account"); the resident's own instructions and cancelling one; the landlord's bureau export.
The sums and dates are ``direct_debit_rules.py``'s, the bank details' check is ``modulus.py``'s.

The rules:

* Ownership first. Every function that acts for a resident takes the caller (a
  ``sessions.Principal``) and an account reference or an instruction reference from the
  browser, and looks it up only among the accounts ``accounts.access`` gives that resident
  today and the instructions that resident made: another resident's (or an unknown one)
  is ``refused``, the same answer, before anything is validated or written.
* The amount is the account's regular charges in force today as a weekly sum
  (``requests.resident.weekly_charge``) collected at the frequency chosen
  (``direct_debit_rules.from_weekly``: monthly = weekly x 52 / 12). An account with no
  regular charge has nothing to collect: no form.
* The form (the GOV.UK bank details pattern, a message next to each field): the name(s) on
  the account; the sort code and the account number, standardised and modulus checked
  (Vocalink's rules, ``modulus.check``, with the tables of ``MODULUS_WEIGHTS_FILE`` and
  ``MODULUS_SUBSTITUTIONS_FILE`` when set); how often; the day of the month, one of
  ``DIRECT_DEBIT_COLLECTION_DAYS``; and the payer's confirmation that they can authorise
  Direct Debits from the account on their own (Bacs's Paperless Direct Debit rules: an
  account that needs two signatures needs the paper form). With errors nothing is written.
* The first collection is at least 10 working days ahead (the Guarantee's notice; England
  and Wales bank holidays and the landlord's closures, ``working_days``), on the chosen day
  or the next working day; the resident sees it, with the amount and frequency, before
  they confirm, on screen and in the confirmation email (the advance notice: Bacs's rules
  for a Paperless Direct Debit, with the Direct Debit Guarantee, which the email repeats).
* One active instruction per account (``uq_direct_debit_active``), whoever set it up: a
  second press, tab or try finds the first and writes nothing, and joint tenants cannot
  both have the same rent collected. A joint tenant sees that the account is already paid
  by Direct Debit, never the other tenant's instruction or bank details.
* Bank details: never in clear anywhere but the bureau export. The row holds them
  encrypted (``tokens.encrypt``) and masked ("Sort code ending 57, account ending 5612");
  the audit log, the emails and the pages get the masked form at most.
* Cancelling: the resident's own active instruction, once (a conditional UPDATE); an email
  says so. One the bureau already took goes into the next export as a cancellation, so the
  bank is told (AUDDIS 0C); one it never took is simply never sent.
* The export (``export_new``): each new instruction once and each cancellation of an
  exported one once, each claimed by one conditional UPDATE ... RETURNING, so two runs at
  the same moment never put one instruction in two files. The only place bank details are
  decrypted.

Times: ``now`` is an aware UTC datetime; "today" is its UK date. Money is integer pence.
Nothing here commits. No reflex import.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app import design, routes
from portal_app.clock import to_uk, uk_date_words, uk_today
from portal_app.models import Account, DirectDebitInstruction, Person, PortalUser, Property, Tenancy
from portal_app.services import audit, tokens
from portal_app.services.accounts import access
from portal_app.services.accounts.balances import ACCOUNT_LABELS
from portal_app.services.accounts.statements import PAGE_MARGIN, Landlord, _Document, _letterhead, pdf_text
from portal_app.services.mail import outbox
from portal_app.services.mail import templates as mail_templates
from portal_app.services.money import format_pence
from portal_app.services.payments import direct_debit_rules as rules
from portal_app.services.payments import modulus
from portal_app.services.requests.resident import weekly_charge
from portal_app.settings import Settings

ACTIVE, CANCELLED = "active", "cancelled"

# The form's fields (the names its inputs send, and the keys of its errors), in page order.
FIELD_NAME = "account_name"
FIELD_SORT_CODE = "sort_code"
FIELD_ACCOUNT_NUMBER = "account_number"
FIELD_FREQUENCY = "frequency"
FIELD_DAY = "collection_day"
FIELD_AUTHORISE = "authorise"
FIELD_ORDER = (FIELD_NAME, FIELD_SORT_CODE, FIELD_ACCOUNT_NUMBER, FIELD_FREQUENCY, FIELD_DAY, FIELD_AUTHORISE)
NAME_MAX_LENGTH = 100
AUTHORISED = "yes"  # the confirmation checkbox's value

# How often, as the radios offer it: monthly first, the way most residents pay by Direct Debit.
FREQUENCY_CHOICES = (
    ("monthly", "Every month"),
    ("four_weekly", "Every 4 weeks"),
    ("fortnightly", "Every 2 weeks"),
    ("weekly", "Every week"),
)
LATER_SHOWN = 2  # the collections after the first that the check and the email list

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_REFERENCE_TRIES = 20


# ---------------------------------------------------------------------------
# The Direct Debit Guarantee, word for word
# ---------------------------------------------------------------------------

# The Direct Debit Guarantee as Bacs publishes it for service users to reproduce unchanged,
# with only their own name and their notice period put in (Bacs, "Know your rights - The
# Direct Debit Guarantee", http://www.bacs.co.uk/Bacs/Consumers/DirectDebit/Pages/DirectDebitGuarantee.aspx,
# as archived on 19 April 2014: the single approved text that replaced every earlier version
# in 2011; its last sentence is "Please also notify us."). The payer-facing copy on Pay.UK's
# https://www.directdebit.co.uk/direct-debit-explained/direct-debit-guarantee/ is the same text
# with "the organisation" and "(normally 10 working days)" in those places. The Service User's
# Guide and Rules forbids changing the wording: change nothing here but through those two values.
GUARANTEE_HEADING = "The Direct Debit Guarantee"


@dataclass(frozen=True)
class GuaranteePoint:
    text: str
    under: tuple[str, ...] = ()  # the point's own sub-points


def guarantee(organisation: str, notice_working_days: int = rules.NOTICE_WORKING_DAYS) -> tuple[GuaranteePoint, ...]:
    """The Guarantee's points for ``organisation`` (the landlord's name), word for word."""
    return (
        GuaranteePoint(
            "This Guarantee is offered by all banks and building societies that accept instructions to pay Direct Debits"
        ),
        GuaranteePoint(
            f"If there are any changes to the amount, date or frequency of your Direct Debit {organisation} will "
            f"notify you {notice_working_days} working days in advance of your account being debited or as "
            f"otherwise agreed. If you request {organisation} to collect a payment, confirmation of the amount and "
            f"date will be given to you at the time of the request"
        ),
        GuaranteePoint(
            f"If an error is made in the payment of your Direct Debit, by {organisation} or your bank or building "
            f"society, you are entitled to a full and immediate refund of the amount paid from your bank or "
            f"building society",
            (f"If you receive a refund you are not entitled to, you must pay it back when {organisation} asks you to",),
        ),
        GuaranteePoint(
            "You can cancel a Direct Debit at any time by simply contacting your bank or building society. Written "
            "confirmation may be required. Please also notify us."
        ),
    )


def guarantee_text(organisation: str) -> str:
    """The Guarantee as plain text, for an email."""
    lines = [GUARANTEE_HEADING, ""]
    for point in guarantee(organisation):
        lines.append(f"- {point.text}")
        lines += [f"  - {sub}" for sub in point.under]
    return "\n".join(lines)


# The instruction a payer signs on the paper form (the Bacs Direct Debit Instruction's own words).
def instruction_words(organisation: str) -> str:
    return (
        f"Please pay {organisation} Direct Debits from the account detailed in this Instruction subject to the "
        f"safeguards assured by the Direct Debit Guarantee. I understand that this Instruction may remain with "
        f"{organisation} and, if so, details will be passed electronically to my bank/building society."
    )


# ---------------------------------------------------------------------------
# What the pages are given
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FrequencyOption:
    frequency: str
    label: str  # "Every month"
    amount_pence: int
    amount_words: str  # "£433.33"


@dataclass(frozen=True)
class DayOption:
    day: int
    label: str  # "The 28th of the month"
    first_words: str  # "28 January 2027": the first collection if this day is chosen today


@dataclass(frozen=True)
class Preview:
    """What a Direct Debit of one frequency on one day would be, in words."""

    amount_words: str  # "£433.33"
    frequency_words: str  # "every month"
    day_words: str  # "on the 28th of the month, or the next working day"
    first_words: str  # "28 January 2027"
    later_words: str  # "then 28 February 2027 and 29 March 2027"
    when_words: str = ""  # day_words as a page's row starts it: "On the 28th of the month, ..."
    later_dates: str = ""  # "28 February 2027 and 29 March 2027": the row "After that"


@dataclass(frozen=True)
class DirectDebitForm:
    """What the set-up form needs about one of the resident's accounts."""

    account_id: int
    account_ref: str  # the payment reference
    account_label: str
    weekly_charge_pence: int  # 0: nothing to collect, no form
    charge_words: str  # "£100.00 a week"
    frequencies: tuple[FrequencyOption, ...]
    days: tuple[DayOption, ...]
    previews: Mapping[str, Preview]  # preview_key(frequency, day) -> what it would be
    active_reference: str  # this resident's active instruction on this account, or ""
    email: str  # where the confirmation will go
    paid_by_other: bool = False  # another tenant on the account set up its active instruction
    instructions: tuple[InstructionView, ...] = ()  # the resident's own, on every account they see (``mine``)


def preview_key(frequency: str, day: int | str) -> str:
    return f"{frequency}|{day}"


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def day_label(day: int) -> str:
    """ "The 28th of the month": a collection day as the form offers it."""
    return f"The {_ordinal(day)} of the month"


def _day_words(frequency: str, day: int) -> str:
    if frequency == "monthly":
        return f"on the {_ordinal(day)} of each month, or the next working day"
    weeks = {"weekly": "week", "fortnightly": "2 weeks", "four_weekly": "4 weeks"}[frequency]
    return (
        f"every {weeks} from the first payment, each on the next working day when it falls on a weekend or bank holiday"
    )


def _later_dates(notice: rules.AdvanceNotice) -> str:
    return " and ".join(uk_date_words(c.collected_on) for c in notice.later_collections)


def _later_words(notice: rules.AdvanceNotice) -> str:
    dates = _later_dates(notice)
    return f"then {dates}" if dates else ""


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def _preview(notice: rules.AdvanceNotice, day: int) -> Preview:
    return Preview(
        amount_words=notice.amount_words,
        frequency_words=notice.frequency_words,
        day_words=_day_words(notice.frequency, day),
        first_words=notice.first_date_words,
        later_words=_later_words(notice),
        when_words=_capital(_day_words(notice.frequency, day)),
        later_dates=_later_dates(notice),
    )


def _notice(amount_pence: int, frequency: str, day: int, made_on: date, settings: Settings) -> rules.AdvanceNotice:
    first = rules.first_collection(made_on, day, settings.direct_debit_collection_days, settings)
    return rules.advance_notice(amount_pence, frequency, first, settings, later=LATER_SHOWN)


def _active_on(session: Session, account_id: int) -> DirectDebitInstruction | None:
    """The account's active instruction, whoever of its tenants set it up."""
    return session.exec(
        select(DirectDebitInstruction).where(
            DirectDebitInstruction.account_id == account_id, DirectDebitInstruction.status == ACTIVE
        )
    ).first()


def form_context(
    session: Session, caller, wanted: str | None, remembered: str = "", *, now: datetime, settings: Settings
) -> tuple[access.AccountChoice, DirectDebitForm | None]:
    """The set-up form's figures for the account the resident may see (``accounts.access``):
    each frequency's amount, each collection day's first date, and what every pair would be."""
    today = uk_today(now)

    def build(s: Session, account: access.ChosenAccount) -> DirectDebitForm:
        weekly = weekly_charge(s, account.account_id, today)
        frequencies = tuple(
            FrequencyOption(f, label, rules.from_weekly(weekly, f), format_pence(rules.from_weekly(weekly, f)))
            for f, label in FREQUENCY_CHOICES
        )
        days, previews = [], {}
        for day in settings.direct_debit_collection_days:
            first = rules.first_collection(today, day, settings.direct_debit_collection_days, settings)
            days.append(DayOption(day, day_label(day), uk_date_words(first.collected_on)))
            for option in frequencies:
                notice = rules.advance_notice(option.amount_pence, option.frequency, first, settings, later=LATER_SHOWN)
                previews[preview_key(option.frequency, day)] = _preview(notice, day)
        active = _active_on(s, account.account_id)
        own = active is not None and active.user_id == caller.user_id
        user = s.get(PortalUser, caller.user_id)
        return DirectDebitForm(
            account_id=account.account_id,
            account_ref=account.account_ref,
            account_label=account.label,
            weekly_charge_pence=weekly,
            charge_words=f"{format_pence(weekly)} a week",
            frequencies=frequencies if weekly > 0 else (),
            days=tuple(days) if weekly > 0 else (),
            previews=previews if weekly > 0 else {},
            active_reference=active.reference if own else "",
            email=user.email if user else "",
            paid_by_other=active is not None and not own,
            instructions=tuple(mine(s, caller, now=now, settings=settings)),
        )

    return access.with_account(session, caller, wanted, remembered, today=today, settings=settings, then=build)


# ---------------------------------------------------------------------------
# Checking the form
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A form that passed: the bank details as checked (6 and 8 digits), and the choices."""

    account_name: str
    sort_code: str
    account_number: str
    frequency: str
    collection_day: int

    def __repr__(self) -> str:  # never the digits, in a log line or a traceback
        return f"Checked(frequency={self.frequency!r}, collection_day={self.collection_day!r})"


def _text(form: Mapping[str, object], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def mask(sort_code: str, account_number: str) -> str:
    """ "Sort code ending 57, account ending 5612": what pages and emails show of bank details."""
    return f"Sort code ending {sort_code[-2:]}, account ending {account_number[-4:]}"


def check_form(form: Mapping[str, object], settings: Settings) -> tuple[Checked | None, dict[str, str]]:
    """The form's fields (as the browser sent them: anything that is not text is empty),
    checked; a message for each field that needs putting right (GOV.UK's bank details pattern)."""
    errors: dict[str, str] = {}
    name = " ".join(_text(form, FIELD_NAME).split())
    if not name:
        errors[FIELD_NAME] = "Enter the name on the account"
    elif len(name) > NAME_MAX_LENGTH:
        errors[FIELD_NAME] = f"Name on the account must be {NAME_MAX_LENGTH} characters or fewer"

    sort_code, account_number = _text(form, FIELD_SORT_CODE)[:40], _text(form, FIELD_ACCOUNT_NUMBER)[:40]
    # Each number on its own first (with the other one standing in as a good one), so a
    # mistake in each gets its own message next to its own field.
    sort_alone = modulus.standardise(sort_code, "00000000")
    number_alone = modulus.standardise("000000", account_number)
    if isinstance(sort_alone, str):
        errors[FIELD_SORT_CODE] = sort_alone
    if isinstance(number_alone, str):
        errors[FIELD_ACCOUNT_NUMBER] = number_alone
    checked = None
    if not isinstance(sort_alone, str) and not isinstance(number_alone, str):
        checked = modulus.check(
            sort_code,
            account_number,
            weights_file=settings.modulus_weights_file or None,
            substitutions_file=settings.modulus_substitutions_file or None,
        )
        if not checked.accepted:
            # "Check your sort code and account number: this account number cannot be at this sort code"
            errors[FIELD_ACCOUNT_NUMBER] = checked.reason

    frequency = _text(form, FIELD_FREQUENCY).strip()
    if frequency not in rules.FREQUENCIES:
        errors[FIELD_FREQUENCY] = "Select how often you want to pay"
    day_text = _text(form, FIELD_DAY).strip()
    day = int(day_text) if day_text.isascii() and day_text.isdigit() and len(day_text) <= 2 else None
    problem = rules.collection_day_problem(day, settings.direct_debit_collection_days)
    if problem:
        errors[FIELD_DAY] = problem
    if _text(form, FIELD_AUTHORISE) != AUTHORISED:
        errors[FIELD_AUTHORISE] = (
            "Confirm that you can set up Direct Debits from this account on your own. If more than one person "
            "must sign, use the paper form"
        )
    if errors or checked is None or day is None:
        return None, errors
    return Checked(name, checked.sort_code, checked.account_number, frequency, day), {}


# ---------------------------------------------------------------------------
# Setting one up
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SetUp:
    outcome: str  # done | invalid | refused | exists | no_charge
    errors: tuple[tuple[str, str], ...] = ()
    reference: str = ""
    account_ref: str = ""
    holder: str = ""
    bank_masked: str = ""
    amount_words: str = ""
    frequency_words: str = ""
    day_words: str = ""
    first_words: str = ""
    later_words: str = ""
    when_words: str = ""  # "On the 8th of each month, or the next working day"
    later_dates: str = ""  # "8 February 2027 and 8 March 2027"
    email: str = ""
    instructions: tuple[InstructionView, ...] = ()  # the resident's own after it (``mine``)
    paid_by_other: bool = False  # "exists": another tenant on the account set it up


def new_reference() -> str:
    """ "DD-" and 8 random characters: the instruction's reference, and its Bacs reference."""
    return "DD-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def _unused_reference(session: Session) -> str:
    for _ in range(_REFERENCE_TRIES):
        reference = new_reference()
        taken = session.exec(
            select(DirectDebitInstruction.id).where(DirectDebitInstruction.reference == reference)
        ).first()
        if taken is None:
            return reference
    raise RuntimeError("could not find an unused Direct Debit reference")  # pragma: no cover - 32^8 references


def _exists(found: DirectDebitInstruction | None, caller, account_ref: str) -> SetUp:
    """The account already has an active instruction: this resident's own (its reference),
    or another tenant's (``paid_by_other``, and nothing of it)."""
    if found is not None and found.user_id != caller.user_id:
        return SetUp("exists", account_ref=account_ref, paid_by_other=True)
    return SetUp("exists", reference=found.reference if found else "", account_ref=account_ref)


def set_up(
    session: Session, caller, account_ref: str, form: Mapping[str, object], *, now: datetime, settings: Settings
) -> SetUp:
    """Make the instruction: checked, written with its bank details encrypted, audited, and
    the confirmation with the advance notice and the Guarantee queued, in one unit of work."""
    today = uk_today(now)
    wanted = account_ref if isinstance(account_ref, str) else ""
    account = access.choose_account(session, caller, wanted, today=today, settings=settings).account if wanted else None
    if not isinstance(account_ref, str) or not account_ref.strip() or account is None:
        return SetUp("refused")
    existing = _active_on(session, account.account_id)
    if existing is not None:
        return _exists(existing, caller, account.account_ref)
    weekly = weekly_charge(session, account.account_id, today)
    if weekly <= 0:
        return SetUp("no_charge", account_ref=account.account_ref)
    checked, errors = check_form(form, settings)
    if checked is None:
        return SetUp("invalid", errors=tuple(errors.items()), account_ref=account.account_ref)
    amount = rules.from_weekly(weekly, checked.frequency)
    notice = _notice(amount, checked.frequency, checked.collection_day, today, settings)
    masked = mask(checked.sort_code, checked.account_number)
    row = DirectDebitInstruction(
        reference=_unused_reference(session),
        account_id=account.account_id,
        user_id=caller.user_id,
        status=ACTIVE,
        account_holder_name=checked.account_name,
        bank_details_enc=tokens.encrypt(
            json.dumps({"sort_code": checked.sort_code, "account_number": checked.account_number}, sort_keys=True)
        ),
        bank_details_masked=masked,
        frequency=checked.frequency,
        collection_day=checked.collection_day,
        amount_pence=amount,
        first_collection_on=notice.first_collection.collected_on,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = _active_on(session, account.account_id)
        return _exists(found, caller, account.account_ref)
    shown = _preview(notice, checked.collection_day)
    user = session.get(PortalUser, caller.user_id)
    content = mail_templates.direct_debit_set_up(
        reference=row.reference,
        account_ref=account.account_ref,
        bank_masked=masked,
        amount=shown.amount_words,
        frequency=shown.frequency_words,
        day_words=shown.day_words,
        first=shown.first_words,
        later=shown.later_words,
        notice_working_days=notice.notice_working_days,
        guarantee=guarantee_text(settings.landlord_name),
        link=f"{settings.base_url}{routes.DIRECT_DEBIT}",
        settings=settings,
    )
    outbox.queue_mail(
        session, to=user.email, subject=content.subject, body=content.body, kind="direct_debit_set_up", now=now
    )
    audit.record(
        session,
        action="direct_debit_set_up",
        actor_kind=audit.RESIDENT,
        actor_id=caller.user_id,
        subject_user_id=caller.user_id,
        target=row.reference,
        detail={
            "account": account.account_ref,
            "frequency": row.frequency,
            "day_of_month": row.collection_day,
            "amount_pence": row.amount_pence,
            "first_collection_on": row.first_collection_on.isoformat(),
        },
        now=now,
    )
    return SetUp(
        "done",
        reference=row.reference,
        account_ref=account.account_ref,
        holder=checked.account_name,
        bank_masked=masked,
        amount_words=shown.amount_words,
        frequency_words=shown.frequency_words,
        day_words=shown.day_words,
        first_words=shown.first_words,
        later_words=shown.later_words,
        when_words=shown.when_words,
        later_dates=shown.later_dates,
        email=user.email,
        instructions=tuple(mine(session, caller, now=now, settings=settings)),
    )


# ---------------------------------------------------------------------------
# The resident's own instructions, and cancelling one
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InstructionView:
    reference: str
    account_ref: str
    account_label: str
    active: bool
    status_words: str  # "Active", "Set up: we are sending it to your bank", "Cancelled on 4 December 2026"
    holder: str
    bank_masked: str
    terms_words: str  # "£433.33 every month"
    day_words: str
    first_words: str  # "28 January 2027"
    set_up_words: str  # "3 December 2026"


def _visible_refs(session: Session, caller, today: date, settings: Settings) -> dict[str, str]:
    """The references of the accounts this resident may see today, with their labels."""
    options = access.choose_account(session, caller, None, today=today, settings=settings).options
    return {o.ref: o.label for o in options}


def _status_words(row: DirectDebitInstruction) -> str:
    if row.status == CANCELLED:
        return f"Cancelled on {uk_date_words(to_uk(row.cancelled_at).date())}" if row.cancelled_at else "Cancelled"
    return "Active" if row.exported_at else "Set up: we are sending it to your bank"


def mine(session: Session, caller, *, now: datetime, settings: Settings) -> list[InstructionView]:
    """The resident's own instructions on the accounts they may see today, newest first,
    bank details masked."""
    refs = _visible_refs(session, caller, uk_today(now), settings)
    if not refs:
        return []
    rows = session.exec(
        select(DirectDebitInstruction, Account.account_ref)
        .join(Account, Account.id == DirectDebitInstruction.account_id)
        .where(DirectDebitInstruction.user_id == caller.user_id, Account.account_ref.in_(list(refs)))
        .order_by(DirectDebitInstruction.created_at.desc(), DirectDebitInstruction.id.desc())
    ).all()
    return [
        InstructionView(
            reference=row.reference,
            account_ref=account_ref,
            account_label=refs[account_ref],
            active=row.status == ACTIVE,
            status_words=_status_words(row),
            holder=row.account_holder_name,
            bank_masked=row.bank_details_masked,
            terms_words=f"{format_pence(row.amount_pence)} {rules.FREQUENCY_WORDS.get(row.frequency, row.frequency)}",
            day_words=_capital(_day_words(row.frequency, row.collection_day))
            if row.frequency in rules.FREQUENCIES
            else "",
            first_words=uk_date_words(row.first_collection_on),
            set_up_words=uk_date_words(to_uk(row.created_at).date()),
        )
        for row, account_ref in rows
    ]


@dataclass(frozen=True)
class Cancelled:
    outcome: str  # cancelled | already | refused
    reference: str = ""
    email: str = ""
    instructions: tuple[InstructionView, ...] = ()  # the resident's own after it (``mine``)


def _own_instruction(session: Session, caller, reference: object, today: date, settings: Settings):
    """The resident's own instruction with this reference, on an account they may see; else None."""
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 40:
        return None
    row = session.exec(
        select(DirectDebitInstruction).where(
            DirectDebitInstruction.reference == reference.strip().upper(),
            DirectDebitInstruction.user_id == caller.user_id,
        )
    ).first()
    if row is None:
        return None
    account = session.get(Account, row.account_id)
    if account is None or account.account_ref not in _visible_refs(session, caller, today, settings):
        return None
    return row, account


def cancel(session: Session, caller, reference: str, *, now: datetime, settings: Settings) -> Cancelled:
    """Cancel the resident's own active instruction, once: later collections stop, the
    resident is emailed, and the next bureau export tells the bank if it already had it."""
    found = _own_instruction(session, caller, reference, uk_today(now), settings)
    if found is None:
        return Cancelled("refused")
    row, account = found
    done = session.execute(
        update(DirectDebitInstruction)
        .where(DirectDebitInstruction.id == row.id, DirectDebitInstruction.status == ACTIVE)
        .values(status=CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return Cancelled(
            "already", reference=row.reference, instructions=tuple(mine(session, caller, now=now, settings=settings))
        )
    session.refresh(row)
    user = session.get(PortalUser, caller.user_id)
    content = mail_templates.direct_debit_cancelled(
        reference=row.reference,
        account_ref=account.account_ref,
        bank_masked=row.bank_details_masked,
        terms=f"{format_pence(row.amount_pence)} {rules.FREQUENCY_WORDS.get(row.frequency, row.frequency)}",
        cancelled_on=uk_date_words(uk_today(now)),
        bank_told=row.exported_at is not None,
        pay_link=f"{settings.base_url}{routes.pay(account.account_ref)}",
        settings=settings,
    )
    outbox.queue_mail(
        session, to=user.email, subject=content.subject, body=content.body, kind="direct_debit_cancelled", now=now
    )
    audit.record(
        session,
        action="direct_debit_cancelled",
        actor_kind=audit.RESIDENT,
        actor_id=caller.user_id,
        subject_user_id=caller.user_id,
        target=row.reference,
        detail={"account": account.account_ref, "already_with_bureau": row.exported_at is not None},
        now=now,
    )
    return Cancelled(
        "cancelled",
        reference=row.reference,
        email=user.email,
        instructions=tuple(mine(session, caller, now=now, settings=settings)),
    )


# ---------------------------------------------------------------------------
# The bureau export
# ---------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "record_type",
    "auddis_code",
    "instruction_reference",
    "account_ref",
    "account_holder_name",
    "sort_code",
    "account_number",
    "frequency",
    "collection_day",
    "amount_pence",
    "amount",
    "first_collection_on",
    "set_up_at_utc",
    "cancelled_at_utc",
    "service_user_number",
)
NEW, CANCELLATION = "new", "cancel"
AUDDIS_CODES = {NEW: "0N", CANCELLATION: "0C"}  # Bacs AUDDIS: a new instruction, a cancelled one


@dataclass(frozen=True)
class Export:
    text: str  # the CSV file (docs/direct-debit-export.md)
    new: int
    cancelled: int

    def __repr__(self) -> str:  # the file holds bank details: never in a log line
        return f"Export(new={self.new}, cancelled={self.cancelled})"


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (as the payments export does)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _utc(moment: datetime | None) -> str:
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def _claim(session: Session, *conditions, values: dict) -> list[int]:
    """Mark the rows matching ``conditions`` in one conditional UPDATE and return their ids:
    a row another run marked first no longer matches, so each is taken by one run only."""
    claimed = session.execute(
        update(DirectDebitInstruction)
        .where(*conditions)
        .values(**values)
        .returning(DirectDebitInstruction.id)
        .execution_options(synchronize_session=False)
    )
    return [int(i) for i in claimed.scalars().all()]


def export_new(session: Session, *, now: datetime, settings: Settings) -> Export:
    """The bureau's file: every instruction no export has taken yet (``new``, AUDDIS 0N) and
    every cancellation of one an export took (``cancel``, 0C), oldest first; each is marked as
    exported in the same unit of work, so it is in one file only. The caller commits (and
    writes the file only after it has)."""
    D = DirectDebitInstruction
    new_ids = _claim(session, D.exported_at.is_(None), D.status == ACTIVE, values={"exported_at": now})
    cancel_ids = _claim(
        session,
        D.status == CANCELLED,
        D.exported_at.is_not(None),
        D.cancel_exported_at.is_(None),
        values={"cancel_exported_at": now},
    )
    wanted = {**dict.fromkeys(new_ids, NEW), **dict.fromkeys(cancel_ids, CANCELLATION)}
    rows = (
        session.exec(
            select(D, Account.account_ref)
            .join(Account, Account.id == D.account_id)
            .where(D.id.in_(list(wanted)))
            .order_by(D.created_at, D.id)
        ).all()
        if wanted
        else []
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row, account_ref in rows:
        kind = wanted[row.id]
        bank = json.loads(tokens.decrypt(row.bank_details_enc))
        writer.writerow(
            [
                kind,
                AUDDIS_CODES[kind],
                row.reference,
                _safe(account_ref),
                _safe(row.account_holder_name),
                bank["sort_code"],
                bank["account_number"],
                row.frequency,
                row.collection_day,
                row.amount_pence,
                f"{row.amount_pence // 100}.{row.amount_pence % 100:02d}",
                row.first_collection_on.isoformat(),
                _utc(row.created_at),
                _utc(row.cancelled_at) if kind == CANCELLATION else "",
                settings.direct_debit_service_user_number,
            ]
        )
    audit.record(
        session,
        action="direct_debit_exported",
        actor_kind=audit.SYSTEM,
        actor_label="command line",
        detail={"new": len(new_ids), "cancelled": len(cancel_ids)},
        now=now,
    )
    return Export(out.getvalue(), len(new_ids), len(cancel_ids))


# ---------------------------------------------------------------------------
# The paper form
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperForm:
    """What the paper Direct Debit Instruction is filled in with."""

    landlord: Landlord
    service_user_number: str
    resident_name: str
    address_lines: tuple[str, ...]
    payment_reference: str  # the account reference: the instruction's reference on paper
    account_label: str
    guarantee: tuple[GuaranteePoint, ...] = field(default_factory=tuple)


def _full_name(person: Person) -> str:
    return " ".join(part for part in (person.title, person.first_name, person.last_name) if part)


def paper_form(session: Session, *, account_id: int, person_id: int, settings: Settings) -> PaperForm:
    """The form for one account (the caller has checked the resident may see it)."""
    account = session.get(Account, account_id)
    tenancy = session.get(Tenancy, account.tenancy_id)
    prop = session.get(Property, tenancy.property_id)
    person = session.get(Person, person_id)
    lines = [p for p in (prop.address_line_1, prop.address_line_2, prop.address_line_3) if p]
    return PaperForm(
        landlord=Landlord.from_settings(settings),
        service_user_number=settings.direct_debit_service_user_number,
        resident_name=_full_name(person) if person else "",
        address_lines=(*lines, prop.town, prop.postcode),
        payment_reference=account.account_ref,
        account_label=ACCOUNT_LABELS.get(account.account_type, "Account"),
        guarantee=guarantee(settings.landlord_name),
    )


def paper_form_name(form: PaperForm) -> str:
    return f"direct-debit-form-{form.payment_reference}"


def _postal(landlord: Landlord) -> str:
    """ "Northbrook Homes, 1 Civic Way, Northbrook NB1 1AA": the address as it is set,
    with the landlord's name in front when the address does not already start with it."""
    if landlord.address.startswith(landlord.name):
        return landlord.address
    return f"{landlord.name}, {landlord.address}"


def _label(pdf: _Document, text: str, *, size: float = 9.5, style: str = "B") -> None:
    pdf.para(text, size=size, style=style, gap=1)


def _boxes(pdf: _Document, count: int, filled: str = "", *, width: float = 7.0, height: float = 8.0) -> None:
    """A row of ``count`` boxes (page furniture) at the cursor, ``filled`` drawn in them as
    one piece of text (tagged) when given."""
    top = pdf.get_y()
    with pdf.artifact():
        for n in range(count):
            pdf.rect(PAGE_MARGIN + n * width, top, width, height)
    if filled:
        pdf.set_font("Helvetica", size=11)
        elem = pdf.tag("P")
        with pdf.marked(elem):
            for n, ch in enumerate(filled[:count]):
                pdf.text(PAGE_MARGIN + n * width + width / 2 - pdf.get_string_width(ch) / 2, top + height - 2.3, ch)
    pdf.set_y(top + height + 3)


def _blank(pdf: _Document, height: float, width: float | None = None) -> None:
    """A box to write in by hand (page furniture)."""
    top = pdf.get_y()
    with pdf.artifact():
        pdf.rect(PAGE_MARGIN, top, width or (pdf.w - 2 * PAGE_MARGIN), height)
    pdf.set_y(top + height + 3)


def paper_form_pdf(form: PaperForm) -> bytes:
    """The Direct Debit Instruction as an A4 PDF (tagged, as the statements are): on the
    first page the landlord's name and address and service user number, the resident's
    name, address and payment reference filled in, blank boxes for the bank details and the
    signature; on the second the Direct Debit Guarantee, for the payer to keep."""
    name = form.landlord.name
    title = "Instruction to your bank or building society to pay by Direct Debit"
    pdf = _Document(f"{name} - Direct Debit Instruction - payment reference {form.payment_reference}")
    pdf.set_title(pdf_text(f"Direct Debit Instruction {form.payment_reference}"))
    pdf.set_author(pdf_text(name))
    pdf.add_page()
    _letterhead(pdf, form.landlord, title)
    pdf.set_draw_color(*design.rgb("print-rule"))
    pdf.para(
        f"Fill in the boxes for your bank account, sign and date the form, and post it to "
        f"{_postal(form.landlord)}. Please do not send it to your bank.",
        size=9.5,
        gap=3,
    )
    _label(pdf, "Your details")
    pdf.para(form.resident_name, size=10, gap=0.3)
    for line in form.address_lines:
        pdf.para(line, size=10, gap=0.3)
    pdf.set_y(pdf.get_y() + 2)
    _label(pdf, "Service user number")
    _boxes(pdf, 6, form.service_user_number)
    _label(pdf, f"Reference (your {form.account_label.lower()} payment reference)")
    pdf.para(form.payment_reference, size=11, gap=3)
    _label(pdf, "Name(s) of account holder(s)")
    _blank(pdf, 9)
    _label(pdf, "Bank or building society account number")
    _boxes(pdf, 8)
    _label(pdf, "Branch sort code")
    _boxes(pdf, 6)
    _label(pdf, "Name and full postal address of your bank or building society")
    _blank(pdf, 22)
    _label(pdf, "Instruction to your bank or building society")
    pdf.para(instruction_words(name), size=9.5, gap=3)
    _label(pdf, "Signature(s)")
    _blank(pdf, 14)
    _label(pdf, "Date")
    _blank(pdf, 9, width=60)
    pdf.para(
        "Banks and building societies may not accept Direct Debit Instructions for some types of account.",
        size=8.5,
        gap=4,
    )
    # The Guarantee on a page of its own: the payer keeps it, and sends the Instruction.
    pdf.add_page()
    pdf.set_y(PAGE_MARGIN)
    pdf.para(GUARANTEE_HEADING, size=12, style="B", gap=2, role="H2")
    pdf.para("This Guarantee should be detached and retained by the payer.", size=9.5, gap=3)
    for point in form.guarantee:
        pdf.para(f"- {point.text}", size=9.5, gap=1.5)
        for sub in point.under:
            pdf.para(f"- {sub}", size=9.5, gap=1.5, x=PAGE_MARGIN + 6)
    return bytes(pdf.output())


__all__ = [
    "ACTIVE",
    "CANCELLED",
    "EXPORT_COLUMNS",
    "FIELD_ORDER",
    "FREQUENCY_CHOICES",
    "GUARANTEE_HEADING",
    "Cancelled",
    "Checked",
    "DirectDebitForm",
    "Export",
    "InstructionView",
    "PaperForm",
    "Preview",
    "SetUp",
    "cancel",
    "check_form",
    "day_label",
    "export_new",
    "form_context",
    "guarantee",
    "guarantee_text",
    "mask",
    "mine",
    "paper_form",
    "paper_form_name",
    "paper_form_pdf",
    "preview_key",
    "set_up",
]
