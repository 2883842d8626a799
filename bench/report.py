"""One benchmark row, and `bench/results.md`: Messenger's figure beside the limit measured in
the same run, their ratio and the goal (issue 16).

Every part of the benchmark (bench/*.py) has `measure(scale: float) -> list[Row]`; scale 1.0
is the full size, the smoke test (tests/test_bench_smoke.py) runs a tiny one.
"""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).parent / "results.md"


@dataclass(frozen=True)
class Row:
    """One measured figure. `limit`: the same work without Messenger (raw libraries, arq's own
    drain, a bare stand-in), measured in the same run; None where there is none. `higher_is_better`
    False for times and sizes (then the ratio is limit / messenger, so > 1 is still good)."""

    what: str
    messenger: float
    unit: str
    limit: float | None = None
    limit_what: str = ""
    goal: str = ""
    higher_is_better: bool = True
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.limit is None or not self.limit or not self.messenger:
            return None
        if self.higher_is_better:
            return self.messenger / self.limit
        return self.limit / self.messenger


def figure(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def machine() -> str:
    """What ran it: CPU, cores, memory, Python, and the load when it started."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; load average at the start {load}"
    )


def commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, as make does
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def table(rows: list[Row]) -> str:
    lines = [
        "| what | Messenger | limit (same run) | ratio | goal | note |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        limit = f"{figure(row.limit)} {row.unit}" if row.limit is not None else "—"
        if row.limit_what and row.limit is not None:
            limit += f" ({row.limit_what})"
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "—"
        lines.append(
            f"| {row.what} | {figure(row.messenger)} {row.unit} | {limit} | {ratio} "
            f"| {row.goal} | {row.note} |"
        )
    return "\n".join(lines)


def write(rows: list[Row], *, started: datetime, header: str, path: Path = RESULTS) -> Path:
    took = (datetime.now(UTC) - started).total_seconds()
    text = (
        "# Benchmark results\n\n"
        f"Made by `make bench` on {started:%Y-%m-%d %H:%M} UTC at commit {commit()}, "
        f"in {took / 60:.1f} min.\n\n"
        f"Machine: {header}; load average at the end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}.\n\n"
        f"{table(rows)}\n"
    )
    path.write_text(text)
    return path
