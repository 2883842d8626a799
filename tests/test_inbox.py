"""Replies reach the social worker: linked to client and case, keywords act, the rest waits
in the inbox; contact attempts and the client's timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from messenger.casework import cases
from messenger.casework.clients import ClientData, create_client, own_client
from messenger.inbound.sms import InboundSms, receive
from messenger.messages import consent
from messenger.messages.sending import Origin, SendRequest, accept
from messenger.platform.db import Sessions
from messenger.platform.models import Case, Message, ReceivedMessage, Task
from messenger.platform.settings import Settings
from messenger.wording import template_store
from messenger.wording.template_files import template_id
from tests.conftest import make_tenant
from tests.support import Tenant

PHONE = "+32470123456"


async def _case_with_sms(sessions: Sessions, tenant: Tenant) -> tuple[str, str, str]:
    """A client with a case and an appointment, and the SMS we sent them for it."""
    async with sessions() as session:
        await template_store.sync_shipped(session)
        client = await create_client(
            session, tenant.organisation_id, ClientData("Sara", "Janssens", phone_number=PHONE)
        )
        lac = await cases.create_session(
            session, tenant.organisation_id, datetime(2030, 12, 10, 9, tzinfo=UTC), "Markt 1"
        )
        case = await cases.add_case(
            session,
            lac,
            cases.CaseData(
                client_id=client.id, appointment_at=datetime(2030, 12, 3, 13, tzinfo=UTC)
            ),
        )
        message = await accept(
            session,
            None,
            Origin(tenant.organisation_id),
            SendRequest(
                kind="sms",
                template_id=template_id("lac-ochtend-sms"),
                recipient=PHONE,
                personalisation={
                    "voornaam": "Sara",
                    "moment": "2030-12-10T10:00",
                    "plaats_kort": "Markt 1",
                    "telefoon": "09 1",
                },
                client_id=client.id,
                case_id=case.id,
            ),
        )
        await session.commit()
        return client.id, case.id, message.id


async def _reply(sessions: Sessions, text: str, sid: str) -> ReceivedMessage:
    async with sessions() as session:
        received = await receive(
            session, None, InboundSms(provider_reference=sid, sender=PHONE, recipient="", body=text)
        )
        assert received is not None
        return received


async def test_ja_confirms_the_appointment_and_needs_no_one(
    sessions: Sessions, tenant: Tenant
) -> None:
    client_id, case_id, message_id = await _case_with_sms(sessions, tenant)
    received = await _reply(sessions, "Ja!", "SM1")
    assert (received.client_id, received.case_id, received.in_reply_to) == (
        client_id,
        case_id,
        message_id,
    )
    assert received.handled_by == "messenger"
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and case.appointment_confirmed_at is not None
        assert list(await session.scalars(select(Task))) == []


@pytest.mark.parametrize(
    ("text", "kind"), [("BEL MIJ", "call-back"), ("nee", "cannot-come"), ("Appel", "call-back")]
)
async def test_call_me_and_cannot_come_become_tasks(
    sessions: Sessions, tenant: Tenant, text: str, kind: str
) -> None:
    client_id, case_id, _ = await _case_with_sms(sessions, tenant)
    received = await _reply(sessions, text, "SM2")
    async with sessions() as session:
        [task] = list(await session.scalars(select(Task)))
    assert (task.kind, task.client_id, task.case_id) == (kind, client_id, case_id)
    assert task.received_message_id == received.id


async def test_the_inbox_holds_what_needs_a_person(
    api: str, sessions: Sessions, tenant: Tenant, settings: Settings
) -> None:
    client_id, _, _ = await _case_with_sms(sessions, tenant)
    question = await _reply(sessions, "Mag mijn zoon mee naar het gesprek?", "SM3")
    await _reply(sessions, "bel me", "SM4")
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    async with httpx.AsyncClient(base_url=api) as http:
        box = (await http.get("/v2/inbox", headers=tenant.headers())).json()
        assert [r["id"] for r in box["replies"]] == [question.id]
        assert [t["kind"] for t in box["tasks"]] == ["call-back"]
        assert (await http.get("/v2/inbox", headers=other.headers())).json() == {
            "replies": [],
            "tasks": [],
        }
        foreign = await http.post(
            f"/v2/inbox/replies/{question.id}/handled", headers=other.headers()
        )
        assert foreign.status_code == 404
        handled = await http.post(
            f"/v2/inbox/replies/{question.id}/handled", headers=tenant.headers()
        )
        assert handled.json()["handled_by"] == "tests"
        closed = await http.post(
            f"/v2/tasks/{box['tasks'][0]['id']}/close", headers=tenant.headers()
        )
        assert closed.json()["closed_by"] == "tests"
        assert (await http.get("/v2/inbox", headers=tenant.headers())).json() == {
            "replies": [],
            "tasks": [],
        }
        manual = await http.post(
            "/v2/tasks",
            json={
                "kind": "outreach",
                "title": "Kaartje afgeven",
                "client_id": client_id,
                "assigned_to": "Jan",
            },
            headers=tenant.headers(),
        )
        assert manual.status_code == 201
        mine = (
            await http.get("/v2/inbox", params={"assigned_to": "Jan"}, headers=tenant.headers())
        ).json()
        assert [t["title"] for t in mine["tasks"]] == ["Kaartje afgeven"]


async def test_contact_attempts_and_the_timeline(
    api: str, sessions: Sessions, tenant: Tenant
) -> None:
    client_id, case_id, message_id = await _case_with_sms(sessions, tenant)
    async with sessions() as session:
        client = await own_client(session, tenant.organisation_id, client_id)
        await consent.record(
            session,
            None,
            client,
            consent.Statement(purpose="sms", given=True, method="in-person", recorded_by="Jan"),
        )
    await _reply(sessions, "Ik kom", "SM5")
    async with httpx.AsyncClient(base_url=api) as http:
        bad = await http.post(
            f"/v2/clients/{client_id}/contact-attempts",
            json={"method": "duif", "outcome": "reached"},
            headers=tenant.headers(),
        )
        assert bad.status_code == 400 and "method must be one of" in bad.text
        made = await http.post(
            f"/v2/clients/{client_id}/contact-attempts",
            json={
                "method": "home-visit-unannounced",
                "outcome": "left-card",
                "case_id": case_id,
                "note": "kaartje in de bus",
            },
            headers=tenant.headers(),
        )
        assert made.status_code == 201, made.text
        entries = (
            await http.get(f"/v2/clients/{client_id}/timeline", headers=tenant.headers())
        ).json()
    kinds = [e["kind"] for e in entries]
    assert kinds == ["message", "consent", "reply", "attempt"]
    assert entries[0]["details"]["id"] == message_id
    assert entries[3]["summary"] == "home-visit-unannounced: left-card"
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    async with sessions() as session:
        assert (
            await session.scalar(select(Message.client_id).where(Message.id == message_id))
        ) == client_id
