"""Planning sessions on the pages: a new one, moving one after a preview that changes nothing,
and cancelling one after being told what will not go out."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from messenger.platform.db import Sessions
from messenger.platform.models import LacSession, Reminder
from tests.web.conftest import Replied
from tests.web.support import csrf_of


async def pending(sessions: Sessions) -> dict[tuple[str, str], datetime]:
    """Pending reminders by case and step (a move replaces them with new rows)."""
    async with sessions() as session:
        rows = await session.scalars(select(Reminder).where(Reminder.status == "pending"))
        return {(r.case_id, r.step): r.due_at for r in rows}


async def test_a_new_session_is_checked_then_made(
    http: httpx.AsyncClient, sessions: Sessions
) -> None:
    form = await http.get("/zittingen/nieuw")
    token = csrf_of(form)
    empty = await http.post("/zittingen/nieuw", data={"csrf": token})
    assert empty.status_code == 400
    assert '<a href="#date">Geef een datum en een uur' in empty.text
    assert '<a href="#place">Geef de plaats van de zitting.</a>' in empty.text
    past = await http.post(
        "/zittingen/nieuw",
        data={"csrf": token, "date": "2026-11-01", "time": "10:00", "place": "Sociaal Huis"},
    )
    assert "Een zitting ligt in de toekomst." in past.text
    made = await http.post(
        "/zittingen/nieuw",
        data={"csrf": token, "date": "2027-01-12", "time": "10:00", "place": "Sociaal Huis"},
    )
    assert made.status_code == 303
    page = await http.get(made.headers["location"])
    assert "dinsdag 12 januari 2027, 10.00 uur" in page.text
    async with sessions() as session:
        lac = await session.scalar(select(LacSession).where(LacSession.place == "Sociaal Huis"))
    assert lac is not None and lac.starts_at.isoformat() == "2027-01-12T09:00:00+00:00"


async def test_moving_a_session_shows_what_moves_then_moves_it(
    http: httpx.AsyncClient, sessions: Sessions, replied: Replied, session_id: str
) -> None:
    before = await pending(sessions)
    form = await http.get(f"/zittingen/{session_id}/verplaatsen")
    assert 'value="2026-12-15"' in form.text and 'value="10:00"' in form.text
    fields = {"csrf": csrf_of(form), "date": "2026-12-22", "time": "10:00", "place": "Sociaal Huis"}
    preview = await http.post(f"/zittingen/{session_id}/verplaatsen", data=fields)
    assert preview.status_code == 200
    assert "Verplaatsen naar dinsdag 22 december 2026, 10.00 uur?" in preview.text
    assert "berichten verschuiven mee" in preview.text and "Sara Janssens" in preview.text
    assert await pending(sessions) == before  # the preview changed nothing
    async with sessions() as session:
        lac = await session.get(LacSession, session_id)
        assert lac is not None and lac.place == "OCMW Gent, Onderbergen 86"

    done = await http.post(
        f"/zittingen/{session_id}/verplaatsen", data={**fields, "bevestigd": "ja"}
    )
    page = await http.get(done.headers["location"])
    assert "De zitting is verplaatst" in page.text and "Sociaal Huis" in page.text
    after = await pending(sessions)
    shifted = [key for key in before if key in after and after[key] != before[key]]
    assert shifted and all(after[key] - before[key] == timedelta(days=7) for key in shifted)


async def test_cancelling_a_session_says_what_stops_then_stops_it(
    http: httpx.AsyncClient, sessions: Sessions, replied: Replied, session_id: str
) -> None:
    count = len(await pending(sessions))
    form = await http.get(f"/zittingen/{session_id}/annuleren")
    assert f"15 cliënten. {count} geplande berichten worden dan niet meer verstuurd." in form.text
    done = await http.post(f"/zittingen/{session_id}/annuleren", data={"csrf": csrf_of(form)})
    page = await http.get(done.headers["location"])
    assert "De zitting is geannuleerd." in page.text
    assert "Verplaatsen" not in page.text  # a cancelled session cannot be moved
    assert await pending(sessions) == {}
    again = await http.get(f"/zittingen/{session_id}/annuleren")
    assert again.status_code == 404


async def test_the_month_calendar_shows_the_sessions_on_their_days(
    http: httpx.AsyncClient, session_id: str
) -> None:
    page = await http.get("/zittingen/kalender")  # "today" is 23 November 2026
    assert "Zittingen in november 2026" in page.text
    assert session_id not in page.text
    december = await http.get("/zittingen/kalender", params={"maand": "2026-12"})
    assert "Zittingen in december 2026" in december.text
    assert f'href="/zittingen/{session_id}">10 uur' in december.text
    assert 'href="/zittingen/kalender?maand=2027-01"' in december.text
    nonsense = await http.get("/zittingen/kalender", params={"maand": "dertien"})
    assert "Zittingen in november 2026" in nonsense.text
