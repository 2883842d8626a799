"""The worker's raw limits: the same libraries and peers without Messenger (issue 16).

    .venv/bin/python -m bench.worker_limits [SCALE]

- raw aiosmtplib: `smtp_pool_size` connections (4) to a counting aiosmtpd sink, a multipart
  text + HTML message like ours built for every send;
- the raw twilio SDK (the client and HTTP client class channels/sms_twilio.py uses) to the
  Twilio-compatible server, `worker_max_jobs` (20) sends at once;
- arq's own drain of no-op jobs, with the delivery worker's options from
  `worker.settings.worker_options` (only the function body is a no-op).

Each peer runs in a process of its own (bench/sinks.py); the client runs in this one, as the
worker runs in its own. bench/drains.py measures these beside each of Messenger's drains.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email.policy
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib

from bench import sinks
from bench.report import Row, table
from messenger.platform.settings import Settings

MESSAGES = 3000
FLOOR = 30  # the smallest size any scale gives

# aiohttp deprecates BasicAuth, which the twilio SDK uses; not ours to fix.
warnings.filterwarnings("ignore", "(BasicAuth is deprecated|The 'auth' parameter)")

TEXT = """Dag Sara {n},

We willen graag met u praten. Daarom nodigen we u uit voor een gesprek bij OCMW Gent.

Wanneer? dinsdag 8 december 2026 om 10 uur
Waar? Markt 1, Gent

Het gesprek gaat over uw waterfactuur. Dat kan iedereen overkomen. We helpen u graag. Het is
een gesprek met de Lokale Adviescommissie (LAC). Daarin zitten het OCMW, de gemeente en de
watermaatschappij.

De LAC luistert naar u. Daarna beslist ze over een afbetalingsplan: u betaalt in kleine
stukjes. Of over een waterbegrenzer: een toestel dat minder water doorlaat. Komt u niet en
is er niets geregeld? Dan kan uw water afgesloten worden. Kom dus zeker.

Met vriendelijke groeten,
Jan Peeters
OCMW Gent
"""
SMS = (
    "Dag Sara, denkt u aan uw LAC-gesprek? Dat is op dinsdag 8 december om 10 uur, "
    "Sociaal Huis Gent. Kunt u niet komen? Bel 09 123 45 67."
)


def size(scale: float, full: int = MESSAGES, floor: int = FLOOR) -> int:
    return max(floor, int(full * scale))


@dataclass(frozen=True)
class Rate:
    """`count` done in `seconds`; `cpu` seconds of this process meanwhile."""

    count: int
    seconds: float
    cpu: float
    mime_ms: float = 0.0  # raw_smtp: CPU to build and flatten one message, of `cpu_ms`

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.count * 1000 if self.count else 0.0


async def timed(count: int, work: Callable[[], Awaitable[None]]) -> Rate:
    wall, cpu = time.perf_counter(), time.process_time()
    await work()
    return Rate(count, time.perf_counter() - wall, time.process_time() - cpu)


def email_message(n: int) -> EmailMessage:
    """Like channels/email_mime.py's: text + an HTML page, our headers; about 2.5 KB."""
    text = TEXT.format(n=n)
    paragraphs = "\n".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    message = EmailMessage()
    message["From"] = "OCMW <noreply@messenger.invalid>"
    message["To"] = "sara@example.be"
    message["Subject"] = "Uitnodiging voor een gesprek bij het OCMW"
    message["Message-ID"] = make_msgid(domain="messenger.invalid")
    message["Date"] = format_datetime(datetime.now(UTC))
    message.set_content(text)
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: Arial, sans-serif">\n{paragraphs}\n</body></html>\n',
        subtype="html",
    )
    message["Content-Language"] = "nl"
    return message


async def raw_smtp(host: str, port: int, count: int, connections: int) -> Rate:
    """`count` messages over `connections` kept-open connections, one send at a time each."""
    numbers = iter(range(count))

    async def one_connection() -> None:
        smtp = aiosmtplib.SMTP(hostname=host, port=port, start_tls=False, timeout=30)
        await smtp.connect()
        try:
            for n in numbers:  # shared: each connection takes the next message
                await smtp.send_message(email_message(n), recipients=["sara@example.be"])
        finally:
            await smtp.quit()

    async def work() -> None:
        await asyncio.gather(*(one_connection() for _ in range(connections)))

    sent = await timed(count, work)
    # The stdlib email package's share of the client's CPU, as aiosmtplib flattens it.
    cpu, built = time.process_time(), min(count, 300)
    for n in range(built):
        email_message(n).as_bytes(policy=email.policy.SMTP)
    return dataclasses.replace(sent, mime_ms=(time.process_time() - cpu) / built * 1000)


def twilio_client(info: dict[str, Any]) -> tuple[Any, Any]:
    """The SDK's client and its aiohttp client, set up as channels/sms_twilio.py does."""
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    http = AsyncTwilioHttpClient(max_retries=None)
    sid = info["account_sid"]
    client = Client(sid, info["auth_token"], account_sid=sid, http_client=http)
    client.api.base_url = info["base_url"].rstrip("/")
    client.edge = None
    client.region = None
    return client, http


async def raw_twilio(info: dict[str, Any], count: int, concurrency: int) -> Rate:
    """`count` SMS through one SDK client, `concurrency` requests in flight."""
    client, http = twilio_client(info)
    numbers = iter(range(count))

    async def sender() -> None:
        for n in numbers:
            await asyncio.wait_for(
                client.messages.create_async(
                    to="+32470123456",
                    body=SMS,
                    from_="+32460000000",
                    # Ours always asks for receipts, so the form has the same fields.
                    status_callback=f"http://127.0.0.1:8000/webhooks/twilio/status?message_id={n}",
                ),
                30,
            )

    async def work() -> None:
        await asyncio.gather(*(sender() for _ in range(concurrency)))

    try:
        return await timed(count, work)
    finally:
        await http.close()


async def arq_noop(redis_url: str, count: int, settings: Settings | None = None) -> Rate:
    """arq's drain of `count` queued no-op jobs, with the delivery worker's options: only the
    functions' bodies are replaced, and our startup, shutdown and context are left out."""
    from arq import create_pool
    from arq.worker import Worker

    from worker.settings import worker_options

    queue = f"bench-noop-{uuid.uuid4().hex[:8]}"
    settings = (settings or Settings()).model_copy(update={"queue_name": queue})
    options = worker_options(settings, redis_url)
    done = 0
    finished = asyncio.Event()

    async def noop(ctx: dict[str, Any], *args: Any) -> None:
        nonlocal done
        done += 1
        if done >= count:
            finished.set()

    options["functions"] = [dataclasses.replace(f, coroutine=noop) for f in options["functions"]]
    for unused in ("on_startup", "on_shutdown", "ctx"):
        options.pop(unused, None)
    name = options["functions"][0].name
    pool = await create_pool(options["redis_settings"])
    try:
        for start in range(0, count, 500):
            await asyncio.gather(
                *(
                    pool.enqueue_job(
                        name, f"noop-{n}", _job_id=f"{name}:noop-{n}", _queue_name=queue
                    )
                    for n in range(start, min(start + 500, count))
                )
            )
    finally:
        await pool.aclose()
    worker = Worker(**options)
    task: asyncio.Task[None] | None = None

    async def work() -> None:
        nonlocal task
        task = asyncio.create_task(worker.async_run())
        waiting = asyncio.create_task(finished.wait())
        await asyncio.wait({task, waiting}, timeout=60 + count / 20, return_when="FIRST_COMPLETED")
        waiting.cancel()
        if task.done():
            task.result()  # the worker's own error
        if not finished.is_set():
            raise TimeoutError(f"arq drained {done} of {count} no-op jobs in time")

    try:
        return await timed(count, work)
    finally:
        # As worker/supervisor.py stops it: no new jobs, the running ones end, then close.
        worker.allow_pick_jobs = False
        running = [t for t in worker.tasks.values() if not t.done()]
        if running:
            await asyncio.wait(running, timeout=10)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        with contextlib.suppress(asyncio.CancelledError):
            await worker.close()


def rows(smtp: Rate, twilio: Rate, noop: Rate, settings: Settings, sink_note: str) -> list[Row]:
    """The raw limits on their own (bench/drains.py puts them beside Messenger's drains)."""
    return [
        Row(
            f"raw aiosmtplib → aiosmtpd sink, {settings.smtp_pool_size} connections, "
            f"{smtp.count} emails",
            smtp.per_second,
            "msg/s",
            note=f"a raw limit; client CPU {smtp.cpu_ms:.2f} ms/msg, of which building the "
            f"message {smtp.mime_ms:.2f} ms; {sink_note}",
        ),
        Row(
            f"raw twilio SDK → Twilio-compatible server, {settings.worker_max_jobs} at once, "
            f"{twilio.count} SMS",
            twilio.per_second,
            "msg/s",
            note=f"a raw limit; client CPU {twilio.cpu_ms:.2f} ms/msg",
        ),
        Row(
            f"arq no-op drain with the delivery worker's options, {noop.count} jobs",
            noop.per_second,
            "jobs/s",
            note=f"a raw limit; worker CPU {noop.cpu_ms:.2f} ms/job",
        ),
    ]


def sink_note(before: dict[str, Any], after: dict[str, Any]) -> str:
    count = after["messages"] - before["messages"]
    average = (after["bytes"] - before["bytes"]) / count / 1024 if count else 0
    return f"the sink took {count} messages of {average:.1f} KB"


async def _measure(scale: float, folder: Path) -> list[Row]:
    settings = Settings()
    count = size(scale)
    with sinks.smtp_sink() as sink, sinks.twilio_server() as twilio, sinks.redis(folder) as url:
        before = sink.received()
        smtp = await raw_smtp(sink.info["host"], sink.info["port"], count, settings.smtp_pool_size)
        note = sink_note(before, sink.received())
        sms = await raw_twilio(twilio.info, count, settings.worker_max_jobs)
        noop = await arq_noop(url, count, settings)
    return rows(smtp, sms, noop, settings, note)


def measure(scale: float = 1.0) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as folder:
        return asyncio.run(_measure(scale, Path(folder)))


if __name__ == "__main__":
    print(table(measure(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
