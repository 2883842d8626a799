"""A team key sends only to the organisation's own people, as in Notify: the staff's mobile
numbers and email addresses and the addresses people sign in with; never a letter."""

from __future__ import annotations

import asyncio

import pytest
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from messenger.casework import staff
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.support import (
    EMAIL_TEMPLATE,
    EMAIL_VALUES,
    LETTER_TEMPLATE,
    LETTER_VALUES,
    SMS_TEMPLATE,
    SMS_VALUES,
)
from tests.web.support import new_account

TEAM_NUMBER = "0470 11 22 33"  # as a person types it in the staff list


async def _team_client(
    api: str, sessions: Sessions, settings: Settings
) -> tuple[NotificationsAPIClient, str]:
    """A team key of an OCMW with one staff member and one person who signs in."""
    tenant = await make_tenant(sessions, settings, "OCMW Gent", key_type="team")
    async with sessions() as session:
        data = staff.StaffData("Jan Peeters", phone=TEAM_NUMBER, email="jan@ocmw.gent.example")
        await staff.add_staff(session, tenant.organisation_id, data)
        await session.commit()
    await new_account(sessions, tenant.organisation_id, "an@ocmw.gent.example")
    return NotificationsAPIClient(tenant.api_key, base_url=api), tenant.organisation_id


async def _refused(call: object, *args: object) -> HTTPError:
    with pytest.raises(HTTPError) as refused:
        await asyncio.to_thread(call, *args)  # type: ignore[arg-type]
    return refused.value


async def test_a_team_key_reaches_the_team_and_nobody_else(
    api: str, sessions: Sessions, settings: Settings
) -> None:
    client, _ = await _team_client(api, sessions, settings)
    to = asyncio.to_thread
    assert await to(client.send_sms_notification, "+32470112233", SMS_TEMPLATE, SMS_VALUES)
    for address in ("jan@ocmw.gent.example", "AN@ocmw.gent.example"):
        assert await to(client.send_email_notification, address, EMAIL_TEMPLATE, EMAIL_VALUES)
    stranger = await _refused(
        client.send_sms_notification, "+32470999999", SMS_TEMPLATE, SMS_VALUES
    )
    assert (stranger.status_code, stranger.message[0]["message"]) == (
        400, "Can’t send to this recipient using a team-only API key"
    )  # fmt: skip
    outsider = await _refused(
        client.send_email_notification, "sara@example.be", EMAIL_TEMPLATE, EMAIL_VALUES
    )
    assert outsider.status_code == 400
    letter = await _refused(client.send_letter_notification, LETTER_TEMPLATE, LETTER_VALUES)
    assert (letter.status_code, letter.message[0]["message"]) == (
        403, "Cannot send letters with a team api key"
    )  # fmt: skip


async def test_another_organisations_people_are_not_this_team(
    api: str, sessions: Sessions, settings: Settings
) -> None:
    client, _ = await _team_client(api, sessions, settings)
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    async with sessions() as session:
        data = staff.StaffData("Els Smet", phone="0470 55 66 77")
        await staff.add_staff(session, brugge.organisation_id, data)
        await session.commit()
    refused = await _refused(client.send_sms_notification, "+32470556677", SMS_TEMPLATE, SMS_VALUES)
    assert refused.status_code == 400
