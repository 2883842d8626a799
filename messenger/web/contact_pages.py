"""Gegevens wijzigen: a client's contact details and safety flags, checked as an import or the
API checks them; the reminders not sent yet are judged again on the new facts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from messenger.casework.clients import own_client, update_contact
from messenger.messages.recipients import InvalidRecipient
from messenger.platform.models import Client
from messenger.web.auth import Session, Staff, start_over
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=320)]
FLAGS = {
    "no_sms": "Geen sms (bijvoorbeeld: iemand anders leest mee)",
    "shared_phone": "Gedeelde gsm: niets persoonlijks per sms",
    "no_letters_at_home": "Geen brieven thuis",
}
# The service names fields as the API does; the form has its own names and Dutch words.
FIELD_OF = {"first_name": "first_name", "last_name": "last_name", "phone_number": "phone_number",
            "email": "email", "first_name/last_name": "first_name"}  # fmt: skip
PROBLEMS = {
    "first_name": "Geef de voornaam en de achternaam.",
    "last_name": "Geef de achternaam.",
    "phone_number": "Geef een Belgisch gsm-nummer, zoals 0470 12 34 56.",
    "email": "Geef een geldig e-mailadres, zoals naam@voorbeeld.be.",
    "address": "Geef straat en huisnummer op de eerste regel, postcode en gemeente op de tweede.",
}


def _values(client: Client) -> dict[str, Any]:
    lines = client.address_lines[1:]
    return {
        "first_name": client.first_name,
        "last_name": client.last_name,
        "phone_number": client.phone_number or "",
        "email": client.email or "",
        "street": lines[0] if lines else "",
        "place": lines[-1] if len(lines) > 1 else "",
        **{flag: getattr(client, flag) for flag in FLAGS},
    }


@router.get("/clienten/{client_id}/gegevens", response_class=HTMLResponse)
async def contact_form(request: Request, client_id: str, person: Staff, db: Session) -> Response:
    client = await own_client(db, person.account.organisation_id, client_id)
    return render(
        request, "contact_form.html", {"client": client, "values": _values(client), "flags": FLAGS}
    )


@router.post("/clienten/{client_id}/gegevens", response_class=HTMLResponse)
async def save(
    request: Request,
    client_id: str,
    person: Staff,
    db: Session,
    first_name: Text = "",
    last_name: Text = "",
    phone_number: Text = "",
    email: Text = "",
    street: Text = "",
    place: Text = "",
    flags: Annotated[list[str] | None, Form(max_length=3)] = None,
) -> Response:
    client = await own_client(db, person.account.organisation_id, client_id)
    chosen = set(flags or ())
    changes: dict[str, Any] = {
        "first_name": first_name,
        "last_name": last_name,
        "phone_number": phone_number.strip() or None,
        "email": email.strip() or None,
        "address": tuple(line.strip() for line in (street, place) if line.strip()),
        **{flag: flag in chosen for flag in FLAGS},
    }
    try:
        await update_contact(db, person.account.organisation_id, client.id, changes)
    except InvalidRecipient as exc:
        field = (
            "address" if exc.field.startswith("address") else FIELD_OF.get(exc.field, "first_name")
        )
        await start_over(db, person)
        client = await own_client(db, person.account.organisation_id, client_id)
        values = {"first_name": first_name, "last_name": last_name, "phone_number": phone_number,
                  "email": email, "street": street, "place": place,
                  **{flag: flag in chosen for flag in FLAGS}}  # fmt: skip
        context = {"client": client, "values": values, "flags": FLAGS,
                   "errors": {field: PROBLEMS[field]}}  # fmt: skip
        return render(request, "contact_form.html", context, 400)
    await db.commit()
    return RedirectResponse(f"/clienten/{client.id}?gegevens=1", status_code=303)
