"""Signing in through the organisation's own identity provider (OpenID Connect), through the
real server and a small provider over HTTP (oidc_provider.py): the button on the sign-in page,
the round trip through the provider, and every way it can go wrong ending on the sign-in page
with a Dutch reason, not signed in."""

from __future__ import annotations

import contextlib
import html
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from messenger.cli.runner import free_port, running_api, server_url
from messenger.platform import accounts, roles
from messenger.platform.clock import Clock, SimulatedClock
from messenger.platform.db import Sessions
from messenger.platform.models import Account
from messenger.platform.settings import Settings
from messenger.web.auth import COOKIE
from messenger.web.oidc_sign_in import (
    DENIED,
    EXPIRED,
    FAILED,
    FLOW_COOKIE,
    FLOW_VALID,
    NO_EMAIL,
    UNAVAILABLE,
)
from tests.support import Tenant
from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.web.support import Person, make_person, new_account

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LABEL = "Aanmelden via OCMW Gent"
BUTTON = re.compile(r'<a class="button" href="(/aanmelden/organisatie[^"]*)"[^>]*>([^<]*)</a>')
NOT_HERE = (
    "Met dit account van uw organisatie kunt u niet aanmelden bij Messenger. "
    "Vraag een beheerder om u toe te voegen."
)


@pytest.fixture
def clock() -> Clock:
    return SimulatedClock(START)


@pytest.fixture
async def an(sessions: Sessions, tenant: Tenant) -> Person:
    return await make_person(sessions, tenant.organisation_id, "an@ocmw.be")


@pytest.fixture
async def provider(clock: SimulatedClock) -> AsyncIterator[OidcProvider]:
    async with OidcProvider(now=clock.now) as running:
        yield running


@contextlib.asynccontextmanager
async def messenger_with_oidc(
    settings: Settings, redis_server: str, clock: Clock, issuer: str, **more: Any
) -> AsyncIterator[str]:
    """The real server with OpenID Connect on, on a port chosen first: its public URL is the
    redirect URI the provider knows."""
    port = free_port()
    configured = settings.model_copy(
        update={
            "public_url": f"http://127.0.0.1:{port}",
            "oidc_issuer": issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
            "oidc_button_label": LABEL,
            **more,
        }
    )
    async with running_api(configured, redis_server, port=port, clock=clock) as server:
        yield server_url(server)


@pytest.fixture
async def oidc_api(
    settings: Settings,
    sessions: Sessions,
    redis_server: str,
    clock: Clock,
    provider: OidcProvider,
) -> AsyncIterator[str]:
    async with messenger_with_oidc(settings, redis_server, clock, provider.issuer) as url:
        provider.redirect_uri = f"{url}/aanmelden/organisatie/terug"
        yield url


async def to_provider(http: httpx.AsyncClient, start: str = "/aanmelden") -> httpx.Response:
    """From the sign-in page, press the button: Messenger sends the browser to the provider,
    which approves at once and sends it back. Returns the provider's redirect back."""
    page = await http.get(start)
    assert page.status_code == 200
    found = BUTTON.search(page.text)
    assert found, "no button for the organisation's sign-in"
    away = await http.get(html.unescape(found.group(1)))
    assert away.status_code == 303, away.text
    back = await http.get(away.headers["location"])
    assert back.status_code == 302, back.text
    return back


async def through_provider(http: httpx.AsyncClient, start: str = "/aanmelden") -> httpx.Response:
    """The whole round trip; returns Messenger's answer at the redirect URI."""
    back = await to_provider(http, start)
    return await http.get(back.headers["location"])


def refused_with(answer: httpx.Response, http: httpx.AsyncClient, message: str) -> None:
    """The sign-in page again, with the reason at the button, and nobody signed in."""
    assert message in html.unescape(answer.text)
    assert 'id="organisatie-fout"' in answer.text  # at the button, and in the summary
    assert 'name="password"' in answer.text  # the password form stays
    assert COOKIE not in http.cookies
    assert "Traceback" not in answer.text


async def test_a_social_worker_signs_in_through_the_organisation_and_lands_at_home(
    oidc_api: str, an: Person, provider: OidcProvider, sessions: Sessions, clock: SimulatedClock
) -> None:
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        page = await http.get("/aanmelden")
        found = BUTTON.search(page.text)
        assert found and found.group(2) == LABEL
        assert 'name="password"' in page.text  # the password form stays beside it
        away = await http.get(html.unescape(found.group(1)))
        assert away.status_code == 303
        assert away.headers["location"].startswith(f"{provider.issuer}/authorize?")
        assert "code_challenge_method=S256" in away.headers["location"]
        assert "scope=openid+email" in away.headers["location"]
        flow_cookie = next(
            c for c in away.headers.get_list("set-cookie") if c.startswith(FLOW_COOKIE)
        )
        assert "HttpOnly" in flow_cookie and "SameSite=lax" in flow_cookie
        assert "Path=/aanmelden/organisatie" in flow_cookie and "Max-Age=600" in flow_cookie
        back = await http.get(away.headers["location"])
        signed = await http.get(back.headers["location"])
        assert signed.status_code == 303, signed.text
        assert signed.headers["location"] == "/"
        assert COOKIE in http.cookies
        home = await http.get("/")
        assert home.status_code == 200
        assert "An Peeters" in home.text  # signed in: the header names the person
    assert provider.client_auth == ["client_secret_basic"]  # and the PKCE verifier held
    async with sessions() as session:
        account = await session.scalar(select(Account).where(Account.email == "an@ocmw.be"))
    assert account is not None and account.last_sign_in_at == clock.now()


async def test_an_account_without_a_password_yet_signs_in_through_the_organisation(
    oidc_api: str, sessions: Sessions, tenant: Tenant, provider: OidcProvider
) -> None:
    await new_account(sessions, tenant.organisation_id, "jan.peeters@ocmw.be", role=roles.ADMIN)
    provider.email = "Jan.Peeters@OCMW.be"  # the provider's spelling; one address all the same
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        signed = await through_provider(http)
        assert signed.status_code == 303
        assert (await http.get("/beheer")).status_code == 200  # with the account's own role


async def test_after_signing_in_the_person_goes_back_where_they_were(
    oidc_api: str, an: Person
) -> None:
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        first = await http.get("/zittingen?wanneer=past")
        assert first.headers["location"] == "/aanmelden?terug=/zittingen%3Fwanneer%3Dpast"
        signed = await through_provider(http, first.headers["location"])
        assert signed.headers["location"] == "/zittingen?wanneer=past"
        assert (await http.get("/zittingen?wanneer=past")).status_code == 200


@pytest.mark.parametrize("email", ["niemand@ocmw.be", "an@ocmw.be"], ids=["unknown", "off"])
async def test_an_address_without_an_active_account_gets_no_account_by_signing_in(
    oidc_api: str,
    an: Person,
    provider: OidcProvider,
    sessions: Sessions,
    clock: SimulatedClock,
    email: str,
) -> None:
    provider.email = email
    if email == an.email:  # an admin switched An's account off
        async with sessions() as session:
            account = await session.scalar(select(Account).where(Account.email == an.email))
            assert account is not None
            await accounts.switch_off(session, account, clock.now())
            await session.commit()
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        answer = await through_provider(http)
        assert answer.status_code == 400
        refused_with(answer, http, NOT_HERE)
    async with sessions() as session:
        nobody = select(Account.id).where(Account.email == "niemand@ocmw.be")
        assert await session.scalar(nobody) is None  # nobody got an account by signing in


async def test_a_locked_account_waits_for_its_lock_to_lift(
    oidc_api: str, an: Person, sessions: Sessions, clock: SimulatedClock
) -> None:
    async with sessions() as session:
        account = await session.scalar(select(Account).where(Account.email == an.email))
        assert account is not None
        account.locked_until = clock.now() + accounts.LOCK_FOR
        await session.commit()
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        answer = await through_provider(http)
        assert answer.status_code == 400
        refused_with(answer, http, "Uw account is even geblokkeerd")
        clock.advance(accounts.LOCK_FOR + timedelta(seconds=1))
        assert (await through_provider(http)).status_code == 303


async def test_a_state_that_is_not_this_browsers_signs_nobody_in(oidc_api: str, an: Person) -> None:
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        back = httpx.URL((await to_provider(http)).headers["location"])
        wrong = back.copy_set_param("state", "een-andere-state")
        answer = await http.get(wrong)
        assert answer.status_code == 400
        refused_with(answer, http, FAILED)
        # The sign-in is over: the right state no longer works either.
        assert (await http.get(back)).status_code == 400
        assert COOKIE not in http.cookies
    # Another browser handed the link back (login CSRF): it has no sign-in on its way.
    async with httpx.AsyncClient(base_url=oidc_api) as victim:
        answer = await victim.get(back)
        assert answer.status_code == 400
        refused_with(answer, victim, EXPIRED)


async def test_a_sign_in_left_at_the_provider_for_too_long_is_over(
    oidc_api: str, an: Person, clock: SimulatedClock
) -> None:
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        back = await to_provider(http)
        clock.advance(FLOW_VALID + timedelta(seconds=1))
        answer = await http.get(back.headers["location"])
        assert answer.status_code == 400
        refused_with(answer, http, EXPIRED)


@pytest.mark.parametrize(
    "problem",
    [
        {"forge": "tamper"},
        {"forge": "forged"},
        {"forge": "none"},
        {"forge": "shared-secret"},
        {"issued_ago": timedelta(minutes=7)},  # it expired two minutes ago
        {"issued_ago": timedelta(minutes=-5)},  # made in the future
        {"changes": {"aud": "een-andere-dienst"}},
        {"changes": {"aud": [CLIENT_ID, "een-andere-dienst"]}},  # without azp
        {"changes": {"iss": "https://idp.example"}},
        {"changes": {"nonce": "een-andere-nonce"}},
        {"changes": {"nonce": None}},
        {"changes": {"exp": None}},
    ],
    ids=[
        "tampered",
        "forged-signature",
        "unsigned",
        "signed-with-the-client-secret",
        "expired",
        "from-the-future",
        "wrong-audience",
        "shared-audience-without-azp",
        "wrong-issuer",
        "nonce-mismatch",
        "no-nonce",
        "no-expiry",
    ],
)
async def test_an_id_token_that_does_not_hold_up_signs_nobody_in(
    oidc_api: str, an: Person, provider: OidcProvider, problem: dict[str, Any]
) -> None:
    for name, value in problem.items():
        setattr(provider, name, value)
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        answer = await through_provider(http)
        assert answer.status_code == 400
        refused_with(answer, http, FAILED)


async def test_an_address_the_provider_has_not_verified_signs_nobody_in(
    oidc_api: str, an: Person, provider: OidcProvider
) -> None:
    provider.email_verified = False
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        answer = await through_provider(http)
        assert answer.status_code == 400
        refused_with(answer, http, NO_EMAIL)


async def test_the_provider_saying_no_ends_on_the_sign_in_page(
    oidc_api: str, an: Person, provider: OidcProvider
) -> None:
    provider.deny = True
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        back = await to_provider(http)
        assert "error=access_denied" in back.headers["location"]
        answer = await http.get(back.headers["location"])
        assert answer.status_code == 400
        refused_with(answer, http, DENIED)
    assert "/token" not in provider.requests


async def test_a_provider_that_cannot_be_reached_ends_on_the_sign_in_page(
    settings: Settings, sessions: Sessions, redis_server: str, clock: Clock, an: Person
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with (
        messenger_with_oidc(settings, redis_server, clock, nobody) as api,
        httpx.AsyncClient(base_url=api) as http,
    ):
        answer = await http.get("/aanmelden/organisatie")
        assert answer.status_code == 502
        refused_with(answer, http, UNAVAILABLE)


async def test_a_provider_that_goes_away_during_the_sign_in_ends_on_the_sign_in_page(
    oidc_api: str, an: Person, provider: OidcProvider
) -> None:
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        back = await to_provider(http)
        await provider.stop()
        answer = await http.get(back.headers["location"])
        assert answer.status_code == 502
        refused_with(answer, http, UNAVAILABLE)


async def test_the_provider_is_asked_once_and_its_new_key_is_fetched_when_it_rotates(
    oidc_api: str, an: Person, provider: OidcProvider
) -> None:
    for _ in range(2):
        async with httpx.AsyncClient(base_url=oidc_api) as http:
            assert (await through_provider(http)).status_code == 303
    provider.rotate_key()
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        assert (await through_provider(http)).status_code == 303
    assert provider.requests.count("/.well-known/openid-configuration") == 1
    assert provider.requests.count("/jwks") == 2  # once, and once more for the new key id


async def test_the_address_may_come_from_userinfo_and_the_secret_in_the_form(
    oidc_api: str, an: Person, provider: OidcProvider
) -> None:
    provider.email_in_id_token = False
    provider.auth_methods = ("client_secret_post",)
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        assert (await through_provider(http)).status_code == 303
    assert provider.client_auth == ["client_secret_post"]
    assert "/userinfo" in provider.requests


async def test_neither_the_token_nor_the_address_goes_into_the_log(
    oidc_api: str, an: Person, provider: OidcProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        assert (await through_provider(http)).status_code == 303
    provider.email = "niemand@ocmw.be"
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        assert (await through_provider(http)).status_code == 400
    provider.forge = "tamper"
    async with httpx.AsyncClient(base_url=oidc_api) as http:
        assert (await through_provider(http)).status_code == 400
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("messenger")]
    assert any("OpenID Connect sign-in refused" in line for line in ours)
    for secret in [*provider.issued, "an@ocmw.be", "niemand@ocmw.be", "baas@ocmw.be"]:
        assert not any(secret in line for line in ours)


async def test_without_the_settings_there_is_no_button_and_no_such_page(api: str) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        page = await http.get("/aanmelden")
        assert page.status_code == 200 and "/aanmelden/organisatie" not in page.text
        assert (await http.get("/aanmelden/organisatie")).status_code == 404
        assert (await http.get("/aanmelden/organisatie/terug?state=x&code=y")).status_code == 404


def test_the_settings_switch_it_on_only_with_an_issuer_and_a_client_id() -> None:
    assert not Settings().oidc_enabled
    assert not Settings(oidc_issuer="https://login.ocmw.be").oidc_enabled
    on = Settings(oidc_issuer="https://login.ocmw.be/realms/ocmw", oidc_client_id="messenger")
    assert on.oidc_enabled and on.oidc_button_label == "Aanmelden via uw organisatie"
    assert Settings(oidc_issuer="http://localhost:8080", oidc_client_id="m").oidc_enabled
    for insecure in ("http://login.ocmw.be", "ftp://login.ocmw.be", "login.ocmw.be"):
        with pytest.raises(ValidationError):
            Settings(oidc_issuer=insecure, oidc_client_id="messenger")


def test_the_client_secret_is_not_shown_with_the_settings() -> None:
    settings = Settings(oidc_client_secret="geheim")  # type: ignore[arg-type]
    assert "geheim" not in repr(settings)
