"""The HTTP API: a Notify-compatible sending API (v2) and, later, domain resources."""

from messenger.api.app import create_app

__all__ = ["create_app"]
