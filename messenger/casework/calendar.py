"""An organisation's calendar: when messages may go out, and which days are working days.

Belgium's public holidays come from the `holidays` package. The Flemish Community's day
(11 July) is not a public holiday there, but most Flemish OCMWs close: it is on unless the
organisation switches it off. An organisation adds its municipality's own closed days.
"""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache

import holidays

from messenger.casework.schedule import QuietHours
from messenger.platform.models import Organisation

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
# Plans reach at most a few months ahead and back: holidays for these years are enough.
_YEARS_BEFORE, _YEARS_AFTER = 1, 3


@lru_cache(maxsize=16)
def belgian_holidays(first_year: int, last_year: int, flemish: bool) -> frozenset[date]:
    days = set(holidays.country_holidays("BE", years=range(first_year, last_year + 1)))
    if flemish:
        days |= {date(year, 7, 11) for year in range(first_year, last_year + 1)}
    return frozenset(days)


def parse_clock(value: str, field: str) -> time:
    """'09:00' → 09:00; a clear error naming the field otherwise."""
    try:
        hours, minutes = value.strip().split(":")
        if not (1 <= len(hours) <= 2 and len(minutes) == 2):
            raise ValueError(value)
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"{field}: write a time as HH:MM, e.g. 09:00 (got {value!r})") from exc


def parse_closed_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"closed_days: write a date as YYYY-MM-DD (got {value!r})") from exc


def calendar_of(organisation: Organisation | None, *, today: date | None = None) -> QuietHours:
    """The organisation's quiet hours, open days, working days and closed days."""
    if organisation is None:
        return QuietHours(holidays=_holidays(today, flemish=True))
    closed = frozenset(parse_closed_day(d) for d in organisation.closed_days or [])
    return QuietHours(
        start=parse_clock(organisation.quiet_start, "quiet_start"),
        end=parse_clock(organisation.quiet_end, "quiet_end"),
        days=frozenset(organisation.open_weekdays),
        working_days=frozenset(organisation.working_weekdays),
        holidays=_holidays(today, flemish=organisation.flemish_holiday) | closed,
    )


def _holidays(today: date | None, *, flemish: bool) -> frozenset[date]:
    year = (today or date.today()).year
    return belgian_holidays(year - _YEARS_BEFORE, year + _YEARS_AFTER, flemish)
