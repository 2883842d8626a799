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
import threading
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

    Loops that print nothing cannot be timed from the output, so the rendering runs in a
    thread of its own, and a watchdog raises TemplateTooCostly inside it at the deadline
    (CPython delivers it at the next bytecode: Jinja's compiled loops are Python)."""
    outcome: list[Any] = []

    def work() -> None:
        try:
            outcome.append(_collect(template.generate(values)))
        except BaseException as exc:  # handed over to the caller's thread below
            outcome.append(exc)

    worker = threading.Thread(target=work, name="template-render", daemon=True)
    worker.start()
    worker.join(MAX_SECONDS)
    if worker.is_alive() and worker.ident is not None:
        _interrupt(worker.ident)
        worker.join(MAX_SECONDS)
        if not outcome:
            raise TemplateTooCostly(f"filling in the template took over {MAX_SECONDS:g} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    text: str = result
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


def _interrupt(thread_id: int) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(_Deadline)
    )


class _Deadline(TemplateTooCostly):
    def __init__(self, *args: object) -> None:
        super().__init__(f"filling in the template took over {MAX_SECONDS:g} s")
