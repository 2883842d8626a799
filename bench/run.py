"""`make bench`: every part of issue 16's benchmark in one go, written to bench/results.md.

    .venv/bin/python -m bench.run [SCALE] [PART ...]

SCALE 1.0 is the full size (about an hour, most of it the 100,000-email memory drain);
tests/test_bench_smoke.py runs a tiny one. PostgreSQL rows run when BENCH_POSTGRES_URL is set
(`make bench` sets it when this machine's PostgreSQL answers). Parts run one after the other,
never side by side: each measures Messenger and its limit on a machine with nothing else to do.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime

from bench import report
from bench.report import Row

# Module name → what it measures. Each has `measure(scale) -> list[Row]`.
PARTS = {
    "drains": "worker drains (email, SMS, two workers, CPU, memory) beside their raw limits",
    "api": "POST /v2/notifications/sms at 32 and 64 connections beside a bare stand-in",
    "celery_pipeline": "the Celery + smtplib + SQLite pipeline, for comparison",
    "import_rows": "importing a 10,000-row case list",
    "print_batch": "1,000 letters to print in one call",
    "scheduler_tick": "one scheduler tick over 100,000 future reminders",
}


def run(scale: float, parts: list[str]) -> list[Row]:
    rows: list[Row] = []
    for name in parts:
        print(f"== {name}: {PARTS[name]}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        measure: Callable[[float], list[Row]] = importlib.import_module(f"bench.{name}").measure
        try:
            rows.extend(measure(scale))
        except Exception as exc:  # one broken part must not lose the others' figures
            traceback.print_exc()
            rows.append(Row(f"{name}: failed", 0, "", note=type(exc).__name__))
        print(f"   {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return rows


def main(argv: list[str]) -> None:
    scale = float(argv[0]) if argv else 1.0
    parts = argv[1:] or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise SystemExit(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    started = datetime.now(UTC)
    header = report.machine()
    rows = run(scale, parts)
    path = report.write(rows, started=started, header=f"{header}; scale {scale:g}")
    print(report.table(rows))
    print(f"written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
