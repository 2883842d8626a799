"""Callbacks (admins): the address of the organisation's own system (its case-management
software) that hears whether messages arrived, what clients texted us, and which letters
came back; whether that works, and the last attempts that failed. Tokens are set here but
never shown. The same rules as the API and the CLI (messages/callback_settings.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import callback_settings, callbacks
from messenger.web.auth import Admin, Session, start_over
from messenger.web.pages import field_of, render

router = APIRouter(include_in_schema=False)
HOME = "/beheer/callbacks"
Text = Annotated[str, Form(max_length=2000)]
# Each kind in plain words: its title and what the organisation's system hears.
KINDS = {
    callbacks.DELIVERY_STATUS: (
        "Is het bericht aangekomen?",
        "Uw systeem hoort of een sms, e-mail of brief vertrok, aankwam of mislukte.",
    ),
    callbacks.INBOUND_SMS: (
        "Sms'en van cliënten",
        "Uw systeem krijgt elke sms die een cliënt ons stuurt.",
    ),
    callbacks.RETURNED_LETTER: (
        "Teruggekomen brieven",
        "Uw systeem hoort welke brief terugkwam, bijvoorbeeld omdat de cliënt verhuisd is.",
    ),
    callbacks.COMPLAINT: (
        "E-mails gemeld als spam",
        "Uw systeem hoort welke e-mail een cliënt als spam meldde.",
    ),
}
# What a person reads when the service refuses a field (its own words are for the API).
PROBLEMS = {
    "url": "Geef een adres dat begint met https://, zoals https://dossiers.ocmw.be/notify.",
    "bearer_token": "Geef een sleutel van minstens 10 tekens, zonder spaties.",
}
FIELDS = {"url": "url", "bearer_token": "token"}
DONE = {
    "opgeslagen": "Opgeslagen. Wat nu gebeurt, gaat naar dit adres.",
    "verwijderd": "Verwijderd. Uw systeem krijgt hiervan niets meer.",
}


def reason(described: str | None, timeout: float) -> str:
    """Why an attempt failed, in plain words (callback_sending.Answer.describe)."""
    text = described or ""
    if "redirect" in text:
        return "uw systeem stuurde ons door naar een ander adres; dat volgen we niet"
    if text.startswith("HTTP "):
        return f"uw systeem antwoordde met fout {text.split()[1]}"
    if text == "timed out":
        return f"geen antwoord binnen {timeout:g} seconden"
    if text.startswith("no connection"):
        return "geen verbinding met het adres"
    if text.startswith("bearer token"):
        return "de sleutel is niet meer leesbaar; stel hem opnieuw in"
    if text.startswith("address"):
        return "het adres is niet veilig (geen https)"
    return text or "onbekend"


async def _page(
    request: Request,
    db: AsyncSession,
    organisation_id: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = request.app.state.clock.now()
    timeout = request.app.state.settings.callback_timeout_seconds
    existing = {c.kind: c for c in await callback_settings.list_callbacks(db, organisation_id)}
    kinds: list[dict[str, Any]] = []
    for kind, (title, what) in KINDS.items():
        callback = existing.get(kind)
        found = await callbacks.health(db, callback, now) if callback else None
        kinds.append(
            {
                "kind": kind,
                "title": title,
                "what": what,
                "callback": callback,
                "health": found,
                "last_failure": reason(found.last_failure, timeout) if found else "",
                "url": (values or {}).get(kind) or (callback.url if callback else ""),
            }
        )
    failures = [
        {
            "at": f.attempted_at,
            "title": KINDS.get(f.kind, (f.kind, ""))[0],
            "reason": reason(f.error, timeout),
            "gave_up": f.outcome == callbacks.FAILED,
        }
        for f in await callbacks.recent_failures(db, organisation_id)
    ]
    context = {
        "kinds": kinds,
        "failures": failures,
        "errors": errors,
        "done": DONE.get(request.query_params.get("klaar", "")),
    }
    return render(request, "callbacks.html", context, status)


@router.get(HOME, response_class=HTMLResponse)
async def callbacks_page(request: Request, person: Admin, db: Session) -> Response:
    return await _page(request, db, person.account.organisation_id)


@router.post(HOME, response_class=HTMLResponse)
async def save(
    request: Request,
    person: Admin,
    db: Session,
    kind: Annotated[str, Form(max_length=20)] = "",
    url: Text = "",
    token: Text = "",
) -> Response:
    organisation_id = person.account.organisation_id
    if kind not in KINDS:
        return RedirectResponse(HOME, status_code=303)
    try:
        await callback_settings.set_callback(
            db,
            request.app.state.secret_box,
            organisation_id,
            kind,
            url,
            token if token.strip() else None,
            by=person.account.email,
        )
    except ValueError as exc:
        await start_over(db, person)
        field = field_of(exc)
        errors = {f"{FIELDS.get(field, 'url')}-{kind}": PROBLEMS.get(field, PROBLEMS["url"])}
        # The token is never sent back to the browser, not even the one just typed.
        return await _page(request, db, organisation_id, {kind: url}, errors, 400)
    await db.commit()
    return RedirectResponse(f"{HOME}?klaar=opgeslagen", status_code=303)


@router.post(f"{HOME}/verwijderen")
async def remove(
    request: Request,
    person: Admin,
    db: Session,
    kind: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if kind in KINDS:
        try:
            await callback_settings.remove_callback(db, person.account.organisation_id, kind)
        except LookupError:
            return RedirectResponse(HOME, status_code=303)
        await db.commit()
    return RedirectResponse(f"{HOME}?klaar=verwijderd", status_code=303)
