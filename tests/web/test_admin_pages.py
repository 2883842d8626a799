"""Beheer: an admin makes accounts (the person follows the one-time link and signs in), sends
a new link, switches an account off (its sessions end at once), and makes and revokes API
keys that work with the API. A social worker cannot open any of it."""

from __future__ import annotations

import re

import httpx
import pytest

from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.web.auth import COOKIE
from tests.support import Tenant
from tests.web.support import PASSWORD, Person, csrf_of, form_token, make_person, sign_in

LINK = re.compile(r'value="https?://[^/"]+(/wachtwoord/[^"]+)"')


async def create(admin: httpx.AsyncClient, **fields: str) -> httpx.Response:
    form = await admin.get("/beheer/accounts/nieuw")
    return await admin.post("/beheer/accounts/nieuw", data={"csrf": csrf_of(form), **fields})


async def set_password(api: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        page = await http.get(path)
        done = await http.post(
            path, data={"form_token": form_token(page), "password": PASSWORD, "repeat": PASSWORD}
        )
        assert done.status_code == 303, done.text


async def test_a_new_account_gets_a_link_and_can_then_sign_in(
    api: str, admin: httpx.AsyncClient, tenant: Tenant
) -> None:
    made = await create(admin, name="Jan Peeters", email="jan@ocmw.be", role=roles.SOCIAL_WORKER)
    assert made.status_code == 200 and "Geef deze link aan Jan Peeters" in made.text
    link = LINK.search(made.text)
    assert link is not None
    await set_password(api, link.group(1))
    async with httpx.AsyncClient(base_url=api) as http:
        signed = await sign_in(http, Person("jan@ocmw.be", tenant.organisation_id))
        assert signed.headers["location"] == "/"
        assert (await http.get("/beheer")).status_code == 403  # not an admin


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "", "email": "x@ocmw.be", "role": "admin"}, "name", "Geef de naam"),
        ({"name": "X", "email": "x@ocmw.be"}, "role", "Kies wat de persoon mag doen."),
        ({"name": "X", "email": "x@ocmw.be", "role": "partner"}, "partner", "Kies de partner"),
        (
            {"name": "X", "email": "x@ocmw.be", "role": "water-company", "water_company": "Nep"},
            "water_company",
            "Kies de watermaatschappij.",
        ),
        ({"name": "X", "email": "geen-adres", "role": "admin"}, "email", "geldig e-mailadres"),
        ({"name": "X", "email": "beheer@ocmw.be", "role": "admin"}, "email", "al een account"),
    ],
)
async def test_a_bad_account_is_refused_at_its_field(
    admin: httpx.AsyncClient, fields: dict[str, str], field: str, message: str
) -> None:
    refused = await create(admin, **fields)
    assert refused.status_code == 400
    assert re.search(rf'<a href="#{field}">[^<]*{re.escape(message)}', refused.text), refused.text


async def test_a_new_link_replaces_the_old_one(
    api: str, admin: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    made = await create(admin, name="Jan", email="jan@ocmw.be", role=roles.SOCIAL_WORKER)
    first = LINK.search(made.text)
    assert first is not None
    account_id = re.search(
        r"/beheer/accounts/([0-9a-f-]{36})/link", (await admin.get("/beheer")).text
    )
    page = await admin.get("/beheer")
    ids = re.findall(r"/beheer/accounts/([0-9a-f-]{36})/link", page.text)
    assert account_id is not None and len(ids) == 2
    jan = next(i for i in ids if i in page.text.split("jan@ocmw.be")[1][:2000])
    again = await admin.post(f"/beheer/accounts/{jan}/link", data={"csrf": csrf_of(page)})
    second = LINK.search(again.text)
    assert second is not None and second.group(1) != first.group(1)
    async with httpx.AsyncClient(base_url=api) as http:
        assert (await http.get(first.group(1))).status_code == 404
    await set_password(api, second.group(1))


async def test_switching_an_account_off_ends_its_sessions(
    api: str, admin: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    worker = await make_person(sessions, tenant.organisation_id, "jan@ocmw.be")
    async with httpx.AsyncClient(base_url=api) as http:
        await sign_in(http, worker)
        assert (await http.get("/")).status_code == 200
        page = await admin.get("/beheer")
        rows = page.text.split("jan@ocmw.be")[1]
        account_id = re.search(r"/beheer/accounts/([0-9a-f-]{36})/uitschakelen", rows)
        assert account_id is not None
        off = await admin.post(
            f"/beheer/accounts/{account_id.group(1)}/uitschakelen", data={"csrf": csrf_of(page)}
        )
        assert "uitgeschakeld" in (await admin.get(off.headers["location"])).text
        assert (await http.get("/")).status_code == 303  # signed out at once
        assert (await sign_in(http, worker)).status_code == 400  # and cannot come back
    # An admin cannot switch themselves off (someone must be able to manage the rest).
    mine = re.search(r"/beheer/accounts/([0-9a-f-]{36})/uitschakelen", page.text)
    assert mine is not None and mine.group(1) == account_id.group(1)  # only Jan's is offered


async def test_an_api_key_is_shown_once_works_and_can_be_revoked(
    api: str, admin: httpx.AsyncClient, tenant: Tenant
) -> None:
    page = await admin.get("/beheer")
    made = await admin.post(
        "/beheer/sleutels/nieuw", data={"csrf": csrf_of(page), "name": "dossierpakket"}
    )
    combined = re.search(r'id="key" type="text" readonly value="([^"]+)"', made.text)
    assert combined is not None and combined.group(1).startswith("dossierpakket-")
    key = Tenant(tenant.organisation_id, combined.group(1))
    async with httpx.AsyncClient(base_url=api) as client:
        assert (await client.get("/v2/notifications", headers=key.headers())).status_code == 200
        page = await admin.get("/beheer")
        assert combined.group(1) not in page.text  # never shown again
        key_id = re.search(r"/beheer/sleutels/([0-9a-f-]{36})/intrekken", page.text)
        assert key_id is not None
        await admin.post(
            f"/beheer/sleutels/{key_id.group(1)}/intrekken", data={"csrf": csrf_of(page)}
        )
        refused = await client.get("/v2/notifications", headers=key.headers())
    assert refused.status_code == 403


async def test_a_social_worker_cannot_manage(api: str, sessions: Sessions, tenant: Tenant) -> None:
    worker = await make_person(sessions, tenant.organisation_id, "jan@ocmw.be")
    async with httpx.AsyncClient(base_url=api) as http:
        await sign_in(http, worker)
        home = await http.get("/")
        assert 'href="/beheer"' not in home.text
        assert (await http.get("/beheer")).status_code == 403
        made = await http.post(
            "/beheer/sleutels/nieuw", data={"csrf": csrf_of(home), "name": "stiekem"}
        )
        assert made.status_code == 403
        assert COOKIE in http.cookies
