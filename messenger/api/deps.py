"""FastAPI dependencies: the database session and the calling API key (Notify's JWT auth)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.api_keys import AuthError, authenticate
from messenger.models import ApiKey
from messenger.queue import DeliveryQueue
from messenger.settings import Settings


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as db:
        yield db


Session = Annotated[AsyncSession, Depends(session)]


async def api_key(request: Request, db: Session) -> ApiKey:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise AuthError("Unauthorized: authentication token must be provided")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("Unauthorized: authentication bearer scheme must be used")
    return await authenticate(db, request.app.state.secret_box, token.strip())


Key = Annotated[ApiKey, Depends(api_key)]


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def queue(request: Request) -> DeliveryQueue | None:
    value: DeliveryQueue | None = request.app.state.queue
    return value


AppSettings = Annotated[Settings, Depends(settings)]
Queue = Annotated[DeliveryQueue | None, Depends(queue)]
