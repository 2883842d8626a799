"""The print-batch and scheduler-tick benchmarks (bench/print_batch.py, bench/scheduler_tick.py)
still run, at a tiny size: a benchmark, not a timed test, so only their shape is checked."""

from __future__ import annotations

import pytest

from bench import print_batch, scheduler_tick


@pytest.fixture(autouse=True)
def _no_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_POSTGRES_URL", raising=False)


def test_the_print_batch_benchmark_runs() -> None:
    [row, skipped] = print_batch.measure(0.01)
    assert row.unit == "s" and row.messenger > 0 and row.limit and row.limit > 0
    assert "1 call(s)" in row.note and "10 letter(s)" in row.note
    assert "skipped" in skipped.note


def test_the_scheduler_tick_benchmark_runs() -> None:
    busy, idle, skipped = scheduler_tick.measure(0.01)
    assert "2 reminders sent, 1 fallbacks" in busy.what
    assert busy.messenger > 0 and busy.limit and idle.messenger > 0 and idle.limit
    assert "skipped" in skipped.note
