"""Several API processes (issue 16): `create_app()` as uvicorn's factory queues what it stores,
and `messenger serve --workers N` runs N processes on one port that stop together on SIGTERM.

Every wait polls against a deadline.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from arq import create_pool
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from cryptography.fernet import Fernet

from messenger.cli.runner import free_port
from messenger.messages.queue import DELIVER_JOB, delivery_job_id, redis_settings
from messenger.platform import settings as settings_module
from messenger.platform.db import Sessions, create_engine, create_sessions
from messenger.platform.settings import Settings
from messenger.server import create_app
from tests.conftest import make_tenant
from tests.processes import children, closed, dead
from tests.support import Tenant, sms_body

MESSENGER = [sys.executable, "-c", "from messenger.cli.app import main; main()"]
STARTUP_SECONDS = 90.0
STOP_SECONDS = 30.0
# Below uvicorn's worker health check (5 s): a child stopped longer is killed and replaced.
STOPPED_SECONDS = 3.0


@pytest.fixture
async def arq_redis(redis_server: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(redis_settings(redis_server))
    try:
        yield pool
    finally:
        await pool.aclose()


async def _queued_deliveries(pool: ArqRedis, queue_name: str) -> set[str]:
    """The message ids arq has a queued delivery job for."""
    ids = set()
    for job in await pool.queued_jobs(queue_name=queue_name):
        if job.function == DELIVER_JOB:
            ids.add(str(job.args[0]))
    return ids


# --- create_app() reads REDIS_URL -----------------------------------------------------------


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[None]:
    """The test's settings as the environment an API process started by uvicorn reads."""
    for name in list(os.environ):
        if name.startswith("MESSENGER_") or name in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(name)
    assert settings.database_url and settings.redis_url and settings.secret_key
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("MESSENGER_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("MESSENGER_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("MESSENGER_QUEUE_NAME", settings.queue_name)
    settings_module.get_settings.cache_clear()
    try:
        yield
    finally:
        settings_module.get_settings.cache_clear()


async def test_create_app_without_arguments_queues_through_redis_url(
    environment: None, settings: Settings, tenant: Tenant, arq_redis: ArqRedis
) -> None:
    """What `uvicorn --factory messenger.server:create_app --workers N` runs in each process."""
    app = create_app()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://messenger.test"
        ) as http,
    ):
        assert app.state.queue is not None
        sent = await http.post("/v2/notifications/sms", json=sms_body(), headers=tenant.headers())
        assert sent.status_code == 201, sent.text
        message_id = sent.json()["id"]
        job = Job(delivery_job_id(message_id), arq_redis, _queue_name=settings.queue_name)
        assert await job.status() == JobStatus.queued
        assert message_id in await _queued_deliveries(arq_redis, settings.queue_name)


async def test_create_app_with_redis_url_none_runs_without_a_queue(
    settings: Settings, sessions: Sessions
) -> None:
    """Tests and benches that want no queue still say so."""
    app = create_app(settings, redis_url=None)
    async with app.router.lifespan_context(app):
        assert app.state.queue is None and app.state.limits is None


# --- messenger serve --workers 2 --------------------------------------------------------------


def _api_processes(parent: int) -> list[int]:
    """uvicorn's children of `parent` that run the API (not multiprocessing's resource
    tracker): spawned with `multiprocessing.spawn`."""
    found = []
    for pid, _ in children(parent):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except (FileNotFoundError, ProcessLookupError):
            continue
        if b"multiprocessing.spawn" in command:
            found.append(pid)
    return sorted(found)


def _loaded(pid: int, library: str) -> bool:
    """A shared library of that name is mapped into the process."""
    return library in Path(f"/proc/{pid}/maps").read_text()


async def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {seconds} s: {what}"
        await asyncio.sleep(0.05)


def _serve_environment(tmp_path: Path, redis_url: str, queue_name: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "DATABASE_URL"} and not k.startswith("MESSENGER_")
    }
    return env | {
        "MESSENGER_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "MESSENGER_SECRET_KEY": Fernet.generate_key().decode(),
        "REDIS_URL": redis_url,
        "MESSENGER_QUEUE_NAME": queue_name,
    }


async def _served_alone(pid: int, others: list[int], url: str, tenant: Tenant) -> str:
    """Send an SMS on a new connection while every other API process is stopped (SIGSTOP):
    only `pid` can accept it. Retried until `pid` has started. The message's id."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        for other in others:
            os.kill(other, signal.SIGSTOP)
        try:
            async with httpx.AsyncClient(base_url=url, timeout=STOPPED_SECONDS) as http:
                sent = await http.post(
                    "/v2/notifications/sms", json=sms_body(), headers=tenant.headers()
                )
        except httpx.TimeoutException:
            sent = None
        finally:
            for other in others:
                os.kill(other, signal.SIGCONT)
        if sent is not None:
            assert sent.status_code == 201, sent.text
            return str(sent.json()["id"])
        assert time.monotonic() < deadline, f"API process {pid} never answered"
        await asyncio.sleep(0.5)  # let the parent's health check see everyone again


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_serve_with_two_workers_serves_from_both_and_stops_on_sigterm(
    tmp_path: Path, redis_server: str, arq_redis: ArqRedis
) -> None:
    queue_name = f"test:{uuid.uuid4()}"
    env = _serve_environment(tmp_path, redis_server, queue_name)
    port, log = free_port(), tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [*MESSENGER, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    children: list[int] = []
    try:

        async def answers() -> bool:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(f"{url}/_status")).status_code == 200
            except httpx.HTTPError:
                return False

        deadline = time.monotonic() + STARTUP_SECONDS
        while not await answers():
            assert time.monotonic() < deadline, "serve never answered /_status"
            await asyncio.sleep(0.1)
        await _until(lambda: len(_api_processes(process.pid)) == 2, 10, "two API processes")
        children = _api_processes(process.pid)

        # Migrated by the parent before the processes started: a key can be made now.
        settings = Settings(
            database_url=env["DATABASE_URL"], secret_key=env["MESSENGER_SECRET_KEY"]
        )
        engine = create_engine(settings.database)
        try:
            tenant = await make_tenant(create_sessions(engine), settings, "OCMW Gent")
        finally:
            await engine.dispose()

        # Each process answers an authenticated send by itself, and queues it in REDIS_URL.
        sent = [
            await _served_alone(pid, [other for other in children if other != pid], url, tenant)
            for pid in children
        ]
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            for _ in range(3):
                answer = await http.post(
                    "/v2/notifications/sms", json=sms_body(), headers=tenant.headers()
                )
                assert answer.status_code == 201, answer.text
                sent.append(answer.json()["id"])
        assert set(sent) <= await _queued_deliveries(arq_redis, queue_name)
        assert _api_processes(process.pid) == children  # nobody was killed and replaced
        for library in ("uvloop", "httptools"):
            if importlib.util.find_spec(library):
                assert all(_loaded(pid, library) for pid in children), library

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=STOP_SECONDS)
        seconds = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
        for pid in children:
            if not dead(pid):
                os.kill(pid, signal.SIGKILL)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert seconds < 15, f"took {seconds:.1f} s to stop"
    assert "Traceback" not in output, output
    assert output.rstrip().endswith("stopped"), output
    assert all(dead(pid) for pid in children)
    assert closed(port)


def test_serve_with_workers_needs_redis_url(tmp_path: Path) -> None:
    env = _serve_environment(tmp_path, "unused", "unused")
    del env["REDIS_URL"]
    done = subprocess.run(
        [*MESSENGER, "serve", "--port", str(free_port()), "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "need REDIS_URL" in done.stderr
    assert not (tmp_path / "serve.db").exists()  # it stopped before migrating
