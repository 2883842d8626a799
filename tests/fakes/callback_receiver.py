"""An organisation's own system receiving Messenger's callbacks, as a local HTTP server that
fails now and then, on a script:

    async with CallbackReceiver() as receiver:
        receiver.answer_next(500, 429, TIMEOUT)   # then 200s
        receiver.always = 503                      # or: every request fails
        receiver.flaky = (random.Random(7), 0.3)   # or: 30 % fail with 500 or 429, at random
        ...
        receiver.calls        # every request, in the order it came: token, path, body, answer

It answers what it was told after reading the whole request; TIMEOUT holds the answer
longer than Messenger waits.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_http import LocalHttpServer

TIMEOUT = "timeout"
REDIRECT = "redirect"


@dataclass(frozen=True)
class Call:
    path: str
    authorization: str | None
    body: dict[str, Any]
    answer: int | str

    @property
    def token(self) -> str | None:
        scheme, _, token = (self.authorization or "").partition(" ")
        return token if scheme == "Bearer" else None

    @property
    def ok(self) -> bool:
        return isinstance(self.answer, int) and 200 <= self.answer < 300


@dataclass
class CallbackReceiver(LocalHttpServer):
    calls: list[Call] = field(default_factory=list)
    # Every request gets this when set (a receiver that keeps failing).
    always: int | None = None
    # How long a TIMEOUT step holds its answer.
    hang_seconds: float = 3.0
    # Seconds a 429 asks to wait (Retry-After), when set.
    retry_after: int | None = None
    # How long every request takes (a slow receiver).
    delay: float = 0.0
    # (a seeded random source, the share of requests that fail with 500 or 429).
    flaky: tuple[random.Random, float] | None = None
    _script: deque[int | str] = field(default_factory=deque)

    def answer_next(self, *answers: int | str) -> None:
        """The next requests get these answers, in order; after them, 200."""
        self._script.extend(answers)

    def url(self, path: str = "/notify") -> str:
        return f"{self.base_url}{path}"

    def received(self, path: str | None = None) -> list[Call]:
        """The calls answered 2xx (at `path`), in order."""
        return [c for c in self.calls if c.ok and (path is None or c.path == path)]

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{tail:.*}", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        answer: int | str = self.always or (self._script.popleft() if self._script else 200)
        if answer == 200 and self.flaky:
            chance, share = self.flaky
            answer = chance.choice((500, 429)) if chance.random() < share else 200
        self.calls.append(Call(request.path, request.headers.get("Authorization"), body, answer))
        if self.delay:
            await asyncio.sleep(self.delay)
        if answer == TIMEOUT:
            await asyncio.sleep(self.hang_seconds)
            return web.json_response({"late": True})
        if answer == REDIRECT:
            return web.Response(status=302, headers={"Location": f"{self.base_url}/elsewhere"})
        assert isinstance(answer, int)
        headers = (
            {"Retry-After": str(self.retry_after)} if answer == 429 and self.retry_after else {}
        )
        # A long answer: Messenger reads only its first kilobyte.
        return web.Response(status=answer, text="x" * 100_000, headers=headers)
