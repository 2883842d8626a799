"""An HTTP/1.1 load generator, cheap enough to drive 1,000+ requests a second from Python.

    .venv/bin/python -m bench.load < spec.json     # prints the result as JSON (bench/api.py)

asyncio Protocols on N keep-alive connections, no HTTP library: a request is bytes made
ahead (its bearer token signed again once a second, since Notify refuses a token whose `iat`
is more than 30 s off), and a response is read only as far as its status line and
Content-Length. `run_in_process` runs it in a process of its own, so it does not share the
measured server's interpreter lock.

Two modes:
- closed loop (`rate` None): every connection sends its next request as soon as the last
  one is answered, for `seconds` after `warmup`; the figure is the throughput;
- open loop (`rate` given): requests are due at fixed intervals whatever the server does;
  a due request waits for a free connection, and its latency counts from when it was due
  (so a slow server cannot hide its queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field

import jwt

CONNECT_SECONDS = 10.0
# After the window, answers still in flight get this long before the connections close.
DRAIN_SECONDS = 5.0


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str
    body: str  # JSON
    api_key: str | None = None  # Notify's `{name}-{iss}-{secret}`: signs each second's token
    expect: int = 201  # only these answers count


@dataclass
class Result:
    count: int  # expected answers of the window (closed loop: came in it; open: due in it)
    errors: int  # connections lost or answers that could not be read
    statuses: dict[str, int]
    seconds: float
    rate: float  # expected answers a second that came within the window (the throughput)
    p50_ms: float
    p99_ms: float
    max_ms: float
    connections: int
    offered: float | None = None  # open loop: requests a second asked for
    backlog: int = 0  # open loop: requests due in the window and never sent
    unanswered: int = 0  # of the window, no answer after the drain; in p50/p99 as a lower bound
    cpu_seconds: float = 0.0  # the generator's own CPU over the whole run
    samples: int = 0
    answers: int = 0  # every answer of the run, warm-up and drain included

    def summary(self) -> str:
        statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(self.statuses.items()))
        text = f"{self.rate:,.0f}/s, p50 {self.p50_ms:.0f} ms, p99 {self.p99_ms:.0f} ms"
        if self.offered is not None:
            text += f" at {self.offered:.0f}/s offered"
        if self.unanswered:
            text += (
                f", {self.unanswered:,} never answered ({self.backlog:,} never sent), "
                "in the percentiles as their wait so far"
            )
        if self.errors:
            text += f", {self.errors:,} errors"
        return f"{text} ({statuses or 'no answers'})"


class NotifyRequests:
    """The request's bytes; made again once a second with a fresh JWT (HS256, iss and iat)."""

    def __init__(self, target: Target) -> None:
        body = target.body.encode()
        self._head = (
            f"POST {target.path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        ).encode()
        self._body = body
        self._key = target.api_key
        self._second = -1
        self._bytes = b""

    def __call__(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            auth = b""
            if self._key:
                claims = {"iss": self._key[-73:-37], "iat": second}
                token = jwt.encode(claims, self._key[-36:], algorithm="HS256")
                auth = f"Authorization: Bearer {token}\r\n".encode()
            self._bytes = self._head + auth + b"\r\n" + self._body
            self._second = second
        return self._bytes


@dataclass
class _Tally:
    """What happened within the window: by when an answer came (closed loop) or when its
    request was due (open loop)."""

    window: tuple[float, float] = (float("inf"), float("inf"))
    expect: int = 201
    by_due: bool = False
    count: int = 0
    errors: int = 0
    answers: int = 0  # every answer, warm-up and drain too (for CPU per request)
    done: int = 0  # expected answers that came within the window, whenever their request was due
    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    def answered(self, status: int, started: float, now: float) -> None:
        self.answers += 1
        if status == self.expect and self.window[0] <= now <= self.window[1]:
            self.done += 1
        if self.window[0] <= (started if self.by_due else now) <= self.window[1]:
            self.statuses[str(status)] += 1
            if status == self.expect:
                self.count += 1
                self.latencies.append(now - started)

    def failed(self, started: float, now: float) -> None:
        if self.window[0] <= (started if self.by_due else now) <= self.window[1]:
            self.errors += 1


class _Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.started = 0.0  # when the request in flight was sent (or due); 0: none
        self.status = 0
        self.need = -1  # bytes of the whole answer, once its head is read

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send(self, started: float) -> None:
        assert self.transport is not None
        self.started = started
        self.transport.write(self.run.factory())

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while True:
            if self.need < 0:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(buffer[:end]).lower()
                at = head.find(b"\r\ncontent-length:")
                if at < 0 or not head.startswith(b"http/1.1 "):
                    self._broken()
                    return
                stop = head.find(b"\r\n", at + 2)
                self.status = int(head[9:12])
                self.need = end + 4 + int(head[at + 17 : stop if stop > 0 else None])
            if len(buffer) < self.need:
                return
            del buffer[: self.need]
            self.need = -1
            started, self.started = self.started, 0.0
            self.run.answered(self, self.status, started)
            if not buffer:
                return

    def _broken(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.run.lost(self)


class _Run:
    def __init__(self, target: Target, connections: int, rate: float | None) -> None:
        self.target = target
        self.factory = NotifyRequests(target)
        self.size = connections
        self.rate = rate
        self.loop = asyncio.get_running_loop()
        self.tally = _Tally(expect=target.expect, by_due=rate is not None)
        self.stopping = False
        self.quiet = asyncio.Event()
        self.open: set[_Connection] = set()
        self.idle: list[_Connection] = []
        self.due: deque[float] = deque()  # open loop: times of requests not yet sent
        self.reconnects: set[asyncio.Task[None]] = set()

    async def connect(self) -> None:
        _, protocol = await self.loop.create_connection(
            lambda: _Connection(self), self.target.host, self.target.port
        )
        self.open.add(protocol)
        self.ready(protocol)

    def ready(self, connection: _Connection) -> None:
        """A connection without a request: give it the next one, or let it wait."""
        if self.stopping:
            return
        if self.rate is None:
            connection.send(self.loop.time())
        elif self.due:
            connection.send(self.due.popleft())
        else:
            self.idle.append(connection)

    def answered(self, connection: _Connection, status: int, started: float) -> None:
        self.tally.answered(status, started, self.loop.time())
        if self.stopping:
            self.check_quiet()
        else:
            self.ready(connection)

    def check_quiet(self) -> None:
        """Stopping: set `quiet` once no connection waits for an answer."""
        if not any(c.started for c in self.open):
            self.quiet.set()

    def lost(self, connection: _Connection) -> None:
        self.open.discard(connection)
        if connection in self.idle:
            self.idle.remove(connection)
        if connection.started:
            self.tally.failed(connection.started, self.loop.time())
        if self.stopping:
            self.check_quiet()
        else:  # the server closed it: open another one
            task = self.loop.create_task(self._reconnect())
            self.reconnects.add(task)
            task.add_done_callback(self.reconnects.discard)

    async def _reconnect(self) -> None:
        while not self.stopping:
            try:
                async with asyncio.timeout(CONNECT_SECONDS):
                    await self.connect()
                return
            except (OSError, TimeoutError):
                self.tally.failed(self.loop.time(), self.loop.time())
                await asyncio.sleep(0.1)

    async def schedule(self, until: float) -> None:
        """Open loop: requests fall due every 1/rate seconds; free connections take them."""
        assert self.rate
        interval = 1 / self.rate
        due = self.loop.time()
        while due < until:
            now = self.loop.time()
            while due <= now:
                self.due.append(due)
                due += interval
            while self.due and self.idle:
                self.idle.pop().send(self.due.popleft())
            await asyncio.sleep(max(0.0, due - self.loop.time()))

    async def go(self, seconds: float, warmup: float) -> Result:
        async with asyncio.timeout(CONNECT_SECONDS):
            await asyncio.gather(*(self.connect() for _ in range(self.size)))
        start = self.loop.time() + warmup
        end = start + seconds
        self.tally.window = (start, end)
        if self.rate is None:
            await asyncio.sleep(end - self.loop.time())
        else:
            await self.schedule(end)
        self.stopping = True
        self.check_quiet()
        with contextlib.suppress(TimeoutError):  # a short run waits less (the smoke test)
            await asyncio.wait_for(self.quiet.wait(), min(DRAIN_SECONDS, warmup + seconds))
        # A request of the window without an answer by now waited at least this long; left
        # out, it would flatter a server that fell behind (open loop: also those never sent).
        now = self.loop.time()
        never_sent = [now - due for due in self.due if due >= start]
        censored = never_sent + [now - c.started for c in self.open if c.started >= start]
        for task in list(self.reconnects):
            task.cancel()
        for connection in list(self.open):
            if connection.transport is not None:
                connection.transport.close()
        return self.result(seconds, len(never_sent), censored)

    def result(self, seconds: float, backlog: int, censored: list[float]) -> Result:
        tally = self.tally
        latencies = sorted(tally.latencies + censored)

        def quantile(q: float) -> float:
            if not latencies:
                return 0.0
            return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

        return Result(
            count=tally.count,
            errors=tally.errors,
            statuses=dict(tally.statuses),
            seconds=seconds,
            rate=tally.done / seconds,
            p50_ms=quantile(0.50),
            p99_ms=quantile(0.99),
            max_ms=latencies[-1] * 1000 if latencies else 0.0,
            connections=self.size,
            offered=self.rate,
            backlog=backlog,
            unanswered=len(censored),
            samples=len(latencies),
            answers=tally.answers,
        )


async def run(
    target: Target, connections: int, seconds: float, warmup: float, rate: float | None = None
) -> Result:
    """In this process; see run_in_process."""
    cpu = time.process_time()
    result = await _Run(target, connections, rate).go(seconds, warmup)
    result.cpu_seconds = time.process_time() - cpu
    return result


def run_in_process(
    target: Target,
    connections: int,
    seconds: float,
    warmup: float = 1.0,
    rate: float | None = None,
) -> Result:
    """The load from a process of its own (`python -m bench.load`); killed if it overruns."""
    spec = {
        "target": asdict(target),
        "connections": connections,
        "seconds": seconds,
        "warmup": warmup,
        "rate": rate,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.load"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        deadline = warmup + seconds + CONNECT_SECONDS + DRAIN_SECONDS + 30
        out, err = process.communicate(json.dumps(spec), timeout=deadline)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    if process.returncode:
        raise RuntimeError(f"load generator failed: {err[-2000:]}")
    return Result(**json.loads(out))


def main() -> None:
    spec = json.load(sys.stdin)
    target = Target(**spec["target"])
    result = asyncio.run(
        run(target, spec["connections"], spec["seconds"], spec["warmup"], spec["rate"])
    )
    json.dump(asdict(result), sys.stdout)


if __name__ == "__main__":
    main()
