"""The HTTP servers the tests play (a provider's API, an identity provider): an aiohttp
application on a port the kernel picks on this machine, started and stopped by the test."""

from __future__ import annotations

from typing import Self

from aiohttp import web


class LocalHttpServer:
    """Subclasses add their endpoints in `routes`; `base_url` is where they answer."""

    _runner: web.AppRunner | None = None
    _port: int = 0

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    async def start(self) -> Self:
        app = web.Application()
        self.routes(app)
        # A short shutdown: delayed handlers must not hold a test's teardown for a minute.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """The server goes away: its port answers nothing any more."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
