"""Afzender en bewaring (admins): the number text messages come from (and replies go to), the
sender printed on letters, whether text messages swap special characters for plain ones,
and how long the texts of messages are kept. The same rules as the API and the CLI
(casework/organisations.py)."""

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
# What a person reads when the service refuses a field (its own words are for the API).
PROBLEMS = {
    "sms_sender": "Geef een gsm-nummer zoals +32 470 12 34 56.",
    "sms_sender_taken": "Dit nummer hoort al bij een andere organisatie: antwoorden kunnen "
    "maar naar één organisatie gaan.",
    "letter_sender": "Geef 1 tot 6 regels: de naam van de dienst en het adres.",
    "retention_days": "Geef een aantal dagen van 1 tot 3650.",
}


def _values(organisation: Organisation) -> dict[str, Any]:
    return {
        "sms_sender": organisation.sms_sender or "",
        "letter_sender": "\n".join((organisation.letter_sender or "").split("|")),
        "sms_transliterate": organisation.sms_transliterate,
        "retention_days": str(organisation.message_retention_days),
    }


def _page(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    saved = request.query_params.get("opgeslagen") == "1"
    context = {"values": values, "errors": errors, "saved": saved}
    return render(request, "sending_settings.html", context, status)


@router.get("/beheer/verzending", response_class=HTMLResponse)
async def settings_page(request: Request, person: Admin, db: Session) -> Response:
    organisation = await db.get(Organisation, person.account.organisation_id)
    assert organisation is not None
    return _page(request, _values(organisation))


@router.post("/beheer/verzending", response_class=HTMLResponse)
async def save(
    request: Request,
    person: Admin,
    db: Session,
    sms_sender: Text = "",
    letter_sender: Annotated[str, Form(max_length=1200)] = "",
    sms_transliterate: Text = "",
    retention_days: Text = "",
) -> Response:
    values = {
        "sms_sender": sms_sender,
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
                sms_sender=sms_sender.strip(),
                letter_sender="|".join(lines) if lines else None,
                sms_transliterate=sms_transliterate == "ja",
                retention_days=days,
            )
        except ValueError as exc:
            field = field_of(exc)
            key = "sms_sender_taken" if "already" in str(exc) else field
            errors[field] = PROBLEMS.get(key, "Deze waarde klopt niet.")
    if errors:
        await start_over(db, person)
        return _page(request, values, errors, 400)
    await db.commit()
    return RedirectResponse("/beheer/verzending?opgeslagen=1", status_code=303)
