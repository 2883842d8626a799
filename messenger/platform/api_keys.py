"""API keys as GOV.UK Notify makes them: `{name}-{organisation_id}-{secret}`, JWT-signed.

Notify's clients take the last 36 characters as the secret and the 36 before them as the
issuer, so both are UUID-shaped. A request carries a HS256 JWT with `iss` (organisation)
and `iat` (issued at, within 30 seconds of our clock).

Every request's token is checked (its `iat` window and its signature), but the organisation's
keys and their decrypted secrets are read from the database at most once every
KEY_CACHE_SECONDS per process (KeyCache): reading and decrypting them cost a query and a
Fernet decryption per request.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import jwt
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform import roles
from messenger.platform.encryption import SecretBox
from messenger.platform.models import ApiKey, Organisation, Partner

KEY_TYPES = ("live", "team", "test")
TOKEN_BOUND_SECONDS = 30
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,99}$")


class AuthError(Exception):
    """Becomes a 403 in Notify's shape; the message says what was wrong, never a secret."""


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    # Shown once to the person who made it; we keep only the encrypted secret.
    combined: str


def key_slug(name: str) -> str:
    """Notify lower-cases the key name and replaces spaces with underscores."""
    slug = re.sub(r"\s+", "_", name.strip().lower())
    if not _NAME.match(slug):
        raise ValueError("Key name: letters, digits, spaces or underscores, at most 100.")
    return slug


async def issue_key(
    session: AsyncSession,
    box: SecretBox,
    *,
    organisation_id: str,
    name: str,
    key_type: str,
    role: str = roles.ADMIN,
    partner_id: str | None = None,
    water_company: str | None = None,
) -> IssuedKey:
    if key_type not in KEY_TYPES:
        raise ValueError(f"Key type must be one of {', '.join(KEY_TYPES)}.")
    roles.check_role(role, partner_id=partner_id, water_company=water_company, holder="key")
    slug = key_slug(name)
    await check_holder(session, organisation_id, partner_id)
    secret = str(uuid.uuid4())
    api_key = ApiKey(
        organisation_id=organisation_id,
        name=slug,
        key_type=key_type,
        role=role,
        partner_id=partner_id,
        water_company=water_company,
        secret_encrypted=box.encrypt(secret),
    )
    session.add(api_key)
    await session.flush()
    return IssuedKey(api_key, f"{slug}-{organisation_id}-{secret}")


# How long a process trusts what it read of an organisation's live keys. A key revoked by
# another process (the CLI, another API worker) keeps working this long at most in a process
# that read it just before; the process that revokes it forgets it at once (revoke_key).
# Seconds, so revoking takes effect almost at once, yet a busy client's requests read and
# decrypt the keys once per interval instead of at every request.
KEY_CACHE_SECONDS = 5.0
# Organisations whose keys one process keeps at most; the least recently used go first.
KEY_CACHE_SIZE = 1024


@dataclass(frozen=True)
class _LiveKey:
    """What a request needs of one key that was not revoked when it was read."""

    id: str
    organisation_id: str
    name: str
    key_type: str
    role: str
    partner_id: str | None
    water_company: str | None
    created_at: datetime
    secret_encrypted: str
    secret: str = field(repr=False)

    @classmethod
    def of(cls, key: ApiKey, secret: str) -> _LiveKey:
        return cls(
            id=key.id,
            organisation_id=key.organisation_id,
            name=key.name,
            key_type=key.key_type,
            role=key.role,
            partner_id=key.partner_id,
            water_company=key.water_company,
            created_at=key.created_at,
            secret_encrypted=key.secret_encrypted,
            secret=secret,
        )

    def as_row(self) -> ApiKey:
        """A new, detached row for each request: nothing one request does to it reaches
        another."""
        return ApiKey(
            id=self.id,
            organisation_id=self.organisation_id,
            name=self.name,
            key_type=self.key_type,
            role=self.role,
            partner_id=self.partner_id,
            water_company=self.water_company,
            created_at=self.created_at,
            secret_encrypted=self.secret_encrypted,
            revoked_at=None,
        )


class KeyCache:
    """Each organisation's live keys with their secrets, as read at most `seconds` ago.

    Per process and bounded (`size` organisations, least recently used first out). Entries
    are per SecretBox too, so two applications in one process (tests) never share keys.
    Only keys read from the database are kept; a token that none of them signed is checked
    against the database again (a key made a moment ago works at once), and nothing is
    remembered about tokens that fail."""

    def __init__(
        self,
        *,
        seconds: float = KEY_CACHE_SECONDS,
        size: int = KEY_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[tuple[SecretBox, str], tuple[float, tuple[_LiveKey, ...]]]
        self._entries = OrderedDict()

    def get(self, box: SecretBox, organisation_id: str) -> tuple[_LiveKey, ...] | None:
        entry = self._entries.get((box, organisation_id))
        if entry is None:
            return None
        read_at, keys = entry
        if self.clock() - read_at >= self.seconds:
            del self._entries[(box, organisation_id)]
            return None
        self._entries.move_to_end((box, organisation_id))
        return keys

    def put(self, box: SecretBox, organisation_id: str, keys: Sequence[_LiveKey]) -> None:
        self._entries[(box, organisation_id)] = (self.clock(), tuple(keys))
        self._entries.move_to_end((box, organisation_id))
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, organisation_id: str) -> None:
        for entry in [e for e in self._entries if e[1] == organisation_id]:
            del self._entries[entry]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# This process's cache, used by the API (api/deps.py).
KEYS = KeyCache()


async def authenticate(
    session: AsyncSession,
    box: SecretBox,
    token: str,
    *,
    now: float | None = None,
    cache: KeyCache | None = KEYS,
) -> ApiKey:
    """The key that signed `token` (a detached row), or AuthError. `cache` None: the keys are
    read from the database this time."""
    try:
        unverified = jwt.decode_complete(token, options={"verify_signature": False})
        claims, header = unverified["payload"], unverified["header"]
    except jwt.PyJWTError as exc:
        raise AuthError("Invalid token: signature, api token is not valid") from exc
    if header.get("alg") != "HS256":
        raise AuthError("Invalid token: algorithm used is not HS256")
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not _is_uuid(issuer):
        raise AuthError("Invalid token: iss field not provided")
    issued_at = claims.get("iat")
    if not isinstance(issued_at, int | float):
        raise AuthError("Invalid token: iat field not provided")
    current = time.time() if now is None else now
    if abs(current - issued_at) > TOKEN_BOUND_SECONDS:
        raise AuthError("Error: Your system clock must be accurate to within 30 seconds")

    known = cache.get(box, issuer) if cache is not None else None
    signer = _signer(token, known) if known else None
    if signer is None:
        known = await _live_keys(session, box, issuer)
        if cache is not None:
            cache.put(box, issuer, known)
        signer = _signer(token, known)
    if signer is None:
        raise AuthError("Invalid token: API key not found")
    return signer.as_row()


async def _live_keys(
    session: AsyncSession, box: SecretBox, organisation_id: str
) -> tuple[_LiveKey, ...]:
    """The organisation's keys that are not revoked and whose secret this server can read."""
    keys = await session.scalars(
        select(ApiKey).where(ApiKey.organisation_id == organisation_id, ApiKey.revoked_at.is_(None))
    )
    live = []
    for key in keys:
        secret = box.decrypt(key.secret_encrypted)
        if secret is not None:
            live.append(_LiveKey.of(key, secret))
    return tuple(live)


def _signer(token: str, keys: Sequence[_LiveKey]) -> _LiveKey | None:
    """The key whose secret signed the token; the signature is checked every time."""
    for key in keys:
        try:
            jwt.decode(token, key.secret, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise AuthError("Invalid token: signature, api token is not valid") from exc
        return key
    return None


async def revoke_key(
    session: AsyncSession, organisation_id: str, key_id: str, now: datetime
) -> ApiKey:
    """The key stops working: at once in this process, within KEY_CACHE_SECONDS in the
    others (KeyCache). The caller commits."""
    key = await session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.organisation_id == organisation_id)
    )
    if key is None:
        raise LookupError("No result found")
    if key.revoked_at is None:
        key.revoked_at = now
    # Forgotten now and again once committed: a request that read the keys in between
    # must not keep the revoked one for another interval.
    KEYS.forget(organisation_id)
    event.listen(
        session.sync_session, "after_commit", lambda _: KEYS.forget(organisation_id), once=True
    )
    return key


async def check_holder(session: AsyncSession, organisation_id: str, partner_id: str | None) -> None:
    """The organisation exists, and the partner (if any) is one of its own."""
    if await session.get(Organisation, organisation_id) is None:
        raise LookupError(f"No organisation with id {organisation_id}.")
    if partner_id is not None:
        partner = await session.get(Partner, partner_id)
        if partner is None or partner.organisation_id != organisation_id:
            raise LookupError(f"No partner with id {partner_id} in this organisation.")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
