"""Request and response bodies in the shapes of GOV.UK Notify's v2 API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

Personalisation = dict[str, Any]
Language = Literal["nl", "fr", "en"]
# Messenger adds "card": a printable A6 card for the letterbox.
TemplateKind = Literal["sms", "email", "letter", "card"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    personalisation: Personalisation = Field(default_factory=dict)
    reference: str | None = Field(default=None, max_length=1000)
    # Messenger's addition: the client's language picks the template's language (default nl).
    language: Language = "nl"
    # Not before this moment, up to 7 days ahead; without an offset, Brussels time.
    scheduled_for: str | None = Field(default=None, max_length=40)


class SmsRequest(_Request):
    phone_number: str
    sms_sender_id: str | None = Field(default=None, max_length=36)  # one of its SMS senders


class EmailRequest(_Request):
    email_address: str
    email_reply_to_id: str | None = Field(default=None, max_length=36)  # one of its addresses
    # RFC 8058: becomes List-Unsubscribe and List-Unsubscribe-Post; https only.
    one_click_unsubscribe_url: str | None = Field(
        default=None, max_length=2000, pattern=r"^https://[^\s]+$"
    )
    # Personalisation keys whose values lose links and have Markdown escaped (sanitise.py).
    sanitise_content_for: list[str] | None = Field(default=None, max_length=100)


class LetterRequest(_Request):
    personalisation: Personalisation  # the address lines are required here
    postage: Literal["first", "second", "economy", "europe", "rest-of-world"] | None = None


class PrecompiledLetterRequest(BaseModel):
    """A letter made elsewhere: the PDF itself, in base64 (Notify's precompiled letter)."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=1000)
    content: str = Field(min_length=1, max_length=7_000_000, description="The PDF, base64")
    postage: Literal["first", "second", "economy"] | None = None


class PrecompiledLetterResponse(BaseModel):
    id: str
    reference: str
    postage: str


class TemplateRef(BaseModel):
    id: str
    version: int
    uri: str


class SmsContent(BaseModel):
    body: str
    from_number: str | None = None


class EmailContent(BaseModel):
    body: str
    subject: str
    from_email: str
    one_click_unsubscribe_url: str | None = None


class LetterContent(BaseModel):
    body: str
    subject: str


class SentResponse(BaseModel):
    id: str
    reference: str | None
    uri: str
    template: TemplateRef
    # When it goes out, in UTC (Notify's format), when it was scheduled.
    scheduled_for: str | None = None


class SmsSentResponse(SentResponse):
    content: SmsContent


class EmailSentResponse(SentResponse):
    content: EmailContent
    # Per sanitised key: {"sanitised": …, "unsanitised": …} (always there, as in Notify).
    sanitised_content: dict[str, dict[str, str]] = Field(default_factory=dict)


class LetterSentResponse(SentResponse):
    content: LetterContent


class NotificationResponse(BaseModel):
    id: str
    reference: str | None
    email_address: str | None
    phone_number: str | None
    line_1: str | None
    line_2: str | None
    line_3: str | None
    line_4: str | None
    line_5: str | None
    line_6: str | None
    line_7: str | None
    postcode: str | None
    type: Literal["sms", "email", "letter"]
    status: str
    template: TemplateRef
    body: str
    subject: str | None
    created_at: str
    created_by_name: str | None
    sent_at: str | None
    completed_at: str | None
    scheduled_for: str | None = None
    postage: str | None = None
    # Messenger's additions: the language used (and the one asked for, when Dutch stood in),
    # the template variant, and the status history.
    language: str
    requested_language: str | None = None
    variant: str | None = None
    events: list[StatusEvent] | None = None


class StatusEvent(BaseModel):
    status: str
    previous_status: str | None
    source: str
    detail: str
    occurred_at: str


class Links(BaseModel):
    current: str
    next: str | None = None

    @model_serializer(mode="wrap")
    def _without_empty_next(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Notify's schema has `next` only when there is one (a string, never null)."""
        data: dict[str, Any] = handler(self)
        if data.get("next") is None:
            data.pop("next", None)
        return data


class NotificationList(BaseModel):
    notifications: list[NotificationResponse]
    links: Links


class PersonalisationField(BaseModel):
    required: bool = True


class TemplateResponse(BaseModel):
    id: str
    name: str
    type: TemplateKind
    created_at: str
    updated_at: str | None
    created_by: str
    version: int
    body: str
    subject: str | None
    letter_contact_block: str | None = None
    postage: str | None = None
    personalisation: dict[str, PersonalisationField]
    # Messenger's additions: the language of this version, and the template's slug (the
    # name of its file for a shipped one; `name` is the human name, as in Notify).
    language: str
    slug: str


class TemplateList(BaseModel):
    templates: list[TemplateResponse]


class PreviewRequest(BaseModel):
    personalisation: Personalisation = Field(default_factory=dict)
    language: Language = "nl"


class PreviewResponse(BaseModel):
    id: str
    type: TemplateKind
    version: int
    body: str
    subject: str | None
    html: str | None = None


class ErrorItem(BaseModel):
    error: str
    message: str


class ErrorResponse(BaseModel):
    status_code: int
    errors: list[ErrorItem]


NotificationResponse.model_rebuild()
