"""Fault: the worker is killed with SIGKILL in the middle of a batch to a slow provider (an
SMTP relay, or a Twilio-compatible server), then started again.

Nothing is lost (every message settles), nothing is sent twice (each Message-ID once at the
relay, each number once at Twilio). A message is claimed only once its connection is ready,
so those waiting for one at the kill are simply sent after the restart. The ones caught in
the provider call are settled, not resent: an SMS by asking Twilio whether it took it; an
email, which SMTP cannot be asked about, as `technical-failure` for a person to look at.
"""

from __future__ import annotations

import asyncio
import signal
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

BATCH = 40
DEADLINE = 120.0
# Short provider calls, so an interrupted one is settled within a minute (the lease is
# twice this plus 30 s).
FAST = {"MESSENGER_SEND_TIMEOUT_SECONDS": "2"}


async def kill_mid_batch(
    fault_settings: Settings,
    tenant: Tenant,
    base_url: str,
    log: Path,
    env: dict[str, str],
    kind: str,
    taken: object,
) -> tuple[dict[str, int], int, float]:
    """Send BATCH, SIGKILL the worker once a quarter is at the provider, start it again and
    wait: the statuses, how many the provider had at the kill, the seconds to settle."""
    worker = start_worker(fault_settings, log, env)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        ids = await send(http, tenant, BATCH, kind)
    while taken() < BATCH // 4:  # type: ignore[operator]
        assert time.monotonic() - started < DEADLINE, "the provider never got a quarter"
        await asyncio.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    at_kill: int = taken()  # type: ignore[operator]
    worker = start_worker(fault_settings, log, env)
    try:
        seconds = await final(fault_settings, ids, started, DEADLINE)
        found = await status_counts(fault_settings, ids)
    finally:
        assert stop_worker(worker) == 0, log.read_text()
    return found, at_kill, seconds


async def test_a_killed_worker_sends_no_email_twice(
    office: tuple[Tenant, str], fault_settings: Settings, tmp_path: Path
) -> None:
    tenant, base_url = office
    async with FakeSmtpServer() as relay:
        relay.data_delay = 0.2  # a slow relay: sends are in flight when the worker dies
        env = provider_env(smtp_port=relay.port) | FAST
        found, at_kill, seconds = await kill_mid_batch(
            fault_settings,
            tenant,
            base_url,
            tmp_path / "worker.log",
            env,
            "email",
            lambda: len(relay.envelopes),
        )
        sent = at_relay(relay)
    duplicates = sum(count - 1 for count in sent.values())
    interrupted = found.get(statuses.TECHNICAL_FAILURE, 0)
    assert sum(found.values()) == BATCH  # nothing lost
    assert set(found) <= {statuses.SENT, statuses.TECHNICAL_FAILURE}, found
    assert duplicates == 0, sent.most_common(3)
    # Only sends inside the provider call at the kill: the pool (4 connections), plus, on a
    # loaded machine, a send its own 2 s timeout had just cut off and not yet put back.
    assert interrupted <= 2 * fault_settings.smtp_pool_size, found
    print(
        f"SIGKILL (email) after {at_kill} of {BATCH} at the relay: 0 lost, 0 duplicates, "
        f"{interrupted} caught in DATA settled as technical-failure, all final in {seconds:.0f} s"
    )


async def test_a_killed_worker_sends_no_sms_twice_and_asks_twilio(
    office: tuple[Tenant, str], fault_settings: Settings, tmp_path: Path
) -> None:
    tenant, base_url = office
    async with FakeTwilio() as twilio:
        twilio.delay_all = 0.3  # a slow API: requests are in flight when the worker dies
        env = provider_env(twilio=twilio) | FAST
        found, at_kill, seconds = await kill_mid_batch(
            fault_settings,
            tenant,
            base_url,
            tmp_path / "worker.log",
            env,
            "sms",
            lambda: len(twilio.messages),
        )
        per_number = at_twilio(twilio)
        taken = len(twilio.messages)
    duplicates = sum(count - 1 for count in per_number.values())
    interrupted = found.get(statuses.TECHNICAL_FAILURE, 0)
    assert sum(found.values()) == BATCH  # nothing lost
    assert duplicates == 0, per_number.most_common(3)
    # Twilio finished the requests the kill interrupted; asked afterwards, it says it has
    # them, so each one Twilio holds is `sending` with its SID and none is written off.
    assert found.get(statuses.SENDING, 0) == taken, found
    assert interrupted == BATCH - taken, found
    print(
        f"SIGKILL (sms) after {at_kill} of {BATCH} at Twilio: 0 lost, 0 duplicates, "
        f"{taken} with Twilio, {interrupted} technical-failure, all settled in {seconds:.0f} s"
    )
