"""Signing in through the organisation's own identity provider (OpenID Connect), beside the
password form, when the settings switch it on: /aanmelden/organisatie sends the person to the
provider, which sends them back to /aanmelden/organisatie/terug. The protocol and the choice
of account are in platform/oidc.py; the session is opened as after a password.

While the person is at the provider, their browser keeps the sign-in's state, nonce and PKCE
verifier in a cookie sealed with the server key (Fernet: encrypted and signed) that lives ten
minutes and is sent only to these two addresses."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from messenger.platform import accounts, oidc
from messenger.platform.settings import Settings
from messenger.web.auth import Session, set_cookie
from messenger.web.portals import home_of
from messenger.web.sign_in import FORM_COOKIE, form_page, local_path

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

START = "/aanmelden/organisatie"
BACK = "/aanmelden/organisatie/terug"
FLOW_COOKIE = "messenger_oidc"
FLOW_VALID = timedelta(minutes=10)
MAX_COOKIE_LENGTH = 4096

# What the person reads when it does not work (the sign-in page, at the button).
UNAVAILABLE = (
    "De aanmeldservice van uw organisatie antwoordt nu niet. "
    "Probeer het over enkele minuten opnieuw."
)
FAILED = "Aanmelden via uw organisatie is niet gelukt. Probeer het opnieuw."
EXPIRED = "Het aanmelden duurde te lang of is onderbroken. Probeer het opnieuw."
DENIED = "Het aanmelden bij uw organisatie is gestopt. Probeer het opnieuw als u wilt aanmelden."
NO_EMAIL = (
    "Uw organisatie gaf geen bevestigd e-mailadres door. Vraag een beheerder van uw "
    "organisatie om hulp."
)


def _provider(request: Request) -> oidc.Provider:
    """The provider of these settings, made on first use and kept with the application (it
    caches the provider's discovery document and keys). Off: the pages do not exist."""
    settings: Settings = request.app.state.settings
    if not settings.oidc_enabled or not settings.oidc_issuer or not settings.oidc_client_id:
        raise HTTPException(status_code=404)
    provider: oidc.Provider | None = getattr(request.app.state, "oidc_provider", None)
    if provider is None:
        secret = settings.oidc_client_secret
        provider = oidc.Provider(
            settings.oidc_issuer,
            settings.oidc_client_id,
            secret.get_secret_value() if secret else None,
        )
        request.app.state.oidc_provider = provider
    return provider


def _redirect_uri(settings: Settings) -> str:
    """Where the provider sends the person back; register it at the provider."""
    return f"{settings.public_url.rstrip('/')}{BACK}"


def _refused(request: Request, message: str, status_code: int, next_path: str = "/") -> Response:
    """The sign-in page with the reason at the button; the sign-in on its way is over."""
    context: dict[str, object] = {"next": next_path, "errors": {"organisatie": message}}
    response = form_page(request, "sign_in.html", context, status_code)
    response.delete_cookie(FLOW_COOKIE, path=START)
    return response


def _seal(request: Request, flow: oidc.Flow, next_path: str, now: datetime) -> str:
    plain = json.dumps(
        {
            "state": flow.state,
            "nonce": flow.nonce,
            "verifier": flow.verifier,
            "next": next_path,
            "at": now.timestamp(),
        }
    )
    sealed: str = request.app.state.secret_box.encrypt(plain)
    return sealed


def _unseal(request: Request, now: datetime) -> tuple[oidc.Flow, str] | None:
    """This browser's sign-in on its way and where to go after it; None when there is none,
    it is not ours, or it is older than ten minutes."""
    sealed = request.cookies.get(FLOW_COOKIE)
    if not sealed or len(sealed) > MAX_COOKIE_LENGTH:
        return None
    plain = request.app.state.secret_box.decrypt(sealed)
    if plain is None:
        return None
    try:
        kept = json.loads(plain)
        flow = oidc.Flow(str(kept["state"]), str(kept["nonce"]), str(kept["verifier"]))
        started, next_path = float(kept["at"]), local_path(str(kept["next"]))
    except (ValueError, KeyError, TypeError):
        return None
    if now.timestamp() - started > FLOW_VALID.total_seconds():
        return None
    return flow, next_path


@router.get(START)
async def start(request: Request, terug: str = "/") -> Response:
    provider = _provider(request)
    settings: Settings = request.app.state.settings
    next_path = local_path(terug)
    flow = oidc.Flow.start()
    try:
        url = await provider.authorization_url(flow, _redirect_uri(settings))
    except oidc.ProviderError as exc:
        log.warning("OpenID Connect sign-in could not start: %s", exc)
        return _refused(request, UNAVAILABLE, 502, next_path)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        _seal(request, flow, next_path, request.app.state.clock.now()),
        max_age=int(FLOW_VALID.total_seconds()),
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET from its site
        secure=settings.public_url.startswith("https://"),
        path=START,
    )
    return response


@router.get(BACK)
async def finish(
    request: Request, db: Session, state: str = "", code: str = "", error: str = ""
) -> Response:
    provider = _provider(request)
    settings: Settings = request.app.state.settings
    now = request.app.state.clock.now()
    kept = _unseal(request, now)
    if kept is None:
        log.info("OpenID Connect sign-in refused: no sign-in of this browser on its way")
        return _refused(request, EXPIRED, 400)
    flow, next_path = kept
    try:
        given = oidc.code_from_callback(flow, state=state, code=code, error=error)
        identity = await provider.identify(given, flow, _redirect_uri(settings), now)
        account = await oidc.account_for(db, identity, now)
    except oidc.ProviderError as exc:
        log.warning("OpenID Connect sign-in failed at the provider: %s", exc)
        return _refused(request, UNAVAILABLE, 502, next_path)
    except oidc.Refused as exc:
        log.info("OpenID Connect sign-in refused: %s", exc)
        message = DENIED if isinstance(exc, oidc.Denied) else FAILED
        if isinstance(exc, oidc.NoVerifiedEmail):
            message = NO_EMAIL
        return _refused(request, message, 400, next_path)
    except accounts.SignInRefused as refused:
        log.info("OpenID Connect sign-in refused: no active, unlocked account for the address")
        return _refused(request, str(refused), 400, next_path)
    token = await accounts.open_session(db, account, now)
    await db.commit()
    target = home_of(account.role) if next_path == "/" else next_path
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, token, settings)
    response.delete_cookie(FLOW_COOKIE, path=START)
    response.delete_cookie(FORM_COOKIE, path="/")
    return response
