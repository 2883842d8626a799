"""The "what works" report against a fixture counted and computed by hand."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from messenger.aftercare.what_works import (
    HEADER,
    Attempt,
    Row,
    recorded_attempt,
    report,
    to_csv,
    to_json,
    wilson,
)

Z = 1.959963984540054

# Winter time (CET, UTC+1): 08:xx UTC is 09 local, 13:xx UTC is 14 local.
MONDAY_09 = datetime(2026, 12, 7, 8, 15, tzinfo=UTC)
MONDAY_14 = datetime(2026, 12, 7, 13, 30, tzinfo=UTC)
TUESDAY_09 = datetime(2026, 12, 8, 8, 30, tzinfo=UTC)
TUESDAY_14 = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
# Sunday 25 October 2026 the clocks go back at 01:00 UTC (03:00 CEST -> 02:00 CET):
# 01:30 UTC is 02:30 CET, local hour "02", a Sunday ("zondag").
DST_END = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def letter(at: datetime, attended: bool) -> Attempt:
    return Attempt(at, "letter", "print", "uitnodiging", None, delivered=True, attended=attended)


def card(at: datetime, attended: bool) -> Attempt:
    return recorded_attempt(at, "card", "left-card", attended=attended)


def sms(at: datetime, variant: str, delivered: bool, replied: bool, attended: bool) -> Attempt:
    return Attempt(at, "sms", "twilio", "herinnering", variant, delivered, replied, attended)


FIXTURE = [
    # 10 letters, 3 attended: 5 on Monday 09 (2 came), 5 on Tuesday 14 (1 came).
    *(letter(MONDAY_09, attended=i < 2) for i in range(5)),
    *(letter(TUESDAY_14, attended=i < 1) for i in range(5)),
    # 10 cards left at the door, 6 attended: 6 on Monday 14 (4 came), 4 on Tuesday 09 (2 came).
    *(card(MONDAY_14, attended=i < 4) for i in range(6)),
    *(card(TUESDAY_09, attended=i < 2) for i in range(4)),
    # 4 SMS, 2 delivered, 1 replied (and came).
    sms(TUESDAY_09, "kort", delivered=True, replied=True, attended=True),
    sms(TUESDAY_09, "kort", delivered=False, replied=False, attended=False),
    sms(TUESDAY_09, "warm", delivered=False, replied=False, attended=False),
    sms(DST_END, "warm", delivered=True, replied=False, attended=False),
]

# Wilson 95% bounds, worked out by hand to 4 decimals for every k/n in the fixture.
BOUNDS = {
    (0, 1): (0.0, 0.7935),
    (1, 1): (0.2065, 1.0),
    (0, 2): (0.0, 0.6576),
    (1, 2): (0.0945, 0.9055),
    (1, 4): (0.0456, 0.6994),
    (2, 4): (0.1500, 0.8500),
    (0, 10): (0.0, 0.2775),
    (3, 10): (0.1078, 0.6032),
    (6, 10): (0.3127, 0.8318),
    (10, 10): (0.7225, 1.0),
    (0, 11): (0.0, 0.2588),
    (5, 11): (0.2127, 0.7199),
    (6, 11): (0.2801, 0.7873),
    (11, 11): (0.7412, 1.0),
    (1, 12): (0.0149, 0.3539),
    (4, 12): (0.1381, 0.6094),
    (5, 12): (0.1933, 0.6805),
    (10, 12): (0.5520, 0.9530),
}

# (dimension, value, attempts, delivered, replied, attended), counted by hand.
EXPECTED = [
    ("method", "card", 10, 10, 0, 6),
    ("method", "letter", 10, 10, 0, 3),
    ("method", "sms", 4, 2, 1, 1),
    ("channel", "print", 10, 10, 0, 3),
    ("channel", "twilio", 4, 2, 1, 1),
    ("variant", "herinnering/kort", 2, 1, 1, 1),
    ("variant", "herinnering/warm", 2, 1, 0, 0),
    ("weekday", "maandag", 11, 11, 0, 6),  # 5 letters + 6 cards
    ("weekday", "dinsdag", 12, 10, 1, 4),  # 5 letters + 4 cards + 3 SMS
    ("weekday", "zondag", 1, 1, 0, 0),  # the DST SMS
    ("hour", "02", 1, 1, 0, 0),
    ("hour", "09", 12, 10, 1, 5),  # 5 letters + 4 cards + 3 SMS
    ("hour", "14", 11, 11, 0, 5),  # 5 letters + 6 cards
]


def quadratic_bounds(k: int, n: int) -> tuple[float, float]:
    """The Wilson bounds written out another way: the p where |k/n - p| = z·√(p(1-p)/n),
    i.e. the roots of (1 + z²/n)·p² - (2k/n + z²/n)·p + (k/n)² = 0."""
    phat = k / n
    a, b, c = 1 + Z * Z / n, -(2 * phat + Z * Z / n), phat * phat
    root = math.sqrt(b * b - 4 * a * c)
    return ((-b - root) / (2 * a), (-b + root) / (2 * a))


@pytest.mark.parametrize(("k", "n"), sorted(BOUNDS))
def test_the_hand_computed_bounds_solve_the_wilson_equation(k: int, n: int) -> None:
    assert quadratic_bounds(k, n) == pytest.approx(BOUNDS[(k, n)], abs=5e-5)


def test_the_report_matches_the_hand_computed_fixture() -> None:
    rows = report(FIXTURE)
    assert [(r.dimension, r.value) for r in rows] == [(e[0], e[1]) for e in EXPECTED]
    for row, (_, _, n, delivered, replied, attended) in zip(rows, EXPECTED, strict=True):
        assert (row.attempts, row.delivered, row.replied, row.attended) == (
            n,
            delivered,
            replied,
            attended,
        )
        for name, k in (("delivered", delivered), ("replied", replied), ("attended", attended)):
            assert getattr(row, f"{name}_rate") == pytest.approx(k / n, abs=5e-5), (row, name)
            low, high = getattr(row, f"{name}_low"), getattr(row, f"{name}_high")
            assert (low, high) == pytest.approx(BOUNDS[(k, n)], abs=5e-5), (row, name)


def test_a_card_beats_a_letter_in_the_fixture() -> None:
    by_method = {r.value: r for r in report(FIXTURE, ["method"])}
    assert by_method["card"].attended_rate == pytest.approx(0.6)
    assert by_method["letter"].attended_rate == pytest.approx(0.3)
    # ...but with 10 of each the intervals still overlap: not yet proven.
    assert by_method["card"].attended_low < by_method["letter"].attended_high


@pytest.mark.parametrize(
    ("utc", "weekday", "hour"),
    [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "zondag", "02"),  # 02:30 CEST
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "zondag", "02"),  # 02:30 CET, again
        (datetime(2026, 10, 25, 2, 30, tzinfo=UTC), "zondag", "03"),
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "zondag", "01"),  # 01:30 CET
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "zondag", "03"),  # 03:30 CEST: no 02
        (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "maandag", "00"),  # past midnight here
        (datetime(2026, 12, 7, 9, 0, tzinfo=timezone(timedelta(hours=-5))), "maandag", "15"),
    ],
)
def test_weekday_and_hour_are_brussels_local_time(utc: datetime, weekday: str, hour: str) -> None:
    rows = report([Attempt(utc, "call")], ["weekday", "hour"])
    assert [(r.dimension, r.value) for r in rows] == [("weekday", weekday), ("hour", hour)]


def test_weekdays_sort_monday_first_and_hours_by_the_clock() -> None:
    days = [datetime(2026, 12, d, 9 + d % 3, 0, tzinfo=UTC) for d in (13, 12, 9, 7, 8, 10, 11)]
    rows = report([Attempt(at, "call") for at in days], ["weekday", "hour"])
    assert [r.value for r in rows] == [
        *("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
        *("10", "11", "12"),
    ]


def test_the_dimension_filter_keeps_the_order_asked_for() -> None:
    rows = report(FIXTURE, ["hour", "method"])
    assert [(r.dimension, r.value) for r in rows] == [
        ("hour", "02"),
        ("hour", "09"),
        ("hour", "14"),
        ("method", "card"),
        ("method", "letter"),
        ("method", "sms"),
    ]
    assert report(FIXTURE, ["method", "method"]) == report(FIXTURE, ["method"])
    assert report(FIXTURE, []) == []
    with pytest.raises(ValueError, match="unknown dimension 'template'"):
        report(FIXTURE, ["template"])


def test_missing_channel_or_variant_is_left_out_not_counted_as_none() -> None:
    rows = report(FIXTURE, ["channel", "variant"])
    assert sum(r.attempts for r in rows if r.dimension == "channel") == 14  # no cards
    assert sum(r.attempts for r in rows if r.dimension == "variant") == 4  # only the SMS
    assert all(r.value not in ("None", "") for r in rows)
    bare = Attempt(MONDAY_09, "sms", "twilio", None, "A")
    assert [r.value for r in report([bare], ["variant"])] == ["A"]


def test_an_empty_report_has_no_rows() -> None:
    assert report([]) == []
    assert to_csv([]).splitlines() == [";".join(HEADER)]
    assert to_json([]) == []


@pytest.mark.parametrize(
    ("outcome", "delivered", "replied", "attended"),
    [
        ("reached", True, True, False),
        ("left-card", True, False, False),
        ("attended", True, False, True),
        ("not-reached", False, False, False),
        ("missed", False, False, False),
    ],
)
def test_recorded_outcomes(outcome: str, delivered: bool, replied: bool, attended: bool) -> None:
    attempt = recorded_attempt(MONDAY_09, "call", outcome)
    assert (attempt.delivered, attempt.replied, attempt.attended) == (delivered, replied, attended)
    assert attempt.channel is None and attempt.variant is None


def test_recorded_attempts_refuse_unknown_outcomes_and_naive_times() -> None:
    with pytest.raises(ValueError, match="unknown outcome 'busy'"):
        recorded_attempt(MONDAY_09, "call", "busy")
    with pytest.raises(ValueError, match="time zone"):
        Attempt(datetime(2026, 12, 7, 9, 0), "call")


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        (0, 0, (0.0, 0.0)),
        (0, 1, (0.0, 0.7935)),
        (1, 1, (0.2065, 1.0)),
        (0, 4, (0.0, 0.4899)),
        (4, 4, (0.5101, 1.0)),
        (6, 10, (0.3127, 0.8318)),
        (3, 10, (0.1078, 0.6032)),
        (1, 12, (0.0149, 0.3539)),
    ],
)
def test_wilson_known_values_and_edges(k: int, n: int, expected: tuple[float, float]) -> None:
    assert wilson(k, n) == pytest.approx(expected, abs=5e-5)


def test_wilson_edges_are_exact_and_within_zero_and_one() -> None:
    for n in range(1, 200):
        assert wilson(0, n)[0] == 0.0
        assert wilson(n, n)[1] == 1.0
        for k in range(n + 1):
            low, high = wilson(k, n)
            assert 0.0 <= low <= k / n <= high <= 1.0
    # z = 1: centre (0.6 + 1/20) / 1.1 = 0.590909, half √(0.024 + 0.0025) / 1.1 = 0.147989.
    assert wilson(6, 10, z=1.0) == pytest.approx((0.4429, 0.7389), abs=5e-5)


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5), (0, -1)])
def test_wilson_refuses_what_is_not_a_proportion(k: int, n: int) -> None:
    with pytest.raises(ValueError, match="not a proportion"):
        wilson(k, n)


def test_csv_round_trips_with_a_header() -> None:
    rows = report(FIXTURE)
    text = to_csv(rows)
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert parsed[0] == list(HEADER)
    assert parsed[0][:6] == ["dimension", "value", "attempts", "delivered", "replied", "attended"]
    assert len(parsed) == len(rows) + 1
    card = dict(zip(parsed[0], parsed[1], strict=True))
    assert card["dimension"] == "method" and card["value"] == "card"
    counts = [card[f] for f in ("attempts", "delivered", "replied", "attended")]
    assert counts == ["10", "10", "0", "6"]
    assert [card[f"attended_{f}"] for f in ("rate", "low", "high")] == ["0,600", "0,313", "0,832"]
    assert [card[f"delivered_{f}"] for f in ("rate", "low", "high")] == ["1,000", "0,722", "1,000"]
    for line, row in zip(parsed[1:], rows, strict=True):
        assert line[:2] == [row.dimension, row.value]
        counted = [row.attempts, row.delivered, row.replied, row.attended]
        assert [int(x) for x in line[2:6]] == counted
        assert float(line[6].replace(",", ".")) == pytest.approx(row.delivered_rate, abs=5e-4)


def test_csv_can_use_a_decimal_point_and_defuses_formulas() -> None:
    rows = report([Attempt(MONDAY_09, "sms", "twilio", "=HYPERLINK(1)", "A")], ["variant"])
    line = to_csv(rows, decimal=".").splitlines()[1].split(";")
    assert line[:3] == ["variant", "'=HYPERLINK(1)/A", "1"]
    assert line[6:9] == ["0.000", "0.000", "0.793"]


def test_a_rate_is_empty_in_csv_and_null_in_json_when_there_were_no_attempts() -> None:
    empty = Row("method", "fax", 0, 0, 0, 0, None, 0.0, 0.0, None, 0.0, 0.0, None, 0.0, 0.0)
    assert (
        to_csv([empty]).splitlines()[1]
        == "method;fax;0;0;0;0;;0,000;0,000;;0,000;0,000;;0,000;0,000"
    )
    assert to_json([empty])[0]["attended_rate"] is None


def test_json_has_every_field_unrounded() -> None:
    rows = report(FIXTURE, ["method"])
    data = to_json(rows)
    assert [list(d) for d in data] == [list(HEADER)] * 3
    assert data[0]["value"] == "card"
    assert data[0]["attended_low"] == wilson(6, 10)[0]
    assert data[2]["replied_rate"] == 0.25
