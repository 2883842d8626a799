"""arq worker settings, built from Messenger's settings (not import-time globals)."""

from __future__ import annotations

from typing import Any

from arq import cron, func
from arq.worker import Worker

from messenger.messages.queue import (
    CALLBACK_JOB,
    CALLBACKS_DUE_JOB,
    DELIVER_JOB,
    RECONCILE_JOB,
    redis_settings,
)
from messenger.platform.settings import Settings
from worker import jobs

HEALTH_CHECK_SECONDS = 30
PURGE_JOB = "purge-bodies"
# The database bounds attempts; arq's own count also covers "not due yet" re-runs.
ARQ_MAX_TRIES = 1000


def cron_slots(every_seconds: int) -> tuple[set[int] | None, set[int]]:
    """arq's cron takes sets of minutes and seconds; turn an interval into (minute, second)."""
    if every_seconds < 60:
        return None, set(range(0, 60, max(1, every_seconds)))
    return set(range(0, 60, max(1, every_seconds // 60))), {0}


# A crashed job can run again only when its in-progress key expires: arq keeps it for the
# longest timeout of the worker's functions + 10 s. Deliveries therefore run on a worker of
# their own with a short timeout (a killed send resumes within a minute); the crons, which
# may take minutes, run on a second worker with its own queue.
DELIVER_TIMEOUT_EXTRA = 15  # seconds beyond the provider call: the rate-limit wait, the database
# arq reads at most queue_read_limit job ids a poll and polls every poll_delay seconds, so a
# worker starts at most queue_read_limit / poll_delay jobs a second: 200 with arq's defaults
# (100 every 0.5 s), under what one delivery worker sends now (issue 16). Polling every 0.1 s
# costs an idle worker ten small Redis calls a second and brings a new message out within
# 0.1 s; reading ten jobs per slot keeps a deep queue from waiting on the poll (2,000 a second
# at 20 slots). The cron worker keeps arq's 0.5 s: its cron window is never below that.
DELIVER_POLL_SECONDS = 0.1
READ_PER_SLOT = 10


def cron_queue(settings: Settings) -> str:
    return f"{settings.queue_name}:cron"


def worker_options(settings: Settings, redis_url: str, *, crons: bool = False) -> dict[str, Any]:
    """Options of the delivery worker, or (`crons`) of the worker that runs the cron jobs."""
    common: dict[str, Any] = {
        "on_startup": jobs.startup,
        "on_shutdown": jobs.shutdown,
        "redis_settings": redis_settings(redis_url),
        "health_check_interval": HEALTH_CHECK_SECONDS,
        "keep_result": 0,
        "ctx": {"settings": settings},
        "handle_signals": False,
    }
    if crons:
        return common | {
            "functions": [],
            "cron_jobs": _crons(settings),
            "queue_name": cron_queue(settings),
            "max_jobs": 2,
        }
    deliver = func(
        jobs.deliver,
        name=DELIVER_JOB,
        timeout=settings.send_timeout_seconds + DELIVER_TIMEOUT_EXTRA,
        max_tries=ARQ_MAX_TRIES,
        # No result kept: a kept result would block re-queueing the same job id.
        keep_result=0,
    )
    callback = func(
        jobs.send_callback,
        name=CALLBACK_JOB,
        timeout=settings.callback_timeout_seconds + DELIVER_TIMEOUT_EXTRA,
        max_tries=ARQ_MAX_TRIES,
        keep_result=0,
    )
    return common | {
        "functions": [deliver, callback],
        "queue_name": settings.queue_name,
        "max_jobs": settings.worker_max_jobs,
        "poll_delay": DELIVER_POLL_SECONDS,
        "queue_read_limit": settings.worker_max_jobs * READ_PER_SLOT,
    }


def _crons(settings: Settings) -> list[Any]:
    # arq names a unique cron run `cron:<name>:<time>` in the whole Redis database, whatever
    # the queue: two deployments (or test runs) on one database would take each other's runs
    # and one would starve. The queue in the name keeps each deployment's runs its own.
    def named(job: str) -> str:
        return f"{job}@{settings.queue_name}"

    minute, second = cron_slots(settings.reconcile_every_seconds)
    callback_minute, callback_second = cron_slots(settings.callback_poll_seconds)
    return [
        cron(
            jobs.reconcile_due,
            name=named(RECONCILE_JOB),
            run_at_startup=True,
            unique=True,
            timeout=300,
            keep_result=0,
            minute=minute,
            second=second,
        ),
        cron(
            jobs.callbacks_due,
            name=named(CALLBACKS_DUE_JOB),
            run_at_startup=True,
            unique=True,
            timeout=120,
            keep_result=0,
            minute=callback_minute,
            second=callback_second,
        ),
        cron(
            jobs.purge_bodies,
            name=named(PURGE_JOB),
            hour={2},
            minute={30},
            second={0},
            unique=True,
            timeout=600,
            keep_result=0,
        ),
    ]


def create_workers(
    settings: Settings, redis_url: str, *, extra_ctx: dict[str, Any] | None = None
) -> list[Worker]:
    """The delivery worker and the cron worker, each with its own context."""
    made = []
    for crons in (False, True):
        options = worker_options(settings, redis_url, crons=crons)
        options["ctx"].update(extra_ctx or {})
        made.append(Worker(**options))
    return made
