"""OpenID Connect sign-in: providers from settings, the flow cookie, the code
exchange (Authlib) and the verification of the ID token (joserfc).

The flow is the authorization code flow with PKCE S256, `state` and `nonce`.
Nothing is stored server-side before the provider answers: `/start` puts the
provider key, `state`, `nonce` and where to go next in a short-lived, signed,
HttpOnly cookie scoped to `/auth/oidc/`; the PKCE verifier is derived from the
secret key and the state, so it never leaves the server. The callback accepts
only the `state` of that cookie, exchanges the code at the provider's token
endpoint (over the back channel, with the client secret and the verifier) and
trusts the ID token only after checking its signature against the provider's
JWKS, `iss`, `aud`/`azp`, `exp`/`iat` and `nonce`.
"""

from __future__ import annotations

import base64
import json
import re
import time
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cosmostream.config import ConfigurationError, Settings
from cosmostream.errors import AppError
from cosmostream.kit.crypto import constant_time_equal, new_token, sign
from cosmostream.kit.text import find_bad_text

with warnings.catch_warnings():
    # Authlib would rather run on `httpx2`; it works on the project's httpx as is.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client
    from authlib.oauth2.base import OAuth2Error

FLOW_COOKIE = "cs_oidc"
FLOW_COOKIE_PATH = "/auth/oidc/"
SCOPES = "openid email profile"
# Asymmetric algorithms only: never `none`, never HMAC with the client secret.
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
CLOCK_SKEW_SECONDS = 120
METADATA_TTL_SECONDS = 3600
GOOGLE_ISSUER = "https://accounts.google.com"
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


class SignInFailed(AppError):
    status = 400
    code = "oidc_failed"
    message = "We could not sign you in with that provider. Please try again."


class UnknownProvider(AppError):
    status = 404
    code = "not_found"
    message = "That sign-in provider is not configured."


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    issuer: str
    client_id: str
    client_secret: str

    @property
    def vouches_for_email(self) -> bool:
        """Whether its verified address may open an existing account with that address.

        Only Google (the provider keyed `google`, whose issuer is the Google
        issuer setting): its `email_verified` means Google checked the address.
        An organization's own provider can assert any address it likes, so its
        identities reach an existing account only by linking from /settings.
        """
        return self.key == "google"

    @property
    def accepted_issuers(self) -> frozenset[str]:
        """The `iss` values of its ID tokens: Google's also come without the scheme."""
        if self.issuer == GOOGLE_ISSUER:
            return frozenset({self.issuer, "accounts.google.com"})
        return frozenset({self.issuer})

    def redirect_uri(self, settings: Settings) -> str:
        """The exact URI to register at the provider."""
        return f"{settings.base_url.rstrip('/')}/auth/oidc/{self.key}/callback"


def providers(settings: Settings) -> list[Provider]:
    """Google (when its client id and secret are set), then the configured ones."""
    found: list[Provider] = []
    if settings.google_client_id and settings.google_client_secret:
        found.append(
            Provider(
                key="google",
                name="Google",
                issuer=settings.google_issuer.rstrip("/"),
                client_id=settings.google_client_id,
                client_secret=settings.google_client_secret,
            )
        )
    for entry in settings.oidc_providers:
        missing = [f for f in ("key", "name", "issuer", "client_id") if not entry.get(f)]
        if missing:
            raise ConfigurationError(f"COSMOSTREAM_OIDC_PROVIDERS entry lacks {missing}")
        if not KEY_PATTERN.match(entry["key"]) or entry["key"] == "google":
            raise ConfigurationError(
                "an OIDC provider key is lowercase letters, digits and -, and not 'google'"
            )
        found.append(
            Provider(
                key=entry["key"],
                name=entry["name"],
                issuer=entry["issuer"].rstrip("/"),
                client_id=entry["client_id"],
                client_secret=entry.get("client_secret", ""),
            )
        )
    if len({p.key for p in found}) != len(found):
        raise ConfigurationError("two OIDC providers share a key")
    return found


def get_provider(settings: Settings, key: str) -> Provider:
    for provider in providers(settings):
        if provider.key == key:
            return provider
    raise UnknownProvider()


# -- the flow cookie -----------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """One sign-in in progress in one browser."""

    provider: str
    state: str
    nonce: str
    next_url: str
    link_user: str | None  # linking from /settings: the signed-in user's id
    expires: int


def new_flow(settings: Settings, provider: Provider, next_url: str, link_user: str | None) -> Flow:
    return Flow(
        provider=provider.key,
        state=new_token(24),
        nonce=new_token(24),
        next_url=next_url,
        link_user=link_user,
        expires=int(time.time()) + settings.oidc_flow_ttl_seconds,
    )


def code_verifier(settings: Settings, flow: Flow) -> str:
    """The PKCE verifier of a flow (64 hex characters), known only to the server."""
    return sign(settings.secret_key, f"oidc-pkce:{flow.provider}:{flow.state}:{flow.nonce}")


def pack_flow(settings: Settings, flow: Flow) -> str:
    body = base64.urlsafe_b64encode(
        json.dumps(
            [flow.provider, flow.state, flow.nonce, flow.next_url, flow.link_user, flow.expires]
        ).encode()
    ).decode()
    return f"{body}.{sign(settings.secret_key, 'oidc-flow:' + body)}"


def unpack_flow(settings: Settings, value: str | None) -> Flow:
    """The flow of a signed, unexpired cookie, else `SignInFailed`."""
    expired = SignInFailed("Your sign-in took too long or was started elsewhere. Try again.")
    if not value or "." not in value:
        raise expired
    body, _, mac = value.rpartition(".")
    if not constant_time_equal(mac, sign(settings.secret_key, "oidc-flow:" + body)):
        raise expired
    try:
        provider, state, nonce, next_url, link_user, expires = json.loads(
            base64.urlsafe_b64decode(body.encode())
        )
    except (ValueError, TypeError):
        raise expired from None
    if int(expires) < int(time.time()):
        raise expired
    return Flow(str(provider), str(state), str(nonce), str(next_url), link_user, int(expires))


# -- discovery and keys --------------------------------------------------------


_metadata: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks: dict[str, tuple[float, KeySet]] = {}


def forget_cached_metadata() -> None:
    _metadata.clear()
    _jwks.clear()


async def _get_json(settings: Settings, url: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=settings.oidc_http_timeout_seconds) as http:
            response = await http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            data = response.json()
    except (httpx.HTTPError, ValueError):
        raise SignInFailed("The sign-in provider is not answering. Try again later.") from None
    if not isinstance(data, dict):
        raise SignInFailed("The sign-in provider answered something we cannot use.")
    return data


async def metadata(settings: Settings, provider: Provider) -> dict[str, Any]:
    """The provider's discovery document, whose `issuer` must be the configured one."""
    cached = _metadata.get(provider.issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    data = await _get_json(settings, f"{provider.issuer}/.well-known/openid-configuration")
    if data.get("issuer") != provider.issuer:
        raise SignInFailed("The sign-in provider's configuration names another issuer.")
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(data.get(field), str):
            raise SignInFailed("The sign-in provider's configuration is incomplete.")
    _metadata[provider.issuer] = (time.monotonic() + METADATA_TTL_SECONDS, data)
    return data


async def _key_set(settings: Settings, jwks_uri: str, *, refresh: bool = False) -> KeySet:
    cached = _jwks.get(jwks_uri)
    if cached and not refresh and cached[0] > time.monotonic():
        return cached[1]
    data = await _get_json(settings, jwks_uri)
    try:
        keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise SignInFailed("The sign-in provider's keys are unusable.") from None
    _jwks[jwks_uri] = (time.monotonic() + METADATA_TTL_SECONDS, keys)
    return keys


# -- the two legs --------------------------------------------------------------


def _client(settings: Settings, provider: Provider) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=SCOPES,
        redirect_uri=provider.redirect_uri(settings),
        code_challenge_method="S256",
        timeout=settings.oidc_http_timeout_seconds,
    )


async def authorization_url(settings: Settings, provider: Provider, flow: Flow) -> str:
    meta = await metadata(settings, provider)
    async with _client(settings, provider) as client:
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"],
            state=flow.state,
            nonce=flow.nonce,
            code_verifier=code_verifier(settings, flow),
        )
    return str(url)


async def exchange_code(
    settings: Settings, provider: Provider, flow: Flow, code: str, now: float
) -> dict[str, Any]:
    """Trade the code for tokens and return the verified ID token claims."""
    meta = await metadata(settings, provider)
    try:
        async with _client(settings, provider) as client:
            token = await client.fetch_token(
                meta["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier(settings, flow),
            )
    except (OAuthError, OAuth2Error, httpx.HTTPError, ValueError) as exc:
        # The provider's error (invalid_grant: a wrong PKCE verifier, a spent
        # code), a network failure or an answer that is not a token response.
        raise SignInFailed(
            "The sign-in provider refused to complete the sign-in. Please try again."
        ) from exc
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str):
        raise SignInFailed("The sign-in provider sent no ID token.")
    return await verify_id_token(settings, provider, meta, id_token, flow.nonce, now)


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError):
        raise SignInFailed("The ID token is malformed.") from None
    if not isinstance(header, dict):
        raise SignInFailed("The ID token is malformed.")
    return header


async def verify_id_token(
    settings: Settings,
    provider: Provider,
    meta: dict[str, Any],
    id_token: str,
    nonce: str,
    now: float,
) -> dict[str, Any]:
    refused = SignInFailed("The sign-in provider's ID token did not pass our checks.")
    offered = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in SAFE_ALGORITHMS if a in offered]
    header = _header(id_token)
    if header.get("alg") not in algorithms:
        raise refused  # `none`, HMAC and anything the provider does not use
    keys = await _key_set(settings, meta["jwks_uri"])
    kid = header.get("kid")
    if kid is not None and all(k.kid != kid for k in keys.keys):
        # The provider may have rotated its keys since we fetched them.
        keys = await _key_set(settings, meta["jwks_uri"], refresh=True)
    try:
        claims = dict(jwt.decode(id_token, keys, algorithms=algorithms).claims)
    except (JoseError, ValueError, TypeError):
        raise refused from None
    audiences = claims.get("aud")
    audience_list = [audiences] if isinstance(audiences, str) else audiences
    if not isinstance(audience_list, list) or provider.client_id not in audience_list:
        raise refused
    if (len(audience_list) > 1 or "azp" in claims) and claims.get("azp") != provider.client_id:
        raise refused
    if claims.get("iss") not in provider.accepted_issuers:
        raise refused
    claims["iss"] = provider.issuer  # one spelling, so (iss, sub) finds the account
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise refused
    if exp <= now - CLOCK_SKEW_SECONDS or iat > now + CLOCK_SKEW_SECONDS:
        raise refused
    if not isinstance(claims.get("nonce"), str) or not constant_time_equal(claims["nonce"], nonce):
        raise refused
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise refused
    if find_bad_text(claims) is not None:
        raise refused  # NUL or a lone surrogate: nothing a database can store
    return claims


def email_verified(claims: dict[str, Any]) -> bool:
    """The provider vouches for the address only when it says so explicitly."""
    value = claims.get("email_verified")
    return value is True or value == "true"
