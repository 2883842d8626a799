"""An organisation's callbacks as it sets them (the API, the CLI and the page): one https
address and bearer token per kind. The token is encrypted at rest with the server key and
never shown again; Notify's rules hold: https, and a token of at least 10 characters."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages.callbacks import DROPPED, KINDS, PENDING, find_callback
from messenger.platform.encryption import SecretBox
from messenger.platform.models import Callback, CallbackDelivery, utcnow
from messenger.platform.settings import secure_url

URL_MAX = 255  # Notify's limit
TOKEN_MIN, TOKEN_MAX = 10, 1000


class CallbackRefused(ValueError):
    """A value that cannot be used; `field` names it (url, bearer_token, callback_type)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}")
        self.field = field


class CallbackExists(Exception):
    """This organisation has a callback of this kind already: change it instead."""


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise CallbackRefused("callback_type", f"must be one of {', '.join(KINDS)}")
    return kind


def clean_url(raw: str) -> str:
    url = raw.strip()
    if not url:
        raise CallbackRefused("url", "is required")
    if len(url) > URL_MAX:
        raise CallbackRefused("url", f"must be at most {URL_MAX} characters")
    if any(c.isspace() for c in url) or not secure_url(url):
        raise CallbackRefused("url", "must be an https address (http only on localhost)")
    return url


def clean_token(raw: str) -> str:
    token = raw.strip()
    if len(token) < TOKEN_MIN:
        raise CallbackRefused("bearer_token", f"must be at least {TOKEN_MIN} characters")
    if len(token) > TOKEN_MAX:
        raise CallbackRefused("bearer_token", f"must be at most {TOKEN_MAX} characters")
    if not token.isascii() or not token.isprintable() or " " in token:
        raise CallbackRefused("bearer_token", "must be letters, digits and signs, without spaces")
    return token


# -- what is set ------------------------------------------------------------------------------


async def list_callbacks(session: AsyncSession, organisation_id: str) -> list[Callback]:
    found = await session.scalars(
        select(Callback).where(Callback.organisation_id == organisation_id)
    )
    return sorted(found, key=lambda c: KINDS.index(c.kind) if c.kind in KINDS else len(KINDS))


async def own_callback(session: AsyncSession, organisation_id: str, kind: str) -> Callback:
    """The organisation's callback of this kind, or LookupError (a 404)."""
    found = await find_callback(session, organisation_id, kind)
    if found is None:
        raise LookupError("No result found")
    return found


async def create_callback(
    session: AsyncSession,
    box: SecretBox,
    organisation_id: str,
    kind: str,
    url: str,
    token: str,
    *,
    by: str,
) -> Callback:
    """A new callback; CallbackExists when the kind has one. Caller commits."""
    kind, url, token = check_kind(kind), clean_url(url), clean_token(token)
    if await find_callback(session, organisation_id, kind) is not None:
        raise CallbackExists(f"A {kind} callback exists already: change it instead")
    callback = Callback(
        organisation_id=organisation_id,
        kind=kind,
        url=url,
        bearer_token_encrypted=box.encrypt(token),
        updated_by=by[:200],
    )
    session.add(callback)
    try:
        await session.flush()
    except IntegrityError as exc:  # made at the same moment by another request
        raise CallbackExists(f"A {kind} callback exists already: change it instead") from exc
    return callback


async def change_callback(
    session: AsyncSession,
    box: SecretBox,
    callback: Callback,
    *,
    url: str | None = None,
    token: str | None = None,
    by: str,
) -> Callback:
    """A new address or token (or both); what is not given stays. Deliveries still waiting
    go to the new address; whether it works is then for the next attempt to say. Caller
    commits."""
    new_url = clean_url(url) if url is not None else None
    new_token = clean_token(token) if token is not None else None
    if (new_url is not None and new_url != callback.url) or new_token is not None:
        callback.last_success_at = callback.last_failure_at = callback.last_failure = None
    if new_url is not None:
        callback.url = new_url
    if new_token is not None:
        callback.bearer_token_encrypted = box.encrypt(new_token)
    callback.updated_at = utcnow()
    callback.updated_by = by[:200]
    await session.flush()
    return callback


async def set_callback(
    session: AsyncSession,
    box: SecretBox,
    organisation_id: str,
    kind: str,
    url: str,
    token: str | None,
    *,
    by: str,
) -> Callback:
    """Create or change (the CLI and the page). A new one needs a token. Caller commits."""
    existing = await find_callback(session, organisation_id, check_kind(kind))
    if existing is not None:
        return await change_callback(session, box, existing, url=url, token=token, by=by)
    if token is None:
        raise CallbackRefused("bearer_token", "is required")
    return await create_callback(session, box, organisation_id, kind, url, token, by=by)


async def remove_callback(session: AsyncSession, organisation_id: str, kind: str) -> None:
    """No more callbacks of this kind; deliveries still waiting are dropped. Caller commits."""
    callback = await own_callback(session, organisation_id, kind)
    await session.execute(
        update(CallbackDelivery)
        .where(
            CallbackDelivery.organisation_id == organisation_id,
            CallbackDelivery.kind == kind,
            CallbackDelivery.status == PENDING,
        )
        .values(status=DROPPED, finished_at=utcnow(), payload={})
    )
    await session.delete(callback)
    await session.flush()
