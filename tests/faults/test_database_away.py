"""Fault: PostgreSQL goes away under the API and comes back. While it is away the API answers
503 with Retry-After (not 500); afterwards it serves again by itself, without a restart.

The shared test database cannot be restarted under other tests, so the API reaches it through
a TCP proxy of the test's own, which is cut (every connection dropped, the port closed) and
opened again: to the API that is a database restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import make_url

from messenger.cli.runner import free_port, running_api, server_url
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.support import Tenant, sms_body


class Proxy:
    """127.0.0.1:port → the database; `cut()` drops everything, `open()` listens again."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.pipes):
            writer.close()
        await self.server.wait_closed()
        self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.pipes |= {writer, up_writer}
        await asyncio.gather(
            self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
        )

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        finally:
            self.pipes.discard(sink)
            with contextlib.suppress(Exception):
                sink.close()


@pytest.fixture
async def proxied(
    settings: Settings, sessions: Sessions, redis_server: str
) -> AsyncIterator[tuple[Proxy, str]]:
    url = make_url(settings.database)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a database server that can go away: PostgreSQL only")
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.open()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    api_settings = settings.model_copy(update={"database_url": through})
    try:
        async with running_api(api_settings, redis_server) as server:
            yield proxy, server_url(server)
    finally:
        if proxy.server is not None:
            await proxy.cut()


async def test_the_api_answers_503_while_the_database_is_away_and_recovers(
    proxied: tuple[Proxy, str], tenant: Tenant
) -> None:
    proxy, base_url = proxied
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:

        async def send() -> httpx.Response:
            return await http.post(
                "/v2/notifications/sms", json=sms_body(), headers=tenant.headers()
            )

        assert (await send()).status_code == 201
        await proxy.cut()
        away = await send()
        assert away.status_code == 503, away.text
        assert away.headers["Retry-After"] == "5"
        assert away.json()["errors"][0]["error"] == "ServiceUnavailable"

        await proxy.open()
        started = time.monotonic()
        while (back := await send()).status_code != 201:
            assert back.status_code == 503, back.text  # never a 500 on the way back
            assert time.monotonic() - started < 30, "the API did not recover by itself"
            await asyncio.sleep(0.2)
        print(f"database back: served again {time.monotonic() - started:.1f} s after")
