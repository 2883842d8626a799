"""Database rows to Notify-shaped response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.api import schemas
from messenger.messages import statuses
from messenger.messages.recipients import postcode_of
from messenger.platform.models import Message, MessageEvent, Organisation, TemplateVersion
from messenger.platform.settings import Settings
from messenger.wording import template_store
from messenger.wording.template_store import TemplateChoice


def iso(value: datetime | None) -> str | None:
    """Notify's format: UTC with microseconds and a Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def base_url(settings: Settings) -> str:
    return settings.public_url.rstrip("/")


def template_ref(settings: Settings, template_id: str, version: int) -> schemas.TemplateRef:
    uri = f"{base_url(settings)}/v2/template/{template_id}/version/{version}"
    return schemas.TemplateRef(id=template_id, version=version, uri=uri)


def notification_uri(settings: Settings, message_id: str) -> str:
    return f"{base_url(settings)}/v2/notifications/{message_id}"


def sent(message: Message, settings: Settings) -> schemas.SentResponse:
    common: dict[str, Any] = {
        "id": message.id,
        "reference": message.reference,
        "uri": notification_uri(settings, message.id),
        "template": template_ref(settings, message.template_id, message.template_version),
        "scheduled_for": iso(message.scheduled_for),
    }
    if message.kind == "sms":
        # The sender it goes from: the organisation's, else the installation's own number.
        sms = schemas.SmsContent(
            body=message.body, from_number=message.from_number or settings.twilio_from_number
        )
        return schemas.SmsSentResponse(**common, content=sms)
    if message.kind == "email":
        email = schemas.EmailContent(
            body=message.body,
            subject=message.subject or "",
            from_email=settings.email_from,
            one_click_unsubscribe_url=message.unsubscribe_url,
        )
        return schemas.EmailSentResponse(**common, content=email)
    letter = schemas.LetterContent(body=message.body, subject=message.subject or "")
    return schemas.LetterSentResponse(**common, content=letter)


def notification(
    message: Message, settings: Settings, events: list[MessageEvent] | None = None
) -> schemas.NotificationResponse:
    lines = list(message.address_lines or [])
    padded = (lines + [None] * 7)[:7]
    return schemas.NotificationResponse(
        id=message.id,
        reference=message.reference,
        email_address=message.recipient if message.kind == "email" else None,
        phone_number=message.recipient if message.kind == "sms" else None,
        line_1=padded[0],
        line_2=padded[1],
        line_3=padded[2],
        line_4=padded[3],
        line_5=padded[4],
        line_6=padded[5],
        line_7=padded[6],
        postcode=postcode_of(tuple(lines)) if lines else None,
        type=message.kind,  # type: ignore[arg-type]
        status=statuses.shown(message.kind, message.status),
        template=template_ref(settings, message.template_id, message.template_version),
        body=message.body,
        subject=message.subject,
        created_at=iso(message.created_at) or "",
        created_by_name=message.created_by_name,
        sent_at=iso(message.sent_at),
        completed_at=iso(message.completed_at),
        scheduled_for=iso(message.scheduled_for),
        postage=(message.postage or "second") if message.kind == "letter" else None,
        language=message.language,
        requested_language=message.requested_language,
        variant=message.variant,
        events=None if events is None else [event_of(e) for e in events],
    )


def event_of(event: MessageEvent) -> schemas.StatusEvent:
    return schemas.StatusEvent(
        status=event.status,
        previous_status=event.previous_status,
        source=event.source,
        detail=event.detail,
        occurred_at=iso(event.occurred_at) or "",
    )


async def letter_contact_block(session: AsyncSession, organisation_id: str) -> str | None:
    """Notify's `letter_contact_block` of the organisation's letters now."""
    return template_store.contact_block(await session.get(Organisation, organisation_id))


def template(
    choice: TemplateChoice, settings: Settings, letter_contact: str | None = None
) -> schemas.TemplateResponse:
    """Notify's shape: `name` is what people call it; Messenger's `slug` names its file."""
    version: TemplateVersion = choice.version
    letter = choice.template.kind == "letter"
    return schemas.TemplateResponse(
        id=choice.template.id,
        name=version.title,
        slug=choice.template.name,
        type=choice.template.kind,  # type: ignore[arg-type]
        created_at=iso(version.created_at) or "",
        updated_at=iso(choice.template.updated_at),
        created_by=version.created_by,
        version=version.version,
        body=version.body,
        subject=version.subject,
        personalisation={
            name: schemas.PersonalisationField(required=True) for name in version.variables
        },
        postage="second" if letter else None,
        letter_contact_block=letter_contact if letter else None,
        language=version.language,
    )
