"""Planning a session: a new one, moving one (first a preview of every reminder that moves,
then the move), and cancelling one (after saying what will not go out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import cases
from messenger.casework.case_columns import MAX_PLACE_SHORT
from messenger.platform.dates import to_brussels
from messenger.platform.models import Case, Client, LacSession, Reminder
from messenger.web.auth import Session, Staff
from messenger.web.pages import render, typed_moment

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300)]


@dataclass(frozen=True)
class Moved:
    """One reminder that changes time with the move."""

    client: str
    step: str
    before: datetime
    after: datetime


def _check(
    date: str, time: str, place: str, now: datetime, place_short: str = ""
) -> tuple[dict[str, str], datetime | None]:
    errors: dict[str, str] = {}
    if len(place_short.strip()) > MAX_PLACE_SHORT:
        errors["place_short"] = f"Schrijf hoogstens {MAX_PLACE_SHORT} tekens: een sms is kort."
    when = typed_moment(date, time)
    if when is None:
        errors["date"] = "Geef een datum en een uur, zoals 2026-12-15 en 10:00."
    elif when <= now:
        errors["date"] = "Een zitting ligt in de toekomst."
    if not place.strip():
        errors["place"] = "Geef de plaats van de zitting."
    return errors, when


@router.get("/zittingen/nieuw", response_class=HTMLResponse)
async def new_form(request: Request, person: Staff) -> HTMLResponse:
    return render(request, "session_form.html", {"values": {}, "action": "/zittingen/nieuw"})


@router.post("/zittingen/nieuw", response_class=HTMLResponse)
async def create(
    request: Request,
    person: Staff,
    db: Session,
    date: Text = "",
    time: Text = "",
    place: Text = "",
    place_short: Text = "",
) -> Response:
    errors, when = _check(date, time, place, request.app.state.clock.now(), place_short)
    if errors or when is None:
        values = {"date": date, "time": time, "place": place, "place_short": place_short}
        context = {"values": values, "errors": errors, "action": "/zittingen/nieuw"}
        return render(request, "session_form.html", context, 400)
    lac = await cases.create_session(
        db, person.account.organisation_id, when, place.strip(), place_short
    )
    await db.commit()
    return RedirectResponse(f"/zittingen/{lac.id}", status_code=303)


@router.get("/zittingen/{session_id}/verplaatsen", response_class=HTMLResponse)
async def move_form(request: Request, session_id: str, person: Staff, db: Session) -> Response:
    lac = await _planned(db, person.account.organisation_id, session_id)
    local = to_brussels(lac.starts_at)
    values = {
        "date": f"{local:%Y-%m-%d}",
        "time": f"{local:%H:%M}",
        "place": lac.place,
        "place_short": lac.place_short or "",
    }
    action = f"/zittingen/{lac.id}/verplaatsen"
    return render(request, "session_form.html", {"lac": lac, "values": values, "action": action})


@router.post("/zittingen/{session_id}/verplaatsen", response_class=HTMLResponse)
async def move(
    request: Request,
    session_id: str,
    person: Staff,
    db: Session,
    date: Text = "",
    time: Text = "",
    place: Text = "",
    place_short: Text = "",
    bevestigd: Text = "",
) -> Response:
    lac = await _planned(db, person.account.organisation_id, session_id)
    now = request.app.state.clock.now()
    errors, when = _check(date, time, place, now, place_short)
    values = {"date": date, "time": time, "place": place, "place_short": place_short}
    if errors or when is None:
        action = f"/zittingen/{lac.id}/verplaatsen"
        context = {"lac": lac, "values": values, "errors": errors, "action": action}
        return render(request, "session_form.html", context, 400)
    if bevestigd == "ja":
        await cases.move_session(
            db, lac, starts_at=when, place=place.strip(), place_short=place_short, now=now
        )
        await db.commit()
        return RedirectResponse(f"/zittingen/{lac.id}?verplaatst=1", status_code=303)
    # A preview: the move is made in a transaction of its own to see its effect, then undone.
    async with request.app.state.sessions() as trial:
        trial_lac = await _planned(trial, person.account.organisation_id, session_id)
        # A move replaces the pending reminders: compare them by case and step.
        before = {
            (r.case_id, r.step): (r.due_at, name) for r, name in await _pending(trial, trial_lac)
        }
        await cases.move_session(
            trial, trial_lac, starts_at=when, place=place.strip(), place_short=place_short, now=now
        )
        after = {(r.case_id, r.step): r.due_at for r, _ in await _pending(trial, trial_lac)}
        # New pending steps are the notices of the move (the plan's "session-moved" steps).
        told = len({case_id for case_id, _ in set(after) - set(before)})
        await trial.rollback()
    moved = [
        Moved(name, step, due, after[(case_id, step)])
        for (case_id, step), (due, name) in before.items()
        if (case_id, step) in after and after[(case_id, step)] != due
    ]
    dropped = len(set(before) - set(after))
    return render(
        request,
        "session_move_preview.html",
        {
            "lac": lac,
            "values": values,
            "when": when,
            "moved": moved,
            "dropped": dropped,
            "told": told,
        },
    )


@router.get("/zittingen/{session_id}/annuleren", response_class=HTMLResponse)
async def cancel_form(request: Request, session_id: str, person: Staff, db: Session) -> Response:
    lac = await _planned(db, person.account.organisation_id, session_id)
    clients = await db.scalar(
        select(func.count()).select_from(Case).where(Case.session_id == lac.id)
    )
    pending = len(await _pending(db, lac))
    return render(
        request, "session_cancel.html", {"lac": lac, "clients": clients, "pending": pending}
    )


@router.post("/zittingen/{session_id}/annuleren")
async def cancel(session_id: str, person: Staff, db: Session) -> Response:
    lac = await _planned(db, person.account.organisation_id, session_id)
    await cases.cancel_session(db, lac)
    await db.commit()
    return RedirectResponse(f"/zittingen/{lac.id}?geannuleerd=1", status_code=303)


async def _planned(db: AsyncSession, organisation_id: str, session_id: str) -> LacSession:
    """The organisation's session; a cancelled one cannot be moved or cancelled again."""
    lac = await cases.own_session(db, organisation_id, session_id)
    if lac.status != "planned":
        raise LookupError("No result found")
    return lac


async def _pending(db: AsyncSession, lac: LacSession) -> list[tuple[Reminder, str]]:
    rows = await db.execute(
        select(Reminder, Client.first_name + " " + Client.last_name)
        .join(Case, Case.id == Reminder.case_id)
        .join(Client, Client.id == Case.client_id)
        .where(Case.session_id == lac.id, Reminder.status == "pending")
        .order_by(Client.last_name, Reminder.due_at)
    )
    return [(reminder, name) for reminder, name in rows]
