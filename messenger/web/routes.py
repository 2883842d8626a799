"""Everything the pages add to the application: their routes, their assets, their errors,
the security headers, and /docs served without a CDN."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import fastapi_swagger
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from messenger.web import (
    admin,
    calendar_page,
    callback_pages,
    clients,
    consent_pages,
    contact_pages,
    errors,
    imports,
    inbox,
    message_pages,
    oidc_sign_in,
    organisation_pages,
    outcome_pages,
    portals,
    print_room,
    privacy_pages,
    reports,
    sending_settings_pages,
    session_changes,
    sessions,
    sign_in,
    staff_pages,
    template_pages,
    today,
)
from messenger.web.pages import STATIC, render
from messenger.web.security import page_headers

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class SecurityHeaders:
    """Adds the security headers (security.py) to every response."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in page_headers(scope["path"]).items()]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in present
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI) -> None:
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    # Swagger UI 5 (OpenAPI 3.1), as files from the fastapi-swagger package: no CDN.
    swagger = Path(fastapi_swagger.__file__).resolve().parent / "resources"
    app.mount("/static/swagger", StaticFiles(directory=swagger))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # calendar_page and session_changes before sessions: /zittingen/kalender and
    # /zittingen/nieuw are not session ids.
    modules = (
        sign_in, oidc_sign_in, today, calendar_page, session_changes, sessions, imports, clients,
        inbox, print_room, portals, template_pages, organisation_pages, admin, reports,
        consent_pages, outcome_pages, privacy_pages, message_pages, contact_pages, staff_pages,
        sending_settings_pages, callback_pages,
    )  # fmt: skip
    for module in modules:
        app.include_router(module.router)

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    async def docs(request: Request) -> HTMLResponse:
        return render(request, "docs.html")
