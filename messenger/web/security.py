"""What keeps the pages safe in a browser: security headers with a strict
Content-Security-Policy (no inline script or style), and checks against cross-site forms."""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request

Scope = MutableMapping[str, Any]

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


class CrossSiteRequest(Exception):
    """A form posted from another site, or without the page's token: refused (403)."""


def page_headers(path: str) -> dict[str, str]:
    """Headers for a page response; static files may be cached."""
    if path.startswith("/static/"):
        return {k: v for k, v in HEADERS.items() if k != "Cache-Control"}
    return HEADERS


def check_origin(request: Request) -> None:
    """A form must come from our own pages: Origin (or Referer) names our host when sent."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return  # old browsers and privacy tools leave it out; the token still guards
    if urlsplit(origin).netloc != request.headers.get("host", ""):
        raise CrossSiteRequest


def check_token(expected: str | None, given: str | None) -> None:
    if not expected or not given or not secrets.compare_digest(expected, given):
        raise CrossSiteRequest


def new_token() -> str:
    return secrets.token_urlsafe(32)
