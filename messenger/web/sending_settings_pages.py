"""Afzenders en bewaring (admins): the numbers and names text messages come from, the
addresses replies to emails go to, the sender printed on letters, whether text messages swap
special characters for plain ones, and how long the texts of messages are kept. The same
rules as the API and the CLI (messages/senders.py, casework/organisations.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import organisations
from messenger.messages import senders
from messenger.platform.models import Organisation
from messenger.web.auth import Admin, Session, start_over
from messenger.web.pages import field_of, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=400)]
HOME = "/beheer/verzending"
# What a person reads when the service refuses a field (its own words are for the API).
PROBLEMS = {
    "sms": "Geef een gsm-nummer zoals +32 470 12 34 56, of een naam van 3 tot 11 letters.",
    "email": "Geef een e-mailadres zoals sociale.dienst@ocmw.be.",
    "taken": "Deze afzender hoort al bij een andere organisatie.",
    "ours": "Deze afzender staat er al.",
    "many": f"Hoogstens {senders.MAX_SENDERS} afzenders van één soort.",
    "letter_sender": "Geef 1 tot 6 regels: de naam van de dienst en het adres.",
    "retention_days": "Geef een aantal dagen van 1 tot 3650.",
}
DONE = {
    "toegevoegd": "De afzender is toegevoegd.",
    "standaard": "De standaard is gewijzigd.",
    "verwijderd": "De afzender is verwijderd. Verstuurde berichten houden hun afzender.",
    "opgeslagen": "Opgeslagen.",
}


def _values(organisation: Organisation) -> dict[str, Any]:
    return {
        "letter_sender": "\n".join((organisation.letter_sender or "").split("|")),
        "sms_transliterate": organisation.sms_transliterate,
        "retention_days": str(organisation.message_retention_days),
    }


async def _page(
    request: Request,
    db: AsyncSession,
    organisation_id: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    if values is None:
        organisation = await db.get(Organisation, organisation_id)
        assert organisation is not None
        values = _values(organisation)
    context = {
        "values": values,
        "errors": errors,
        "senders": await senders.list_senders(db, organisation_id),
        "done": DONE.get(request.query_params.get("klaar", "")),
    }
    return render(request, "sending_settings.html", context, status)


@router.get(HOME, response_class=HTMLResponse)
async def settings_page(request: Request, person: Admin, db: Session) -> Response:
    return await _page(request, db, person.account.organisation_id)


@router.post(HOME, response_class=HTMLResponse)
async def save(
    request: Request,
    person: Admin,
    db: Session,
    letter_sender: Annotated[str, Form(max_length=1200)] = "",
    sms_transliterate: Text = "",
    retention_days: Text = "",
) -> Response:
    values = {
        "letter_sender": letter_sender,
        "sms_transliterate": sms_transliterate == "ja",
        "retention_days": retention_days,
    }
    lines = [line.strip() for line in letter_sender.splitlines() if line.strip()]
    errors: dict[str, str] = {}
    days = int(retention_days) if retention_days.strip().isdigit() else None
    if days is None:
        errors["retention_days"] = PROBLEMS["retention_days"]
    if any("|" in line for line in lines):
        errors["letter_sender"] = PROBLEMS["letter_sender"]
    if not errors:
        try:
            await organisations.update_organisation(
                db,
                person.account.organisation_id,
                letter_sender="|".join(lines) if lines else None,
                sms_transliterate=sms_transliterate == "ja",
                retention_days=days,
            )
        except ValueError as exc:
            field = field_of(exc)
            errors[field] = PROBLEMS.get(field, "Deze waarde klopt niet.")
    if errors:
        await start_over(db, person)
        return await _page(request, db, person.account.organisation_id, values, errors, 400)
    await db.commit()
    return RedirectResponse(f"{HOME}?klaar=opgeslagen", status_code=303)


@router.post("/beheer/afzenders/nieuw", response_class=HTMLResponse)
async def add_sender(
    request: Request,
    person: Admin,
    db: Session,
    kind: Annotated[str, Form(max_length=10)] = "",
    value: Text = "",
) -> Response:
    organisation_id = person.account.organisation_id
    if kind not in senders.KINDS:
        return RedirectResponse(HOME, status_code=303)
    try:
        await senders.add_sender(db, organisation_id, kind, value)
    except ValueError as exc:
        said = str(exc)
        reason = "taken" if "another" in said else "ours" if "this" in said else kind
        reason = "many" if "at most" in said else reason
        await start_over(db, person)
        errors = {f"value-{kind}": PROBLEMS[reason]}
        return await _page(request, db, organisation_id, None, errors, 400)
    await db.commit()
    return RedirectResponse(f"{HOME}?klaar=toegevoegd", status_code=303)


@router.post("/beheer/afzenders/{sender_id}/standaard")
async def make_default(request: Request, sender_id: str, person: Admin, db: Session) -> Response:
    sender = await senders.own_sender(db, person.account.organisation_id, sender_id)
    await senders.make_default(db, sender)
    await db.commit()
    return RedirectResponse(f"{HOME}?klaar=standaard", status_code=303)


@router.post("/beheer/afzenders/{sender_id}/verwijderen")
async def remove(request: Request, sender_id: str, person: Admin, db: Session) -> Response:
    sender = await senders.own_sender(db, person.account.organisation_id, sender_id)
    await senders.remove_sender(db, sender)
    await db.commit()
    return RedirectResponse(f"{HOME}?klaar=verwijderd", status_code=303)


@router.post("/beheer/afzenders/email/geen-standaard")
async def inbox_replies(request: Request, person: Admin, db: Session) -> Response:
    """Replies to emails come back to Messenger's inbox again."""
    await senders.clear_default(db, person.account.organisation_id, "email")
    await db.commit()
    return RedirectResponse(f"{HOME}?klaar=standaard", status_code=303)
