"""When each step of a plan goes out, relative to a LAC session (issue 5).

Expected moments are written in UTC; the comments give the Brussels wall clock. Winter is
+01:00, summer +02:00; in 2026 the clocks change on Sunday 29 March (02:00 → 03:00) and
Sunday 25 October (03:00 → 02:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from messenger.casework.schedule import QuietHours, Step, due_at, plan_times, working_days_after
from messenger.platform.dates import BRUSSELS

QUIET = QuietHours()  # 09:00–20:00, Monday to Saturday
ALWAYS = QuietHours(start=time(0), end=time.max, days=frozenset(range(7)))
ARMISTICE = date(2026, 11, 11)  # a Wednesday
WITH_HOLIDAY = QuietHours(holidays=frozenset({ARMISTICE}))
SIX_DAY_WEEK = QuietHours(working_days=frozenset(range(6)))
OFFICE = QuietHours(days=frozenset(range(5)), holidays=frozenset({ARMISTICE, date(2026, 12, 25)}))


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS, fold=fold)


# --- QuietHours.next_allowed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(local(2026, 12, 8, 10), utc(2026, 12, 8, 9), id="winter-tuesday-open"),
        pytest.param(local(2026, 6, 16, 10), utc(2026, 6, 16, 8), id="summer-tuesday-open"),
        pytest.param(local(2026, 12, 8, 9), utc(2026, 12, 8, 8), id="opening-is-allowed"),
        pytest.param(local(2026, 12, 8, 7), utc(2026, 12, 8, 8), id="winter-07h-to-09h"),
        pytest.param(local(2026, 6, 16, 7), utc(2026, 6, 16, 7), id="summer-07h-to-09h"),
        pytest.param(local(2026, 12, 8, 20), utc(2026, 12, 9, 8), id="20h-is-closed"),
        pytest.param(local(2026, 12, 8, 21), utc(2026, 12, 9, 8), id="21h-to-next-day-09h"),
        pytest.param(local(2026, 12, 12, 10), utc(2026, 12, 12, 9), id="saturday-open"),
        pytest.param(local(2026, 12, 12, 21), utc(2026, 12, 14, 8), id="saturday-night-monday"),
        pytest.param(local(2026, 12, 13, 10), utc(2026, 12, 14, 8), id="sunday-to-monday"),
        pytest.param(utc(2026, 12, 8, 18, 30), utc(2026, 12, 8, 18, 30), id="utc-in-winter"),
        pytest.param(utc(2026, 6, 16, 18, 30), utc(2026, 6, 17, 7), id="utc-in-summer"),
        # 29 March: a Sunday, and the spring-forward day.
        pytest.param(local(2026, 3, 29, 10), utc(2026, 3, 30, 7), id="spring-change-day"),
        pytest.param(local(2026, 3, 29, 2, 30), utc(2026, 3, 30, 7), id="spring-missing-0230"),
        pytest.param(local(2026, 3, 28, 21), utc(2026, 3, 30, 7), id="spring-saturday-night"),
        # 25 October: a Sunday, and the fall-back day.
        pytest.param(local(2026, 10, 25, 10), utc(2026, 10, 26, 8), id="autumn-change-day"),
        pytest.param(local(2026, 10, 25, 2, 30), utc(2026, 10, 26, 8), id="autumn-0230-first"),
        pytest.param(
            local(2026, 10, 25, 2, 30, fold=1), utc(2026, 10, 26, 8), id="autumn-0230-second"
        ),
        pytest.param(local(2026, 10, 24, 21), utc(2026, 10, 26, 8), id="autumn-saturday-night"),
    ],
)
def test_next_allowed(moment: datetime, expected: datetime) -> None:
    result = QUIET.next_allowed(moment)
    assert result == expected
    assert result.tzinfo is UTC
    assert QUIET.allows(result)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (local(2026, 12, 8, 8, 59), False),
        (local(2026, 12, 8, 9), True),
        (local(2026, 12, 8, 19, 59), True),
        (local(2026, 12, 8, 20), False),
        (local(2026, 12, 12, 12), True),  # Saturday
        (local(2026, 12, 13, 12), False),  # Sunday
        (utc(2026, 6, 16, 7), True),  # 09:00 summer time
        (utc(2026, 12, 8, 7), False),  # 08:00 winter time
    ],
)
def test_allows(moment: datetime, allowed: bool) -> None:
    assert QUIET.allows(moment) is allowed


def test_a_holiday_is_closed_and_skipped() -> None:
    assert not WITH_HOLIDAY.allows(local(2026, 11, 11, 10))
    # Tuesday evening → Wednesday is a holiday → Thursday 09:00.
    assert WITH_HOLIDAY.next_allowed(local(2026, 11, 10, 21)) == utc(2026, 11, 12, 8)


def test_a_nonexistent_local_time_is_read_as_the_real_moment() -> None:
    # 02:30 on 29 March does not exist; it is 01:30 UTC, which is 03:30 summer time.
    night = QuietHours(start=time(3), end=time(4), days=frozenset(range(7)))
    assert night.allows(local(2026, 3, 29, 2, 30))
    assert night.next_allowed(local(2026, 3, 29, 2, 30)) == utc(2026, 3, 29, 1, 30)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # The window opens at a missing time: it opens at 03:30 summer time.
        pytest.param(utc(2026, 3, 29, 0), utc(2026, 3, 29, 1, 30), id="opens-in-spring-gap"),
        # The window opens at an ambiguous time: the first 02:30 (summer time).
        pytest.param(utc(2026, 10, 24, 23), utc(2026, 10, 25, 0, 30), id="opens-in-autumn-fold"),
    ],
)
def test_a_window_opening_inside_a_clock_change(moment: datetime, expected: datetime) -> None:
    early = QuietHours(start=time(2, 30), end=time(20), days=frozenset(range(7)))
    assert early.next_allowed(moment) == expected


def test_a_window_swallowed_by_the_spring_gap_counts_as_closed() -> None:
    # 02:30–03:00 never happens on 29 March: the next window is Monday's.
    gap = QuietHours(start=time(2, 30), end=time(3), days=frozenset(range(7)))
    result = gap.next_allowed(utc(2026, 3, 29, 0))
    assert result == utc(2026, 3, 30, 0, 30)
    assert gap.allows(result)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(local(2026, 12, 8, 12), utc(2026, 12, 8, 10, 59), id="inside-a-window"),
        pytest.param(
            datetime(2026, 12, 8, 9, 0, 30, tzinfo=BRUSSELS),
            utc(2026, 12, 8, 8),
            id="never-before-the-opening",
        ),
        pytest.param(local(2026, 12, 8, 9), utc(2026, 12, 7, 18, 59), id="tuesday-to-monday"),
        pytest.param(local(2026, 12, 7, 9), utc(2026, 12, 5, 18, 59), id="monday-to-saturday"),
        pytest.param(local(2026, 6, 15, 9), utc(2026, 6, 13, 17, 59), id="summer-monday"),
        pytest.param(local(2026, 3, 30, 9), utc(2026, 3, 28, 18, 59), id="across-spring-change"),
        pytest.param(local(2026, 10, 26, 9), utc(2026, 10, 24, 17, 59), id="across-autumn"),
        pytest.param(local(2026, 12, 8, 22), utc(2026, 12, 8, 18, 59), id="evening-same-day"),
    ],
)
def test_last_allowed_before(moment: datetime, expected: datetime) -> None:
    result = QUIET.last_allowed_before(moment)
    assert result == expected
    assert result < moment
    assert QUIET.allows(result)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": time(20), "end": time(9)}, "start before end"),
        ({"start": time(9), "end": time(9)}, "start before end"),
        ({"days": frozenset()}, "weekday numbers"),
        ({"days": frozenset({7})}, "weekday numbers"),
        ({"start": time(9, tzinfo=UTC)}, "wall-clock"),
    ],
)
def test_quiet_hours_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QuietHours(**kwargs)  # type: ignore[arg-type]


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        QUIET.allows(datetime(2026, 12, 8, 10))
    with pytest.raises(ValueError, match="no time zone"):
        QUIET.next_allowed(datetime(2026, 12, 8, 10))


# --- Step ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "sms", "days_before": 2}, "exactly one"),
        ({"name": "sms", "days_before": 2, "at": time(10), "hours_before": 2.0}, "exactly one"),
        ({"name": " ", "days_before": 2, "at": time(10)}, "needs a name"),
        ({"name": "sms", "days_before": 2, "at": time(10, tzinfo=UTC)}, "no zone"),
        ({"name": "sms", "days_before": 0, "hours_before": float("nan")}, "finite"),
        ({"name": "sms", "days_before": 0, "hours_before": float("inf")}, "finite"),
    ],
)
def test_step_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Step(**kwargs)  # type: ignore[arg-type]


# --- due_at --------------------------------------------------------------------------------

WINTER_SESSION = local(2026, 12, 8, 10)  # Tuesday, 09:00 UTC
SUMMER_SESSION = local(2026, 6, 16, 10)  # Tuesday, 08:00 UTC


@pytest.mark.parametrize(
    ("step", "session", "quiet", "expected"),
    [
        # Winter (+01:00).
        pytest.param(
            Step("letter", 14, at=time(10)), WINTER_SESSION, QUIET, utc(2026, 11, 24, 9), id="w-14d"
        ),
        pytest.param(
            Step("offer", 7, at=time(10)), WINTER_SESSION, QUIET, utc(2026, 12, 1, 9), id="w-7d"
        ),
        # Two days before a Tuesday is a Sunday → Monday 09:00.
        pytest.param(
            Step("sms", 2, at=time(10)), WINTER_SESSION, QUIET, utc(2026, 12, 7, 8), id="w-sunday"
        ),
        pytest.param(
            Step("morning", 0, at=time(8)), WINTER_SESSION, QUIET, utc(2026, 12, 8, 8), id="w-07h"
        ),
        # Monday 21:00 → Tuesday 09:00, still before the 10:00 session.
        pytest.param(
            Step("eve", 1, at=time(21)), WINTER_SESSION, QUIET, utc(2026, 12, 8, 8), id="w-21h"
        ),
        pytest.param(
            Step("after", -1, at=time(10)), WINTER_SESSION, QUIET, utc(2026, 12, 9, 9), id="w-+1d"
        ),
        pytest.param(
            Step("after", -4, at=time(10)), WINTER_SESSION, QUIET, utc(2026, 12, 12, 9), id="w-sat"
        ),
        pytest.param(
            Step("after", -5, at=time(10)), WINTER_SESSION, QUIET, utc(2026, 12, 14, 8), id="w-sun"
        ),
        pytest.param(
            Step("later", 0, at=time(14)), WINTER_SESSION, QUIET, utc(2026, 12, 8, 13), id="w-14h"
        ),
        # Summer (+02:00).
        pytest.param(
            Step("letter", 14, at=time(10)), SUMMER_SESSION, QUIET, utc(2026, 6, 2, 8), id="s-14d"
        ),
        pytest.param(
            Step("sms", 2, at=time(10)), SUMMER_SESSION, QUIET, utc(2026, 6, 15, 7), id="s-sunday"
        ),
        pytest.param(
            Step("morning", 0, at=time(8)), SUMMER_SESSION, QUIET, utc(2026, 6, 16, 7), id="s-07h"
        ),
        # A Monday session: two days before is a Saturday, which is open.
        pytest.param(
            Step("sms", 2, at=time(10)),
            local(2026, 12, 7, 10),
            QUIET,
            utc(2026, 12, 5, 9),
            id="monday-session-saturday-sms",
        ),
        # A Friday session: two days before is a holiday → Thursday 09:00.
        pytest.param(
            Step("sms", 2, at=time(10)),
            local(2026, 11, 13, 10),
            WITH_HOLIDAY,
            utc(2026, 11, 12, 8),
            id="holiday-skipped",
        ),
    ],
)
def test_due_at(step: Step, session: datetime, quiet: QuietHours, expected: datetime) -> None:
    result = due_at(step, session, quiet)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("step", "session", "quiet", "expected"),
    [
        # Spring: 29 March 10:00 is summer time already.
        pytest.param(
            Step("sms", 2, at=time(10)),
            local(2026, 3, 31, 10),
            ALWAYS,
            utc(2026, 3, 29, 8),
            id="spring-10h",
        ),
        pytest.param(
            Step("sms", 2, at=time(10)),
            local(2026, 3, 31, 10),
            QUIET,
            utc(2026, 3, 30, 7),
            id="spring-10h-quiet",
        ),
        # 02:30 does not exist: it becomes 03:30 summer time.
        pytest.param(
            Step("sms", 2, at=time(2, 30)),
            local(2026, 3, 31, 10),
            ALWAYS,
            utc(2026, 3, 29, 1, 30),
            id="spring-0230",
        ),
        pytest.param(
            Step("sms", 2, at=time(2, 30)),
            local(2026, 3, 31, 10),
            QUIET,
            utc(2026, 3, 30, 7),
            id="spring-0230-quiet",
        ),
        # Autumn: 25 October 10:00 is winter time again.
        pytest.param(
            Step("sms", 2, at=time(10)),
            local(2026, 10, 27, 10),
            ALWAYS,
            utc(2026, 10, 25, 9),
            id="autumn-10h",
        ),
        pytest.param(
            Step("sms", 2, at=time(10)),
            local(2026, 10, 27, 10),
            QUIET,
            utc(2026, 10, 26, 8),
            id="autumn-10h-quiet",
        ),
        # 02:30 happens twice: the first (summer-time) one.
        pytest.param(
            Step("sms", 2, at=time(2, 30)),
            local(2026, 10, 27, 10),
            ALWAYS,
            utc(2026, 10, 25, 0, 30),
            id="autumn-0230",
        ),
        pytest.param(
            Step("sms", 2, at=time(2, 30)),
            local(2026, 10, 27, 10),
            QUIET,
            utc(2026, 10, 26, 8),
            id="autumn-0230-quiet",
        ),
        # A start given at the missing 02:30 is the real moment, 03:30 summer time.
        pytest.param(
            Step("h", 1, hours_before=0),
            local(2026, 3, 29, 2, 30),
            ALWAYS,
            utc(2026, 3, 28, 2, 30),
            id="session-at-missing-time",
        ),
        # Right across a change: the wall clock stays at 10:00, the offset changes.
        pytest.param(
            Step("letter", 14, at=time(10)),
            local(2026, 4, 7, 10),
            QUIET,
            utc(2026, 3, 24, 9),
            id="across-spring",
        ),
        pytest.param(
            Step("letter", 14, at=time(10)),
            local(2026, 11, 3, 10),
            QUIET,
            utc(2026, 10, 20, 8),
            id="across-autumn",
        ),
    ],
)
def test_due_at_on_and_across_clock_changes(
    step: Step, session: datetime, quiet: QuietHours, expected: datetime
) -> None:
    assert due_at(step, session, quiet) == expected


MONDAY_AFTER_SPRING = local(2026, 3, 30, 10)  # 08:00 UTC


@pytest.mark.parametrize(
    ("step", "session", "expected"),
    [
        pytest.param(Step("h", 0, hours_before=1), WINTER_SESSION, utc(2026, 12, 8, 8), id="1h"),
        pytest.param(
            Step("h", 0, hours_before=0.5), WINTER_SESSION, utc(2026, 12, 8, 8, 30), id="half-hour"
        ),
        # 08:20 → 09:00, before the 09:20 session.
        pytest.param(
            Step("h", 0, hours_before=1), local(2026, 12, 8, 9, 20), utc(2026, 12, 8, 8), id="early"
        ),
        pytest.param(
            Step("h", 0, hours_before=-2), WINTER_SESSION, utc(2026, 12, 8, 11), id="2h-after"
        ),
        # days_before keeps the wall clock: Saturday 10:00 winter time.
        pytest.param(
            Step("h", 2, hours_before=0), MONDAY_AFTER_SPRING, utc(2026, 3, 28, 9), id="2d-wall"
        ),
        # hours_before is elapsed time: 48 h before is Saturday 09:00 winter time.
        pytest.param(
            Step("h", 0, hours_before=48), MONDAY_AFTER_SPRING, utc(2026, 3, 28, 8), id="48h"
        ),
        # 49 h before is Saturday 08:00 winter time → 09:00.
        pytest.param(
            Step("h", 0, hours_before=49), MONDAY_AFTER_SPRING, utc(2026, 3, 28, 8), id="49h"
        ),
        pytest.param(
            Step("h", 1, hours_before=1), WINTER_SESSION, utc(2026, 12, 7, 8), id="1d-and-1h"
        ),
    ],
)
def test_due_at_hours_before(step: Step, session: datetime, expected: datetime) -> None:
    assert due_at(step, session, QUIET) == expected


@pytest.mark.parametrize(
    ("step", "session", "expected"),
    [
        # "On the morning" at 08:00 → 09:00, before a 09:30 session.
        pytest.param(
            Step("morning", 0, at=time(8)),
            local(2026, 12, 8, 9, 30),
            utc(2026, 12, 8, 8),
            id="0930-session",
        ),
        # A 09:00 session: 09:00 would be too late → Monday 19:59.
        pytest.param(
            Step("morning", 0, at=time(8)),
            local(2026, 12, 8, 9),
            utc(2026, 12, 7, 18, 59),
            id="0900-session-tuesday",
        ),
        # A Monday 09:00 session: Sunday is closed → Saturday 19:59.
        pytest.param(
            Step("morning", 0, at=time(8)),
            local(2026, 12, 7, 9),
            utc(2026, 12, 5, 18, 59),
            id="0900-session-monday",
        ),
        # An evening session: 20:15 is closed, tomorrow is too late → 19:59 the same day.
        pytest.param(
            Step("soon", 0, hours_before=0.25),
            local(2026, 12, 8, 20, 30),
            utc(2026, 12, 8, 18, 59),
            id="evening-session",
        ),
        # Sunday 21:00 for a Monday 09:00 session (summer) → Saturday 19:59.
        pytest.param(
            Step("eve", 1, at=time(21)),
            local(2026, 6, 15, 9),
            utc(2026, 6, 13, 17, 59),
            id="eve-before-monday",
        ),
    ],
)
def test_a_step_before_the_session_never_goes_out_after_it(
    step: Step, session: datetime, expected: datetime
) -> None:
    result = due_at(step, session, QUIET)
    assert result == expected
    assert result < session
    assert QUIET.allows(result)


def test_due_at_refuses_a_naive_session() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        due_at(Step("sms", 2, at=time(10)), datetime(2026, 12, 8, 10), QUIET)


# --- plan_times ----------------------------------------------------------------------------

LETTER = Step("letter", 14, at=time(10))
OFFER = Step("offer", 7, at=time(10))
SMS = Step("sms", 2, at=time(10))
MORNING = Step("morning", 0, at=time(8))
AFTERCARE = Step("aftercare", -1, at=time(10))
PLAN = [AFTERCARE, SMS, LETTER, MORNING, OFFER]  # deliberately out of order


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(
            utc(2026, 11, 1, 0),
            [
                (LETTER, utc(2026, 11, 24, 9)),
                (OFFER, utc(2026, 12, 1, 9)),
                (SMS, utc(2026, 12, 7, 8)),
                (MORNING, utc(2026, 12, 8, 8)),
                (AFTERCARE, utc(2026, 12, 9, 9)),
            ],
            id="all-ahead",
        ),
        pytest.param(
            utc(2026, 12, 2, 0),
            [
                (SMS, utc(2026, 12, 7, 8)),
                (MORNING, utc(2026, 12, 8, 8)),
                (AFTERCARE, utc(2026, 12, 9, 9)),
            ],
            id="added-late",
        ),
        pytest.param(
            utc(2026, 12, 7, 8),
            [(MORNING, utc(2026, 12, 8, 8)), (AFTERCARE, utc(2026, 12, 9, 9))],
            id="due-now-is-past",
        ),
        pytest.param(utc(2026, 12, 8, 12), [(AFTERCARE, utc(2026, 12, 9, 9))], id="after-session"),
        pytest.param(utc(2026, 12, 10, 0), [], id="all-past"),
    ],
)
def test_plan_times(now: datetime, expected: list[tuple[Step, datetime]]) -> None:
    assert plan_times(PLAN, WINTER_SESSION, QUIET, now=now) == expected


def test_moving_a_session_reschedules_what_is_still_ahead() -> None:
    moved = local(2026, 12, 15, 10)  # one week later
    assert plan_times(PLAN, moved, QUIET, now=utc(2026, 12, 2, 0)) == [
        (OFFER, utc(2026, 12, 8, 9)),
        (SMS, utc(2026, 12, 14, 8)),
        (MORNING, utc(2026, 12, 15, 8)),
        (AFTERCARE, utc(2026, 12, 16, 9)),
    ]


def test_steps_due_together_keep_the_plan_order() -> None:
    early = Step("early", 0, at=time(7))
    late = Step("late", 0, at=time(8))  # both move to 09:00
    now = utc(2026, 12, 1, 0)
    assert [s for s, _ in plan_times([late, early], WINTER_SESSION, QUIET, now=now)] == [
        late,
        early,
    ]
    assert [s for s, _ in plan_times([early, late], WINTER_SESSION, QUIET, now=now)] == [
        early,
        late,
    ]


def test_plan_times_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        plan_times(PLAN, WINTER_SESSION, QUIET, now=datetime(2026, 12, 1))


# --- working_days_after --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "count", "quiet", "expected"),
    [
        pytest.param(date(2026, 12, 11), 1, QUIET, date(2026, 12, 14), id="friday-monday"),
        pytest.param(date(2026, 12, 12), 1, QUIET, date(2026, 12, 14), id="saturday-monday"),
        pytest.param(date(2026, 12, 11), 1, SIX_DAY_WEEK, date(2026, 12, 12), id="six-day-week"),
        pytest.param(date(2026, 12, 11), 1, OFFICE, date(2026, 12, 14), id="office-weekend"),
        pytest.param(date(2026, 12, 13), 1, QUIET, date(2026, 12, 14), id="from-a-sunday"),
        pytest.param(date(2026, 11, 10), 1, WITH_HOLIDAY, date(2026, 11, 12), id="holiday"),
        pytest.param(date(2026, 11, 10), 3, OFFICE, date(2026, 11, 16), id="holiday-weekend"),
        pytest.param(date(2026, 12, 24), 1, OFFICE, date(2026, 12, 28), id="christmas"),
        pytest.param(date(2026, 12, 13), 0, QUIET, date(2026, 12, 13), id="zero-is-the-day"),
    ],
)
def test_working_days_after(day: date, count: int, quiet: QuietHours, expected: date) -> None:
    assert working_days_after(day, count, quiet) == expected


def test_working_days_after_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        working_days_after(date(2026, 12, 8), -1, QUIET)
