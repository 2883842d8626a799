"""A bare FastAPI stand-in of Messenger's send path: the limit beside its API figures.

    .venv/bin/python -m bench.standin --port 8100 [--workers N]

What `POST /v2/notifications/sms` needs with the same libraries and nothing else: Notify's JWT
check (pyjwt, HS256, `iss` and `iat` within 30 s), a pydantic body like Notify's SmsRequest,
one insert (SQLAlchemy async Core, one table) and one arq enqueue. The key lives in memory
(one organisation), the body is a fixed text filled in with str.format_map.

Configured by the environment, so that `uvicorn --workers` processes read the same:
BENCH_STANDIN_KEY (a Notify key, `{name}-{iss}-{secret}`), BENCH_STANDIN_DATABASE (a
SQLAlchemy URL; default a SQLite file here), BENCH_STANDIN_REDIS (required) and
BENCH_STANDIN_QUEUE. uvicorn runs with the options Messenger gives it
(messenger/cli/runner.py running_api).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import jwt
import uvicorn
from arq import create_pool
from arq.connections import RedisSettings
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import JSON, Column, DateTime, MetaData, String, Table, Text, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

TOKEN_BOUND_SECONDS = 30
BODY = (
    "Dag {voornaam}, uw LAC-gesprek is op {moment}, {plaats_kort}. Niet mogelijk? Bel {telefoon}."
)
PUBLIC_URL = "http://127.0.0.1"

metadata = MetaData()
notifications = Table(
    "notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("service_id", String(36), nullable=False),
    Column("template_id", String(36), nullable=False),
    Column("phone_number", String(40), nullable=False),
    Column("personalisation", JSON, nullable=False),
    Column("reference", String(1000)),
    Column("body", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class SmsRequest(BaseModel):
    """Notify's SmsRequest, the fields Messenger reads for an SMS."""

    phone_number: str = Field(min_length=1, max_length=40)
    template_id: uuid.UUID
    personalisation: dict[str, Any] = Field(default_factory=dict)
    reference: str | None = Field(default=None, max_length=1000)


class SmsContent(BaseModel):
    body: str
    from_number: str


class TemplateRef(BaseModel):
    id: str
    version: int
    uri: str


class SmsSent(BaseModel):
    id: str
    reference: str | None
    content: SmsContent
    uri: str
    template: TemplateRef
    scheduled_for: str | None = None


def database_url() -> str:
    url = os.environ.get("BENCH_STANDIN_DATABASE") or "sqlite:///standin.db"
    drivers = {"postgresql://": "postgresql+asyncpg://", "sqlite://": "sqlite+aiosqlite://"}
    for prefix, driver in drivers.items():
        if url.startswith(prefix):
            return driver + url[len(prefix) :]
    return url


def create_engine(url: str) -> AsyncEngine:
    """Messenger's own engine options and SQLite pragmas (platform/db.py), so the database
    costs the same on both sides."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    @event.listens_for(engine.sync_engine, "connect")
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return engine


def service(request: Request, authorization: Annotated[str, Header()] = "") -> str:
    """The organisation whose key signed the token (Notify's checks and order)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(403, "Unauthorized: authentication bearer scheme must be used")
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        secret = request.app.state.secrets.get(issuer) if isinstance(issuer, str) else None
        if secret is None:
            raise HTTPException(403, "Invalid token: API key not found")
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_iat": False})
    except jwt.PyJWTError as exc:
        raise HTTPException(403, "Invalid token: signature, api token is not valid") from exc
    issued_at = claims.get("iat")
    if not isinstance(issued_at, int | float):
        raise HTTPException(403, "Invalid token: iat field not provided")
    if abs(time.time() - issued_at) > TOKEN_BOUND_SECONDS:
        raise HTTPException(403, "Error: Your system clock must be accurate to within 30 s")
    return str(issuer)


ServiceId = Annotated[str, Depends(service)]


def create_app() -> FastAPI:
    key = os.environ["BENCH_STANDIN_KEY"]
    secrets = {key[-73:-37]: key[-36:]}  # iss -> secret: the stand-in's key table
    redis_url = os.environ["BENCH_STANDIN_REDIS"]
    queue = os.environ.get("BENCH_STANDIN_QUEUE", "standin:queue")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.secrets = secrets
        app.state.engine = create_engine(database_url())
        app.state.redis = await create_pool(RedisSettings.from_dsn(redis_url))
        try:
            yield
        finally:
            await app.state.redis.aclose()
            await app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v2/notifications/sms", status_code=201, response_model=SmsSent)
    async def send_sms(body: SmsRequest, service_id: ServiceId, request: Request) -> SmsSent:
        message_id = str(uuid.uuid4())
        template = str(body.template_id)
        text = BODY.format_map(_Blank(body.personalisation))
        async with request.app.state.engine.begin() as connection:
            await connection.execute(
                notifications.insert().values(
                    id=message_id, service_id=service_id, template_id=template,
                    phone_number=body.phone_number, personalisation=body.personalisation,
                    reference=body.reference, body=text, status="created",
                    created_at=datetime.now(UTC),
                )
            )  # fmt: skip
        await request.app.state.redis.enqueue_job(
            "deliver", message_id, _job_id=f"deliver:{message_id}", _queue_name=queue
        )
        return SmsSent(
            id=message_id,
            reference=body.reference,
            content=SmsContent(body=text, from_number="Messenger"),
            uri=f"{PUBLIC_URL}/v2/notifications/{message_id}",
            template=TemplateRef(
                id=template, version=1, uri=f"{PUBLIC_URL}/v2/template/{template}"
            ),
        )

    return app


class _Blank(dict[str, Any]):
    """A missing value stays visible in the text instead of failing the request."""

    def __missing__(self, name: str) -> str:
        return f"(({name}))"


async def create_table() -> None:
    engine = create_engine(database_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    asyncio.run(create_table())  # once, before any worker process starts
    uvicorn.run(
        "bench.standin:create_app",
        factory=True,
        host=options.host,
        port=options.port,
        workers=options.workers if options.workers > 1 else None,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
