"""Stopping the real `messenger serve` as systemd, `docker stop` and a terminal do.

SIGTERM and Ctrl-C stop it in order and exit 0: the embedded Redis (a valkey-server child)
stops with it and `var/redis.url` goes. Even a SIGKILL leaves no Valkey behind (Linux's
parent-death signal). Every wait polls against a deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from messenger.cli.runner import free_port
from tests.processes import children, closed, dead, stat

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; the death signal is Linux's"
)

MESSENGER = [sys.executable, "-c", "from messenger.cli.app import main; main()"]
STARTUP_SECONDS = 60.0
STOP_SECONDS = 30.0


def _until(condition: Callable[[], bool], seconds: float, what: str) -> float:
    """Poll `condition` until it holds; the seconds it took. Fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"still waiting after {seconds} s: {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def _environment(var_dir: Path) -> dict[str, str]:
    """Settings as an operator would give them: SQLite and everything else under var_dir, no
    REDIS_URL (so serve runs its own Valkey and a worker)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "DATABASE_URL"} and not k.startswith("MESSENGER_")
    }
    return env | {"MESSENGER_VAR_DIR": str(var_dir)}


@dataclass
class Serve:
    process: subprocess.Popen[bytes]
    var_dir: Path
    log: Path
    valkey_pid: int
    redis_port: int

    @property
    def url_file(self) -> Path:
        return self.var_dir / "redis.url"

    def stop(self, signal_number: int, *, group: bool = False, times: int = 1) -> tuple[int, float]:
        """The signal to serve (or, as a terminal's Ctrl-C, to its whole process group);
        its exit code and how long it took to exit."""
        started = time.monotonic()
        for _ in range(times):
            if group:
                os.killpg(self.process.pid, signal_number)
            else:
                self.process.send_signal(signal_number)
        code = self.process.wait(timeout=STOP_SECONDS)
        return code, time.monotonic() - started

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    var_dir, log = tmp_path / "var", tmp_path / "serve.log"
    port = free_port()
    process = subprocess.Popen(
        [*MESSENGER, "serve", "--port", str(port)],
        env=_environment(var_dir),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: a Ctrl-C to it reaches no test
    )
    valkeys: list[int] = []
    try:

        def answers() -> bool:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                return httpx.get(f"http://127.0.0.1:{port}/_status", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _until(answers, STARTUP_SECONDS, "serve to answer /_status")
        valkeys = [pid for pid, name in children(process.pid) if name == "valkey-server"]
        assert len(valkeys) == 1, children(process.pid)
        redis_url = (var_dir / "redis.url").read_text().strip()
        redis_port = urlsplit(redis_url).port
        assert redis_port and not closed(redis_port)
        yield Serve(process, var_dir, log, valkeys[0], redis_port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
        for pid in valkeys:  # never leave one behind, whatever the test found
            if not dead(pid):
                os.kill(pid, signal.SIGKILL)


def _assert_stopped_cleanly(serve: Serve, code: int, seconds: float) -> None:
    output = serve.output()
    assert code == 0, output
    assert seconds < 15, f"took {seconds:.1f} s to stop"
    assert "Traceback" not in output, output
    assert output.rstrip().endswith("stopped"), output
    # serve waited for its Valkey: gone at once, not re-parented to PID 1.
    assert stat(serve.valkey_pid) is None
    assert closed(serve.redis_port)
    assert not serve.url_file.exists()


def test_sigterm_stops_serve_and_its_valkey(serve: Serve) -> None:
    code, seconds = serve.stop(signal.SIGTERM)
    _assert_stopped_cleanly(serve, code, seconds)


def test_sigint_stops_serve_and_its_valkey(serve: Serve) -> None:
    code, seconds = serve.stop(signal.SIGINT)
    _assert_stopped_cleanly(serve, code, seconds)


def test_ctrl_c_in_a_terminal_stops_serve_and_its_valkey(serve: Serve) -> None:
    """A terminal sends SIGINT to the whole foreground process group. Valkey runs in a
    session of its own, so it is Messenger that stops it, after the worker."""
    assert os.getsid(serve.valkey_pid) != os.getsid(serve.process.pid)
    code, seconds = serve.stop(signal.SIGINT, group=True)
    _assert_stopped_cleanly(serve, code, seconds)


def test_a_second_sigterm_while_stopping_still_stops_cleanly(serve: Serve) -> None:
    """An impatient operator: the second signal hurries the worker, not the clean-up."""
    code, seconds = serve.stop(signal.SIGTERM, times=2)
    _assert_stopped_cleanly(serve, code, seconds)


def test_sigkill_leaves_no_valkey_behind(serve: Serve) -> None:
    """No clean-up runs after a SIGKILL (nor after the OOM killer): the kernel's parent-death
    signal stops Valkey. The stale redis.url stays; a worker checks that it answers."""
    code, _ = serve.stop(signal.SIGKILL)
    assert code == -signal.SIGKILL
    _until(lambda: dead(serve.valkey_pid), 10, "Valkey to die with its parent")
    _until(lambda: closed(serve.redis_port), 10, "Valkey's port to close")
    assert serve.url_file.exists()


def test_sigterm_stops_smtp_inbound(tmp_path: Path) -> None:
    """The other long-lived command that shares serve's way of stopping."""
    port, log = free_port(), tmp_path / "smtp.log"
    process = subprocess.Popen(
        [*MESSENGER, "smtp-inbound", "--port", str(port)],
        env=_environment(tmp_path / "var"),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def listening() -> bool:
            assert process.poll() is None, log.read_text(errors="replace")
            return not closed(port)

        _until(listening, STARTUP_SECONDS, "smtp-inbound to listen")
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=STOP_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert "Traceback" not in output, output
    assert output.rstrip().endswith("stopped"), output
    assert closed(port)
