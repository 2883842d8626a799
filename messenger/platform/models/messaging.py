"""Messaging tables: organisations, keys, templates, messages and what comes back.

State changes of messages go through `lifecycle.py`, never by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from messenger.platform.models.base import Base, new_id, utcnow


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Its SMS senders and email reply-to addresses: senders.py.
    # Return address on letters, lines separated by "|"; None: MESSENGER_LETTER_SENDER.
    letter_sender: Mapped[str | None] = mapped_column(Text, default=None)
    # Envelopes without the OCMW's logo get opened more (seeds/000): off unless chosen.
    letter_logo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Replace ë, curly quotes, … in SMS so they stay cheap 160-character GSM-7 messages.
    sms_transliterate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Message bodies are blanked this long after a message ended; statuses stay (privacy.py).
    message_retention_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    # Who clients can reach when a case names no social worker (reminder templates).
    contact_name: Mapped[str | None] = mapped_column(String(200), default=None)
    contact_phone: Mapped[str | None] = mapped_column(String(40), default=None)
    contact_email: Mapped[str | None] = mapped_column(String(320), default=None)
    # The rest of the contact profile the templates may use.
    walk_in_address: Mapped[str | None] = mapped_column(String(300), default=None)
    opening_hours: Mapped[str | None] = mapped_column(String(300), default=None)
    website: Mapped[str | None] = mapped_column(String(300), default=None)
    signature: Mapped[str | None] = mapped_column(String(300), default=None)
    # The calendar: weekdays (0 = Monday) messages may go out and reminders count as working
    # days, the hours, and the organisation's own closed days besides Belgium's holidays.
    quiet_start: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="20:00", server_default="20:00")
    open_weekdays: Mapped[list[int]] = mapped_column(default=lambda: [0, 1, 2, 3, 4, 5])
    working_weekdays: Mapped[list[int]] = mapped_column(default=lambda: [0, 1, 2, 3, 4])
    # Flemish Community holiday (11 July), on by default: most Flemish OCMWs close then.
    flemish_holiday: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    closed_days: Mapped[list[str]] = mapped_column(default=list)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key_type: Mapped[str] = mapped_column(String(10))  # live | team | test
    # admin | social-worker | partner | water-company: what the key may see and do (roles.py).
    role: Mapped[str] = mapped_column(String(20), default="admin", server_default="admin")
    # A partner key sees its own partner's notices; a water company key its own cases.
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"), default=None)
    water_company: Mapped[str | None] = mapped_column(String(40), default=None)
    # Fernet token of the secret; the secret itself is never stored.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Template(Base):
    """A template across its languages and versions; its id is uuid5 of its name."""

    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # None: shipped with Messenger, visible to every organisation.
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # sms | email | letter | card
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    # An organisation's own version of a shipped template: used wherever that one is asked.
    overrides_id: Mapped[str | None] = mapped_column(
        ForeignKey("templates.id"), default=None, index=True
    )


class TemplateVersion(Base):
    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "language", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(Text, default=None)
    body: Mapped[str] = mapped_column(Text)
    # {name: {"example": ..., "description": ...}}
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {variant name: weight}; {} for one text.
    variants: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Extra linter rules, e.g. ["explains-lac"].
    checks: Mapped[list[str]] = mapped_column(default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    # A letter's: the organisation's own return address when this version was saved (lines
    # joined by newlines), as Notify keeps a contact block per template version.
    letter_contact_block: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[str] = mapped_column(String(200), default="messenger")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_org_created", "organisation_id", "created_at"),
        Index("ix_messages_status_due", "status", "next_attempt_at"),
        UniqueConstraint("organisation_id", "idempotency_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    api_key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"))
    key_type: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"))
    template_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5))
    # The language asked for, when the template did not have it and Dutch was used.
    requested_language: Mapped[str | None] = mapped_column(String(5), default=None)
    # The template variant chosen for this message, for the "what works" reports.
    variant: Mapped[str | None] = mapped_column(String(40), default=None)
    # sms: E.164 number; email: address; letter: empty (see address_lines).
    recipient: Mapped[str] = mapped_column(String(320), default="")
    # The SMS sender chosen when it was accepted (None: the installation's own number), and
    # an email's reply-to address (None: Messenger's own, so replies reach the inbox).
    from_number: Mapped[str | None] = mapped_column(String(20), default=None)
    reply_to: Mapped[str | None] = mapped_column(String(320), default=None)
    # An email's one-click unsubscribe address (List-Unsubscribe, RFC 8058).
    unsubscribe_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    address_lines: Mapped[list[str]] = mapped_column(default=list)
    subject: Mapped[str | None] = mapped_column(Text, default=None)
    body: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(1000), default=None, index=True)
    # A letter's: Notify's postage (first, second, economy, europe, rest-of-world), for the
    # print room's manifest; None for SMS and email.
    postage: Mapped[str | None] = mapped_column(String(16), default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    created_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    channel: Mapped[str | None] = mapped_column(String(20), default=None)
    provider_reference: Mapped[str | None] = mapped_column(String(200), default=None, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    sending_started_at: Mapped[datetime | None] = mapped_column(default=None)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the sender asked for it to go out (Notify's scheduled_for); None: at once.
    scheduled_for: Mapped[datetime | None] = mapped_column(default=None)
    # email: the token in reply+TOKEN@ and bounces+TOKEN@ that leads answers back here.
    reply_token: Mapped[str | None] = mapped_column(String(32), default=None, unique=True)
    # The client and case it was sent for (reminder plans, timelines); None for plain API sends.
    client_id: Mapped[str | None] = mapped_column(
        ForeignKey("clients.id"), default=None, index=True
    )
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), default=None, index=True)
    # The partner whose block is in the body, and the body without it: withdrawn consent
    # before the send takes the block out (consent.py).
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"), default=None)
    body_without_partner: Mapped[str | None] = mapped_column(Text, default=None)
    # letters: the print batch that carries it to the post.
    print_batch_id: Mapped[str | None] = mapped_column(
        ForeignKey("print_batches.id"), default=None, index=True
    )


class MessageEvent(Base):
    """Every status a message went through, with when, who and why."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), index=True)
    previous_status: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    # api | worker | reconciler | provider
    source: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReceivedMessage(Base):
    """An SMS or email sent to us by a client."""

    __tablename__ = "received_messages"
    __table_args__ = (Index("ix_received_org_created", "organisation_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(10))
    sender: Mapped[str] = mapped_column(String(320))
    recipient: Mapped[str] = mapped_column(String(320))
    content: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text, default=None)
    # What the reply asks for: stop | start | confirm | decline | call | reply (see replies.py).
    intent: Mapped[str] = mapped_column(String(10), default="reply")
    provider_reference: Mapped[str | None] = mapped_column(String(200), default=None, unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(ForeignKey("messages.id"), default=None)
    # The client and case the answered message was for, when it was one of ours.
    client_id: Mapped[str | None] = mapped_column(ForeignKey("clients.id"), default=None)
    # Indexed: a due reminder asks whether its case's client replied (conditions.py).
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), default=None, index=True)
    # The inbox: who dealt with it, and when.
    handled_at: Mapped[datetime | None] = mapped_column(default=None)
    handled_by: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OptOutRecord(Base):
    """A number leaving (STOP, Twilio 21610) or rejoining (START) SMS; the latest one counts."""

    __tablename__ = "opt_out_records"
    __table_args__ = (Index("ix_opt_out_org_number", "organisation_id", "phone_number", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    phone_number: Mapped[str] = mapped_column(String(20))
    opted_out: Mapped[bool] = mapped_column(Boolean)
    # reply | provider | api: how we learnt it.
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PrintBatch(Base):
    """The day's letters as one PDF and a manifest, for the print room or the print house."""

    __tablename__ = "print_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    # ready: PDF and manifest made; posted: handed to bpost, its letters are `sent`.
    status: Mapped[str] = mapped_column(String(10), default="ready")
    letter_count: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(default=None)


class LetterFile(Base):
    """A letter made elsewhere, as the PDF that was sent (Notify's precompiled letter): it is
    printed as it is. Deleted with the message's text when the retention period ends."""

    __tablename__ = "letter_files"

    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pages: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
