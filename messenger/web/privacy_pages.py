"""Privacy on the client page: everything Messenger holds about a client as a file (the right
of access), and, for admins, erasing it (the right to erasure) after saying what happens:
messages not sent yet stop, personal data is blanked, counts for the reports stay, partners
who saw the details are told to erase their copy."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from messenger.aftercare import privacy
from messenger.casework.clients import own_client
from messenger.web.auth import Admin, Session, Staff
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/clienten/{client_id}/gegevens.json")
async def export(client_id: str, person: Staff, db: Session) -> Response:
    data = await privacy.export_client(db, person.account.organisation_id, client_id)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="client-{client_id}.json"'},
    )


@router.get("/clienten/{client_id}/wissen", response_class=HTMLResponse)
async def erase_form(request: Request, client_id: str, person: Admin, db: Session) -> Response:
    client = await own_client(db, person.account.organisation_id, client_id)
    return render(request, "erase_client.html", {"client": client})


@router.post("/clienten/{client_id}/wissen")
async def erase(request: Request, client_id: str, person: Admin, db: Session) -> Response:
    organisation_id = person.account.organisation_id
    await own_client(db, organisation_id, client_id)
    report = await privacy.erase_client(
        db, organisation_id, client_id, erased_by=person.account.name
    )
    await db.commit()
    privacy.erase_files(request.app.state.settings.outbox_dir, report.messages)
    await privacy.inform_partners(db, request.app.state.queue, report)
    return RedirectResponse("/clienten?gewist=1", status_code=303)
