"""Job functions. Each one calls a messenger service and turns its answer into arq terms."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from arq import Retry

from messenger.aftercare import retention
from messenger.casework import fallbacks, reminders
from messenger.messages import print_batches
from messenger.messages.callback_sending import CallbackSender
from messenger.messages.delivery import Delivery
from messenger.messages.outbound import ChannelSet
from messenger.messages.queue import DeliveryQueue
from messenger.messages.rate_limit import RateLimiter
from messenger.messages.reconcile import reconcile
from messenger.platform.clock import Clock, SystemClock
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.encryption import secret_box
from messenger.platform.models import utcnow
from messenger.platform.settings import Settings

log = logging.getLogger(__name__)
Ctx = dict[str, Any]
# Beyond the provider call, for a stopping worker to record what the provider answered.
RECORD_SECONDS = 10.0


def clock(ctx: Ctx) -> Clock:
    """The real clock, unless the demo or a test handed in a simulated one."""
    found: Clock = ctx.get("clock") or SystemClock()
    return found


async def startup(ctx: Ctx) -> None:
    settings: Settings = ctx["settings"]
    engine = create_engine(settings.database)
    ctx["engine"] = engine
    # Tests hand in channels of their own through the context; normally: from the settings.
    channels = ctx.get("channels") or ChannelSet.from_settings(settings)
    ctx["own_channels"] = "channels" not in ctx
    limiter = RateLimiter(
        ctx["redis"], per_second=settings.sms_per_second, burst=settings.sms_burst
    )
    ctx["delivery"] = Delivery(create_sessions(engine), channels, settings, limiter)
    ctx["sends"] = set()
    ctx["queue"] = DeliveryQueue(ctx["redis"], settings.queue_name)
    ctx["callbacks"] = CallbackSender(
        create_sessions(engine), secret_box(settings), settings, clock(ctx)
    )


async def shutdown(ctx: Ctx) -> None:
    """Close what startup opened; safe to call twice (arq skips it when Redis is gone, and
    the supervisor then calls it itself). Sends a provider already has are finished first."""
    await _finish_handed_over(ctx)
    delivery = ctx.pop("delivery", None)
    if delivery is not None:
        await delivery.aclose()
    if ctx.get("own_channels") and delivery is not None:
        await delivery.channels.aclose()
    callbacks = ctx.pop("callbacks", None)
    if callbacks is not None:
        await callbacks.aclose()
    engine = ctx.pop("engine", None)
    if engine is not None:
        await engine.dispose()


async def deliver(ctx: Ctx, message_id: str) -> str:
    delivery: Delivery = ctx["delivery"]
    # arq cancels running jobs when the worker stops or a job times out. A run cancelled
    # after its provider took the message would leave it `sending` with nothing recorded, for
    # a person to settle; so the run goes on by itself, and shutdown waits for it. A run still
    # short of the handover is cancelled: the message stays `created` and goes out later.
    run = asyncio.ensure_future(delivery.run(message_id))
    sends: set[asyncio.Future[Any]] = ctx["sends"]
    sends.add(run)
    run.add_done_callback(sends.discard)
    try:
        outcome = await asyncio.shield(run)
    except asyncio.CancelledError:
        if message_id not in delivery.handing_over:
            run.cancel()
        raise
    if outcome.retry_in is not None:
        # Same job id, run again later; the database still says when it is due.
        raise Retry(defer=max(outcome.retry_in, 0.1))
    return outcome.note


async def _finish_handed_over(ctx: Ctx) -> None:
    """Wait for the sends that went on after their jobs were cancelled; bounded by the send
    timeout (each send has it) and the time to record the answer."""
    sends: set[asyncio.Future[Any]] = ctx.get("sends", set())
    if not sends:
        return
    settings: Settings = ctx["settings"]
    log.info("waiting for %d send(s) a provider already has", len(sends))
    _, late = await asyncio.wait(sends, timeout=settings.send_timeout_seconds + RECORD_SECONDS)
    for run in late:
        run.cancel()
    for run in sends:
        with contextlib.suppress(BaseException):
            run.exception()  # retrieved: a cancelled or failed run is not logged again


async def send_callback(ctx: Ctx, delivery_id: int) -> str:
    """POST one callback delivery; the next of the same message goes right after it."""
    sender: CallbackSender = ctx["callbacks"]
    sent = await sender.send(delivery_id)
    if sent.next_id is not None:
        await ctx["queue"].enqueue_callback(sent.next_id)
    return sent.note


async def callbacks_due(ctx: Ctx) -> str:
    """Every few seconds: queue the callback deliveries that may go now (new ones, retries
    that are due, claims a dead run left behind)."""
    sender: CallbackSender = ctx["callbacks"]
    due = await sender.due()
    queued = 0
    for delivery_id in due:
        queued += await ctx["queue"].enqueue_callback(delivery_id)
    return f"{queued} of {len(due)} due callbacks queued"


async def purge_bodies(ctx: Ctx) -> str:
    """Daily: message bodies past each organisation's retention period are blanked."""
    delivery: Delivery = ctx["delivery"]
    settings = delivery.settings
    async with delivery.sessions() as session:
        count = await retention.purge_all(session, now=utcnow())
        await session.commit()
        days = await retention.shortest_retention(session)
    files = retention.purge_files(
        [settings.outbox_dir, settings.print_dir], now=utcnow(), retention_days=days
    )
    callbacks = await ctx["callbacks"].prune()
    return f"{count} message bodies, {files} files and {callbacks} callback deliveries purged"


async def reconcile_due(ctx: Ctx) -> str:
    delivery: Delivery = ctx["delivery"]
    report = await reconcile(delivery, ctx["queue"])
    if report.requeued or report.recovered or report.timed_out:
        log.info(
            "reconciler: %d requeued, %d recovered, %d timed out",
            report.requeued,
            report.recovered,
            report.timed_out,
        )
    # Reminder plans: due steps go out, stalled SMS fall back to the next channel.
    now = clock(ctx).now()
    sent = await reminders.send_due(delivery.sessions, ctx["queue"], now=now)
    fell_back = await fallbacks.fall_back(delivery.sessions, ctx["queue"], now=now)
    batches = []
    if delivery.settings.print_batches:
        # Here rather than in a cron at the cut-off: a worker that was down then catches up.
        batches = await print_batches.collate(delivery.sessions, delivery.settings)
    return (
        f"{report.requeued} requeued, {report.recovered} recovered, "
        f"{report.timed_out} timed out, {sent} reminders, {fell_back} fallbacks, "
        f"{len(batches)} print batches"
    )
