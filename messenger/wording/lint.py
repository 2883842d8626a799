"""The template linter: is this message short, clear, discreet and kind enough to send?

One function, `lint`, renders a template with its own example values (every variant, with
and without the partner block) and checks the result. Errors stop an organisation from
saving a template; warnings are shown. Messages are in Dutch: template authors read them.

Rules (rule id: what it checks):
- render, variable-undeclared, variable-unused: the template fills in, with what it declares
- sentence-long: warning over 15 words, error over 20
- officialese: words with a plain alternative (plain_words.py)
- readability: Flesch-Douma below the kind's minimum is an error, below its target a warning
- sms-encoding, sms-segments: GSM-7 or UCS-2 (with the characters), how many parts
- discretion: an SMS or an email subject names no amounts, debts, arrears or cut-offs
- explains-lac: a LAC invitation says what the LAC is and what it can decide
- contact-ways: a letter or card gives at least two ways to make contact
- one-page: a letter fits on one A4 page, a card on one A6 card

A template may accept the errors of some wording rules knowingly (`accept:<rule>` in its
checks; template_files.ACCEPTABLE): they are then warnings that say so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from messenger.wording import plain_words, rendering
from messenger.wording.readability import readability
from messenger.wording.sms_encoding import SmsInfo, sms_info, transliterate
from messenger.wording.template_files import TemplateSource

Severity = Literal["error", "warning"]
SENTENCE_WARN, SENTENCE_ERROR = 15, 20
# Flesch-Douma (Dutch): (minimum, target) per kind. 60-70 normal, 70-80 fairly easy.
READABILITY: dict[str, tuple[float, float]] = {
    "sms": (65, 75),
    "email": (60, 70),
    "letter": (60, 70),
    "card": (65, 75),
}
MAX_SMS_SEGMENTS = 3
EXAMPLE_PARTNER = {
    "name": "Buurtwerk De Brug",
    "phone": "09 234 56 78",
    "address": "Brugstraat 5, 9000 Gent",
    "opening_hours": "maandag tot vrijdag van 9 tot 12 uur",
}
_PHONE = re.compile(r"(?<!\d)(?:\+32\s?|0)\d(?:[\s./]?\d){7,8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_VISIT = re.compile(r"\b(?:kom langs|loop binnen|op afspraak|openingsuren|venez|passez)\b", re.I)
_LAC_DECISIONS = re.compile(
    r"afbetalingsplan|minder water|debietbegrenzer|water blijft|afgesloten|afsluiten", re.I
)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    # What the finding is about, as written in the rendered text.
    excerpt: str = ""


@dataclass(frozen=True)
class Rendering:
    """One way the template can come out: a variant, with or without a partner block."""

    label: str
    subject: str | None
    body: str


@dataclass(frozen=True)
class LintReport:
    name: str
    language: str
    kind: str
    renderings: tuple[Rendering, ...]
    findings: tuple[Finding, ...]
    flesch_douma: float | None = None
    sms: SmsInfo | None = None
    transliterated_sms: SmsInfo | None = None
    pages: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def ok(self) -> bool:
        return not self.errors


def lint(
    source: TemplateSource,
    *,
    transliterate_sms: bool = False,
    count_pages: Callable[[str, str | None, str], int] | None = None,
) -> LintReport:
    """Check one template in one language. `count_pages(kind, subject, body)` renders a
    letter or card and counts its pages; without it the one-page rule is skipped."""
    findings: list[Finding] = []
    findings += _variables(source)
    renderings = _renderings(source, findings)
    if not renderings:
        return LintReport(source.name, source.language, source.kind, (), tuple(findings))
    for rendered in renderings:
        findings += _sentences(rendered)
        if source.language == "nl":  # the list is Dutch officialese
            findings += _officialese(rendered)
        findings += _discretion(source.kind, rendered)
        findings += _kind_rules(source, rendered)
    score = None
    if source.language == "nl":
        # The hardest way the text can come out counts.
        score = min(readability(r.body).flesch_douma for r in renderings)
        findings += _readability(source.kind, score)
    sms = after = None
    if source.kind == "sms":
        # Every variant and partner state is checked; the longest one is reported.
        infos = [
            (sms_info(r.body), sms_info(transliterate(r.body)) if transliterate_sms else None)
            for r in renderings
        ]
        for info, fixed in infos:
            findings += _sms(info, fixed)
        sms, after = max(
            infos, key=lambda pair: (pair[1] or pair[0]).segments * 1000 + pair[0].characters
        )
    pages = None
    if count_pages is not None and source.kind in ("letter", "card"):
        pages = max(count_pages(source.kind, r.subject, r.body) for r in renderings)
        if pages > 1:
            where = "één A4-blad" if source.kind == "letter" else "één kaartje (A6)"
            findings.append(
                Finding("one-page", "error", f"De tekst past niet op {where}: {pages} pagina's.")
            )
    return LintReport(
        name=source.name,
        language=source.language,
        kind=source.kind,
        renderings=tuple(renderings),
        findings=tuple(_accepted(_unique(findings), source.checks)),
        flesch_douma=score,
        sms=sms,
        transliterated_sms=after,
        pages=pages,
    )


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


def _renderings(source: TemplateSource, findings: list[Finding]) -> list[Rendering]:
    """Every variant, and once more with a partner block when the template has one."""
    variants: list[str | None] = list(source.variants) or [None]
    try:
        used = rendering.variables_of(source.body, source.subject, language=source.language)
    except rendering.RenderError:
        used = set()
    with_partner = "partner" in used
    partners = [None, EXAMPLE_PARTNER] if with_partner else [None]
    found = []
    for variant in variants:
        for partner in partners:
            label = " ".join(p for p in (variant, "met partner" if partner else None) if p)
            try:
                result = rendering.render(
                    source.body,
                    source.subject,
                    source.examples,
                    language=source.language,
                    partner=partner,
                    variant=variant,
                )
            except rendering.RenderError as exc:
                findings.append(Finding("render", "error", f"Invullen lukt niet: {exc}", label))
                continue
            found.append(Rendering(label or "standaard", result.subject, result.body))
    return found


def _sentences(rendered: Rendering) -> list[Finding]:
    found = []
    for sentence in readability(rendered.body).sentences:
        if sentence.words > SENTENCE_ERROR:
            severity: Severity = "error"
        elif sentence.words > SENTENCE_WARN:
            severity = "warning"
        else:
            continue
        found.append(
            Finding(
                "sentence-long",
                severity,
                f"Zin van {sentence.words} woorden: maak er twee zinnen van "
                f"(liefst hoogstens {SENTENCE_WARN} woorden).",
                sentence.text[:120],
            )
        )
    return found


def _officialese(rendered: Rendering) -> list[Finding]:
    text = f"{rendered.subject or ''}\n{rendered.body}"
    return [
        Finding(
            "officialese", "error", f"'{hit.word}' is ambtelijk. Schrijf: {hit.note}.", hit.word
        )
        for hit in plain_words.officialese(text)
    ]


def _discretion(kind: str, rendered: Rendering) -> list[Finding]:
    """Lock screens are public: the SMS text and the email subject line."""
    if kind == "sms":
        shown, where = rendered.body, "Een sms"
    elif kind == "email":
        shown, where = rendered.subject or "", "Het onderwerp van een e-mail"
    else:
        return []
    what = {
        "amount": "een bedrag",
        "debt": "schulden",
        "arrears": "achterstal",
        "cut-off": "afsluiten",
    }
    return [
        Finding(
            "discretion",
            "error",
            f"{where} kan iedereen lezen op een vergrendeld scherm: "
            f"noem geen {what.get(hit.note, hit.note)} ('{hit.word}').",
            hit.word,
        )
        for hit in plain_words.indiscretions(shown)
    ]


def _kind_rules(source: TemplateSource, rendered: Rendering) -> list[Finding]:
    found = []
    text = f"{rendered.subject or ''}\n{rendered.body}"
    if "explains-lac" in source.checks:
        if "lokale adviescommissie" not in text.lower():
            found.append(
                Finding("explains-lac", "error", "Zeg wat de LAC is: 'de Lokale Adviescommissie'.")
            )
        if not _LAC_DECISIONS.search(text):
            found.append(
                Finding(
                    "explains-lac",
                    "error",
                    "Zeg wat de LAC kan beslissen (afbetalingsplan, minder water, afsluiten).",
                )
            )
    if source.kind in ("letter", "card"):
        ways = _contact_ways(text)
        if len(ways) < 2:
            found.append(
                Finding(
                    "contact-ways",
                    "error",
                    "Geef minstens twee manieren om contact op te nemen "
                    f"(telefoon, e-mail, langskomen); nu: {', '.join(sorted(ways)) or 'geen'}.",
                )
            )
    return found


def _contact_ways(text: str) -> set[str]:
    checks = {"telefoon": _PHONE, "e-mail": _EMAIL, "website": _URL, "langskomen": _VISIT}
    return {name for name, pattern in checks.items() if pattern.search(text)}


def _readability(kind: str, score: float) -> list[Finding]:
    minimum, target = READABILITY[kind]
    if score >= target:
        return []
    severity: Severity = "error" if score < minimum else "warning"
    return [
        Finding(
            "readability",
            severity,
            f"Leesbaarheid (Flesch-Douma) {score:.0f}; streef naar {target:.0f} of meer: "
            "kortere zinnen, kortere woorden.",
        )
    ]


def _sms(info: SmsInfo, after: SmsInfo | None) -> list[Finding]:
    found = []
    if info.encoding == "UCS-2":
        characters = ", ".join(f"'{c}' (plaats {p + 1})" for p, c in info.offending[:10])
        fixed = after is not None and after.encoding == "GSM-7"
        found.append(
            Finding(
                "sms-encoding",
                "warning" if fixed else "error",
                f"Deze tekens maken van de sms een dure UCS-2-sms van 70 tekens per deel: "
                f"{characters}."
                + (" Ze worden bij verzenden vervangen." if fixed else " Vervang ze."),
            )
        )
    segments = (after or info).segments
    if segments > MAX_SMS_SEGMENTS:
        found.append(
            Finding("sms-segments", "error", f"De sms is {segments} delen lang; houd hem kort.")
        )
    elif segments > 1:
        found.append(
            Finding(
                "sms-segments", "warning", f"De sms is {segments} delen lang; één deel is beter."
            )
        )
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
