"""Helpers for the linter tests: build a draft template, sum up findings, count PDF pages."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf

from channels.base import OutgoingMessage
from channels.card_pdf import render_cards
from channels.letter_pdf import render_batch
from messenger.wording.formatting import text_to_html
from messenger.wording.lint import LintReport
from messenger.wording.template_check import SAMPLE_ADDRESS, SAMPLE_SENDER
from messenger.wording.template_files import TemplateSource, make_source

# Two ways to make contact: a phone number and an email address.
CONTACT = "Bel 09 123 45 67 of mail naar jan@ocmw.example."
_PARTNER_BLOCK = re.compile(r"{%-?\s*if\s+partner\s*-?%}")


def has_partner_block(source: TemplateSource) -> bool:
    return bool(_PARTNER_BLOCK.search(source.body))


def src(body: str, kind: str = "email", subject: str = "Een vraag", **kw: Any) -> TemplateSource:
    return make_source(
        name="test",
        language=kw.pop("language", "nl"),
        kind=kind,
        title="Test",
        subject=None if kind == "sms" else subject,
        body=body,
        variables=kw.pop("variables", {}),
        **kw,
    )


def found(report: LintReport) -> set[tuple[str, str]]:
    return {(f.rule, f.severity) for f in report.findings}


def pdf_pages(kind: str, subject: str | None, body: str) -> int:
    """Pages of the real PDF, counted independently of template_check.count_pages."""
    message = OutgoingMessage(
        message_id="lint",
        kind="letter",
        body=body,
        subject=subject,
        html=text_to_html(body),
        address_lines=SAMPLE_ADDRESS,
        sender_lines=SAMPLE_SENDER,
        written_on="8 december 2026",
    )
    batch = render_cards([message]) if kind == "card" else render_batch([message])
    return len(pypdf.PdfReader(io.BytesIO(batch.pdf)).pages)
