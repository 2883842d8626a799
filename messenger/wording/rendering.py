"""Rendering templates in a sandbox: no Python internals, no silent gaps, bounded cost
(bounded_sandbox.py).

Templates are Jinja, and may use GOV.UK Notify's syntax too, so a team can bring its Notify
templates over: `((name))` is a value, `((name??text))` shows the text only when the value
is there (yes, true, a non-empty text). Notify's names ignore case and spaces
(`((First name))` is `first_name`). Line endings stay as written: a template typed with CRLF
comes out with CRLF."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError, meta
from jinja2.exceptions import SecurityError

from messenger.platform import dates
from messenger.wording.bounded_sandbox import BoundedSandbox, TemplateTooCostly, render_bounded


class RenderError(ValueError):
    """The template or its values are wrong; the message names what."""


class MissingPersonalisation(RenderError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"Missing personalisation: {', '.join(missing)}")
        self.missing = missing


@dataclass(frozen=True)
class Rendered:
    body: str
    subject: str | None


def _filters(language: str) -> dict[str, Any]:
    def when(value: Any) -> str:
        return dates.format_datetime(value, language)

    def day(value: Any) -> str:
        return dates.format_date(value, language)

    def hour(value: Any) -> str:
        return dates.format_time(value, language)

    return {"datetime": when, "date": day, "time": hour}


@cache
def environment(language: str, newline: str = "\n") -> BoundedSandbox:
    env = BoundedSandbox(
        undefined=StrictUndefined,
        autoescape=False,  # bodies are text; HTML is made later, escaping everything
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        newline_sequence=newline,  # type: ignore[arg-type]
    )
    env.filters.update(_filters(language))
    return env


# ((name)) or ((name??text)); a name is letters, digits, spaces, dashes and underscores.
_NOTIFY = re.compile(r"\(\(\s*([A-Za-z][\w -]{0,99}?)\s*(?:\?\?(.*?))?\)\)", re.DOTALL)


def notify_name(name: str) -> str:
    """A Notify placeholder name as a variable: case and spaces ignored."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def notify_names(*sources: str | None) -> set[str]:
    """The values a template asks for in Notify's syntax."""
    return {notify_name(m.group(1)) for s in sources if s for m in _NOTIFY.finditer(s)}


def _as_jinja(source: str) -> str:
    def one(match: re.Match[str]) -> str:
        name, text = notify_name(match.group(1)), match.group(2)
        if text is None:
            return "{{ " + name + " }}"
        return "{% if " + name + " %}" + text + "{% endif %}"

    return _NOTIFY.sub(one, source)


def _newline(source: str | None) -> str:
    return "\r\n" if source and "\r\n" in source else "\n"


def check_syntax(source: str, *, language: str = "nl") -> None:
    """Compile without rendering: a broken template is refused when it is loaded or saved."""
    try:
        environment(language).from_string(_as_jinja(source))
    except TemplateError as exc:
        raise RenderError(f"line {getattr(exc, 'lineno', '?')}: {exc}") from exc


def variables_of(*sources: str | None, language: str = "nl") -> set[str]:
    found: set[str] = set()
    for source in sources:
        if source:
            found |= compiled(source, language, _newline(source)).variables
    return found


@dataclass(frozen=True)
class Compiled:
    """One text, ready to fill in: the values it asks for and its compiled template, or why
    it does not compile."""

    variables: frozenset[str]
    template: Template | None
    error: str | None = None


# Each text is parsed and compiled once per process, not at every message: compiling costs
# milliseconds (more for a long email), filling in a compiled one a hundredth of that. Keyed
# by the text itself: a saved template version never changes, and a changed text is another
# key, so no entry is ever stale. Bounded by count (the shipped templates are some 140 texts;
# previews of texts being edited come and go); a template's own size is bounded when saved.
CACHED_TEXTS = 512


@lru_cache(maxsize=CACHED_TEXTS)
def compiled(source: str, language: str, newline: str) -> Compiled:
    """The text parsed once for both its variables and its code; a TemplateError when it
    does not parse (or names a filter that does not exist)."""
    env = environment(language, newline)
    tree = env.parse(_as_jinja(source))
    variables = frozenset(meta.find_undeclared_variables(tree))
    try:
        return Compiled(variables, env.from_string(tree))
    except TemplateError as exc:  # refused when it is filled in, as compiling it then would
        return Compiled(variables, None, str(exc))


# Filled in by Messenger: the partner block from recorded consent, the chosen variant.
RESERVED = ("partner", "variant")


def render(
    body: str,
    subject: str | None,
    values: Mapping[str, Any],
    *,
    language: str,
    partner: Mapping[str, Any] | None = None,
    variant: str | None = None,
) -> Rendered:
    """Fill in a template. `partner` comes from consent at send time, never from `values`:
    a caller cannot put a partner's details in a message any other way."""
    taken = sorted(set(values) & set(RESERVED))
    if taken:
        raise RenderError(f"{taken[0]} is filled in by Messenger itself and cannot be given")
    # Notify's names ignore case and spaces: {"First name": …} fills ((first name)).
    aliases = {notify_name(k): v for k, v in values.items() if isinstance(k, str)}
    values = {**aliases, **values}
    values = {**values, "partner": dict(partner) if partner else None, "variant": variant}
    newline = _newline(body)
    try:
        texts = [compiled(body, language, newline)]
        texts += [compiled(subject, language, newline)] if subject else []
    except TemplateError as exc:
        raise RenderError(f"Template is not valid: {exc}") from exc
    missing = sorted(frozenset().union(*(text.variables for text in texts)) - set(values))
    if missing:
        raise MissingPersonalisation(missing)
    try:
        text, *title = [_fill(compiled_text, values).strip() for compiled_text in texts]
    except UndefinedError as exc:
        raise RenderError(f"Missing personalisation: {exc.message}") from exc
    except TemplateTooCostly as exc:
        raise RenderError(f"Template is too costly to fill in: {exc}") from exc
    except SecurityError as exc:
        raise RenderError("Template uses something that is not allowed") from exc
    except (TemplateError, ValueError, TypeError, ArithmeticError) as exc:
        raise RenderError(f"Template could not be filled in: {exc}") from exc
    return Rendered(body=_tidy(text, newline), subject=title[0] if title else None)


def _fill(text: Compiled, values: Mapping[str, Any]) -> str:
    if text.template is None:
        raise TemplateError(text.error)  # as compiling it here would: "could not be filled in"
    return render_bounded(text.template, values)


def _tidy(text: str, newline: str = "\n") -> str:
    """No trailing spaces, at most one blank line in a row (a skipped block leaves gaps)."""
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return newline.join(tidy).strip()
