"""Aftercare: an outcome starts the follow-up steps; a water company's failed payment plan
starts the outreach letter and a task; a water company sees only its own cases."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from messenger.aftercare import outcomes
from messenger.casework import cases, reminders
from messenger.casework.clients import ClientData, create_client
from messenger.platform.api_keys import issue_key
from messenger.platform.db import Sessions
from messenger.platform.encryption import secret_box
from messenger.platform.models import Message, Organisation, Reminder, Task
from messenger.platform.settings import Settings
from messenger.wording import template_store
from tests.support import Tenant

SESSION_AT = datetime(2030, 12, 10, 9, tzinfo=UTC)  # Tuesday 10:00 in Brussels
OUTCOME_AT = datetime(2030, 12, 10, 11, tzinfo=UTC)  # noon, after the session


async def _case(sessions: Sessions, tenant: Tenant, company: str = "De Watergroep") -> str:
    async with sessions() as session:
        await template_store.sync_shipped(session)
        organisation = await session.get(Organisation, tenant.organisation_id)
        assert organisation is not None
        organisation.contact_name, organisation.contact_phone = "Jan Peeters", "09 123 45 67"
        organisation.contact_email = "jan@ocmw.example"
        organisation.walk_in_address = "Onderbergen 86, 9000 Gent"
        organisation.opening_hours = "maandag tot vrijdag van 9 tot 12 uur"
        client = await create_client(
            session,
            tenant.organisation_id,
            ClientData(
                "Sara", "Janssens", email="sara@example.be", address=("Kerkstraat 1", "9000 Gent")
            ),
        )
        lac = await cases.create_session(session, tenant.organisation_id, SESSION_AT, "Markt 1")
        case = await cases.add_case(
            session,
            lac,
            cases.CaseData(client_id=client.id, water_company=company),
            now=datetime(2030, 11, 1, tzinfo=UTC),
        )
        await session.commit()
        return case.id


async def _aftercare(sessions: Sessions, case_id: str) -> dict[str, datetime]:
    names = (
        "samenvatting",
        "niet-gekomen",
        "doorverwijzing",
        "afbetalingsplan-30-dagen",
        "afbetalingsplan-mislukt",
    )
    async with sessions() as session:
        rows = await session.scalars(
            select(Reminder).where(Reminder.case_id == case_id, Reminder.step.in_(names))
        )
        return {r.step: r.due_at for r in rows}


async def test_an_attended_session_with_a_payment_plan_gets_every_follow_up(
    sessions: Sessions, tenant: Tenant
) -> None:
    case_id = await _case(sessions, tenant)
    async with sessions() as session:
        case = await cases.own_case(session, tenant.organisation_id, case_id)
        await outcomes.record_outcome(
            session,
            case,
            attended=True,
            decision="payment-plan",
            agreed="U betaalt elke maand 25 euro. De eerste keer is op 1 januari.",
            recorded_by="Jan",
            at=OUTCOME_AT,
        )
        await session.commit()
    assert await _aftercare(sessions, case_id) == {
        # The next working day at 10:00 Brussels (winter: UTC+1).
        "samenvatting": datetime(2030, 12, 11, 9, tzinfo=UTC),
        # Four working days later (Monday to Friday): over the weekend to Monday 16th.
        "doorverwijzing": datetime(2030, 12, 16, 9, tzinfo=UTC),
        "afbetalingsplan-30-dagen": datetime(2031, 1, 9, 9, tzinfo=UTC),
    }
    await reminders.send_due(sessions, None, now=datetime(2030, 12, 11, 9, 5, tzinfo=UTC))
    async with sessions() as session:
        [letter] = list(await session.scalars(select(Message).where(Message.kind == "letter")))
    assert "U betaalt elke maand 25 euro" in letter.body
    assert "dinsdag 10 december 2030" in letter.body


async def test_a_client_who_did_not_come_gets_a_task_and_the_niet_gekomen_letter(
    sessions: Sessions, tenant: Tenant
) -> None:
    case_id = await _case(sessions, tenant)
    async with sessions() as session:
        case = await cases.own_case(session, tenant.organisation_id, case_id)
        await outcomes.record_outcome(
            session,
            case,
            attended=False,
            decision=None,
            agreed=None,
            recorded_by="Jan",
            at=OUTCOME_AT,
        )
        await session.commit()
        [task] = list(await session.scalars(select(Task)))
    assert task.kind == "outreach" and task.case_id == case_id
    # What was decided without the client; no summary, no "we spraken onlangs".
    assert set(await _aftercare(sessions, case_id)) == {"niet-gekomen"}


async def test_a_water_company_reports_on_its_own_cases_only(
    api: str, sessions: Sessions, tenant: Tenant, settings: Settings
) -> None:
    ours = await _case(sessions, tenant, "Farys")
    theirs = await _case(sessions, tenant, "Pidpa")
    async with sessions() as session:
        issued = await issue_key(
            session,
            secret_box(settings),
            organisation_id=tenant.organisation_id,
            name="farys",
            key_type="live",
            role="water-company",
            water_company="Farys",
        )
        await session.commit()
    farys = Tenant(organisation_id=tenant.organisation_id, api_key=issued.combined)
    async with httpx.AsyncClient(base_url=api) as http:
        listed = (await http.get("/v2/water-company/cases", headers=farys.headers())).json()
        assert [c["id"] for c in listed] == [ours]
        assert set(listed[0]) == {"id", "reference", "reason", "status", "created_at"}
        other = await http.post(
            f"/v2/water-company/cases/{theirs}/events",
            json={"kind": "payment-plan-failed"},
            headers=farys.headers(),
        )
        assert other.status_code == 404
        bad = await http.post(
            f"/v2/water-company/cases/{ours}/events", json={"kind": "boos"}, headers=farys.headers()
        )
        assert bad.status_code == 400
        reported = await http.post(
            f"/v2/water-company/cases/{ours}/events",
            json={"kind": "payment-plan-failed", "note": "2 maanden niet betaald"},
            headers=farys.headers(),
        )
        assert reported.status_code == 201, reported.text
        case = (await http.get(f"/v2/cases/{ours}", headers=tenant.headers())).json()
        assert [(e["kind"], e["source"]) for e in case["events"]] == [
            ("payment-plan-failed", "water-company")
        ]
        assert case["events"][0]["details"] == {"note": "2 maanden niet betaald"}
        assert (await http.get("/v2/clients/x", headers=farys.headers())).status_code == 403
        assert (await http.get("/v2/inbox", headers=farys.headers())).status_code == 403
        assert (
            await http.get("/v2/water-company/cases", headers=tenant.headers())
        ).status_code == 403
    async with sessions() as session:
        [task] = list(await session.scalars(select(Task)))
    assert (task.kind, task.case_id) == ("payment-plan-failed", ours)
    assert "afbetalingsplan-mislukt" in await _aftercare(sessions, ours)
