"""Receipts only move a message forward; the reconciler ends the silent ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from messenger.messages import receipts, statuses
from messenger.messages.delivery import Delivery
from messenger.messages.outbound import ChannelSet
from messenger.messages.queue import DeliveryQueue
from messenger.messages.reconcile import reconcile
from messenger.messages.sending import Origin, SendRequest, accept
from messenger.platform.db import Sessions
from messenger.platform.models import Message, MessageEvent, utcnow
from messenger.platform.settings import Settings
from messenger.wording import template_store
from tests.support import SMS_TEMPLATE, SMS_VALUES, Tenant


async def _message(sessions: Sessions, tenant: Tenant, status: str, **values: object) -> str:
    async with sessions() as session:
        await template_store.sync_shipped(session)
        request = SendRequest(
            kind="sms", template_id=SMS_TEMPLATE, recipient="0470123456", personalisation=SMS_VALUES
        )
        message = await accept(session, None, Origin(tenant.organisation_id), request)
        await session.execute(
            update(Message).where(Message.id == message.id).values(status=status, **values)
        )
        await session.commit()
        return message.id


async def _state(sessions: Sessions, message_id: str) -> tuple[str, list[str]]:
    async with sessions() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        details = list(
            await session.scalars(
                select(MessageEvent.detail)
                .where(MessageEvent.message_id == message_id)
                .order_by(MessageEvent.id)
            )
        )
        return message.status, details


@pytest.mark.parametrize(
    ("current", "receipt", "expected", "result"),
    [
        ("sending", "sent", "sent", receipts.APPLIED),
        ("sending", "delivered", "delivered", receipts.APPLIED),
        ("sent", "delivered", "delivered", receipts.APPLIED),
        ("sending", "sending", "sending", receipts.APPLIED),  # recorded, state kept
        ("sending", "permanent-failure", "permanent-failure", receipts.APPLIED),
        # Late and repeated receipts are kept in the history and change nothing.
        ("delivered", "sent", "delivered", receipts.IGNORED),
        ("delivered", "sending", "delivered", receipts.IGNORED),
        ("delivered", "permanent-failure", "delivered", receipts.IGNORED),
        ("sent", "sending", "sent", receipts.IGNORED),
        ("permanent-failure", "delivered", "permanent-failure", receipts.IGNORED),
        # A retry was pending, but the provider had the first attempt after all.
        ("created", "delivered", "delivered", receipts.APPLIED),
        ("sent", "returned-letter", "returned-letter", receipts.APPLIED),
    ],
)
async def test_receipts_move_forward_only(
    sessions: Sessions, tenant: Tenant, current: str, receipt: str, expected: str, result: str
) -> None:
    message_id = await _message(sessions, tenant, current)
    async with sessions() as session:
        outcome = await receipts.apply_receipt(
            session,
            message_id,
            receipt,
            source="provider",
            detail=f"twilio {receipt}",
            provider_reference="SM1",
        )
        await session.commit()
    status, details = await _state(sessions, message_id)
    assert (status, outcome) == (expected, result)
    assert details[-1].startswith(f"twilio {receipt}")
    if result == receipts.IGNORED:
        assert details[-1].endswith(f"(ignored: already {current})")


async def test_receipt_for_unknown_message(sessions: Sessions) -> None:
    async with sessions() as session:
        outcome = await receipts.apply_receipt(
            session, "00000000-0000-0000-0000-000000000000", "delivered", source="p", detail=""
        )
    assert outcome == receipts.UNKNOWN


async def test_failure_receipt_records_the_reason(sessions: Sessions, tenant: Tenant) -> None:
    message_id = await _message(sessions, tenant, statuses.SENDING)
    async with sessions() as session:
        await receipts.apply_receipt(
            session,
            message_id,
            "temporary-failure",
            source="provider",
            detail="twilio undelivered 30003",
        )
        await session.commit()
        message = await session.get(Message, message_id)
    assert message is not None and message.failure_reason == "twilio undelivered 30003"
    assert message.completed_at is not None


async def test_reconciler_times_out_silent_messages_only(
    sessions: Sessions, tenant: Tenant, settings: Settings, redis_server: str
) -> None:
    long_ago = utcnow() - timedelta(hours=settings.receipt_timeout_hours + 1)
    silent = await _message(
        sessions,
        tenant,
        statuses.SENDING,
        provider_reference="SM-silent",
        sending_started_at=long_ago,
    )
    recent = await _message(
        sessions,
        tenant,
        statuses.SENDING,
        provider_reference="SM-recent",
        sending_started_at=utcnow() - timedelta(hours=1),
    )
    delivery = Delivery(sessions, ChannelSet.from_settings(settings), settings)
    queue = await DeliveryQueue.connect(redis_server, settings.queue_name)
    try:
        report = await reconcile(delivery, queue)
    finally:
        await queue.close()
        await delivery.aclose()
    assert (report.timed_out, report.recovered) == (1, 0)
    assert (await _state(sessions, silent))[0] == statuses.TEMPORARY_FAILURE
    # With the provider and within the window: left alone, not taken for a crashed send.
    assert (await _state(sessions, recent))[0] == statuses.SENDING
    outcome = await delivery.run(recent)
    assert outcome.note == "with the provider; waiting for its receipt"
