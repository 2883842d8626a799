"""An organisation's calendar: Belgium's holidays, quiet hours, open and working days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from messenger.casework.calendar import belgian_holidays, calendar_of
from messenger.casework.schedule import QuietHours, working_days_after
from messenger.platform.models import Organisation

TODAY = date(2026, 12, 2)  # a Wednesday


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def organisation(**changes: object) -> Organisation:
    """An organisation in memory (no database), office hours, closed on Christmas Eve."""
    settings: dict[str, object] = {
        "name": "OCMW Testgem",
        "quiet_start": "08:00",
        "quiet_end": "18:00",
        "open_weekdays": [0, 1, 2, 3, 4],
        "working_weekdays": [0, 1, 2, 3, 4],
        "flemish_holiday": False,
        "closed_days": ["2026-12-24"],
    }
    settings.update(changes)
    return Organisation(**settings)


# --- belgian_holidays ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # New Year
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),  # Labour Day
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 11),  # Flemish Community
        date(2026, 7, 21),  # National Day
        date(2026, 8, 15),  # Assumption
        date(2026, 11, 1),  # All Saints
        date(2026, 11, 11),  # Armistice
        date(2026, 12, 25),  # Christmas
    ],
)
def test_flemish_holidays_2026(day: date) -> None:
    assert day in belgian_holidays(2026, 2026, flemish=True)


@pytest.mark.parametrize(
    "day",
    [date(2026, 4, 6), date(2026, 7, 21), date(2026, 11, 11), date(2026, 12, 25)],
)
def test_belgian_holidays_without_the_flemish_day(day: date) -> None:
    assert day in belgian_holidays(2026, 2026, flemish=False)


def test_the_flemish_day_is_only_there_when_asked() -> None:
    assert date(2026, 7, 11) in belgian_holidays(2026, 2026, flemish=True)
    assert date(2026, 7, 11) not in belgian_holidays(2026, 2026, flemish=False)
    assert belgian_holidays(2026, 2026, True) - belgian_holidays(2026, 2026, False) == {
        date(2026, 7, 11)
    }


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 12, 2),
        date(2026, 12, 24),
        date(2026, 12, 26),
        date(2026, 4, 3),
        date(2026, 9, 27),
    ],
)
def test_ordinary_days_are_no_holidays(day: date) -> None:
    assert day not in belgian_holidays(2026, 2026, flemish=True)


@pytest.mark.parametrize("flemish", [True, False])
def test_holidays_cover_every_year_asked_and_no_other(flemish: bool) -> None:
    days = belgian_holidays(2025, 2027, flemish)
    assert {day.year for day in days} == {2025, 2026, 2027}
    assert {date(year, 12, 25) for year in (2025, 2026, 2027)} <= days
    assert (date(2025, 7, 11) in days) is flemish


@pytest.mark.parametrize(
    ("year", "easter_monday"),
    [(2025, date(2025, 4, 21)), (2026, date(2026, 4, 6)), (2027, date(2027, 3, 29))],
)
def test_easter_monday_moves_with_easter(year: int, easter_monday: date) -> None:
    assert easter_monday in belgian_holidays(year, year, flemish=True)


# --- calendar_of without an organisation -----------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (utc(2026, 12, 2, 7, 59), False),  # Wednesday 08:59 Brussels
        (utc(2026, 12, 2, 8, 0), True),  # 09:00
        (utc(2026, 12, 2, 12, 0), True),
        (utc(2026, 12, 2, 18, 59), True),  # 19:59
        (utc(2026, 12, 2, 19, 0), False),  # 20:00
        (utc(2026, 12, 7, 8, 0), True),  # Monday
        (utc(2026, 12, 5, 10, 0), True),  # Saturday
        (utc(2026, 12, 6, 10, 0), False),  # Sunday
        (utc(2026, 12, 25, 10, 0), False),  # Christmas, a Friday
        (utc(2026, 12, 24, 10, 0), True),  # Christmas Eve is no holiday
        (utc(2027, 7, 11, 10, 0), False),  # a Sunday anyway
        (utc(2028, 7, 11, 8, 0), False),  # Flemish Community day, a Tuesday
        (utc(2027, 7, 21, 10, 0), False),  # National Day, a Wednesday
        (utc(2027, 6, 2, 7, 0), True),  # summer: 09:00 Brussels is 07:00 UTC
        (utc(2027, 6, 2, 6, 59), False),
        (utc(2027, 6, 2, 17, 59), True),
        (utc(2027, 6, 2, 18, 0), False),
    ],
)
def test_the_default_calendar(moment: datetime, allowed: bool) -> None:
    assert calendar_of(None, today=TODAY).allows(moment) is allowed


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 2), True),  # Wednesday
        (date(2026, 12, 4), True),  # Friday
        (date(2026, 12, 5), False),  # Saturday: open for messages, no working day
        (date(2026, 12, 6), False),  # Sunday
        (date(2026, 12, 25), False),
        (date(2027, 7, 12), True),
    ],
)
def test_the_default_working_days(day: date, working: bool) -> None:
    assert calendar_of(None, today=TODAY).is_working_day(day) is working


def test_the_default_calendar_is_open_on_saturday_but_not_working() -> None:
    quiet = calendar_of(None, today=TODAY)
    saturday = date(2026, 12, 5)
    assert quiet.is_open(saturday)
    assert not quiet.is_working_day(saturday)


def test_the_default_calendar_is_quiet_hours_defaults_with_flemish_holidays() -> None:
    quiet = calendar_of(None, today=TODAY)
    assert (quiet.start, quiet.end, quiet.days, quiet.working_days) == (
        QuietHours().start,
        QuietHours().end,
        frozenset(range(6)),
        frozenset(range(5)),
    )
    assert date(2026, 7, 11) in quiet.holidays


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028, 2029])
def test_holidays_reach_a_year_back_and_three_ahead(year: int) -> None:
    assert date(year, 12, 25) in calendar_of(None, today=TODAY).holidays


@pytest.mark.parametrize("year", [2024, 2030])
def test_holidays_stop_outside_that_range(year: int) -> None:
    assert date(year, 12, 25) not in calendar_of(None, today=TODAY).holidays


# --- calendar_of an organisation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (utc(2026, 12, 2, 6, 59), False),  # Wednesday 07:59 Brussels
        (utc(2026, 12, 2, 7, 0), True),  # 08:00: its own start
        (utc(2026, 12, 2, 16, 59), True),  # 17:59
        (utc(2026, 12, 2, 17, 0), False),  # 18:00: its own end
        (utc(2026, 12, 2, 18, 30), False),  # 19:30: allowed by default, not here
        (utc(2026, 12, 5, 10, 0), False),  # Saturday: closed here
        (utc(2026, 12, 24, 10, 0), False),  # its own closed day
        (utc(2026, 12, 23, 10, 0), True),
        (utc(2026, 12, 25, 10, 0), False),  # Christmas still counts
        (utc(2027, 7, 12, 8, 0), True),  # Monday
        (utc(2028, 7, 11, 8, 0), True),  # Flemish Community day: switched off
        (utc(2028, 7, 21, 8, 0), False),  # National Day
    ],
)
def test_an_organisation_calendar(moment: datetime, allowed: bool) -> None:
    assert calendar_of(organisation(), today=TODAY).allows(moment) is allowed


def test_an_organisation_calendar_takes_every_setting() -> None:
    quiet = calendar_of(organisation(), today=TODAY)
    assert (quiet.start.isoformat(), quiet.end.isoformat()) == ("08:00:00", "18:00:00")
    assert quiet.days == frozenset(range(5))
    assert quiet.working_days == frozenset(range(5))
    assert date(2026, 12, 24) in quiet.holidays
    assert date(2026, 7, 11) not in quiet.holidays


@pytest.mark.parametrize(
    ("flemish", "closed"), [(True, True), (False, False)], ids=["flemish", "not-flemish"]
)
def test_the_flemish_holiday_setting(flemish: bool, closed: bool) -> None:
    quiet = calendar_of(organisation(flemish_holiday=flemish), today=TODAY)
    assert (date(2026, 7, 11) in quiet.holidays) is closed
    assert quiet.allows(utc(2028, 7, 11, 8, 0)) is not closed


@pytest.mark.parametrize("closed_days", [[], None])
def test_no_closed_days(closed_days: list[str] | None) -> None:
    quiet = calendar_of(organisation(closed_days=closed_days), today=TODAY)
    assert quiet.allows(utc(2026, 12, 24, 10, 0))
    assert quiet.holidays == belgian_holidays(2025, 2029, False)


def test_closed_days_are_neither_open_nor_working() -> None:
    quiet = calendar_of(organisation(closed_days=["2026-12-24", "2026-12-31"]), today=TODAY)
    for day in (date(2026, 12, 24), date(2026, 12, 31)):
        assert not quiet.is_open(day)
        assert not quiet.is_working_day(day)


@pytest.mark.parametrize(
    ("open_weekdays", "saturday", "sunday"),
    [
        ([0, 1, 2, 3, 4], False, False),
        ([0, 1, 2, 3, 4, 5], True, False),
        ([0, 1, 2, 3, 4, 5, 6], True, True),
        ([5], True, False),
    ],
)
def test_open_weekdays(open_weekdays: list[int], saturday: bool, sunday: bool) -> None:
    quiet = calendar_of(organisation(open_weekdays=open_weekdays), today=TODAY)
    assert quiet.allows(utc(2026, 12, 5, 10, 0)) is saturday
    assert quiet.allows(utc(2026, 12, 6, 10, 0)) is sunday


@pytest.mark.parametrize(
    ("working_weekdays", "friday", "saturday"),
    [
        ([0, 1, 2, 3, 4], True, False),
        ([0, 1, 2, 3], False, False),
        ([0, 1, 2, 3, 4, 5], True, True),
    ],
)
def test_working_weekdays(working_weekdays: list[int], friday: bool, saturday: bool) -> None:
    quiet = calendar_of(organisation(working_weekdays=working_weekdays), today=TODAY)
    assert quiet.is_working_day(date(2026, 12, 4)) is friday
    assert quiet.is_working_day(date(2026, 12, 5)) is saturday


@pytest.mark.parametrize(
    ("changes", "clue"),
    [
        ({"quiet_start": "8"}, "quiet_start"),
        ({"quiet_start": "acht uur"}, "quiet_start"),
        ({"quiet_end": "25:00"}, "quiet_end"),
        ({"quiet_end": "18:00:00"}, "quiet_end"),
        ({"closed_days": ["24/12/2026"]}, "closed_days"),
        ({"closed_days": ["2026-02-30"]}, "closed_days"),
        ({"quiet_start": "18:00", "quiet_end": "08:00"}, "start before end"),
        ({"open_weekdays": []}, "days must be weekday numbers"),
        ({"working_weekdays": [7]}, "working_days must be weekday numbers"),
    ],
)
def test_a_wrong_setting_is_a_clear_error(changes: dict[str, object], clue: str) -> None:
    with pytest.raises(ValueError, match=clue):
        calendar_of(organisation(**changes), today=TODAY)


# --- working_days_after ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 12, 22), 0, date(2026, 12, 22)),
        (date(2026, 12, 22), 1, date(2026, 12, 23)),  # Tuesday → Wednesday
        # Thursday 24 closed, Friday 25 Christmas, then the weekend.
        (date(2026, 12, 23), 1, date(2026, 12, 28)),
        (date(2026, 12, 22), 2, date(2026, 12, 28)),
        (date(2026, 12, 22), 3, date(2026, 12, 29)),
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # from a closed day
        (date(2026, 12, 25), 1, date(2026, 12, 28)),
        (date(2026, 12, 26), 1, date(2026, 12, 28)),  # from a Saturday
        (date(2026, 12, 23), 5, date(2027, 1, 4)),  # New Year's Day, a Friday, too
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        (date(2026, 12, 18), 5, date(2026, 12, 29)),  # 21, 22, 23, 28, 29
    ],
)
def test_working_days_after_across_christmas(day: date, count: int, expected: date) -> None:
    quiet = calendar_of(organisation(), today=TODAY)
    assert working_days_after(day, count, quiet) == expected
    assert count == 0 or quiet.is_working_day(expected)


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 12, 23), 1, date(2026, 12, 24)),  # Christmas Eve is open by default
        (date(2026, 12, 24), 1, date(2026, 12, 28)),
        (date(2026, 12, 23), 5, date(2026, 12, 31)),
    ],
)
def test_working_days_after_with_the_default_calendar(
    day: date, count: int, expected: date
) -> None:
    assert working_days_after(day, count, calendar_of(None, today=TODAY)) == expected


def test_working_days_after_a_negative_count_is_an_error() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        working_days_after(TODAY, -1, calendar_of(organisation(), today=TODAY))
