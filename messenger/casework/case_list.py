"""Importing a checked case list into a session: clients found or made, consent from intake
recorded, cases planned, and every client nobody can reach turned into a task at once.

The file itself is read and checked in case_import.py (pure); this module writes. All rows
or none: nothing here commits, the caller commits when `import_case_list` returns.

A list of thousands of rows is written in a handful of statements: what the database knows
about the list's clients is read at once (case_list_lookups.py), every row is then worked out
in memory in file order (case_list_plans.py: the reminders and the plan preview), and the new
clients, consent records, cases and reminders go in as one bulk insert each
(case_list_rows.py). The outcome is the one a row at a time would give.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.case_import import collector_paused
from messenger.casework.case_import_report import (
    ImportContext,
    ImportedCase,
    ImportedClient,
    ImportReport,
    Progress,
)
from messenger.casework.case_list_lookups import ListLookups, look_up
from messenger.casework.case_list_plans import CasePlans, foreseen
from messenger.casework.case_list_rows import (
    Fingerprint,
    NewRows,
    Stamps,
    check_worker,
    plain,
    unstored,
)
from messenger.casework.cases import CaseData, check_case
from messenger.casework.plan_preview import StepPreview
from messenger.casework.reachability import Facts
from messenger.casework.staff import list_staff
from messenger.messages import consent
from messenger.platform.models import Case, Client, LacSession, utcnow

_PURPOSES = (("consent_sms", consent.SMS), ("consent_email", consent.EMAIL))


@dataclass
class ImportedRow:
    row: int
    case: Case
    client: Client
    reused: bool
    # What the list changed about a known client, in Dutch, for the social worker.
    changes: list[str] = field(default_factory=list)
    steps: list[StepPreview] = field(default_factory=list)
    unreachable: str | None = None
    task_id: str | None = None


async def import_context(session: AsyncSession, lac_session: LacSession) -> ImportContext:
    staff = await list_staff(session, lac_session.organisation_id, active_only=True)
    return ImportContext(staff=[(m.id, m.name) for m in staff], session_start=lac_session.starts_at)


def _hashes(report: ImportReport, fingerprint: Fingerprint) -> list[str | None]:
    return [
        fingerprint(row.client.national_number) if row.client.national_number else None
        for row in report.cases
    ]


async def import_case_list(
    session: AsyncSession,
    lac_session: LacSession,
    report: ImportReport,
    *,
    by: str,
    fingerprint: Fingerprint,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> list[ImportedRow]:
    """Write every row of a checked report; the caller commits (all rows or none).
    `progress`: called after each row is worked out, with (rows done, rows in all)."""
    if not report.ok:
        raise ValueError("the case list has errors; nothing was imported")
    if lac_session.status != "planned":
        raise ValueError("this session is cancelled: import the list into a planned session")
    if report.place_short:  # the list's "plaats kort" column: the place as SMS name it
        lac_session.place_short = report.place_short
    organisation_id = lac_session.organisation_id
    now = now or utcnow()
    hashes = _hashes(report, fingerprint)
    known = await look_up(session, organisation_id, report.cases, hashes, attempts=True)
    plans = await CasePlans.load(session, lac_session, now)
    writing, stamps = _Writing(known, plans, NewRows(), lac_session, by), Stamps()
    done = []
    with collector_paused():
        for number, (row, number_hash) in enumerate(zip(report.cases, hashes, strict=True), 1):
            await _now_and_then(number)
            done.append(await writing.row(session, row, number_hash, stamps.next()))
            if progress is not None:
                progress(number, len(report.cases))
        await writing.rows.insert(session)
    return done


async def _now_and_then(number: int) -> None:
    """Let the event loop serve others between rows: a list of thousands takes seconds."""
    if number % 100 == 0:
        await asyncio.sleep(0)


@dataclass
class _Writing:
    """One list being written: what was read for it, its plan, and the rows it adds."""

    known: ListLookups
    plans: CasePlans
    rows: NewRows
    lac_session: LacSession
    by: str

    async def row(
        self, session: AsyncSession, row: ImportedCase, number_hash: str | None, stamp: datetime
    ) -> ImportedRow:
        """One row, as create_client, consent.add_statement and add_case would write it."""
        known, plans, rows = self.known, self.plans, self.rows
        organisation_id = self.lac_session.organisation_id
        client, reused, changes = _client_for(known, rows, organisation_id, row, number_hash, stamp)
        recorded = _record_consent(known, rows, client, row.client, self.by, stamp)
        changes += recorded if reused else []  # what changed about a client we knew
        case = _new_case(known, rows, self.lac_session, client, row, stamp)
        # The rules below read the client as this row leaves it, and the case, many times.
        client_now, case_now = plain(client), plain(case)
        timed = plans.timed(case_now.reason, case_now.appointment_at)
        facts = known.facts(client_now)
        for step, due in timed:
            verdict = foreseen(client_now, step.channels, facts)
            rows.add_reminder(case_now, step.name, due, step.channels, verdict, stamp)
        # A new case of a client with a contact attempt of its own may count it (conditions).
        happened = (
            await plans.lookups.happened_on(session, case)
            if client.id in known.attempted and timed
            else frozenset[str]()
        )
        worker = known.workers.get(row.worker_id) if row.worker_id else None
        steps = await plans.preview(session, case_now, client_now, worker, facts, timed, happened)
        imported = ImportedRow(row.row, case, client, reused, changes, steps)
        imported.unreachable = unreachable(steps)
        if imported.unreachable:  # a task at once, not on the day a step finds nobody
            name = f"{client.first_name} {client.last_name}"
            title = f"Niet bereikbaar: {name}: {imported.unreachable}"[:300]
            imported.task_id = rows.add_task(case, client, title, stamp)
        return imported


def unreachable(steps: list[StepPreview]) -> str | None:
    """Why no step of the plan can reach the client, or None when one can."""
    if not steps or any(s.channel for s in steps):
        return None
    passed = {channel: why for s in steps for channel, why in s.passed_over}
    return "; ".join(f"{channel}: {why}" for channel, why in passed.items())


def _client_for(
    known: ListLookups,
    rows: NewRows,
    organisation_id: str,
    row: ImportedCase,
    number_hash: str | None,
    stamp: datetime,
) -> tuple[Client, bool, list[str]]:
    """The known client (by INSZ, else by mobile number or email), updated; or a new one."""
    imported = row.client
    client = known.clients.find(
        imported.phone_number, imported.email, imported.shared_phone, number_hash
    )
    if client is None:
        client = rows.new_client(organisation_id, imported, number_hash, stamp)
        known.clients.add(client)
        return client, False, []
    changes = _update_known(client, imported, number_hash)
    if changes:
        known.clients.changed(client)
    return client, True, changes


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


def _record_consent(
    known: ListLookups,
    rows: NewRows,
    client: Client,
    imported: ImportedClient,
    by: str,
    stamp: datetime,
) -> list[str]:
    """Consent asked at intake, recorded as such; only when it changes what is on record."""
    changes = []
    for attribute, purpose in _PURPOSES:
        given = getattr(imported, attribute)
        if given is None:
            continue
        if known.consent.get((client.id, purpose)) == given:
            continue
        rows.add_consent(client, purpose, given, by, stamp)
        known.record_consent(client.id, purpose, given)
        changes.append(f"toestemming {purpose}: {'ja' if given else 'nee'}")
    return changes


def _new_case(
    known: ListLookups,
    rows: NewRows,
    lac_session: LacSession,
    client: Client,
    row: ImportedCase,
    stamp: datetime,
) -> Case:
    """cases.add_case's checks, then the case (stored with the others by NewRows)."""
    data = CaseData(
        client_id=client.id,
        reason=row.reason,
        water_company=row.water_company,
        reference=row.reference,
        worker_id=row.worker_id,
        appointment_at=row.appointment_at,
    )
    check_case(data)
    check_worker(known.staff, lac_session.organisation_id, data.worker_id)
    return rows.new_case(lac_session, data, stamp)


@dataclass
class RowPreview:
    row: int
    name: str
    reused: bool
    steps: list[StepPreview]
    unreachable: str | None


async def preview_case_list(
    session: AsyncSession,
    lac_session: LacSession,
    report: ImportReport,
    *,
    fingerprint: Fingerprint,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> list[RowPreview]:
    """What the import would plan for every row, without writing anything (a dry run)."""
    previews = []
    organisation_id = lac_session.organisation_id
    now = now or utcnow()
    hashes = _hashes(report, fingerprint)
    known = await look_up(session, organisation_id, report.cases, hashes)
    plans = await CasePlans.load(session, lac_session, now)
    with collector_paused():
        for number, (row, number_hash) in enumerate(zip(report.cases, hashes, strict=True), 1):
            await _now_and_then(number)
            imported = row.client
            found = known.clients.find(
                imported.phone_number, imported.email, imported.shared_phone, number_hash
            )
            client = _as_client(organisation_id, imported, found)
            facts = Facts(
                opted_out=bool(client.phone_number) and client.phone_number in known.stopped,
                sms_consent=_consent_after(known, found, imported.consent_sms, consent.SMS),
                email_consent=_consent_after(known, found, imported.consent_email, consent.EMAIL),
            )
            case = unstored(
                Case,
                organisation_id=organisation_id,
                client_id=found.id if found else "",
                session_id=lac_session.id,
                reason=row.reason,
                water_company=row.water_company,
                reference=row.reference,
                worker_id=row.worker_id,
                appointment_at=row.appointment_at,
            )
            worker = known.workers.get(row.worker_id) if row.worker_id else None
            timed = plans.timed(row.reason, row.appointment_at)
            # Nothing has happened yet on a case that is not stored: no condition holds.
            steps = await plans.preview(session, case, client, worker, facts, timed, frozenset())
            name = f"{imported.first_name} {imported.last_name}"
            previews.append(RowPreview(row.row, name, found is not None, steps, unreachable(steps)))
            if progress is not None:
                progress(number, len(report.cases))
    return previews


def _as_client(organisation_id: str, imported: ImportedClient, known: Client | None) -> Any:
    """The client as the import would leave it, in memory only (a plain copy, never stored)."""
    return unstored(
        Client,
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


def _consent_after(
    known: ListLookups, client: Client | None, given: bool | None, purpose: str
) -> bool:
    if given is not None:
        return given
    return client is not None and known.allows(client.id, purpose)
