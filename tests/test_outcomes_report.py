"""Outcomes after the session, and the "what works" report from real rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select, update

from messenger.casework import cases
from messenger.casework.clients import ClientData, create_client
from messenger.messages import statuses
from messenger.messages.sending import Origin, SendRequest, accept
from messenger.platform.clock import SimulatedClock
from messenger.platform.db import Sessions
from messenger.platform.models import Message, Task
from messenger.wording import template_store
from messenger.wording.template_files import template_id
from tests.support import Tenant

START, END = "2030-01-01T00:00:00+00:00", "2031-01-01T00:00:00+00:00"


@pytest.fixture
def clock() -> SimulatedClock:
    """The API's day: the session of 10 December 2030 has been held."""
    return SimulatedClock(datetime(2030, 12, 10, 12, tzinfo=UTC))


async def _case(sessions: Sessions, tenant: Tenant, first: str) -> tuple[str, str]:
    async with sessions() as session:
        await template_store.sync_shipped(session)
        client = await create_client(
            session,
            tenant.organisation_id,
            ClientData(first, "Janssens", address=("Kerkstraat 1", "9000 Gent")),
        )
        lac = await cases.create_session(
            session, tenant.organisation_id, datetime(2030, 12, 10, 9, tzinfo=UTC), "Markt 1"
        )
        case = await cases.add_case(session, lac, cases.CaseData(client_id=client.id))
        await session.commit()
        return client.id, case.id


async def _letter(
    sessions: Sessions, tenant: Tenant, client_id: str, case_id: str, status: str
) -> None:
    async with sessions() as session:
        message = await accept(
            session,
            None,
            Origin(tenant.organisation_id),
            SendRequest(
                kind="letter",
                template_id=template_id("lac-opvolging-brief"),
                personalisation={
                    "naam": "Sara",
                    "datum_zitting": "2030-12-10",
                    "afspraken": "Elke maand 25 euro.",
                    "telefoon": "09 1",
                    "email": "a@b.be",
                    "maatschappelijk_werker": "Jan",
                    "ocmw": "OCMW Gent",
                    "onthaal_adres": "Onderbergen 86, 9000 Gent",
                    "openingsuren": "ma-vr 9-12 uur",
                    "address_line_1": "Sara Janssens",
                    "address_line_2": "Kerkstraat 1",
                    "address_line_3": "9000 Gent",
                },
                client_id=client_id,
                case_id=case_id,
            ),
        )
        await session.execute(
            update(Message)
            .where(Message.id == message.id)
            .values(status=status, created_at=datetime(2030, 12, 2, 9, tzinfo=UTC))
        )
        await session.commit()


async def test_outcomes_and_the_report(api: str, sessions: Sessions, tenant: Tenant) -> None:
    came_client, came_case = await _case(sessions, tenant, "Sara")
    away_client, away_case = await _case(sessions, tenant, "Bert")
    await _letter(sessions, tenant, came_client, came_case, statuses.SENT)
    await _letter(sessions, tenant, away_client, away_case, statuses.RETURNED_LETTER)
    async with httpx.AsyncClient(base_url=api) as http:
        bad = await http.post(
            f"/v2/cases/{came_case}/outcome",
            json={"attended": True, "decision": "jail"},
            headers=tenant.headers(),
        )
        assert bad.status_code == 400 and "decision must be one of" in bad.text
        for case_id, attended in ((came_case, True), (away_case, False)):
            response = await http.post(
                f"/v2/cases/{case_id}/outcome",
                json={"attended": attended, "decision": "payment-plan" if attended else None},
                headers=tenant.headers(),
            )
            assert response.status_code == 201, response.text
        card = await http.post(
            f"/v2/clients/{away_client}/contact-attempts",
            json={
                "method": "card",
                "outcome": "left-card",
                "case_id": away_case,
                "attempted_at": "2030-12-05T14:30:00+01:00",
            },
            headers=tenant.headers(),
        )
        assert card.status_code == 201, card.text
        rows = (
            await http.get(
                "/v2/reports/what-works",
                params={"start": START, "end": END},
                headers=tenant.headers(),
            )
        ).json()
        as_csv = await http.get(
            "/v2/reports/what-works",
            params={"start": START, "end": END, "format": "csv"},
            headers=tenant.headers(),
        )
    by = {(r["dimension"], r["value"]): r for r in rows}
    letters = by[("method", "letter")]
    assert (letters["attempts"], letters["delivered"], letters["attended"]) == (2, 1, 1)
    assert letters["attended_rate"] == 0.5
    assert (
        round(letters["attended_low"], 4) == 0.0945 and round(letters["attended_high"], 4) == 0.9055
    )
    cards = by[("method", "card")]
    assert (cards["attempts"], cards["delivered"], cards["attended"]) == (1, 1, 0)
    assert by[("weekday", "donderdag")]["attempts"] == 1  # 5 December 2030, 14:30 in Brussels
    assert by[("hour", "14")]["attempts"] == 1
    parsed = list(csv.reader(io.StringIO(as_csv.text), delimiter=";"))
    assert parsed[0][:3] == ["dimension", "value", "attempts"]
    async with sessions() as session:
        [task] = list(await session.scalars(select(Task)))
    assert (task.kind, task.case_id) == ("outreach", away_case)
