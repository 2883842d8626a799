"""The "what works" page: a chart drawn on the server with its numbers in a table, per way
of reaching clients, for a period; the CSV for Excel; another organisation sees none of it."""

from __future__ import annotations

import httpx
import pytest

from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.web.conftest import Replied
from tests.web.support import make_person, sign_in

PERIOD = {"van": "2026-11-01", "tot": "2026-12-31"}


async def test_the_report_draws_a_chart_and_gives_its_numbers(
    http: httpx.AsyncClient, replied: Replied
) -> None:
    page = await http.get("/rapporten", params={**PERIOD, "per": "channel"})
    assert page.status_code == 200
    assert '<svg viewBox="' in page.text and 'role="img"' in page.text
    assert '<title id="chart-title">' in page.text
    assert '<td data-label="Kanaal">sms</td>' in page.text
    assert '<td data-label="Pogingen">1</td>' in page.text  # the SMS Sara got
    csv = await http.get("/rapporten/wat-werkt.csv", params=PERIOD)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("\ufeffdimension;value;attempts")
    assert "channel;sms;1;" in csv.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"van": "gisteren"}, "Geef de data als 2026-12-01."),
        ({"van": "2026-12-10", "tot": "2026-12-01"}, "De einddatum ligt voor de begindatum."),
        ({"van": "2020-01-01", "tot": "2026-12-01"}, "hoogstens drie jaar"),
    ],
)
async def test_a_bad_period_is_named(
    http: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    page = await http.get("/rapporten", params=params)
    assert page.status_code == 400 and message in page.text


async def test_another_organisation_sees_only_its_own(
    api: str, settings: Settings, sessions: Sessions, replied: Replied
) -> None:
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    other = await make_person(sessions, brugge.organisation_id, "piet@brugge.be")
    async with httpx.AsyncClient(base_url=api) as http:
        await sign_in(http, other)
        page = await http.get("/rapporten", params={**PERIOD, "per": "channel"})
        csv = await http.get("/rapporten/wat-werkt.csv", params=PERIOD)
    assert "Geen pogingen in deze periode." in page.text
    assert csv.text.strip().count("\n") == 0  # the header only
