"""Letters laid out in processes of their own, side by side (a long print batch).

WeasyPrint holds the interpreter lock, so threads would not help. Each renderer is
`python -m channels.letter_renderers`: it imports WeasyPrint and this package only, not the
caller's program (multiprocessing's spawn would import the caller's main module again, the
whole CLI, in every process). It reads pickled chunks of letters on stdin and answers each
with its RenderedBatch on stdout; only the process that started it talks to it.

A chunk a renderer could not lay out (it failed, or the process is gone) is laid out in the
caller's own process: the same letters give the same PDF, or the same error as without
renderers.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from channels.base import OutgoingMessage
from channels.letter_pdf import RenderedBatch, WindowField, render_chunk

_LENGTH = 8
# From this many letters on, renderers pay for their start (about a second of a processor
# each, for WeasyPrint's import and fonts); a renderer lays out about 22 letters a second.
PARALLEL_FROM = 100
# At most this many renderers, whatever the machine: each holds WeasyPrint's memory.
MAX_RENDERERS = 4
# The folder holding the `channels` package, for a renderer started from anywhere.
_ROOT = str(Path(__file__).resolve().parent.parent)


def cpus() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def renderers_for(letters: int) -> Renderers | None:
    """Renderers for a run of this many letters, one a processor (the caller's own process
    is one of them); None when the caller alone does better (few letters, one processor)."""
    workers = min(cpus(), MAX_RENDERERS)
    if letters < PARALLEL_FROM or workers < 2:
        return None
    return Renderers(workers)


class Renderers:
    """`workers` renderers side by side: the caller's own thread, and up to `workers - 1`
    renderer processes, started on first use; `close` ends them."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Renderers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def render(
        self, chunks: Sequence[Sequence[OutgoingMessage]], window: WindowField
    ) -> list[RenderedBatch]:
        """Each chunk as its own RenderedBatch, in the order given."""
        self._start(min(self.workers, len(chunks)) - 1)
        found: list[RenderedBatch | None] = [None] * len(chunks)
        todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(len(chunks)):
            todo.put(index)

        def drive(process: subprocess.Popen[bytes]) -> None:
            assert process.stdin is not None and process.stdout is not None
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    _write(process.stdin, (list(chunks[index]), window))
                    found[index] = _read(process.stdout)
                except (OSError, EOFError, pickle.UnpicklingError):
                    process.kill()  # broken: the rest goes to the others, or to us
                    return

        threads = [threading.Thread(target=drive, args=(p,)) for p in self._processes]
        for thread in threads:
            thread.start()
        while True:  # the caller's share; its threads above only wait on pipes
            try:
                index = todo.get_nowait()
            except queue.Empty:
                break
            try:
                found[index] = render_chunk(chunks[index], window)
            except Exception:  # laid out once more below, where the error is raised
                found[index] = None
        for thread in threads:
            thread.join()
        self._processes = [p for p in self._processes if p.poll() is None]
        return [
            part if part is not None else render_chunk(chunk, window)
            for part, chunk in zip(found, chunks, strict=True)
        ]

    def _start(self, wanted: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p
        )}  # fmt: skip
        while len(self._processes) < wanted:
            self._processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "channels.letter_renderers"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=env,
                )
            )

    def close(self) -> None:
        for process in self._processes:
            assert process.stdin is not None
            try:
                process.stdin.close()  # end of input: the renderer stops
                process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self._processes = []


def _write(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_LENGTH, "big") + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    head = stream.read(_LENGTH)
    if len(head) < _LENGTH:
        raise EOFError
    size = int.from_bytes(head, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    # Our own renderer or our own caller, over a pipe nobody else holds.
    return pickle.loads(data)  # noqa: S301


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The renderer: a chunk in, its RenderedBatch out (None when it failed), until EOF."""
    while True:
        try:
            chunk, window = _read(requests)
        except EOFError:
            return
        try:
            answer: RenderedBatch | None = render_chunk(chunk, window)
        except Exception:  # the caller lays it out again, and sees the error itself
            answer = None
        _write(answers, answer)


if __name__ == "__main__":
    # Answers go on a private copy of stdout; anything a library prints goes to stderr.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, answers)
