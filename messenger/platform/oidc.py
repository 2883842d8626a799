"""Signing in through an organisation's own identity provider with OpenID Connect: discovery,
the authorization request (code flow with PKCE S256, a state and a nonce), the code exchange,
the check of the id_token, and which account an identity may sign in as.

The provider is trusted for the email address it vouches for, nothing more: nobody gets an
account by signing in; an admin makes it first. Reasons in exceptions and logs say what
failed, never for whom: no token, code or email address goes into them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import isfinite
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
import jwt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform import accounts
from messenger.platform.models import Account
from messenger.platform.settings import secure_url

SCOPE = "openid email"
ALGORITHMS = ("RS256", "ES256")  # signed with the provider's public key: never "none" or HS*
TIMEOUT = httpx.Timeout(5.0)  # each connect, read and write
DEADLINE_SECONDS = 10.0  # one whole call, however slowly the bytes arrive
MAX_RESPONSE_BYTES = 256 * 1024
CACHE_SECONDS = 3600.0  # discovery and the signing keys; an unknown key id fetches the keys again
LEEWAY = timedelta(minutes=1)  # clocks differ a little
MAX_TOKEN_AGE = timedelta(minutes=10)  # an id_token is used right after it is made
MAX_CODE_LENGTH = 4096
NOT_HERE = (
    "Met dit account van uw organisatie kunt u niet aanmelden bij Messenger. "
    "Vraag een beheerder om u toe te voegen."
)


class ProviderError(Exception):
    """The provider cannot be reached, or answers what we cannot use (a 502 for the person)."""


class Refused(Exception):
    """The answer does not hold up: the state, the code, the id_token or its claims."""


class Denied(Refused):
    """The provider sent the person back without signing them in (error=access_denied)."""


class NoVerifiedEmail(Refused):
    """The provider vouches for no email address, or says it has not checked it."""


@dataclass(frozen=True)
class Flow:
    """One sign-in on its way through the provider: kept by the browser (sealed) until the
    provider sends the person back."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def start(cls) -> Flow:
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        """PKCE S256 (RFC 7636): base64url of the verifier's SHA-256, without padding."""
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Identity:
    subject: str
    email: str


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    auth_methods: tuple[str, ...]


def code_from_callback(flow: Flow, *, state: str, code: str, error: str) -> str:
    """The code from the provider's redirect, once its state is this browser's own."""
    if not state or not secrets.compare_digest(state.encode(), flow.state.encode()):
        raise Refused("the state does not match this browser's sign-in")
    if error == "access_denied":
        raise Denied("the provider answered access_denied")
    if error:
        raise Refused("the provider answered with an error")
    if not code or len(code) > MAX_CODE_LENGTH:
        raise Refused("the provider sent no usable code")
    return code


class Provider:
    """One identity provider. Keeps its discovery document and signing keys for an hour; makes
    a fresh HTTP client per call, so there is nothing to close."""

    def __init__(self, issuer: str, client_id: str, client_secret: str | None) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self._client_secret = client_secret
        self._metadata: tuple[float, Metadata] | None = None
        self._keys: tuple[float, jwt.PyJWKSet] | None = None

    async def authorization_url(self, flow: Flow, redirect_uri: str) -> str:
        metadata = await self.metadata()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPE,
                "state": flow.state,
                "nonce": flow.nonce,
                "code_challenge": flow.challenge,
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in metadata.authorization_endpoint else "?"
        return f"{metadata.authorization_endpoint}{separator}{query}"

    async def identify(self, code: str, flow: Flow, redirect_uri: str, now: datetime) -> Identity:
        """Exchange the code, check the id_token, and return whom the provider vouches for."""
        tokens = await self._exchange(code, flow, redirect_uri)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderError("the token response has no id_token")
        claims = await self.check_id_token(id_token, flow.nonce, now)
        source: dict[str, Any] = claims
        access_token = tokens.get("access_token")
        metadata = await self.metadata()
        if "email" not in claims and metadata.userinfo_endpoint and isinstance(access_token, str):
            # In the code flow a provider may keep the email claim for its userinfo endpoint.
            source = await self._userinfo(metadata.userinfo_endpoint, access_token)
            if source.get("sub") != claims["sub"]:
                raise Refused("the userinfo answer is about another subject")
        email = source.get("email")
        if not isinstance(email, str) or not email.strip():
            raise NoVerifiedEmail("the provider vouches for no email address")
        if "email_verified" in source and source["email_verified"] not in (True, "true"):
            raise NoVerifiedEmail("the provider has not verified the email address")
        return Identity(subject=claims["sub"], email=email)

    async def metadata(self) -> Metadata:
        if self._metadata is not None and self._metadata[0] > time.monotonic():
            return self._metadata[1]
        url = f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"
        status, document = await _json("discovery", "GET", url)
        if status != 200:
            raise ProviderError(f"discovery answered HTTP {status}")
        issuer = document.get("issuer")
        if not isinstance(issuer, str) or issuer.rstrip("/") != self.issuer.rstrip("/"):
            raise ProviderError("discovery names another issuer")
        methods = document.get("token_endpoint_auth_methods_supported")
        if not isinstance(methods, list) or not methods:
            methods = ["client_secret_basic"]  # the default of OpenID Connect Discovery
        metadata = Metadata(
            issuer=issuer,
            authorization_endpoint=_endpoint(document, "authorization_endpoint"),
            token_endpoint=_endpoint(document, "token_endpoint"),
            jwks_uri=_endpoint(document, "jwks_uri"),
            userinfo_endpoint=(
                _endpoint(document, "userinfo_endpoint")
                if document.get("userinfo_endpoint") is not None
                else None
            ),
            auth_methods=tuple(m for m in methods if isinstance(m, str)),
        )
        self._metadata = (time.monotonic() + CACHE_SECONDS, metadata)
        return metadata

    async def check_id_token(self, token: str, nonce: str, now: datetime) -> dict[str, Any]:
        """The id_token's claims once its signature, issuer, audience, times and nonce hold
        (OpenID Connect Core 3.1.3.7)."""
        metadata = await self.metadata()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Refused("the id_token is not a JWT") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise Refused("the id_token is not signed with RS256 or ES256")
        key = await self._key(header.get("kid"), str(algorithm))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                audience=self.client_id,
                issuer=metadata.issuer,
                options={
                    "require": ["iss", "sub", "aud", "exp", "iat"],
                    # Times are checked below, against our clock.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise Refused(f"the id_token does not hold up ({type(exc).__name__})") from None
        _check_times(claims, now)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        party = claims.get("azp")
        if (len(audiences) > 1 or party is not None) and party != self.client_id:
            raise Refused("the id_token was issued to another client (azp)")
        given = claims.get("nonce")
        if not isinstance(given, str) or not secrets.compare_digest(given.encode(), nonce.encode()):
            raise Refused("the id_token's nonce is not this sign-in's")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise Refused("the id_token has no subject")
        return claims

    async def _exchange(self, code: str, flow: Flow, redirect_uri: str) -> dict[str, Any]:
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": flow.verifier,
        }
        auth: httpx.BasicAuth | None = None
        secret = self._client_secret
        if secret is None:
            form["client_id"] = self.client_id  # a public client: PKCE is its proof
        elif "client_secret_basic" not in metadata.auth_methods and (
            "client_secret_post" in metadata.auth_methods
        ):
            form.update(client_id=self.client_id, client_secret=secret)
        else:  # RFC 6749 2.3.1: both form-encoded before they go into HTTP Basic
            auth = httpx.BasicAuth(quote_plus(self.client_id), quote_plus(secret))
        status, tokens = await _json(
            "token endpoint", "POST", metadata.token_endpoint, data=form, auth=auth
        )
        if status == 400 and tokens.get("error") == "invalid_grant":
            raise Refused("the provider refused the code (invalid_grant)")
        if status != 200:
            raise ProviderError(f"the token endpoint answered HTTP {status}")
        return tokens

    async def _userinfo(self, url: str, access_token: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {access_token}"}
        status, document = await _json("userinfo", "GET", url, headers=headers)
        if status != 200:
            raise ProviderError(f"userinfo answered HTTP {status}")
        return document

    async def _key(self, kid: object, algorithm: str) -> jwt.PyJWK:
        """The provider's key for this token; the keys are fetched again once when the key
        id is new to us (the provider rotated its keys)."""
        keys, fresh = await self._key_set(again=False)
        found = _pick(keys, kid, algorithm)
        if found is None and not fresh:
            keys, _ = await self._key_set(again=True)
            found = _pick(keys, kid, algorithm)
        if found is None:
            raise Refused("no signing key of the provider fits the id_token")
        return found

    async def _key_set(self, *, again: bool) -> tuple[jwt.PyJWKSet, bool]:
        if not again and self._keys is not None and self._keys[0] > time.monotonic():
            return self._keys[1], False
        metadata = await self.metadata()
        status, document = await _json("jwks", "GET", metadata.jwks_uri)
        if status != 200:
            raise ProviderError(f"the key set answered HTTP {status}")
        try:
            keys = jwt.PyJWKSet.from_dict(document)
        except jwt.PyJWTError:
            raise ProviderError("the key set has no usable key") from None
        self._keys = (time.monotonic() + CACHE_SECONDS, keys)
        return keys, True


def _endpoint(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not secure_url(value):
        raise ProviderError(f"discovery has no usable {name}")
    return value


def _pick(keys: jwt.PyJWKSet, kid: object, algorithm: str) -> jwt.PyJWK | None:
    fitting = [
        key
        for key in keys
        if key.algorithm_name == algorithm and key.public_key_use in (None, "sig")
    ]
    if isinstance(kid, str):
        return next((key for key in fitting if key.key_id == kid), None)
    return fitting[0] if kid is None and len(fitting) == 1 else None


def _check_times(claims: dict[str, Any], now: datetime) -> None:
    moment = now.timestamp()
    leeway = LEEWAY.total_seconds()
    times = {name: claims.get(name) for name in ("exp", "iat", "nbf")}
    for name, value in times.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not isfinite(value)
        ):
            raise Refused(f"the id_token's {name} is not a number")
    expires, issued, not_before = times["exp"], times["iat"], times["nbf"]
    assert isinstance(expires, int | float) and isinstance(issued, int | float)  # required
    if expires + leeway < moment:
        raise Refused("the id_token has expired")
    if issued - leeway > moment or (not_before is not None and not_before - leeway > moment):
        raise Refused("the id_token is not valid yet")
    if issued + MAX_TOKEN_AGE.total_seconds() + leeway < moment:
        raise Refused("the id_token is too old")


async def _json(what: str, method: str, url: str, **options: Any) -> tuple[int, dict[str, Any]]:
    """Status and JSON object of one call, within our own deadline and size limit."""
    body = bytearray()
    headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
    headers.update(options.pop("headers", {}))
    try:
        async with (
            asyncio.timeout(DEADLINE_SECONDS),
            httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client,
            client.stream(method, url, headers=headers, **options) as response,
        ):
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                raise ProviderError(f"{what} answered too much")
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise ProviderError(f"{what} answered too much")
            status = response.status_code
    except (httpx.HTTPError, TimeoutError) as exc:
        raise ProviderError(f"{what} could not be reached ({type(exc).__name__})") from None
    try:
        document = json.loads(body)
    except ValueError:
        raise ProviderError(f"{what} did not answer JSON (HTTP {status})") from None
    if not isinstance(document, dict):
        raise ProviderError(f"{what} did not answer a JSON object (HTTP {status})")
    return status, document


async def account_for(session: AsyncSession, identity: Identity, now: datetime) -> Account:
    """The account an identity signs in as: the active account with that email address, if it
    is not locked. Raises accounts.SignInRefused (Dutch). The caller opens the session and
    commits."""
    try:
        address = accounts.normalise_email(identity.email)
    except ValueError:
        raise accounts.SignInRefused(NOT_HERE) from None
    account = await session.scalar(select(Account).where(Account.email == address))
    if account is None or not account.active:
        raise accounts.SignInRefused(NOT_HERE)
    if account.locked_until is not None and account.locked_until > now:
        raise accounts.SignInRefused(accounts.locked_message(account.locked_until))
    account.last_sign_in_at = now
    return account
