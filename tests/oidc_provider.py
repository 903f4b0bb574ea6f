"""A real OpenID provider for the single sign-on tests: pytest-iam's Canaille server,
started once per test run on a free localhost port (its ``iam_server`` fixture).

Nothing here stands in for the provider. It registers clients and users with the
running server (as the landlord's administrator would), and signs an officer in at
the provider's own login form with a real HTTP client, the way a browser would:
``sign_in_at_provider`` follows the authorisation URL, fills in the login and password
pages, and returns the query the provider sends back to the portal's redirect URI.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest

from portal_app.integrations import oidc

REDIRECT_URI = "http://testserver/api/staff/sso/callback"
PROVIDER_PASSWORD = "correct horse battery staple"  # the officer's password at the provider
SCOPES = ["openid", "profile", "email"]


@dataclass(frozen=True)
class Registration:
    """Our client as registered with the provider."""

    client_id: str
    client_secret: str
    issuer: str


def issuer_of(iam_server) -> str:
    return iam_server.url.rstrip("/")


def register_client(
    iam_server, *, redirect_uri: str = REDIRECT_URI, auth_method: str = "client_secret_basic", audience_of=None
) -> tuple[Registration, object]:
    """A confidential client at the provider (authorisation code, PKCE is the server's
    rule); ``audience_of`` another client makes the provider issue this client's ID
    tokens for that one's audience instead (a misregistration we must refuse)."""
    client = iam_server.models.Client(
        client_id=f"doorstep-{uuid.uuid4().hex[:12]}",
        client_secret=uuid.uuid4().hex + uuid.uuid4().hex,
        client_name="Doorstep back office",
        client_id_issued_at=datetime.datetime.now(datetime.UTC),
        redirect_uris=[redirect_uri],
        grant_types=["authorization_code"],
        response_types=["code"],
        token_endpoint_auth_method=auth_method,
        scope=SCOPES,
    )
    iam_server.backend.save(client)
    client.audience = [audience_of or client]
    iam_server.backend.save(client)
    return Registration(client.client_id, client.client_secret, issuer_of(iam_server)), client


def make_officer(iam_server, client, *, email: str | None = None):
    """An officer's account at the provider, who has already agreed to share their
    profile with ``client`` (the landlord's provider would not ask its own staff)."""
    user_name = f"officer-{uuid.uuid4().hex[:10]}"
    user = iam_server.random_user(
        user_name=user_name, emails=[email or f"{user_name}@council.example"], password=PROVIDER_PASSWORD
    )
    iam_server.consent(user, client)
    return user


def provider(registration: Registration, **kwargs) -> oidc.Provider:
    return oidc.Provider(registration.issuer, registration.client_id, registration.client_secret, **kwargs)


def sign_in_at_provider(authorization_url: str, user_name: str, password: str = PROVIDER_PASSWORD) -> dict[str, str]:
    """Be the officer's browser at the provider: open the authorisation URL, sign in on
    its login and password forms, and return the query it redirects back with (to the
    portal's redirect URI, which is not followed)."""
    with httpx.Client(timeout=10.0, follow_redirects=False) as browser:
        response = browser.get(authorization_url)
        for _ in range(12):
            if response.status_code in (301, 302, 303, 307, 308):
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(REDIRECT_URI.split("/api/")[0]):
                    return dict(parse_qsl(urlsplit(location).query))
                response = browser.get(location)
                continue
            assert response.status_code == 200, response.text[:500]
            path = urlsplit(str(response.url)).path
            if path.startswith("/login"):
                response = browser.post(str(response.url), data={"login": user_name})
            elif path.startswith("/auth/password"):
                response = browser.post(str(response.url), data={"password": password})
            else:
                raise AssertionError(f"the provider showed an unexpected page: {path}\n{response.text[:800]}")
        raise AssertionError("the provider never sent the browser back")


@pytest.fixture
def fresh_provider_cache():
    """Each test reads the provider's discovery document and keys afresh."""
    oidc.forget_cached_metadata()
    yield
    oidc.forget_cached_metadata()
