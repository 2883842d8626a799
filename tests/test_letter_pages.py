"""A letter over MAX_PAGES pages is refused when it is sent (400, nothing stored), as in
Notify; one that cannot reach the limit is not rendered to find out."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from channels.letter_checks import MAX_PAGES
from messenger.messages.letter_pages import SURE_LINES, most_printed_lines
from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.models import Message
from messenger.platform.settings import Settings
from messenger.wording.template_check import count_pages
from tests.casework_api_support import keyed
from tests.support import Tenant

PARAGRAPH = "Wij willen graag met u praten over uw plan en wat u nodig hebt om verder te kunnen."
ADDRESS = {"address_line_1": "Sara Janssens", "address_line_2": "Kerkstraat 12",
           "address_line_3": "9000 Gent"}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "lines"),
    [
        ("", 0),
        ("Dag Sara,", 2),
        ("Dag Sara,\n\nTot dan.", 2 + 1 + 2),
        ("x" * 40, 2),
        ("x" * 41, 3),
        ("\n".join(["x" * 80] * 3), 3 * 3),
    ],
)
def test_the_printed_lines_a_body_can_take_at_most(body: str, lines: int) -> None:
    assert most_printed_lines(body) == lines


@pytest.mark.parametrize("paragraphs", [10, 50, SURE_LINES // 5])
def test_a_letter_within_the_sure_bound_is_within_the_pages(paragraphs: int) -> None:
    body = "\n\n".join([PARAGRAPH] * paragraphs)
    assert most_printed_lines(body) <= SURE_LINES
    assert count_pages("letter", "Een brief", body) <= MAX_PAGES


async def test_a_letter_over_the_pages_is_refused_and_not_stored(
    api: str, sessions: Sessions, settings: Settings, tenant: Tenant
) -> None:
    admin = await keyed(sessions, settings, tenant.organisation_id, roles.ADMIN)
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:
        made = await http.post(
            "/v2/templates",
            headers=admin.headers(),
            json={
                "name": "lange-brief", "type": "letter", "title": "Een lange brief",
                "subject": "Uw plan", "checks": ["accept:contact-ways"],
                "body": "Dag ((naam)),\n\n((tekst))\n\nBel 09 123 45 67.",
            },
        )  # fmt: skip
        assert made.status_code == 201, made.text
        template_id = made.json()["template"]["id"]

        async def send(paragraphs: int) -> httpx.Response:
            values = {**ADDRESS, "naam": "Sara", "tekst": "\n\n".join([PARAGRAPH] * paragraphs)}
            return await http.post(
                "/v2/notifications/letter",
                headers=tenant.headers(),
                json={"template_id": template_id, "personalisation": values},
            )

        too_long = await send(300)
        assert too_long.status_code == 400, too_long.text
        [error] = too_long.json()["errors"]
        assert error["error"] == "BadRequestError"
        assert error["message"].startswith(f"Letters cannot be longer than {MAX_PAGES} pages.")
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Message)) == 0
        # Long, but within the pages: rendered to count, then accepted.
        fine = await send(100)
        assert fine.status_code == 201, fine.text
