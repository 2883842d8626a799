"""Shipped templates: files under `templates/<language>/<name>.txt` with a TOML header.

    +++
    title = "Herinnering LAC-zitting"
    kind = "sms"                       # sms | email | letter
    subject = "..."                    # email and letter only (Jinja, like the body)
    [variables.first_name]
    example = "Sara"
    description = "Voornaam van de cliënt"
    +++
    Dag {{ first_name }}, ...

Optional header keys:
    checks = ["explains-lac"]          # extra linter rules (lint.py): a LAC invitation
    [variants]                         # weighted variants; the body reads {{ variant }}
    zonder-begrenzer = 1
    met-begrenzer = 1

A template's id is uuid5 of its name, so it is the same on every installation.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from messenger.wording import rendering

KINDS = ("sms", "email", "letter", "card")
# Kinds with a subject line: an email's subject, a letter's or card's heading.
WITH_SUBJECT = ("email", "letter", "card")
# Extra linter rules a template asks for, and the wording rules whose errors its author may
# accept knowingly with "accept:<rule>" (a team bringing Notify templates over, say). Rules that
# protect the client's privacy or keep a text working (discretion, render, one-page, sms-*)
# cannot be accepted.
ACCEPTABLE = ("contact-ways", "sentence-long", "officialese", "readability")
CHECKS = ("explains-lac", *(f"accept:{rule}" for rule in ACCEPTABLE))
LANGUAGES = ("nl", "fr", "en")
DEFAULT_LANGUAGE = "nl"
# Fixed namespace: changing it would change every template id clients already use.
TEMPLATE_NAMESPACE = uuid.UUID("6f0b3c5e-6c1a-5b7e-9d43-2f5e0a1c8b10")
_FENCE = "+++"


class TemplateFileError(ValueError):
    pass


@dataclass(frozen=True)
class TemplateSource:
    name: str
    language: str
    kind: str
    title: str
    body: str
    subject: str | None = None
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    # name -> weight; empty: one text for everyone.
    variants: dict[str, float] = field(default_factory=dict)
    checks: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return template_id(self.name)

    @property
    def examples(self) -> dict[str, Any]:
        return {name: spec.get("example") for name, spec in self.variables.items()}

    @property
    def content_hash(self) -> str:
        content = [
            self.kind,
            self.title,
            self.subject,
            self.body,
            self.variables,
            self.variants,
            list(self.checks),
        ]
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def template_id(name: str) -> str:
    return str(uuid.uuid5(TEMPLATE_NAMESPACE, name))


def shipped_templates_dir() -> Path:
    """The repository's templates/ in a checkout; the copy inside the wheel when installed."""
    package_dir = Path(__file__).resolve().parents[1]  # messenger/, two levels up from here
    for candidate in (package_dir.parent / "templates", package_dir / "shipped_templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("templates folder not found")


def parse_template(text: str, *, name: str, language: str) -> TemplateSource:
    lines = text.splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise TemplateFileError(f"{language}/{name}: must start with a '+++' header")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == _FENCE)
    except StopIteration as exc:
        raise TemplateFileError(f"{language}/{name}: header is not closed with '+++'") from exc
    try:
        header = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateFileError(f"{language}/{name}: header is not valid TOML: {exc}") from exc
    kind = header.get("kind")
    if kind not in KINDS:
        raise TemplateFileError(f"{language}/{name}: kind must be one of {', '.join(KINDS)}")
    try:
        return make_source(
            name=name,
            language=language,
            kind=kind,
            title=str(header.get("title", name)),
            subject=header.get("subject"),
            body="\n".join(lines[end + 1 :]).strip() + "\n",
            variables=header.get("variables", {}),
            variants=header.get("variants", {}),
            checks=header.get("checks", []),
        )
    except TemplateFileError as exc:
        raise TemplateFileError(f"{language}/{name}: {exc}") from exc


def make_source(
    *,
    name: str,
    language: str,
    kind: str,
    title: str,
    subject: str | None,
    body: str,
    variables: dict[str, Any],
    variants: dict[str, Any] | None = None,
    checks: list[str] | tuple[str, ...] = (),
    exact: bool = False,
) -> TemplateSource:
    """A checked template, from a file or from an organisation's API call. `exact`: the body
    is kept as written (line endings, blank lines at the ends), as Notify keeps it; a file's
    body is trimmed. Values asked for in Notify's syntax need no description: a team's
    Notify templates come over as they are."""
    if not body.strip():
        raise TemplateFileError("body is empty")
    implicit = rendering.notify_names(body, subject) - set(variables) - set(rendering.RESERVED)
    variables = {**{name: {"example": name} for name in sorted(implicit)}, **variables}
    if kind not in KINDS:
        raise TemplateFileError(f"kind must be one of {', '.join(KINDS)}")
    if language not in LANGUAGES:
        raise TemplateFileError(f"language must be one of {', '.join(LANGUAGES)}")
    if kind in WITH_SUBJECT and not subject:
        article = "an" if kind == "email" else "a"
        raise TemplateFileError(f"{article} {kind} template needs a subject")
    if kind not in WITH_SUBJECT and subject:
        raise TemplateFileError(f"an {kind} template has no subject")
    for var, spec in variables.items():
        if var in rendering.RESERVED:
            raise TemplateFileError(f"variable {var} is filled in by Messenger itself")
        if not isinstance(spec, dict) or "example" not in spec:
            raise TemplateFileError(f"variable {var} needs an example")
    weights = dict(variants or {})
    for variant, weight in weights.items():
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            raise TemplateFileError(f"variant {variant} needs a weight above 0")
    if len(weights) == 1:
        raise TemplateFileError("a template with variants needs at least two")
    unknown = sorted(set(checks) - set(CHECKS))
    if unknown:
        raise TemplateFileError(f"unknown check {unknown[0]}; known: {', '.join(CHECKS)}")
    for part in (subject, body):
        try:
            rendering.check_syntax(part or "", language=language)
        except rendering.RenderError as exc:
            raise TemplateFileError(str(exc)) from exc
    return TemplateSource(
        name=name,
        language=language,
        kind=kind,
        title=title,
        subject=subject,
        body=body if exact else body.strip() + "\n",
        variables=variables,
        variants={k: float(v) for k, v in weights.items()},
        checks=tuple(checks),
    )


def load_templates(folder: Path | None = None) -> list[TemplateSource]:
    root = folder or shipped_templates_dir()
    found: list[TemplateSource] = []
    for language_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if language_dir.name not in LANGUAGES:
            raise TemplateFileError(f"unknown language folder: {language_dir.name}")
        for path in sorted(language_dir.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            found.append(parse_template(text, name=path.stem, language=language_dir.name))
    kinds: dict[str, str] = {}
    for source in found:
        if kinds.setdefault(source.name, source.kind) != source.kind:
            raise TemplateFileError(f"{source.name}: the same template has different kinds")
    return found
