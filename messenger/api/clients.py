"""Clients and their consent (Messenger's domain API, beside Notify's sending API)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from messenger.api.deps import Key, Queue, Session
from messenger.api.errors import bad_request
from messenger.casework.clients import (
    ClientData,
    create_client,
    own_client,
    update_client,
    update_contact,
)
from messenger.messages import consent
from messenger.platform.models import Client, ConsentRecord

router = APIRouter(prefix="/v2", tags=["clients"])


class ClientIn(BaseModel):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    language: str = "nl"
    phone_number: str | None = None
    email: str | None = None
    address: list[str] = Field(
        default_factory=list,
        max_length=5,
        description="Street and number (+ bus), then 'postcode municipality'; no name line",
    )
    no_sms: bool = False
    no_letters_at_home: bool = False
    shared_phone: bool = False


class ClientOut(ClientIn):
    id: str
    address_lines: list[str]
    consent: dict[str, bool]


class ConsentIn(BaseModel):
    purpose: str = Field(description="sms, email or share-partner")
    given: bool = Field(description="false records a withdrawal")
    method: str = Field(description="in-person, phone, paper, sms, email or intake")
    partner_id: str | None = None
    fields: list[str] = Field(default_factory=list, description="share-partner: name, phone, …")
    note: str | None = Field(default=None, max_length=500)


class ConsentOut(ConsentIn):
    id: int
    recorded_by: str
    recorded_at: datetime


@router.post("/clients", status_code=201, response_model=ClientOut)
async def new_client(body: ClientIn, key: Key, db: Session) -> ClientOut:
    with bad_request():
        client = await create_client(db, key.organisation_id, _data(body))
    await db.commit()
    return await _out(db, client)


@router.get("/clients/{client_id}", response_model=ClientOut)
async def get_client(client_id: str, key: Key, db: Session) -> ClientOut:
    return await _out(db, await own_client(db, key.organisation_id, client_id))


@router.put("/clients/{client_id}", response_model=ClientOut)
async def change_client(client_id: str, body: ClientIn, key: Key, db: Session) -> ClientOut:
    with bad_request():
        client = await update_client(db, key.organisation_id, client_id, _data(body))
    await db.commit()
    return await _out(db, client)


class ClientChange(BaseModel):
    phone_number: str | None = None
    email: str | None = None
    address: list[str] | None = Field(default=None, max_length=5)
    language: str | None = None
    no_sms: bool | None = None
    no_letters_at_home: bool | None = None
    shared_phone: bool | None = None


@router.patch("/clients/{client_id}", response_model=ClientOut)
async def change_contact(client_id: str, body: ClientChange, key: Key, db: Session) -> ClientOut:
    """Change only what is given (null clears a phone number or email); the steps not sent
    yet go to the new details."""
    with bad_request():
        client = await update_contact(
            db, key.organisation_id, client_id, body.model_dump(exclude_unset=True)
        )
    await db.commit()
    return await _out(db, client)


@router.post("/clients/{client_id}/consents", status_code=201, response_model=ConsentOut)
async def record_consent(
    client_id: str, body: ConsentIn, key: Key, db: Session, queue: Queue
) -> ConsentOut:
    client = await own_client(db, key.organisation_id, client_id)
    statement = consent.Statement(
        purpose=body.purpose,
        given=body.given,
        method=body.method,
        recorded_by=key.name,
        partner_id=body.partner_id,
        fields=tuple(body.fields),
        note=body.note,
    )
    with bad_request():
        entry = await consent.record(db, queue, client, statement)
    return _consent_out(entry)


@router.get("/clients/{client_id}/consents", response_model=list[ConsentOut])
async def consent_history(client_id: str, key: Key, db: Session) -> list[ConsentOut]:
    client = await own_client(db, key.organisation_id, client_id)
    rows = await db.scalars(
        select(ConsentRecord).where(ConsentRecord.client_id == client.id).order_by(ConsentRecord.id)
    )
    return [_consent_out(r) for r in rows]


def _data(body: ClientIn) -> ClientData:
    return ClientData(
        first_name=body.first_name,
        last_name=body.last_name,
        language=body.language,
        phone_number=body.phone_number,
        email=body.email,
        address=tuple(body.address),
        no_sms=body.no_sms,
        no_letters_at_home=body.no_letters_at_home,
        shared_phone=body.shared_phone,
    )


async def _out(db: Session, client: Client) -> ClientOut:
    states = {
        purpose: await consent.allows(db, client.id, purpose)
        for purpose in (consent.SMS, consent.EMAIL)
    }
    return ClientOut(
        id=client.id,
        first_name=client.first_name,
        last_name=client.last_name,
        language=client.language,
        phone_number=client.phone_number,
        email=client.email,
        address=list(client.address_lines[1:]),
        address_lines=list(client.address_lines),
        no_sms=client.no_sms,
        no_letters_at_home=client.no_letters_at_home,
        shared_phone=client.shared_phone,
        consent=states,
    )


def _consent_out(entry: ConsentRecord) -> ConsentOut:
    return ConsentOut(
        id=entry.id,
        purpose=entry.purpose,
        given=entry.given,
        method=entry.method,
        partner_id=entry.partner_id,
        fields=list(entry.fields),
        note=entry.note,
        recorded_by=entry.recorded_by,
        recorded_at=entry.recorded_at,
    )
