"""Every table, in one import: `from messenger.platform.models import Message`.

base.py holds the shared base; messaging.py the sending side; casework.py the social work
around it (clients, consent, partners, sessions, cases, reminders); accounts.py the people
who sign in to the web pages; senders.py who messages come from; callbacks.py the
organisation's callback addresses and their outbox; complaints.py emails marked as spam.
"""

from messenger.platform.models.accounts import Account, WebSession
from messenger.platform.models.base import Base, UTCDateTime, new_id, utcnow
from messenger.platform.models.callbacks import Callback, CallbackDelivery, CallbackFailure
from messenger.platform.models.casework import (
    AuditEvent,
    Case,
    CaseEvent,
    Client,
    ConsentRecord,
    ContactAttempt,
    LacSession,
    Partner,
    PartnerNotice,
    Reminder,
    ReminderPlan,
    StaffMember,
    Task,
)
from messenger.platform.models.complaints import Complaint
from messenger.platform.models.messaging import (
    ApiKey,
    LetterFile,
    Message,
    MessageEvent,
    OptOutRecord,
    Organisation,
    PrintBatch,
    ReceivedMessage,
    Template,
    TemplateVersion,
)
from messenger.platform.models.senders import Sender

__all__ = [
    "Account",
    "ApiKey",
    "AuditEvent",
    "Base",
    "Callback",
    "CallbackDelivery",
    "CallbackFailure",
    "Case",
    "CaseEvent",
    "Client",
    "Complaint",
    "ConsentRecord",
    "ContactAttempt",
    "LacSession",
    "LetterFile",
    "Message",
    "MessageEvent",
    "OptOutRecord",
    "Organisation",
    "Partner",
    "PartnerNotice",
    "PrintBatch",
    "ReceivedMessage",
    "Reminder",
    "ReminderPlan",
    "Sender",
    "StaffMember",
    "Task",
    "Template",
    "TemplateVersion",
    "UTCDateTime",
    "WebSession",
    "new_id",
    "utcnow",
]
