"""Single sign-on for officers with the landlord's identity provider (OpenID Connect).

A small interface around Authlib, for the authorisation code flow of OpenID Connect
Core 1.0 (section 3.1) with PKCE (RFC 7636, S256 only):

* ``Provider.begin(redirect_uri)`` gives the provider's authorisation URL and the
  ``Pending`` values (state, nonce, code verifier) the caller keeps on the server until
  the browser comes back (``services/staff/sso.py`` keeps them in a database row);
* ``Provider.finish(pending, callback_query, redirect_uri)`` checks what came back,
  exchanges the code (with the verifier and the client secret), verifies the ID token
  and returns a ``VerifiedIdentity``, or raises ``SignInRefused`` with a reason code.

What ``finish`` checks on the ID token (OpenID Connect Core 1.0, section 3.1.3.7): the
signature, against the keys the provider publishes (``jwks_uri`` from its discovery
document, fetched again once for a key id it does not know, as keys rotate), with an
asymmetric algorithm the provider says it signs with; ``iss`` equal to the provider's
issuer; ``aud`` containing our client id (and ``azp`` equal to it when there are several
audiences); ``exp`` and ``iat`` with a minute's leeway for clocks; ``nonce`` equal to
the one sent. ``iss`` in the callback (RFC 9207), when the provider sends it, must be
the issuer too (and must be there when the provider's discovery document promises it),
against mix-ups between providers.

The discovery document and the keys are cached for the process (an hour, and the keys
until a key id is unknown). Every network call has a short timeout. Nothing here logs a
code, a token or the pending values; ``Pending`` does not show them in its ``repr``.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
TIMEOUT_SECONDS = 5.0
DISCOVERY_CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60  # clock skew allowed on exp and iat (OIDC Core 3.1.3.7: "small")
# Signatures we accept: public-key ones only. "none" and the HMAC family (signed with the
# client secret, which we share with the provider) are never accepted.
ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
)
# Client authentication at the token endpoint, in the order we prefer (RFC 6749 2.3.1;
# OIDC Discovery: client_secret_basic when the provider lists none).
CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class SignInRefused(Exception):
    """Single sign-on did not establish who the officer is. ``reason`` is a short code
    for the audit log and the page's message; it never carries a code or a token."""

    REASONS = (
        "not_configured",  # no issuer or client id set
        "provider_unreachable",  # discovery, keys or token endpoint did not answer well
        "provider_misconfigured",  # the discovery document is not what we need
        "cancelled",  # the officer said no at the provider (error=access_denied)
        "provider_error",  # any other error the provider sent back
        "wrong_state",  # the callback's state is not the one we sent
        "wrong_issuer",  # callback iss or token iss is not our provider
        "no_code",  # the callback carried no code
        "code_refused",  # the token endpoint refused the code (used, late, wrong verifier)
        "no_id_token",  # the token response had no ID token
        "bad_token",  # not a JWS we can read, or an algorithm we do not accept
        "bad_signature",  # the signature does not verify with the provider's keys
        "unknown_key",  # a key id the provider does not publish, even after a refetch
        "wrong_audience",  # aud does not contain our client id (or azp is not us)
        "expired",  # exp has passed
        "not_yet_valid",  # iat or nbf in the future
        "wrong_nonce",  # nonce missing or not the one we sent
        "bad_claims",  # any other claim missing or malformed (sub, for one)
    )

    def __init__(self, reason: str):
        if reason not in self.REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Pending:
    """What ``begin`` sent and ``finish`` must see again. Secret: kept on the server only."""

    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who the provider says signed in. Match staff on (issuer, subject), never email."""

    issuer: str
    subject: str
    email: str | None
    name: str | None


@dataclass
class _Cached:
    metadata: dict[str, Any]
    fetched_at: float
    jwks: dict[str, Any] | None = None


_cache: dict[str, _Cached] = {}
_cache_lock = threading.Lock()


def forget_cached_metadata() -> None:
    """Drop every cached discovery document and key set (for tests, and key rollovers)."""
    with _cache_lock:
        _cache.clear()


def _random() -> str:
    return secrets.token_urlsafe(32)  # 256 bits; 43 characters, within PKCE's 43..128


class Provider:
    """One OpenID provider and our registration with it."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        scopes: str = "openid profile email",
        token_auth_method: str = "",
        timeout: float = TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ):
        self.issuer = issuer.strip()
        self.client_id = client_id
        self.client_secret = client_secret
        scope_list = scopes.split()
        self.scopes = " ".join(scope_list if "openid" in scope_list else ["openid", *scope_list])
        self.token_auth_method = token_auth_method
        self.timeout = timeout
        self._transport = transport

    # --- discovery and keys ---------------------------------------------------------

    def _http(self) -> httpx.Client:
        # No redirects followed: the endpoints are the ones the discovery document names.
        return httpx.Client(timeout=self.timeout, follow_redirects=False, transport=self._transport)

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            with self._http() as client:
                response = client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("single sign-on: %s did not answer well (%s)", url, type(exc).__name__)
            raise SignInRefused("provider_unreachable") from None
        if not isinstance(body, dict):
            raise SignInRefused("provider_misconfigured")
        return body

    def _cached(self) -> _Cached:
        with _cache_lock:
            found = _cache.get(self.issuer)
        if found is not None and time.monotonic() - found.fetched_at < DISCOVERY_CACHE_SECONDS:
            return found
        metadata = self._get_json(self.issuer.rstrip("/") + DISCOVERY_PATH)
        # OIDC Discovery 1.0, section 4.3: the document's issuer is the one we asked.
        if str(metadata.get("issuer", "")).rstrip("/") != self.issuer.rstrip("/"):
            log.warning("single sign-on: the discovery document names another issuer")
            raise SignInRefused("provider_misconfigured")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(name), str) or not _https_or_loopback(metadata[name]):
                log.warning("single sign-on: the discovery document has no %s", name)
                raise SignInRefused("provider_misconfigured")
        found = _Cached(metadata=metadata, fetched_at=time.monotonic())
        with _cache_lock:
            _cache[self.issuer] = found
        return found

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (cached)."""
        return self._cached().metadata

    def _key_set(self, cached: _Cached, *, refresh: bool) -> KeySet:
        if cached.jwks is None or refresh:
            cached.jwks = self._get_json(cached.metadata["jwks_uri"])
        try:
            return KeySet.import_key_set(cached.jwks)
        except (JoseError, ValueError, TypeError, KeyError):
            log.warning("single sign-on: the provider's key set cannot be read")
            raise SignInRefused("provider_misconfigured") from None

    def _client_auth_method(self, metadata: Mapping[str, Any]) -> str:
        if self.token_auth_method:
            return self.token_auth_method
        offered = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        for method in CLIENT_AUTH_METHODS:
            if method in offered:
                return method
        log.warning("single sign-on: the provider offers no client secret authentication we use")
        raise SignInRefused("provider_misconfigured")

    # --- the flow ---------------------------------------------------------------------

    def _check_configured(self) -> None:
        if not self.issuer or not self.client_id or not _https_or_loopback(self.issuer):
            raise SignInRefused("not_configured")

    def begin(self, redirect_uri: str) -> tuple[str, Pending]:
        """The provider's authorisation URL for a new sign-in, and what ``finish`` needs."""
        self._check_configured()
        metadata = self.metadata()
        pending = Pending(state=_random(), nonce=_random(), code_verifier=_random() + _random())
        url = prepare_grant_uri(
            metadata["authorization_endpoint"],
            client_id=self.client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope=self.scopes,
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.code_verifier),
            code_challenge_method="S256",
        )
        return url, pending

    def finish(
        self, pending: Pending, callback_query: Mapping[str, str], redirect_uri: str, *, now: datetime | None = None
    ) -> VerifiedIdentity:
        """Check the callback, exchange its code and verify the ID token; ``now`` is the
        clock the token's times are checked against (the system's when not given)."""
        self._check_configured()
        cached = self._cached()
        metadata = cached.metadata
        issuer = metadata["issuer"]

        if callback_query.get("error"):
            raise SignInRefused("cancelled" if callback_query.get("error") == "access_denied" else "provider_error")
        state = callback_query.get("state") or ""
        if not pending.state or not hmac.compare_digest(state.encode(), pending.state.encode()):
            raise SignInRefused("wrong_state")
        # RFC 9207: a provider that says it sends iss with its answer must send its own.
        iss_promised = metadata.get("authorization_response_iss_parameter_supported") is True
        if ("iss" in callback_query or iss_promised) and callback_query.get("iss") != issuer:
            raise SignInRefused("wrong_issuer")
        code = callback_query.get("code") or ""
        if not code:
            raise SignInRefused("no_code")

        token = self._exchange(metadata, code, pending.code_verifier, redirect_uri)
        id_token = token.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise SignInRefused("no_id_token")
        claims, header = self._verified_claims(cached, id_token)
        self._check_claims(claims, header, issuer, pending.nonce, token.get("access_token"), now)

        return VerifiedIdentity(
            issuer=issuer,
            subject=claims["sub"],
            email=claims.get("email") if isinstance(claims.get("email"), str) else None,
            name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        )

    def _exchange(self, metadata: Mapping[str, Any], code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        """The token request of RFC 6749 section 4.1.3, with the PKCE verifier and the
        client secret as the provider wants it."""
        url = metadata["token_endpoint"]
        body = prepare_token_request("authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=verifier)
        headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
        auth = ClientAuth(self.client_id, self.client_secret, self._client_auth_method(metadata))
        url, headers, body = auth.prepare("POST", url, headers, body)
        try:
            with self._http() as client:
                response = client.post(url, content=body, headers=headers)
            token = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("single sign-on: the token endpoint did not answer well (%s)", type(exc).__name__)
            raise SignInRefused("provider_unreachable") from None
        if not isinstance(token, dict):
            raise SignInRefused("provider_unreachable")
        if response.status_code != 200 or "error" in token:
            # The error code is the provider's word (invalid_grant, invalid_client): no secret.
            log.info("single sign-on: the token endpoint refused the code (%s)", str(token.get("error"))[:40])
            raise SignInRefused("code_refused")
        return token

    def _verified_claims(self, cached: _Cached, id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        supported = cached.metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [alg for alg in supported if alg in ASYMMETRIC_ALGORITHMS]
        if not algorithms:
            raise SignInRefused("provider_misconfigured")
        for refresh in (False, True):
            keys = self._key_set(cached, refresh=refresh)
            try:
                decoded = jwt.decode(id_token, keys, algorithms=algorithms)
            except InvalidKeyIdError:
                if refresh:
                    raise SignInRefused("unknown_key") from None
                continue  # keys rotate: fetch the provider's keys again, once
            except BadSignatureError:
                raise SignInRefused("bad_signature") from None
            except (JoseError, ValueError, TypeError):
                raise SignInRefused("bad_token") from None
            return dict(decoded.claims), dict(decoded.header)
        raise SignInRefused("unknown_key")  # pragma: no cover - the loop always returns or raises

    def _check_claims(
        self,
        claims: dict[str, Any],
        header: dict[str, Any],
        issuer: str,
        nonce: str,
        access_token: Any,
        now: datetime | None,
    ) -> None:
        params: dict[str, Any] = {"nonce": nonce, "client_id": self.client_id}
        if isinstance(access_token, str):
            params["access_token"] = access_token  # at_hash, when the token carries one
        options = {"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": self.client_id}}
        checker = CodeIDToken(claims, header, options, params)
        try:
            checker.validate(now=int(now.timestamp()) if now else None, leeway=LEEWAY_SECONDS)
        except ExpiredTokenError:
            raise SignInRefused("expired") from None
        except ClaimError as exc:
            raise SignInRefused(_claim_reason(exc.claim, missing=isinstance(exc, MissingClaimError))) from None
        except (JoseError, ValueError, TypeError):
            raise SignInRefused("bad_claims") from None
        # Authlib skips the nonce check when the expected nonce is empty: never here.
        got = claims.get("nonce")
        if not nonce or not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
            raise SignInRefused("wrong_nonce")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise SignInRefused("bad_claims")


def _https_or_loopback(url: str) -> bool:
    """An https URL, or plain http to this machine (a developer's provider, the tests'):
    codes, secrets and keys never cross a network unencrypted (RFC 6749 section 3.1)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")


def _claim_reason(claim: str, *, missing: bool) -> str:
    if claim == "nonce":
        return "wrong_nonce"
    if claim in ("aud", "azp"):
        return "wrong_audience"
    if claim == "iss":
        return "wrong_issuer"
    if claim in ("iat", "nbf") and not missing:
        return "not_yet_valid"
    if claim == "exp" and not missing:
        return "expired"
    return "bad_claims"


def provider_from_settings(settings: Any = None) -> Provider | None:
    """The provider the settings name, or None when single sign-on is off (no issuer)."""
    if settings is None:
        from portal_app.settings import get_settings

        settings = get_settings()
    if not settings.oidc_issuer:
        return None
    return Provider(
        settings.oidc_issuer,
        settings.oidc_client_id,
        settings.oidc_client_secret,
        scopes=settings.oidc_scopes,
        token_auth_method=settings.oidc_token_auth_method,
    )


__all__ = [
    "Pending",
    "Provider",
    "SignInRefused",
    "VerifiedIdentity",
    "forget_cached_metadata",
    "provider_from_settings",
]
