"""A small OpenID Connect provider for the tests: a real HTTP server on a free loopback port.

It serves discovery, its signing keys, an authorize endpoint that approves one configured
person at once (it redirects back with a code and the state), a token endpoint that checks
the code, the client's secret (HTTP Basic or in the form) and the PKCE verifier and answers
an RS256 id_token, and userinfo.

    async with OidcProvider(now=clock.now) as provider:
        provider.redirect_uri = "http://127.0.0.1:8000/aanmelden/organisatie/terug"
        provider.email = "an@ocmw.be"           # whom /authorize approves
        provider.changes = {"aud": "other"}     # claims changed in the next id_tokens
        provider.forge = "tamper"               # id_tokens that must not be believed
        provider.deny = True                    # /authorize answers error=access_denied
        provider.rotate_key()                   # a new key under a new key id
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import unquote_plus, urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.local_http import LocalHttpServer

CLIENT_ID = "messenger"
CLIENT_SECRET = "een lang geheim van de test-provider"  # spaces: form-encoded in HTTP Basic
# tamper: the payload changed after signing; forged: signed with a key that is not published
# under the published key id; none: not signed at all; shared-secret: HS256 with the secret.
Forge = Literal["tamper", "forged", "none", "shared-secret"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Grant:
    redirect_uri: str
    nonce: str
    challenge: str
    email: str


@dataclass
class OidcProvider(LocalHttpServer):
    now: Callable[[], datetime]  # the test's clock: id_tokens are fresh in simulated time
    redirect_uri: str = ""
    email: str = "an@ocmw.be"
    email_verified: bool | None = True
    # False: the email claims are only in userinfo (as the code flow allows).
    email_in_id_token: bool = True
    deny: bool = False
    changes: dict[str, Any] = field(default_factory=dict)  # None drops a claim
    forge: Forge | None = None
    issued_ago: timedelta = timedelta(0)
    lifetime: timedelta = timedelta(minutes=5)
    auth_methods: tuple[str, ...] = ("client_secret_basic", "client_secret_post")
    # What happened: paths asked for, how the client authenticated, id_tokens handed out.
    requests: list[str] = field(default_factory=list)
    client_auth: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    _grants: dict[str, Grant] = field(default_factory=dict)
    _access: dict[str, str] = field(default_factory=dict)
    _key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    _kid: str = field(default_factory=lambda: secrets.token_hex(4))

    @property
    def issuer(self) -> str:
        return self.base_url

    def rotate_key(self) -> None:
        """A new signing key under a new key id; only the new one is published."""
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = secrets.token_hex(4)

    # -- the server (local_http.py) --------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/.well-known/openid-configuration", self._discovery)
        app.router.add_get("/jwks", self._jwks)
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/token", self._token)
        app.router.add_get("/userinfo", self._userinfo)

    # -- endpoints -------------------------------------------------------------------------

    async def _discovery(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": list(self.auth_methods),
                "scopes_supported": ["openid", "email"],
            }
        )

    async def _jwks(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        public = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return web.json_response({"keys": [{**public, "kid": self._kid, "use": "sig"}]})

    async def _authorize(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        query = request.query
        problems = [
            name
            for name, ok in (
                ("client_id", query.get("client_id") == CLIENT_ID),
                ("redirect_uri", query.get("redirect_uri") == self.redirect_uri),
                ("response_type", query.get("response_type") == "code"),
                ("scope", "openid" in query.get("scope", "").split()),
                ("code_challenge_method", query.get("code_challenge_method") == "S256"),
                ("code_challenge", bool(query.get("code_challenge"))),
                ("nonce", bool(query.get("nonce"))),
                ("state", bool(query.get("state"))),
            )
            if not ok
        ]
        if problems:  # a provider shows its own page for a bad request; never redirects
            return web.Response(status=400, text=f"bad authorization request: {problems}")
        back: dict[str, str] = {"state": query["state"]}
        if self.deny:
            back["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(16)
            self._grants[code] = Grant(
                query["redirect_uri"], query["nonce"], query["code_challenge"], self.email
            )
            back["code"] = code
        raise web.HTTPFound(f"{self.redirect_uri}?{urlencode(back)}")

    async def _token(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        form = {k: str(v) for k, v in (await request.post()).items()}
        method, client_id, secret = self._client_of(request, form)
        if method not in self.auth_methods or client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return web.json_response({"error": "invalid_client"}, status=401)
        self.client_auth.append(method)
        grant = self._grants.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant.redirect_uri
            or _b64(hashlib.sha256(verifier.encode()).digest()) != grant.challenge
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        access_token = secrets.token_urlsafe(24)
        self._access[access_token] = grant.email
        id_token = self._id_token(grant)
        self.issued.append(id_token)
        return web.json_response(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
            headers={"Cache-Control": "no-store"},
        )

    async def _userinfo(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        email = self._access.get(token)
        if email is None:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response({"sub": _subject(email), **self._email_claims(email)})

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _client_of(request: web.Request, form: dict[str, str]) -> tuple[str, str, str]:
        basic = request.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
            return "client_secret_basic", unquote_plus(user), unquote_plus(password)
        return "client_secret_post", form.get("client_id", ""), form.get("client_secret", "")

    def _email_claims(self, email: str) -> dict[str, Any]:
        claims: dict[str, Any] = {"email": email}
        if self.email_verified is not None:
            claims["email_verified"] = self.email_verified
        return claims

    def _id_token(self, grant: Grant) -> str:
        issued: datetime = self.now() - self.issued_ago
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": _subject(grant.email),
            "aud": CLIENT_ID,
            "iat": int(issued.timestamp()),
            "exp": int((issued + self.lifetime).timestamp()),
            "nonce": grant.nonce,
            **(self._email_claims(grant.email) if self.email_in_id_token else {}),
        }
        for name, value in self.changes.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        headers = {"kid": self._kid}
        if self.forge == "forged":
            other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return jwt.encode(claims, other, algorithm="RS256", headers=headers)
        if self.forge == "shared-secret":
            return jwt.encode(claims, CLIENT_SECRET, algorithm="HS256", headers=headers)
        if self.forge == "none":
            header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{header}.{_b64(json.dumps(claims).encode())}."
        token = jwt.encode(claims, self._key, algorithm="RS256", headers=headers)
        if self.forge == "tamper":  # someone else's address, under the provider's signature
            header, _, signature = token.split(".")
            changed = _b64(json.dumps({**claims, "email": "baas@ocmw.be"}).encode())
            return f"{header}.{changed}.{signature}"
        return token


def _subject(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:16]
