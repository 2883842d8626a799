"""Accepting a message: check the recipient and the values, render, store, then queue.

Nothing is half-written: every check runs before the one insert, and the row is committed
before its job is queued.
"""

from __future__ import annotations

import asyncio
import functools
import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import letter_pages, lifecycle, opt_outs, recipients, senders, statuses
from messenger.messages.queue import DeliveryQueue
from messenger.platform.models import (
    Account,
    ApiKey,
    Message,
    Organisation,
    StaffMember,
    new_id,
    utcnow,
)
from messenger.wording import rendering, template_store
from messenger.wording.sms_encoding import transliterate
from messenger.wording.template_files import DEFAULT_LANGUAGE, LANGUAGES

ADDRESS_FIELDS = tuple(f"address_line_{n}" for n in range(1, 8))


class RequestRejected(ValueError):
    """A 400 (or `status`): `error` is Notify's error name, `message` says what to fix."""

    def __init__(self, message: str, *, error: str = "BadRequestError", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.error = error
        self.status = status


@dataclass(frozen=True)
class Origin:
    """Who asks for the message: an API key, or Messenger itself (confirmations, plans)."""

    organisation_id: str
    key_type: str = "live"
    api_key_id: str | None = None

    @classmethod
    def of_key(cls, key: ApiKey) -> Origin:
        return cls(organisation_id=key.organisation_id, key_type=key.key_type, api_key_id=key.id)


@dataclass(frozen=True)
class SendRequest:
    kind: str
    template_id: str
    # sms: phone number; email: address; letter: unused (address is in personalisation).
    recipient: str = ""
    personalisation: Mapping[str, Any] = field(default_factory=dict)
    reference: str | None = None
    language: str = DEFAULT_LANGUAGE
    idempotency_key: str | None = None
    # The partner block, from the client's recorded consent at send time; never from the
    # caller's personalisation (rendering.render refuses that).
    partner: Mapping[str, Any] | None = None
    partner_id: str | None = None
    # Who and what it is for (reminder plans, partner notices); None for plain API sends.
    client_id: str | None = None
    case_id: str | None = None
    # Notify's sms_sender_id / email_reply_to_id: one of the organisation's senders.
    sender_id: str | None = None
    # An email's one-click unsubscribe address (RFC 8058), https.
    unsubscribe_url: str | None = None
    # Not before this moment (the caller has put it in the organisation's open hours).
    scheduled_for: datetime | None = None
    # A letter's postage, as Notify names it; second class when not given.
    postage: str | None = None


async def accept(
    session: AsyncSession,
    queue: DeliveryQueue | None,
    origin: Origin,
    request: SendRequest,
    *,
    respect_opt_out: bool = True,
) -> Message:
    """Check, render, store and queue one message. `respect_opt_out=False` only for the
    confirmation of a STOP itself."""
    if request.idempotency_key:
        existing = await existing_for_key(session, origin.organisation_id, request.idempotency_key)
        if existing is not None:
            return existing
    message = await prepare(session, origin, request, respect_opt_out=respect_opt_out)
    session.add(message)
    lifecycle.record_created(session, message, source="api")
    try:
        await session.commit()
    except IntegrityError:
        # The same idempotency key, a moment earlier, from another request.
        await session.rollback()
        existing = await existing_for_key(
            session, origin.organisation_id, request.idempotency_key or ""
        )
        if existing is None:
            raise
        return existing
    if queue is not None:
        await queue.enqueue(message.id, not_before=message.scheduled_for)
    return message


async def prepare(
    session: AsyncSession,
    origin: Origin,
    request: SendRequest,
    *,
    shared: Shared | None = None,
    respect_opt_out: bool = True,
) -> Message:
    """Every check of `accept`, and the rendering, with nothing written: the message as it
    would be stored. A bulk send (messages/bulk.py) prepares every row before it stores any,
    with what they share (`shared_by`) looked up once."""
    message = await _build(session, origin, request, shared)
    if (
        respect_opt_out
        and message.kind == "sms"
        and await opt_outs.is_opted_out(session, origin.organisation_id, message.recipient)
    ):
        raise RequestRejected(
            "phone_number replied STOP: this number gets no text messages any more",
            error="ValidationError",
        )
    return message


@dataclass(frozen=True)
class Shared:
    """What the messages of one template and sender share."""

    choice: template_store.TemplateChoice
    from_number: str | None
    reply_to: str | None
    # The organisation's SMS lose what GSM-7 cannot carry. None: not looked up yet; a
    # single send looks it up only when its text has something transliteration changes.
    transliterate: bool | None


async def shared_by(
    session: AsyncSession, origin: Origin, request: SendRequest, *, organisation: bool = True
) -> Shared:
    """The template (of the request's kind), the sender, the organisation's transliteration
    (`organisation=False`: left for later, None); RequestRejected when the template or the
    sender is not the organisation's."""
    choice = await template_store.find(
        session, origin.organisation_id, request.template_id, language=request.language
    )
    if choice is None:
        raise RequestRejected("Template not found")
    if choice.template.kind != request.kind:
        raise RequestRejected(
            f"{choice.template.kind} template is not suitable for {request.kind} notification"
        )
    from_number, reply_to = await _sender(session, origin, request)
    transliterating: bool | None = False
    if request.kind == "sms":
        transliterating = await _transliterates(session, origin) if organisation else None
    return Shared(choice, from_number, reply_to, transliterating)


async def _transliterates(session: AsyncSession, origin: Origin) -> bool:
    organisation = await session.get(Organisation, origin.organisation_id)
    return organisation is not None and organisation.sms_transliterate


async def _build(
    session: AsyncSession, origin: Origin, request: SendRequest, shared: Shared | None = None
) -> Message:
    if request.language not in LANGUAGES:
        raise RequestRejected(
            f"language must be one of {', '.join(LANGUAGES)}", error="ValidationError"
        )
    recipient, address = _recipient(request)
    if origin.key_type == "team":
        await _to_the_team(session, origin.organisation_id, request.kind, recipient)
    shared = shared or await shared_by(session, origin, request, organisation=False)
    choice, from_number, reply_to = shared.choice, shared.from_number, shared.reply_to
    version = choice.version
    message_id = new_id()
    variant = choose_variant(version.variants or {}, message_id)
    # Off the event loop: a template's cost is bounded (bounded_sandbox.py), not zero.
    fill = functools.partial(
        rendering.render,
        version.body,
        version.subject,
        request.personalisation,
        language=version.language,
        variant=variant,
    )
    try:
        rendered = await asyncio.to_thread(fill, partner=request.partner)
    except rendering.RenderError as exc:
        raise RequestRejected(str(exc)) from exc
    _check_length(request.kind, rendered.body)
    if request.kind == "letter":
        # A plan step's letter must stay on the one page its template was linted for.
        most = letter_pages.most_pages("letter", for_a_case=request.case_id is not None)
        try:
            await letter_pages.check_pages(rendered.subject, rendered.body, most=most)
        except letter_pages.LetterTooLong as exc:
            raise RequestRejected(str(exc)) from None
    body = rendered.body
    without_partner = None
    if request.partner:
        # Kept beside the message: withdrawn consent takes the block out before sending.
        without_partner = (await asyncio.to_thread(fill)).body
    if request.kind == "sms":
        gsm = transliterate(body), transliterate(without_partner) if without_partner else None
        # A text transliteration leaves as it is needs no look at the organisation's choice.
        if gsm != (body, without_partner) and (
            shared.transliterate
            if shared.transliterate is not None
            else await _transliterates(session, origin)
        ):
            body, without_partner = gsm
    return Message(
        id=message_id,
        created_at=utcnow(),
        organisation_id=origin.organisation_id,
        api_key_id=origin.api_key_id,
        key_type=origin.key_type,
        kind=request.kind,
        status=statuses.CREATED,
        template_id=choice.template.id,
        template_version=version.version,
        language=version.language,
        requested_language=request.language if choice.fell_back else None,
        variant=variant,
        recipient=recipient,
        from_number=from_number,
        reply_to=reply_to,
        unsubscribe_url=request.unsubscribe_url if request.kind == "email" else None,
        scheduled_for=request.scheduled_for,
        next_attempt_at=request.scheduled_for,
        address_lines=list(address),
        subject=rendered.subject,
        body=body,
        reference=request.reference,
        postage=(request.postage or "second") if request.kind == "letter" else None,
        idempotency_key=request.idempotency_key,
        client_id=request.client_id,
        case_id=request.case_id,
        # Only when the block is really in the text (an SMS template has none).
        partner_id=request.partner_id if without_partner not in (None, body) else None,
        body_without_partner=without_partner if without_partner not in (None, body) else None,
        # Replies and bounces come back to reply+TOKEN@ / bounces+TOKEN@ (messenger.inbound.email).
        reply_token=secrets.token_hex(8) if request.kind == "email" else None,
    )


async def _to_the_team(session: AsyncSession, organisation_id: str, kind: str, to: str) -> None:
    """A team key sends only to the organisation's own people, as in Notify: the staff's
    mobile numbers and email addresses, and the addresses people sign in with. No letters."""
    if kind == "letter":
        raise RequestRejected("Cannot send letters with a team api key", status=403)
    staff = (
        await session.execute(
            select(StaffMember.phone, StaffMember.email).where(
                StaffMember.organisation_id == organisation_id
            )
        )
    ).all()
    if kind == "sms":
        team = {_number_or_none(phone) for phone, _ in staff}
    else:
        signing_in = await session.scalars(
            select(Account.email).where(Account.organisation_id == organisation_id)
        )
        team = {(e or "").lower() for e in [*(email for _, email in staff), *signing_in]}
        to = to.lower()
    if to not in team:
        raise RequestRejected("Can’t send to this recipient using a team-only API key")


def _number_or_none(phone: str | None) -> str | None:
    try:
        return recipients.normalise_phone_number(phone) if phone else None
    except recipients.InvalidRecipient:
        return None


async def _sender(
    session: AsyncSession, origin: Origin, request: SendRequest
) -> tuple[str | None, str | None]:
    """The SMS sender and the email reply-to address the message goes with."""
    field = {"sms": "sms_sender_id", "email": "email_reply_to_id"}.get(request.kind)
    if field is None:
        return None, None
    try:
        chosen = await senders.choose(
            session, origin.organisation_id, request.kind, request.sender_id, field
        )
    except senders.UnknownSender as exc:
        raise RequestRejected(str(exc), error="BadRequestError") from None
    value = chosen.value if chosen else None
    return (value, None) if request.kind == "sms" else (None, value)


# Notify's limit for a text message; generous ones for the rest, so nobody gets a book.
MAX_LENGTH = {"sms": 918, "email": 100_000, "letter": 50_000}


def _check_length(kind: str, body: str) -> None:
    limit = MAX_LENGTH.get(kind)
    if limit is not None and len(body) > limit:
        what = "Text messages" if kind == "sms" else f"{kind.capitalize()}s"
        raise RequestRejected(
            f"{what} cannot be longer than {limit} characters. "
            f"Your message is {len(body)} characters long.",
            error="BadRequestError",
        )


def choose_variant(weights: Mapping[str, float], message_id: str) -> str | None:
    """A weighted choice, the same every time for the same message (a re-render agrees)."""
    if not weights:
        return None
    names = sorted(weights)
    chooser = random.Random(message_id)  # noqa: S311 - an experiment's split, not a secret
    return chooser.choices(names, weights=[weights[n] for n in names])[0]


def _recipient(request: SendRequest) -> tuple[str, tuple[str, ...]]:
    try:
        if request.kind == "sms":
            return recipients.normalise_phone_number(request.recipient), ()
        if request.kind == "email":
            return recipients.normalise_email_address(request.recipient), ()
        lines = [_as_line(request.personalisation.get(name)) for name in ADDRESS_FIELDS]
        return "", recipients.normalise_postal_address(lines)
    except recipients.InvalidRecipient as exc:
        raise RequestRejected(f"{exc.field} {exc.reason}", error="ValidationError") from exc


def _as_line(value: Any) -> str | None:
    return None if value is None else str(value)


# Built once: a send with an Idempotency-Key asks this first.
_BY_IDEMPOTENCY_KEY = select(Message).where(
    Message.organisation_id == bindparam("organisation_id"),
    Message.idempotency_key == bindparam("key"),
)


async def existing_for_key(session: AsyncSession, organisation_id: str, key: str) -> Message | None:
    return await session.scalar(
        _BY_IDEMPOTENCY_KEY, {"organisation_id": organisation_id, "key": key}
    )
