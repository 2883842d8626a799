"""Request bodies are bounded per route, and an API call without a token is refused before
its body is read: large or endless bodies cannot fill the API's memory."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from messenger.api.body_limits import DEFAULT_LIMIT, MB, limit_for
from tests.support import Tenant, sms_body


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        yield client


def error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    return response.status_code, body["errors"][0]["error"]


async def headers_only(base_url: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """Announce a body and send none of it: an answer now proves the API did not wait for it."""
    url = httpx.URL(base_url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {url.host}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    async with asyncio.timeout(10):
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
        body = await reader.readexactly(length)
    writer.close()
    return int(head.split()[1]), json.loads(body)["errors"][0]["error"]


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/v2/notifications/sms", DEFAULT_LIMIT),
        ("/v2/templates", DEFAULT_LIMIT),
        ("/v2/lac-sessions/x/import", 6 * MB),
        ("/webhooks/email/inbound", 10 * MB),
        ("/webhooks/twilio/status", 64 * 1024),
    ],
)
def test_each_route_has_its_limit(path: str, limit: int) -> None:
    assert limit_for(path) == limit


async def test_no_token_no_body_read(api: str) -> None:
    # 20 MB announced and none sent: refused on the headers alone.
    answer = await headers_only(api, "/v2/notifications/sms", {"Content-Length": str(20 * MB)})
    assert answer == (403, "AuthError")


async def test_a_body_over_the_limit_is_refused_on_its_length(api: str, tenant: Tenant) -> None:
    headers = {**tenant.headers(), "Content-Length": str(DEFAULT_LIMIT + 1)}
    assert await headers_only(api, "/v2/notifications/sms", headers) == (413, "RequestTooLarge")


async def test_a_declared_length_over_the_limit_is_refused(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = b'{"padding": "' + b"x" * DEFAULT_LIMIT + b'"}'
    response = await http.post(
        "/v2/notifications/sms",
        content=body,
        headers={**tenant.headers(), "Content-Type": "application/json"},
    )
    assert error(response) == (413, "RequestTooLarge")
    assert "256 KB" in response.json()["errors"][0]["message"]


async def test_a_chunked_body_is_cut_off_at_the_limit(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(5):
            yield b"x" * (64 * 1024)

    response = await http.post("/v2/notifications/sms", content=chunks(), headers=tenant.headers())
    assert "content-length" not in response.request.headers
    assert error(response) == (413, "RequestTooLarge")


async def test_a_normal_send_still_works(http: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await http.post("/v2/notifications/sms", json=sms_body(), headers=tenant.headers())
    assert response.status_code == 201, response.text


async def test_a_twilio_callback_is_small(http: httpx.AsyncClient) -> None:
    response = await http.post("/webhooks/twilio/status", content=b"a=" + b"x" * (100 * 1024))
    assert error(response) == (413, "RequestTooLarge")


async def test_a_case_list_over_5_mb_is_refused_in_dutch(
    api: str, http: httpx.AsyncClient, tenant: Tenant
) -> None:
    lac = await http.post(
        "/v2/lac-sessions",
        json={"starts_at": "2030-12-10T10:00:00+01:00", "place": "Markt 1"},
        headers=tenant.headers(),
    )
    path = f"/v2/lac-sessions/{lac.json()['id']}/import"
    big = b"Voornaam;Achternaam;Watermaatschappij\n" + b"Lies;Peeters;Farys\n" * 300_000
    assert 5 * MB < len(big) < 6 * MB
    response = await http.post(path, content=big, headers=tenant.headers())
    assert response.status_code == 400
    assert "te groot" in response.json()["errors"][0]["message"]
    headers = {**tenant.headers(), "Content-Length": str(len(big) * 2)}
    assert await headers_only(api, path, headers) == (413, "RequestTooLarge")
