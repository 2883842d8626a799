"""De uitkomst: what the LAC session brought for one case. Did the client come, what did the
LAC decide, what was agreed. Recording it plans the aftercare (and a task when the client did
not come); correcting it later needs a reason and plans the aftercare again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from messenger.aftercare import outcomes
from messenger.casework import cases
from messenger.casework.conditions import DECISION_LABELS
from messenger.platform.dates import to_brussels
from messenger.platform.models import Case, CaseEvent, Client, LacSession
from messenger.web.auth import Session, Staff
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=40)]
Long = Annotated[str, Form(max_length=2001)]
DECISIONS = DECISION_LABELS


async def _page(
    request: Request,
    db: Session,
    case: Case,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    client = await db.get(Client, case.client_id)
    lac = await db.get(LacSession, case.session_id) if case.session_id else None
    current: CaseEvent | None = await outcomes.latest_outcome(db, case.id)
    context = {
        "case": case,
        "client": client,
        "lac": lac,
        "current": current,
        "decisions": DECISIONS,
        "values": values,
        "errors": errors,
    }
    return render(request, "outcome_form.html", context, status)


@router.get("/dossiers/{case_id}/uitkomst", response_class=HTMLResponse)
async def outcome_form(request: Request, case_id: str, person: Staff, db: Session) -> Response:
    case = await cases.own_case(db, person.account.organisation_id, case_id)
    return await _page(request, db, case, {})


@router.post("/dossiers/{case_id}/uitkomst", response_class=HTMLResponse)
async def record(
    request: Request,
    case_id: str,
    person: Staff,
    db: Session,
    attended: Text = "",
    decision: Text = "",
    agreed: Long = "",
    reason: Long = "",
) -> Response:
    case = await cases.own_case(db, person.account.organisation_id, case_id)
    values = {"attended": attended, "decision": decision, "agreed": agreed, "reason": reason}
    current = await outcomes.latest_outcome(db, case.id)
    errors: dict[str, str] = {}
    if attended not in ("ja", "nee"):
        errors["attended"] = "Kies of de cliënt naar de zitting kwam."
    if decision not in DECISIONS:
        errors["decision"] = "Kies wat de LAC besliste."
    if len(agreed) > 2000:
        errors["agreed"] = "Schrijf hoogstens 2000 tekens."
    if current is not None and not reason.strip():
        errors["reason"] = "Zeg waarom u de uitkomst aanpast."
    lac = await db.get(LacSession, case.session_id) if case.session_id else None
    now = request.app.state.clock.now()
    if lac is not None and now < lac.starts_at:
        errors["attended"] = (
            f"De zitting begint pas op {to_brussels(lac.starts_at):%d/%m/%Y om %H.%M} uur. "
            "Noteer de uitkomst vanaf dan."
        )
    if errors:
        return await _page(request, db, case, values, errors, 400)
    common = {
        "attended": attended == "ja",
        "decision": decision,
        "agreed": agreed.strip() or None,
        "recorded_by": person.account.name,
        "now": now,
    }
    if current is None:
        await outcomes.record_outcome(db, case, **common)
    else:
        await outcomes.amend_outcome(db, case, reason=reason, **common)
    await db.commit()
    return RedirectResponse(f"/clienten/{case.client_id}?uitkomst=1", status_code=303)
