"""A database error names the statement, never its values: a traceback in a log cannot carry
a client's name or number."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from messenger.platform.db import Sessions
from messenger.platform.models import Client


async def test_a_database_error_does_not_show_the_values(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add(
            Client(
                organisation_id="no-such-organisation",
                first_name="Geheimvoornaam",
                last_name="Geheimachternaam",
                phone_number="+32470999888",
                address_lines=[],
            )
        )
        with pytest.raises(IntegrityError) as caught:
            await session.flush()
    text = str(caught.value)
    assert "INSERT INTO clients" in text
    for value in ("Geheimvoornaam", "Geheimachternaam", "+32470999888"):
        assert value not in text
