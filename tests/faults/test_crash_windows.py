"""How long a crashed job waits before it can run again: arq keeps a job's in-progress key for
the longest timeout among its worker's functions + 10 s. Deliveries have a worker of their
own, so a send killed mid-way (SIGKILL, a lost machine) resumes within a minute, whatever the
crons' timeouts are."""

from __future__ import annotations

from messenger.platform.settings import Settings
from worker.settings import create_workers


def test_a_killed_delivery_can_run_again_within_a_minute(settings: Settings) -> None:
    delivery, crons = create_workers(settings, "redis://127.0.0.1:1/0")
    # Callback POSTs share the delivery worker: their timeout is shorter than a send's.
    assert set(delivery.functions) == {"deliver", "send-callback"}
    assert delivery.in_progress_timeout_s <= 60
    # The crons may take minutes; they are on their own queue and do not hold deliveries up.
    assert crons.queue_name != delivery.queue_name
    assert crons.in_progress_timeout_s > 60
    defaults = Settings()
    assert create_workers(defaults, "redis://127.0.0.1:1/0")[0].in_progress_timeout_s <= 60
