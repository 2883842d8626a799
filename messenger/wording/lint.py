"""The template linter: is this message short, clear, discreet and kind enough to send?

One function, `lint`, renders a template (every variant, with and without the partner block)
with its own example values AND with long, real values (long_values.py: "Marie-Christine
Vandenbroucke-Van Den Abeele", a full address, a partner's real opening hours), and checks
both. Findings with the long values say so ("Met lange waarden: …"). Errors stop an
organisation from saving a template; warnings are shown. Messages are in Dutch: template
authors read them.

The rules, one function each, are in lint_rules.py (their ids and limits are listed there).

A template may accept the errors of some wording rules knowingly (`accept:<rule>` in its
checks; template_files.ACCEPTABLE): they are then warnings that say so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from messenger.wording import long_values, rendering
from messenger.wording.lint_rules import (
    MAX_SMS_SEGMENTS,
    PREVIEW_CHARS,
    READABILITY,
    Finding,
    Rendering,
    discretion,
    kind_rules,
    officialese,
    preview,
    readability_findings,
    sentences,
    sms_findings,
    sms_words,
)
from messenger.wording.readability import readability
from messenger.wording.sms_encoding import SmsInfo, sms_info, transliterate
from messenger.wording.template_files import TemplateSource

__all__ = [
    "ACCENTED",
    "EXAMPLE_PARTNER",
    "LONG",
    "MAX_SMS_SEGMENTS",
    "PREVIEW_CHARS",
    "READABILITY",
    "Finding",
    "LintReport",
    "Rendering",
    "ValueSetReport",
    "lint",
    "preview",
]

EXAMPLE_PARTNER = {
    "name": "Buurtwerk De Brug",
    "phone": "09 234 56 78",
    "address": "Brugstraat 5, 9000 Gent",
    "opening_hours": "maandag tot vrijdag van 9 tot 12 uur",
}
LONG = "lange waarden"
ACCENTED = "accenten"
_PREFIX = {LONG: "Met lange waarden: ", ACCENTED: "Met een naam met accenten (Anaïs): "}
# The rules whose outcome other values can change; the rest say the same as with the examples.
_VALUE_RULES = {
    LONG: {"render", "sentence-long", "discretion", "contact-ways", "one-page"}
    | {"sms-segments", "sms-words", "sms-long-word"},
    # The client's name, not the text: only too many parts counts.
    ACCENTED: {"render", "sms-segments"},
}


@dataclass(frozen=True)
class ValueSetReport:
    """The template filled with another set of values than its examples (long_values.py)."""

    label: str
    renderings: tuple[Rendering, ...]
    flesch_douma: float | None = None
    sms: SmsInfo | None = None
    transliterated_sms: SmsInfo | None = None
    pages: int | None = None


@dataclass(frozen=True)
class LintReport:
    name: str
    language: str
    kind: str
    # With the template's own examples.
    renderings: tuple[Rendering, ...]
    findings: tuple[Finding, ...]
    flesch_douma: float | None = None
    sms: SmsInfo | None = None
    transliterated_sms: SmsInfo | None = None
    pages: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # With the long values, and for an SMS with an accented name.
    value_sets: tuple[ValueSetReport, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def ok(self) -> bool:
        return not self.errors

    def with_values(self, label: str) -> ValueSetReport | None:
        return next((v for v in self.value_sets if v.label == label), None)


@dataclass(frozen=True)
class _Checked:
    findings: list[Finding]
    renderings: list[Rendering]
    score: float | None = None
    sms: SmsInfo | None = None
    transliterated: SmsInfo | None = None
    pages: int | None = None


def lint(
    source: TemplateSource,
    *,
    transliterate_sms: bool = False,
    count_pages: Callable[[str, str | None, str], int] | None = None,
) -> LintReport:
    """Check one template in one language. `count_pages(kind, subject, body)` renders a
    letter or card and counts its pages; without it the one-page rule is skipped."""
    findings = _variables(source)
    examples = _check(source, source.examples, EXAMPLE_PARTNER, transliterate_sms, count_pages)
    findings += examples.findings
    if not examples.renderings:
        return LintReport(source.name, source.language, source.kind, (), tuple(findings))
    if source.language == "nl" and examples.score is not None:
        findings += readability_findings(source.kind, examples.score)
    value_sets = []
    sets = [(LONG, long_values.for_template(source))]
    if source.kind == "sms":
        sets.append((ACCENTED, long_values.for_template(source, accented=True)))
    partner = long_values.partner(source.language)
    for label, values in sets:
        checked = _check(source, values, partner, transliterate_sms, count_pages)
        kept = [f for f in checked.findings if f.rule in _VALUE_RULES[label]]
        if label == ACCENTED:
            kept = [f for f in kept if f.severity == "error"]
        findings += _marked(label, kept, findings)
        value_sets.append(
            ValueSetReport(
                label,
                tuple(checked.renderings),
                checked.score,
                checked.sms,
                checked.transliterated,
                checked.pages,
            )
        )
    return LintReport(
        name=source.name,
        language=source.language,
        kind=source.kind,
        renderings=tuple(examples.renderings),
        findings=tuple(_accepted(_unique(findings), source.checks)),
        flesch_douma=examples.score,
        sms=examples.sms,
        transliterated_sms=examples.transliterated,
        pages=examples.pages,
        value_sets=tuple(value_sets),
    )


def _check(
    source: TemplateSource,
    values: dict[str, Any],
    partner: dict[str, str],
    transliterate_sms: bool,
    count_pages: Callable[[str, str | None, str], int] | None,
) -> _Checked:
    """Every rule that depends on the values, over every rendering with these values."""
    findings: list[Finding] = []
    renderings = _renderings(source, values, partner, findings)
    if not renderings:
        return _Checked(findings, renderings)
    for rendered in renderings:
        findings += sentences(source.kind, rendered)
        if source.language == "nl":  # the list is Dutch officialese
            findings += officialese(rendered)
        findings += discretion(source.kind, rendered)
        findings += kind_rules(source, rendered)
    score = sms = after = pages = None
    if source.language == "nl" and source.kind != "sms":
        # The hardest way the text can come out counts.
        score = min(readability(r.body).flesch_douma for r in renderings)
    if source.kind == "sms":
        # Every variant and partner state is checked; the longest one is reported.
        infos = [
            (sms_info(r.body), sms_info(transliterate(r.body)) if transliterate_sms else None)
            for r in renderings
        ]
        for info, fixed in infos:
            findings += sms_findings(info, fixed)
        for rendered in renderings:
            findings += sms_words(rendered)
        sms, after = max(
            infos, key=lambda pair: (pair[1] or pair[0]).segments * 1000 + pair[0].characters
        )
    if count_pages is not None and source.kind in ("letter", "card"):
        pages = max(count_pages(source.kind, r.subject, r.body) for r in renderings)
        if pages > 1:
            where = "één A4-blad" if source.kind == "letter" else "één kaartje (A6)"
            findings.append(
                Finding("one-page", "error", f"De tekst past niet op {where}: {pages} pagina's.")
            )
    return _Checked(findings, renderings, score, sms, after, pages)


def _marked(label: str, found: list[Finding], already: list[Finding]) -> list[Finding]:
    """Findings with other values, said so; those the examples already gave are left out."""
    seen = {(f.rule, f.severity, f.message, f.excerpt) for f in already}
    return [
        Finding(f.rule, f.severity, _PREFIX[label] + f.message, f.excerpt)
        for f in found
        if (f.rule, f.severity, f.message, f.excerpt) not in seen
    ]


def _variables(source: TemplateSource) -> list[Finding]:
    try:
        used = rendering.variables_of(source.body, source.subject, language=source.language)
    except rendering.RenderError as exc:
        return [Finding("render", "error", f"De sjabloontaal klopt niet: {exc}")]
    used -= set(rendering.RESERVED)
    declared = set(source.variables)
    found = [
        Finding("variable-undeclared", "error", f"'{name}' wordt gebruikt maar niet beschreven.")
        for name in sorted(used - declared)
    ]
    found += [
        Finding("variable-unused", "warning", f"'{name}' is beschreven maar wordt niet gebruikt.")
        for name in sorted(declared - used)
    ]
    return found


def _renderings(
    source: TemplateSource,
    values: dict[str, Any],
    partner: dict[str, str],
    findings: list[Finding],
) -> list[Rendering]:
    """Every variant, and once more with a partner block when the template has one."""
    variants: list[str | None] = list(source.variants) or [None]
    try:
        used = rendering.variables_of(source.body, source.subject, language=source.language)
    except rendering.RenderError:
        used = set()
    partners = [None, partner] if "partner" in used else [None]
    found = []
    for variant in variants:
        for with_partner in partners:
            label = " ".join(p for p in (variant, "met partner" if with_partner else None) if p)
            try:
                result = rendering.render(
                    source.body,
                    source.subject,
                    values,
                    language=source.language,
                    partner=with_partner,
                    variant=variant,
                )
            except rendering.RenderError as exc:
                findings.append(Finding("render", "error", f"Invullen lukt niet: {exc}", label))
                continue
            found.append(Rendering(label or "standaard", result.subject, result.body))
    return found


def _accepted(findings: list[Finding], checks: Sequence[str]) -> list[Finding]:
    accepted = {c.removeprefix("accept:") for c in checks if c.startswith("accept:")}
    return [
        Finding(f.rule, "warning", f"{f.message} (Aanvaard bij het bewaren.)", f.excerpt)
        if f.severity == "error" and f.rule in accepted
        else f
        for f in findings
    ]


def _unique(findings: list[Finding]) -> list[Finding]:
    """The same finding in several variants is shown once."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for finding in findings:
        key = (finding.rule, finding.message, finding.excerpt)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept
