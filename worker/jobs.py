"""Job functions. Each one calls a messenger service and turns its answer into arq terms."""

from __future__ import annotations

import logging
from typing import Any

from arq import Retry

from messenger.db import create_engine, create_sessions
from messenger.delivery import Delivery
from messenger.outbound import ChannelSet
from messenger.queue import DeliveryQueue
from messenger.reconcile import reconcile
from messenger.settings import Settings

log = logging.getLogger(__name__)
Ctx = dict[str, Any]


async def startup(ctx: Ctx) -> None:
    settings: Settings = ctx["settings"]
    engine = create_engine(settings.database)
    ctx["engine"] = engine
    # Tests hand in channels of their own through the context; normally: from the settings.
    channels = ctx.get("channels") or ChannelSet.from_settings(settings)
    ctx["delivery"] = Delivery(create_sessions(engine), channels, settings)
    ctx["queue"] = DeliveryQueue(ctx["redis"], settings.queue_name)


async def shutdown(ctx: Ctx) -> None:
    if "engine" in ctx:
        await ctx["engine"].dispose()


async def deliver(ctx: Ctx, message_id: str) -> str:
    delivery: Delivery = ctx["delivery"]
    outcome = await delivery.run(message_id)
    if outcome.retry_in is not None:
        # Same job id, run again later; the database still says when it is due.
        raise Retry(defer=max(outcome.retry_in, 0.1))
    return outcome.note


async def reconcile_due(ctx: Ctx) -> str:
    report = await reconcile(ctx["delivery"], ctx["queue"])
    if report.requeued or report.recovered:
        log.info("reconciler: %d requeued, %d recovered", report.requeued, report.recovered)
    return f"{report.requeued} requeued, {report.recovered} recovered"
