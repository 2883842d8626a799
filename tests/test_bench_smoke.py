"""The benchmark keeps working: its raw limits at a tiny size, its table and its runner.

The benchmark itself (`make bench`, bench/run.py) is not a test: its figures depend on the
machine. This only proves the parts run and the results file is written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import report, run, worker_limits
from bench.report import Row


def test_the_raw_limits_run_at_a_tiny_size() -> None:
    rows = worker_limits.measure(0.01)
    assert [row.unit for row in rows] == ["msg/s", "msg/s", "jobs/s"]
    assert all(row.messenger > 0 for row in rows)


def test_results_show_each_figure_beside_its_limit(tmp_path: Path) -> None:
    rows = [
        Row("email drain", 80, "msg/s", limit=100, limit_what="raw aiosmtplib", goal="≥ 0.8×"),
        Row("import", 4, "s", limit=None, higher_is_better=False, goal="≤ 5 s"),
        Row("p99", 50, "ms", limit=40, higher_is_better=False),
    ]
    path = report.write(
        rows, started=datetime.now(UTC), header=report.machine(), path=tmp_path / "r.md"
    )
    text = path.read_text()
    assert "| email drain | 80.0 msg/s | 100 msg/s (raw aiosmtplib) | 0.80× | ≥ 0.8× |" in text
    assert "| import | 4.00 s | — | — | ≤ 5 s |" in text
    assert "| p99 | 50.0 ms | 40.0 ms | 0.80× |" in text
    assert "cores" in text and "load average" in text


def test_the_runner_refuses_a_part_it_does_not_know() -> None:
    with pytest.raises(SystemExit, match="unknown part"):
        run.main(["0.01", "everything"])
