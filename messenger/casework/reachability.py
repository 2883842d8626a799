"""Whether a client can be reached on a channel now: one place for flags, STOP and consent.

Safety flags come first and always win; then contact details; then an SMS opt-out; then
recorded consent (SMS and email rest on it; letters are the public task). `why_not` is the
rule itself, on plain facts, so a dry run can judge a client that is not stored yet;
`cannot_use` gathers the facts from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import consent, opt_outs
from messenger.platform.models import Client


class Contact(Protocol):
    """What the rule reads of a client (a stored Client, or a row of a case list)."""

    @property
    def phone_number(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def address_lines(self) -> list[str] | tuple[str, ...]: ...
    @property
    def no_sms(self) -> bool: ...
    @property
    def no_letters_at_home(self) -> bool: ...
    @property
    def shared_phone(self) -> bool: ...


@dataclass(frozen=True)
class Facts:
    """What the database says about a client beyond its own row."""

    opted_out: bool = False
    sms_consent: bool = False
    email_consent: bool = False


def why_not(client: Contact, channel: str, facts: Facts) -> str | None:
    """Why this channel may not carry a message to this client; None when it may."""
    if channel == "sms":
        if client.no_sms or client.shared_phone:
            return "veiligheidsvlag (geen sms / gedeelde gsm)"
        if not client.phone_number:
            return "geen gsm-nummer"
        if facts.opted_out:
            return "heeft STOP gestuurd"
        if not facts.sms_consent:
            return "geen toestemming voor sms"
    elif channel == "email":
        if not client.email:
            return "geen e-mailadres"
        if not facts.email_consent:
            return "geen toestemming voor e-mail"
    elif channel == "letter":
        if client.no_letters_at_home:
            return "veiligheidsvlag (geen brieven thuis)"
        if not client.address_lines:
            return "geen adres"
    return None


async def facts_about(session: AsyncSession, client: Client) -> Facts:
    return await facts_for_new(
        session,
        client.organisation_id,
        client.phone_number,
        sms_consent=await consent.allows(session, client.id, consent.SMS),
        email_consent=await consent.allows(session, client.id, consent.EMAIL),
    )


async def facts_for_clients(session: AsyncSession, clients: Sequence[Client]) -> dict[str, Facts]:
    """`facts_about` for many clients of one organisation, in two queries (a page of cases)."""
    if not clients:
        return {}
    given = await consent.allowed_for(
        session, [c.id for c in clients], (consent.SMS, consent.EMAIL)
    )
    phones = [c.phone_number for c in clients if c.phone_number]
    stopped = await opt_outs.opted_out_numbers(session, clients[0].organisation_id, phones)
    return {
        c.id: Facts(
            opted_out=bool(c.phone_number) and c.phone_number in stopped,
            sms_consent=(c.id, consent.SMS) in given,
            email_consent=(c.id, consent.EMAIL) in given,
        )
        for c in clients
    }


async def facts_for_new(
    session: AsyncSession,
    organisation_id: str,
    phone: str | None,
    *,
    sms_consent: bool,
    email_consent: bool,
) -> Facts:
    """The facts for a client who may not be stored yet (a dry run): consent as given."""
    opted_out = bool(phone) and await opt_outs.is_opted_out(session, organisation_id, phone or "")
    return Facts(opted_out=opted_out, sms_consent=sms_consent, email_consent=email_consent)


async def cannot_use(session: AsyncSession, client: Client, channel: str) -> str | None:
    """Why this channel may not carry a message to this client now; None when it may."""
    return why_not(client, channel, await facts_about(session, client))
