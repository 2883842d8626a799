"""A case has one outcome, recorded once its session has started; a correction is an explicit
amendment that plans the aftercare again and cancels the steps that no longer fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from messenger.aftercare import outcomes
from messenger.casework import cases, reminders
from messenger.platform.clock import SimulatedClock
from messenger.platform.db import Sessions
from messenger.platform.models import CaseEvent, Reminder, Task
from tests.support import Tenant
from tests.test_aftercare import OUTCOME_AT, SESSION_AT, _case


@pytest.fixture
def clock() -> SimulatedClock:
    """The API's clock: an hour before the session starts."""
    return SimulatedClock(SESSION_AT - timedelta(hours=1))


async def _steps(sessions: Sessions, case_id: str) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Reminder).where(
                Reminder.case_id == case_id,
                Reminder.step.in_(("samenvatting", "doorverwijzing", "afbetalingsplan-30-dagen")),
            )
        )
        return {r.step: r.status for r in rows}


async def test_no_outcome_before_the_session_starts_and_only_one(
    api: str, sessions: Sessions, tenant: Tenant, clock: SimulatedClock
) -> None:
    case_id = await _case(sessions, tenant)
    outcome = {"attended": True, "decision": "payment-plan", "agreed": "25 euro per maand"}
    async with httpx.AsyncClient(base_url=api) as http:
        early = await http.post(
            f"/v2/cases/{case_id}/outcome", json=outcome, headers=tenant.headers()
        )
        assert early.status_code == 400
        assert "de zitting" not in early.text  # an API message in English, naming the field
        assert early.json()["errors"][0]["message"].startswith("outcome: the session starts")
        assert await _steps(sessions, case_id) == {}

        clock.advance_to(SESSION_AT + timedelta(hours=2))
        first = await http.post(
            f"/v2/cases/{case_id}/outcome", json=outcome, headers=tenant.headers()
        )
        assert first.status_code == 201, first.text
        again = await http.post(
            f"/v2/cases/{case_id}/outcome", json=outcome, headers=tenant.headers()
        )
        assert again.status_code == 400 and "amendment" in again.text
    async with sessions() as session:
        events = list(await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)))
    assert [e.kind for e in events] == ["outcome"]


async def test_an_amendment_replans_the_aftercare_and_cancels_what_no_longer_fits(
    sessions: Sessions, tenant: Tenant
) -> None:
    case_id = await _case(sessions, tenant)
    async with sessions() as session:
        case = await cases.own_case(session, tenant.organisation_id, case_id)
        first = await outcomes.record_outcome(
            session,
            case,
            attended=True,
            decision="payment-plan",
            agreed="25 euro per maand",
            recorded_by="Jan",
            at=OUTCOME_AT,
        )
        await session.commit()
    assert await _steps(sessions, case_id) == {
        "samenvatting": "pending",
        "doorverwijzing": "pending",
        "afbetalingsplan-30-dagen": "pending",
    }
    # The summary went out the next working day.
    await reminders.send_due(sessions, None, now=datetime(2030, 12, 11, 9, 5, tzinfo=UTC))

    async with sessions() as session:
        case = await cases.own_case(session, tenant.organisation_id, case_id)
        with pytest.raises(ValueError, match="reason"):
            await outcomes.amend_outcome(
                session,
                case,
                attended=True,
                decision="flow-limiter",
                agreed=None,
                reason=" ",
                recorded_by="Jan",
            )
        amended = await outcomes.amend_outcome(
            session,
            case,
            attended=True,
            decision="flow-limiter",
            agreed="Een waterbegrenzer, geen afbetalingsplan",
            reason="verkeerd ingevuld: de LAC besliste een waterbegrenzer",
            recorded_by="Lies",
            now=datetime(2030, 12, 11, 15, tzinfo=UTC),
        )
        await session.commit()
    assert amended.details["amends"] == first.id
    assert amended.details["reason"].startswith("verkeerd ingevuld")
    async with sessions() as session:
        rows = list(await session.scalars(select(Reminder).where(Reminder.case_id == case_id)))
    by_step: dict[str, list[str]] = {}
    for row in rows:
        by_step.setdefault(row.step, []).append(row.status)
    # Sent once, not again; the payment-plan check-in no longer fits; the referral is planned
    # again from the amendment.
    assert sorted(by_step["samenvatting"]) == ["sent"]
    assert sorted(by_step["afbetalingsplan-30-dagen"]) == ["cancelled"]
    assert sorted(by_step["doorverwijzing"]) == ["cancelled", "pending"]
    cancelled = next(r for r in rows if r.status == "cancelled")
    assert cancelled.note == "de uitkomst is aangepast"


async def test_amending_to_not_attended_opens_an_outreach_task(
    sessions: Sessions, tenant: Tenant
) -> None:
    case_id = await _case(sessions, tenant)
    async with sessions() as session:
        case = await cases.own_case(session, tenant.organisation_id, case_id)
        with pytest.raises(ValueError, match="no outcome to amend"):
            await outcomes.amend_outcome(
                session,
                case,
                attended=False,
                decision=None,
                agreed=None,
                reason="x",
                recorded_by="Jan",
            )
        await outcomes.record_outcome(
            session,
            case,
            attended=True,
            decision="none",
            agreed=None,
            recorded_by="Jan",
            at=OUTCOME_AT,
        )
        await outcomes.amend_outcome(
            session,
            case,
            attended=False,
            decision=None,
            agreed=None,
            reason="verkeerde cliënt aangeduid",
            recorded_by="Jan",
            now=OUTCOME_AT + timedelta(hours=1),
        )
        await session.commit()
        tasks = list(await session.scalars(select(Task).where(Task.case_id == case_id)))
    assert [t.kind for t in tasks] == ["outreach"]
