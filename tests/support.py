"""Small helpers shared by the tests (no fixtures here; see conftest.py)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from messenger.messages import statuses
from messenger.wording.template_files import template_id

SMS_TEMPLATE = template_id("lac-herinnering-sms")
EMAIL_TEMPLATE = template_id("lac-uitnodiging-email")
LETTER_TEMPLATE = template_id("lac-uitnodiging-brief")

SMS_VALUES = {
    "voornaam": "Sara",
    "moment": "2026-12-08T10:00:00+01:00",
    "plaats_kort": "Sociaal Huis Gent",
    "telefoon": "09 123 45 67",
}
EMAIL_VALUES = {
    **SMS_VALUES,
    "plaats": "Markt 1, Gent",
    "maatschappelijk_werker": "Jan Peeters",
    "ocmw": "OCMW Gent",
}
LETTER_VALUES = {
    **EMAIL_VALUES,
    "naam": "Sara Janssens",
    "email": "jan.peeters@ocmw.example",
    "onthaal_adres": "Sociaal Huis, Onderbergen 86, 9000 Gent",
    "openingsuren": "maandag tot vrijdag van 9 tot 12 uur",
    "address_line_1": "Sara Janssens",
    "address_line_2": "Kerkstraat 12 bus 3",
    "address_line_3": "9000 Gent",
}


@dataclass(frozen=True)
class Tenant:
    organisation_id: str
    api_key: str

    def token(self, *, iat: float | None = None, secret: str | None = None) -> str:
        claims = {"iss": self.api_key[-73:-37], "iat": int(time.time() if iat is None else iat)}
        return jwt.encode(claims, secret or self.api_key[-36:], "HS256")

    def headers(self, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**kwargs)}"}


def sms_body(**extra: Any) -> dict[str, Any]:
    return {
        "phone_number": "0470 12 34 56",
        "template_id": SMS_TEMPLATE,
        "personalisation": SMS_VALUES,
        **extra,
    }


def email_body(**extra: Any) -> dict[str, Any]:
    return {
        "email_address": "sara@example.be",
        "template_id": EMAIL_TEMPLATE,
        "personalisation": EMAIL_VALUES,
        **extra,
    }


def letter_body(**extra: Any) -> dict[str, Any]:
    return {"template_id": LETTER_TEMPLATE, "personalisation": LETTER_VALUES, **extra}


async def wait_for_status(
    client: httpx.AsyncClient, tenant: Tenant, message_id: str, timeout: float = 20
) -> dict[str, Any]:
    """Poll the API until the message has left the in-flight states."""
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(f"/v2/notifications/{message_id}", headers=tenant.headers())
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        if statuses.settled(found["status"]):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{message_id} still {found['status']} after {timeout} s")
        await asyncio.sleep(0.05)
