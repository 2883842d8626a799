"""Fixtures of the page tests: a simulated "now" three weeks before a LAC session, that
session (with its organisation's staff), the December list imported with two replies from
one client, and a browser page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from playwright.async_api import Page

from messenger.casework import case_list, cases, staff
from messenger.casework.case_import import parse_case_file
from messenger.inbound.sms import InboundSms, receive
from messenger.messages.sending import Origin, SendRequest, accept
from messenger.platform import roles
from messenger.platform.clock import Clock, SimulatedClock
from messenger.platform.dates import BRUSSELS
from messenger.platform.db import Sessions
from messenger.platform.encryption import secret_box
from messenger.platform.models import Organisation
from messenger.platform.settings import Settings
from messenger.wording import template_store
from messenger.wording.template_files import template_id
from tests.support import Tenant
from tests.test_lac_workflow import CASE_LIST, STAFF
from tests.test_print_batches import _send_letters, _wait_for_print
from tests.web.browser import DESKTOP, chromium
from tests.web.support import make_person, sign_in

SESSION_START = datetime(2026, 12, 15, 10, tzinfo=BRUSSELS)
IMPORTED_ON = datetime(2026, 11, 23, 9, tzinfo=BRUSSELS)


@pytest.fixture
def clock() -> Clock:
    return SimulatedClock(IMPORTED_ON)


@pytest.fixture
async def session_id(sessions: Sessions, tenant: Tenant) -> str:
    async with sessions() as session:
        for member in STAFF:
            await staff.add_staff(session, tenant.organisation_id, staff.StaffData(**member))
        lac = await cases.create_session(
            session, tenant.organisation_id, SESSION_START, "OCMW Gent, Onderbergen 86"
        )
        await session.commit()
        return lac.id


@pytest.fixture
async def page(sessions: Sessions, tenant: Tenant, session_id: str) -> AsyncIterator[Page]:
    """A desktop-sized page in Chromium; an@ocmw.be has an account, not yet signed in."""
    await make_person(sessions, tenant.organisation_id, "an@ocmw.be")
    async with chromium() as browser:
        yield await browser.new_page(viewport=DESKTOP)


@dataclass(frozen=True)
class Replied:
    """Sara Janssens, imported with the December list, who answered our SMS twice."""

    client_id: str
    case_id: str


@pytest.fixture
async def replied(
    sessions: Sessions, settings: Settings, tenant: Tenant, session_id: str
) -> Replied:
    box = secret_box(settings)
    async with sessions() as session:
        await template_store.sync_shipped(session)
        # The profile letters need: where and when a client can walk in.
        organisation = await session.get(Organisation, tenant.organisation_id)
        assert organisation is not None
        organisation.walk_in_address = "Sociaal Huis, Onderbergen 86, 9000 Gent"
        organisation.opening_hours = "maandag tot vrijdag van 9 tot 12 uur"
        lac = await cases.own_session(session, tenant.organisation_id, session_id)
        context = await case_list.import_context(session, lac)
        report = parse_case_file(CASE_LIST.read_bytes(), context)
        done = await case_list.import_case_list(
            session, lac, report, by="tests", fingerprint=box.fingerprint, now=IMPORTED_ON
        )
        sara = next(d for d in done if d.client.first_name == "Sara")
        assert sara.client.phone_number
        await accept(
            session,
            None,
            Origin(tenant.organisation_id),
            SendRequest(
                kind="sms",
                template_id=template_id("lac-ochtend-sms"),
                recipient=sara.client.phone_number,
                personalisation={
                    "voornaam": "Sara",
                    "moment": SESSION_START.isoformat(),
                    "plaats_kort": "Onderbergen 86",
                    "telefoon": "09 266 11 11",
                },
                client_id=sara.client.id,
                case_id=sara.case.id,
            ),
        )
        await session.commit()
        number = sara.client.phone_number
    for sid, text in (("SM-web-1", "Bel mij"), ("SM-web-2", "Ik werk die dag. Kan het later?")):
        async with sessions() as session:
            await receive(session, None, InboundSms(sid, number, "", text))
    return Replied(sara.client.id, sara.case.id)


STREETS = ["Kerkstraat 1", "Veldstraat 2", "Markt 3"]


@pytest.fixture
async def letters(print_api: str, sessions: Sessions, tenant: Tenant) -> list[str]:
    """Three letters sent through the API, waiting for print (MESSENGER_PRINT_BATCHES)."""
    async with httpx.AsyncClient(base_url=print_api) as client:
        ids = await _send_letters(client, tenant, STREETS)
    await _wait_for_print(sessions, ids)
    return ids


@pytest.fixture
async def http(api: str, sessions: Sessions, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    """A social worker of the organisation, signed in (an@ocmw.be)."""
    person = await make_person(sessions, tenant.organisation_id, "an@ocmw.be")
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        assert (await sign_in(client, person)).status_code == 303
        yield client


@pytest.fixture
async def admin(api: str, sessions: Sessions, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    """An admin of the organisation, signed in (beheer@ocmw.be)."""
    person = await make_person(sessions, tenant.organisation_id, "beheer@ocmw.be", role=roles.ADMIN)
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        assert (await sign_in(client, person)).status_code == 303
        yield client
