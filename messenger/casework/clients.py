"""Clients: only what is needed to reach them, checked like any recipient."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import reminders
from messenger.messages.recipients import (
    InvalidRecipient,
    normalise_email_address,
    normalise_phone_number,
    normalise_postal_address,
)
from messenger.platform.csv_files import FORMULA_STARTS
from messenger.platform.models import Case, Client, utcnow
from messenger.platform.tenancy import own
from messenger.wording.template_files import LANGUAGES


@dataclass(frozen=True)
class ClientData:
    first_name: str
    last_name: str
    language: str = "nl"
    phone_number: str | None = None
    email: str | None = None
    # Street + number (+ bus), then "postcode municipality": the name line is added here.
    address: tuple[str, ...] = field(default_factory=tuple)
    no_sms: bool = False
    no_letters_at_home: bool = False
    shared_phone: bool = False


def checked(data: ClientData) -> ClientData:
    """The data in stored form, or InvalidRecipient naming the field."""
    first, last = " ".join(data.first_name.split()), " ".join(data.last_name.split())
    if not first:
        raise InvalidRecipient("first_name", "is required")
    if not last:
        raise InvalidRecipient("last_name", "is required")
    for name_field, name in (("first_name", first), ("last_name", last)):
        if name.startswith(FORMULA_STARTS):  # would be a formula in every exported sheet
            raise InvalidRecipient(name_field, "cannot start with =, +, - or @")
    if data.language not in LANGUAGES:
        raise InvalidRecipient("language", f"must be one of {', '.join(LANGUAGES)}")
    phone = normalise_phone_number(data.phone_number) if data.phone_number else None
    email = normalise_email_address(data.email, "email") if data.email else None
    address: tuple[str, ...] = ()
    if data.address:
        lines: list[str | None] = [f"{first} {last}", *data.address]
        try:
            address = normalise_postal_address(lines + [None] * (7 - len(lines)), "line ")
        except InvalidRecipient as exc:
            # Name the field as the caller sent it: line 1 is the name we put in front.
            number = int(exc.field.removeprefix("line "))
            field = "first_name/last_name" if number == 1 else f"address[{number - 2}]"
            raise InvalidRecipient(field, exc.reason) from None
    return replace(
        data, first_name=first, last_name=last, phone_number=phone, email=email, address=address
    )


async def create_client(session: AsyncSession, organisation_id: str, data: ClientData) -> Client:
    clean = checked(data)
    client = Client(organisation_id=organisation_id, **_columns(clean))
    session.add(client)
    await session.flush()
    return client


async def update_client(
    session: AsyncSession, organisation_id: str, client_id: str, data: ClientData
) -> Client:
    client = await own_client(session, organisation_id, client_id)
    for name, value in _columns(checked(data)).items():
        setattr(client, name, value)
    client.updated_at = utcnow()
    await session.flush()
    return client


async def update_contact(
    session: AsyncSession, organisation_id: str, client_id: str, changes: dict[str, Any]
) -> Client:
    """Change some contact details and flags, checked like a new client's; the reminders
    not sent yet are judged again (reachability). Caller commits."""
    client = await own_client(session, organisation_id, client_id)
    current = ClientData(
        first_name=client.first_name,
        last_name=client.last_name,
        language=client.language,
        phone_number=client.phone_number,
        email=client.email,
        address=tuple(client.address_lines[1:]),
        no_sms=client.no_sms,
        no_letters_at_home=client.no_letters_at_home,
        shared_phone=client.shared_phone,
    )
    if "address" in changes:
        changes = {**changes, "address": tuple(changes["address"] or ())}
    updated = await update_client(session, organisation_id, client_id, replace(current, **changes))
    open_cases = await session.scalars(
        select(Case).where(Case.client_id == client.id, Case.status == "open")
    )
    for case in open_cases:
        await reminders.foresee(session, case)
    return updated


async def own_client(session: AsyncSession, organisation_id: str, client_id: str) -> Client:
    return await own(session, Client, organisation_id, client_id)


def _columns(data: ClientData) -> dict[str, object]:
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    values["address_lines"] = list(values.pop("address"))  # type: ignore[call-overload]
    return values
