"""Errors in Notify's shape: `{"status_code": 400, "errors": [{"error": ..., "message": ...}]}`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from messenger.api.request_limits import TooManyRequests
from messenger.messages.recipients import InvalidRecipient
from messenger.messages.sending import RequestRejected
from messenger.platform.api_keys import AuthError

_HTTP_ERROR_NAMES = {
    403: "AuthError",
    404: "NoResultFound",
    405: "MethodNotAllowed",
    409: "ConflictError",
}


@contextmanager
def bad_request() -> Iterator[None]:
    """A service's ValueError (or a bad recipient) becomes a 400 naming what to fix."""
    try:
        yield
    except InvalidRecipient as exc:
        raise RequestRejected(f"{exc.field} {exc.reason}", error="ValidationError") from exc
    except ValueError as exc:
        raise RequestRejected(str(exc), error="ValidationError") from exc


RETRY_AFTER_SECONDS = 5
# How drivers word "the server is not there" when they do not raise OSError itself.
_CONNECTION_WORDS = (
    "connection refused",
    "could not connect",
    "connection was closed",
    "server closed the connection",
    "connection reset",
    "unable to open database",
)


def _unavailable(message: str) -> JSONResponse:
    response = error_response(503, "ServiceUnavailable", message)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _is_connection_error(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return any(words in text for words in _CONNECTION_WORDS)


def error_response(status_code: int, error: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status_code,
        content={"status_code": status_code, "errors": [{"error": error, "message": message}]},
    )


def describe_validation_error(error: dict[str, Any]) -> str:
    """One clear sentence per problem, naming the field, as Notify does."""
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
    field = ".".join(location) or "request"
    kind = error.get("type", "")
    if kind == "missing":
        return f"{field} is a required property"
    if kind == "extra_forbidden":
        return f"Additional properties are not allowed ({field} was unexpected)"
    if kind == "json_invalid":
        return "Request body is not valid JSON"
    return f"{field} {error.get('msg', 'is not valid')}"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        messages = [describe_validation_error(dict(e)) for e in exc.errors()]
        return JSONResponse(
            status_code=400,
            content={
                "status_code": 400,
                "errors": [{"error": "ValidationError", "message": m} for m in messages],
            },
        )

    @app.exception_handler(RequestRejected)
    async def rejected(_: Request, exc: RequestRejected) -> JSONResponse:
        return error_response(exc.status, exc.error, exc.message)

    @app.exception_handler(LookupError)
    async def not_found(_: Request, exc: LookupError) -> JSONResponse:
        # Services raise LookupError for "not yours or not there": the same 404 for both.
        # A KeyError or IndexError is a bug, not an answer: it must not pass as a 404.
        if isinstance(exc, KeyError | IndexError):
            raise exc
        return error_response(404, "NoResultFound", "No result found")

    @app.exception_handler(AuthError)
    async def auth(_: Request, exc: AuthError) -> JSONResponse:
        return error_response(403, "AuthError", str(exc))

    @app.exception_handler(TooManyRequests)
    async def too_many(_: Request, exc: TooManyRequests) -> JSONResponse:
        response = error_response(429, exc.error, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(DBAPIError)
    async def database_away(_: Request, exc: DBAPIError) -> JSONResponse:
        # The database restarting or unreachable is not the caller's fault and passes: a 503
        # with a time to come back, not a 500. Other database errors are bugs: re-raised.
        away = exc.connection_invalidated or isinstance(exc.orig, ConnectionError)
        if not (away or _is_connection_error(exc)):
            raise exc
        return _unavailable("The database is not reachable")

    @app.exception_handler(ConnectionError)
    async def service_away(_: Request, exc: ConnectionError) -> JSONResponse:
        # A driver that raises the socket's error itself (asyncpg connecting, Redis).
        return _unavailable("A service Messenger needs is not reachable")

    @app.exception_handler(StarletteHTTPException)
    async def http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = _HTTP_ERROR_NAMES.get(exc.status_code, "BadRequestError")
        return error_response(exc.status_code, name, str(exc.detail))
