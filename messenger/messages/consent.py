"""Consent: the one place that says whether Messenger may text, email, or share with a partner.

The current state is the latest record per client, purpose and partner, never a loose flag.
Recording "share with partner P" sends P a shared-contact notice with only the consented
details; withdrawing sends a withdrawal notice and takes P's block out of every message not
yet sent (the body without it is kept beside each such message).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import statuses
from messenger.messages.queue import DeliveryQueue
from messenger.messages.sending import Origin, SendRequest, accept
from messenger.platform.db import SyncDb
from messenger.platform.models import (
    Client,
    ConsentRecord,
    Message,
    Organisation,
    Partner,
    PartnerNotice,
    utcnow,
)
from messenger.wording.template_files import template_id

SMS, EMAIL, SHARE = "sms", "email", "share-partner"
PURPOSES = (SMS, EMAIL, SHARE)
# intake: asked when the case was opened, and recorded with the case list.
METHODS = ("in-person", "phone", "paper", "sms", "email", "intake")
SHAREABLE = ("name", "phone", "email", "address")
_LABELS = {"name": "Naam", "phone": "Telefoon", "email": "E-mail", "address": "Adres"}
NOTICE_TEMPLATES = {
    "shared": template_id("partner-contact-gedeeld-email"),
    "withdrawn": template_id("partner-contact-ingetrokken-email"),
    "erased": template_id("partner-contact-gewist-email"),
}


@dataclass(frozen=True)
class Statement:
    purpose: str
    given: bool
    method: str
    recorded_by: str
    partner_id: str | None = None
    fields: tuple[str, ...] = ()
    note: str | None = None


async def latest(
    session: AsyncSession, client_id: str, purpose: str, partner_id: str | None = None
) -> ConsentRecord | None:
    query = select(ConsentRecord).where(
        ConsentRecord.client_id == client_id, ConsentRecord.purpose == purpose
    )
    if partner_id is not None:
        query = query.where(ConsentRecord.partner_id == partner_id)
    return await session.scalar(query.order_by(ConsentRecord.id.desc()).limit(1))


async def allows(
    session: AsyncSession, client_id: str, purpose: str, partner_id: str | None = None
) -> bool:
    found = await latest(session, client_id, purpose, partner_id)
    return bool(found and found.given)


# Built once: the worker asks it before each plan message it sends.
_LATEST_GIVEN = (
    select(ConsentRecord.given)
    .where(
        ConsentRecord.client_id == bindparam("client_id"),
        ConsentRecord.purpose == bindparam("purpose"),
    )
    .order_by(ConsentRecord.id.desc())
    .limit(1)
)


def withdrawn(db: SyncDb, client_id: str, purpose: str) -> bool:
    """The latest record for this purpose says no (none at all is not a withdrawal). Columns,
    not the entity: the worker asks this on a plain connection, in its load transaction."""
    given = db.execute(_LATEST_GIVEN, {"client_id": client_id, "purpose": purpose}).first()
    return given is not None and not given[0]


async def allowed_for(
    session: AsyncSession, client_ids: Sequence[str], purposes: Sequence[str]
) -> set[tuple[str, str]]:
    """(client, purpose) pairs whose latest record gives consent, for many clients in one
    query (a page of cases); `allows` for one."""
    if not client_ids:
        return set()
    rows = await session.execute(
        select(ConsentRecord.client_id, ConsentRecord.purpose, ConsentRecord.given)
        .where(ConsentRecord.client_id.in_(client_ids), ConsentRecord.purpose.in_(purposes))
        .order_by(ConsentRecord.id)
    )
    latest_given = {(client_id, purpose): given for client_id, purpose, given in rows}
    return {pair for pair, given in latest_given.items() if given}


async def partner_block(
    session: AsyncSession, client_id: str, partner_id: str | None
) -> tuple[str, dict[str, str]] | None:
    """The partner's details for the client's messages, only with consent on record now."""
    if partner_id is None or not await allows(session, client_id, SHARE, partner_id):
        return None
    partner = await session.get(Partner, partner_id)
    if partner is None:
        return None
    return partner.id, {
        "name": partner.name,
        "phone": partner.phone,
        "address": partner.address,
        "opening_hours": partner.opening_hours,
    }


async def record(
    session: AsyncSession,
    queue: DeliveryQueue | None,
    client: Client,
    statement: Statement,
) -> ConsentRecord:
    """Store one statement; for sharing, tell the partner. Commits."""
    entry, before, partner = await add_statement(session, client, statement)
    await session.commit()
    changed = before is None or before.given != entry.given or before.fields != entry.fields
    if partner is not None and changed and (statement.given or before is not None):
        await _notify_partner(session, queue, client, partner, entry)
    return entry


async def add_statement(
    session: AsyncSession, client: Client, statement: Statement
) -> tuple[ConsentRecord, ConsentRecord | None, Partner | None]:
    """Store one statement without committing: the new record, the one it follows, and the
    partner it concerns. A withdrawal takes the partner's block out of unsent messages."""
    _check(statement)
    partner = None
    if statement.purpose == SHARE:
        partner = await session.get(Partner, statement.partner_id)
        if partner is None or partner.organisation_id != client.organisation_id:
            raise LookupError("partner_id: no such partner in this organisation")
    if statement.given and partner is not None and not _shared_details(client, statement.fields):
        raise ValueError("fields: the client has none of these details to share")
    before = await latest(session, client.id, statement.purpose, statement.partner_id)
    entry = ConsentRecord(
        organisation_id=client.organisation_id,
        client_id=client.id,
        purpose=statement.purpose,
        partner_id=statement.partner_id,
        fields=list(statement.fields),
        given=statement.given,
        method=statement.method,
        recorded_by=statement.recorded_by,
        note=statement.note,
        recorded_at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    if partner is not None and not statement.given:
        await _remove_partner_block(session, client.id, partner.id)
    return entry, before, partner


def _check(statement: Statement) -> None:
    if statement.purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    if statement.method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if (statement.purpose == SHARE) != (statement.partner_id is not None):
        raise ValueError("partner_id goes with purpose share-partner, and only with it")
    unknown = set(statement.fields) - set(SHAREABLE)
    if unknown:
        raise ValueError(f"fields: {sorted(unknown)[0]} is not one of {', '.join(SHAREABLE)}")
    if statement.purpose == SHARE and statement.given and not statement.fields:
        raise ValueError("fields: say which details the client agreed to share")
    if statement.purpose != SHARE and statement.fields:
        raise ValueError("fields go with purpose share-partner only")


async def _remove_partner_block(session: AsyncSession, client_id: str, partner_id: str) -> None:
    """Messages not yet sent lose the block; a worker racing us re-checks at send time."""
    await session.execute(
        update(Message)
        .where(
            Message.client_id == client_id,
            Message.partner_id == partner_id,
            Message.status == statuses.CREATED,
            Message.body_without_partner.is_not(None),
        )
        .values(body=Message.body_without_partner, partner_id=None, body_without_partner=None)
    )


async def _notify_partner(
    session: AsyncSession,
    queue: DeliveryQueue | None,
    client: Client,
    partner: Partner,
    entry: ConsentRecord,
) -> None:
    kind = "shared" if entry.given else "withdrawn"
    shared = _shared_details(client, entry.fields) if entry.given else {}
    await send_partner_notice(
        session,
        queue,
        client,
        partner,
        kind=kind,
        consent_id=entry.id,
        shared=shared,
        idempotency_key=f"partner-notice:{entry.id}",
    )


async def send_partner_notice(
    session: AsyncSession,
    queue: DeliveryQueue | None,
    client: Client,
    partner: Partner,
    *,
    kind: str,
    consent_id: int,
    idempotency_key: str,
    shared: dict[str, str] | None = None,
) -> PartnerNotice:
    """Tell a partner what changed: details shared, consent withdrawn, or the client's data
    erased (GDPR art. 19). A sharing names the client; a withdrawal names the earlier
    notice's date and the client as the partner knows them (known_as); an erasure only the
    date. Commits."""
    organisation = await session.get(Organisation, client.organisation_id)
    ocmw = organisation.name if organisation else "het OCMW"
    values: dict[str, Any] = {
        "partner_naam": partner.name,
        "ocmw": ocmw,
        "maatschappelijk_werker": (organisation and organisation.contact_name) or ocmw,
        "telefoon": (organisation and organisation.contact_phone) or "het OCMW",
    }
    if kind == "shared":
        values["gedeeld"] = "\n".join(f"{_LABELS[k]}: {v}" for k, v in (shared or {}).items())
        values["reden"] = "Deze persoon wil graag hulp bij een gesprek met het OCMW."
    else:
        # It names the sharing it concerns: the latest one.
        last_shared = await session.scalar(
            select(PartnerNotice)
            .where(
                PartnerNotice.client_id == client.id,
                PartnerNotice.partner_id == partner.id,
                PartnerNotice.kind == "shared",
            )
            .order_by(PartnerNotice.created_at.desc())
            .limit(1)
        )
        when = last_shared.created_at if last_shared else utcnow()
        values["datum_melding"] = when.date().isoformat()
        if kind == "withdrawn":
            values["naam"] = known_as(client, last_shared.shared if last_shared else {})
    message = await accept(
        session,
        queue,
        Origin(client.organisation_id),
        SendRequest(
            kind="email",
            template_id=NOTICE_TEMPLATES[kind],
            recipient=partner.notice_email,
            personalisation=values,
            idempotency_key=idempotency_key,
            client_id=client.id,
        ),
    )
    notice = PartnerNotice(
        organisation_id=client.organisation_id,
        partner_id=partner.id,
        client_id=client.id,
        consent_id=consent_id,
        kind=kind,
        shared=shared or {},
        message_id=message.id,
    )
    session.add(notice)
    await session.commit()
    return notice


def known_as(client: Client, shared: dict[str, Any]) -> str:
    """Who a notice is about, in words the partner already has: the name they were given,
    else another detail they were given, else only the initials, so a withdrawal says which
    client it is without telling the partner more than the client agreed to share."""
    for key in SHAREABLE:
        if shared.get(key):
            return str(shared[key])
    return "".join(f"{part[0]}." for part in (client.first_name, client.last_name) if part)


def _shared_details(client: Client, fields: Sequence[str]) -> dict[str, str]:
    details = {
        "name": f"{client.first_name} {client.last_name}",
        "phone": client.phone_number or "",
        "email": client.email or "",
        "address": ", ".join(client.address_lines[1:]) if client.address_lines else "",
    }
    return {key: details[key] for key in SHAREABLE if key in fields and details[key]}
