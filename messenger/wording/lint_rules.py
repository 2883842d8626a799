"""The rules of the template linter (lint.py), each over one rendering of a template.

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from messenger.wording import plain_words
from messenger.wording.formatting import EMAIL, PHONE
from messenger.wording.readability import counted_words, longest_part, readability
from messenger.wording.sms_encoding import SmsInfo
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


def sentences(kind: str, rendered: Rendering) -> list[Finding]:
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


def sms_words(rendered: Rendering) -> list[Finding]:
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


def officialese(rendered: Rendering) -> list[Finding]:
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


def discretion(kind: str, rendered: Rendering) -> list[Finding]:
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


def kind_rules(source: TemplateSource, rendered: Rendering) -> list[Finding]:
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
        ways = contact_ways(text)
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


def contact_ways(text: str) -> set[str]:
    checks = {"telefoon": PHONE, "e-mail": EMAIL, "website": _URL, "langskomen": _VISIT}
    return {name for name, pattern in checks.items() if pattern.search(text)}


def readability_findings(kind: str, score: float) -> list[Finding]:
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


def sms_findings(info: SmsInfo, after: SmsInfo | None) -> list[Finding]:
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
