"""Jinja's immutable sandbox, bounded in time and size.

The sandbox refuses Python internals, but not cost: `9 ** 9 ** 7`, `'a' * 10 ** 9`,
`'x'.ljust(10 ** 9)`, `'x'|center(10 ** 9)` and big loops all pass it, and Jinja folds
constant arithmetic while compiling. Anyone who may save a template (social workers too)
could freeze the API or fill its memory. So:

- `**`, `*` and `+` are intercepted (which also stops Jinja folding them at compile time):
  powers are bounded, repetition and concatenation may not make a value over MAX_VALUE;
- every call (string methods, `range`, filters that pad or repeat) with a number over
  MAX_ARGUMENT as an argument is refused;
- output is read piece by piece and stops at MAX_OUTPUT characters, and a watchdog stops a
  rendering after MAX_SECONDS, even a loop that prints nothing.
"""

from __future__ import annotations

import ctypes
import operator
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jinja2 import Template, filters
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_VALUE = 100_000  # characters or items one value may have
MAX_ARGUMENT = 1_000_000  # the largest number a call or a sizing filter may be given
MAX_OUTPUT = 200_000  # characters a rendering may produce
MAX_SECONDS = 2.0  # wall time a rendering may take
MAX_POWER_BITS = 256  # 2 ** 256 is plenty for a message
# Filters whose number arguments size their result.
_SIZED_FILTERS = ("center", "indent", "wordwrap", "truncate", "format", "batch", "slice")


class TemplateTooCostly(SecurityError):
    """The template would take too long, or make too much, to fill in."""


def _too_big(value: object) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and abs(value) > MAX_ARGUMENT  # type: ignore[arg-type]


def _sized(value: object) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _power(left: Any, right: Any) -> Any:
    if isinstance(left, int | float) and isinstance(right, int | float):
        bits = max(abs(int(left)), 1).bit_length() * max(abs(right), 1)
        if abs(right) > MAX_POWER_BITS or bits > MAX_POWER_BITS:
            raise TemplateTooCostly("a power that large is not allowed in a template")
    return operator.pow(left, right)


def _times(left: Any, right: Any) -> Any:
    count = right if isinstance(left, str | list | tuple) else left
    sequence = left if isinstance(left, str | list | tuple) else right
    repeated = isinstance(sequence, str | list | tuple) and isinstance(count, int)
    if repeated and _sized(sequence) * count > MAX_VALUE:
        raise TemplateTooCostly("repeating text that often is not allowed in a template")
    return operator.mul(left, right)


def _plus(left: Any, right: Any) -> Any:
    if _sized(left) + _sized(right) > MAX_VALUE:
        raise TemplateTooCostly("text that long is not allowed in a template")
    return operator.add(left, right)


def _guarded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        if any(_too_big(a) for a in (*args[1:], *kwargs.values())):
            raise TemplateTooCostly(f"the filter {name} with a number that large is not allowed")
        return function(*args, **kwargs)

    checked.__name__ = name
    return checked


class BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"**", "*", "+"})
    _BINOPS: Mapping[str, Callable[[Any, Any], Any]] = {"**": _power, "*": _times, "+": _plus}

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name in _SIZED_FILTERS:
            original = filters.FILTERS.get(name)
            if original is not None:
                # pass_environment/pass_eval_context markers must survive the wrapping.
                wrapped = _guarded(name, original)
                wrapped.jinja_pass_arg = getattr(original, "jinja_pass_arg", None)  # type: ignore[attr-defined]
                self.filters[name] = wrapped

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator in self._BINOPS:
            return self._BINOPS[operator](left, right)
        return super().call_binop(context, operator, left, right)

    def call(
        __self,
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if any(_too_big(a) for a in (*args, *kwargs.values())):
            raise TemplateTooCostly("a number that large is not allowed in a template")
        return super().call(__context, __obj, *args, **kwargs)


def render_bounded(template: Template, values: Mapping[str, Any]) -> str:
    """The template's text, stopped when it grows past MAX_OUTPUT or runs past MAX_SECONDS.

    Loops that print nothing cannot be timed from the output, so the process's watchdog
    raises _Deadline in the rendering thread at the deadline (CPython delivers it at the next
    bytecode: Jinja's compiled loops are Python). The rendering runs in the caller's thread
    (sends and previews call this off the event loop): a thread of its own per rendering
    cost more than the rendering itself, and far more on a busy machine."""
    timer = _Timer(threading.get_ident(), time.monotonic() + MAX_SECONDS)
    try:
        try:
            _WATCHDOG.arm(timer)
            text = _collect(template.generate(values))
        finally:
            late = _WATCHDOG.disarm(timer)
    except _Deadline:
        # Delivered during the rendering or on the way out of it. Disarmed again in case it
        # came before the disarming above ended; it is raised once only, so none is left.
        _WATCHDOG.disarm(timer)
        raise TemplateTooCostly(f"filling in the template took over {MAX_SECONDS:g} s") from None
    if late:  # it finished just as the deadline passed: the exception was withdrawn
        raise TemplateTooCostly(f"filling in the template took over {MAX_SECONDS:g} s")
    return text


def _collect(stream: Iterator[str]) -> str:
    pieces: list[str] = []
    size = 0
    for piece in stream:
        size += len(piece)
        if size > MAX_OUTPUT:
            raise TemplateTooCostly(f"the text would be longer than {MAX_OUTPUT} characters")
        pieces.append(piece)
    return "".join(pieces)


class _Timer:
    """One rendering: the thread it runs in, its deadline, and whether it was interrupted."""

    __slots__ = ("deadline", "fired", "thread_id")

    def __init__(self, thread_id: int, deadline: float) -> None:
        self.thread_id = thread_id
        self.deadline = deadline
        self.fired = False


class _Watchdog:
    """One thread for all renderings of the process. It raises _Deadline in a rendering's
    thread at most once, and only while the rendering is armed; disarming (under the same
    lock) withdraws one raised but not yet delivered. So once `disarm` has returned, nothing
    can reach the thread any more: it may go on to other work (an executor's thread)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # A rendering's thread takes the plain lock (`with` on it runs no Python code that an
        # exception could cut short, leaving it held); only the watchdog waits on the condition.
        self._mutex = threading.Lock()
        self._lock = threading.Condition(self._mutex)
        self._armed: dict[_Timer, float] = {}
        self._thread: threading.Thread | None = None
        self._wakes_at: float | None = None  # None: waits for a rendering to be armed

    def arm(self, timer: _Timer) -> None:
        with self._mutex:
            if self._thread is None or not self._thread.is_alive():  # first use, or a fork
                self._thread = threading.Thread(
                    target=self._watch, name="template-watchdog", daemon=True
                )
                self._thread.start()
            self._armed[timer] = timer.deadline
            # With one MAX_SECONDS a new deadline is later than every armed one: the watchdog
            # is woken only when it waits for nothing.
            if self._wakes_at is None or timer.deadline < self._wakes_at:
                self._wakes_at = timer.deadline
                self._lock.notify()

    def disarm(self, timer: _Timer) -> bool:
        """Whether the deadline passed first. Safe to call more than once, and from where the
        exception may arrive: it leaves nothing held."""
        with self._mutex:
            self._armed.pop(timer, None)
            if timer.fired:
                _interrupt(timer.thread_id, None)  # withdrawn if not delivered yet
            return timer.fired

    def _watch(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                for timer, deadline in list(self._armed.items()):
                    if deadline <= now:
                        del self._armed[timer]
                        timer.fired = True
                        _interrupt(timer.thread_id, _Deadline)
                self._wakes_at = min(self._armed.values()) if self._armed else None
                self._lock.wait(None if self._wakes_at is None else self._wakes_at - now)


def _interrupt(thread_id: int, exception: type[BaseException] | None) -> None:
    """Raise `exception` in the thread at its next bytecode; None withdraws a pending one."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), None if exception is None else ctypes.py_object(exception)
    )


class _Deadline(TemplateTooCostly):
    def __init__(self, *args: object) -> None:
        super().__init__(f"filling in the template took over {MAX_SECONDS:g} s")


_WATCHDOG = _Watchdog()
# A child process starts with no watchdog thread, and must not inherit a lock held at the fork.
os.register_at_fork(after_in_child=_WATCHDOG.reset)
