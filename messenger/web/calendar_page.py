"""Kalender: the organisation's sessions in a month, as a table of weeks (Monday first), with
the month before and after one click away. Brussels dates; closed days are not marked here."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from messenger.platform.dates import BRUSSELS, to_brussels
from messenger.platform.models import LacSession
from messenger.web.auth import Session, Staff
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")  # fmt: skip


def _month(raw: str, today: date) -> date:
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@router.get("/zittingen/kalender", response_class=HTMLResponse)
async def month_page(
    request: Request,
    person: Staff,
    db: Session,
    maand: Annotated[str, Query(max_length=7)] = "",
) -> HTMLResponse:
    today = request.app.state.clock.now().astimezone(BRUSSELS).date()
    first = _month(maand, today)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start = datetime.combine(weeks[0][0], time(), tzinfo=BRUSSELS)
    end = datetime.combine(weeks[-1][-1] + timedelta(days=1), time(), tzinfo=BRUSSELS)
    found = await db.scalars(
        select(LacSession)
        .where(
            LacSession.organisation_id == person.account.organisation_id,
            LacSession.starts_at >= start,
            LacSession.starts_at < end,
        )
        .order_by(LacSession.starts_at)
    )
    by_day: dict[date, list[LacSession]] = {}
    for lac in found:
        by_day.setdefault(to_brussels(lac.starts_at).date(), []).append(lac)
    before = (first - timedelta(days=1)).replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "calendar.html",
        {
            "weeks": weeks,
            "first": first,
            "title": f"{MONTHS[first.month - 1]} {first.year}",
            "by_day": by_day,
            "today": today,
            "before": f"{before:%Y-%m}",
            "after": f"{after:%Y-%m}",
            "before_name": MONTHS[before.month - 1],
            "after_name": MONTHS[after.month - 1],
        },
    )
