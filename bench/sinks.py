"""The peers a benchmark talks to, each in a process of its own so it never shares our GIL:
a counting SMTP sink, the Twilio-compatible server of the tests, an embedded Redis, a
PostgreSQL database made for the run. Also what we read of other processes (CPU, RSS).

    .venv/bin/python -m bench.sinks smtp          # prints {"host", "port"} once listening
    .venv/bin/python -m bench.sinks twilio        # prints {"base_url", "account_sid", ...}

Both run until SIGTERM; on SIGUSR1 they print what they received so far as one JSON line.
Every wait has a deadline and every process started here is stopped in a `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bench.report import Row
from messenger.platform.embedded_redis import embedded_redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The `messenger` command, from the code beside this file (not whichever checkout the
# environment was installed from), so an older checkout measures its own code.
MESSENGER = [PYTHON, "-c", "from messenger.cli.app import main; main()"]
READY_SECONDS = 30.0
STOP_SECONDS = 15.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
Popen = subprocess.Popen[bytes]


# -- processes ---------------------------------------------------------------------------


def stop_process(process: subprocess.Popen[Any], grace: float = STOP_SECONDS) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def read_line(process: subprocess.Popen[str], seconds: float, what: str) -> str:
    """One line of the process's stdout, or an error after `seconds`."""
    assert process.stdout is not None
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{what}: no answer after {seconds:.0f} s")
        ready, _, _ = select.select([process.stdout], [], [], min(left, 0.5))
        if ready:
            line = process.stdout.readline()
            if line:
                return line
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")


def start_logged(command: list[str], env: dict[str, str], logs: list[Path]) -> list[Popen]:
    """One process of `command` per log file, all its output going there; run in ROOT."""
    processes: list[Popen] = []
    try:
        for path in logs:
            with path.open("ab") as log:  # the child keeps its own copy of the descriptor
                processes.append(
                    subprocess.Popen(  # noqa: S603 - our own command
                        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )  # fmt: skip
    except BaseException:
        stop_all(processes)
        raise
    return processes


def stop_all(processes: list[Popen]) -> None:
    """SIGTERM to all at once, so they stop in parallel; then wait for each."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        stop_process(process)


def check_alive(processes: list[Popen]) -> None:
    if any(p.poll() is not None for p in processes):
        raise RuntimeError("a process exited early; see its log")


async def until_quiet(
    processes: list[Popen], done: Callable[[], Awaitable[bool]], seconds: float, cpu: float
) -> None:
    """Until `done()` and each process used at most `cpu` seconds of CPU in each of two
    half-seconds in a row: it has finished starting and waits for work."""
    deadline = time.monotonic() + seconds
    last = [cpu_seconds(p.pid) for p in processes]
    quiet = 0
    while quiet < 2:
        await asyncio.sleep(0.5)
        check_alive(processes)
        now = [cpu_seconds(p.pid) for p in processes]
        busy = any(b - a > cpu for a, b in zip(last, now, strict=True))
        quiet = 0 if busy or not await done() else quiet + 1
        last = now
        if time.monotonic() > deadline:
            raise TimeoutError(f"processes still busy after {seconds:.0f} s")


@dataclass
class Peer:
    """A peer process that printed a JSON line once ready (`info`); `received()` asks it
    (SIGUSR1) what it has taken in so far."""

    name: str
    process: subprocess.Popen[str]
    info: dict[str, Any] = field(default_factory=dict)

    def received(self) -> dict[str, Any]:
        self.process.send_signal(signal.SIGUSR1)
        found: dict[str, Any] = json.loads(read_line(self.process, 10, self.name))
        return found


@contextlib.contextmanager
def peer(name: str, *args: str) -> Iterator[Peer]:
    """`python -m bench.sinks NAME ARGS…` until the block ends."""
    process = subprocess.Popen(  # noqa: S603 - our own command
        [PYTHON, "-m", "bench.sinks", name, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a Ctrl-C in the terminal reaches the benchmark only
    )
    try:
        started = Peer(name, process)
        started.info = json.loads(read_line(process, READY_SECONDS, name))
        yield started
    finally:
        stop_process(process)
        if process.stdout is not None:
            process.stdout.close()


def smtp_sink() -> contextlib.AbstractContextManager[Peer]:
    """A counting aiosmtpd sink on a port the kernel picks; info: host, port."""
    return peer("smtp")


def twilio_server() -> contextlib.AbstractContextManager[Peer]:
    """tests/fakes/twilio_api.py's FakeTwilio; info: base_url, account_sid, auth_token."""
    return peer("twilio")


def redis(var_dir: Path) -> contextlib.AbstractContextManager[str]:
    """An embedded Redis-compatible server (its own process); yields its URL. Never the
    machine's Redis: the benchmark must not share a queue with anything else."""
    return embedded_redis(var_dir)


def _own_database(server_url: str) -> tuple[str, str]:
    """(server URL without a database, a fresh name) for postgresql://user@host:port/NAME."""
    base, _, name = server_url.rpartition("/")
    name = name.split("?")[0] or "bench"
    if not name.replace("_", "").isalnum():
        raise ValueError(f"database name {name!r}: letters, digits and _ only")
    return base, f"{name}_{uuid.uuid4().hex[:8]}"  # two runs at once do not meet


async def _administer(base: str, statement: str) -> None:
    """One statement on the server's `postgres` database (CREATE/DROP DATABASE)."""
    import asyncpg  # only with BENCH_POSTGRES_URL

    connection = await asyncpg.connect(f"{base}/postgres", timeout=10)
    try:
        await connection.execute(statement, timeout=60)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[str]:
    """A fresh database named as in `server_url` (postgresql://user@host:port/NAME), dropped
    afterwards; yields the URL."""
    base, name = _own_database(server_url)
    await _administer(base, f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        await _administer(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def postgres_database_outside_loop(server_url: str) -> Iterator[str]:
    """`postgres_database` for a caller that runs no event loop of its own."""
    base, name = _own_database(server_url)
    asyncio.run(_administer(base, f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_administer(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlite_then_postgres(
    what: str, unit: str, run_on: Callable[[Any, str], list[Row]], *, fresh: bool = True
) -> list[Row]:
    """`run_on(database, "SQLite")`, then `run_on(database, "PostgreSQL")` when
    BENCH_POSTGRES_URL is set, else a row saying PostgreSQL was skipped. `database` is the URL
    of a fresh database of the run's own (a SQLite file, or a PostgreSQL database dropped
    afterwards); with `fresh` False, None for SQLite or BENCH_POSTGRES_URL itself, for a
    benchmark that makes several databases."""
    with tempfile.TemporaryDirectory(prefix="bench-db-") as folder:
        found = run_on(f"sqlite:///{Path(folder) / 'messenger.db'}" if fresh else None, "SQLite")
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    if not postgres:
        skipped = "skipped: set BENCH_POSTGRES_URL to measure PostgreSQL too"
        return [*found, Row(what=f"{what} (PostgreSQL)", messenger=0, unit=unit, note=skipped)]
    if not fresh:
        return found + run_on(postgres, "PostgreSQL")
    with postgres_database_outside_loop(postgres) as url:
        return found + run_on(url, "PostgreSQL")


def messenger_env(database_url: str, var_dir: str | Path, **settings: str) -> dict[str, str]:
    """The environment of a Messenger process a benchmark starts: this one's without its
    Messenger settings and test URLs (a developer's shell must not change the figures), with
    a database, a folder and a secret key of its own, and `settings` (NAME=value)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "TEST_DATABASE_URL") and not key.startswith("MESSENGER_")
    }
    return env | {
        "DATABASE_URL": database_url,
        "MESSENGER_VAR_DIR": str(var_dir),
        "MESSENGER_SECRET_KEY": Fernet.generate_key().decode(),
        "COLUMNS": "200",
        **settings,
    }


def run_messenger(env: dict[str, str], *args: str, timeout: float = 1800) -> tuple[str, float]:
    """One `messenger` command of the code beside this file: its output and wall time. A
    command that fails raises, with the end of what it said."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command, our own arguments
        [*MESSENGER, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"messenger {' '.join(args[:2])} exited {done.returncode}: {done.stderr[-3000:]}"
        )
    return done.stdout, took


# -- what other processes use ------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """The process and its descendants (a worker may start helpers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                children = Path(f"/proc/{current}/task/{task}/children").read_text()
                todo.extend(int(child) for child in children.split())
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its descendants so far."""
    total = 0.0
    for one in tree(pid):
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{one}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return total


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS now, peak RSS) of the process in MB, from /proc (VmRSS, VmHWM)."""
    found = {"VmRSS:": 0.0, "VmHWM:": 0.0}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            parts = line.split()
            if parts and parts[0] in found:
                found[parts[0]] = int(parts[1]) / 1024
    return found["VmRSS:"], found["VmHWM:"]


# -- the peers themselves (run with python -m bench.sinks) -------------------------------


def _say(payload: dict[str, Any]) -> None:
    print(json.dumps(payload), flush=True)


async def _serve_until_stopped(report: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, lambda: _say(report()))
    await stop.wait()


async def _smtp() -> None:
    from aiosmtpd.smtp import SMTP, Envelope, Session

    class Counting:
        messages = 0
        size = 0

        async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
            self.messages += 1
            self.size += len(envelope.original_content or b"")
            return "250 OK"

    handler = Counting()
    loop = asyncio.get_running_loop()
    # Port 0: the kernel picks a free one, with no race between choosing it and binding it.
    server = await loop.create_server(lambda: SMTP(handler), "127.0.0.1", 0)
    _say({"host": "127.0.0.1", "port": server.sockets[0].getsockname()[1]})
    try:
        await _serve_until_stopped(lambda: {"messages": handler.messages, "bytes": handler.size})
    finally:
        server.close()


async def _twilio() -> None:
    from tests.fakes.twilio_api import FakeTwilio

    async with FakeTwilio() as fake:
        _say(
            {
                "base_url": fake.base_url,
                "account_sid": fake.account_sid,
                "auth_token": fake.auth_token,
            }
        )
        await _serve_until_stopped(lambda: {"messages": len(fake.messages)})


if __name__ == "__main__":
    import warnings

    # aiohttp deprecates BasicAuth, which the twilio SDK uses; not ours to fix.
    warnings.simplefilter("ignore", DeprecationWarning)
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    if kind == "smtp":
        asyncio.run(_smtp())
    elif kind == "twilio":
        asyncio.run(_twilio())
    else:
        sys.exit("usage: python -m bench.sinks smtp | twilio")
