"""`messenger demo`: one SMS, one email and one letter, end to end, on embedded defaults.

It starts the embedded Redis (unless REDIS_URL is set), the API and a worker, sends the
three messages through the HTTP API as any client would, waits until each is final and
prints where each one landed in the outbox.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from rich.console import Console
from rich.table import Table

from channels.sandbox import outbox_path
from messenger.casework.organisations import create_organisation
from messenger.cli.common import wide
from messenger.cli.runner import free_port, running_api, running_worker
from messenger.messages import statuses
from messenger.platform import migrate
from messenger.platform.api_keys import issue_key
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.embedded_redis import redis_url
from messenger.platform.encryption import secret_box
from messenger.platform.settings import Settings
from messenger.wording.template_files import load_templates, template_id

WAIT_SECONDS = 120
SENDS: list[tuple[str, str, dict[str, Any]]] = [
    ("sms", "lac-herinnering-sms", {"phone_number": "0470 12 34 56"}),
    ("email", "lac-uitnodiging-email", {"email_address": "sara.janssens@example.be"}),
    ("letter", "lac-uitnodiging-brief", {}),
]
DEMO_ADDRESS = {
    "address_line_1": "Sara Janssens",
    "address_line_2": "Kerkstraat 12 bus 3",
    "address_line_3": "9000 Gent",
}


@dataclass
class DemoResult:
    id: str
    kind: str
    status: str
    outbox_file: str


class ApiClient:
    """Just enough of a Notify client: a fresh JWT on every request."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self._issuer, self._secret = api_key[-73:-37], api_key[-36:]
        self._http = httpx.AsyncClient(base_url=base_url, timeout=30)

    def _headers(self) -> dict[str, str]:
        token = jwt.encode({"iss": self._issuer, "iat": int(time.time())}, self._secret, "HS256")
        return {"Authorization": f"Bearer {token}"}

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self._http.post(path, json=body, headers=self._headers())
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def patch(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self._http.patch(path, json=body, headers=self._headers())
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def post_raw(self, path: str, content: bytes) -> dict[str, Any]:
        response = await self._http.post(path, content=content, headers=self._headers())
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def get(self, path: str) -> dict[str, Any]:
        response = await self._http.get(path, headers=self._headers())
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def aclose(self) -> None:
        await self._http.aclose()


async def run_demo(settings: Settings, console: Console) -> list[DemoResult]:
    engine = create_engine(settings.database)
    await migrate.upgrade(engine)
    async with create_sessions(engine)() as session:
        organisation = await create_organisation(session, "OCMW Demo")
        issued = await issue_key(
            session,
            secret_box(settings),
            organisation_id=organisation.id,
            name="demo",
            key_type="live",
        )
        await session.commit()
    await engine.dispose()

    examples = {(t.name, t.language): t.examples for t in load_templates(settings.templates_dir)}
    port = free_port()
    settings = settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    with redis_url(settings) as url:
        console.print(f"Redis: {url}")
        async with running_api(settings, url, port=port), running_worker(settings, url):
            console.print(f"API: {settings.public_url}  (OpenAPI: {settings.public_url}/docs)")
            client = ApiClient(settings.public_url, issued.combined)
            try:
                ids = []
                for kind, name, recipient in SENDS:
                    personalisation = dict(examples[(name, "nl")])
                    if kind == "letter":
                        personalisation.update(DEMO_ADDRESS)
                    body = {"template_id": template_id(name), "personalisation": personalisation}
                    sent = await client.post(f"/v2/notifications/{kind}", {**body, **recipient})
                    console.print(f"sent {kind}: {sent['id']}")
                    ids.append(sent["id"])
                final = await _wait_until_final(client, ids, console)
            finally:
                await client.aclose()
    return [
        DemoResult(
            id=n["id"],
            kind=n["type"],
            status=n["status"],
            outbox_file=str(outbox_path(settings.outbox_dir, n["type"], n["id"])),
        )
        for n in final
    ]


async def _wait_until_final(
    client: ApiClient, ids: list[str], console: Console
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT_SECONDS
    with console.status("waiting for the worker…"):
        while True:
            found = [await client.get(f"/v2/notifications/{i}") for i in ids]
            if all(statuses.settled(n["status"]) for n in found):
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"messages still in flight after {WAIT_SECONDS} s")
            await asyncio.sleep(0.2)


def print_results(results: list[DemoResult], console: Console) -> None:
    table = Table(title="Messenger demo")
    for column in ("id", "channel", "status", "outbox file"):
        table.add_column(column, no_wrap=True)
    for result in results:
        table.add_row(result.id, result.kind, result.status, result.outbox_file)
    # Whole ids and paths, to copy, even when the output is not a wide terminal.
    wide(console).print(table)


def succeeded(results: list[DemoResult]) -> bool:
    return all(r.status in (statuses.DELIVERED, statuses.SENT, statuses.RECEIVED) for r in results)
