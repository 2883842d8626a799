"""Beheer (admins only): the people who sign in, and the API keys of the organisation.

A new account gets a one-time link to choose a password, shown once to the admin, who
passes it on; the link is stored only as a hash. A new API key is shown once too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.case_columns import WATER_COMPANIES
from messenger.platform import accounts, api_keys, roles
from messenger.platform.models import Account, ApiKey, Partner
from messenger.platform.tenancy import own
from messenger.web.auth import Admin, Session
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=320)]
ROLE_NAMES = {
    roles.ADMIN: "Beheerder",
    roles.SOCIAL_WORKER: "Maatschappelijk werker",
    roles.PARTNER: "Partnerorganisatie",
    roles.WATER_COMPANY: "Watermaatschappij",
}
KEY_TYPES = {"live": "Echt versturen", "team": "Alleen naar het team", "test": "Test (sandbox)"}


@router.get("/beheer", response_class=HTMLResponse)
async def overview(request: Request, person: Admin, db: Session) -> HTMLResponse:
    organisation_id = person.account.organisation_id
    people = await db.scalars(
        select(Account).where(Account.organisation_id == organisation_id).order_by(Account.name)
    )
    keys = await db.scalars(
        select(ApiKey)
        .where(ApiKey.organisation_id == organisation_id)
        .order_by(ApiKey.created_at.desc())
    )
    return render(
        request,
        "admin.html",
        {
            "people": list(people),
            "keys": list(keys),
            "role_names": ROLE_NAMES,
            "key_types": KEY_TYPES,
            "done": request.query_params.get("klaar"),
        },
    )


@router.get("/beheer/accounts/nieuw", response_class=HTMLResponse)
async def account_form(request: Request, person: Admin, db: Session) -> HTMLResponse:
    return await _account_form(request, db, person.account.organisation_id, {}, None)


@router.post("/beheer/accounts/nieuw", response_class=HTMLResponse)
async def create_account(
    request: Request,
    person: Admin,
    db: Session,
    name: Text = "",
    email: Text = "",
    role: Text = "",
    partner: Text = "",
    water_company: Text = "",
) -> Response:
    organisation_id = person.account.organisation_id
    values = {"name": name, "email": email, "role": role, "partner": partner,
              "water_company": water_company}  # fmt: skip
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Geef de naam van de persoon."
    if role not in ROLE_NAMES:
        errors["role"] = "Kies wat de persoon mag doen."
    elif role == roles.PARTNER and not partner:
        errors["partner"] = "Kies de partnerorganisatie."
    elif role == roles.WATER_COMPANY and water_company not in WATER_COMPANIES:
        errors["water_company"] = "Kies de watermaatschappij."
    if not errors:
        try:
            account, token = await accounts.create_account(
                db,
                organisation_id=organisation_id,
                email=email,
                name=name,
                role=role,
                partner_id=partner if role == roles.PARTNER else None,
                water_company=water_company if role == roles.WATER_COMPANY else None,
                now=request.app.state.clock.now(),
            )
        except (ValueError, LookupError) as exc:
            errors["email" if "e-mail" in str(exc).lower() else "role"] = str(exc)
        else:
            await db.commit()
            return _link_page(request, account, token)
    return await _account_form(request, db, organisation_id, values, errors, 400)


@router.post("/beheer/accounts/{account_id}/link", response_class=HTMLResponse)
async def new_link(request: Request, account_id: str, person: Admin, db: Session) -> Response:
    account = await own(db, Account, person.account.organisation_id, account_id)
    token = accounts.start_password_reset(account, request.app.state.clock.now())
    await db.commit()
    return _link_page(request, account, token)


@router.post("/beheer/accounts/{account_id}/uitschakelen")
async def switch_off(request: Request, account_id: str, person: Admin, db: Session) -> Response:
    account = await own(db, Account, person.account.organisation_id, account_id)
    if account.id == person.account.id:
        return RedirectResponse("/beheer?klaar=niet-uzelf", status_code=303)
    await accounts.switch_off(db, account, request.app.state.clock.now())
    await db.commit()
    return RedirectResponse("/beheer?klaar=uitgeschakeld", status_code=303)


@router.post("/beheer/sleutels/nieuw", response_class=HTMLResponse)
async def create_key(
    request: Request,
    person: Admin,
    db: Session,
    name: Text = "",
    key_type: Text = "live",
) -> Response:
    try:
        issued = await api_keys.issue_key(
            db,
            request.app.state.secret_box,
            organisation_id=person.account.organisation_id,
            name=name or "",
            key_type=key_type,
            role=roles.SOCIAL_WORKER,
        )
    except ValueError:
        return RedirectResponse("/beheer?klaar=sleutel-fout#sleutels", status_code=303)
    await db.commit()
    return render(request, "api_key_shown.html", {"issued": issued})


@router.post("/beheer/sleutels/{key_id}/intrekken")
async def revoke_key(request: Request, key_id: str, person: Admin, db: Session) -> Response:
    await api_keys.revoke_key(
        db, person.account.organisation_id, key_id, request.app.state.clock.now()
    )
    await db.commit()
    return RedirectResponse("/beheer?klaar=ingetrokken#sleutels", status_code=303)


def _link_page(request: Request, account: Account, token: str) -> HTMLResponse:
    link = accounts.password_link(request.app.state.settings.public_url, token)
    return render(request, "account_link.html", {"person": account, "link": link})


async def _account_form(
    request: Request,
    db: AsyncSession,
    organisation_id: str,
    values: dict[str, str],
    errors: dict[str, str] | None,
    status: int = 200,
) -> HTMLResponse:
    partners = await db.scalars(
        select(Partner).where(Partner.organisation_id == organisation_id).order_by(Partner.name)
    )
    context = {
        "values": values,
        "errors": errors,
        "role_names": ROLE_NAMES,
        "partners": list(partners),
        "water_companies": WATER_COMPANIES,
    }
    return render(request, "account_form.html", context, status)
