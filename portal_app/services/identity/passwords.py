"""Password rules (NCSC / OWASP ASVS) and argon2 hashing.

At least 12 and at most 128 characters, any characters, no composition rules;
refused when common or built from the resident's own details or the landlord's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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


def _built_from(password: str, details: Iterable[str]) -> bool:
    squashed = _squash(password)
    if not squashed:
        return False
    for detail in details:
        piece = _squash(detail or "")
        if len(piece) < 4:
            continue
        if piece in squashed and len(piece) * 2 >= len(squashed):
            return True
        if squashed in piece:
            return True
    return False


def password_problem(password: str, *, personal: Iterable[str] = ()) -> str | None:
    """A message to show next to the password field, or None when the password is acceptable."""
    if not password:
        return "Enter a password"
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if _is_common(password):
        return "This password is too common and easy to guess. Try three random words together"
    landlord = get_settings().landlord_name
    landlord_words = [landlord, *landlord.split()]
    if _built_from(password, list(personal)) or _built_from(password, landlord_words):
        return "Password must not be built from your own details or our name. Try three random words together"
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
