"""The partner's and the water company's pages: each sees only its own notices or cases,
without the client's data where it was not shared, and acts only on its own."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.models import Case, CaseEvent, PartnerNotice, Task
from tests.casework_api_support import consent, new_client, new_partner, sharing
from tests.support import Tenant
from tests.web.conftest import Replied
from tests.web.support import csrf_of, make_person, sign_in


async def test_a_partner_reads_and_acknowledges_only_its_own_notices(
    api: str, sessions: Sessions, tenant: Tenant
) -> None:
    async with httpx.AsyncClient(base_url=api) as office:
        client = await new_client(office, tenant)
        brug = await new_partner(office, tenant)
        caw = await new_partner(office, tenant, name="CAW Oost-Vlaanderen", notice_email="c@x.be")
        for partner in (brug, caw):
            answer = await consent(
                office, tenant, client["id"], given=True, **sharing(partner["id"], "name", "phone")
            )
            assert answer.status_code == 201, answer.text
    mine = await make_person(
        sessions, tenant.organisation_id, "els@debrug.be", role=roles.PARTNER, partner_id=brug["id"]
    )
    async with sessions() as session:
        theirs = await session.scalar(
            select(PartnerNotice).where(PartnerNotice.partner_id == caw["id"])
        )
    assert theirs is not None
    async with httpx.AsyncClient(base_url=api) as http:
        signed = await sign_in(http, mine)
        assert signed.headers["location"] == "/partner"
        page = await http.get("/partner")
        assert "Een cliënt wil dat u contact opneemt" in page.text
        assert page.text.count('class="item"') == 1  # not the other partner's notice
        assert client["first_name"] in page.text
        token = csrf_of(page)
        foreign = await http.post(f"/partner/meldingen/{theirs.id}/gelezen", data={"csrf": token})
        assert foreign.status_code == 404
        own = next(n for n in await _notices(sessions) if n.partner_id == brug["id"])
        done = await http.post(f"/partner/meldingen/{own.id}/gelezen", data={"csrf": token})
        page = await http.get(done.headers["location"])
        assert "Gemarkeerd als gelezen." in page.text and "Gelezen door An Peeters" in page.text
    notices = {n.partner_id: n for n in await _notices(sessions)}
    assert notices[brug["id"]].acknowledged_by == "An Peeters"
    assert notices[caw["id"]].acknowledged_at is None


async def _notices(sessions: Sessions) -> list[PartnerNotice]:
    async with sessions() as session:
        return list(await session.scalars(select(PartnerNotice)))


async def test_a_water_company_sees_its_own_cases_and_reports_a_failed_plan(
    api: str, sessions: Sessions, tenant: Tenant, replied: Replied
) -> None:
    person = await make_person(
        sessions,
        tenant.organisation_id,
        "dossiers@dewatergroep.be",
        role=roles.WATER_COMPANY,
        water_company="De Watergroep",
    )
    async with sessions() as session:
        farys = await session.scalar(select(Case).where(Case.water_company == "Farys"))
    assert farys is not None
    async with httpx.AsyncClient(base_url=api) as http:
        signed = await sign_in(http, person)
        assert signed.headers["location"] == "/watermaatschappij"
        page = await http.get("/watermaatschappij")
        assert "DW-2026-0412" in page.text  # Sara's case, by its reference
        assert "Janssens" not in page.text and "Sara" not in page.text  # no client data
        assert "FA-100231" not in page.text  # Farys's case is not theirs
        assert (await http.get(f"/watermaatschappij/dossiers/{farys.id}/melden")).status_code == 404
        form = await http.get(f"/watermaatschappij/dossiers/{replied.case_id}/melden")
        missing = await http.post(
            f"/watermaatschappij/dossiers/{replied.case_id}/melden", data={"csrf": csrf_of(form)}
        )
        assert missing.status_code == 400 and "Kies wat er gebeurd is." in missing.text
        done = await http.post(
            f"/watermaatschappij/dossiers/{replied.case_id}/melden",
            data={
                "csrf": csrf_of(form),
                "kind": "payment-plan-failed",
                "note": "2 maanden niet betaald",
            },
        )
        page = await http.get(done.headers["location"])
        assert "Uw melding is doorgegeven aan de sociale dienst." in page.text
        refused = await http.post(
            f"/watermaatschappij/dossiers/{farys.id}/melden",
            data={"csrf": csrf_of(form), "kind": "cut-off"},
        )
        assert refused.status_code == 404
    async with sessions() as session:
        events = list(await session.scalars(select(CaseEvent)))
        task = await session.scalar(select(Task).where(Task.kind == "payment-plan-failed"))
    assert [(e.case_id, e.kind, e.details) for e in events] == [
        (replied.case_id, "payment-plan-failed", {"note": "2 maanden niet betaald"})
    ]
    assert events[0].reported_by == "De Watergroep (An Peeters)"
    assert task is not None and task.client_id == replied.client_id  # the social worker acts
