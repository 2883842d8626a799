"""Bounded request bodies, checked before any of the body is read into memory.

An ASGI middleware in front of every route: a declared Content-Length over the route's limit
is refused at once (413), and a body sent without one (chunked) is counted as it arrives and
cut off at the limit. API routes without a bearer token are refused (403) before their body
is read: FastAPI reads a body before it runs the authentication dependency.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

KB, MB = 1024, 1024 * 1024
UNAUTHENTICATED = "Unauthorized: authentication token must be provided"  # Notify's words
DRAIN_LIMIT = 1 * MB  # read and dropped after the limit, before answering 413
DEFAULT_LIMIT = 256 * KB  # JSON: a send, a template, a plan
# (path prefix or suffix, limit): the first match wins.
LIMITS: tuple[tuple[str, int], ...] = (
    # A case list, CSV or XLSX: the route itself refuses over 5 MB, with a message in Dutch.
    ("/import", 6 * MB),
    ("/importeren", 6 * MB),  # the same, uploaded from the import page
    ("/webhooks/email/inbound", 10 * MB),  # a raw reply or bounce, attachments included
    ("/webhooks/twilio/", 64 * KB),  # a form of a few fields
    # A letter made elsewhere: a PDF of at most 5 MB, in base64 (4/3 of it), in JSON.
    ("/v2/notifications/letter", 7 * MB),
    # A bulk send: up to MESSENGER_BULK_MAX_ROWS rows with their values.
    ("/v2/notifications/bulk", 2 * MB),
)


def limit_for(path: str) -> int:
    for pattern, limit in LIMITS:
        if path.endswith(pattern) or path.startswith(pattern):
            return limit
    return DEFAULT_LIMIT


class BodyLimits:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path: str = scope["path"]
        if path.startswith("/v2/") and not headers.get("authorization", "").strip():
            await _answer(
                send, 403, "AuthError", "Unauthorized: authentication token must be provided"
            )
            return
        limit = limit_for(path)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, "RequestTooLarge", _too_large(limit))
            return
        # Read it here, up to the limit (a chunked body declares no length), then replay it.
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            more = message.get("more_body", False)
            if size > limit:
                # Read on a little, keeping nothing, so a client still sending sees the answer.
                await _discard(receive, more)
                await _answer(send, 413, "RequestTooLarge", _too_large(limit))
                return
            chunks.append(chunk)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _discard(receive: Receive, more: bool) -> None:
    dropped = 0
    while more and dropped < DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        more = message.get("more_body", False)


def _too_large(limit: int) -> str:
    size = f"{limit // MB} MB" if limit >= MB else f"{limit // KB} KB"
    return f"request body is too large: at most {size} for this route"


async def _answer(send: Send, status: int, error: str, message: str) -> None:
    """Notify's error shape."""
    body = json.dumps(
        {"status_code": status, "errors": [{"error": error, "message": message}]}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
