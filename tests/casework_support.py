"""A rig for reminder-plan scenarios: the real services, driven with an explicit `now`.

Time travel: every service that takes `now=` gets it from the test, so a scenario can stand
on any minute of the calendar. Messages are delivered by a real `Delivery` over the sandbox
channels (or a channel double standing in for a provider); results are read back from the
database and the outbox folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select, update

from channels.base import Channel
from channels.sandbox import SandboxChannel, outbox_path
from messenger.casework import case_list, cases, fallbacks, reminder_plans, reminders
from messenger.casework.case_import import parse_case_list
from messenger.casework.clients import ClientData, create_client
from messenger.messages import consent, opt_outs, statuses
from messenger.messages.delivery import Delivery, Outcome
from messenger.messages.outbound import ChannelSet
from messenger.platform.dates import BRUSSELS
from messenger.platform.db import Sessions
from messenger.platform.models import (
    Case,
    Client,
    LacSession,
    Message,
    Organisation,
    Partner,
    PartnerNotice,
    Reminder,
)
from messenger.platform.settings import Settings
from messenger.wording import template_store
from tests.support import Tenant

WORKER_NAME, WORKER_PHONE, WORKER_EMAIL = "Jan Peeters", "09 123 45 67", "jan.peeters@ocmw.example"
# The walk-in desk of the organisation's profile: the letters offer it (issue 15).
WALK_IN, OPENING_HOURS = "Onderbergen 86, 9000 Gent", "maandag tot vrijdag van 9 tot 12 uur"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def brussels(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Brussels wall-clock moment (aware), as a social worker would type it."""
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


def with_sms_provider(settings: Settings, sms: Channel) -> ChannelSet:
    """The sandbox for email and letters, `sms` (a provider double) for text messages."""
    sandbox: dict[str, Channel] = {
        kind: SandboxChannel(kind, settings.outbox_dir) for kind in ("sms", "email", "letter")
    }
    return ChannelSet(live={**sandbox, "sms": sms}, sandbox=sandbox)


def by_step(rows: Iterable[Reminder]) -> dict[str, Reminder]:
    found: dict[str, Reminder] = {}
    for row in rows:
        assert row.step not in found, f"two reminders for step {row.step}"
        found[row.step] = row
    return found


@dataclass
class Rig:
    sessions: Sessions
    settings: Settings
    organisation_id: str
    channels: ChannelSet

    @classmethod
    async def start(
        cls,
        sessions: Sessions,
        settings: Settings,
        tenant: Tenant,
        *,
        contact: bool = True,
        channels: ChannelSet | None = None,
    ) -> Rig:
        """Shipped templates synced; the organisation's contact and walk-in desk set unless
        `contact=False`."""
        async with sessions() as session:
            await template_store.sync_shipped(session)
            if contact:
                organisation = await session.get(Organisation, tenant.organisation_id)
                assert organisation is not None
                organisation.contact_name = WORKER_NAME
                organisation.contact_phone = WORKER_PHONE
                organisation.contact_email = WORKER_EMAIL
                organisation.walk_in_address = WALK_IN
                organisation.opening_hours = OPENING_HOURS
            await session.commit()
        return cls(
            sessions,
            settings,
            tenant.organisation_id,
            channels or ChannelSet.from_settings(settings),
        )

    # --- the social worker's side --------------------------------------------------------

    async def client(
        self,
        first_name: str,
        *,
        phone: str | None = None,
        email: str | None = None,
        address: Sequence[str] = (),
        consents: Sequence[str] = (),
        no_sms: bool = False,
        no_letters_at_home: bool = False,
        shared_phone: bool = False,
    ) -> str:
        async with self.sessions() as session:
            client = await create_client(
                session,
                self.organisation_id,
                ClientData(
                    first_name=first_name,
                    last_name="Janssens",
                    phone_number=phone,
                    email=email,
                    address=tuple(address),
                    no_sms=no_sms,
                    no_letters_at_home=no_letters_at_home,
                    shared_phone=shared_phone,
                ),
            )
            await session.commit()
        for purpose in consents:
            await self.consent(client.id, purpose)
        return client.id

    async def consent(
        self,
        client_id: str,
        purpose: str,
        *,
        given: bool = True,
        partner_id: str | None = None,
        fields: Sequence[str] = (),
    ) -> None:
        async with self.sessions() as session:
            client = await session.get(Client, client_id)
            assert client is not None
            statement = consent.Statement(
                purpose=purpose,
                given=given,
                method="paper",
                recorded_by="test",
                partner_id=partner_id,
                fields=tuple(fields),
            )
            await consent.record(session, None, client, statement)

    async def opt_out(self, phone_number: str) -> None:
        async with self.sessions() as session:
            opt_outs.record(
                session, self.organisation_id, phone_number, opted_out=True, source="sms"
            )
            await session.commit()

    async def partner(self, name: str = "Buurtwerk De Brug") -> str:
        async with self.sessions() as session:
            partner = Partner(
                organisation_id=self.organisation_id,
                name=name,
                phone="09 222 33 44",
                address="Dorpsstraat 5, 9000 Gent",
                opening_hours="maandag tot vrijdag van 9 tot 12 uur",
                notice_email="onthaal@debrug.example",
            )
            session.add(partner)
            await session.commit()
            return partner.id

    async def lac_session(self, starts_at: datetime, place: str = "Markt 1, Gent") -> str:
        async with self.sessions() as session:
            lac = await cases.create_session(session, self.organisation_id, starts_at, place)
            await session.commit()
            return lac.id

    async def add_case(
        self, session_id: str, client_id: str, *, now: datetime, **extra: Any
    ) -> str:
        async with self.sessions() as session:
            lac = await cases.own_session(session, self.organisation_id, session_id)
            case = await cases.add_case(
                session, lac, cases.CaseData(client_id=client_id, **extra), now=now
            )
            await session.commit()
            return case.id

    async def import_csv(self, session_id: str, text: str, *, now: datetime) -> list[Case]:
        async with self.sessions() as session:
            lac = await cases.own_session(session, self.organisation_id, session_id)
            report = parse_case_list(text, await case_list.import_context(session, lac))
            assert report.ok, report.errors
            done = await case_list.import_case_list(
                session, lac, report, by="tests", fingerprint=lambda number: number, now=now
            )
            await session.commit()
            return [row.case for row in done]

    async def move(self, session_id: str, starts_at: datetime, *, now: datetime) -> int:
        async with self.sessions() as session:
            lac = await cases.own_session(session, self.organisation_id, session_id)
            pending = await cases.move_session(session, lac, starts_at=starts_at, now=now)
            await session.commit()
            return pending

    async def cancel_session(self, session_id: str) -> int:
        async with self.sessions() as session:
            lac = await cases.own_session(session, self.organisation_id, session_id)
            cancelled = await cases.cancel_session(session, lac)
            await session.commit()
            return cancelled

    async def cancel_case(self, case_id: str) -> int:
        async with self.sessions() as session:
            case = await cases.own_case(session, self.organisation_id, case_id)
            cancelled = await cases.cancel_case(session, case)
            await session.commit()
            return cancelled

    async def save_plan(self, steps: list[dict[str, Any]]) -> None:
        async with self.sessions() as session:
            await reminder_plans.save_plan(session, self.organisation_id, steps)
            await session.commit()

    # --- the worker's side ---------------------------------------------------------------

    async def send_due(self, now: datetime) -> int:
        return await reminders.send_due(self.sessions, None, now=now)

    async def fall_back(self, now: datetime) -> int:
        return await fallbacks.fall_back(self.sessions, None, now=now)

    async def deliver_all(self, channels: ChannelSet | None = None) -> dict[str, Outcome]:
        """Run the delivery job once for every message still `created`, oldest first."""
        async with self.sessions() as session:
            waiting = list(
                await session.scalars(
                    select(Message.id)
                    .where(Message.status == statuses.CREATED)
                    .order_by(Message.created_at)
                )
            )
        return await self.deliver(waiting, channels)

    async def deliver(
        self, message_ids: Iterable[str | None], channels: ChannelSet | None = None
    ) -> dict[str, Outcome]:
        delivery = Delivery(self.sessions, channels or self.channels, self.settings)
        try:
            return {m: await delivery.run(m) for m in message_ids if m is not None}
        finally:
            await delivery.aclose()

    async def stamp_created(self, message_id: str, at: datetime) -> None:
        """Time travel for a row the product stamps with the real clock (Message.created_at)."""
        async with self.sessions() as session:
            await session.execute(
                update(Message).where(Message.id == message_id).values(created_at=at)
            )
            await session.commit()

    # --- reading back --------------------------------------------------------------------

    async def reminders(
        self, case_id: str | None = None, *, status: str | None = None
    ) -> list[Reminder]:
        query = select(Reminder).order_by(Reminder.due_at, Reminder.created_at)
        if case_id is not None:
            query = query.where(Reminder.case_id == case_id)
        if status is not None:
            query = query.where(Reminder.status == status)
        async with self.sessions() as session:
            return list(await session.scalars(query))

    async def messages(self, **where: Any) -> list[Message]:
        query = select(Message).order_by(Message.created_at)
        for name, value in where.items():
            query = query.where(getattr(Message, name) == value)
        async with self.sessions() as session:
            return list(await session.scalars(query))

    async def message(self, message_id: str | None) -> Message:
        assert message_id is not None
        async with self.sessions() as session:
            found = await session.get(Message, message_id)
            assert found is not None
            return found

    async def notices(self) -> list[PartnerNotice]:
        async with self.sessions() as session:
            return list(
                await session.scalars(select(PartnerNotice).order_by(PartnerNotice.created_at))
            )

    async def case_of(self, case_id: str) -> Case:
        async with self.sessions() as session:
            found = await session.get(Case, case_id)
            assert found is not None
            return found

    async def session_row(self, session_id: str) -> LacSession:
        async with self.sessions() as session:
            found = await session.get(LacSession, session_id)
            assert found is not None
            return found

    def outbox_sms(self, message_id: str) -> dict[str, Any]:
        path = outbox_path(self.settings.outbox_dir, "sms", message_id)
        found: dict[str, Any] = json.loads(path.read_text())
        return found

    def outbox_email(self, message_id: str) -> tuple[EmailMessage, str]:
        """The email as the SMTP server would have had it, and its plain-text body."""
        raw = outbox_path(self.settings.outbox_dir, "email", message_id).read_bytes()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        body = parsed.get_body(("plain",))
        assert body is not None
        return parsed, body.get_content()

    def has_letter(self, message_id: str) -> bool:
        return outbox_path(self.settings.outbox_dir, "letter", message_id).exists()
