"""Every table, in one import: `from messenger.models import Message`.

base.py holds the shared base; messaging.py the sending side; casework.py the social work
around it (clients, consent, partners, sessions, cases, reminders).
"""

from messenger.models.base import Base, UTCDateTime, new_id, utcnow
from messenger.models.casework import (
    Case,
    Client,
    ConsentRecord,
    LacSession,
    Partner,
    PartnerNotice,
    Reminder,
    ReminderPlan,
)
from messenger.models.messaging import (
    ApiKey,
    Message,
    MessageEvent,
    OptOutRecord,
    Organisation,
    PrintBatch,
    ReceivedMessage,
    Template,
    TemplateVersion,
)

__all__ = [
    "ApiKey",
    "Base",
    "Case",
    "Client",
    "ConsentRecord",
    "LacSession",
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
    "Template",
    "TemplateVersion",
    "UTCDateTime",
    "new_id",
    "utcnow",
]
