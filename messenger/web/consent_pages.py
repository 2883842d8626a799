"""Toestemming: what the client agreed to, recorded by the social worker. A message by SMS or
email, and sharing chosen details with a partner organisation, each given or withdrawn. The
partner is told at once (consent.py): a share starts, changes or stops."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from messenger.casework.clients import own_client
from messenger.messages import consent
from messenger.platform.models import Client, Partner
from messenger.web.auth import Session, Staff
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300)]
PURPOSES = {
    consent.SMS: "Berichten per sms",
    consent.EMAIL: "Berichten per e-mail",
    consent.SHARE: "Gegevens delen met een partnerorganisatie",
}
METHODS = {
    "in-person": "Persoonlijk, in een gesprek",
    "phone": "Aan de telefoon",
    "paper": "Op papier, getekend",
    "intake": "Bij de intake",
}
FIELDS = {"name": "Naam", "phone": "Gsm-nummer", "email": "E-mailadres", "address": "Adres"}


async def _form(
    request: Request,
    db: Session,
    client: Client,
    values: dict[str, object],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    partners = await db.scalars(
        select(Partner)
        .where(Partner.organisation_id == client.organisation_id)
        .order_by(Partner.name)
    )
    context = {
        "client": client,
        "values": values,
        "errors": errors,
        "purposes": PURPOSES,
        "methods": METHODS,
        "fields": FIELDS,
        "partners": list(partners),
    }
    return render(request, "consent_form.html", context, status)


@router.get("/clienten/{client_id}/toestemming", response_class=HTMLResponse)
async def consent_form(request: Request, client_id: str, person: Staff, db: Session) -> Response:
    client = await own_client(db, person.account.organisation_id, client_id)
    return await _form(request, db, client, {"fields": []})


@router.post("/clienten/{client_id}/toestemming", response_class=HTMLResponse)
async def record_consent(
    request: Request,
    client_id: str,
    person: Staff,
    db: Session,
    purpose: Text = "",
    given: Text = "",
    method: Text = "",
    partner: Text = "",
    fields: Annotated[list[str] | None, Form(max_length=40)] = None,
    note: Annotated[str, Form(max_length=1001)] = "",
) -> Response:
    client = await own_client(db, person.account.organisation_id, client_id)
    chosen = [f for f in (fields or []) if f in FIELDS]
    values: dict[str, object] = {"purpose": purpose, "given": given, "method": method,
                                 "partner": partner, "fields": chosen, "note": note}  # fmt: skip
    errors: dict[str, str] = {}
    if purpose not in PURPOSES:
        errors["purpose"] = "Kies waarvoor de cliënt toestemming geeft of intrekt."
    if given not in ("ja", "nee"):
        errors["given"] = "Kies of de cliënt toestemming geeft of intrekt."
    if method not in METHODS:
        errors["method"] = "Kies hoe de cliënt dit aangaf."
    if purpose == consent.SHARE and not partner:
        errors["partner"] = "Kies met welke partnerorganisatie."
    if purpose == consent.SHARE and given == "ja" and not chosen:
        errors["fields"] = "Kies welke gegevens de partner mag krijgen."
    if len(note) > 1000:
        errors["note"] = "Schrijf hoogstens 1000 tekens."
    if not errors:
        statement = consent.Statement(
            purpose=purpose,
            given=given == "ja",
            method=method,
            recorded_by=person.account.name,
            partner_id=partner if purpose == consent.SHARE else None,
            fields=tuple(chosen) if purpose == consent.SHARE else (),
            note=note.strip() or None,
        )
        try:
            await consent.record(db, request.app.state.queue, client, statement)
        except ValueError:
            errors["fields"] = "De cliënt heeft geen van deze gegevens om te delen."
        else:
            return RedirectResponse(f"/clienten/{client.id}?toestemming=1", status_code=303)
    return await _form(request, db, client, values, errors, 400)
