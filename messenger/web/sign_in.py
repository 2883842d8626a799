"""Signing in and out, and setting a password through a one-time link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from messenger.api.request_limits import TooManyRequests
from messenger.platform import accounts
from messenger.web.auth import COOKIE, Session, clear_cookie, policy, set_cookie
from messenger.web.pages import render
from messenger.web.portals import home_of
from messenger.web.security import check_origin, check_token, new_token

router = APIRouter(include_in_schema=False)
FORM_COOKIE = "messenger_form"  # double-submit token for the forms used before sign-in
Field = Annotated[str, Form(max_length=400)]


def form_page(
    request: Request, name: str, context: dict[str, object], status_code: int = 200
) -> HTMLResponse:
    token = request.cookies.get(FORM_COOKIE) or new_token()
    settings = request.app.state.settings
    # The button for signing in through the organisation (oidc_sign_in.py), when it is on.
    label = settings.oidc_button_label if settings.oidc_enabled else None
    context = {**context, "form_token": token, "organisation_label": label}
    response = render(request, name, context, status_code)
    response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


def _check_form(request: Request, given: str) -> None:
    check_origin(request)
    check_token(request.cookies.get(FORM_COOKIE), given)


def local_path(path: str) -> str:
    """Only a path on this site: never send a person elsewhere after sign-in."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


@router.get("/aanmelden", response_class=HTMLResponse)
async def sign_in_page(request: Request, terug: str = "/", afgemeld: bool = False) -> Response:
    notice = "U bent afgemeld." if afgemeld else None
    return form_page(request, "sign_in.html", {"next": local_path(terug), "notice": notice})


@router.post("/aanmelden", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    db: Session,
    form_token: Field = "",
    email: Field = "",
    password: Field = "",
    terug: Field = "/",
) -> Response:
    _check_form(request, form_token)
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Vul uw e-mailadres in."
    if not password:
        errors["password"] = "Vul uw wachtwoord in."  # noqa: S105 - a message, not a secret
    context: dict[str, object] = {"next": local_path(terug), "email": email}
    if errors:
        return form_page(request, "sign_in.html", {**context, "errors": errors}, 400)
    limits = request.app.state.limits
    address = request.client.host if request.client else "unknown"
    now = request.app.state.clock.now()
    try:
        if limits is not None:
            await limits.before_sign_in(address)
        try:
            account = await accounts.sign_in(db, email, password, now)
        except accounts.SignInRefused:
            await db.commit()  # the failure count is part of the answer
            if limits is not None:
                await limits.failed_sign_in(address)
            raise
    except accounts.SignInRefused as refused:
        errors["email"] = str(refused)
        return form_page(request, "sign_in.html", {**context, "errors": errors}, 400)
    except TooManyRequests as exc:
        errors["email"] = (
            "Te veel mislukte pogingen vanaf deze computer. "
            f"Probeer het over {exc.retry_after} seconden opnieuw."
        )
        return form_page(request, "sign_in.html", {**context, "errors": errors}, 429)
    token = await accounts.open_session(db, account, now)
    await db.commit()
    target = local_path(terug)
    response = RedirectResponse(home_of(account.role) if target == "/" else target, 303)
    set_cookie(response, token, request.app.state.settings)
    response.delete_cookie(FORM_COOKIE, path="/")
    return response


@router.post("/afmelden")
async def sign_out(request: Request, db: Session, csrf: Field = "") -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        found = await accounts.current_session(
            db, token, request.app.state.clock.now(), policy(request.app.state.settings)
        )
        if found is not None:
            check_origin(request)
            check_token(found[0].csrf_token, csrf)
            await accounts.end_session(db, token, request.app.state.clock.now())
        await db.commit()
    response = RedirectResponse("/aanmelden?afgemeld=1", status_code=303)
    clear_cookie(response)
    return response


@router.get("/wachtwoord/{token}", response_class=HTMLResponse)
async def password_page(request: Request, token: str, db: Session) -> Response:
    account = await accounts.account_for_link(db, token, request.app.state.clock.now())
    if account is None:
        return render(request, "link_expired.html", status_code=404)
    return form_page(request, "set_password.html", {"person": account})


@router.post("/wachtwoord/{token}", response_class=HTMLResponse)
async def set_password(
    request: Request,
    token: str,
    db: Session,
    form_token: Field = "",
    password: Annotated[str, Form(max_length=accounts.PASSWORD_MAX_LENGTH + 1)] = "",
    repeat: Annotated[str, Form(max_length=accounts.PASSWORD_MAX_LENGTH + 1)] = "",
) -> Response:
    _check_form(request, form_token)
    now = request.app.state.clock.now()
    account = await accounts.account_for_link(db, token, now)
    if account is None:
        return render(request, "link_expired.html", status_code=404)
    errors: dict[str, str] = {}
    problem = accounts.check_password(password, account)
    if problem:
        errors["password"] = problem
    elif password != repeat:
        errors["repeat"] = "Typ twee keer hetzelfde wachtwoord."
    if errors:
        return form_page(request, "set_password.html", {"person": account, "errors": errors}, 400)
    await accounts.set_password(db, account, password, now)
    await db.commit()
    return RedirectResponse("/aanmelden?terug=/", status_code=303)
