"""Fixtures of the page tests: a simulated "now" three weeks before a LAC session, that
session (with its organisation's staff), and a signed-in browser page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from playwright.async_api import Page

from messenger.casework import cases, staff
from messenger.platform.clock import Clock, SimulatedClock
from messenger.platform.dates import BRUSSELS
from messenger.platform.db import Sessions
from tests.support import Tenant
from tests.test_lac_workflow import STAFF
from tests.web.browser import DESKTOP, chromium
from tests.web.support import make_person

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
