"""API key roles: what an admin, a social worker, a partner and a water company may do.

Each role is tried against every casework and Notify endpoint, with real ids, so a 403 is
the role's doing and not a missing row; a refused call writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from messenger.casework.reminder_plans import DEFAULT_STEPS
from messenger.platform import roles
from messenger.platform.api_keys import issue_key
from messenger.platform.db import Sessions
from messenger.platform.encryption import secret_box
from messenger.platform.models import ApiKey
from messenger.platform.settings import Settings
from tests.casework_api_support import (
    client_body,
    consent,
    counts,
    keyed,
    new_case,
    new_client,
    new_partner,
    new_session,
    partner_body,
    partner_key,
)
from tests.conftest import make_tenant
from tests.support import Tenant, sms_body

CSV = b"Voornaam;Achternaam;GSM;Watermaatschappij\r\nJef;Claes;0485 12 12 12;Pidpa\r\n"
SESSION = {"starts_at": "2030-12-10T10:00:00+01:00", "place": "Sociaal Huis"}

# (method, path, json body); {client}, {session}, {case} are filled in. Cancels come last.
CLIENTS = [
    ("POST", "/v2/clients", client_body()),
    ("GET", "/v2/clients/{client}", None),
    ("PUT", "/v2/clients/{client}", client_body(last_name="Claes")),
    ("POST", "/v2/clients/{client}/consents", {"purpose": "sms", "given": True, "method": "sms"}),
    ("GET", "/v2/clients/{client}/consents", None),
]
SENDING = [
    ("POST", "/v2/notifications/sms", sms_body()),
    ("GET", "/v2/notifications", None),
    ("GET", "/v2/templates", None),
]
CASEWORK = [
    *CLIENTS,
    ("POST", "/v2/partners", partner_body()),
    ("GET", "/v2/partners", None),
    ("POST", "/v2/lac-sessions", SESSION),
    ("GET", "/v2/lac-sessions/{session}", None),
    ("PATCH", "/v2/lac-sessions/{session}", {"place": "Stadhuis"}),
    ("POST", "/v2/lac-sessions/{session}/cases", {"client_id": "{client}"}),
    ("POST", "/v2/lac-sessions/{session}/import", CSV),
    ("GET", "/v2/cases/{case}", None),
    ("GET", "/v2/reminder-plan", None),
    *SENDING,
    ("POST", "/v2/cases/{case}/cancel", None),
    ("POST", "/v2/lac-sessions/{session}/cancel", None),
]
PUT_PLAN = ("PUT", "/v2/reminder-plan", {"steps": DEFAULT_STEPS})
NOTICES = [("GET", "/v2/partner-notices", None)]
Call = tuple[str, str, Any]


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api) as client:
        yield client


@pytest.fixture
async def world(http: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    """A client, a partner, a session and a case of the organisation, made by its admin."""
    client = await new_client(http, tenant)
    lac = await new_session(http, tenant)
    return {
        "client": client["id"],
        "partner": (await new_partner(http, tenant))["id"],
        "session": lac["id"],
        "case": (await new_case(http, tenant, lac["id"], client["id"]))["id"],
    }


async def call(
    http: httpx.AsyncClient, key: Tenant, ids: dict[str, str], calls: list[Call]
) -> dict[str, int]:
    """Every call with this key: "METHOD path" -> status code."""
    found = {}
    for method, path, body in calls:
        url = path.format(**ids)
        if isinstance(body, bytes):
            kwargs: dict[str, Any] = {"content": body, "headers": {"Content-Type": "text/csv"}}
        else:
            filled = {k: ids[v[1:-1]] if v == "{client}" else v for k, v in (body or {}).items()}
            kwargs = {"json": filled} if body is not None else {}
        headers = {**kwargs.pop("headers", {}), **key.headers()}
        response = await http.request(method, url, headers=headers, **kwargs)
        found[f"{method} {path}"] = response.status_code
    return found


def expect(calls: list[Call], status: int | str) -> dict[str, int | str]:
    return {f"{method} {path}": status for method, path, _ in calls}


def ok(found: dict[str, int]) -> dict[str, int | str]:
    return {call: "2xx" if 200 <= status < 300 else status for call, status in found.items()}


async def test_a_partner_key_can_do_no_casework_and_send_nothing(
    http: httpx.AsyncClient,
    tenant: Tenant,
    world: dict[str, str],
    sessions: Sessions,
    settings: Settings,
) -> None:
    reader = await partner_key(sessions, settings, tenant, world["partner"], "de brug")
    before = await counts(sessions)
    calls = [*CASEWORK, PUT_PLAN]
    assert await call(http, reader, world, calls) == expect(calls, 403)
    assert await counts(sessions) == before


async def test_a_water_company_key_gets_no_clients_and_sends_nothing(
    http: httpx.AsyncClient,
    tenant: Tenant,
    world: dict[str, str],
    sessions: Sessions,
    settings: Settings,
) -> None:
    water = await keyed(
        sessions, settings, tenant.organisation_id, roles.WATER_COMPANY, water_company="Farys"
    )
    before = await counts(sessions)
    calls = [*CLIENTS, *SENDING, *NOTICES, PUT_PLAN]
    assert await call(http, water, world, calls) == expect(calls, 403)
    assert await counts(sessions) == before


async def test_a_social_worker_does_casework_and_sends_but_does_not_set_the_plan(
    http: httpx.AsyncClient,
    tenant: Tenant,
    world: dict[str, str],
    sessions: Sessions,
    settings: Settings,
) -> None:
    worker = await keyed(sessions, settings, tenant.organisation_id, roles.SOCIAL_WORKER)
    assert ok(await call(http, worker, world, CASEWORK)) == expect(CASEWORK, "2xx")
    assert await call(http, worker, world, [PUT_PLAN, *NOTICES]) == expect(
        [PUT_PLAN, *NOTICES], 403
    )
    assert (await counts(sessions))["plans"] == 0


async def test_an_admin_key_does_everything(
    http: httpx.AsyncClient, tenant: Tenant, world: dict[str, str], sessions: Sessions
) -> None:
    calls = [PUT_PLAN, *CASEWORK]
    assert ok(await call(http, tenant, world, calls)) == expect(calls, "2xx")
    assert (await counts(sessions))["plans"] == 1


async def test_a_partner_reads_and_acknowledges_only_its_own_notices(
    http: httpx.AsyncClient,
    tenant: Tenant,
    world: dict[str, str],
    sessions: Sessions,
    settings: Settings,
) -> None:
    other = await new_partner(http, tenant, name="CAW Oost-Vlaanderen", notice_email="caw@x.be")
    mine = await partner_key(sessions, settings, tenant, world["partner"], "de brug")
    theirs = await partner_key(sessions, settings, tenant, other["id"], "caw")
    for partner_id in (world["partner"], other["id"]):
        response = await consent(
            http,
            tenant,
            world["client"],
            purpose="share-partner",
            given=True,
            partner_id=partner_id,
            fields=["name"],
        )
        assert response.status_code == 201, response.text
    [own] = (await http.get("/v2/partner-notices", headers=mine.headers())).json()
    [foreign] = (await http.get("/v2/partner-notices", headers=theirs.headers())).json()
    assert own["id"] != foreign["id"]

    path = "/v2/partner-notices/{}/acknowledge"
    refused = await http.post(path.format(foreign["id"]), headers=mine.headers())
    assert refused.status_code == 404
    assert refused.json()["errors"] == [{"error": "NoResultFound", "message": "No result found"}]
    assert (await http.get("/v2/partner-notices", headers=theirs.headers())).json() == [foreign]
    done = await http.post(path.format(own["id"]), headers=mine.headers())
    assert done.status_code == 200 and done.json()["acknowledged_by"] == "de_brug"

    for key in (tenant, await keyed(sessions, settings, tenant.organisation_id, "social-worker")):
        listed = await http.get("/v2/partner-notices", headers=key.headers())
        acknowledged = await http.post(path.format(own["id"]), headers=key.headers())
        assert (listed.status_code, acknowledged.status_code) == (403, 403)


async def test_another_organisations_partner_key_sees_none_of_our_notices(
    http: httpx.AsyncClient,
    tenant: Tenant,
    world: dict[str, str],
    sessions: Sessions,
    settings: Settings,
) -> None:
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    their_partner = await new_partner(http, other)
    stranger = await partner_key(sessions, settings, other, their_partner["id"], "brugse partner")
    share = {"purpose": "share-partner", "partner_id": world["partner"], "fields": ["name"]}
    await consent(http, tenant, world["client"], given=True, **share)
    reader = await partner_key(sessions, settings, tenant, world["partner"], "de brug")
    [notice] = (await http.get("/v2/partner-notices", headers=reader.headers())).json()
    assert (await http.get("/v2/partner-notices", headers=stranger.headers())).json() == []
    path = f"/v2/partner-notices/{notice['id']}/acknowledge"
    assert (await http.post(path, headers=stranger.headers())).status_code == 404


async def _key_count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ApiKey)) or 0)


@pytest.mark.parametrize(
    ("role", "partner", "water_company", "error", "message"),
    [
        (roles.PARTNER, None, None, ValueError, "A partner key needs --partner"),
        (roles.SOCIAL_WORKER, "mine", None, ValueError, "only a partner key has one"),
        (roles.ADMIN, "mine", None, ValueError, "only a partner key has one"),
        (roles.PARTNER, "foreign", None, LookupError, "No partner with id"),
        (roles.PARTNER, "unknown", None, LookupError, "No partner with id"),
        (roles.WATER_COMPANY, None, None, ValueError, "A water company key needs"),
        (roles.SOCIAL_WORKER, None, "Farys", ValueError, "only it has one"),
        ("boss", None, None, ValueError, "Role must be one of"),
    ],
)
async def test_issue_key_refuses_roles_that_do_not_fit(
    http: httpx.AsyncClient,
    tenant: Tenant,
    sessions: Sessions,
    settings: Settings,
    role: str,
    partner: str | None,
    water_company: str | None,
    error: type[Exception],
    message: str,
) -> None:
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    partners = {
        "mine": (await new_partner(http, tenant))["id"],
        "foreign": (await new_partner(http, other))["id"],
        "unknown": "00000000-0000-4000-8000-000000000000",
    }
    before = await _key_count(sessions)
    async with sessions() as session:
        with pytest.raises(error, match=message):
            await issue_key(
                session,
                secret_box(settings),
                organisation_id=tenant.organisation_id,
                name="sleutel",
                key_type="live",
                role=role,
                partner_id=partners[partner] if partner else None,
                water_company=water_company,
            )
        await session.commit()
    assert await _key_count(sessions) == before
