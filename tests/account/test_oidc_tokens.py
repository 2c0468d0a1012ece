"""ID token checks that a loopback provider cannot exercise: Google's issuer
spelled without its scheme, and HMAC tokens signed with the client secret.

The provider's keys are a real key set put where discovery would have cached
it; the tokens are signed by joserfc, as a provider signs them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from cosmostream.account import oidc
from cosmostream.config import Environment, Settings

JWKS_URI = "https://www.googleapis.com/oauth2/v3/certs"
GOOGLE = oidc.Provider(
    key="google",
    name="Google",
    issuer=oidc.GOOGLE_ISSUER,
    client_id="1234.apps.googleusercontent.com",
    client_secret="google-client-secret",
)
META = {
    "issuer": oidc.GOOGLE_ISSUER,
    "jwks_uri": JWKS_URI,
    "id_token_signing_alg_values_supported": ["RS256"],
}


@pytest.fixture
def key() -> Iterator[RSAKey]:
    private = RSAKey.generate_key(2048, parameters={"kid": "google-2026"})
    public = KeySet.import_key_set(KeySet([private]).as_dict(private=False))
    oidc._jwks[JWKS_URI] = (time.monotonic() + 60, public)
    yield private
    oidc.forget_cached_metadata()


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": "https://accounts.google.com",
        "aud": GOOGLE.client_id,
        "azp": GOOGLE.client_id,
        "sub": "110169484474386276334",
        "email": "nova@cosmos-school.edu",
        "email_verified": True,
        "hd": "cosmos-school.edu",
        "iat": now,
        "exp": now + 3600,
        "nonce": "n-0S6_WzA2Mj",
    }
    return {**base, **changes}


async def verify(token: str) -> dict[str, Any]:
    settings = Settings(env=Environment.TEST, jwt_secret="x" * 40)
    return await oidc.verify_id_token(settings, GOOGLE, META, token, "n-0S6_WzA2Mj", time.time())


async def test_google_issuer_with_or_without_scheme_is_one_issuer(key: RSAKey) -> None:
    header = {"alg": "RS256", "kid": "google-2026"}
    for iss in ("https://accounts.google.com", "accounts.google.com"):
        verified = await verify(jwt.encode(header, claims(iss=iss), key))
        assert verified["iss"] == "https://accounts.google.com"
        assert verified["hd"] == "cosmos-school.edu"
    with pytest.raises(oidc.SignInFailed):
        await verify(jwt.encode(header, claims(iss="http://accounts.google.com"), key))


async def test_hmac_with_the_client_secret_is_refused(key: RSAKey) -> None:
    secret = OctKey.import_key(GOOGLE.client_secret.encode())
    token = jwt.encode({"alg": "HS256"}, claims(), secret)
    with pytest.raises(oidc.SignInFailed):
        await verify(token)


async def test_azp_must_be_ours_when_present(key: RSAKey) -> None:
    header = {"alg": "RS256", "kid": "google-2026"}
    with pytest.raises(oidc.SignInFailed):
        await verify(jwt.encode(header, claims(azp="someone-else"), key))
    assert (await verify(jwt.encode(header, claims(), key)))["sub"] == "110169484474386276334"
