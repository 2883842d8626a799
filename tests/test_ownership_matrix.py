"""Every route that takes an id, read from the app's own route table, keeps organisations apart.

Organisation A owns one object of every kind an id in a path can name. Organisation B calls
every (method, path) with A's ids and a body that would be valid for its own objects, and must
get a 404 that tells nothing and changes nothing. A's own key on the same calls proves the ids
are real, so B's 404s are about ownership and not about a missing row.

A new route with an id fails here until it has a case: a path parameter missing from ID_NAMES,
or a request body missing from BODIES (or RAW), fails with a message saying what to add.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from messenger.inbound.sms import InboundSms, receive
from messenger.messages import print_batches
from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.models import PrintBatch
from messenger.platform.settings import Settings
from messenger.server import create_app
from tests.casework_api_support import (
    client_body,
    consent,
    counts,
    created,
    keyed,
    new_case,
    new_client,
    new_partner,
    new_session,
    partner_key,
    sharing,
)
from tests.conftest import make_tenant
from tests.support import Tenant, letter_body, sms_body

Route = tuple[str, str]
METHODS = {"get", "put", "post", "patch", "delete"}
# Every path parameter an object of A answers to; version 1 is the template's first version.
ID_NAMES = (
    "client_id",
    "session_id",
    "case_id",
    "staff_id",
    "task_id",
    "template_id",
    "version",
    "notification_id",
    "reply_id",
    "batch_id",
    "notice_id",
    "callback_type",
    "sender_id",
)
WATER = "De Watergroep"  # A's case's; B's water-company key is for the same company
OWN_CLIENT = "{own client}"  # in a body: the caller's own client
GOOD_SMS = "Dag {{ voornaam }}, we zien u graag op het OCMW. Bel {{ telefoon }} als het niet lukt."
TEMPLATE = {
    "name": "eigen-herinnering",
    "type": "sms",
    "language": "nl",
    "title": "Eigen herinnering",
    "body": GOOD_SMS,
    "variables": {
        "voornaam": {"example": "Sara", "description": "Voornaam"},
        "telefoon": {"example": "09 123 45 67", "description": "Telefoon"},
    },
}
# Bodies valid for the caller's own objects: B's answer is then about ownership alone.
BODIES: dict[Route, dict[str, Any]] = {
    ("POST", "/v2/notifications/{notification_id}/returned-letter"): {"reason": "verhuisd"},
    ("POST", "/v2/template/{template_id}"): {**TEMPLATE, "title": "Nieuwe versie"},
    ("POST", "/v2/template/{template_id}/pdf"): {"personalisation": {}},
    ("POST", "/v2/template/{template_id}/preview"): {
        "personalisation": {"voornaam": "Els", "telefoon": "09 1"}
    },
    ("PUT", "/v2/clients/{client_id}"): client_body(last_name="Claes"),
    ("PATCH", "/v2/clients/{client_id}"): {"phone_number": "0470 99 88 77"},
    ("POST", "/v2/clients/{client_id}/consents"): {
        "purpose": "sms",
        "given": True,
        "method": "sms",
    },
    ("PATCH", "/v2/lac-sessions/{session_id}"): {"place": "Stadhuis"},
    ("POST", "/v2/lac-sessions/{session_id}/cases"): {"client_id": OWN_CLIENT},
    ("PATCH", "/v2/cases/{case_id}"): {"reference": "REF-9"},
    ("PATCH", "/v2/staff/{staff_id}"): {"team": "Team Noord"},
    ("POST", "/v2/clients/{client_id}/contact-attempts"): {"method": "call", "outcome": "reached"},
    ("POST", "/v2/cases/{case_id}/outcome"): {"attended": True, "decision": "payment-plan"},
    ("POST", "/v2/cases/{case_id}/outcome/amendment"): {
        "attended": True,
        "decision": "payment-plan",
        "reason": "verkeerd ingevuld",
    },
    ("POST", "/v2/water-company/cases/{case_id}/events"): {"kind": "other", "note": "meterstand"},
    ("PATCH", "/v2/organisation/senders/{sender_id}"): {"is_default": True},
    ("PATCH", "/v2/organisation/callbacks/{callback_type}"): {
        "url": "https://dossiers.brugge.example/notify"
    },
}
# Routes that read the raw request body (OpenAPI shows none): bytes and their content type.
RAW: dict[Route, tuple[bytes, str]] = {
    ("POST", "/v2/lac-sessions/{session_id}/import"): (
        b"Voornaam;Achternaam;GSM;Watermaatschappij\r\nJef;Claes;0485 12 12 12;Pidpa\r\n",
        "text/csv",
    ),
}
# Routes for a role other than admin; each organisation calls them with its own such key.
ROLE: dict[Route, str] = {
    ("POST", "/v2/partner-notices/{notice_id}/acknowledge"): roles.PARTNER,
    ("POST", "/v2/water-company/cases/{case_id}/events"): roles.WATER_COMPANY,
}
# Routes known to leak, as xfail(strict=True) until fixed: route -> reason.
LEAKS: dict[Route, str] = {}


def _route_table() -> dict[Route, dict[str, Any]]:
    """(METHOD, path) -> OpenAPI operation, for every path with a {parameter}."""
    settings = Settings(
        var_dir=Path(tempfile.gettempdir()) / "ownership-matrix-unused",
        database_url="sqlite+aiosqlite://",
        secret_key=Fernet.generate_key().decode(),
    )
    paths = create_app(settings).openapi()["paths"]
    return {
        (method.upper(), path): operation
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method in METHODS and "{" in path
    }


TABLE = _route_table()
ROUTES = [
    pytest.param(
        route,
        id=" ".join(route),
        marks=[pytest.mark.xfail(strict=True, reason=LEAKS[route])] if route in LEAKS else [],
    )
    for route in TABLE
]


def _require(route: Route) -> None:
    """Fail, saying what to add, when the route has an id or a body this file does not know."""
    method, path = route
    unknown = [name for name in re.findall(r"{(\w+)}", path) if name not in ID_NAMES]
    if unknown:
        pytest.fail(
            f"{method} {path}: path parameter(s) {unknown} have no object in A's world. "
            "A new route needs an ownership case: make the object in _world() and add the "
            "parameter to ID_NAMES."
        )
    if "requestBody" in TABLE[route] and route not in BODIES and route not in RAW:
        pytest.fail(
            f"{method} {path} takes a request body but BODIES has none. A new route needs an "
            "ownership case: add a body valid for the caller's own objects to BODIES."
        )


@dataclass
class World:
    """One organisation's keys (by role), its objects' ids and text only it should see."""

    keys: dict[str, Tenant]
    ids: dict[str, str]
    secrets: list[str]

    def key(self, route: Route) -> Tenant:
        return self.keys[ROLE.get(route, roles.ADMIN)]


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        yield client


async def _world(
    http: httpx.AsyncClient, sessions: Sessions, settings: Settings, tenant: Tenant
) -> World:
    """Organisation A with one real object of every kind a path id can name."""
    client = await new_client(http, tenant, first_name="Godelieve", last_name="Verhaeghe")
    partner = await new_partner(http, tenant)
    lac = await new_session(http, tenant)
    case = await new_case(http, tenant, lac["id"], client["id"], water_company=WATER)
    staff = await created(http, "/v2/staff", tenant, {"name": "Jan Peeters", "team": "Team Zuid"})
    task_body = {"kind": "outreach", "title": "Kaartje afgeven", "client_id": client["id"]}
    task = await created(http, "/v2/tasks", tenant, task_body)
    template = (await created(http, "/v2/templates", tenant, TEMPLATE))["template"]
    letter = await created(http, "/v2/notifications/letter", tenant, letter_body())
    # The SMS our client answers: an inbound SMS is matched by the latest SMS to its sender.
    await created(http, "/v2/notifications/sms", tenant, sms_body())
    async with sessions() as session:
        sms = InboundSms("SM-ownership", "+32470123456", "", "Mag mijn zoon mee naar het gesprek?")
        reply = await receive(session, None, sms)
        assert reply is not None and reply.organisation_id == tenant.organisation_id
        batch = PrintBatch(organisation_id=tenant.organisation_id, letter_count=0, page_count=0)
        session.add(batch)
        await session.commit()
        reply_id, batch_id = reply.id, batch.id
    files = print_batches.files_of(settings, batch_id)
    files.pdf.parent.mkdir(parents=True, exist_ok=True)
    files.pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    files.manifest.write_text("volgnummer;notification_id\r\n")
    shared = await consent(http, tenant, client["id"], given=True, **sharing(partner["id"], "name"))
    assert shared.status_code == 201, shared.text
    reader = await partner_key(sessions, settings, tenant, partner["id"], "de brug")
    [notice] = (await http.get("/v2/partner-notices", headers=reader.headers())).json()
    water = await keyed(
        sessions, settings, tenant.organisation_id, roles.WATER_COMPANY, water_company=WATER
    )
    # A callback is named by its kind: B's own of that kind is not A's.
    callback = {"url": "https://dossiers.gent.example/notify", "bearer_token": "0123456789ab"}
    kind = "delivery-status"
    await created(http, "/v2/organisation/callbacks", tenant, {"callback_type": kind, **callback})
    sender = await created(
        http, "/v2/organisation/senders", tenant, {"kind": "sms", "value": "OCMW Gent"}
    )
    ids = {
        "client_id": client["id"],
        "session_id": lac["id"],
        "case_id": case["id"],
        "staff_id": staff["id"],
        "task_id": task["id"],
        "template_id": template["id"],
        "version": "1",
        "notification_id": letter["id"],  # a letter: the letter-only routes take it too
        "reply_id": reply_id,
        "batch_id": batch_id,
        "notice_id": notice["id"],
        "callback_type": kind,
        "sender_id": sender["id"],
    }
    assert sorted(ids) == sorted(ID_NAMES)
    secrets = ["Godelieve", "Verhaeghe", *(v for v in ids.values() if len(v) > 8)]
    keys = {roles.ADMIN: tenant, roles.PARTNER: reader, roles.WATER_COMPANY: water}
    return World(keys=keys, ids=ids, secrets=secrets)


async def _stranger(http: httpx.AsyncClient, sessions: Sessions, settings: Settings) -> World:
    """Organisation B: an admin key, its own partner's key and a key for the same water
    company as A's case, and a client of its own for bodies that name one."""
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    client = await new_client(
        http, other, first_name="Jef", last_name="Claes", phone_number="0485 12 12 12", email=None
    )
    partner = await new_partner(http, other, name="CAW Brugge", notice_email="caw@brugge.example")
    keys = {
        roles.ADMIN: other,
        roles.PARTNER: await partner_key(sessions, settings, other, partner["id"], "caw"),
        roles.WATER_COMPANY: await keyed(
            sessions, settings, other.organisation_id, roles.WATER_COMPANY, water_company=WATER
        ),
    }
    return World(keys=keys, ids={"client_id": client["id"]}, secrets=[])


def _request(route: Route, target: World, caller: World) -> tuple[str, dict[str, Any]]:
    """The URL with target's ids, and the body made for caller's own objects."""
    path = re.sub(r"{(\w+)}", lambda m: target.ids[m.group(1)], route[1])
    headers = caller.key(route).headers()
    if route in RAW:
        raw, content_type = RAW[route]
        return path, {"content": raw, "headers": {**headers, "Content-Type": content_type}}
    if route in BODIES:
        body = {
            k: caller.ids["client_id"] if v == OWN_CLIENT else v for k, v in BODIES[route].items()
        }
        return path, {"json": body, "headers": headers}
    return path, {"headers": headers}


async def _state(http: httpx.AsyncClient, sessions: Sessions, owner: World) -> dict[str, Any]:
    """What A sees of its objects, and how many rows each casework table holds."""
    reads = {
        roles.ADMIN: [
            "/v2/clients/{client_id}",
            "/v2/clients/{client_id}/consents",
            "/v2/clients/{client_id}/timeline",
            "/v2/lac-sessions/{session_id}",
            "/v2/lac-sessions/{session_id}/cases",
            "/v2/cases/{case_id}",
            "/v2/template/{template_id}",
            "/v2/notifications/{notification_id}",
            "/v2/print-batches/{batch_id}",
            "/v2/staff",
            "/v2/inbox",
            "/v2/organisation/callbacks",
            "/v2/organisation/senders",
        ],
        roles.PARTNER: ["/v2/partner-notices"],
        roles.WATER_COMPANY: ["/v2/water-company/cases"],
    }
    seen: dict[str, Any] = {"rows": await counts(sessions)}
    for role, paths in reads.items():
        for path in paths:
            url = path.format(**owner.ids)
            response = await http.get(url, headers=owner.keys[role].headers())
            assert response.status_code == 200, f"{url}: {response.text}"
            seen[path] = response.json()
    return seen


def _spot_checks(seen: dict[str, Any]) -> dict[str, Any]:
    """The few facts the brief names, for a readable failure before the full comparison."""
    return {
        "client name": seen["/v2/clients/{client_id}"]["last_name"],
        "case status": seen["/v2/cases/{case_id}"]["status"],
        "session place": seen["/v2/lac-sessions/{session_id}"]["place"],
        "template version": seen["/v2/template/{template_id}"]["version"],
        "open tasks": len(seen["/v2/inbox"]["tasks"]),
        "open replies": len(seen["/v2/inbox"]["replies"]),
        "batch status": seen["/v2/print-batches/{batch_id}"]["status"],
    }


def test_the_route_table_is_read() -> None:
    """The matrix is not empty, and every entry in the tables above names a real route."""
    assert len(TABLE) >= 30, sorted(TABLE)
    assert not any(path.startswith("/webhooks/") for _, path in TABLE)
    stale = [route for route in (*BODIES, *RAW, *ROLE, *LEAKS) if route not in TABLE]
    assert stale == [], "entries for routes that no longer exist"


@pytest.mark.parametrize("route", ROUTES)
async def test_another_organisation_gets_404_for_our_ids(
    route: Route, http: httpx.AsyncClient, sessions: Sessions, settings: Settings, tenant: Tenant
) -> None:
    _require(route)
    owner = await _world(http, sessions, settings, tenant)
    stranger = await _stranger(http, sessions, settings)
    before = await _state(http, sessions, owner)
    url, kwargs = _request(route, owner, stranger)

    response = await http.request(route[0], url, **kwargs)

    hint = " (403: the route is for another role; add it to ROLE)" * (response.status_code == 403)
    assert response.status_code == 404, (
        f"{route[0]} {url} as organisation B: {response.status_code}{hint} {response.text[:300]}"
    )
    body = response.json()
    assert body["status_code"] == 404
    assert [e["error"] for e in body["errors"]] == ["NoResultFound"]
    assert [s for s in owner.secrets if s in response.text] == []
    after = await _state(http, sessions, owner)
    assert _spot_checks(after) == _spot_checks(before)
    assert after == before


@pytest.mark.parametrize("route", ROUTES)
async def test_our_own_key_finds_every_id(
    route: Route, http: httpx.AsyncClient, sessions: Sessions, settings: Settings, tenant: Tenant
) -> None:
    """With A's own key the same call finds the object: 2xx, or a 4xx other than 403/404
    (closing twice, an outcome before the session, an SMS template has no PDF)."""
    _require(route)
    owner = await _world(http, sessions, settings, tenant)
    url, kwargs = _request(route, owner, owner)

    response = await http.request(route[0], url, **kwargs)

    assert response.status_code < 500, f"{route[0]} {url}: {response.text[:300]}"
    assert response.status_code not in (403, 404), (
        f"{route[0]} {url} as the owner: {response.status_code} {response.text[:300]}; "
        "a 404 means the id in A's world is not real, a 403 that the route needs ROLE"
    )
