"""The FastAPI application: the API, the web pages and their assets. Wiring only; the rules
live in messenger's services."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import FastAPI

from messenger.api import (
    aftercare,
    bulk,
    callbacks,
    clients,
    errors,
    imports,
    letters,
    lists,
    notifications,
    openapi,
    organisation,
    partners,
    privacy,
    received,
    senders,
    sessions,
    template_editing,
    templates,
    water_company,
    webhooks,
)
from messenger.api.body_limits import BodyLimits
from messenger.api.request_limits import RequestLimits
from messenger.casework import reminder_plans
from messenger.messages.queue import DeliveryQueue
from messenger.platform.clock import Clock, SystemClock
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.encryption import secret_box
from messenger.platform.settings import Settings, get_settings
from messenger.web import routes as web
from messenger.wording import template_store
from messenger.wording.template_files import load_templates


class _Default(enum.Enum):
    FROM_SETTINGS = enum.auto()


# create_app's `redis_url` when none is given: REDIS_URL, as read into the settings.
FROM_SETTINGS = _Default.FROM_SETTINGS


def create_app(
    settings: Settings | None = None,
    *,
    redis_url: str | Literal[_Default.FROM_SETTINGS] | None = FROM_SETTINGS,
    clock: Clock | None = None,
) -> FastAPI:
    """The app; uvicorn calls it with no arguments (`--factory`, one call per API process).

    `redis_url`: by default the settings' REDIS_URL, so every API process queues what it
    stores. None (some tests, a bench): no queue and no shared limits; messages are stored
    and wait for the reconciler. `clock`: the real one unless the demo or a test hands in a
    simulated one."""
    settings = settings or get_settings()
    queue_url = settings.redis_url if redis_url is FROM_SETTINGS else redis_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database)
        app.state.settings = settings
        app.state.clock = clock or SystemClock()
        app.state.sessions = create_sessions(engine)
        app.state.secret_box = secret_box(settings)
        app.state.queue = (
            await DeliveryQueue.connect(queue_url, settings.queue_name) if queue_url else None
        )
        # Limits are shared through Redis; an API without one (some tests) runs without them.
        app.state.limits = (
            RequestLimits(app.state.queue.redis, settings) if app.state.queue else None
        )
        async with app.state.sessions() as session:
            # MESSENGER_TEMPLATES_DIR, or the shipped templates/.
            await template_store.sync_shipped(session, load_templates(settings.templates_dir))
            # The shipped plan must be fillable: a variable without a source stops the start.
            await reminder_plans.check_plan(session, None, reminder_plans.DEFAULT_STEPS)
        try:
            yield
        finally:
            if app.state.queue is not None:
                await app.state.queue.close()
            await engine.dispose()

    app = FastAPI(
        title="Messenger",
        summary="SMS, email and letters for client contact in OCMW social services.",
        description="The sending API follows GOV.UK Notify's v2 API, so its clients work.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by the pages, with local assets (messenger/web/routes.py)
    )
    errors.install(app)
    app.add_middleware(BodyLimits)
    app.include_router(notifications.router)
    app.include_router(bulk.router)
    app.include_router(letters.router)
    # Before templates.router: /v2/templates/check must not be read as a template id.
    app.include_router(template_editing.router)
    app.include_router(templates.router)
    app.include_router(received.router)
    app.include_router(webhooks.router)
    app.include_router(clients.router)
    app.include_router(partners.router)
    app.include_router(sessions.router)
    app.include_router(imports.router)
    app.include_router(lists.router)
    app.include_router(organisation.router)
    app.include_router(callbacks.router)
    app.include_router(senders.router)
    app.include_router(aftercare.router)
    app.include_router(privacy.router)
    app.include_router(water_company.router)
    web.install(app)  # after the API's error handlers: it wraps them for pages

    @app.get("/_status", tags=["health"])
    async def status() -> dict[str, str]:
        return {"status": "ok"}

    openapi.install(app)  # the JWT scheme and Notify's 400/403/429, never FastAPI's 422
    return app
