"""Organisations (tenants): one OCMW each; several may share an installation.

Besides its senders, an organisation has a contact profile (who clients can call or visit
when a case names no social worker) and a calendar (quiet hours, open and working days,
closed days), both read by the reminders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.calendar import calendar_of, parse_clock, parse_closed_day
from messenger.messages import senders
from messenger.messages.recipients import normalise_email_address
from messenger.platform.models import Organisation


async def create_organisation(session: AsyncSession, name: str) -> Organisation:
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise ValueError("An organisation name needs 1 to 200 characters.")
    organisation = Organisation(name=clean)
    session.add(organisation)
    await session.flush()
    return organisation


async def update_organisation(
    session: AsyncSession,
    organisation_id: str,
    *,
    sms_sender: str | None = None,
    letter_sender: str | None = None,
    letter_logo: bool | None = None,
    sms_transliterate: bool | None = None,
    retention_days: int | None = None,
) -> Organisation:
    """Change what is given; None leaves a setting as it is. `sms_sender` becomes the default
    SMS sender (senders.py); empty, the organisation has none of its own."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise LookupError(f"No organisation with id {organisation_id}.")
    if sms_sender is not None:
        await senders.set_default_sms_number(session, organisation_id, sms_sender)
    if letter_sender is not None:
        lines = [line.strip() for line in letter_sender.split("|") if line.strip()]
        if not 1 <= len(lines) <= 6:
            raise ValueError("letter_sender needs 1 to 6 lines, separated by '|'")
        organisation.letter_sender = "|".join(lines)
    if letter_logo is not None:
        organisation.letter_logo = letter_logo
    if sms_transliterate is not None:
        organisation.sms_transliterate = sms_transliterate
    if retention_days is not None:
        if not 1 <= retention_days <= 3650:
            raise ValueError("retention_days must be between 1 and 3650")
        organisation.message_retention_days = retention_days
    await session.flush()
    return organisation


# The contact profile the templates fill in when a case's worker has no such detail.
PROFILE_LIMITS = {
    "contact_name": 200,
    "contact_phone": 40,
    "contact_email": 320,
    "walk_in_address": 300,
    "opening_hours": 300,
    "website": 300,
    "signature": 300,
}
CALENDAR_FIELDS = (
    "quiet_start",
    "quiet_end",
    "open_weekdays",
    "working_weekdays",
    "flemish_holiday",
    "closed_days",
)


async def update_profile(
    session: AsyncSession, organisation_id: str, changes: Mapping[str, Any]
) -> Organisation:
    """Change the contact profile and the calendar; only the fields given. The caller commits
    only when this returns: a bad value raises ValueError naming the field."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise LookupError(f"No organisation with id {organisation_id}.")
    unknown = set(changes) - set(PROFILE_LIMITS) - set(CALENDAR_FIELDS)
    if unknown:
        raise ValueError(f"{sorted(unknown)[0]}: not a profile or calendar setting")
    for field, value in changes.items():
        if field in PROFILE_LIMITS:
            setattr(organisation, field, _profile_value(field, value))
            continue
        if value is None:  # a calendar setting has no "empty": say what it should be
            raise ValueError(f"{field}: give a value (null does not clear a calendar setting)")
        if field in ("open_weekdays", "working_weekdays"):
            setattr(organisation, field, _weekdays(field, value))
        elif field == "closed_days":
            organisation.closed_days = sorted({parse_closed_day(str(d)).isoformat() for d in value})
        elif field == "flemish_holiday":
            if not isinstance(value, bool):
                raise ValueError("flemish_holiday: true or false")
            organisation.flemish_holiday = value
        else:
            setattr(organisation, field, f"{parse_clock(str(value), field):%H:%M}")
    try:
        calendar_of(organisation)  # the whole calendar must still hold (start before end, …)
    except ValueError as exc:
        raise ValueError(f"quiet_start/quiet_end: {exc}") from None
    await session.flush()
    return organisation


def _profile_value(field: str, value: Any) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        return None
    if len(text) > PROFILE_LIMITS[field]:
        raise ValueError(f"{field}: at most {PROFILE_LIMITS[field]} characters")
    if field == "contact_email":
        return normalise_email_address(text, field)
    return text


def _weekdays(field: str, value: Any) -> list[int]:
    try:
        days = sorted({int(d) for d in value})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}: a list of weekday numbers, 0 (Monday) to 6 (Sunday)") from exc
    if not days or not set(days) <= set(range(7)):
        raise ValueError(f"{field}: a list of weekday numbers, 0 (Monday) to 6 (Sunday)")
    return days
