"""The JSON a callback carries, in GOV.UK Notify's shapes, so a receiver written for Notify
reads ours unchanged.

Sources: Notify's API documentation ("Callbacks": delivery receipts, received text messages,
returned letters) and notifications-api's app/celery/service_callback_tasks.py, which builds
the bodies it POSTs (complaints: `create_complaint_callback_data` and
`send_complaint_to_service`). Times are Notify's `2017-05-14T12:15:30.000000Z` (UTC). All
values are strings or null, but `template_version`, a number.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# Notify's DATETIME_FORMAT.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def notify_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def delivery_status(
    *,
    message_id: str,
    reference: str | None,
    to: str,
    status: str,
    created_at: datetime,
    completed_at: datetime,
    sent_at: datetime | None,
    notification_type: str,
    template_id: str,
    template_version: int,
) -> dict[str, Any]:
    """A delivery receipt: the message's status when it changed. `completed_at` is "the last
    time the status was updated" (Notify sends its `updated_at`)."""
    return {
        "id": message_id,
        "reference": reference,
        "to": to,
        "status": status,
        "created_at": notify_time(created_at),
        "completed_at": notify_time(completed_at),
        "sent_at": notify_time(sent_at),
        "notification_type": notification_type,
        "template_id": template_id,
        "template_version": template_version,
    }


def inbound_sms(
    *, received_id: str, source_number: str, destination_number: str, message: str, at: datetime
) -> dict[str, Any]:
    """A text message a client sent us. Notify writes the client's number in international
    format without the "+" (447700912345); ours are E.164, so the "+" is dropped."""
    return {
        "id": received_id,
        "source_number": source_number.removeprefix("+"),
        "destination_number": destination_number,
        "message": message,
        "date_received": notify_time(at),
    }


def returned_letter(
    *,
    message_id: str,
    reference: str | None,
    date_sent: datetime,
    sent_by: str | None,
    template_name: str | None,
    template_id: str,
    template_version: int,
) -> dict[str, Any]:
    """A letter that came back. Messenger has no spreadsheet uploads or uploaded letters:
    those three of Notify's fields are always null."""
    return {
        "notification_id": message_id,
        "reference": reference,
        "date_sent": notify_time(date_sent),
        "sent_by": sent_by,
        "template_name": template_name,
        "template_id": template_id,
        "template_version": template_version,
        "spreadsheet_file_name": None,
        "spreadsheet_row_number": None,
        "upload_letter_file_name": None,
    }


def complaint(
    *,
    complaint_id: str,
    message_id: str,
    reference: str | None,
    to: str,
    complaint_date: datetime,
) -> dict[str, Any]:
    """An email the client marked as spam: `to` is the address it was sent to, and
    `complaint_date` when the mailbox provider had the report (or when we did)."""
    return {
        "notification_id": message_id,
        "complaint_id": complaint_id,
        "reference": reference,
        "to": to,
        "complaint_date": notify_time(complaint_date),
    }
