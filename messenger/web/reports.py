"""Rapporten: "what works" in this municipality, per way of reaching clients, as a chart
drawn on the server (SVG: no script, nothing from elsewhere) with its numbers in a table,
and the same as a CSV file for Excel."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from messenger.aftercare import reports
from messenger.aftercare.what_works import DIMENSIONS, Row, to_csv
from messenger.platform.dates import BRUSSELS
from messenger.web.auth import Session, Staff
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
DIMENSION_NAMES = {
    "method": "Manier",
    "channel": "Kanaal",
    "variant": "Tekst",
    "weekday": "Weekdag",
    "hour": "Uur",
}
Day = Annotated[str, Query(max_length=10)]


def _period(request: Request, van: str, tot: str) -> tuple[date, date, str | None]:
    """The period asked for (both days included), or the last 90 days and why not."""
    today = request.app.state.clock.now().astimezone(BRUSSELS).date()
    try:
        start = date.fromisoformat(van) if van else today - timedelta(days=DEFAULT_DAYS)
        end = date.fromisoformat(tot) if tot else today
    except ValueError:
        return today - timedelta(days=DEFAULT_DAYS), today, "Geef de data als 2026-12-01."
    if end < start:
        return start, start, "De einddatum ligt voor de begindatum."
    if (end - start).days > MAX_DAYS:
        return end - timedelta(days=MAX_DAYS), end, "Een rapport gaat over hoogstens drie jaar."
    return start, end, None


async def _rows(db: Session, organisation_id: str, start: date, end: date) -> list[Row]:
    begin = datetime.combine(start, time(), tzinfo=BRUSSELS)
    until = datetime.combine(end + timedelta(days=1), time(), tzinfo=BRUSSELS)
    return await reports.what_works(db, organisation_id, begin, until)


@router.get("/rapporten", response_class=HTMLResponse)
async def report_page(
    request: Request,
    person: Staff,
    db: Session,
    van: Day = "",
    tot: Day = "",
    per: Annotated[str, Query(pattern="^(method|channel|variant|weekday|hour)$")] = "method",
) -> HTMLResponse:
    start, end, problem = _period(request, van, tot)
    rows = [
        r for r in await _rows(db, person.account.organisation_id, start, end) if r.dimension == per
    ]
    return render(
        request,
        "reports.html",
        {
            "rows": rows,
            "per": per,
            "dimensions": {d: DIMENSION_NAMES[d] for d in DIMENSIONS},
            "start": start,
            "end": end,
            "problem": problem,
        },
        400 if problem else 200,
    )


@router.get("/rapporten/wat-werkt.csv")
async def report_csv(
    request: Request, person: Staff, db: Session, van: Day = "", tot: Day = ""
) -> Response:
    start, end, _ = _period(request, van, tot)
    rows = await _rows(db, person.account.organisation_id, start, end)
    name = f"wat-werkt-{start}-{end}.csv"
    return Response(
        "\ufeff" + to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
