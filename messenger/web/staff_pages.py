"""Medewerkers (admins): the social workers a case list names and clients can call. Their
phone and email fill the templates; one who left is switched off, not removed, so old cases
keep their name. The same rules as the API and the CLI (casework/staff.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from messenger.casework import staff
from messenger.web.auth import Admin, Session, start_over
from messenger.web.pages import field_of, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=400)]
FIELDS = ("name", "phone", "email", "team")
# What a person reads when the service refuses a field (its own words are for the API).
PROBLEMS = {
    "name": "Geef de naam van de medewerker, zoals ze in de dossierlijst staat.",
    "phone": "Geef een telefoonnummer van hoogstens 40 tekens.",
    "email": "Geef een e-mailadres zoals naam@ocmw.be.",
    "team": "Geef een team van hoogstens 200 tekens.",
}


def _problem(exc: ValueError) -> dict[str, str]:
    field = field_of(exc)
    if field == "name" and "already" in str(exc):
        return {"name": "Er is al een medewerker met deze naam. Geef een andere naam."}
    return {field: PROBLEMS.get(field, "Deze waarde klopt niet.")}


def _form(
    request: Request,
    values: dict[str, str | bool],
    errors: dict[str, str] | None = None,
    member_id: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {"values": values, "errors": errors, "member_id": member_id}
    return render(request, "staff_form.html", context, status)


@router.get("/beheer/medewerkers", response_class=HTMLResponse)
async def staff_list(request: Request, person: Admin, db: Session) -> HTMLResponse:
    members = await staff.list_staff(db, person.account.organisation_id)
    done = request.query_params.get("klaar")
    return render(request, "staff.html", {"members": members, "done": done})


@router.get("/beheer/medewerkers/nieuw", response_class=HTMLResponse)
async def new_form(request: Request, person: Admin) -> HTMLResponse:
    return _form(request, {"active": True})


@router.post("/beheer/medewerkers/nieuw", response_class=HTMLResponse)
async def add(
    request: Request,
    person: Admin,
    db: Session,
    name: Text = "",
    phone: Text = "",
    email: Text = "",
    team: Text = "",
) -> Response:
    values: dict[str, str | bool] = {"name": name, "phone": phone, "email": email, "team": team}
    try:
        data = staff.StaffData(name=name, phone=phone, email=email, team=team)
        await staff.add_staff(db, person.account.organisation_id, data)
    except ValueError as exc:
        await start_over(db, person)
        return _form(request, values | {"active": True}, _problem(exc), status=400)
    await db.commit()
    return RedirectResponse("/beheer/medewerkers?klaar=toegevoegd", status_code=303)


@router.get("/beheer/medewerkers/{staff_id}", response_class=HTMLResponse)
async def edit_form(request: Request, staff_id: str, person: Admin, db: Session) -> Response:
    member = await staff.own_staff(db, person.account.organisation_id, staff_id)
    values: dict[str, str | bool] = {f: getattr(member, f) or "" for f in FIELDS}
    return _form(request, values | {"active": member.active}, member_id=member.id)


@router.post("/beheer/medewerkers/{staff_id}", response_class=HTMLResponse)
async def change(
    request: Request,
    staff_id: str,
    person: Admin,
    db: Session,
    name: Text = "",
    phone: Text = "",
    email: Text = "",
    team: Text = "",
    active: Text = "",
) -> Response:
    member = await staff.own_staff(db, person.account.organisation_id, staff_id)
    changes: dict[str, str | bool | None] = {
        "name": name, "phone": phone, "email": email, "team": team, "active": active == "ja",
    }  # fmt: skip
    try:
        await staff.update_staff(db, member, changes)
    except ValueError as exc:
        await start_over(db, person)
        values = {k: v for k, v in changes.items() if v is not None}
        return _form(request, values, _problem(exc), staff_id, status=400)
    await db.commit()
    return RedirectResponse("/beheer/medewerkers?klaar=gewijzigd", status_code=303)
