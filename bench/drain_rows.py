"""What a worker drain measured (bench/drains.py), and the rows of bench/results.md it gives,
each beside its raw limit (bench/worker_limits.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.report import Row
from bench.worker_limits import Rate

STALL_SECONDS = 60.0  # no progress this long: the drain is called stalled


@dataclass
class Drain:
    kind: str
    workers: int
    count: int  # messages queued for T0
    done: int = 0  # handed over since T0
    seconds: float = 0.0
    cpu: float = 0.0  # of every worker process since T0
    rss_start: float = 0.0  # MB, all workers, at T0
    rss_peak: float = 0.0  # MB, the largest VmHWM of one worker (start-up included)
    rss_samples: list[tuple[int, float]] = field(default_factory=list)  # (done, MB)
    statuses: dict[str, int] = field(default_factory=dict)
    stalled: bool = False
    late: float = 0.0  # seconds the queueing went on past T0
    received: int = 0  # what the sink or the Twilio server took meanwhile
    size: float = 0.0  # KB a message, at the sink

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.done * 1000 if self.done else 0.0

    def note(self) -> str:
        peer = "sink" if self.kind == "email" else "Twilio server"
        found = ", ".join(f"{k} {v:,}" for k, v in sorted(self.statuses.items()))
        stalled = f"; STALLED: no progress for {STALL_SECONDS:.0f} s" if self.stalled else ""
        if self.late:
            stalled += f"; queueing ended {self.late:.1f} s after T0"
        size = f" of {self.size:.1f} KB" if self.size else ""
        return (
            f"{self.done:,} of {self.count:,} handed over in {self.seconds:.1f} s; CPU "
            f"{self.cpu_ms:.1f} ms/msg; peak RSS {self.rss_peak:.0f} MB; {peer} took "
            f"{self.received:,}{size}; statuses (with the warm-up message) {found}{stalled}"
        )


def email_rows(db: str, one: Drain, smtp: Rate, noop: Rate, pool: int) -> list[Row]:
    what = f"worker email drain, {one.count:,} queued, 1 worker ({db})"
    raw = f"raw aiosmtplib, {pool} connections, same sink"
    return [
        Row(what, one.rate, "msg/s", smtp.per_second, raw, "≥ 0.8×", note=one.note()),
        Row(
            f"worker CPU per email ({db})", one.cpu_ms, "ms", smtp.cpu_ms + noop.cpu_ms,
            "raw aiosmtplib client + arq no-op job", "≤ 3 ms", higher_is_better=False,
            note=f"aiosmtplib {smtp.cpu_ms:.2f} ms/msg (building the message "
            f"{smtp.mime_ms:.2f} ms), arq {noop.cpu_ms:.2f} ms/job",
        ),
    ]  # fmt: skip


def sms_rows(sms: Drain, raw: Rate, noop: Rate) -> list[Row]:
    limited = "SMS rate limit raised to 100,000/s (MESSENGER_SMS_PER_SECOND, _SMS_BURST)"
    what = f"worker SMS drain, {sms.count:,} queued, 1 worker (SQLite)"
    return [
        Row(
            what, sms.rate, "msg/s", noop.per_second, "arq no-op drain, the worker's options",
            "≥ 0.8×", note=f"{limited}; {sms.note()}",
        ),
        Row(
            "worker SMS drain against the raw twilio SDK", sms.rate, "msg/s", raw.per_second,
            "raw twilio SDK, same concurrency", note=f"SDK client CPU {raw.cpu_ms:.2f} ms/msg",
        ),
        Row(
            "worker CPU per SMS (SQLite)", sms.cpu_ms, "ms", raw.cpu_ms + noop.cpu_ms,
            "raw twilio SDK client + arq no-op job", "≤ 3 ms", higher_is_better=False,
        ),
    ]  # fmt: skip


def scaling_row(db: str, one: Drain, two: Drain, postgres: str | None) -> Row:
    note = f"2 workers: {two.note()}"
    if db == "SQLite" and not postgres:
        note += "; PostgreSQL rows skipped: BENCH_POSTGRES_URL is not set"
    goal = "≥ 1.8×" if db == "PostgreSQL" else "say what limits it"
    what = f"2 workers against 1, email ({db})"
    return Row(what, two.rate, "msg/s", one.rate, "1 worker, same run", goal, note=note)


def memory_row(long: Drain) -> Row:
    during = [mb for _, mb in long.rss_samples] or [0.0]
    tail = [mb for done, mb in long.rss_samples if done >= long.done * 0.9] or [0.0]
    return Row(
        f"worker RSS over {long.count:,} emails", long.rss_peak, "MB", goal="≤ 200 MB and flat",
        higher_is_better=False,
        note=(
            f"peak (VmHWM, start-up included) {long.rss_peak:.0f} MB; from T0: start "
            f"{long.rss_start:.0f} MB, max {max(during):.0f} MB, last tenth "
            f"{min(tail):.0f}–{max(tail):.0f} MB; {long.rate:.0f} msg/s; {long.note()}"
        ),
    )  # fmt: skip
