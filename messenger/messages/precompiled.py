"""Letters made elsewhere (Notify's precompiled letters): a case system's own PDF goes through
the same print room as Messenger's letters, printed as it is.

It is checked first (channels/letter_checks.py): a PDF that cannot be opened is refused at
once (400). One that opens but cannot be printed as it is (not A4, too many pages, something
printed around the address window, no Belgian address in the window) is kept as
`validation-failed` with the reason, as Notify does, so the sender sees why.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from channels.letter_checks import NotAPdf, check_letter
from channels.letter_pdf import WindowField
from messenger.messages import callbacks, lifecycle, recipients, statuses
from messenger.messages.queue import DeliveryQueue
from messenger.messages.sending import Origin, RequestRejected, existing_for_key
from messenger.platform.models import LetterFile, Message, TemplateVersion, new_id, utcnow
from messenger.wording.template_store import PRECOMPILED_ID

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class PrecompiledLetter:
    reference: str
    pdf: bytes
    idempotency_key: str | None = None
    postage: str | None = None


async def accept_letter_file(
    session: AsyncSession,
    queue: DeliveryQueue | None,
    origin: Origin,
    letter: PrecompiledLetter,
    window: WindowField,
) -> Message:
    """Check, store and queue a letter made elsewhere."""
    if letter.idempotency_key:
        existing = await existing_for_key(session, origin.organisation_id, letter.idempotency_key)
        if existing is not None:
            return existing
    if len(letter.pdf) > MAX_BYTES:
        raise RequestRejected(
            f"Letter content is too large: at most {MAX_BYTES // (1024 * 1024)} MB",
            error="ValidationError",
        )
    try:
        # PDFium reads and draws the page: CPU work, off the event loop.
        check = await asyncio.to_thread(check_letter, letter.pdf, window)
    except NotAPdf as exc:
        raise RequestRejected(str(exc), error="ValidationError") from exc
    problem, address = check.problem, check.address_lines
    if problem is None:
        try:
            address = recipients.normalise_postal_address(list(address))
        except recipients.InvalidRecipient as exc:
            problem = f"address-not-readable: {exc.reason}"
    now = utcnow()
    version = await session.scalar(
        select(func.max(TemplateVersion.version)).where(
            TemplateVersion.template_id == PRECOMPILED_ID
        )
    )
    message = Message(
        id=new_id(),
        created_at=now,
        organisation_id=origin.organisation_id,
        api_key_id=origin.api_key_id,
        key_type=origin.key_type,
        kind="letter",
        status=statuses.CREATED if problem is None else statuses.VALIDATION_FAILED,
        template_id=PRECOMPILED_ID,
        template_version=version or 1,
        language="nl",
        recipient="",
        # What the window showed, even when it is not an address (the sender looks why).
        address_lines=list(address)[:7],
        body="",
        reference=letter.reference,
        postage=letter.postage or "second",
        idempotency_key=letter.idempotency_key,
        failure_reason=problem,
        completed_at=now if problem else None,
    )
    session.add(message)
    lifecycle.record_created(session, message, source="api", detail=problem or "")
    try:
        await session.flush()  # the message first: its file points at it
    except IntegrityError:
        return await _same_key(session, origin, letter)  # re-raises when it is not that
    session.add(LetterFile(message_id=message.id, pdf=letter.pdf, pages=check.pages))
    if problem:  # the organisation's callback hears of it, as of any failure
        moved = statuses.VALIDATION_FAILED
        await session.run_sync(callbacks.message_moved, message.id, moved, now)
    try:
        await session.commit()
    except IntegrityError:
        return await _same_key(session, origin, letter)  # re-raises when it is not that
    if queue is not None and problem is None:
        await queue.enqueue(message.id)
    return message


async def _same_key(session: AsyncSession, origin: Origin, letter: PrecompiledLetter) -> Message:
    """The same idempotency key, a moment earlier, from another request: that letter. Called
    while an IntegrityError is handled: any other cause is raised again."""
    await session.rollback()
    existing = await existing_for_key(session, origin.organisation_id, letter.idempotency_key or "")
    if existing is None:
        raise
    return existing
