"""Reminders: a plan's steps for each case, sent when due on the first channel that may be used.

- Planning (reminder_planning.py): `schedule_case`, `schedule_after`, `reschedule_session`,
  `reschedule_appointment`, `cancel_pending`, `tell_told` and `foresee` write and move one
  pending row per step, at the Brussels time the plan and the quiet hours give (schedule.py).
- Sending (reminder_sending.py): `send_due` (a worker cron) sends every due reminder on the
  first channel the client can be reached on, and notes why others were passed over.
- Fallbacks to the next channel when an SMS fails or stalls are in fallbacks.py.
Every decision is written on the reminder (`note`), so a social worker can see why.
This module is the one name for both halves.
"""

from __future__ import annotations

from messenger.casework.reminder_planning import (
    BATCH,
    CANCELLED,
    PENDING,
    SENT,
    SKIPPED,
    calendar_for,
    cancel_pending,
    foresee,
    reschedule_appointment,
    reschedule_session,
    schedule_after,
    schedule_case,
    tell_told,
)
from messenger.casework.reminder_sending import send_due

__all__ = [
    "BATCH",
    "CANCELLED",
    "PENDING",
    "SENT",
    "SKIPPED",
    "calendar_for",
    "cancel_pending",
    "foresee",
    "reschedule_appointment",
    "reschedule_session",
    "schedule_after",
    "schedule_case",
    "send_due",
    "tell_told",
]
