"""API keys as GOV.UK Notify makes them: `{name}-{organisation_id}-{secret}`, JWT-signed.

Notify's clients take the last 36 characters as the secret and the 36 before them as the
issuer, so both are UUID-shaped. A request carries a HS256 JWT with `iss` (organisation)
and `iat` (issued at, within 30 seconds of our clock).
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import jwt
from sqlalchemy import select
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


async def authenticate(
    session: AsyncSession, box: SecretBox, token: str, *, now: float | None = None
) -> ApiKey:
    """The key that signed `token`, or AuthError."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        header = jwt.get_unverified_header(token)
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

    keys = await session.scalars(
        select(ApiKey).where(ApiKey.organisation_id == issuer, ApiKey.revoked_at.is_(None))
    )
    for candidate in keys:
        secret = box.decrypt(candidate.secret_encrypted)
        if secret is None:
            continue
        try:
            jwt.decode(token, secret, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise AuthError("Invalid token: signature, api token is not valid") from exc
        return candidate
    raise AuthError("Invalid token: API key not found")


async def revoke_key(
    session: AsyncSession, organisation_id: str, key_id: str, now: datetime
) -> ApiKey:
    """The key stops working at once (its JWTs are refused). The caller commits."""
    key = await session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.organisation_id == organisation_id)
    )
    if key is None:
        raise LookupError("No result found")
    if key.revoked_at is None:
        key.revoked_at = now
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
