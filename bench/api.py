"""Messenger's send API under load, beside a bare stand-in of the same path (issue 16).

    .venv/bin/python -m bench.api [SCALE]
    BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.api

Drives Messenger only through what every version has (the CLI, the HTTP API, settings in the
environment), so the same file measures an older commit too: `messenger db upgrade`,
`org create` and `api-key create` make a database with one organisation and a live key, and
`messenger serve --no-migrate` runs the real API (only the API: REDIS_URL points at an
embedded Redis; no worker, the jobs stay queued). Request and daily limits are raised so that
they are not what is measured. The stand-in (bench/standin.py) runs beside it on a database
of its own, with the same Redis, uvicorn options and number of processes.

Each load (bench/load.py, in a process of its own) runs against Messenger and then the
stand-in: closed loops of 32 and 64 connections, and an open loop at a fixed 300 requests a
second. Only 201 answers count. PostgreSQL rows run when BENCH_POSTGRES_URL is set, each
server in a database of its own, dropped afterwards. Sizes: 15 s after a 3 s warm-up, times
SCALE, never below half a second.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt

from bench.load import Result, Target, run_in_process
from bench.report import Row, table
from bench.sinks import messenger_env, postgres_database_outside_loop
from messenger.cli.runner import free_port
from messenger.platform.embedded_redis import embedded_redis

MESSENGER = str(Path(sys.executable).parent / "messenger")
ROOT = Path(__file__).resolve().parents[1]
SECONDS, WARMUP, FLOOR = 15.0, 3.0, 0.5
CONNECTIONS = (32, 64)
FIXED_RATE, FIXED_CONNECTIONS = 300.0, 64
START_SECONDS, STOP_SECONDS = 60.0, 20.0
UNLIMITED = str(10**9)
TEMPLATE = "lac-herinnering-sms"  # a shipped template, as the tests send (tests/support.py)
BODY = {
    "phone_number": "0470 12 34 56",
    "personalisation": {
        "voornaam": "Sara",
        "moment": "2026-12-08T10:00:00+01:00",
        "plaats_kort": "Sociaal Huis Gent",
        "telefoon": "09 123 45 67",
    },
    "reference": "bench",
}


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    api_key: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU of the server and its child processes (uvicorn's workers), from /proc."""
        tick = os.sysconf("SC_CLK_TCK")
        total, pending = 0.0, [self.process.pid]
        while pending:
            pid = pending.pop()
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pending += [int(c) for c in (task / "children").read_text().split()]
        return total


def cli(env: dict[str, str], *args: str) -> str:
    """`messenger ARGS…`; the last line it prints (an id, a key)."""
    done = subprocess.run(  # noqa: S603 - our own command
        [MESSENGER, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode:
        raise RuntimeError(f"messenger {' '.join(args[:2])} failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1].strip()


@functools.cache
def processes() -> int | None:
    """`serve --workers N` where Messenger has it (one per core), else None: one process."""
    found = subprocess.run(  # noqa: S603 - our own command
        [MESSENGER, "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    return (os.cpu_count() or 2) if "--workers" in found.stdout else None


@contextlib.contextmanager
def started(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A server as a process of its own, stopped however the block ends: SIGTERM (a graceful
    stop), then SIGKILL to the process group it leads (uvicorn's worker processes too)."""
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def ready(name: str, process: subprocess.Popen[bytes], port: int, key: str, log: Path) -> Server:
    """The server once it answers HTTP (any answer will do)."""
    deadline = time.monotonic() + START_SECONDS
    while process.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return Server(name, port, process, key)
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer within {START_SECONDS:.0f} s")
        time.sleep(0.1)
    raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")


def token(api_key: str) -> str:
    claims = {"iss": api_key[-73:-37], "iat": int(time.time())}
    return jwt.encode(claims, api_key[-36:], algorithm="HS256")


def template_id(server: Server) -> str:
    """The shipped SMS template's id, as a client finds it (GET /v2/templates)."""
    found = httpx.get(
        f"{server.url}/v2/templates?type=sms",
        headers={"Authorization": f"Bearer {token(server.api_key)}"},
        timeout=30,
    )
    found.raise_for_status()
    for template in found.json()["templates"]:
        if template.get("slug") == TEMPLATE:
            return str(template["id"])
    raise RuntimeError(f"{TEMPLATE} is not among the SMS templates")


def target(server: Server, body: str) -> Target:
    sent = httpx.post(
        f"{server.url}/v2/notifications/sms",
        content=body,
        headers={"Authorization": f"Bearer {token(server.api_key)}",
                 "Content-Type": "application/json"},
        timeout=30,
    )  # fmt: skip
    if sent.status_code != 201:
        raise RuntimeError(f"{server.name}: {sent.status_code} {sent.text[:1000]}")
    return Target("127.0.0.1", server.port, "/v2/notifications/sms", body, server.api_key)


@dataclass
class Figures:
    result: Result
    cpu_ms: float  # the server's CPU per answer, warm-up included

    def note(self) -> str:
        # Cores busy at that rate: well under 1 for one process means it waits, not computes.
        cores = self.cpu_ms * self.result.rate / 1000
        return (
            f"{self.result.summary()}, server CPU {self.cpu_ms:.1f} ms/request ({cores:.2f} cores)"
        )


def load(server: Server, body: str, connections: int, rate: float | None,
         seconds: float, warmup: float) -> Figures:  # fmt: skip
    aim = target(server, body)
    cpu = server.cpu_seconds()
    result = run_in_process(aim, connections, seconds, warmup, rate)
    used = server.cpu_seconds() - cpu
    return Figures(result, used / result.answers * 1000 if result.answers else 0.0)


def on_database(label: str, messenger_db: str, standin_db: str, redis: str, folder: Path,
                scale: float) -> list[Row]:  # fmt: skip
    """Messenger and the stand-in side by side on one kind of database; their rows."""
    seconds, warmup = max(FLOOR, SECONDS * scale), max(FLOOR / 2, WARMUP * scale)
    workers = processes()
    var = folder / label.lower()
    var.mkdir()
    env = messenger_env(
        messenger_db,
        var,
        REDIS_URL=redis,
        MESSENGER_QUEUE_NAME=f"bench-api-{uuid.uuid4().hex[:8]}",
        # Notify's 3,000 a minute per key (and the daily limit) would be the figure otherwise.
        MESSENGER_API_REQUESTS_PER_MINUTE=UNLIMITED,
        MESSENGER_AUTH_FAILURES_PER_MINUTE=UNLIMITED,
        MESSENGER_DAILY_LIMIT_SMS=UNLIMITED,
    )
    standin_key = f"bench-{uuid.uuid4()}-{uuid.uuid4()}"
    standin_env = os.environ | {
        "BENCH_STANDIN_KEY": standin_key,
        "BENCH_STANDIN_DATABASE": standin_db,
        "BENCH_STANDIN_REDIS": redis,
        "BENCH_STANDIN_QUEUE": f"bench-standin-{uuid.uuid4().hex[:8]}",
    }
    extra = ["--workers", str(workers)] if workers else []
    how = f"--workers {workers}" if workers else "one process (serve has no --workers)"
    port, standin_port = free_port(), free_port()
    messenger_command = [MESSENGER, "serve", "--no-migrate", "--port", str(port), *extra]
    standin_command = [sys.executable, "-m", "bench.standin", "--port", str(standin_port),
                       "--workers", str(workers or 1)]  # fmt: skip
    found: dict[tuple[int, float | None], tuple[Figures, Figures]] = {}
    logs = var / "serve.log", var / "standin.log"
    # The stand-in starts while the CLI makes Messenger's database: starting takes seconds.
    with started(standin_command, standin_env, logs[1]) as standin_process:
        cli(env, "db", "upgrade")
        organisation = cli(env, "org", "create", "OCMW Bench")
        key = cli(env, "api-key", "create", "--org", organisation, "--name", "bench")
        with started(messenger_command, env, logs[0]) as messenger_process:
            ours = ready("messenger serve", messenger_process, port, key, logs[0])
            bare = ready("stand-in", standin_process, standin_port, standin_key, logs[1])
            body = json.dumps(BODY | {"template_id": template_id(ours)})
            runs = [(n, None) for n in CONNECTIONS] + [(FIXED_CONNECTIONS, FIXED_RATE)]
            # Each load on one server right after the other: the machine's load drifts less.
            for connections, rate in runs:
                found[connections, rate] = (
                    load(ours, body, connections, rate, seconds, warmup),
                    load(bare, body, connections, rate, seconds, warmup),
                )
    return rows_of(label, found, how)


def rows_of(
    label: str, found: dict[tuple[int, float | None], tuple[Figures, Figures]], how: str
) -> list[Row]:
    stand_in = f"bare FastAPI stand-in, {how.split(' (')[0]}"
    rows = []
    for (connections, rate), (mine, theirs) in found.items():
        note = f"Messenger {mine.note()}; stand-in {theirs.note()}; {how}"
        if rate is None:
            where = f"API ({label}), {connections} connections"
            goal = "≥ 1,000 req/s" if label == "PostgreSQL" else "≥ 0.8× the stand-in"
            rows.append(Row(f"{where}: accepted SMS", mine.result.rate, "req/s",
                            theirs.result.rate, stand_in, goal, note=note))  # fmt: skip
            rows.append(Row(f"{where}: p99", mine.result.p99_ms, "ms", theirs.result.p99_ms,
                            stand_in, "≤ 100 ms", higher_is_better=False))  # fmt: skip
        else:
            rows.append(Row(f"API ({label}): p99 at a fixed {rate:.0f} req/s", mine.result.p99_ms,
                            "ms", theirs.result.p99_ms, stand_in, "≤ 50 ms",
                            higher_is_better=False, note=note))  # fmt: skip
    return rows


def measure(scale: float = 1.0) -> list[Row]:
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    with (
        tempfile.TemporaryDirectory(prefix="bench-api-") as name,
        embedded_redis(Path(name)) as redis,
    ):
        folder = Path(name)
        rows = on_database("SQLite", f"sqlite:///{folder / 'messenger.db'}",
                           f"sqlite:///{folder / 'standin.db'}", redis, folder, scale)  # fmt: skip
        if postgres:
            with (
                postgres_database_outside_loop(postgres) as messenger_db,
                postgres_database_outside_loop(postgres) as standin_db,
            ):
                rows += on_database("PostgreSQL", messenger_db, standin_db, redis, folder, scale)
        else:
            skipped = "PostgreSQL rows skipped: BENCH_POSTGRES_URL is not set"
            rows[0] = dataclasses.replace(rows[0], note=f"{rows[0].note}; {skipped}")
    return rows


if __name__ == "__main__":
    measured = measure(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
    print(table(measured))
