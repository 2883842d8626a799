"""Callbacks, as GOV.UK Notify has them: an organisation's own HTTPS addresses that hear of
delivery receipts, received text messages and returned letters, and the outbox of what is
still to be POSTed there (messages/callbacks.py decides what, callback_sending.py sends it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from messenger.platform.models.base import Base, new_id, utcnow


class Callback(Base):
    """Where one kind of callback goes for one organisation, and how it went lately."""

    __tablename__ = "callbacks"
    __table_args__ = (UniqueConstraint("organisation_id", "kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    # delivery-status | inbound-sms | returned-letter | complaint
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(255))
    # Fernet token of the bearer token; never shown again once set.
    bearer_token_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who set it last: an API key's name, an account's email, or "cli".
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    # What the sender saw last, for the settings page: the last 2xx, the last failure.
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_failure_at: Mapped[datetime | None] = mapped_column(default=None)
    last_failure: Mapped[str | None] = mapped_column(String(200), default=None)


class CallbackDelivery(Base):
    """One POST to make: written in the same transaction as the event that causes it.

    The id orders the deliveries of one subject (a message, a received message): the next
    waits until the one before is delivered or given up."""

    __tablename__ = "callback_deliveries"
    __table_args__ = (
        Index("ix_callback_deliveries_status_due", "status", "due_at"),
        Index("ix_callback_deliveries_subject", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(36))
    # Notify's JSON; emptied once the delivery ended (it holds numbers and texts).
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # pending | sending | delivered | failed (given up) | dropped (the callback was removed)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # None: at once. A retry waits until then.
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)


class CallbackFailure(Base):
    """One failed attempt, for the settings page: when, the HTTP status, what came next."""

    __tablename__ = "callback_failures"
    __table_args__ = (Index("ix_callback_failures_org_at", "organisation_id", "attempted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("callback_deliveries.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(20))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: no answer (a time-out, no connection).
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str] = mapped_column(String(200))
    # retry | failed
    outcome: Mapped[str] = mapped_column(String(10))
