"""The arq workers' settings: what two deployments on one Redis database must not share."""

from __future__ import annotations

from messenger.platform.settings import Settings
from worker.settings import cron_slots, worker_options

REDIS = "redis://127.0.0.1:6379/0"  # not contacted: the options only name it


def _cron_names(settings: Settings) -> set[str]:
    options = worker_options(settings, REDIS, crons=True)
    return {job.name for job in options["cron_jobs"]}


def test_two_deployments_on_one_redis_database_keep_their_cron_runs_apart() -> None:
    """arq names a unique cron run by job name and time only, not by queue: with the same
    names, a second deployment would take the first one's runs and the first would starve."""
    settings, other = Settings(queue_name="gemeente-a"), Settings(queue_name="gemeente-b")
    assert len(_cron_names(settings)) == 3
    assert not _cron_names(settings) & _cron_names(other)


def test_a_worker_runs_its_cron_jobs_under_the_names_it_knows() -> None:
    """arq looks a cron run up by its name in the same worker: the names must be its own."""
    settings = Settings(queue_name="gemeente-a")
    options = worker_options(settings, REDIS, crons=True)
    assert all(job.name.endswith(f"@{settings.queue_name}") for job in options["cron_jobs"])


def test_an_interval_becomes_arqs_minutes_and_seconds() -> None:
    assert cron_slots(1) == (None, set(range(60)))
    assert cron_slots(15) == (None, {0, 15, 30, 45})
    assert cron_slots(300) == (set(range(0, 60, 5)), {0})
