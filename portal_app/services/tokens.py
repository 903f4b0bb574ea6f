"""Random tokens and codes, their keyed hashes, and symmetric encryption."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet

from portal_app.settings import get_settings


def new_token() -> str:
    """A URL-safe random token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def new_code(digits: int = 6) -> str:
    """A numeric one-time code from a secure random source."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def hash_token(token: str, purpose: str = "token") -> str:
    """Keyed SHA-256 (HMAC) of a token or code; what the database stores."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"{purpose}:{token}".encode(), hashlib.sha256).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def _fernet() -> Fernet:
    raw = hashlib.sha256(get_settings().encryption_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
