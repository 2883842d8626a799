"""Running the API and a worker in one process (one-machine mode, the demo and tests), or
the API alone in several processes (`messenger serve --workers N`).

This is the composition root: the one place in messenger/ that starts the worker door.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from uvicorn.supervisors import Multiprocess

from messenger.messages.outbound import ChannelSet
from messenger.platform.clock import Clock
from messenger.platform.settings import Settings
from messenger.server import create_app

STARTUP_TIMEOUT_SECONDS = 30
# What each of several API processes runs: uvicorn starts them fresh (spawn) and each one
# builds its app from the environment, so it needs the factory's import path, not an app.
APP_FACTORY = "messenger.server:create_app"
# When it stops, the API answers the requests it has for at most this long.
API_GRACE_SECONDS = 10


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def settle_heap() -> None:
    """Once started: what exists now (modules, templates, the app) lives as long as the
    process. Frozen, it is out of the collector's sight, so a full collection no longer walks
    it: such a pause took 150 ms in the middle of a page (bench/pages.py)."""
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def running_worker(
    settings: Settings,
    redis_url: str,
    *,
    channels: ChannelSet | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[None]:
    """A supervised worker in this process: it starts again by itself when Redis comes back."""
    from worker.supervisor import run_supervised  # the worker door imports messenger, not back

    extra: dict[str, object] = {"channels": channels} if channels else {}
    if clock is not None:
        extra["clock"] = clock
    stop = asyncio.Event()
    task = asyncio.create_task(run_supervised(settings, redis_url, stop, extra_ctx=extra))
    try:
        yield
    finally:
        stop.set()
        await task


class _Server(uvicorn.Server):
    """uvicorn without signal handlers of its own: the command that runs it says what a signal
    means (`messenger serve`: stop everything in order). Left to itself, uvicorn takes SIGTERM
    and SIGINT for the whole process, stops only the API and then raises the signal again; a
    SIGTERM raised again kills the process before the worker, the embedded Redis and their
    `finally` blocks have had their turn (exit 143, Valkey left running)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def running_api(
    settings: Settings,
    redis_url: str | None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Clock | None = None,
) -> AsyncIterator[uvicorn.Server]:
    port = port or free_port(host)
    config = uvicorn.Config(
        create_app(settings, redis_url=redis_url, clock=clock),
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=API_GRACE_SECONDS,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
            while not server.started:
                if task.done():
                    task.result()  # raises the startup error
                    raise RuntimeError("API server stopped during startup")
                await asyncio.sleep(0.05)
        yield server
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await _stopped(task)


async def _stopped(task: asyncio.Task[None]) -> None:
    """Wait for the API to stop, even when cancelled meanwhile (a second Ctrl-C or SIGTERM):
    it answers the requests it has, for at most API_GRACE_SECONDS, and then ends its lifespan.
    (uvicorn's force_exit would skip the lifespan's end.)"""
    while True:
        try:
            await asyncio.shield(task)
            return
        except asyncio.CancelledError:
            if task.done():
                raise


def server_url(server: uvicorn.Server) -> str:
    return f"http://{server.config.host}:{server.config.port}"


class _Supervisor(Multiprocess):
    """uvicorn's parent process, which notes whether it stopped because it was asked to."""

    asked_to_stop = False

    def handle_int(self) -> None:
        self.asked_to_stop = True
        super().handle_int()

    def handle_term(self) -> None:
        self.asked_to_stop = True
        super().handle_term()


def run_api_processes(*, host: str, port: int, workers: int) -> bool:
    """The API in `workers` processes sharing one listening socket; until SIGTERM or SIGINT.

    The parent binds the port and watches its children (uvicorn starts one again when it dies);
    each child builds the app with `create_app()`, so it reads its settings (REDIS_URL above
    all) from the environment. SIGTERM or SIGINT to the parent: each child takes no new
    connections, answers the requests it has (at most API_GRACE_SECONDS) and ends its
    lifespan; the parent waits for all of them. uvloop and httptools when installed
    (uvicorn's "auto").

    True when it stopped because it was asked to; False when it gave up by itself (a child
    could not start: bad settings, no database)."""
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=API_GRACE_SECONDS,
    )
    with config.bind_socket() as sock:
        supervisor = _Supervisor(config, sockets=[sock])
        supervisor.run()
    return supervisor.asked_to_stop
