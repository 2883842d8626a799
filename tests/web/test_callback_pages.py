"""Callbacks (admins): set where the organisation's own system hears of receipts, replies and
returned letters; see whether that works and which attempts failed. A token is set but never
shown again; a bad value is named at its field and nothing is saved; a social worker and
another organisation see nothing of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from messenger.messages import callback_settings, callbacks
from messenger.messages.callback_sending import CallbackSender
from messenger.platform import roles
from messenger.platform.clock import SimulatedClock
from messenger.platform.db import Sessions
from messenger.platform.encryption import secret_box
from messenger.platform.models import Callback, ReceivedMessage, utcnow
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.fakes.callback_receiver import CallbackReceiver
from tests.support import Tenant
from tests.web.support import csrf_of, make_person, sign_in

PAGE = "/beheer/callbacks"
TOKEN = "sleutel-van-het-dossierpakket"
URL = "https://dossiers.ocmw.example/notify/status"


async def _save(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await client.get(PAGE)
    return await client.post(PAGE, data={"csrf": csrf_of(page), **fields})


async def _stored(sessions: Sessions, organisation_id: str) -> list[Callback]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(Callback).where(Callback.organisation_id == organisation_id)
            )
        )


async def test_an_admin_sets_a_callback_and_the_token_is_never_shown(
    admin: httpx.AsyncClient, sessions: Sessions, settings: Settings, tenant: Tenant
) -> None:
    empty = await admin.get(PAGE)
    assert empty.status_code == 200 and empty.text.count("Nog niet ingesteld") == 4

    saved = await _save(admin, kind="delivery-status", url=URL, token=TOKEN)
    shown = await admin.get(saved.headers["location"])
    kept = await _save(admin, kind="delivery-status", url=URL + "/v2", token="")

    assert saved.status_code == 303 and kept.status_code == 303
    assert "Opgeslagen" in shown.text and URL in shown.text and "Nog niets verstuurd" in shown.text
    assert TOKEN not in shown.text
    [callback] = await _stored(sessions, tenant.organisation_id)
    assert callback.url == URL + "/v2" and callback.updated_by == "beheer@ocmw.be"
    # An empty token field keeps the token.
    assert secret_box(settings).decrypt(callback.bearer_token_encrypted) == TOKEN


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": "http://dossiers.ocmw.example/x", "token": TOKEN}, "url", "begint met https://"),
        ({"url": "", "token": TOKEN}, "url", "begint met https://"),
        ({"url": URL, "token": "kort"}, "token", "minstens 10 tekens"),
        ({"url": URL, "token": ""}, "token", "minstens 10 tekens"),
    ],
)
async def test_a_bad_address_or_token_is_named_at_its_field(
    admin: httpx.AsyncClient,
    sessions: Sessions,
    tenant: Tenant,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    refused = await _save(admin, kind="inbound-sms", **fields)

    assert refused.status_code == 400
    assert f'<a href="#{field}-inbound-sms">' in refused.text and message in refused.text
    assert (
        f'id="{field}-inbound-sms-fout"' in refused.text and 'aria-invalid="true"' in refused.text
    )
    assert fields["url"] in refused.text  # what was typed stays …
    assert fields["token"] == "" or fields["token"] not in refused.text  # … but not a token
    assert await _stored(sessions, tenant.organisation_id) == []


async def test_an_admin_removes_a_callback(
    admin: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    assert (await _save(admin, kind="returned-letter", url=URL, token=TOKEN)).status_code == 303
    page = await admin.get(PAGE)
    removed = await admin.post(
        f"{PAGE}/verwijderen", data={"csrf": csrf_of(page), "kind": "returned-letter"}
    )

    assert removed.status_code == 303
    assert "Verwijderd" in (await admin.get(removed.headers["location"])).text
    assert await _stored(sessions, tenant.organisation_id) == []


@pytest.fixture
async def receiver() -> AsyncIterator[CallbackReceiver]:
    async with CallbackReceiver() as running:
        running.always = 500
        yield running


async def test_failures_and_what_was_given_up_are_shown(
    admin: httpx.AsyncClient,
    sessions: Sessions,
    settings: Settings,
    tenant: Tenant,
    receiver: CallbackReceiver,
) -> None:
    """Silence is a defect: a receiver that keeps failing is visible on the page."""
    box = secret_box(settings)
    async with sessions() as session:
        await callback_settings.create_callback(
            session, box, tenant.organisation_id, "inbound-sms", receiver.url(), TOKEN, by="t"
        )
        received = ReceivedMessage(
            organisation_id=tenant.organisation_id,
            kind="sms",
            sender="+32470123456",
            recipient="+32460000000",
            content="Bel mij",
        )
        session.add(received)
        await session.flush()
        await callbacks.sms_received(session, received)
        await session.commit()
    clock = SimulatedClock(utcnow())
    sender = CallbackSender(sessions, box, settings, clock)
    try:
        [delivery] = await sender.due()
        assert (await sender.send(delivery)).note.startswith("will retry")
        clock.advance(timedelta(hours=25))
        assert (await sender.send(delivery)).note == "given up"
    finally:
        await sender.aclose()

    page = await admin.get(PAGE)
    assert "<strong>Nee.</strong>" in page.text
    assert "uw systeem antwoordde met fout 500" in page.text
    assert "1 bericht kwam de voorbije 30 dagen niet aan" in page.text
    assert page.text.count("opnieuw geprobeerd") == 1 and "opgegeven" in page.text
    assert "Bel mij" not in page.text and TOKEN not in page.text


@pytest.mark.parametrize("path", [PAGE])
async def test_a_social_worker_cannot_open_the_callbacks(
    http: httpx.AsyncClient, path: str
) -> None:
    assert (await http.get(path)).status_code == 403


async def test_another_organisation_sees_and_removes_nothing_of_ours(
    admin: httpx.AsyncClient, api: str, sessions: Sessions, settings: Settings, tenant: Tenant
) -> None:
    assert (await _save(admin, kind="delivery-status", url=URL, token=TOKEN)).status_code == 303
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    person = await make_person(
        sessions, other.organisation_id, "beheer@ocmw-brugge.be", role=roles.ADMIN
    )
    async with httpx.AsyncClient(base_url=api, timeout=30) as theirs:
        assert (await sign_in(theirs, person)).status_code == 303
        page = await theirs.get(PAGE)
        removed = await theirs.post(
            f"{PAGE}/verwijderen", data={"csrf": csrf_of(page), "kind": "delivery-status"}
        )

    assert URL not in page.text and page.text.count("Nog niet ingesteld") == 4
    assert removed.status_code == 303
    [ours] = await _stored(sessions, tenant.organisation_id)
    assert ours.url == URL
