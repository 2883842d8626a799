"""The social work around the messages: clients, consent, partners, LAC sessions, cases and
the reminders a plan schedules for them. Only what is needed to reach a client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column

from messenger.platform.models.base import Base, new_id, utcnow


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (
        # A case list finds its known clients by number and by email (case_list_lookups.py).
        Index("ix_clients_org_phone", "organisation_id", "phone_number"),
        Index("ix_clients_org_email", "organisation_id", "email"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    phone_number: Mapped[str | None] = mapped_column(String(20), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    address_lines: Mapped[list[str]] = mapped_column(default=list)
    # Safety flags always win over plans and consent.
    no_sms: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    no_letters_at_home: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    shared_phone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A keyed hash (HMAC) of the national register number (INSZ), never the number itself:
    # enough to recognise a known client in the next case list, useless to anyone else.
    national_number_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffMember(Base):
    """A social worker clients can call: the case's worker fills the templates' contact."""

    __tablename__ = "staff_members"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    team: Mapped[str | None] = mapped_column(String(200), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Partner(Base):
    """An intermediary organisation: a neighbourhood association, a social grocery, …"""

    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Shown to clients in the partner block.
    phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    opening_hours: Mapped[str] = mapped_column(String(300))
    # Where shared-contact notices go.
    notice_email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentRecord(Base):
    """One statement of consent, given or withdrawn; the latest per purpose counts."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_client_purpose", "client_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"))
    # sms | email | share-partner
    purpose: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"), default=None)
    # share-partner: which of the client's details may be shared (name, phone, email, address).
    fields: Mapped[list[str]] = mapped_column(default=list)
    given: Mapped[bool] = mapped_column(Boolean)
    # in-person | phone | paper | sms | email: how the client said it.
    method: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerNotice(Base):
    """What a partner was told: a client shares contact details, or withdrew that."""

    __tablename__ = "partner_notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"))
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent_records.id"))
    # shared | withdrawn
    kind: Mapped[str] = mapped_column(String(10))
    # Only the consented details, as the partner sees them.
    shared: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), default=None)


class LacSession(Base):
    __tablename__ = "lac_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column()
    place: Mapped[str] = mapped_column(String(300))
    # A short form of the place for SMS ("Sociaal Huis Gent"); SMS use `place` without one.
    place_short: Mapped[str | None] = mapped_column(String(40), default=None)
    # planned | cancelled
    status: Mapped[str] = mapped_column(String(10), default="planned")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Case(Base):
    """One client's file for one LAC procedure."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"), index=True)
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("lac_sessions.id"), default=None, index=True
    )
    # unpaid-bills | reconnection
    reason: Mapped[str] = mapped_column(String(20))
    water_company: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
    # open | cancelled | closed
    status: Mapped[str] = mapped_column(String(10), default="open")
    # The partner to name in the client's messages, when the client consented to sharing.
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"), default=None)
    # The social worker clients can call (a staff member); the worker_* fields below, when
    # given, override the staff member's details; the organisation's profile fills the rest.
    worker_id: Mapped[str | None] = mapped_column(ForeignKey("staff_members.id"), default=None)
    worker_name: Mapped[str | None] = mapped_column(String(200), default=None)
    worker_phone: Mapped[str | None] = mapped_column(String(40), default=None)
    worker_email: Mapped[str | None] = mapped_column(String(320), default=None)
    # An appointment offered before the session (the plan's appointment step needs one).
    appointment_at: Mapped[datetime | None] = mapped_column(default=None)
    # The client confirmed it (a "JA" reply, or recorded by hand).
    appointment_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderPlan(Base):
    """An organisation's plan: which steps go out when, relative to the session."""

    __tablename__ = "reminder_plans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), unique=True)
    # [{name, days_before, at | hours_before, channels, templates, fallback_after_hours}]
    steps: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reminder(Base):
    """One step of a plan for one case: when it is due and what became of it."""

    __tablename__ = "reminders"
    __table_args__ = (
        # The cron's "what is due"; and a case's own steps, in time order. Without the second,
        # SQLite reads every pending reminder of every case to find one case's (bench/pages.py).
        Index("ix_reminders_status_due", "status", "due_at"),
        Index("ix_reminders_case_status_due", "case_id", "status", "due_at"),
        # The fallback cron's "sent, and may still need a fallback", oldest first; and "has
        # this one a fallback already" (fallbacks.py).
        Index("ix_reminders_status_fallback_done", "status", "fallback_done", "updated_at"),
        Index("ix_reminders_fallback_of", "fallback_of"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    step: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime] = mapped_column()
    # pending | sent | cancelled | skipped
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # The channels still to try, in order (the first one is tried next).
    channels: Mapped[list[str]] = mapped_column(default=list)
    channel: Mapped[str | None] = mapped_column(String(10), default=None)
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id"), default=None)
    # A fallback step points at the reminder whose channel failed.
    fallback_of: Mapped[str | None] = mapped_column(ForeignKey("reminders.id"), default=None)
    # Sent, and nothing more for the fallback cron to do: its fallback was made, none can be
    # (the last channel, the session began), or the message arrived (fallbacks.py).
    fallback_done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Why a channel was passed over or the step skipped, for the worker and the reports.
    note: Mapped[str] = mapped_column(Text, default="")
    # When planned, no channel could reach the client: the social worker saw that in the
    # plan preview, so a skip on the day is no news (an unforeseen one becomes a task).
    expected_skip: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseEvent(Base):
    """Something that happened on a case: an outcome, a water company's report, …"""

    __tablename__ = "case_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    # outcome | payment-plan-failed | flow-limiter-fitted | cut-off | reconnected | other
    kind: Mapped[str] = mapped_column(String(30))
    # social-worker | water-company | system
    source: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reported_by: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactAttempt(Base):
    """Any effort to reach a client; messages count automatically, the rest is recorded."""

    __tablename__ = "contact_attempts"
    __table_args__ = (Index("ix_contact_attempts_org_at", "organisation_id", "attempted_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"), index=True)
    # Indexed: a due reminder asks whether its case's client was reached (conditions.py).
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), default=None, index=True)
    # call | home-visit-announced | home-visit-unannounced | card | appointment | other
    method: Mapped[str] = mapped_column(String(30))
    # reached | not-reached | left-card | attended | missed
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))


class Task(Base):
    """Work for a social worker: call back, a client who could not come, a failed plan."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_org_open", "organisation_id", "closed_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    client_id: Mapped[str | None] = mapped_column(ForeignKey("clients.id"), default=None)
    # Indexed: a step that reached nobody looks for its case's open task (reminder_sending.py).
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), default=None, index=True)
    # call-back | cannot-come | outreach | payment-plan-failed | reply
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    received_message_id: Mapped[str | None] = mapped_column(
        ForeignKey("received_messages.id"), default=None
    )
    assigned_to: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(200), default=None)


class AuditEvent(Base):
    """Something done to personal data that must be accountable even when nothing else about
    the person is left (an erasure of a client who had no case, say)."""

    __tablename__ = "audit_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    # client-erased
    kind: Mapped[str] = mapped_column(String(30))
    # The id of what it was done to (a client): no foreign key, the audit outlives the row.
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_by: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
