"""The case-list import as it was before it worked in bulk: a row at a time, each look-up and
each write its own statement, through the same functions a single client or case goes
through (clients.create_client, cases.add_case, consent.add_statement, preview_case).

Kept as the reference the bulk import (messenger/casework/case_list.py) must match row for
row: tests/test_case_list_bulk.py runs both on copies of one database and compares what each
wrote and answered. It is slow on purpose, and not used by Messenger itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import case_list, inbox
from messenger.casework.case_import import ImportedClient, ImportReport
from messenger.casework.case_list import ImportedRow, RowPreview
from messenger.casework.cases import CaseData, add_case
from messenger.casework.clients import ClientData, create_client
from messenger.casework.plan_preview import Lookups, preview_case, preview_new_case
from messenger.casework.reachability import facts_for_new
from messenger.messages import consent
from messenger.platform.models import Case, Client, LacSession

Fingerprint = Callable[[str], str]
_PURPOSES = (("consent_sms", consent.SMS), ("consent_email", consent.EMAIL))


async def import_case_list(
    session: AsyncSession,
    lac_session: LacSession,
    report: ImportReport,
    *,
    by: str,
    fingerprint: Fingerprint,
    now: datetime | None = None,
) -> list[ImportedRow]:
    """Write every row of a checked report; the caller commits (all rows or none)."""
    if not report.ok:
        raise ValueError("the case list has errors; nothing was imported")
    if lac_session.status != "planned":
        raise ValueError("this session is cancelled: import the list into a planned session")
    if report.place_short:  # the list's "plaats kort" column: the place as SMS name it
        lac_session.place_short = report.place_short
    done = []
    lookups = Lookups()  # one plan and one look at each template for the whole list
    for row in report.cases:
        client, reused, changes = await _client_for(session, lac_session, row.client, fingerprint)
        recorded = await _record_consent(session, client, row.client, by)
        changes += recorded if reused else []  # what changed about a client we knew
        data = CaseData(
            client_id=client.id,
            reason=row.reason,
            water_company=row.water_company,
            reference=row.reference,
            worker_id=row.worker_id,
            appointment_at=row.appointment_at,
        )
        case = await add_case(session, lac_session, data, now=now)
        steps = await preview_case(session, case, lookups)
        imported = ImportedRow(row.row, case, client, reused, changes, steps)
        imported.unreachable = case_list.unreachable(steps)
        if imported.unreachable:
            name = f"{client.first_name} {client.last_name}"
            task = inbox.open_task(
                session,
                client.organisation_id,
                "unreachable",
                f"Niet bereikbaar: {name}: {imported.unreachable}"[:300],
                client_id=client.id,
                case_id=case.id,
                assigned_to=None,
            )
            await session.flush()
            imported.task_id = task.id
        done.append(imported)
    return done


async def _client_for(
    session: AsyncSession,
    lac_session: LacSession,
    imported: ImportedClient,
    fingerprint: Fingerprint,
) -> tuple[Client, bool, list[str]]:
    """The known client (by INSZ, else by mobile number or email), updated; or a new one."""
    organisation_id = lac_session.organisation_id
    number_hash = fingerprint(imported.national_number) if imported.national_number else None
    client = await _known_client(session, organisation_id, imported, number_hash)
    if client is None:
        client = await create_client(session, organisation_id, _client_data(imported))
        client.national_number_hash = number_hash
        return client, False, []
    return client, True, _update_known(client, imported, number_hash)


def _client_data(imported: ImportedClient) -> ClientData:
    return ClientData(
        first_name=imported.first_name,
        last_name=imported.last_name,
        language=imported.language,
        phone_number=imported.phone_number,
        email=imported.email,
        address=tuple(imported.address_lines[1:]),
        no_sms=imported.no_sms,
        no_letters_at_home=imported.no_letters_at_home,
        shared_phone=imported.shared_phone,
    )


def _update_known(client: Client, imported: ImportedClient, number_hash: str | None) -> list[str]:
    """A newer list brings newer contact details; a safety flag is added, never taken away."""
    changes = []
    for attribute, label, value in (
        ("phone_number", "gsm-nummer", imported.phone_number),
        ("email", "e-mailadres", imported.email),
        ("address_lines", "adres", list(imported.address_lines) or None),
    ):
        if value and getattr(client, attribute) != value:
            setattr(client, attribute, value)
            changes.append(f"nieuw {label}")
    for flag, label in (
        ("no_sms", "geen sms"),
        ("no_letters_at_home", "geen brieven thuis"),
        ("shared_phone", "gedeelde gsm"),
    ):
        if getattr(imported, flag) and not getattr(client, flag):
            setattr(client, flag, True)
            changes.append(f"veiligheidsvlag '{label}' erbij")
    if number_hash and client.national_number_hash is None:
        client.national_number_hash = number_hash
        changes.append("rijksregisternummer erbij")
    return changes


async def _known_client(
    session: AsyncSession, organisation_id: str, imported: ImportedClient, number_hash: str | None
) -> Client | None:
    mine = select(Client).where(Client.organisation_id == organisation_id)
    if number_hash:
        found = await session.scalar(mine.where(Client.national_number_hash == number_hash))
        if found is not None:
            return found
    # A shared phone is not a person: two clients on one phone stay two clients.
    phone = None if imported.shared_phone else imported.phone_number
    if phone:
        query = mine.where(Client.phone_number == phone, Client.shared_phone.is_(False))
        found = await session.scalar(query.limit(1))
        if found is not None:
            return found
    if imported.email:
        return await session.scalar(mine.where(Client.email == imported.email).limit(1))
    return None


async def _record_consent(
    session: AsyncSession, client: Client, imported: ImportedClient, by: str
) -> list[str]:
    """Consent asked at intake, recorded as such; only when it changes what is on record."""
    changes = []
    for attribute, purpose in _PURPOSES:
        given = getattr(imported, attribute)
        if given is None:
            continue
        before = await consent.latest(session, client.id, purpose)
        if before is not None and before.given == given:
            continue
        statement = consent.Statement(purpose=purpose, given=given, method="intake", recorded_by=by)
        await consent.add_statement(session, client, statement)
        changes.append(f"toestemming {purpose}: {'ja' if given else 'nee'}")
    return changes


async def preview_case_list(
    session: AsyncSession,
    lac_session: LacSession,
    report: ImportReport,
    *,
    fingerprint: Fingerprint,
    now: datetime | None = None,
) -> list[RowPreview]:
    """What the import would plan for every row, without writing anything (a dry run)."""
    previews = []
    organisation_id = lac_session.organisation_id
    lookups = Lookups()
    for row in report.cases:
        imported = row.client
        number_hash = fingerprint(imported.national_number) if imported.national_number else None
        known = await _known_client(session, organisation_id, imported, number_hash)
        client = _as_client(organisation_id, imported, known)
        facts = await facts_for_new(
            session,
            organisation_id,
            client.phone_number,
            sms_consent=await _consent_after(session, known, imported.consent_sms, consent.SMS),
            email_consent=await _consent_after(
                session, known, imported.consent_email, consent.EMAIL
            ),
        )
        case = Case(
            organisation_id=organisation_id,
            client_id=known.id if known else "",
            session_id=lac_session.id,
            reason=row.reason,
            water_company=row.water_company,
            reference=row.reference,
            worker_id=row.worker_id,
            appointment_at=row.appointment_at,
        )
        steps = await preview_new_case(
            session, lac_session, case, client, facts, now=now, lookups=lookups
        )
        name = f"{imported.first_name} {imported.last_name}"
        previews.append(
            RowPreview(row.row, name, known is not None, steps, case_list.unreachable(steps))
        )
    return previews


def _as_client(organisation_id: str, imported: ImportedClient, known: Client | None) -> Client:
    """The client as the import would leave it, in memory only (never added to the session)."""
    return Client(
        organisation_id=organisation_id,
        first_name=known.first_name if known else imported.first_name,
        last_name=known.last_name if known else imported.last_name,
        language=known.language if known else imported.language,
        phone_number=imported.phone_number or (known.phone_number if known else None),
        email=imported.email or (known.email if known else None),
        address_lines=list(imported.address_lines) or (list(known.address_lines) if known else []),
        no_sms=imported.no_sms or bool(known and known.no_sms),
        no_letters_at_home=imported.no_letters_at_home or bool(known and known.no_letters_at_home),
        shared_phone=imported.shared_phone or bool(known and known.shared_phone),
    )


async def _consent_after(
    session: AsyncSession, known: Client | None, given: bool | None, purpose: str
) -> bool:
    if given is not None:
        return given
    return known is not None and await consent.allows(session, known.id, purpose)
