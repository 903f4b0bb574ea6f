"""Parsing what residents type: email addresses, UK mobile numbers, GOV.UK-style dates,
tenancy references.

Plain functions, no database, no reflex. Each returns a normalised value or None (or a
value and a GOV.UK-style error message), so a page can show the message next to the field.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

EMAIL_MAX_LENGTH = 254
REFERENCE_MAX_LENGTH = 64
EARLIEST_YEAR = 1900

# something@domain.tld: a plain local part, dot-separated domain labels, a letters-only TLD.
_LOCAL_RE = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TLD_RE = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")

# Characters people put between the digits of a phone number.
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
# UK mobile ranges (Ofcom): 071-075, 07624 (Isle of Man), 077-079. 070 is personal
# numbering and 076 is pagers, neither of which is a mobile.
_UK_MOBILE_NATIONAL = re.compile(r"^07(?:[1-57-9]\d{8}|624\d{6})$")
# Geographic (01, 02), non-geographic (03) and freephone/special (08, 09) numbers.
_UK_OTHER_NATIONAL = re.compile(r"^0[1-689]\d{8,9}$")

_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def normalise_email(raw: str) -> str | None:
    """A lower-case email address, or None when it is not shaped like name@example.com."""
    if raw is None:
        return None
    value = raw.strip().lower()
    if not value or len(value) > EMAIL_MAX_LENGTH or any(ch.isspace() for ch in value):
        return None
    if value.count("@") != 1:
        return None
    local, domain = value.split("@")
    if not local or len(local) > 64 or not _LOCAL_RE.match(local):
        return None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        return None
    if not _TLD_RE.match(labels[-1]):
        return None
    return value


def _uk_national_digits(raw: str) -> str | None:
    """The number as UK national digits ("07700900123"), or None when it is not a UK number."""
    if raw is None:
        return None
    value = _PHONE_PUNCTUATION.sub("", raw.strip().replace("(0)", ""))
    if value.startswith("+44"):
        rest = value[3:]
    elif value.startswith("0044"):
        rest = value[4:]
    elif value.startswith("44") and len(value) >= 12:
        rest = value[2:]
    elif value.startswith("0"):
        return value if value.isdigit() else None
    elif value.startswith("7") and len(value) == 10:
        rest = value  # "7700 900123": the leading 0 left off
    else:
        return None
    if not rest.isdigit():
        return None
    return rest if rest.startswith("0") else "0" + rest


def normalise_uk_mobile(raw: str) -> str | None:
    """A UK mobile number in E.164 ("+447700900123"), or None.

    Accepts any spacing and the usual forms: "07700 900123", "+44 7700 900123",
    "+44 (0)7700 900123", "447700900123", "0044 7700 900123".
    """
    national = _uk_national_digits(raw)
    if national is None or not _UK_MOBILE_NATIONAL.match(national):
        return None
    return "+44" + national[1:]


def normalise_uk_phone(raw: str) -> str | None:
    """Any UK phone number, mobile or landline, as national digits ("01632960001"), or None."""
    national = _uk_national_digits(raw)
    if national is None or not 10 <= len(national) <= 11:
        return None
    return national


def is_uk_landline(raw: str) -> bool:
    """True when the number is a UK phone number that is not a mobile (01, 02, 03, 08...)."""
    national = _uk_national_digits(raw)
    return bool(national) and bool(_UK_OTHER_NATIONAL.match(national))


def normalise_reference(raw: str) -> str:
    """A tenancy reference or service charge account number: upper case, no spaces."""
    return "".join((raw or "").split()).upper()


def _part_number(text: str, *, months: bool = False) -> int | None:
    text = text.strip()
    if text.isdigit():
        return int(text)
    if months:
        return _MONTH_NAMES.get(text.lower().rstrip("."))
    return None


def _sentence_start_lower(label: str) -> str:
    return label[:1].lower() + label[1:]


def parse_date_parts(day: str, month: str, year: str, *, label: str, today: date) -> tuple[date | None, str | None]:
    """A date from the three boxes of a GOV.UK date input, and the error to show if any.

    ``label`` names the date at the start of a sentence, e.g. "Date of birth". The date
    must be a real date in the past, with a four-digit year from 1900.
    """
    parts = {"day": (day or "").strip(), "month": (month or "").strip(), "year": (year or "").strip()}
    missing = [name for name, text in parts.items() if not text]
    if len(missing) == 3:
        return None, f"Enter {_sentence_start_lower(label)}"
    if missing:
        return None, f"{label} must include a {' and '.join(missing)}"

    day_n = _part_number(parts["day"])
    month_n = _part_number(parts["month"], months=True)
    year_text = parts["year"]
    if not year_text.isdigit():
        return None, f"{label} must be a real date"
    if len(year_text) != 4:
        return None, "Year must include 4 numbers"
    if day_n is None or month_n is None:
        return None, f"{label} must be a real date"
    try:
        value = date(int(year_text), month_n, day_n)
    except ValueError:
        return None, f"{label} must be a real date"
    if value >= today:
        return None, f"{label} must be in the past"
    if value.year < EARLIEST_YEAR:
        return None, f"{label} must be the same as or after 1 January {EARLIEST_YEAR}"
    return value, None


def period_date_from_form(
    form: dict, prefix: str, *, label: str, today: date, required: bool = True
) -> tuple[date | None, str | None]:
    """A date for a period (a statement, a history filter) from a date input's three boxes
    in form data (``{prefix}_day`` and so on): a real date, today or earlier. Not
    required: three empty boxes are no date and no error."""
    parts = [str(form.get(f"{prefix}_{p}", "") or "") for p in ("day", "month", "year")]
    if not required and not any(p.strip() for p in parts):
        return None, None
    value, error = parse_date_parts(*parts, label=label, today=today + timedelta(days=1))
    if error and error.endswith("must be in the past"):
        error = f"{label} must be today or in the past"
    return value, error


FORM_FIELD_MAX_LENGTH = 5000


def form_fields(raw: object) -> dict[str, str]:
    """What a form sent, as text fields by name.

    A browser can send any event with any arguments, so a form handler may be given a
    number, a list or nothing at all instead of a form: that is an empty form, which
    then fails validation like one (a message next to each field), never a crash.
    Values that are not text or whole numbers are dropped; each is cut to a length no
    real form field needs.
    """
    if not isinstance(raw, dict):
        return {}
    fields: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or isinstance(value, bool) or not isinstance(value, str | int):
            continue
        fields[key[:100]] = str(value)[:FORM_FIELD_MAX_LENGTH]
    return fields
