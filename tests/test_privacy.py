"""A client's data: export, erasure that leaves nothing personal but keeps the report counts,
and message bodies purged after the retention period."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.aftercare import contact_attempts, outcomes, privacy, reports, retention
from messenger.aftercare.what_works import Row
from messenger.casework import cases, inbox
from messenger.casework.clients import ClientData, create_client, own_client
from messenger.casework.organisations import update_organisation
from messenger.inbound.sms import InboundSms, receive
from messenger.messages import consent, opt_outs, statuses
from messenger.messages.lifecycle import transition
from messenger.messages.sending import Origin, SendRequest, accept
from messenger.platform.api_keys import issue_key
from messenger.platform.db import Sessions
from messenger.platform.encryption import secret_box
from messenger.platform.models import (
    Base,
    CaseEvent,
    Client,
    Message,
    Partner,
    ReceivedMessage,
    Reminder,
    Task,
    utcnow,
)
from messenger.platform.settings import Settings
from messenger.server import create_app
from messenger.wording import template_store
from messenger.wording.template_files import template_id
from tests.conftest import make_tenant
from tests.support import EMAIL_TEMPLATE, EMAIL_VALUES, LETTER_TEMPLATE, LETTER_VALUES, Tenant

START, END = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    phone: str  # E.164, as stored
    local: str  # as a Belgian writes it
    email: str
    street: str

    @property
    def spaced(self) -> str:
        return f"{self.local[:4]} {self.local[4:6]} {self.local[6:8]} {self.local[8:]}"

    def needles(self) -> tuple[str, ...]:
        return (self.first, self.last, self.phone, self.local, self.spaced, self.email, self.street)


ZULFIYE = Person(
    "Zulfiye",
    "Vanderbeken",
    "+32470987654",
    "0470987654",
    "zulfiye.vdb@example.be",
    "Begijnhofdreef 17",
)
MEHMET = Person(
    "Mehmet", "Claessens", "+32470111222", "0470111222", "mehmet@example.be", "Kouter 5"
)


async def _client_with_everything(sessions: Sessions, tenant: Tenant, who: Person) -> str:
    """A client with consent, a partner, a case, an SMS, email and letter, replies (one of
    them STOP), a contact attempt, an outcome and a task: every table that can hold them."""
    org = tenant.organisation_id
    async with sessions() as session:
        await template_store.sync_shipped(session)
        client = await create_client(
            session,
            org,
            ClientData(
                who.first,
                who.last,
                phone_number=who.local,
                email=who.email,
                address=(who.street, "9000 Gent"),
            ),
        )
        lac = await cases.create_session(
            session, org, datetime(2030, 12, 10, 9, tzinfo=UTC), "Markt 1"
        )
        case = await cases.add_case(
            session, lac, cases.CaseData(client_id=client.id, reference=f"DOS-{who.last}")
        )
        await session.commit()
        client_id, case_id = client.id, case.id
        partner = await _partner(session, org)
        for statement in (
            consent.Statement("sms", True, "in-person", "Jan", note=f"{who.first} zei ja"),
            consent.Statement(
                "share-partner", True, "paper", "Jan", partner, ("name", "phone", "address")
            ),
        ):
            await consent.record(session, None, client, statement)
        sms = await _send(session, org, client_id, case_id, "sms", who.phone, who)
        await _move(session, sms, (statuses.SENDING, statuses.DELIVERED), f"to {who.phone}")
        letter = await _send(session, org, client_id, case_id, "letter", "", who)
        await _move(session, letter, (statuses.SENDING, statuses.SENT), "posted")
        await _send(session, org, client_id, case_id, "email", who.email, who)  # stays in flight
        await session.commit()
    for number, text in enumerate(("BEL MIJ", f"Ik ben {who.first}, {who.street}", "STOP")):
        async with sessions() as session:
            sms_in = InboundSms(f"SM{who.phone[-3:]}-{number}", who.local, "", text)
            assert await receive(session, None, sms_in) is not None
    async with sessions() as session:
        await contact_attempts.record(
            session,
            await own_client(session, org, client_id),
            method="call",
            outcome="reached",
            case_id=case_id,
            note=f"{who.first} belt {who.local} terug",
            recorded_by="Jan",
        )
        await outcomes.record_outcome(
            session,
            await cases.own_case(session, org, case_id),
            attended=True,
            decision="payment-plan",
            agreed=f"{who.first} {who.last} betaalt 50 euro per maand",
            recorded_by="Jan",
            at=datetime(2030, 12, 10, 12, tzinfo=UTC),
        )
        inbox.open_task(session, org, "outreach", f"{who.last} bezoeken", client_id=client_id)
        await session.commit()
    return client_id


async def _partner(session: AsyncSession, organisation_id: str) -> str:
    partner = Partner(
        organisation_id=organisation_id,
        name="Buurtwerk De Loods",
        phone="09 111 22 33",
        address="Loodsstraat 1, 9000 Gent",
        opening_hours="ma-vr 9-12",
        notice_email="loods@example.be",
    )
    session.add(partner)
    await session.commit()
    return partner.id


async def _send(
    session: AsyncSession,
    organisation_id: str,
    client_id: str,
    case_id: str,
    kind: str,
    recipient: str,
    who: Person,
) -> str:
    template, values = {
        "sms": (template_id("lac-ochtend-sms"), dict(EMAIL_VALUES)),
        "email": (EMAIL_TEMPLATE, dict(EMAIL_VALUES)),
        "letter": (LETTER_TEMPLATE, dict(LETTER_VALUES)),
    }[kind]
    values |= {"voornaam": who.first, "telefoon": who.spaced}
    if kind == "letter":
        values |= {
            "naam": f"{who.first} {who.last}",
            "email": who.email,
            "address_line_1": f"{who.first} {who.last}",
            "address_line_2": who.street,
        }
    message = await accept(
        session,
        None,
        Origin(organisation_id),
        SendRequest(
            kind=kind,
            template_id=template,
            recipient=recipient,
            personalisation=values,
            client_id=client_id,
            case_id=case_id,
        ),
    )
    return message.id


async def _move(
    session: AsyncSession, message_id: str, steps: tuple[str, ...], detail: str
) -> None:
    current = statuses.CREATED
    for new in steps:
        assert await session.run_sync(
            transition, message_id, expected=current, new=new, source="provider", detail=detail
        )
        current = new


async def _hits(sessions: Sessions, needles: tuple[str, ...]) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every cell of every table that contains a needle."""
    found: set[tuple[str, str, str]] = set()
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in await session.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    cell = json.dumps(value, ensure_ascii=False, default=str).lower()
                    found |= {(table.name, column.name, n) for n in needles if n.lower() in cell}
    return found


async def _report(sessions: Sessions, tenant: Tenant) -> list[Row]:
    async with sessions() as session:
        return await reports.what_works(session, tenant.organisation_id, START, END)


async def test_export_holds_everything_and_stays_in_its_organisation(
    sessions: Sessions, tenant: Tenant, settings: Settings
) -> None:
    client_id = await _client_with_everything(sessions, tenant, ZULFIYE)
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    async with sessions() as session:
        export = await privacy.export_client(session, tenant.organisation_id, client_id)
        with pytest.raises(LookupError):
            await privacy.export_client(session, other.organisation_id, client_id)
    text = json.dumps(export)  # JSON-ready as it is
    assert all(needle in text for needle in ZULFIYE.needles()[:3])
    assert export["client"]["first_name"] == "Zulfiye"
    assert export["client"]["address_lines"][1] == "Begijnhofdreef 17"
    assert [c["purpose"] for c in export["consents"]] == ["sms", "share-partner"]
    [case] = export["cases"]
    assert case["reference"] == "DOS-Vanderbeken" and case["reminders"]
    assert [e["kind"] for e in case["events"]] == ["outcome"]
    sms = next(m for m in export["messages"] if m["kind"] == "sms" and m["case_id"])
    assert "Zulfiye" in sms["body"] and sms["recipient"] == ZULFIYE.phone
    assert [e["status"] for e in sms["events"]] == ["created", "sending", "delivered"]
    kinds = sorted(m["kind"] for m in export["messages"])
    assert kinds == ["email", "email", "letter", "sms", "sms"]  # + partner notice, STOP reply
    assert [r["intent"] for r in export["replies"]] == ["call", "reply", "stop"]
    assert export["contact_attempts"][0]["note"] == "Zulfiye belt 0470987654 terug"
    assert {t["kind"] for t in export["tasks"]} == {"call-back", "outreach"}
    assert export["partner_notices"][0]["shared"]["name"] == "Zulfiye Vanderbeken"
    assert [o["opted_out"] for o in export["opt_outs"]] == [True]


async def test_erasure_leaves_no_personal_data_and_the_same_report(
    sessions: Sessions, tenant: Tenant
) -> None:
    client_id = await _client_with_everything(sessions, tenant, ZULFIYE)
    neighbour_id = await _client_with_everything(sessions, tenant, MEHMET)
    assert {n for *_, n in await _hits(sessions, ZULFIYE.needles())} == set(ZULFIYE.needles())
    mehmet_before = await _hits(sessions, MEHMET.needles())
    before = await _report(sessions, tenant)
    assert {(r.dimension, r.value) for r in before if r.delivered and r.replied and r.attended}

    async with sessions() as session:
        report = await privacy.erase_client(
            session, tenant.organisation_id, client_id, erased_by="admin Els"
        )
        await session.commit()

    # The STOP stays honoured: the number alone, in the opt-out list, is all that is left.
    assert await _hits(sessions, ZULFIYE.needles()) == {
        ("opt_out_records", "phone_number", ZULFIYE.phone)
    }
    assert await _report(sessions, tenant) == before
    assert await _hits(sessions, MEHMET.needles()) == mehmet_before
    assert report.opt_outs_kept == 1 and len(report.partners_to_inform) == 1
    assert report.counts["clients"] == 1 and report.counts["messages"] == 5
    async with sessions() as session:
        assert await opt_outs.is_opted_out(session, tenant.organisation_id, ZULFIYE.phone)
        client = await session.get(Client, client_id)
        assert client is not None
        assert (client.first_name, client.phone_number, client.address_lines) == (
            "gewist",
            None,
            [],
        )
        audit = list(await session.scalars(select(CaseEvent).where(CaseEvent.kind == "erased")))
        assert [(e.source, e.reported_by) for e in audit] == [("system", "admin Els")]
        messages = list(
            await session.scalars(select(Message).where(Message.client_id == client_id))
        )
        assert statuses.CREATED not in {m.status for m in messages}
        assert {m.body for m in messages} == {""}
        steps = await session.scalars(
            select(Reminder.status).where(Reminder.case_id == audit[0].case_id)
        )
        assert "pending" not in set(steps)
        tasks = list(await session.scalars(select(Task).where(Task.client_id == client_id)))
        assert tasks and all(t.closed_at and t.title == "gewist" for t in tasks)
        neighbour = await session.get(Client, neighbour_id)
        assert neighbour is not None and neighbour.first_name == "Mehmet"


async def test_erasure_over_http_needs_an_admin_of_the_same_organisation(
    sessions: Sessions, tenant: Tenant, settings: Settings
) -> None:
    client_id = await _client_with_everything(sessions, tenant, ZULFIYE)
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    async with sessions() as session:
        issued = await issue_key(
            session,
            secret_box(settings),
            organisation_id=tenant.organisation_id,
            name="maatschappelijk werker",
            key_type="live",
            role="social-worker",
        )
        await session.commit()
    worker = Tenant(tenant.organisation_id, issued.combined)
    async with _http(settings) as http:
        url = f"/v2/clients/{client_id}"
        export = await http.get(f"{url}/export", headers=worker.headers())
        assert export.status_code == 200 and export.json()["client"]["last_name"] == "Vanderbeken"
        assert (await http.get(f"{url}/export", headers=other.headers())).status_code == 404
        assert (await http.post(f"{url}/erase", headers=other.headers())).status_code == 404
        assert (await http.post(f"{url}/erase", headers=worker.headers())).status_code == 403
        erased = await http.post(f"{url}/erase", headers=tenant.headers())
        assert erased.status_code == 200, erased.text
        assert erased.json()["erased_by"] == "tests" and erased.json()["counts"]["clients"] == 1
        after = (await http.get(f"{url}/export", headers=tenant.headers())).json()
        assert after["client"]["first_name"] == "gewist"


@asynccontextmanager
async def _http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, in process."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://messenger.test") as http,
    ):
        yield http


async def test_purge_blanks_old_final_bodies_and_keeps_the_rest(
    sessions: Sessions, tenant: Tenant, settings: Settings
) -> None:
    now = utcnow()
    old, recent = now - timedelta(days=100), now - timedelta(days=10)
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    async with sessions() as session:
        await template_store.sync_shipped(session)
        ids = {
            name: await _plain_sms(session, org)
            for name, org in (
                ("old-delivered", tenant.organisation_id),
                ("recent-delivered", tenant.organisation_id),
                ("old-in-flight", tenant.organisation_id),
                ("old-failed-elsewhere", other.organisation_id),
            )
        }
        await _move_at(session, ids["old-delivered"], old, statuses.DELIVERED)
        await _move_at(session, ids["recent-delivered"], recent, statuses.DELIVERED)
        await _move_at(session, ids["old-failed-elsewhere"], old, statuses.PERMANENT_FAILURE)
        await _move_at(session, ids["old-in-flight"], old, statuses.PENDING)
        letter = await accept(
            session,
            None,
            Origin(tenant.organisation_id),
            SendRequest(kind="letter", template_id=LETTER_TEMPLATE, personalisation=LETTER_VALUES),
        )
        ids["old-posted-letter"] = letter.id
        await _move_at(session, letter.id, old, statuses.SENT, sent_at=old)
        for handled, created in ((True, old), (False, old), (True, recent)):
            session.add(
                ReceivedMessage(
                    organisation_id=tenant.organisation_id,
                    kind="sms",
                    sender="+32470123456",
                    recipient="",
                    content="Mag mijn zoon mee?",
                    handled_at=created if handled else None,
                    created_at=created,
                )
            )
        await session.commit()

        with pytest.raises(ValueError, match="retention_days"):
            await retention.purge_bodies(session, now=now, retention_days=0)
        mine = await retention.purge_bodies(
            session, now=now, organisation_id=tenant.organisation_id
        )
        assert mine == 3  # the old delivered SMS, the posted letter, the handled old reply
        assert await retention.purge_bodies(session, now=now, retention_days=90) == 1  # Brugge's
        assert await retention.purge_bodies(session, now=now) == 0
        await session.commit()

    async with sessions() as session:
        found = {m.id: m for m in await session.scalars(select(Message))}
        replies = list(await session.scalars(select(ReceivedMessage)))
    final = {
        "old-delivered": statuses.DELIVERED,
        "recent-delivered": statuses.DELIVERED,
        "old-in-flight": statuses.PENDING,
        "old-failed-elsewhere": statuses.PERMANENT_FAILURE,
        "old-posted-letter": statuses.SENT,
    }
    blanked = {"old-delivered", "old-posted-letter", "old-failed-elsewhere"}
    for name, message_id in ids.items():
        message = found[message_id]
        assert (message.body == "", message.status) == (name in blanked, final[name]), name
    posted = found[ids["old-posted-letter"]]
    assert (posted.subject, posted.address_lines, posted.status) == (None, [], statuses.SENT)
    assert found[ids["old-delivered"]].recipient == "+32470123456"
    assert sorted(r.content for r in replies) == ["", "Mag mijn zoon mee?", "Mag mijn zoon mee?"]


async def _plain_sms(session: AsyncSession, organisation_id: str) -> str:
    message = await accept(
        session,
        None,
        Origin(organisation_id),
        SendRequest(
            kind="sms",
            template_id=template_id("lac-ochtend-sms"),
            recipient="0470 12 34 56",
            personalisation=EMAIL_VALUES,
        ),
    )
    return message.id


async def _move_at(
    session: AsyncSession, message_id: str, at: datetime, final: str, **values: Any
) -> None:
    await session.execute(update(Message).where(Message.id == message_id).values(created_at=at))
    assert await session.run_sync(
        transition,
        message_id,
        expected=statuses.CREATED,
        new=statuses.SENDING,
        source="worker",
        at=at,
    )
    assert await session.run_sync(
        transition,
        message_id,
        expected=statuses.SENDING,
        new=final,
        source="provider",
        at=at,
        **values,
    )


async def test_each_organisation_keeps_bodies_as_long_as_it_chose(
    sessions: Sessions, tenant: Tenant, settings: Settings
) -> None:
    now = utcnow()
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    async with sessions() as session:
        await template_store.sync_shipped(session)
        await update_organisation(session, tenant.organisation_id, retention_days=7)
        short = await _plain_sms(session, tenant.organisation_id)
        long = await _plain_sms(session, other.organisation_id)
        for message_id in (short, long):
            await _move_at(session, message_id, now - timedelta(days=10), statuses.DELIVERED)
        await session.commit()
        assert await retention.purge_all(session, now=now) == 1
        await session.commit()
        bodies = {m.id: m.body for m in await session.scalars(select(Message))}
    assert bodies[short] == "" and bodies[long] != ""


def test_old_outbox_and_print_files_go(tmp_path: Path) -> None:
    now = utcnow()
    old = tmp_path / "outbox" / "sms" / "old.json"
    new = tmp_path / "print" / "new.pdf"
    for path in (old, new):
        path.parent.mkdir(parents=True)
        path.write_text("x")
    stamp = (now - timedelta(days=100)).timestamp()
    os.utime(old, (stamp, stamp))
    removed = retention.purge_files(
        [tmp_path / "outbox", tmp_path / "print", tmp_path / "missing"], now=now, retention_days=90
    )
    assert removed == 1 and not old.exists() and new.exists()
