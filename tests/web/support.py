"""What the page tests share: accounts with passwords, and signing in as a browser does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from messenger.platform import accounts, roles
from messenger.platform.db import Sessions
from messenger.platform.models import utcnow

PASSWORD = "een lange zin als wachtwoord"
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    email: str
    organisation_id: str
    password: str = PASSWORD


async def new_account(
    sessions: Sessions,
    organisation_id: str,
    email: str,
    *,
    role: str = roles.SOCIAL_WORKER,
    now: datetime | None = None,
    **links: str,
) -> str:
    """An account as `messenger account create` makes it: the token of its password link."""
    async with sessions() as session:
        _, token = await accounts.create_account(
            session,
            organisation_id=organisation_id,
            email=email,
            name="An Peeters",
            role=role,
            now=now or utcnow(),
            **links,
        )
        await session.commit()
    return token


async def make_person(
    sessions: Sessions, organisation_id: str, email: str, **options: Any
) -> Person:
    """An account that has set its password, as after following its link."""
    token = await new_account(sessions, organisation_id, email, **options)
    async with sessions() as session:
        account = await accounts.account_for_link(session, token, utcnow())
        assert account is not None
        await accounts.set_password(session, account, PASSWORD, utcnow())
        await session.commit()
    return Person(email, organisation_id)


def form_token(page: httpx.Response) -> str:
    found = FORM_TOKEN.search(page.text)
    assert found, "no form token on the page"
    return found.group(1)


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def sign_in(
    http: httpx.AsyncClient, person: Person, password: str | None = None, terug: str = "/"
) -> httpx.Response:
    page = await http.get("/aanmelden")
    return await http.post(
        "/aanmelden",
        data={
            "form_token": form_token(page),
            "email": person.email,
            "password": password or person.password,
            "terug": terug,
        },
    )
