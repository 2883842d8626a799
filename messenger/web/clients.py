"""Cliënten: find a client, see their contact details, safety flags and story in time order,
and note a contact attempt made outside Messenger (a call, a home visit, a card)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from messenger.aftercare import contact_attempts
from messenger.aftercare.timeline import timeline
from messenger.casework import clients, listings
from messenger.messages import consent
from messenger.platform.dates import BRUSSELS
from messenger.platform.models import Case, LacSession, Organisation, Partner
from messenger.web.auth import Session, Staff
from messenger.web.pages import render, typed_moment
from messenger.web.sessions import plans_of

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
NOTE_MAX = 1000


@router.get("/clienten", response_class=HTMLResponse)
async def search(
    request: Request,
    person: Staff,
    db: Session,
    q: Annotated[str, Query(max_length=200)] = "",
    pagina: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    found = await listings.clients_page(
        db,
        person.account.organisation_id,
        q,
        fingerprint=request.app.state.secret_box.fingerprint,
        page=pagina,
        page_size=PAGE_SIZE,
    )
    erased = request.query_params.get("gewist") == "1"
    return render(request, "clients.html", {"found": found, "q": q, "erased": erased})


@router.get("/clienten/{client_id}", response_class=HTMLResponse)
async def client_page(request: Request, client_id: str, person: Staff, db: Session) -> Response:
    client = await clients.own_client(db, person.account.organisation_id, client_id)
    rows = await db.execute(
        select(Case, LacSession)
        .outerjoin(LacSession, LacSession.id == Case.session_id)
        .where(Case.client_id == client.id)
        .order_by(Case.created_at.desc())
    )
    found = [(case, lac) for case, lac in rows]
    steps, previews = await plans_of(db, [case for case, _ in found])
    story = sorted(await timeline(db, client), key=lambda e: e.at, reverse=True)
    agreed = {p: await consent.allows(db, client.id, p) for p in (consent.SMS, consent.EMAIL)}
    partners = await db.scalars(
        select(Partner).where(Partner.organisation_id == client.organisation_id)
    )
    sharing = [p.name for p in partners if await consent.allows(db, client.id, consent.SHARE, p.id)]
    organisation = await db.get(Organisation, client.organisation_id)
    latest = found[0][0] if found else None
    return render(
        request,
        "client.html",
        {
            "organisation": organisation,
            # The number the client calls back: the case's worker's, else the front desk's.
            "call_back": (latest and latest.worker_phone)
            or (organisation and organisation.contact_phone),
            "client": client,
            "cases": found,
            "steps": steps,
            "previews": previews,
            "story": story,
            "noted": request.query_params.get("genoteerd") == "1",
            "consent_noted": request.query_params.get("toestemming") == "1",
            "outcome_noted": request.query_params.get("uitkomst") == "1",
            "message_sent": request.query_params.get("bericht"),
            "details_saved": request.query_params.get("gegevens") == "1",
            "agreed": agreed,
            "sharing": sharing,
        },
    )


@router.get("/clienten/{client_id}/contactpoging", response_class=HTMLResponse)
async def attempt_form(request: Request, client_id: str, person: Staff, db: Session) -> Response:
    client = await clients.own_client(db, person.account.organisation_id, client_id)
    now = request.app.state.clock.now().astimezone(BRUSSELS)
    return render(
        request,
        "contact_attempt.html",
        {"client": client, "values": {"date": f"{now:%Y-%m-%d}", "time": f"{now:%H:%M}"}},
    )


@router.post("/clienten/{client_id}/contactpoging", response_class=HTMLResponse)
async def record_attempt(
    request: Request,
    client_id: str,
    person: Staff,
    db: Session,
    method: Annotated[str, Form(max_length=40)] = "",
    outcome: Annotated[str, Form(max_length=40)] = "",
    date: Annotated[str, Form(max_length=20)] = "",
    time: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=NOTE_MAX + 1)] = "",
) -> Response:
    client = await clients.own_client(db, person.account.organisation_id, client_id)
    errors: dict[str, str] = {}
    if method not in contact_attempts.METHODS:
        errors["method"] = "Kies hoe u de cliënt probeerde te bereiken."
    if outcome not in contact_attempts.OUTCOMES:
        errors["outcome"] = "Kies wat het resultaat was."
    when = typed_moment(date, time)
    if when is None:
        errors["date"] = "Geef een datum en uur, zoals 2026-12-02 en 14:30."
    elif when > request.app.state.clock.now():
        errors["date"] = "Een contactpoging ligt niet in de toekomst."
    if len(note) > NOTE_MAX:
        errors["note"] = f"Schrijf hoogstens {NOTE_MAX} tekens."
    if errors:
        values = {"method": method, "outcome": outcome, "date": date, "time": time, "note": note}
        return render(
            request,
            "contact_attempt.html",
            {"client": client, "values": values, "errors": errors},
            400,
        )
    await contact_attempts.record(
        db,
        client,
        method=method,
        outcome=outcome,
        recorded_by=person.account.name,
        note=note.strip() or None,
        attempted_at=when,
    )
    await db.commit()
    return RedirectResponse(f"/clienten/{client.id}?genoteerd=1", status_code=303)
