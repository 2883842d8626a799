"""Errors on pages are pages: a browser gets Dutch HTML, the API keeps Notify's JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from messenger.web.auth import NeedsSignIn, NotAllowed, to_sign_in
from messenger.web.pages import render
from messenger.web.security import CrossSiteRequest

# Paths that keep the API's JSON errors.
API_PREFIXES = ("/v2/", "/webhooks/", "/_status", "/openapi.json")
Handler = Callable[[Request, Any], Awaitable[Response]]


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def install(app: FastAPI) -> None:
    @app.exception_handler(NeedsSignIn)
    async def needs_sign_in(_: Request, exc: NeedsSignIn) -> Response:
        return to_sign_in(exc.next_path)

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, _: NotAllowed) -> Response:
        return render(request, "error.html", {"title": "Deze pagina is niet voor u"}, 403)

    @app.exception_handler(CrossSiteRequest)
    async def cross_site(request: Request, _: CrossSiteRequest) -> Response:
        title = "Dit formulier is verlopen"
        return render(request, "error.html", {"title": title, "form_expired": True}, 403)

    # A form that FastAPI refuses before the page sees it (a field far too long): a page too.
    for kind, status, title in (
        (LookupError, 404, "Pagina niet gevonden"),
        (RequestValidationError, 400, "Dit formulier klopt niet"),
    ):
        _page_or_api(app, kind, status, title)
    _http_errors(app)


def _page_or_api(app: FastAPI, kind: type[Exception], status: int, title: str) -> None:
    api_handler: Handler = app.exception_handlers[kind]  # type: ignore[assignment]

    async def handler(request: Request, exc: Exception) -> Response:
        if isinstance(exc, KeyError | IndexError):
            raise exc  # a bug, not "not there" (see api/errors.py)
        if is_page(request):
            return render(request, "error.html", {"title": title, "status_code": status}, status)
        return await api_handler(request, exc)

    app.add_exception_handler(kind, handler)


def _http_errors(app: FastAPI) -> None:
    api_handler: Handler = app.exception_handlers[StarletteHTTPException]  # type: ignore[assignment]
    titles = {404: "Pagina niet gevonden", 405: "Dat kan hier niet"}

    async def handler(request: Request, exc: StarletteHTTPException) -> Response:
        if is_page(request) and exc.status_code in titles:
            return render(
                request, "error.html", {"title": titles[exc.status_code]}, exc.status_code
            )
        return await api_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, handler)  # type: ignore[arg-type]
