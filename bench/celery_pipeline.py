"""The pipeline a Python team would build instead of Messenger, drained like Messenger's worker
(issue 16): Celery on Redis, one task per message, smtplib, SQLite.

    .venv/bin/python -m bench.celery_pipeline [SCALE] [process|task]

- Celery runs in a virtual environment of its own, `build/bench-celery-venv` (arq pins redis
  below 6), made here on first use with `python3 -m venv` and pip (the network is needed
  then) and reused afterwards; a stamp file in it names the pinned versions it holds.
- A SQLite file (WAL, synchronous=NORMAL, as Messenger's) with a table `messages` (id,
  recipient, subject, body, status) gets N rows `created`; N tasks are queued in an embedded
  Redis (never the machine's), then a Celery worker starts (prefork pool, concurrency =
  the number of cores, Celery's default; Redis as broker only, no result backend).
- Each task (bench/celery_app/tasks.py) reads its row, builds a multipart text + HTML message
  of about 1.5 KB, sends it with smtplib to an aiosmtpd Sink in a process of its own, and
  marks the row `sent`. The SMTP connection: one per worker process, kept open (the default,
  `process`), or a new one for every task (`task`). The row uses `process`: with a connection
  per task, smtplib's EHLO and aiosmtpd's greeting each call socket.getfqdn(), and the
  sink's call blocks its event loop; where DNS is slow that caps the sink, not the pipeline.
- Timed from the first task's start (each worker process writes down the moment of its
  first) until SQLite, polled every 0.05 s, has every row `sent`.
Every wait has a deadline and every process started here is stopped in a `finally`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Row, table
from bench.sinks import cpu_seconds, stop_process
from messenger.cli.runner import free_port
from messenger.platform.embedded_redis import embedded_redis

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV = ROOT / "build" / "bench-celery-venv"
REQUIREMENTS = ("celery[redis]==5.7.0", "kombu==5.7.0", "redis==8.1.0")
STAMP = VENV / "bench-requirements.txt"
MESSAGES = 3000
FLOOR = 30  # the smallest size any scale gives
VENV_SECONDS = 600.0
READY_SECONDS = 30.0
POLL_SECONDS = 0.05
# Celery's defaults but for the pool and log level, named: prefork, concurrency = the cores.
WORKER_OPTIONS = ("--pool=prefork", "--loglevel=WARNING")

BODY = """Dag Sara {n},

We nodigen u uit voor een gesprek bij OCMW Gent op dinsdag 8 december 2026 om 10 uur,
Markt 1, Gent. Het gesprek gaat over uw waterfactuur. We helpen u graag.

Komt u niet en is er niets geregeld? Dan kan uw water afgesloten worden. Kom dus zeker.

Met vriendelijke groeten,
Jan Peeters
OCMW Gent
"""
SUBJECT = "Uitnodiging voor een gesprek bij het OCMW"


def size(scale: float) -> int:
    return max(FLOOR, int(MESSAGES * scale))


# -- the Celery venv ---------------------------------------------------------------------


def celery_venv() -> Path:
    """The venv's bin folder; made anew when it lacks the stamp of the pinned versions (never
    made, half made, or made for other pins). A lock keeps two runs from making it at once."""
    wanted = "\n".join(REQUIREMENTS) + "\n"
    python = VENV / "bin" / "python"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with (VENV.parent / "bench-celery-venv.lock").open("w") as lock:
        deadline = time.monotonic() + VENV_SECONDS
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{VENV}: another run is still making it") from None
                time.sleep(1)
        if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
            return python.parent
        base = shutil.which("python3") or sys.executable
        _run([base, "-m", "venv", "--clear", str(VENV)], "python3 -m venv")
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run([*pip, *REQUIREMENTS], "pip install " + " ".join(REQUIREMENTS))
        STAMP.write_text(wanted)
        return python.parent


def _run(command: list[str], what: str, seconds: float = VENV_SECONDS, **kwargs: Any) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - our own commands
            command, capture_output=True, text=True, timeout=seconds, check=False, **kwargs
        )
    except subprocess.TimeoutExpired as exc:
        raise TimeoutError(f"{what}: not done after {seconds:.0f} s") from exc
    if done.returncode:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    out: str = done.stdout
    return out


# -- the peers ---------------------------------------------------------------------------


@contextlib.contextmanager
def smtp_sink(log: Path) -> Iterator[int]:
    """aiosmtpd's own Sink handler in a process of its own; yields its port once it answers."""
    port = free_port()
    listen = ["-l", f"127.0.0.1:{port}"]
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", *listen],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches the benchmark only
        )
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None:
                raise RuntimeError(f"aiosmtpd exited with {process.returncode}: {_tail(log)}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"aiosmtpd: not listening after {READY_SECONDS:.0f} s")
            time.sleep(0.1)
        yield port
    finally:
        stop_process(process)


def _tail(path: Path, chars: int = 3000) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-chars:]
    return ""


# -- the run -----------------------------------------------------------------------------


def make_database(path: Path, count: int) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE messages (id INTEGER PRIMARY KEY, recipient TEXT NOT NULL, "
            "subject TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL)"
        )
        db.executemany(
            "INSERT INTO messages VALUES (?, ?, ?, ?, 'created')",
            ((n, f"sara{n}@example.be", SUBJECT, BODY.format(n=n)) for n in range(1, count + 1)),
        )
        db.commit()


def sent(db: sqlite3.Connection) -> int:
    found: int = db.execute("SELECT count(*) FROM messages WHERE status = 'sent'").fetchone()[0]
    return found


# Run in the Celery venv: the size of one message exactly as the task builds it.
_SIZE = (
    "from celery_app.tasks import build\n"
    f"m = build('sara1@example.be', {SUBJECT!r}, {BODY.format(n=1)!r})\n"
    "print(len(m.as_bytes()) / 1024)\n"
)


@dataclass(frozen=True)
class Drain:
    count: int
    seconds: float
    cpu: float  # worker processes, from the first task on
    processes: int  # worker processes that ran a task
    kilobytes: float  # one message as sent
    connection: str  # "process" or "task"

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def drain(count: int, folder: Path, connection: str = "process") -> Drain:
    if connection not in CONNECTIONS:
        raise ValueError(f"connection: process or task, not {connection!r}")
    bin_dir = celery_venv()
    database = folder / "messages.db"
    marks = folder / "first-tasks.txt"
    worker_log = folder / "worker.log"
    make_database(database, count)
    with smtp_sink(folder / "sink.log") as port, embedded_redis(folder) as url:
        env = {
            **os.environ,
            "PYTHONPATH": str(BENCH),
            "BENCH_CELERY_BROKER": url,
            "BENCH_CELERY_DB": str(database),
            "BENCH_CELERY_SMTP": f"127.0.0.1:{port}",
            "BENCH_CELERY_MARKS": str(marks),
            "BENCH_CELERY_CONNECTION": connection,
        }
        kilobytes = float(
            _run(
                [str(bin_dir / "python"), "-c", _SIZE],
                "the message's size",
                READY_SECONDS,
                env=env,
                cwd=folder,
            )
        )
        queued = _run(
            [str(bin_dir / "python"), "-m", "celery_app.enqueue", "1", str(count)],
            "queueing the tasks",
            60 + count / 20,
            env=env,
            cwd=folder,
        )
        if int(queued) != count:
            raise RuntimeError(f"queued {queued.strip()} tasks of {count}")
        with worker_log.open("w") as output:
            worker = subprocess.Popen(  # noqa: S603 - our own command
                [str(bin_dir / "celery"), "-A", "celery_app.tasks", "worker", *WORKER_OPTIONS],
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=folder,
                start_new_session=True,
            )
        try:
            return _watch(worker, database, marks, worker_log, count, kilobytes, connection)
        finally:
            stop_process(worker)


def _watch(
    worker: subprocess.Popen[Any],
    database: Path,
    marks: Path,
    log: Path,
    count: int,
    kilobytes: float,
    connection: str,
) -> Drain:
    def check_alive() -> None:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {worker.returncode}: {_tail(log)}")

    deadline = time.monotonic() + 60  # its start-up, with the imports and the fork
    while not marks.exists() or not marks.read_text().strip():
        check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"no Celery task started within 60 s: {_tail(log)}")
        time.sleep(POLL_SECONDS)
    cpu_at_start = cpu_seconds(worker.pid)
    done = 0
    deadline = time.monotonic() + 60 + count / 10
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        while True:
            done = sent(db)
            if done >= count:
                finished = time.time()
                break
            check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the Celery pipeline sent {done} of {count} in time")
            time.sleep(POLL_SECONDS)
    cpu = cpu_seconds(worker.pid) - cpu_at_start
    starts = [float(line.split()[1]) for line in marks.read_text().splitlines() if line.strip()]
    return Drain(count, finished - min(starts), cpu, len(starts), kilobytes, connection)


CONNECTIONS = {
    "process": "over one kept-open connection per worker process",
    "task": "over a new connection per task",
}


def rows(result: Drain) -> list[Row]:
    cores = os.cpu_count() or 1
    return [
        Row(
            "Celery pipeline email drain",
            result.per_second,
            "msg/s",
            note=(
                f"{result.count} emails of {result.kilobytes:.1f} KB (text + HTML) in "
                f"{result.seconds:.1f} s, from the first task's start to every row `sent`; "
                f"Celery 5.7.0 on the embedded Redis (broker only, no result backend), "
                f"prefork pool, concurrency {cores} (the cores; {result.processes} ran tasks); "
                f"one task per message: read the SQLite row, send with smtplib "
                f"{CONNECTIONS[result.connection]} to an aiosmtpd Sink, mark it `sent`; "
                f"SQLite WAL, synchronous=NORMAL; "
                f"worker CPU {result.cpu / result.count * 1000:.1f} ms/msg"
            ),
        )
    ]


def measure(scale: float = 1.0, connection: str = "process") -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-celery-") as folder:
        return rows(drain(size(scale), Path(folder), connection))


if __name__ == "__main__":
    print(
        table(
            measure(
                float(sys.argv[1]) if len(sys.argv) > 1 else 1.0,
                sys.argv[2] if len(sys.argv) > 2 else "process",
            )
        )
    )
