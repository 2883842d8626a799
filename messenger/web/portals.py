"""The partner's and the water company's own pages: a partner reads and acknowledges its
shared-contact notices; a water company sees its own cases (no client data) and reports
an event on one, such as a failed payment plan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from messenger.aftercare import water_company
from messenger.messages import partner_notices
from messenger.platform import roles
from messenger.web.auth import Session, SignedIn, role_in
from messenger.web.pages import HOMES, render

router = APIRouter(include_in_schema=False)
Partner = Annotated[SignedIn, Depends(role_in(roles.PARTNER_NOTICES))]
WaterCompany = Annotated[SignedIn, Depends(role_in(roles.WATER_COMPANY_REPORTS))]
NOTE_MAX = 1000
EVENTS = {
    "payment-plan-failed": "Het afbetalingsplan loopt niet meer",
    "flow-limiter-fitted": "Er is een debietbegrenzer geplaatst",
    "cut-off": "Het water is afgesloten",
    "reconnected": "Het water is weer aangesloten",
    "other": "Iets anders",
}


def home_of(role: str) -> str:
    """Where a person lands after signing in."""
    return HOMES.get(role, "/")


@router.get("/partner", response_class=HTMLResponse)
async def notices(request: Request, person: Partner, db: Session) -> HTMLResponse:
    account = person.account
    assert account.partner_id  # a partner account always has one (roles.check_role)
    found = await partner_notices.notices_for(db, account.organisation_id, account.partner_id)
    return render(
        request, "partner.html", {"notices": found, "done": request.query_params.get("klaar")}
    )


@router.post("/partner/meldingen/{notice_id}/gelezen")
async def acknowledge(notice_id: str, person: Partner, db: Session) -> Response:
    account = person.account
    assert account.partner_id
    await partner_notices.acknowledge(
        db, account.organisation_id, account.partner_id, notice_id, by=account.name
    )
    await db.commit()
    return RedirectResponse("/partner?klaar=1", status_code=303)


@router.get("/watermaatschappij", response_class=HTMLResponse)
async def cases(request: Request, person: WaterCompany, db: Session) -> HTMLResponse:
    found = await water_company.own_cases(db, person.account)
    return render(
        request,
        "water_company.html",
        {"cases": found, "done": request.query_params.get("klaar")},
    )


@router.get("/watermaatschappij/dossiers/{case_id}/melden", response_class=HTMLResponse)
async def report_form(
    request: Request, case_id: str, person: WaterCompany, db: Session
) -> Response:
    case = await water_company.own_case(db, person.account, case_id)
    return render(request, "water_report.html", {"case": case, "events": EVENTS, "values": {}})


@router.post("/watermaatschappij/dossiers/{case_id}/melden", response_class=HTMLResponse)
async def report(
    request: Request,
    case_id: str,
    person: WaterCompany,
    db: Session,
    kind: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=NOTE_MAX + 1)] = "",
) -> Response:
    case = await water_company.own_case(db, person.account, case_id)
    errors: dict[str, str] = {}
    if kind not in EVENTS:
        errors["kind"] = "Kies wat er gebeurd is."
    if len(note) > NOTE_MAX:
        errors["note"] = f"Schrijf hoogstens {NOTE_MAX} tekens."
    if errors:
        context = {
            "case": case,
            "events": EVENTS,
            "errors": errors,
            "values": {"kind": kind, "note": note},
        }
        return render(request, "water_report.html", context, 400)
    await water_company.report_event(db, person.account, case, kind, note.strip() or None)
    await db.commit()
    return RedirectResponse("/watermaatschappij?klaar=1", status_code=303)
