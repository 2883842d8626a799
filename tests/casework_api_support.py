"""Helpers for the casework API tests: keys with roles, request bodies, rows in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from messenger.platform import roles
from messenger.platform.api_keys import issue_key
from messenger.platform.db import Sessions
from messenger.platform.encryption import secret_box
from messenger.platform.models import (
    Case,
    Client,
    ConsentRecord,
    LacSession,
    Message,
    PartnerNotice,
    Reminder,
    ReminderPlan,
)
from messenger.platform.settings import Settings
from messenger.wording.template_files import template_id
from tests.support import Tenant

# A Tuesday in winter time, far enough ahead for every step of the default plan.
SESSION_START = "2030-12-10T10:00:00+01:00"
MOVED_START = "2030-12-17T10:00:00+01:00"  # one week later, same wall-clock time
# The default plan for an unpaid-bills case of SESSION_START, in UTC (quiet hours 9-20 h:
# the 08:00 morning SMS goes out at 09:00 Brussels time, still before the session).
DEFAULT_DUE = {
    "uitnodiging": "2030-11-26T09:00:00+00:00",
    "afspraak-voorstel": "2030-12-03T09:00:00+00:00",
    "herinnering": "2030-12-09T08:00:00+00:00",
    "ochtend": "2030-12-10T08:00:00+00:00",
}
NOTICES = "/v2/partner-notices"
NOTICE_EMAIL = "meldingen@debrug.example"  # partner_body()'s
SHARED_TEMPLATE = template_id("partner-contact-gedeeld-email")
WITHDRAWN_TEMPLATE = template_id("partner-contact-ingetrokken-email")
# A plan of two steps, and one step to spoil in the bad-plan tests.
PLAN = [
    {"name": "brief", "days_before": 10, "at": "11:00", "channels": ["letter"]}
    | {"templates": {"letter": "lac-uitnodiging-brief"}},
    {"name": "sms", "hours_before": 24, "channels": ["sms", "email"]}
    | {"templates": {"sms": "lac-herinnering-sms", "email": "lac-uitnodiging-email"}},
]
SMS_STEP = {
    "name": "x",
    "at": "10:00",
    "channels": ["sms"],
    "templates": {"sms": "lac-ochtend-sms"},
}
TABLES = {
    "clients": Client,
    "cases": Case,
    "reminders": Reminder,
    "sessions": LacSession,
    "consents": ConsentRecord,
    "notices": PartnerNotice,
    "messages": Message,
    "plans": ReminderPlan,
}


async def keyed(
    sessions: Sessions,
    settings: Settings,
    organisation_id: str,
    role: str,
    *,
    name: str | None = None,
    partner_id: str | None = None,
    water_company: str | None = None,
) -> Tenant:
    """A live key with a role for an existing organisation, as a Tenant."""
    async with sessions() as session:
        issued = await issue_key(
            session,
            secret_box(settings),
            organisation_id=organisation_id,
            name=name or role.replace("-", "_"),
            key_type="live",
            role=role,
            partner_id=partner_id,
            water_company=water_company,
        )
        await session.commit()
    return Tenant(organisation_id=organisation_id, api_key=issued.combined)


async def partner_key(
    sessions: Sessions, settings: Settings, tenant: Tenant, partner_id: str, name: str
) -> Tenant:
    return await keyed(
        sessions, settings, tenant.organisation_id, roles.PARTNER, name=name, partner_id=partner_id
    )


async def counts(sessions: Sessions) -> dict[str, int]:
    """How many rows each casework table holds."""
    async with sessions() as session:
        return {
            name: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in TABLES.items()
        }


async def messages_to(sessions: Sessions, recipient: str) -> list[Message]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Message).where(Message.recipient == recipient).order_by(Message.created_at)
        )
        return list(rows)


def client_body(**extra: Any) -> dict[str, Any]:
    return {
        "first_name": "Noël",
        "last_name": "Peeters",
        "phone_number": "0470 12 34 56",
        "email": "noel.peeters@example.be",
        "address": ["Kerkstraat 12 bus 3", "9000 Gent"],
        **extra,
    }


def partner_body(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Buurtwerk De Brug",
        "phone": "09 222 33 44",
        "address": "Brugstraat 1, 9000 Gent",
        "opening_hours": "ma-vr 9-12 uur",
        "notice_email": NOTICE_EMAIL,
        **extra,
    }


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def errors(response: httpx.Response) -> list[str]:
    """The error messages of a Notify-shaped error body."""
    body = response.json()
    assert body["status_code"] == response.status_code
    return [e["message"] for e in body["errors"]]


async def created(
    http: httpx.AsyncClient, path: str, tenant: Tenant, body: dict[str, Any]
) -> dict[str, Any]:
    """POST that must answer 201; its JSON."""
    response = await http.post(path, json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


async def new_client(http: httpx.AsyncClient, tenant: Tenant, **extra: Any) -> dict[str, Any]:
    return await created(http, "/v2/clients", tenant, client_body(**extra))


async def new_partner(http: httpx.AsyncClient, tenant: Tenant, **extra: Any) -> dict[str, Any]:
    return await created(http, "/v2/partners", tenant, partner_body(**extra))


async def new_session(
    http: httpx.AsyncClient, tenant: Tenant, starts_at: str = SESSION_START
) -> dict[str, Any]:
    body = {"starts_at": starts_at, "place": "Sociaal Huis, Onderbergen 86"}
    return await created(http, "/v2/lac-sessions", tenant, body)


async def new_case(
    http: httpx.AsyncClient, tenant: Tenant, session_id: str, client_id: str, **extra: Any
) -> dict[str, Any]:
    path = f"/v2/lac-sessions/{session_id}/cases"
    return await created(http, path, tenant, {"client_id": client_id, **extra})


async def consent(
    http: httpx.AsyncClient, tenant: Tenant, client_id: str, **body: Any
) -> httpx.Response:
    return await http.post(
        f"/v2/clients/{client_id}/consents",
        json={"method": "in-person", **body},
        headers=tenant.headers(),
    )


def pending(case: dict[str, Any]) -> dict[str, datetime]:
    """A case's pending reminders: step -> due time."""
    return {r["step"]: when(r["due_at"]) for r in case["reminders"] if r["status"] == "pending"}


async def fetch(http: httpx.AsyncClient, tenant: Tenant, path: str) -> Any:
    """GET that must answer 200; its JSON."""
    response = await http.get(path, headers=tenant.headers())
    assert response.status_code == 200, response.text
    return response.json()


def sharing(partner_id: str, *fields: str) -> dict[str, Any]:
    """A share-partner consent body without `given`."""
    return {"purpose": "share-partner", "partner_id": partner_id, "fields": list(fields)}


# A case list as Excel on Belgian Windows saves it: ';' and Windows-1252.
CSV_HEADER = "Voornaam;Achternaam;GSM;E-mail;Adres;Postcode;Gemeente;Watermaatschappij;Referentie"
HELENE = "Hélène;Dubois;0471 22 33 44;helene@example.be;Veldstraat 3;9000;Gent;Farys;FA-1"
ANDRE = "André;Maes;0478 55 66 77;;Kouter 8 bus 2;9000;Gent;De Watergroep;"


def cp1252(*rows: str, header: str = CSV_HEADER) -> bytes:
    return "\r\n".join((header, *rows)).encode("cp1252")


async def upload(
    http: httpx.AsyncClient, tenant: Tenant, session_id: str, raw: bytes, **params: str
) -> httpx.Response:
    return await http.post(
        f"/v2/lac-sessions/{session_id}/import",
        content=raw,
        params=params,
        headers={**tenant.headers(), "Content-Type": "text/csv"},
    )
