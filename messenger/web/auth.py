"""Who is signed in: the session cookie, read into `request.state.signed_in`, and the
dependencies pages use to require a signed-in person with a given role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform import accounts, roles
from messenger.platform.models import Account, WebSession
from messenger.platform.settings import Settings
from messenger.web.security import check_origin, check_token

COOKIE = "messenger_session"


async def database(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as db:
        yield db


Session = Annotated[AsyncSession, Depends(database)]


@dataclass(frozen=True)
class SignedIn:
    account: Account
    web_session: WebSession


class NeedsSignIn(Exception):
    """No live session: the page sends the person to sign in, then back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class NotAllowed(Exception):
    """Signed in, but this page is not for their role: a 403 page."""


def policy(settings: Settings) -> accounts.SessionPolicy:
    return accounts.SessionPolicy(
        idle=timedelta(minutes=settings.web_idle_minutes),
        lifetime=timedelta(hours=settings.web_session_hours),
    )


async def signed_in(request: Request, db: Session) -> SignedIn:
    token = request.cookies.get(COOKIE)
    now = request.app.state.clock.now()
    found = (
        await accounts.current_session(db, token, now, policy(request.app.state.settings))
        if token
        else None
    )
    await db.commit()  # an expired session is ended, a live one marked as seen
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NeedsSignIn(target if request.method == "GET" else "/")
    request.state.signed_in = SignedIn(account=found[1], web_session=found[0])
    if request.method not in ("GET", "HEAD"):
        check_origin(request)
        form = await request.form()
        given = form.get("csrf")
        check_token(found[0].csrf_token, given if isinstance(given, str) else None)
    return request.state.signed_in  # type: ignore[no-any-return]


async def start_over(db: AsyncSession, person: SignedIn) -> None:
    """Undo what this request wrote. The rollback expires everything the session loaded, the
    signed-in person included; load them again so the page can still be shown."""
    await db.rollback()
    await db.refresh(person.account)
    await db.refresh(person.web_session)


def role_in(allowed: frozenset[str]) -> Callable[[SignedIn], Awaitable[SignedIn]]:
    async def check(person: Annotated[SignedIn, Depends(signed_in)]) -> SignedIn:
        if person.account.role not in allowed:
            raise NotAllowed
        return person

    return check


# Social workers and admins: sessions, clients, imports, the inbox.
Staff = Annotated[SignedIn, Depends(role_in(roles.CASEWORK))]
Admin = Annotated[SignedIn, Depends(role_in(roles.SETTINGS))]
Anyone = Annotated[SignedIn, Depends(signed_in)]


def to_sign_in(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/aanmelden?terug={quote(next_path, safe='/')}", status_code=303)


def set_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.public_url.startswith("https://"),
        path="/",
        max_age=int(settings.web_session_hours * 3600),
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
