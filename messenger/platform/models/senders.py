"""Who a message comes from, per organisation: its SMS senders and its email reply-to
addresses (Notify's `sms_sender_id` and `email_reply_to_id` name one of them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from messenger.platform.models.base import Base, new_id, utcnow


class Sender(Base):
    """An SMS sender (a mobile number replies come back to, or a name of 3 to 11 letters that
    cannot be answered) or an email reply-to address. One of each kind may be the default."""

    __tablename__ = "senders"
    # A number belongs to one organisation: replies to it are routed by it.
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_senders_kind_value"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # sms | email
    value: Mapped[str] = mapped_column(String(320))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
