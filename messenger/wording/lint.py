"""The template linter: is this message short, clear, discreet and kind enough to send?

One function, `lint`, renders a template (every variant, with and without the partner block)
with its own example values AND with long, real values (long_values.py: "Marie-Christine
Vandenbroucke-Van Den Abeele", a full address, a partner's real opening hours), and checks
both. Findings with the long values say so ("Met lange waarden: …"). Errors stop an
organisation from saving a template; warnings are shown. Messages are in Dutch: template
authors read them.

Rules (rule id: what it checks):
- render, variable-undeclared, variable-unused: the template fills in, with what it declares
- sentence-long: warning over 15 words, error over 20 (an SMS, read on a small screen: over
  12, over 15). Words are counted as read (readability.py): numbers, dates, phone numbers,
  addresses left out
- officialese: words with a plain alternative (plain_words.py)
- readability: letters, cards and emails in Dutch: Flesch-Douma (counted as readers read)
  below the kind's minimum is an error, below its target a warning. Not for an SMS: a few
  short sentences score above 100, which means nothing; the SMS rules below do that work
  The score with the long values is reported (value_sets), not judged: a long name lowers
  it, and the name is not the author's to shorten
- sms-words: an SMS is read at a glance; over 30 words is a warning (one 160-character part
  holds about 25 to 30 Dutch words), over 40 an error
- sms-long-word: a word of an SMS (each part of "LAC-gesprek" on its own) over 4 syllables
  is a warning ("Adviescommissie"), over 6 an error ("informatievergadering")
- sms-encoding, sms-segments: GSM-7 or UCS-2 (with the characters), how many parts (more
  than one: warning; more than 3: error). With an accented first name ("Anaïs") an SMS
  becomes UCS-2 unless the organisation replaces such letters: its parts are reported
  (LintReport.value_sets), and more than 3 is an error
- discretion: what a lock screen shows names no amounts, debts, payments, arrears, cut-offs
  or water (plain_words.INDISCREET): the whole SMS; an email's subject and the first
  PREVIEW_CHARS characters after the greeting line. Letters are not checked (an envelope)
- explains-lac: a LAC invitation says what the LAC is and what it can decide
- contact-ways: a letter or card gives at least two ways to make contact
- one-page: a letter fits on one A4 page, a card on one A6 card, with both value sets

A template may accept the errors of some wording rules knowingly (`accept:<rule>` in its
checks; template_files.ACCEPTABLE): they are then warnings that say so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from messenger.wording import long_values, plain_words, rendering
from messenger.wording.readability import counted_words, longest_part, readability
from messenger.wording.sms_encoding import SmsInfo, sms_info, transliterate
from messenger.wording.template_files import TemplateSource

Severity = Literal["error", "warning"]
SENTENCE_WARN, SENTENCE_ERROR = 15, 20
SMS_SENTENCE_WARN, SMS_SENTENCE_ERROR = 12, 15
SMS_WORDS_WARN, SMS_WORDS_ERROR = 30, 40
SMS_LONG_WORD_WARN, SMS_LONG_WORD_ERROR = 4, 6
# Flesch-Douma (Dutch): (minimum, target) per kind. 60-70 normal, 70-80 fairly easy.
READABILITY: dict[str, tuple[float, float]] = {
    "email": (60, 70),
    "letter": (60, 70),
    "card": (65, 75),
}
MAX_SMS_SEGMENTS = 3
# How much of an email's body a phone shows under the subject, after the greeting line.
PREVIEW_CHARS = 140
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
_PHONE = re.compile(r"(?<!\d)(?:\+32\s?|0)\d(?:[\s./]?\d){7,8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_VISIT = re.compile(r"\b(?:kom langs|loop binnen|op afspraak|openingsuren|venez|passez)\b", re.I)
# The decisions in the three languages: French and English invitations name them too.
_LAC_DECISIONS = re.compile(
    r"afbetalingsplan|minder water|debietbegrenzer|waterbegrenzer|water blijft"
    r"|afgesloten|afsluiten"
    r"|plan de paiement|limiteur|coupée|couper"
    r"|payment plan|flow limiter|cut off",
    re.I,
)
_GREETING = re.compile(
    r"(?:dag|beste|hallo|hoi|geachte|bonjour|madame|monsieur|cher|chère|hello|dear|hi)\b",
    re.IGNORECASE,
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
        findings += _readability(source.kind, examples.score)
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
        findings += _sentences(source.kind, rendered)
        if source.language == "nl":  # the list is Dutch officialese
            findings += _officialese(rendered)
        findings += _discretion(source.kind, rendered)
        findings += _kind_rules(source, rendered)
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
            findings += _sms(info, fixed)
        for rendered in renderings:
            findings += _sms_words(rendered)
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


def _sentences(kind: str, rendered: Rendering) -> list[Finding]:
    warn, error = (
        (SMS_SENTENCE_WARN, SMS_SENTENCE_ERROR)
        if kind == "sms"
        else (
            SENTENCE_WARN,
            SENTENCE_ERROR,
        )
    )
    found = []
    for sentence in readability(rendered.body).sentences:
        if sentence.words > error:
            severity: Severity = "error"
        elif sentence.words > warn:
            severity = "warning"
        else:
            continue
        found.append(
            Finding(
                "sentence-long",
                severity,
                f"Zin van {sentence.words} woorden: maak er twee zinnen van "
                f"(liefst hoogstens {warn} woorden).",
                sentence.text[:120],
            )
        )
    return found


def _sms_words(rendered: Rendering) -> list[Finding]:
    """An SMS is read at a glance: few words, and short ones."""
    found = []
    words = counted_words(rendered.body)
    if len(words) > SMS_WORDS_WARN:
        found.append(
            Finding(
                "sms-words",
                "error" if len(words) > SMS_WORDS_ERROR else "warning",
                f"De sms telt {len(words)} woorden; houd het bij {SMS_WORDS_WARN} of minder.",
            )
        )
    for word in dict.fromkeys(words):
        length = longest_part(word)
        if length > SMS_LONG_WORD_WARN:
            found.append(
                Finding(
                    "sms-long-word",
                    "error" if length > SMS_LONG_WORD_ERROR else "warning",
                    f"'{word}' telt {length} lettergrepen; zeg het met een korter woord "
                    f"(hoogstens {SMS_LONG_WORD_WARN}).",
                    word,
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


def preview(body: str) -> str:
    """What a phone shows of an email under its subject: the first PREVIEW_CHARS characters
    after the greeting line ("Dag Sara,"), the word in progress finished."""
    lines = body.strip().split("\n")
    first = lines[0].strip() if lines else ""
    if _GREETING.match(first) and first.endswith((",", ":", "!")) and len(first) <= 80:
        lines = lines[1:]
    # The inset box's "^" marks (formatting.py) are layout, not text the phone shows.
    flat = " ".join(" ".join(re.sub(r"^\s*\^\s?", "", line) for line in lines).split())
    cut = flat.find(" ", PREVIEW_CHARS)
    return flat if len(flat) <= PREVIEW_CHARS or cut < 0 else flat[:cut]


def _discretion(kind: str, rendered: Rendering) -> list[Finding]:
    """Lock screens are public: the whole SMS, an email's subject and its first lines."""
    if kind == "sms":
        shown = [(rendered.body, "Een sms")]
    elif kind == "email":
        shown = [
            (rendered.subject or "", "Het onderwerp van een e-mail"),
            (
                preview(rendered.body),
                "Het begin van een e-mail (het eerste stuk na de aanspreking)",
            ),
        ]
    else:
        return []
    what = {
        "amount": "een bedrag",
        "debt": "schulden of rekeningen",
        "payment": "betalen",
        "arrears": "achterstal",
        "cut-off": "afsluiten of een begrenzer",
        "water": "het water",
    }
    return [
        Finding(
            "discretion",
            "error",
            f"{where} kan iedereen lezen op een vergrendeld scherm: "
            f"noem geen {what.get(hit.note, hit.note)} ('{hit.word}').",
            hit.word,
        )
        for text, where in shown
        for hit in plain_words.indiscretions(text)
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
