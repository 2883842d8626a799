"""Fault: the SMTP relay is down and Twilio answers 429 then 503, together for longer than a
minute, while a real `messenger worker` delivers 30 SMS and 30 emails. Everything waits and
goes out once the providers are back: nothing lost, nothing sent twice.

The clock is shortened only in the backoff (at most 5 s between attempts here, 10 minutes in
production); the retry window stays the production default of 24 hours, far longer than the
outage (tests/test_reliability.py covers the window itself).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from messenger.messages import statuses
from messenger.platform.settings import Settings
from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.twilio_api import FakeTwilio
from tests.faults.support import (
    at_relay,
    at_twilio,
    final,
    provider_env,
    send,
    start_worker,
    status_counts,
    stop_worker,
)
from tests.support import Tenant

EACH = 30
RATE_LIMITED, UNAVAILABLE = 30.0, 35.0  # seconds of 429, then of 503: 65 s in all


async def test_a_long_provider_outage_ends_with_every_message_sent_once(
    office: tuple[Tenant, str], fault_settings: Settings, tmp_path: Path
) -> None:
    assert Settings().retry_window_hours == 24  # what production allows an outage
    tenant, base_url = office
    relay = FakeSmtpServer()  # not started: the relay is down, its port refuses
    async with FakeTwilio() as twilio:
        twilio.answer_for(RATE_LIMITED, 429)
        twilio.answer_for(UNAVAILABLE, 503)
        outage_started = time.monotonic()
        env = provider_env(twilio=twilio, smtp_port=relay.port) | {
            "MESSENGER_RETRY_BASE_SECONDS": "1",
            "MESSENGER_RETRY_MAX_SECONDS": "5",
        }
        worker = start_worker(fault_settings, tmp_path / "worker.log", env)
        try:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
                ids = await send(http, tenant, EACH, "sms") + await send(
                    http, tenant, EACH, "email"
                )
            while not twilio.outage_over:
                await asyncio.sleep(0.5)
            # Nothing may have given up while both were away (a few are mid-attempt).
            during = await status_counts(fault_settings, ids)
            assert set(during) <= {statuses.CREATED, statuses.SENDING}, during
            async with relay:
                back = time.monotonic()
                seconds = await final(fault_settings, ids, back)
                found = await status_counts(fault_settings, ids)
        finally:
            code = stop_worker(worker)
        posts = len(twilio.posts)
    assert code == 0
    outage = back - outage_started
    assert outage > 60
    # Lost: none. SMS wait for Twilio's receipt (`sending`, with its SID); emails are `sent`.
    assert found == {statuses.SENDING: EACH, statuses.SENT: EACH}, found
    per_number = at_twilio(twilio)
    per_email = at_relay(relay)
    assert len(per_number) == EACH and max(per_number.values()) == 1
    assert len(per_email) == EACH and max(per_email.values()) == 1
    print(
        f"outage {outage:.0f} s (SMTP down; Twilio 429 then 503, {posts} POSTs in all): "
        f"0 lost, 0 duplicates, all {2 * EACH} settled {seconds:.1f} s after the providers"
        " came back"
    )
