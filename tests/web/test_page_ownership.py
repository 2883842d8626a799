"""Every page route that takes an id, generated from the application's route table, called by
people of another organisation (a social worker, a partner, a water company): never a 2xx or
a redirect, always "not there" (404) for the role the page is for, and nothing changes.

A new page with an id in its path fails here until its id is in IDS: the test cannot forget
a route.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from messenger.casework import staff
from messenger.messages import senders
from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.models import (
    Account,
    ApiKey,
    Base,
    Case,
    Partner,
    PartnerNotice,
    PrintBatch,
    ReceivedMessage,
    Reminder,
    Task,
    Template,
    utcnow,
)
from messenger.platform.settings import Settings
from messenger.server import create_app
from messenger.web.errors import API_PREFIXES
from tests.casework_api_support import consent, new_partner, sharing
from tests.conftest import make_tenant
from tests.sms_support import eventually
from tests.support import SMS_TEMPLATE, Tenant
from tests.web.conftest import Replied
from tests.web.support import Person, csrf_of, make_person, sign_in

# Path parameters that are not an organisation's object, and why.
NOT_OWNED = {"token": "a one-time password link: a secret, not an id (tested in test_sign_in)"}
FORM = {"method": "call", "outcome": "reached", "date": "2026-11-20", "time": "09:00",
        "reason": "verhuisd", "kind": "cut-off", "upload": "x" * 32}  # fmt: skip


def all_routes(routes: Sequence[Any]) -> Iterator[APIRoute]:
    """The application's routes, inside included routers too (FastAPI keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from all_routes(route.original_router.routes)


def page_routes() -> list[tuple[str, str]]:
    """(method, path) of every page route with a parameter in its path."""
    found = []
    for route in all_routes(create_app(Settings()).routes):
        if route.path.startswith(API_PREFIXES) or "{" not in route.path:
            continue
        found.extend((method, route.path) for method in sorted(route.methods))
    return found


ROUTES = page_routes()


@pytest.fixture
async def ids(
    print_api: str, sessions: Sessions, tenant: Tenant, replied: Replied, letters: list[str]
) -> dict[str, str]:
    """One of each object of the first organisation."""
    async with httpx.AsyncClient(base_url=print_api) as office:
        partner = await new_partner(office, tenant)
        answer = await consent(
            office, tenant, replied.client_id, given=True, **sharing(partner["id"], "name")
        )
        assert answer.status_code == 201, answer.text
    owner = await make_person(sessions, tenant.organisation_id, "an@ocmw.be")
    async with httpx.AsyncClient(base_url=print_api) as http:
        await sign_in(http, owner)
        await http.post("/drukkerij/maken", data={"csrf": csrf_of(await http.get("/drukkerij"))})
        # The organisation's own wording of a shipped template.
        editor = await http.get(f"/sjablonen/{SMS_TEMPLATE}")
        saved = await http.post(
            f"/sjablonen/{SMS_TEMPLATE}",
            data={
                "csrf": csrf_of(editor),
                "title": "Herinnering (Gent)",
                "body": "Dag {{ voornaam }}, tot {{ moment | datetime }} in {{ plaats_kort }}.",
                "actie": "opslaan",
            },
        )
        assert saved.status_code == 303, saved.text
    async with sessions() as session:
        worker = await staff.add_staff(session, tenant.organisation_id, staff.StaffData("Els Smet"))
        sender = await senders.add_sender(session, tenant.organisation_id, "sms", "OCMW Gent")
        await session.commit()
        case = await session.get(Case, replied.case_id)
        assert case is not None
        found = {
            "staff_id": worker.id,
            "sender_id": sender.id,
            "session_id": case.session_id or "",
            "client_id": replied.client_id,
            "case_id": replied.case_id,
            "task_id": await session.scalar(select(Task.id).limit(1)),
            "received_id": await session.scalar(select(ReceivedMessage.id).limit(1)),
            "batch_id": await session.scalar(select(PrintBatch.id).limit(1)),
            "message_id": letters[0],
            "notice_id": await session.scalar(select(PartnerNotice.id).limit(1)),
            "account_id": await session.scalar(
                select(Account.id).where(Account.organisation_id == tenant.organisation_id)
            ),
            "key_id": await session.scalar(
                select(ApiKey.id).where(ApiKey.organisation_id == tenant.organisation_id)
            ),
            "template_id": await session.scalar(
                select(Template.id).where(Template.organisation_id == tenant.organisation_id)
            ),
        }
    assert all(found.values()), found
    return {key: str(value) for key, value in found.items()}


async def intruders(sessions: Sessions, settings: Settings) -> list[tuple[Person, str]]:
    """A social worker, a partner and a water company of another OCMW, with their home page."""
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    async with sessions() as session:
        partner = Partner(
            organisation_id=brugge.organisation_id,
            name="Buurtwerk Brugge",
            phone="050 11 11 11",
            address="Markt 1, 8000 Brugge",
            opening_hours="maandag",
            notice_email="buurtwerk@brugge.be",
        )
        session.add(partner)
        await session.commit()
    org = brugge.organisation_id
    return [
        (await make_person(sessions, org, "piet@brugge.be"), "/"),
        (await make_person(sessions, org, "beheer@brugge.be", role=roles.ADMIN), "/"),
        (
            await make_person(
                sessions, org, "els@brugge.be", role=roles.PARTNER, partner_id=partner.id
            ),
            "/partner",
        ),
        (
            # The same company as the first OCMW's cases: only the OCMW differs.
            await make_person(
                sessions,
                org,
                "water@brugge.be",
                role=roles.WATER_COMPANY,
                water_company="De Watergroep",
            ),
            "/watermaatschappij",
        ),
    ]


async def counts(sessions: Sessions) -> dict[str, int]:
    """Rows per table: an intruder's call must change none of them."""
    async with sessions() as session:
        return {
            table.name: await session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


async def quiet(sessions: Sessions) -> dict[str, int]:
    """The counts once the worker has done what was due: the fixtures' steps (e.g. the
    invitation, already late by the wall clock) go out in the background, not by a call.
    Quiet: nothing due, and no count changed for longer than the worker's 1 s cron period."""
    last: dict[str, int] = {}
    changed_at = time.monotonic()

    async def unchanged() -> dict[str, int] | None:
        nonlocal last, changed_at
        now = await counts(sessions)
        if now != last:
            last, changed_at = now, time.monotonic()
        async with sessions() as session:
            due = await session.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(Reminder.status == "pending", Reminder.due_at <= utcnow())
            )
        return now if not due and time.monotonic() - changed_at > 1.5 else None

    found: dict[str, int] = await eventually(unchanged, "a quiet worker", timeout=60)
    return found


def test_the_route_table_has_page_routes_with_ids() -> None:
    assert len(ROUTES) >= 15, ROUTES  # the list is real, not empty by accident


async def test_no_page_of_one_organisation_reaches_another(
    print_api: str,
    print_settings: Settings,
    sessions: Sessions,
    ids: dict[str, str],
) -> None:
    signed_in = []
    for person, home in await intruders(sessions, print_settings):
        http = httpx.AsyncClient(base_url=print_api)
        await sign_in(http, person)
        signed_in.append((http, csrf_of(await http.get(home))))
    before = await quiet(sessions)
    answers: dict[str, list[int]] = {}
    try:
        for method, path in ROUTES:
            params = re.findall(r"{(\w+)}", path)
            if any(p in NOT_OWNED for p in params):
                continue
            missing = [p for p in params if p not in ids]
            assert not missing, f"{method} {path}: add {missing} to the ids fixture"
            url = path.format(**ids)
            statuses = []
            for http, token in signed_in:
                form = {"data": {"csrf": token, **FORM}} if method == "POST" else {}
                statuses.append((await http.request(method, url, **form)).status_code)
            # Without signing in: sent to sign in, never shown.
            async with httpx.AsyncClient(base_url=print_api) as anonymous:
                response = await anonymous.request(method, url)
            assert response.status_code in (303, 403), (method, path, response.status_code)
            answers[f"{method} {path}"] = statuses
    finally:
        for http, _ in signed_in:
            await http.aclose()
    leaks = {call: s for call, s in answers.items() if any(code < 400 for code in s)}
    assert not leaks, leaks
    unguarded = {call: s for call, s in answers.items() if 404 not in s}
    assert not unguarded, unguarded  # someone's role may use the page: it must say 404
    assert await counts(sessions) == before
    print(f"{len(answers)} page routes x {len(signed_in)} roles of another OCMW: 0 leaks")
