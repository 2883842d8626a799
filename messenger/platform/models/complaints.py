"""Complaints, as GOV.UK Notify has them: a client marked one of our emails as spam, and the
mailbox provider told us so with a feedback report (ARF, RFC 5965; messenger/inbound/
complaints.py reads it). Ids, a type and dates only: nothing here is about the person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from messenger.platform.models.base import Base, new_id, utcnow


class Complaint(Base):
    """One email marked as spam. One per message: the same report again changes nothing."""

    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Notify's notification_id: the email that was marked.
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), unique=True)
    # The report's Feedback-Type: abuse | fraud | virus | other
    complaint_type: Mapped[str] = mapped_column(String(30))
    # When the provider got the report (its Arrival-Date), else when we did.
    complaint_date: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
