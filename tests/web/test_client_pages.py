"""The client and inbox pages: find a client, read their plan and story, note a home visit;
answer the inbox (take a task, close it, mark a reply handled). Nothing of it is reachable
from another organisation."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from messenger.platform.db import Sessions
from messenger.platform.models import Case, ContactAttempt, Organisation, ReceivedMessage, Task
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.support import Tenant
from tests.web.conftest import Replied
from tests.web.support import csrf_of, make_person, sign_in


@pytest.mark.parametrize("query", ["Janssens", "sara jans", "0470 12 34 56", "00.00.00-001.96"])
async def test_a_client_is_found_by_name_number_or_national_number(
    http: httpx.AsyncClient, replied: Replied, query: str
) -> None:
    page = await http.get("/clienten", params={"q": query})
    assert page.status_code == 200
    assert f'href="/clienten/{replied.client_id}"' in page.text
    assert "Benali" not in page.text


async def test_the_client_page_shows_plan_story_and_flags(
    http: httpx.AsyncClient, replied: Replied
) -> None:
    page = await http.get(f"/clienten/{replied.client_id}")
    assert page.status_code == 200
    text = page.text
    assert "Sara Janssens" in text and "0470123456" not in text  # shown as stored: E.164
    assert "+32470123456" in text
    assert "De Watergroep (DW-2026-0412)" in text
    assert "Uitnodiging" in text and "Herinnering" in text  # the plan's steps
    assert "Antwoord: “Ik werk die dag. Kan het later?”" in text
    assert "Taak: " in text  # the call-back task the first reply made


async def test_a_home_visit_is_noted_with_its_outcome(
    http: httpx.AsyncClient, sessions: Sessions, replied: Replied
) -> None:
    form = await http.get(f"/clienten/{replied.client_id}/contactpoging")
    assert 'value="2026-11-23"' in form.text and 'value="09:00"' in form.text  # now, Brussels
    missing = await http.post(
        f"/clienten/{replied.client_id}/contactpoging",
        data={"csrf": csrf_of(form), "date": "2026-11-23", "time": "09:00"},
    )
    assert missing.status_code == 400
    assert '<a href="#method">Kies hoe u de cliënt probeerde te bereiken.</a>' in missing.text
    assert '<a href="#outcome">Kies wat het resultaat was.</a>' in missing.text
    future = await http.post(
        f"/clienten/{replied.client_id}/contactpoging",
        data={
            "csrf": csrf_of(form),
            "method": "home-visit-announced",
            "outcome": "reached",
            "date": "2026-11-24",
            "time": "09:00",
        },
    )
    assert "niet in de toekomst" in future.text
    done = await http.post(
        f"/clienten/{replied.client_id}/contactpoging",
        data={
            "csrf": csrf_of(form),
            "method": "home-visit-announced",
            "outcome": "reached",
            "date": "2026-11-23",
            "time": "08:15",
            "note": "Afspraak gemaakt voor de zitting.",
        },
    )
    assert done.status_code == 303
    page = await http.get(done.headers["location"])
    assert "Contactpoging genoteerd." in page.text
    assert "Huisbezoek (aangekondigd): bereikt – Afspraak gemaakt voor de zitting." in page.text
    async with sessions() as session:
        attempt = await session.scalar(select(ContactAttempt))
    assert attempt is not None
    assert (attempt.method, attempt.outcome, attempt.recorded_by) == (
        "home-visit-announced",
        "reached",
        "An Peeters",
    )
    assert attempt.attempted_at.isoformat() == "2026-11-23T07:15:00+00:00"


async def test_the_inbox_takes_and_closes_tasks_and_handles_replies(
    http: httpx.AsyncClient, sessions: Sessions, replied: Replied
) -> None:
    page = await http.get("/inbox")
    assert "Ik werk die dag. Kan het later?" in page.text
    assert "Sara Janssens" in page.text
    async with sessions() as session:
        task = await session.scalar(select(Task).where(Task.client_id == replied.client_id))
        reply = await session.scalar(
            select(ReceivedMessage).where(ReceivedMessage.handled_at.is_(None))
        )
    assert task is not None and reply is not None
    token = csrf_of(page)
    taken = await http.post(f"/inbox/taken/{task.id}/nemen", data={"csrf": token})
    assert "De taak staat op uw naam." in (await http.get(taken.headers["location"])).text
    closed = await http.post(f"/inbox/taken/{task.id}/sluiten", data={"csrf": token})
    assert "Taak afgesloten." in (await http.get(closed.headers["location"])).text
    handled = await http.post(f"/inbox/antwoorden/{reply.id}/afgehandeld", data={"csrf": token})
    after = await http.get(handled.headers["location"])
    assert f"/inbox/taken/{task.id}/" not in after.text  # closed: off the list
    assert "Geen antwoorden die wachten." in after.text
    async with sessions() as session:
        task = await session.get(Task, task.id)
        reply = await session.get(ReceivedMessage, reply.id)
    assert task is not None and task.closed_by == "An Peeters"
    assert reply is not None and reply.handled_by == "An Peeters"


async def test_another_organisation_reaches_no_client_task_or_reply(
    api: str, settings: Settings, sessions: Sessions, replied: Replied
) -> None:
    async with sessions() as session:
        task = await session.scalar(select(Task))
        reply = await session.scalar(select(ReceivedMessage))
    assert task is not None and reply is not None
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    intruder = await make_person(sessions, brugge.organisation_id, "piet@brugge.be")
    async with httpx.AsyncClient(base_url=api) as http:
        await sign_in(http, intruder)
        token = csrf_of(await http.get("/"))
        found = await http.get("/clienten", params={"q": "Janssens"})
        assert replied.client_id not in found.text and "Geen cliënten gevonden" in found.text
        assert "Ik werk die dag" not in (await http.get("/inbox")).text
        for path in (
            f"/clienten/{replied.client_id}",
            f"/clienten/{replied.client_id}/contactpoging",
        ):
            assert (await http.get(path)).status_code == 404
        for path in (
            f"/clienten/{replied.client_id}/contactpoging",
            f"/inbox/taken/{task.id}/nemen",
            f"/inbox/taken/{task.id}/sluiten",
            f"/inbox/antwoorden/{reply.id}/afgehandeld",
        ):
            answer = await http.post(
                path,
                data={
                    "csrf": token,
                    "method": "call",
                    "outcome": "reached",
                    "date": "2026-11-23",
                    "time": "08:00",
                },
            )
            assert answer.status_code == 404, path
    async with sessions() as session:
        task = await session.get(Task, task.id)
        assert task is not None and task.closed_at is None and task.assigned_to is None
        assert await session.scalar(select(ContactAttempt)) is None


async def test_the_phone_script_is_filled_in_for_this_client_and_discreet_on_voicemail(
    http: httpx.AsyncClient, sessions: Sessions, tenant: Tenant, replied: Replied
) -> None:
    """The social worker reads what to say with the client's and the office's details in it;
    the voicemail, which others may hear, says nothing of water, bills or a cut-off."""
    async with sessions() as session:
        organisation = await session.get(Organisation, tenant.organisation_id)
        assert organisation is not None
        organisation.walk_in_address = "Sociaal Huis, Onderbergen 86, 9000 Gent"
        organisation.opening_hours = "maandag tot vrijdag van 9 tot 12 uur"
        organisation.contact_phone = "09 266 99 00"
        await session.commit()
    page = await http.get(f"/clienten/{replied.client_id}")
    script = page.text.split('<details class="script">', 1)[1].split("</details>", 1)[0]
    assert "Spreek ik met Sara Janssens?" in script
    voicemail = script.split("<blockquote>", 1)[1].split("</blockquote>", 1)[0]
    assert "Onderbergen 86" in voicemail and "van 9 tot 12 uur" in voicemail
    async with sessions() as session:
        case = await session.get(Case, replied.case_id)
        assert case is not None
    # The client calls back the case's worker when the list named one, else the front desk.
    assert f"terugbellen op {case.worker_phone or '09 266 99 00'}?" in voicemail
    assert not any(word in voicemail.lower() for word in ("water", "factuur", "afsluit", "bedrag"))
    assert "LAC-gesprek" in script and "waterbegrenzer" in script
