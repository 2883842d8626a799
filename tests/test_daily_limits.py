"""The daily limit per organisation and channel, as Notify's: past it, 429 in Notify's shape
until midnight in Brussels, shared by every API process through Redis. A refused request
does not count, test keys do not count, and another organisation has its own day."""

from __future__ import annotations

import httpx

from messenger.cli.runner import running_api, server_url
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.support import Tenant, email_body, sms_body

SMS = "/v2/notifications/sms"


async def test_past_the_days_limit_a_channel_answers_429_until_midnight(
    settings: Settings, sessions: Sessions, tenant: Tenant, redis_server: str
) -> None:
    limited = settings.model_copy(update={"daily_limit_sms": 2})
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    tester = await make_tenant(sessions, settings, "OCMW Test", key_type="test")
    async with (
        running_api(limited, redis_server) as one,
        running_api(limited, redis_server) as two,
        httpx.AsyncClient() as http,
    ):
        urls = [server_url(one), server_url(two)]
        refused = await http.post(f"{urls[0]}{SMS}", json=sms_body(phone_number="12"),
                                  headers=tenant.headers())  # fmt: skip
        assert refused.status_code == 400  # not accepted: not counted
        for url in urls:  # one on each API process: the count is shared
            sent = await http.post(f"{url}{SMS}", json=sms_body(), headers=tenant.headers())
            assert sent.status_code == 201, sent.text
        over = await http.post(f"{urls[0]}{SMS}", json=sms_body(), headers=tenant.headers())
        assert over.status_code == 429
        assert over.json() == {
            "status_code": 429,
            "errors": [{"error": "TooManyRequestsError",
                        "message": "Exceeded send limits (2) for today"}],
        }  # fmt: skip
        assert 0 < int(over.headers["retry-after"]) <= 24 * 3600
        email = await http.post(f"{urls[1]}/v2/notifications/email", json=email_body(),
                                headers=tenant.headers())  # fmt: skip
        assert email.status_code == 201  # another channel, its own count
        for other in (brugge, brugge, tester, tester, tester):
            answer = await http.post(f"{urls[0]}{SMS}", json=sms_body(), headers=other.headers())
            assert answer.status_code == 201, answer.text
