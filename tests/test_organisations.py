"""Organisations: senders that belong to one organisation only."""

from __future__ import annotations

import pytest

from messenger.casework.organisations import create_organisation, update_organisation
from messenger.platform.db import Sessions


async def test_two_organisations_cannot_share_an_sms_number(sessions: Sessions) -> None:
    async with sessions() as session:
        gent = await create_organisation(session, "OCMW Gent")
        brugge = await create_organisation(session, "OCMW Brugge")
        await update_organisation(session, gent.id, sms_sender="0460 00 00 00")
        with pytest.raises(ValueError, match="already a sender of another organisation"):
            await update_organisation(session, brugge.id, sms_sender="+32460000000")
        await update_organisation(session, gent.id, sms_sender="+32460000000")  # its own: fine
