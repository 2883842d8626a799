"""Dates and times the way a client reads them, in Europe/Brussels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from messenger.platform.dates import (
    BRUSSELS,
    format_date,
    format_datetime,
    format_time,
    to_brussels,
)

WINTER = "2026-12-08T10:00:00+01:00"
WINTER_HALF = "2026-12-08T10:30:00+01:00"


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (WINTER, "nl", "dinsdag 8 december 2026 om 10 uur"),
        (WINTER_HALF, "nl", "dinsdag 8 december 2026 om 10.30 uur"),
        (WINTER, "fr", "mardi 8 décembre 2026 à 10 h"),
        (WINTER_HALF, "fr", "mardi 8 décembre 2026 à 10 h 30"),
        (WINTER, "en", "Tuesday 8 December 2026 at 10:00"),
        (WINTER_HALF, "en", "Tuesday 8 December 2026 at 10:30"),
        ("2026-05-01T09:05:00+02:00", "nl", "vrijdag 1 mei 2026 om 9.05 uur"),
        ("2026-05-01T09:05:00+02:00", "fr", "vendredi 1 mai 2026 à 9 h 05"),
        ("2026-05-01T09:05:00+02:00", "en", "Friday 1 May 2026 at 9:05"),
    ],
)
def test_format_datetime(value: str, language: str, expected: str) -> None:
    assert format_datetime(value, language) == expected


def test_dutch_is_the_default_and_unknown_languages_fall_back_to_it() -> None:
    expected = "dinsdag 8 december 2026 om 10 uur"
    assert format_datetime(WINTER) == expected
    assert format_datetime(WINTER, "de") == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (WINTER, "nl", "dinsdag 8 december 2026"),
        (WINTER, "fr", "mardi 8 décembre 2026"),
        (WINTER, "en", "Tuesday 8 December 2026"),
        ("2026-12-08", "nl", "dinsdag 8 december 2026"),
        (" 2026-12-08 ", "nl", "dinsdag 8 december 2026"),
        ("2026-12-08", "fr", "mardi 8 décembre 2026"),
        ("2026-12-08", "en", "Tuesday 8 December 2026"),
        (date(2027, 1, 1), "nl", "vrijdag 1 januari 2027"),
        (datetime(2026, 12, 8, 10, tzinfo=BRUSSELS), "nl", "dinsdag 8 december 2026"),
    ],
)
def test_format_date(value: object, language: str, expected: str) -> None:
    assert format_date(value, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "8 december 2026"), ("fr", "8 décembre 2026"), ("en", "8 December 2026")],
)
def test_format_date_without_weekday(language: str, expected: str) -> None:
    assert format_date(WINTER, language, weekday=False) == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (WINTER, "nl", "10 uur"),
        (WINTER_HALF, "nl", "10.30 uur"),
        (WINTER, "fr", "10 h"),
        (WINTER_HALF, "fr", "10 h 30"),
        (WINTER, "en", "10:00"),
        (WINTER_HALF, "en", "10:30"),
        (time(9, 5), "nl", "9.05 uur"),
        (time(9, 5), "fr", "9 h 05"),
        (time(9, 5), "en", "9:05"),
        (time(0, 0), "nl", "0 uur"),
        ("2026-12-08T23:59", "nl", "23.59 uur"),
    ],
)
def test_format_time(value: object, language: str, expected: str) -> None:
    assert format_time(value, language) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # winter: Brussels is UTC+1
        ("2026-12-08T09:00:00Z", "dinsdag 8 december 2026 om 10 uur"),
        ("2026-12-08T09:00:00+00:00", "dinsdag 8 december 2026 om 10 uur"),
        ("2026-12-08T09:30:00.000000Z", "dinsdag 8 december 2026 om 10.30 uur"),
        # summer: Brussels is UTC+2
        ("2026-07-01T08:00:00+00:00", "woensdag 1 juli 2026 om 10 uur"),
        ("2026-07-01T08:00:00Z", "woensdag 1 juli 2026 om 10 uur"),
        # other offsets
        ("2026-12-08T04:00:00-05:00", "dinsdag 8 december 2026 om 10 uur"),
        ("2026-07-01T10:00:00+02:00", "woensdag 1 juli 2026 om 10 uur"),
        # UTC evening is the next day in Brussels
        ("2026-12-07T23:30:00Z", "dinsdag 8 december 2026 om 0.30 uur"),
    ],
)
def test_offsets_are_converted_to_brussels(value: str, expected: str) -> None:
    assert format_datetime(value, "nl") == expected


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 8, 9, tzinfo=UTC),
        datetime(2026, 12, 8, 9, tzinfo=timezone(timedelta(0))),
        datetime(2026, 12, 8, 10, tzinfo=BRUSSELS),
        datetime(2026, 12, 8, 10),
    ],
)
def test_datetime_objects(value: datetime) -> None:
    assert format_datetime(value, "nl") == "dinsdag 8 december 2026 om 10 uur"


@pytest.mark.parametrize(
    "value",
    ["2026-12-08T10:00", "2026-12-08 10:00", "2026-12-08T10:00:00", " 2026-12-08T10:00 "],
)
def test_naive_strings_are_brussels_local_time(value: str) -> None:
    assert format_datetime(value, "nl") == "dinsdag 8 december 2026 om 10 uur"
    assert to_brussels(value) == datetime(2026, 12, 8, 10, tzinfo=BRUSSELS)


def test_naive_summer_time_keeps_its_hour() -> None:
    assert format_datetime("2026-07-01T10:00", "nl") == "woensdag 1 juli 2026 om 10 uur"
    assert to_brussels("2026-07-01T10:00").utcoffset() == timedelta(hours=2)


def test_utc_evening_is_the_next_day_in_format_date() -> None:
    assert format_date("2026-12-07T23:30:00Z", "nl") == "dinsdag 8 december 2026"
    assert format_date("2026-07-01T22:30:00Z", "en") == "Thursday 2 July 2026"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # 2026-03-29: 02:00 CET becomes 03:00 CEST (at 01:00 UTC)
        ("2026-03-29T00:30:00Z", "zondag 29 maart 2026 om 1.30 uur"),
        ("2026-03-29T01:30:00Z", "zondag 29 maart 2026 om 3.30 uur"),
        ("2026-03-29T08:00:00Z", "zondag 29 maart 2026 om 10 uur"),
        ("2026-03-28T09:00:00Z", "zaterdag 28 maart 2026 om 10 uur"),
        # 2026-10-25: 03:00 CEST becomes 02:00 CET (at 01:00 UTC), 02:30 happens twice
        ("2026-10-25T00:30:00Z", "zondag 25 oktober 2026 om 2.30 uur"),
        ("2026-10-25T01:30:00Z", "zondag 25 oktober 2026 om 2.30 uur"),
        ("2026-10-25T09:00:00Z", "zondag 25 oktober 2026 om 10 uur"),
        ("2026-10-24T08:00:00Z", "zaterdag 24 oktober 2026 om 10 uur"),
    ],
)
def test_daylight_saving_change_days(value: str, expected: str) -> None:
    assert format_datetime(value, "nl") == expected


@pytest.mark.parametrize(
    ("value", "hours"),
    [
        ("2026-03-29T01:00", 1),
        ("2026-03-29T10:00", 2),
        ("2026-10-25T01:00", 2),
        ("2026-10-25T10:00", 1),
    ],
)
def test_naive_times_on_change_days_get_the_right_offset(value: str, hours: int) -> None:
    assert to_brussels(value).utcoffset() == timedelta(hours=hours)


@pytest.mark.parametrize(
    "value",
    ["morgen", "", "   ", "2026-13-01", "2026-02-30", "2026-12-08T25:00", "8/12/2026", "10:00"],
)
@pytest.mark.parametrize("formatter", [format_datetime, format_date, format_time])
def test_invalid_strings_raise_a_helpful_value_error(
    value: str, formatter: Callable[[object, str], str]
) -> None:
    with pytest.raises(ValueError, match="is not a date and time") as caught:
        formatter(value, "nl")
    assert f"'{value}'" in str(caught.value)  # names what was wrong
    assert "2026-12-08T10:00" in str(caught.value)  # and shows what is right


@pytest.mark.parametrize("value", [None, 42, 1.5, True, [], {}, date(2026, 12, 8)])
def test_other_types_raise_value_error_for_datetime(value: object) -> None:
    with pytest.raises(ValueError, match="is not a date and time"):
        format_datetime(value, "nl")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_out_of_range_moments_raise_value_error(value: str) -> None:
    with pytest.raises(ValueError):
        format_datetime(value, "nl")
