"""An organisation's senders: the SMS senders its text messages may come from and the email
reply-to addresses its emails may carry. Notify's `sms_sender_id` and `email_reply_to_id`
name one of them; without one, the organisation's default is used.

An SMS sender is a mobile number (replies to it belong to this organisation) or a name of 3
to 11 letters and digits (clients cannot answer it). An email without a reply-to address of
the organisation gets Messenger's own, so the reply reaches the inbox.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages.recipients import (
    InvalidRecipient,
    normalise_email_address,
    normalise_phone_number,
)
from messenger.platform.models import Sender
from messenger.platform.tenancy import own

KINDS = ("sms", "email")
# GSM alphanumeric sender ids: 3 to 11 characters, at least one letter.
_SENDER_NAME = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{3,11}")
MAX_SENDERS = 20  # of each kind, per organisation


class UnknownSender(ValueError):
    """The id names no sender of this organisation and kind (a 400 in Notify)."""

    def __init__(self, field: str, sender_id: str, organisation_id: str) -> None:
        super().__init__(
            f"{field} {sender_id} does not exist in database for service id {organisation_id}"
        )
        self.field = field


def clean_value(kind: str, raw: str) -> str:
    """A number in E.164 or a sender name; an email address as email-validator writes it."""
    if kind == "email":
        return normalise_email_address(raw, "value")
    text = " ".join(raw.split())
    if _SENDER_NAME.fullmatch(text) and not text.replace(" ", "").isdigit():
        return text
    try:
        return normalise_phone_number(raw, "value")
    except InvalidRecipient:
        raise InvalidRecipient(
            "value", "Not a mobile number or a sender name of 3 to 11 letters and digits"
        ) from None


async def list_senders(
    session: AsyncSession, organisation_id: str, kind: str | None = None
) -> list[Sender]:
    query = select(Sender).where(Sender.organisation_id == organisation_id)
    if kind is not None:
        query = query.where(Sender.kind == kind)
    return list(await session.scalars(query.order_by(Sender.kind, Sender.created_at)))


async def add_sender(
    session: AsyncSession, organisation_id: str, kind: str, value: str, *, default: bool = False
) -> Sender:
    """A new sender. The first SMS sender is the default; an email reply-to address only
    when chosen, since replies to it no longer reach Messenger's inbox. Caller commits."""
    if kind not in KINDS:
        raise ValueError(f"kind: one of {', '.join(KINDS)}")
    cleaned = clean_value(kind, value)
    taken = await session.scalar(select(Sender).where(Sender.kind == kind, Sender.value == cleaned))
    if taken is not None:
        whose = "this" if taken.organisation_id == organisation_id else "another"
        raise ValueError(f"value: {cleaned} is already a sender of {whose} organisation")
    present = await list_senders(session, organisation_id, kind)
    if len(present) >= MAX_SENDERS:
        raise ValueError(f"value: at most {MAX_SENDERS} senders of one kind")
    sender = Sender(organisation_id=organisation_id, kind=kind, value=cleaned)
    session.add(sender)
    await session.flush()
    if default or (kind == "sms" and not present):
        await make_default(session, sender)
    return sender


async def make_default(session: AsyncSession, sender: Sender) -> None:
    await session.execute(
        update(Sender)
        .where(Sender.organisation_id == sender.organisation_id, Sender.kind == sender.kind)
        .values(is_default=Sender.id == sender.id)
        .execution_options(synchronize_session="fetch")
    )
    await session.flush()


async def clear_default(session: AsyncSession, organisation_id: str, kind: str) -> None:
    """No default of this kind: an email then gets Messenger's own reply-to address."""
    await session.execute(
        update(Sender)
        .where(Sender.organisation_id == organisation_id, Sender.kind == kind)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )
    await session.flush()


async def remove_sender(session: AsyncSession, sender: Sender) -> None:
    """Gone for new messages (sent ones keep the value they went with); when it was the
    default, the oldest other sender of its kind becomes the default."""
    await session.delete(sender)
    await session.flush()
    if sender.is_default:
        rest = await list_senders(session, sender.organisation_id, sender.kind)
        if rest:
            await make_default(session, rest[0])


async def own_sender(session: AsyncSession, organisation_id: str, sender_id: str) -> Sender:
    return await own(session, Sender, organisation_id, sender_id)


async def set_default_sms_number(
    session: AsyncSession, organisation_id: str, value: str | None
) -> None:
    """`messenger org set --sms-sender`: this number becomes the default (added when new);
    None or empty: the organisation has no SMS sender of its own any more."""
    current = await list_senders(session, organisation_id, "sms")
    if not value:
        for sender in current:
            await session.delete(sender)
        await session.flush()
        return
    cleaned = clean_value("sms", value)
    found = next((s for s in current if s.value == cleaned), None)
    if found is None:
        await add_sender(session, organisation_id, "sms", cleaned, default=True)
    else:
        await make_default(session, found)


async def choose(
    session: AsyncSession, organisation_id: str, kind: str, sender_id: str | None, field: str
) -> Sender | None:
    """The sender a message goes with: the one named (it must be the organisation's and of
    this kind), else the default; None when the organisation has none."""
    if sender_id:
        sender = await session.get(Sender, sender_id)
        if sender is None or sender.organisation_id != organisation_id or sender.kind != kind:
            raise UnknownSender(field, sender_id, organisation_id)
        return sender
    params = {"organisation_id": organisation_id, "kind": kind}
    found: Sender | None = await session.scalar(_DEFAULT, params)
    return found


# Built once: it runs on every send request.
_DEFAULT = select(Sender).where(
    Sender.organisation_id == bindparam("organisation_id"),
    Sender.kind == bindparam("kind"),
    Sender.is_default.is_(True),
)


async def organisation_of_number(session: AsyncSession, number: str) -> str | None:
    """Whose SMS number this is: replies to it belong to that organisation."""
    return await session.scalar(
        select(Sender.organisation_id).where(Sender.kind == "sms", Sender.value == number)
    )
