"""Whether a client can be reached on a channel now: one place for flags, STOP and consent.

Safety flags come first and always win; then contact details; then an SMS
opt-out; then recorded consent (SMS and email rest on it; letters are the public task).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import consent, opt_outs
from messenger.platform.models import Client


async def cannot_use(session: AsyncSession, client: Client, channel: str) -> str | None:
    """Why this channel may not carry a message to this client now; None when it may.
    Safety flags first: they always win."""
    if channel == "sms":
        if client.no_sms or client.shared_phone:
            return "veiligheidsvlag (geen sms / gedeelde gsm)"
        if not client.phone_number:
            return "geen gsm-nummer"
        if await opt_outs.is_opted_out(session, client.organisation_id, client.phone_number):
            return "heeft STOP gestuurd"
        if not await consent.allows(session, client.id, consent.SMS):
            return "geen toestemming voor sms"
    elif channel == "email":
        if not client.email:
            return "geen e-mailadres"
        if not await consent.allows(session, client.id, consent.EMAIL):
            return "geen toestemming voor e-mail"
    elif channel == "letter":
        if client.no_letters_at_home:
            return "veiligheidsvlag (geen brieven thuis)"
        if not client.address_lines:
            return "geen adres"
    return None
