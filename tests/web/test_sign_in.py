"""Signing in to the pages, through the real server: passwords set by a one-time link, a
lockout after five wrong passwords, sessions that end, forms that only our pages can post."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from messenger.cli.runner import running_api, server_url
from messenger.platform import accounts, roles
from messenger.platform.clock import Clock, SimulatedClock
from messenger.platform.db import Sessions
from messenger.platform.models import Account, utcnow
from messenger.platform.settings import Settings
from messenger.web.auth import COOKIE
from tests.support import Tenant
from tests.web.support import (
    PASSWORD,
    Person,
    csrf_of,
    form_token,
    make_person,
    new_account,
    sign_in,
)

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return SimulatedClock(START)


@pytest.fixture
async def an(sessions: Sessions, tenant: Tenant) -> Person:
    return await make_person(sessions, tenant.organisation_id, "an@ocmw.be")


async def test_a_new_account_sets_its_password_through_its_link_once(
    api: str, sessions: Sessions, tenant: Tenant, clock: SimulatedClock
) -> None:
    token = await new_account(
        sessions, tenant.organisation_id, "Jan.Peeters@OCMW.be", role=roles.ADMIN, now=clock.now()
    )
    async with httpx.AsyncClient(base_url=api) as http:
        page = await http.get(f"/wachtwoord/{token}")
        assert page.status_code == 200 and "jan.peeters@ocmw.be" in page.text
        short = await http.post(
            f"/wachtwoord/{token}",
            data={"form_token": form_token(page), "password": "kort", "repeat": "kort"},
        )
        assert short.status_code == 400
        assert "minstens 12 tekens" in short.text
        assert 'aria-invalid="true"' in short.text  # the field says it is wrong, too
        different = await http.post(
            f"/wachtwoord/{token}",
            data={"form_token": form_token(page), "password": PASSWORD, "repeat": PASSWORD + "x"},
        )
        assert "twee keer hetzelfde" in different.text
        done = await http.post(
            f"/wachtwoord/{token}",
            data={"form_token": form_token(page), "password": PASSWORD, "repeat": PASSWORD},
        )
        assert done.status_code == 303
        again = await http.get(f"/wachtwoord/{token}")
        assert again.status_code == 404 and "werkt niet meer" in again.text
        signed = await sign_in(http, Person("JAN.PEETERS@ocmw.be", tenant.organisation_id))
        assert signed.status_code == 303
    async with sessions() as session:
        stored = await session.scalar(select(Account.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")


async def test_a_set_password_link_expires_after_three_days(
    api: str, sessions: Sessions, tenant: Tenant, clock: SimulatedClock
) -> None:
    token = await new_account(sessions, tenant.organisation_id, "jan@ocmw.be", now=clock.now())
    clock.advance(accounts.SET_PASSWORD_LINK_VALID + timedelta(seconds=1))
    async with httpx.AsyncClient(base_url=api) as http:
        assert (await http.get(f"/wachtwoord/{token}")).status_code == 404


async def test_signing_in_sets_a_safe_cookie_and_goes_back_where_the_person_was(
    api: str, an: Person
) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        first = await http.get("/zittingen?wanneer=past")
        assert first.status_code == 303
        assert first.headers["location"] == "/aanmelden?terug=/zittingen%3Fwanneer%3Dpast"
        signed = await sign_in(http, an, terug="/zittingen?wanneer=past")
        assert signed.status_code == 303
        assert signed.headers["location"] == "/zittingen?wanneer=past"
        cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith(COOKIE))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        page = await http.get("/zittingen?wanneer=past")
        assert page.status_code == 200
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text and "style=" not in page.text  # nothing inline


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/x", "javascript:x"])
async def test_sign_in_never_sends_a_person_to_another_site(
    api: str, an: Person, elsewhere: str
) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        signed = await sign_in(http, an, terug=elsewhere)
    assert signed.headers["location"] == "/"


async def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    api: str, an: Person, clock: SimulatedClock
) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        for _ in range(4):
            wrong = await sign_in(http, an, password="niet het wachtwoord")
            assert wrong.status_code == 400
            assert "klopt niet" in wrong.text
        locked = await sign_in(http, an, password="niet het wachtwoord")
        assert "geblokkeerd" in locked.text and "10.15 uur" in locked.text  # Brussels time
        # Even the right password waits until the lock lifts.
        assert "geblokkeerd" in (await sign_in(http, an)).text
        clock.advance(accounts.LOCK_FOR + timedelta(seconds=1))
        assert (await sign_in(http, an)).status_code == 303


async def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(
    api: str, an: Person
) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        unknown = await sign_in(http, Person("niemand@ocmw.be", an.organisation_id))
        wrong = await sign_in(http, an, password="niet het wachtwoord")
    pick = re.compile(r"field-error[^>]*>(.*?)</p>", re.S)
    assert pick.findall(unknown.text) == pick.findall(wrong.text)


async def test_signing_out_ends_the_session_on_the_server(api: str, an: Person) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        await sign_in(http, an)
        stolen = http.cookies[COOKIE]
        page = await http.get("/")
        out = await http.post("/afmelden", data={"csrf": csrf_of(page)})
        assert out.headers["location"] == "/aanmelden?afgemeld=1"
    async with httpx.AsyncClient(base_url=api, cookies={COOKIE: stolen}) as replay:
        assert (await replay.get("/")).status_code == 303  # the old cookie is worth nothing


async def test_a_session_ends_after_thirty_idle_minutes(
    api: str, an: Person, clock: SimulatedClock
) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        await sign_in(http, an)
        clock.advance(timedelta(minutes=29))
        assert (await http.get("/")).status_code == 200  # and that counts as activity
        clock.advance(timedelta(minutes=29))
        assert (await http.get("/")).status_code == 200
        clock.advance(timedelta(minutes=31))
        assert (await http.get("/")).status_code == 303


async def test_forms_need_the_pages_token_and_origin(api: str, an: Person) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        await sign_in(http, an)
        page = await http.get("/")
        no_token = await http.post("/afmelden", data={})
        assert no_token.status_code == 403  # sign-out without the token: refused
        assert (await http.get("/")).status_code == 200  # still signed in
        foreign = await http.post(
            "/afmelden",
            data={"csrf": csrf_of(page)},
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status_code == 403
        assert "Dit formulier is verlopen" in foreign.text
        assert (await http.get("/")).status_code == 200


async def test_too_many_failures_from_one_address_get_429(
    settings: Settings, sessions: Sessions, tenant: Tenant, redis_server: str
) -> None:
    """The address budget is the API's (30 a minute); here set to 3 to show it on a page."""
    tight = settings.model_copy(update={"auth_failures_per_minute": 3})
    people = [
        await make_person(sessions, tenant.organisation_id, f"p{n}@ocmw.be") for n in range(5)
    ]
    async with (
        running_api(tight, redis_server, clock=SimulatedClock(utcnow())) as server,
        httpx.AsyncClient(base_url=server_url(server)) as http,
    ):
        answers = [(await sign_in(http, p, password="fout wachtwoord")).status_code for p in people]
    assert answers == [400, 400, 400, 429, 429]
