"""Keeping a worker running while Redis comes and goes.

arq's worker stops for good when its connection breaks in the poll loop (a Redis restart
raises ConnectionError from `start_jobs`, which its retry settings do not cover), and it
cannot start while Redis is away. This loop starts a fresh arq worker whenever the previous
one ended without being asked to, waiting a little longer each time (1 s doubling to 30 s,
back to 1 s after a run of a minute), until `stop` is set. Nothing is lost meanwhile: the
database says what is due, and the reconciler queues it again once Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from arq.worker import Worker

from messenger.platform.settings import Settings
from worker import jobs
from worker.settings import create_workers

log = logging.getLogger(__name__)
# arq logs two INFO lines a job (started, ended): at a thousand messages a minute they are
# most of the log and a measurable share of the worker's time. Its warnings and errors stay;
# the reconciler's summary (jobs.py) says what moved.
logging.getLogger("arq.worker").setLevel(logging.WARNING)
FIRST_DELAY, MAX_DELAY = 1.0, 30.0
HEALTHY_RUN_SECONDS = 60.0


async def run_supervised(
    settings: Settings,
    redis_url: str,
    stop: asyncio.Event,
    *,
    extra_ctx: dict[str, Any] | None = None,
) -> None:
    """Run the workers until `stop` is set; then stop them gently. When one of them ends
    unasked (Redis went away), both are closed and started afresh after a pause."""
    delay = FIRST_DELAY
    while not stop.is_set():
        workers = create_workers(settings, redis_url, extra_ctx=dict(extra_ctx or {}))
        started = time.monotonic()
        running = [asyncio.create_task(w.async_run()) for w in workers]
        asked = asyncio.create_task(stop.wait())
        await asyncio.wait({*running, asked}, return_when=asyncio.FIRST_COMPLETED)
        if asked.done():
            grace = settings.worker_stop_grace_seconds
            await asyncio.gather(
                *(stop_worker(w, t, grace) for w, t in zip(workers, running, strict=True))
            )
            return
        asked.cancel()
        ended = next(t for t in running if t.done())
        failure = ended.exception() if not ended.cancelled() else None
        for worker, task in zip(workers, running, strict=True):
            await _close(worker)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if time.monotonic() - started > HEALTHY_RUN_SECONDS:
            delay = FIRST_DELAY
        # The kind of failure only: a connection error's text can hold the Redis URL.
        log.warning(
            "queue worker stopped (%s); starting a new one in %.0f s",
            type(failure).__name__ if failure else "it returned",
            delay,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, MAX_DELAY)


async def stop_worker(worker: Worker, task: asyncio.Task[None], grace: float) -> None:
    """Stop taking jobs, let running ones finish (bounded by `grace`), then close: arq cancels
    what still runs, and the shutdown finishes the sends a provider already has (jobs.py)."""
    worker.allow_pick_jobs = False
    running = [t for t in worker.tasks.values() if not t.done()]
    if running:
        await asyncio.wait(running, timeout=grace)
    await _close(worker)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def _close(worker: Worker) -> None:
    """arq's close needs Redis for its last steps; what startup opened is closed either way."""
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await worker.close()
    with contextlib.suppress(Exception):
        await jobs.shutdown(worker.ctx)
