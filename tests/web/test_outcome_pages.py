"""The outcome of a session for one case, on the pages: not before the session starts; after
it, recorded once (a client who did not come gets a task), corrected later only with a reason."""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy import select

from messenger.platform.clock import Clock, SimulatedClock
from messenger.platform.dates import BRUSSELS
from messenger.platform.db import Sessions
from messenger.platform.models import CaseEvent, Task
from tests.web.conftest import Replied
from tests.web.support import Person, csrf_of, sign_in

AFTER_SESSION = datetime(2026, 12, 15, 12, tzinfo=BRUSSELS)


async def test_an_outcome_is_recorded_after_the_session_and_corrected_with_a_reason(
    http: httpx.AsyncClient, sessions: Sessions, replied: Replied, clock: Clock
) -> None:
    path = f"/dossiers/{replied.case_id}/uitkomst"
    form = await http.get(path)
    token = csrf_of(form)
    fields = {"csrf": token, "attended": "nee", "decision": "none"}
    early = await http.post(path, data=fields)
    assert early.status_code == 400
    assert "De zitting begint pas op 15/12/2026 om 10.00 uur." in early.text

    assert isinstance(clock, SimulatedClock)
    clock.advance_to(AFTER_SESSION)  # three weeks on: the old session has ended, sign in again
    await sign_in(http, Person("an@ocmw.be", replied.client_id))
    fields["csrf"] = csrf_of(await http.get(path))
    done = await http.post(path, data=fields)
    assert done.status_code == 303
    page = await http.get(done.headers["location"])
    assert "Uitkomst genoteerd. De nazorg is gepland." in page.text

    again = await http.get(path)
    assert "Uitkomst aanpassen" in again.text and "Nu genoteerd: kwam niet" in again.text
    no_reason = await http.post(path, data={**fields, "attended": "ja", "decision": "payment-plan"})
    assert no_reason.status_code == 400 and "Zeg waarom u de uitkomst aanpast." in no_reason.text
    amended = await http.post(
        path,
        data={**fields, "attended": "ja", "decision": "payment-plan", "agreed": "25 euro per maand",
              "reason": "Kwam toch, wat later."},
    )  # fmt: skip
    assert amended.status_code == 303
    async with sessions() as session:
        events = list(
            await session.scalars(
                select(CaseEvent).where(CaseEvent.kind == "outcome").order_by(CaseEvent.occurred_at)
            )
        )
        outreach = await session.scalar(select(Task).where(Task.kind == "outreach"))
    assert [e.details["attended"] for e in events] == [False, True]
    assert events[1].details["reason"] == "Kwam toch, wat later."
    assert events[1].details["agreed"] == "25 euro per maand"
    assert outreach is not None and outreach.client_id == replied.client_id


async def test_an_outcome_needs_its_answers(http: httpx.AsyncClient, replied: Replied) -> None:
    path = f"/dossiers/{replied.case_id}/uitkomst"
    refused = await http.post(path, data={"csrf": csrf_of(await http.get(path))})
    assert refused.status_code == 400
    assert '<a href="#attended">' in refused.text and '<a href="#decision">' in refused.text
