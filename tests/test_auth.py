"""Notify's JWT auth: wrong secret, stale or future iat, unknown key -> 403; tenants isolated."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest
from sqlalchemy import select

from messenger.platform.db import Sessions
from messenger.platform.models import ApiKey
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.support import Tenant, sms_body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Unauthorized: authentication token must be provided"),
        ({"Authorization": "Basic abc"}, "Unauthorized: authentication bearer scheme must be used"),
        (_bearer("not-a-jwt"), "Invalid token: signature, api token is not valid"),
    ],
)
async def test_missing_or_malformed_tokens_are_refused(
    api: str, headers: dict[str, str], message: str
) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.get("/v2/notifications", headers=headers)
    assert response.status_code == 403
    assert response.json() == {
        "status_code": 403,
        "errors": [{"error": "AuthError", "message": message}],
    }


async def test_wrong_secret_is_refused(api: str, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.get(
            "/v2/notifications", headers=tenant.headers(secret=str(uuid.uuid4()))
        )
    assert response.status_code == 403
    assert "API key not found" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("offset", [-32, -120, 32, 3600])
async def test_iat_outside_30_seconds_is_refused(api: str, tenant: Tenant, offset: int) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.get(
            "/v2/notifications", headers=tenant.headers(iat=time.time() + offset)
        )
    assert response.status_code == 403
    assert "clock" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("offset", [-25, 0, 25])
async def test_iat_within_30_seconds_is_accepted(api: str, tenant: Tenant, offset: int) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.get(
            "/v2/notifications", headers=tenant.headers(iat=time.time() + offset)
        )
    assert response.status_code == 200


async def test_unknown_organisation_is_refused(api: str) -> None:
    token = jwt.encode({"iss": str(uuid.uuid4()), "iat": int(time.time())}, "x" * 36, "HS256")
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.get("/v2/notifications", headers=_bearer(token))
    assert response.status_code == 403


async def test_revoked_key_is_refused(api: str, tenant: Tenant, sessions: Sessions) -> None:
    async with sessions() as session:
        key = await session.scalar(
            select(ApiKey).where(ApiKey.organisation_id == tenant.organisation_id)
        )
        assert key is not None
        key.revoked_at = key.created_at
        await session.commit()
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.get("/v2/notifications", headers=tenant.headers())
    assert response.status_code == 403


async def test_other_organisations_message_is_not_found(
    api: str, tenant: Tenant, sessions: Sessions, settings: Settings
) -> None:
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    async with httpx.AsyncClient(base_url=api) as client:
        sent = await client.post("/v2/notifications/sms", json=sms_body(), headers=tenant.headers())
        message_id = sent.json()["id"]
        response = await client.get(f"/v2/notifications/{message_id}", headers=other.headers())
        listed = await client.get("/v2/notifications", headers=other.headers())
        older = await client.get(
            "/v2/notifications", params={"older_than": message_id}, headers=other.headers()
        )
    assert response.status_code == 404
    assert response.json()["errors"] == [{"error": "NoResultFound", "message": "No result found"}]
    assert listed.json()["notifications"] == []
    # As Notify: an older_than it does not know gives an empty page.
    assert older.status_code == 200 and older.json()["notifications"] == []


async def test_secrets_are_encrypted_at_rest(tenant: Tenant, sessions: Sessions) -> None:
    secret = tenant.api_key[-36:]
    async with sessions() as session:
        stored = (await session.scalars(select(ApiKey))).one()
    assert secret not in stored.secret_encrypted
    assert stored.secret_encrypted.startswith("gAAAAA")  # a Fernet token
