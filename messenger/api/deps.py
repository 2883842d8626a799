"""FastAPI dependencies: the database session and the calling API key (Notify's JWT auth),
counted against the request limits (request_limits.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.api.request_limits import RequestLimits
from messenger.messages.queue import DeliveryQueue
from messenger.platform import roles
from messenger.platform.api_keys import AuthError, authenticate
from messenger.platform.clock import Clock
from messenger.platform.models import ApiKey
from messenger.platform.settings import Settings


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as db:
        yield db


Session = Annotated[AsyncSession, Depends(session)]


async def api_key(request: Request, db: Session) -> ApiKey:
    limits: RequestLimits | None = request.app.state.limits
    address = request.client.host if request.client else "unknown"
    if limits is not None:
        await limits.before_sign_in(address)
    try:
        key = await _signed_key(request, db)
    except AuthError:
        if limits is not None:
            await limits.failed_sign_in(address)
        raise
    if limits is not None:
        await limits.request(key)
    return key


async def _signed_key(request: Request, db: AsyncSession) -> ApiKey:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise AuthError("Unauthorized: authentication token must be provided")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("Unauthorized: authentication bearer scheme must be used")
    return await authenticate(db, request.app.state.secret_box, token.strip())


AnyKey = Annotated[ApiKey, Depends(api_key)]


def role_in(allowed: frozenset[str]) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    async def check(key: AnyKey) -> ApiKey:
        if key.role not in allowed:
            raise AuthError(f"Forbidden: a {key.role} key cannot do this")
        return key

    return check


# Sending and casework: admins and social workers. Every Notify endpoint uses this one.
Key = Annotated[ApiKey, Depends(role_in(roles.CASEWORK))]
AdminKey = Annotated[ApiKey, Depends(role_in(roles.SETTINGS))]
PartnerKey = Annotated[ApiKey, Depends(role_in(roles.PARTNER_NOTICES))]
WaterCompanyKey = Annotated[ApiKey, Depends(role_in(roles.WATER_COMPANY_REPORTS))]


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def queue(request: Request) -> DeliveryQueue | None:
    value: DeliveryQueue | None = request.app.state.queue
    return value


def clock(request: Request) -> Clock:
    value: Clock = request.app.state.clock
    return value


AppSettings = Annotated[Settings, Depends(settings)]
AppClock = Annotated[Clock, Depends(clock)]


def limits(request: Request) -> RequestLimits | None:
    """The shared limits; None when the API runs without Redis (some tests, a demo)."""
    value: RequestLimits | None = request.app.state.limits
    return value


Limits = Annotated[RequestLimits | None, Depends(limits)]
Queue = Annotated[DeliveryQueue | None, Depends(queue)]
