"""Uw organisatie (admins): who clients can call when a case names nobody, and when messages
may go out: the hours, the days, the Flemish holiday and the municipality's own closed days.
The same rules as the API and the CLI (casework/organisations.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from messenger.casework import organisations
from messenger.platform.models import Organisation
from messenger.web.auth import Admin, Session, start_over
from messenger.web.pages import field_of, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=400)]
PROFILE = {
    "contact_name": ("Naam van de dienst", "Zoals cliënten ze kennen: ‘Sociale dienst’."),
    "contact_phone": ("Telefoonnummer", "Als een dossier geen maatschappelijk werker noemt."),
    "contact_email": ("E-mailadres", ""),
    "walk_in_address": (
        "Adres voor een bezoek",
        "Nodig voor brieven en kaartjes: zonder dit adres gaan ze niet weg.",
    ),
    "opening_hours": (
        "Openingsuren",
        "Nodig voor brieven. Bijvoorbeeld ‘maandag tot vrijdag van 9 tot 12 uur’.",
    ),
    "website": ("Website", ""),
    "signature": ("Ondertekening", "Onder brieven en e-mails."),
}
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
# What a person reads when the service refuses a field (its own words are for the API).
PROBLEMS = {
    "quiet_start": "Geef een uur als 09:00, vroeger dan het einde.",
    "quiet_end": "Geef een uur als 20:00, later dan het begin.",
    "open_weekdays": "Kies minstens één dag.",
    "working_weekdays": "Kies minstens één dag.",
    "closed_days": "Geef datums als 2026-12-26, één per regel.",
    "contact_email": "Geef een e-mailadres zoals sociale.dienst@ocmw.be.",
}


def _values(organisation: Organisation) -> dict[str, Any]:
    values: dict[str, Any] = {field: getattr(organisation, field) or "" for field in PROFILE}
    values |= {
        "quiet_start": organisation.quiet_start,
        "quiet_end": organisation.quiet_end,
        "open_weekdays": [str(d) for d in organisation.open_weekdays],
        "working_weekdays": [str(d) for d in organisation.working_weekdays],
        "flemish_holiday": organisation.flemish_holiday,
        "closed_days": "\n".join(organisation.closed_days),
    }
    return values


def _page(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "values": values,
        "errors": errors,
        "profile": PROFILE,
        "weekdays": list(enumerate(WEEKDAYS)),
        "saved": request.query_params.get("opgeslagen") == "1",
    }
    return render(request, "organisation.html", context, status)


@router.get("/beheer/organisatie", response_class=HTMLResponse)
async def organisation_page(request: Request, person: Admin, db: Session) -> Response:
    organisation = await db.get(Organisation, person.account.organisation_id)
    assert organisation is not None
    return _page(request, _values(organisation))


@router.post("/beheer/organisatie", response_class=HTMLResponse)
async def save(
    request: Request,
    person: Admin,
    db: Session,
    contact_name: Text = "",
    contact_phone: Text = "",
    contact_email: Text = "",
    walk_in_address: Text = "",
    opening_hours: Text = "",
    website: Text = "",
    signature: Text = "",
    quiet_start: Text = "",
    quiet_end: Text = "",
    open_weekdays: Annotated[list[str] | None, Form(max_length=7)] = None,
    working_weekdays: Annotated[list[str] | None, Form(max_length=7)] = None,
    flemish_holiday: Text = "",
    closed_days: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    changes: dict[str, Any] = {
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "contact_email": contact_email,
        "walk_in_address": walk_in_address,
        "opening_hours": opening_hours,
        "website": website,
        "signature": signature,
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
        "open_weekdays": open_weekdays or [],
        "working_weekdays": working_weekdays or [],
        "flemish_holiday": flemish_holiday == "ja",
        "closed_days": [line.strip() for line in closed_days.splitlines() if line.strip()],
    }
    try:
        await organisations.update_profile(db, person.account.organisation_id, changes)
    except ValueError as exc:
        field = field_of(exc)
        message = PROBLEMS.get(field) or (
            f"Hoogstens {organisations.PROFILE_LIMITS[field]} tekens."
            if field in organisations.PROFILE_LIMITS
            else "Deze waarde klopt niet."
        )
        values = changes | {
            "closed_days": closed_days,
            "open_weekdays": open_weekdays or [],
            "working_weekdays": working_weekdays or [],
        }
        await start_over(db, person)
        return _page(request, values, {field: message}, 400)
    await db.commit()
    return RedirectResponse("/beheer/organisatie?opgeslagen=1", status_code=303)
