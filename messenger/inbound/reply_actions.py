"""What a reply does, once it is stored and linked to the message it answers.

- "JA" confirms the case's offered appointment, and the plan's "appointment-confirmed"
  steps (a confirmation) go out, once per appointment;
- "NEE" (cannot come) and "BEL MIJ" (call me) become tasks in the inbox;
- STOP and START are handled by the opt-out flow; nothing left to do;
- anything else waits in the inbox until someone marks it handled.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import inbox, reminders
from messenger.inbound import replies
from messenger.platform.models import Case, Message, ReceivedMessage, Task, utcnow

_TASK_FOR = {
    replies.DECLINE: ("cannot-come", "Kan niet komen: zoek samen een ander moment"),
    replies.CALL: ("call-back", "Vraagt om teruggebeld te worden"),
}


async def act_on_reply(session: AsyncSession, received: ReceivedMessage) -> Task | None:
    """Link a stored reply to its client and case, and do what it asks. Caller commits."""
    await session.flush()  # the reply's id, for a task that points at it
    answered = await session.get(Message, received.in_reply_to) if received.in_reply_to else None
    if answered is not None:
        received.client_id, received.case_id = answered.client_id, answered.case_id
    if received.intent in (replies.STOP, replies.START):
        _handled(received)
        return None
    if received.intent == replies.CONFIRM:
        case = await session.get(Case, received.case_id) if received.case_id else None
        if case is not None and case.appointment_at is not None:
            first = case.appointment_confirmed_at is None
            case.appointment_confirmed_at = received.created_at
            _handled(received)
            if first:  # a second "JA" needs no second confirmation
                await reminders.schedule_after(
                    session, case, "appointment-confirmed", received.created_at
                )
        return None
    if received.intent in _TASK_FOR:
        kind, title = _TASK_FOR[received.intent]
        _handled(received)
        return inbox.open_task(
            session,
            received.organisation_id,
            kind,
            title,
            client_id=received.client_id,
            case_id=received.case_id,
            received_message_id=received.id,
        )
    return None


def _handled(received: ReceivedMessage) -> None:
    received.handled_at, received.handled_by = utcnow(), inbox.SYSTEM
