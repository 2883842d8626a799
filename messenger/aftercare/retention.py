"""How long message texts are kept: bodies, subjects and addresses of messages that ended, and
handled replies, are blanked after the organisation's retention period (default 90 days);
statuses, times and recipients stay for the reports. A daily worker job runs it, and clears
outbox and print-batch files of the same age."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import statuses
from messenger.platform.models import LetterFile, Message, Organisation, ReceivedMessage

DEFAULT_RETENTION_DAYS = 90


async def purge_bodies(
    session: AsyncSession,
    *,
    now: datetime,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    organisation_id: str | None = None,
) -> int:
    """Blank the texts of messages that ended more than `retention_days` ago, and of handled
    replies received that long ago; statuses, times and recipients stay for the reports.

    A message has ended once it is out of flight (final, or `sent`: a posted letter may stay
    `sent` for good); its age counts from completed_at, else sent_at, else created_at.
    Replies nobody handled yet wait for a person. Returns the rows blanked. Caller commits.
    """
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = now - timedelta(days=retention_days)
    ended = func.coalesce(Message.completed_at, Message.sent_at, Message.created_at)
    messages = (
        update(Message)
        .where(
            Message.status.not_in(sorted(statuses.IN_FLIGHT)),
            ended < cutoff,
            # Every rendered message has a body: an empty one was purged or erased already.
            Message.body != "",
        )
        .values(body="", subject=None, body_without_partner=None, address_lines=[])
    )
    replies = (
        update(ReceivedMessage)
        .where(
            ReceivedMessage.handled_at.is_not(None),
            ReceivedMessage.created_at < cutoff,
            or_(ReceivedMessage.content != "", ReceivedMessage.subject.is_not(None)),
        )
        .values(content="", subject=None)
    )
    # Letters made elsewhere: their PDF is their text (messages/precompiled.py).
    files = (
        select(LetterFile.message_id)
        .join(Message, Message.id == LetterFile.message_id)
        .where(Message.status.not_in(sorted(statuses.IN_FLIGHT)), ended < cutoff)
    )
    if organisation_id is not None:
        messages = messages.where(Message.organisation_id == organisation_id)
        replies = replies.where(ReceivedMessage.organisation_id == organisation_id)
        files = files.where(Message.organisation_id == organisation_id)
    sync = {"synchronize_session": False}
    blanked = await session.execute(messages.returning(Message.id).execution_options(**sync))
    count = len(blanked.all())
    blanked = await session.execute(replies.returning(ReceivedMessage.id).execution_options(**sync))
    count += len(blanked.all())
    made_elsewhere = list(await session.scalars(files))
    if made_elsewhere:
        await session.execute(delete(LetterFile).where(LetterFile.message_id.in_(made_elsewhere)))
        await session.execute(
            update(Message)
            .where(Message.id.in_(made_elsewhere))
            .values(address_lines=[])
            .execution_options(**sync)
        )
    return count + len(made_elsewhere)


async def purge_all(session: AsyncSession, *, now: datetime) -> int:
    """Every organisation with its own retention period (the daily worker job)."""
    total = 0
    for organisation_id, days in await session.execute(
        select(Organisation.id, Organisation.message_retention_days)
    ):
        total += await purge_bodies(
            session, now=now, retention_days=days, organisation_id=organisation_id
        )
    return total


def purge_files(folders: Sequence[Path], *, now: datetime, retention_days: int) -> int:
    """Outbox files and print batches hold bodies and addresses too: the ones older than the
    retention period go. Files carry no organisation, so the shortest period counts."""
    cutoff = (now - timedelta(days=retention_days)).timestamp()
    removed = 0
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


async def shortest_retention(session: AsyncSession) -> int:
    days = await session.scalar(select(func.min(Organisation.message_retention_days)))
    return int(days or DEFAULT_RETENTION_DAYS)
