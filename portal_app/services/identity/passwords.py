"""Password rules (NCSC / OWASP ASVS) and argon2 hashing.

At least 12 and at most 128 characters, any characters, no composition rules;
refused when common or built from the resident's own details or the landlord's name.

The own-details rule (NCSC password guidance; OWASP ASVS 2.1.7 and NIST SP 800-63B 5.1.1.2:
refuse "context-specific words, such as the name of the service, the username"): both
the password and each detail are normalised (case folded, accents dropped, everything but
letters and digits removed), every piece of the details found in the password is taken
out of it, longest first, and the password is refused when what is left is short
(fewer than ``OWN_DETAILS_MIN_LEFT`` characters) or less than half of it. The pieces are
the name's parts ("O'Connor" as "oconnor" and "connor", "Mary-Jane" as "maryjane",
"mary" and "jane"), the birth year in 4 and 2 digits and the date of birth as people
write it (ddmmyyyy, ddmmyy, yyyymmdd, mmddyyyy, ddmm), the tenancy reference and its
number, the email, its local part and that part's pieces, and the mobile in its forms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from portal_app.settings import get_settings

MIN_LENGTH = 12
MAX_LENGTH = 128
_HASHER = PasswordHasher()
_COMMON_FILE = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _is_common(password: str) -> bool:
    common = common_passwords()
    lowered = password.lower()
    if lowered in common or _squash(password) in common:
        return True
    # "passwordpassword", "qwertyqwerty123!": a common word repeated or padded with digits/symbols.
    core = re.sub(r"[^a-z]+$", "", re.sub(r"^[^a-z]+", "", lowered))
    if core and core in common:
        return True
    for size in range(1, len(lowered) // 2 + 1):
        unit = lowered[:size]
        if len(lowered) % size == 0 and unit * (len(lowered) // size) == lowered:
            return unit in common or size <= 3
    return False


# What is left of a password once the resident's own details are taken out of it must be
# at least this long (and at least half of it) for the password to be accepted.
OWN_DETAILS_MIN_LEFT = 6

# The kinds of detail, in the order the message names them.
NAME = "name"
DATE_OF_BIRTH = "date of birth"
EMAIL = "email address"
TENANCY_REFERENCE = "tenancy reference"
MOBILE = "mobile number"
_KIND_ORDER = (NAME, DATE_OF_BIRTH, EMAIL, TENANCY_REFERENCE, MOBILE)


@dataclass(frozen=True)
class OwnDetails:
    """What a password must not be made of. At registration: only what the resident typed
    (so the check says nothing about whether the details matched a record); on a reset or
    a change: the account's own record."""

    names: tuple[str, ...] = ()
    date_of_birth: date | None = None
    tenancy_reference: str = ""
    email: str = ""
    mobile: str = ""

    def __repr__(self) -> str:  # personal data: never into a log
        return "OwnDetails(...)"


def normalise(text: str) -> str:
    """Case folded, accents dropped, only letters and digits kept: "O'Connor-46" -> "oconnor46"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def _name_pieces(name: str) -> list[str]:
    """'Mary-Jane' -> maryjane, mary, jane; "O'Connor" -> oconnor, connor."""
    pieces = [normalise(name)]
    for word in re.split(r"[^\w'’]+", name or ""):
        pieces.append(normalise(word))
        pieces += [normalise(part) for part in re.split(r"['’]", word)]
    return pieces


def _date_pieces(d: date) -> list[str]:
    return [
        f"{d:%d%m%Y}",
        f"{d:%d%m%y}",
        f"{d:%Y%m%d}",
        f"{d:%m%d%Y}",
        f"{d.day}{d.month}{d.year}",
        f"{d:%d%m}",
        f"{d.year}",
        f"{d:%y}",
    ]


def _email_pieces(email: str) -> list[str]:
    local = (email or "").split("@", 1)[0]
    return [normalise(email), normalise(local), *(normalise(piece) for piece in re.split(r"[^\w]+|_", local))]


def _reference_pieces(reference: str) -> list[str]:
    return [normalise(reference), *re.findall(r"\d{4,}", normalise(reference))]


def _mobile_pieces(mobile: str) -> list[str]:
    digits = normalise(mobile)
    pieces = [digits]
    if digits.startswith("44"):
        pieces += ["0" + digits[2:], digits[2:]]
    elif digits.startswith("0"):
        pieces += ["44" + digits[1:], digits[1:]]
    return pieces


def _pieces(own: OwnDetails) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name in own.names:
        found += [(piece, NAME) for piece in _name_pieces(name)]
    if own.date_of_birth:
        found += [(piece, DATE_OF_BIRTH) for piece in _date_pieces(own.date_of_birth)]
    if own.email:
        found += [(piece, EMAIL) for piece in _email_pieces(own.email)]
    if own.tenancy_reference:
        found += [(piece, TENANCY_REFERENCE) for piece in _reference_pieces(own.tenancy_reference)]
    if own.mobile:
        found += [(piece, MOBILE) for piece in _mobile_pieces(own.mobile)]
    # One letter is nobody's detail; two are (a birth year "46", a name "Jo").
    usable = [(piece, kind) for piece, kind in found if len(piece) >= 2]
    return sorted(set(usable), key=lambda item: (-len(item[0]), _KIND_ORDER.index(item[1]), item[0]))


def own_details_in(password: str, own: OwnDetails) -> tuple[str, ...]:
    """The kinds of detail the password is mostly made of, in message order; () when it is not."""
    squashed = normalise(password)
    if not squashed:
        return ()
    left = squashed
    kinds: set[str] = set()
    for piece, kind in _pieces(own):
        if piece in left:
            left = left.replace(piece, "")
            kinds.add(kind)
    if len(left) >= OWN_DETAILS_MIN_LEFT and len(left) * 2 >= len(squashed):
        return ()
    return tuple(kind for kind in _KIND_ORDER if kind in kinds)


def _built_from_landlord(password: str, landlord: str) -> bool:
    squashed = normalise(password)
    for detail in [landlord, *landlord.split()]:
        piece = normalise(detail)
        if len(piece) < 4:
            continue
        if piece in squashed and len(piece) * 2 >= len(squashed):
            return True
        if squashed and squashed in piece:
            return True
    return False


def _words(kinds: tuple[str, ...]) -> str:
    if len(kinds) == 1:
        return kinds[0]
    return ", ".join(kinds[:-1]) + " or " + kinds[-1]


def password_problem(password: str, *, own: OwnDetails | None = None) -> str | None:
    """A message to show next to the password field, or None when the password is acceptable."""
    if not password:
        return "Enter a password"
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if _is_common(password):
        return "This password is too common and easy to guess. Try three random words together"
    kinds = own_details_in(password, own) if own is not None else ()
    if kinds:
        return f"Your password must not be made of your {_words(kinds)}. Try three random words together"
    landlord = get_settings().landlord_name
    if _built_from_landlord(password, landlord):
        return f"Your password must not be made of our name, {landlord}. Try three random words together"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A real argon2 hash of a random string: verified against when no account matches,
# so that a wrong email takes as long as a wrong password.
DUMMY_HASH = _HASHER.hash("doorstep-dummy-password-for-timing")
