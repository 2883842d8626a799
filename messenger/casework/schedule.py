"""When each step of an organisation's plan goes out, relative to a LAC session (issue 5).

Pure timing: no channels, no storage, no clock. Every moment returned is an aware UTC
datetime; every rule about days and hours is judged on the Brussels wall clock, built with
zoneinfo so the daylight-saving changes (last Sunday of March and of October) land right.

Rules for the edge cases:

- A wall-clock time that does not exist (02:30 on the spring-forward day) moves forward by
  the gap, to 03:30 summer time; an ambiguous one (02:30 on the fall-back day) is the first,
  summer-time occurrence (zoneinfo's fold=0).
- ``hours_before`` is elapsed time (48 hours before a Monday 10:00 summer-time session is
  Saturday 09:00 winter time); ``days_before`` counts calendar days on the wall clock.
- A step planned before the session never goes out at or after it. When waiting for quiet
  hours would reach the session start, the step goes out earlier instead, in the last allowed
  minute before the session: for a Monday 09:00 session that is Saturday 19:59. Early and
  slightly odd beats arriving after the appointment.
- Moving a session is ``plan_times`` again with the new start: pending steps get new times,
  steps whose new time has passed drop out, like for a client added late.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from messenger.platform.dates import BRUSSELS

_ONE_DAY = timedelta(days=1)
_LAST_MINUTE = timedelta(minutes=1)


def _local(moment: datetime) -> datetime:
    """Brussels wall clock of an aware moment.

    Through UTC on purpose: ``astimezone`` to the moment's own zone is a no-op, which would
    keep a non-existent 02:30 as if it were real.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"'{moment.isoformat()}' has no time zone; give an aware datetime")
    return moment.astimezone(UTC).astimezone(BRUSSELS)


def _at(day: date, at: time) -> datetime:
    """The UTC moment of a Brussels wall-clock time on a day (fold=0, see the module rules)."""
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=BRUSSELS)
    return wall.astimezone(UTC)


@dataclass(frozen=True)
class QuietHours:
    """When messages may reach a client: [start, end) local time on open days.

    ``days`` are Python weekday numbers (0 = Monday) messages may go out on; ``working_days``
    are those that count in "N working days after"; ``holidays`` are closed dates for both.
    """

    start: time = time(9)
    end: time = time(20)
    days: frozenset[int] = frozenset(range(6))
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are Brussels wall-clock times: give them without a zone")
        if not self.start < self.end:
            raise ValueError(
                f"quiet hours need start before end (got {self.start:%H:%M}–{self.end:%H:%M})"
            )
        # At least one open weekday and finitely many holidays: every search below ends.
        for name, numbers in (("days", self.days), ("working_days", self.working_days)):
            if not numbers or not numbers <= frozenset(range(7)):
                raise ValueError(
                    f"{name} must be weekday numbers 0 (Monday) to 6 (Sunday), at least one"
                )

    def is_working_day(self, day: date) -> bool:
        """Whether this day counts in "N working days after" (Monday to Friday by default)."""
        return day.weekday() in self.working_days and day not in self.holidays

    def is_open(self, day: date) -> bool:
        """Whether messages may go out at all on this calendar day."""
        return day.weekday() in self.days and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's allowed span in UTC, or None when closed (or emptied by a DST gap)."""
        if not self.is_open(day):
            return None
        opens, closes = _at(day, self.start), _at(day, self.end)
        return (opens, closes) if opens < closes else None

    def allows(self, moment: datetime) -> bool:
        """Whether a message may go out at this (aware) moment."""
        window = self._window(_local(moment).date())
        return window is not None and window[0] <= moment < window[1]

    def next_allowed(self, moment: datetime) -> datetime:
        """The moment itself if allowed, else the opening of the next allowed window (UTC)."""
        if self.allows(moment):
            return moment.astimezone(UTC)
        day = _local(moment).date()
        while True:
            window = self._window(day)
            if window is not None and window[0] > moment:
                return window[0]
            day += _ONE_DAY

    def last_allowed_before(self, moment: datetime) -> datetime:
        """The start of the last allowed minute before ``moment`` (UTC).

        Inside a window that is one minute earlier (never before the window opens); otherwise
        the previous window's closing time minus one minute.
        """
        day = _local(moment).date()
        while True:
            window = self._window(day)
            if window is not None and window[0] < moment:
                opens, closes = window
                return max(opens, min(closes, moment.astimezone(UTC)) - _LAST_MINUTE)
            day -= _ONE_DAY


@dataclass(frozen=True)
class Step:
    """One step of a plan, timing only.

    ``days_before`` counts calendar days before the session's local date (0 = that day,
    negative = after it, for aftercare). Then either ``at`` (a local time of day) or
    ``hours_before`` (elapsed hours before the session's own time, shifted by
    ``days_before``; negative = after).
    """

    name: str
    days_before: int
    at: time | None = None
    hours_before: float | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a step needs a name")
        if (self.at is None) == (self.hours_before is None):
            raise ValueError(
                f"step '{self.name}': give either a time of day (at) "
                "or hours before the session (hours_before), exactly one"
            )
        if self.at is not None and self.at.tzinfo is not None:
            raise ValueError(f"step '{self.name}': 'at' is a Brussels wall-clock time, no zone")
        if self.hours_before is not None and not math.isfinite(self.hours_before):
            raise ValueError(f"step '{self.name}': hours_before must be a finite number")


def due_at(step: Step, session_start: datetime, quiet: QuietHours) -> datetime:
    """The UTC moment the step goes out for a session (see the module rules)."""
    session_local = _local(session_start)  # first: it rejects a naive start
    session = session_local.astimezone(UTC)
    day = session_local.date() - timedelta(days=step.days_before)
    if step.at is not None:
        planned = _at(day, step.at)
    else:
        assert step.hours_before is not None  # guaranteed by Step.__post_init__
        # Same day: use the session itself, so an ambiguous start keeps its fold.
        base = session if step.days_before == 0 else _at(day, session_local.time())
        planned = base - timedelta(hours=step.hours_before)
    due = quiet.next_allowed(planned)
    if planned < session <= due:
        return quiet.last_allowed_before(session)
    return due


def plan_times(
    steps: Sequence[Step], session_start: datetime, quiet: QuietHours, *, now: datetime
) -> list[tuple[Step, datetime]]:
    """The steps still ahead of ``now`` (due strictly later), in time order.

    Steps due at the same moment keep the plan's order.
    """
    _local(now)  # an aware "now" only: comparing with a naive one would be a silent guess
    timed = [(step, due_at(step, session_start, quiet)) for step in steps]
    return sorted((pair for pair in timed if pair[1] > now), key=lambda pair: pair[1])


def working_days_after(day: date, count: int, quiet: QuietHours) -> date:
    """The date ``count`` working days after ``day`` (1 = the next one; 0 = ``day``)."""
    if count < 0:
        raise ValueError(f"count must be 0 or more (got {count})")
    remaining = count
    while remaining:
        day += _ONE_DAY
        if quiet.is_working_day(day):
            remaining -= 1
    return day
