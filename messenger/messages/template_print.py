"""A letter or card template as the PDF it prints to, outside any send: the API's preview
(`POST /v2/template/{id}/pdf`) and the print button of the template page (the waiting-room
information sheet, a card to take on a home visit)."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.base import OutgoingMessage
from channels.card_pdf import render_cards
from channels.letter_pdf import ENVELOPES, render_batch
from messenger.messages.outbound import letter_sender_lines
from messenger.platform.models import Organisation
from messenger.platform.settings import Settings
from messenger.wording.formatting import text_to_html
from messenger.wording.rendering import Rendered


def organisation_values(organisation: Organisation | None) -> dict[str, str]:
    """What the organisation's profile fills in when no client or case is at hand."""
    if organisation is None:
        return {}
    known = {
        "ocmw": organisation.name,
        "onthaal_adres": organisation.walk_in_address,
        "openingsuren": organisation.opening_hours,
        "website": organisation.website,
        "handtekening": organisation.signature,
        "telefoon": organisation.contact_phone,
        "email": organisation.contact_email,
        "maatschappelijk_werker": organisation.contact_name,
    }
    return {name: value for name, value in known.items() if value}


async def template_pdf(
    kind: str,
    rendered: Rendered,
    values: dict[str, Any],
    organisation: Organisation | None,
    settings: Settings,
    language: str,
) -> bytes:
    """The PDF of a filled-in letter or card; the address lines come from `values`."""
    address = tuple(
        str(values[f"address_line_{n}"]) for n in range(1, 8) if values.get(f"address_line_{n}")
    )
    message = OutgoingMessage(
        message_id="preview",
        kind="letter",
        body=rendered.body,
        subject=rendered.subject,
        html=text_to_html(rendered.body),
        address_lines=address,
        sender_lines=letter_sender_lines(organisation, settings),
        language=language,
    )
    if kind == "card":
        return (await asyncio.to_thread(render_cards, [message])).pdf
    window = ENVELOPES[settings.envelope]
    return (await asyncio.to_thread(render_batch, [message], window=window)).pdf
