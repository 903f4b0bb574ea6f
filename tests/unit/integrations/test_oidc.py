"""Single sign-on's provider interface (portal_app/integrations/oidc.py) against a real
OpenID provider: pytest-iam's Canaille server, on localhost, signed in to through its
own login form (tests/oidc_provider.py). Nothing stands in for the provider: a token
it should refuse is one the real server issued, checked against a pending sign-in or a
clock that does not match it, or issued for a client registered with another audience.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc.jwk import RSAKey

from portal_app.integrations import oidc
from tests.oidc_provider import (
    REDIRECT_URI,
    fresh_provider_cache,  # noqa: F401 - a fixture
    make_officer,
    provider,
    register_client,
    sign_in_at_provider,
)

pytestmark = pytest.mark.usefixtures("fresh_provider_cache")


@pytest.fixture
def registered(iam_server):
    """Our client at the provider, an officer there, and the provider interface."""
    registration, client = register_client(iam_server)
    officer = make_officer(iam_server, client, email="sam.officer@council.example")
    return registration, officer, provider(registration)


def _refused(excinfo) -> str:
    return excinfo.value.reason


def test_an_officer_signed_in_at_the_provider_is_who_its_id_token_says(registered, iam_server):
    registration, officer, p = registered
    url, pending = p.begin(REDIRECT_URI)
    asked = parse_qs(urlsplit(url).query)
    assert asked["state"] == [pending.state]
    assert asked["nonce"] == [pending.nonce]
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["code_challenge"] == [create_s256_code_challenge(pending.code_verifier)]
    assert asked["client_id"] == [registration.client_id]
    assert "code_verifier" not in asked

    identity = p.finish(pending, sign_in_at_provider(url, officer.user_name), REDIRECT_URI)

    assert identity == oidc.VerifiedIdentity(
        issuer=registration.issuer,
        subject=officer.user_name,
        email="sam.officer@council.example",
        name=officer.formatted_name,
    )


def test_the_pending_values_never_show_in_a_repr(registered):
    _, _, p = registered
    _, pending = p.begin(REDIRECT_URI)
    shown = repr(pending)
    assert pending.state not in shown and pending.nonce not in shown and pending.code_verifier not in shown


def test_an_id_token_carrying_another_nonce_is_refused(registered):
    _, officer, p = registered
    url, pending = p.begin(REDIRECT_URI)
    callback = sign_in_at_provider(url, officer.user_name)
    other = dataclasses.replace(pending, nonce=oidc._random())

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(other, callback, REDIRECT_URI)
    assert _refused(refused) == "wrong_nonce"


def test_a_pending_sign_in_with_no_nonce_accepts_no_id_token(registered):
    # Authlib checks the nonce only when one is expected: an empty one must still refuse.
    _, officer, p = registered
    url, pending = p.begin(REDIRECT_URI)
    callback = sign_in_at_provider(url, officer.user_name)

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(dataclasses.replace(pending, nonce=""), callback, REDIRECT_URI)
    assert _refused(refused) == "wrong_nonce"


def test_an_id_token_for_another_audience_is_refused(iam_server):
    _, someone_else = register_client(iam_server)
    registration, client = register_client(iam_server, audience_of=someone_else)
    officer = make_officer(iam_server, client)
    p = provider(registration)
    url, pending = p.begin(REDIRECT_URI)

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, sign_in_at_provider(url, officer.user_name), REDIRECT_URI)
    assert _refused(refused) == "wrong_audience"


def test_an_expired_id_token_is_refused(registered):
    _, officer, p = registered
    url, pending = p.begin(REDIRECT_URI)
    callback = sign_in_at_provider(url, officer.user_name)
    # The provider's ID tokens live an hour; by our clock, two have passed.
    later = datetime.now(UTC) + timedelta(hours=2)

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, callback, REDIRECT_URI, now=later)
    assert _refused(refused) == "expired"


def test_an_id_token_from_a_clock_running_far_ahead_is_refused(registered):
    _, officer, p = registered
    url, pending = p.begin(REDIRECT_URI)
    callback = sign_in_at_provider(url, officer.user_name)
    earlier = datetime.now(UTC) - timedelta(minutes=10)  # issued "ten minutes from now"

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, callback, REDIRECT_URI, now=earlier)
    assert _refused(refused) == "not_yet_valid"


def test_a_callback_with_another_state_is_refused_before_the_code_is_spent(registered):
    _, officer, p = registered
    url, pending = p.begin(REDIRECT_URI)
    callback = sign_in_at_provider(url, officer.user_name)

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, {**callback, "state": oidc._random()}, REDIRECT_URI)
    assert _refused(refused) == "wrong_state"
    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, {k: v for k, v in callback.items() if k != "state"}, REDIRECT_URI)
    assert _refused(refused) == "wrong_state"
    # The code was never sent to the provider, so the right callback still signs in.
    assert p.finish(pending, callback, REDIRECT_URI).subject == officer.user_name


def test_an_answer_naming_another_issuer_or_none_is_refused_as_a_mix_up(registered):
    # RFC 9207: this provider promises iss in its answers (its discovery document says so).
    _, officer, p = registered
    assert p.metadata()["authorization_response_iss_parameter_supported"] is True
    url, pending = p.begin(REDIRECT_URI)
    callback = sign_in_at_provider(url, officer.user_name)

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, {**callback, "iss": "https://login.other-council.example"}, REDIRECT_URI)
    assert _refused(refused) == "wrong_issuer"
    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, {k: v for k, v in callback.items() if k != "iss"}, REDIRECT_URI)
    assert _refused(refused) == "wrong_issuer"
    assert p.finish(pending, callback, REDIRECT_URI).subject == officer.user_name


def test_a_code_replayed_after_it_signed_in_is_refused_by_the_provider(registered):
    _, officer, p = registered
    url, pending = p.begin(REDIRECT_URI)
    callback = sign_in_at_provider(url, officer.user_name)
    assert p.finish(pending, callback, REDIRECT_URI).subject == officer.user_name

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, callback, REDIRECT_URI)
    assert _refused(refused) == "code_refused"


def test_a_code_exchanged_without_its_pkce_verifier_is_refused_by_the_provider(registered):
    _, officer, p = registered
    url, pending = p.begin(REDIRECT_URI)
    callback = sign_in_at_provider(url, officer.user_name)
    other = dataclasses.replace(pending, code_verifier=oidc._random() + oidc._random())

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(other, callback, REDIRECT_URI)
    assert _refused(refused) == "code_refused"


def test_a_wrong_client_secret_is_refused_by_the_provider(iam_server, registered):
    registration, officer, _ = registered
    p = oidc.Provider(registration.issuer, registration.client_id, "not-the-secret")
    url, pending = p.begin(REDIRECT_URI)

    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, sign_in_at_provider(url, officer.user_name), REDIRECT_URI)
    assert _refused(refused) == "code_refused"


def test_a_client_registered_for_client_secret_post_signs_in_when_configured_for_it(iam_server):
    registration, client = register_client(iam_server, auth_method="client_secret_post")
    officer = make_officer(iam_server, client)

    configured = provider(registration, token_auth_method="client_secret_post")
    url, pending = configured.begin(REDIRECT_URI)
    identity = configured.finish(pending, sign_in_at_provider(url, officer.user_name), REDIRECT_URI)
    assert identity.subject == officer.user_name

    # Unconfigured, we take the first the discovery document offers (basic): refused.
    # (Last, as this leaves an unspent code: pytest-iam's in-memory store matches a
    # code by client alone when a client has several, so one spent after it fails.)
    by_default = provider(registration)
    url, pending = by_default.begin(REDIRECT_URI)
    with pytest.raises(oidc.SignInRefused) as refused:
        by_default.finish(pending, sign_in_at_provider(url, officer.user_name), REDIRECT_URI)
    assert _refused(refused) == "code_refused"


def test_keys_the_provider_rotated_are_fetched_again_once(registered):
    registration, officer, p = registered
    url, pending = p.begin(REDIRECT_URI)
    callback = sign_in_at_provider(url, officer.user_name)
    # What we cached before the provider rolled its keys over: a key it no longer uses.
    old = RSAKey.generate_key(2048, parameters={"kid": "retired-2025"})
    oidc._cache[registration.issuer].jwks = {"keys": [old.as_dict(private=False)]}

    assert p.finish(pending, callback, REDIRECT_URI).subject == officer.user_name
    assert [key["kid"] for key in oidc._cache[registration.issuer].jwks["keys"]] != ["retired-2025"]


def test_a_provider_that_does_not_answer_is_refused_quickly(iam_server):
    p = oidc.Provider("http://127.0.0.1:9", "doorstep", "secret", timeout=1.0)
    with pytest.raises(oidc.SignInRefused) as refused:
        p.begin(REDIRECT_URI)
    assert _refused(refused) == "provider_unreachable"


def test_a_provider_over_plain_http_elsewhere_than_this_machine_is_not_used():
    p = oidc.Provider("http://login.council.example", "doorstep", "secret")
    with pytest.raises(oidc.SignInRefused) as refused:
        p.begin(REDIRECT_URI)
    assert _refused(refused) == "not_configured"


def test_an_error_sent_back_by_the_provider_is_a_refusal(registered):
    _, _, p = registered
    _, pending = p.begin(REDIRECT_URI)
    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, {"error": "access_denied", "state": pending.state}, REDIRECT_URI)
    assert _refused(refused) == "cancelled"
    with pytest.raises(oidc.SignInRefused) as refused:
        p.finish(pending, {"error": "server_error", "state": pending.state}, REDIRECT_URI)
    assert _refused(refused) == "provider_error"
