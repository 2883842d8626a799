"""Running the linter over real templates: shipped files, an organisation's templates, a draft.

The linter (lint.py) is pure; this module gives it what it needs from the outside: the
page count of a rendered letter or card, and the organisation's transliteration choice.
It also draws a letter's or card's pages as images, for the template editor.
"""

from __future__ import annotations

import asyncio
import io
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import OutgoingMessage
from channels.card_pdf import render_cards
from channels.letter_pdf import render_batch
from messenger.platform.models import Organisation, Template, TemplateVersion
from messenger.wording import template_store
from messenger.wording.formatting import text_to_html
from messenger.wording.lint import LintReport, lint
from messenger.wording.template_files import TemplateSource, load_templates

# A long but real Belgian address and sender, so the page count is not flattered.
SAMPLE_ADDRESS = ("Sara Janssens-Vandenberghe", "Sint-Pietersnieuwstraat 123 bus 45", "9000 Gent")
SAMPLE_SENDER = ("OCMW Gent", "Sociale dienst", "Onderbergen 86", "9000 Gent")


@lru_cache(maxsize=32)
def _sample(kind: str, subject: str | None, body: str) -> tuple[bytes, int]:
    """The letter (A4, window envelope) or card (A6) as printed: its PDF and page count."""
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
    rendered = render_cards([message]) if kind == "card" else render_batch([message])
    return rendered.pdf, rendered.pages[0]


@lru_cache(maxsize=1024)
def count_pages(kind: str, subject: str | None, body: str) -> int:
    """Render a letter or a card and count its pages."""
    return _sample(kind, subject, body)[1]


@lru_cache(maxsize=64)  # a few MB: the editor draws the same stored letter at every visit
def page_pictures(
    kind: str, subject: str | None, body: str, *, most: int = 2, dpi: int = 96
) -> tuple[bytes, ...]:
    """The first pages of the letter or card as PNG images, as the client will hold them."""
    document = pdfium.PdfDocument(_sample(kind, subject, body)[0])
    try:
        pictures = []
        for number in range(min(most, len(document))):
            page = document[number]
            try:
                image = page.render(scale=dpi / 72).to_pil()
            finally:
                page.close()
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)
            pictures.append(out.getvalue())
        return tuple(pictures)
    finally:
        document.close()


def check(source: TemplateSource, *, transliterate_sms: bool = False) -> LintReport:
    return lint(source, transliterate_sms=transliterate_sms, count_pages=count_pages)


def check_files(folder: Path | None = None) -> list[LintReport]:
    """Every shipped template in every language (or those in `folder`)."""
    return [check(source) for source in load_templates(folder)]


async def check_organisation(session: AsyncSession, organisation_id: str) -> list[LintReport]:
    """Every template the organisation can use, in every language, latest versions."""
    organisation = await session.get(Organisation, organisation_id)
    transliterate_sms = bool(organisation and organisation.sms_transliterate)
    sources = []
    for choice in await template_store.list_visible(session, organisation_id):
        for language in await template_store.languages_of(session, choice.template.id):
            found = await template_store.find(
                session, organisation_id, choice.template.id, language=language
            )
            if found is not None and not found.fell_back:
                sources.append(found.source())
    # Rendering letters to count pages is CPU work: off the event loop, in one go.
    return await asyncio.to_thread(
        lambda: [check(source, transliterate_sms=transliterate_sms) for source in sources]
    )


async def latest_versions(session: AsyncSession, template: Template) -> list[TemplateVersion]:
    versions = await session.scalars(
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template.id)
        .order_by(TemplateVersion.language, TemplateVersion.version.desc())
    )
    latest: dict[str, TemplateVersion] = {}
    for version in versions:
        latest.setdefault(version.language, version)
    return list(latest.values())
