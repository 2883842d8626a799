"""A running Messenger wired to the local Twilio-compatible server, for the SMS tests.

The API listens on a port picked first, and that address is its `public_url`, so the fake's
signed status callbacks reach our webhook and their signatures hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from sqlalchemy import select

from messenger.cli.runner import free_port, running_api, running_worker
from messenger.platform.db import Sessions
from messenger.platform.models import Message, OptOutRecord, ReceivedMessage
from messenger.platform.settings import Settings
from messenger.wording.template_files import template_id
from tests.fakes.twilio_api import API_VERSION, Delivered, FakeTwilio
from tests.support import Tenant, sms_body, wait_for_status

PHONE = "+32470123456"  # sms_body()'s "0470 12 34 56"
SENDER = "+32460000000"
STOP_TEMPLATE = template_id("sms-stop-bevestiging")
START_TEMPLATE = template_id("sms-start-bevestiging")
# aiohttp 3.14 deprecates BasicAuth and `auth=`, which the twilio SDK uses: not ours to fix.
SDK_WARNINGS = "ignore:(BasicAuth is deprecated|The 'auth' parameter):DeprecationWarning"

T = TypeVar("T")


async def eventually(check: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    """Poll `check` (sync or async) until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout} s")
        await asyncio.sleep(0.05)


@dataclass
class Rig:
    fake: FakeTwilio
    settings: Settings
    url: str  # where the API listens
    client: httpx.AsyncClient
    sessions: Sessions
    redis_url: str

    def worker(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return running_worker(self.settings, self.redis_url)

    async def send(self, tenant: Tenant, **extra: Any) -> str:
        response = await self.client.post(
            "/v2/notifications/sms", json=sms_body(**extra), headers=tenant.headers()
        )
        assert response.status_code == 201, response.text
        message_id: str = response.json()["id"]
        return message_id

    async def notification(self, tenant: Tenant, message_id: str) -> dict[str, Any]:
        response = await self.client.get(
            f"/v2/notifications/{message_id}", headers=tenant.headers()
        )
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def final(self, tenant: Tenant, message_id: str) -> dict[str, Any]:
        return await wait_for_status(self.client, tenant, message_id)

    async def message(self, message_id: str) -> Message:
        async with self.sessions() as session:
            found = await session.get(Message, message_id)
        assert found is not None
        return found

    async def sid_of(self, message_id: str) -> str:
        """Wait until Twilio took the message; the SID we stored for it."""

        async def stored() -> str | None:
            message = await self.message(message_id)
            return message.provider_reference if message.status == "sending" else None

        sid: str = await eventually(stored, f"Twilio SID for {message_id}")
        return sid

    def posts_to(self, number: str) -> list[dict[str, str]]:
        return [r.form for r in self.fake.posts if r.form.get("To") == number]

    async def inbound(self, body: str, *, from_: str = PHONE, to: str = SENDER) -> Delivered:
        return await self.fake.send_inbound(f"{self.url}/webhooks/twilio/inbound", from_, to, body)

    async def rows(self, model: type[T], *where: Any, order_by: Any = None) -> list[T]:
        """Rows of `model`, oldest first (by `order_by`, default its created_at)."""
        order = model.created_at if order_by is None else order_by  # type: ignore[attr-defined]
        async with self.sessions() as session:
            return list(await session.scalars(select(model).where(*where).order_by(order)))

    async def received(self) -> list[ReceivedMessage]:
        return await self.rows(ReceivedMessage)

    async def opt_outs(self, number: str = PHONE) -> list[OptOutRecord]:
        return await self.rows(
            OptOutRecord, OptOutRecord.phone_number == number, order_by=OptOutRecord.id
        )

    async def confirmations(self, template: str = STOP_TEMPLATE) -> list[Message]:
        return await self.rows(Message, Message.template_id == template)


def receipt_params(fake: FakeTwilio, sid: str, status: str) -> dict[str, str]:
    """A status callback's form as the fake (and Twilio) sends it."""
    message = fake.messages[sid]
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": fake.account_sid,
        "To": message["to"],
        "From": message["from"] or fake.pool_number,
        "ApiVersion": API_VERSION,
    }


@contextlib.asynccontextmanager
async def twilio_rig(
    settings: Settings,
    sessions: Sessions,
    redis_url: str,
    *,
    worker: bool = True,
    **update: Any,
) -> AsyncIterator[Rig]:
    """FakeTwilio, the API (public_url = its own address unless given) and, unless told
    otherwise, a worker; all stopped in reverse order."""
    async with contextlib.AsyncExitStack() as stack:
        fake = await stack.enter_async_context(FakeTwilio())
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        configured = settings.model_copy(
            update={
                "twilio_account_sid": fake.account_sid,
                "twilio_auth_token": fake.auth_token,
                "twilio_from_number": SENDER,
                "twilio_api_base_url": fake.base_url,
                "public_url": url,
                **update,
            }
        )
        await stack.enter_async_context(running_api(configured, redis_url, port=port))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=url))
        rig = Rig(fake, configured, url, client, sessions, redis_url)
        if worker:
            await stack.enter_async_context(rig.worker())
        yield rig
