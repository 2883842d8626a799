"""The "what works" report: which ways of reaching clients work in this municipality.

Per method, channel, template variant, weekday and hour: how many attempts, how many got
through (delivered), were answered (replied) and led the client to come (attended), each with
its rate and a Wilson 95% interval, so a team can see whether a card beats a letter.

Pure: the caller picks the period and turns messages and recorded contact attempts into
`Attempt`s. Decisions:

- Every rate is out of the attempts in the row (not out of the delivered ones), so the three
  rates of a row can be compared with each other and with other rows.
- A recorded attempt counts as delivered when the client was reached, came, or a card was left
  at the door ("left-card"); a call not answered ("not-reached") or a missed appointment does
  not. It counts as replied only when the client was reached (see `recorded_attempt`).
- Weekday and hour are Brussels local time (DST correct); weekdays are Dutch ("maandag") and
  sorted Monday first, hours are two digits ("09"). Other values sort alphabetically.
- An attempt without a channel or variant is left out of that dimension, not counted under
  "None". A variant is shown with its template ("herinnering/kort"): variant "A" of two
  templates are two different things.
- `wilson(0, 0)` is (0.0, 0.0) with no rate; report rows always have at least one attempt.
- CSV is `;`-separated with decimal commas ("0,600"), which is what Excel in Belgium opens
  as numbers; pass decimal="." for other tools. JSON keeps the unrounded floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from messenger.platform.csv_files import write_csv
from messenger.platform.dates import BRUSSELS

Z95 = 1.959963984540054
DIMENSIONS = ("method", "channel", "variant", "weekday", "hour")
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
# Recorded outcome -> (delivered, replied); "attended" also means the client came.
OUTCOMES = {
    "reached": (True, True),
    "attended": (True, False),
    "left-card": (True, False),
    "not-reached": (False, False),
    "missed": (False, False),
}


@dataclass(frozen=True)
class Attempt:
    """One message or recorded contact attempt, with what came of it."""

    at: datetime  # aware
    method: str  # sms | email | letter | call | home-visit-(un)announced | card | appointment
    channel: str | None = None  # the message's channel; None for recorded attempts
    template: str | None = None
    variant: str | None = None
    delivered: bool = False
    replied: bool = False
    attended: bool = False  # the client came to the session of this case

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("an attempt's time needs a time zone")


def recorded_attempt(at: datetime, method: str, outcome: str, *, attended: bool = False) -> Attempt:
    """An `Attempt` from a recorded contact attempt (call, home visit, card, …)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome '{outcome}' (use one of {', '.join(OUTCOMES)})")
    delivered, replied = OUTCOMES[outcome]
    return Attempt(
        at, method, delivered=delivered, replied=replied, attended=attended or outcome == "attended"
    )


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for successes out of total, within [0, 1]."""
    if total < 0 or not 0 <= successes <= total:
        raise ValueError(f"{successes} out of {total} is not a proportion")
    if total == 0:
        return (0.0, 0.0)
    p, n, z2 = successes / total, total, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return (low, high)


@dataclass(frozen=True)
class Row:
    dimension: str
    value: str
    attempts: int
    delivered: int
    replied: int
    attended: int
    delivered_rate: float | None
    delivered_low: float
    delivered_high: float
    replied_rate: float | None
    replied_low: float
    replied_high: float
    attended_rate: float | None
    attended_low: float
    attended_high: float


def _value(attempt: Attempt, dimension: str) -> str | None:
    if dimension == "method":
        return attempt.method
    if dimension == "channel":
        return attempt.channel
    if dimension == "variant":
        if attempt.variant is None:
            return None
        return f"{attempt.template}/{attempt.variant}" if attempt.template else attempt.variant
    local = attempt.at.astimezone(BRUSSELS)
    return WEEKDAYS[local.weekday()] if dimension == "weekday" else f"{local.hour:02d}"


def _sort_key(dimension: str, value: str) -> tuple[int, str]:
    return (WEEKDAYS.index(value), "") if dimension == "weekday" else (0, value)


def _rate(k: int, n: int) -> tuple[float | None, float, float]:
    low, high = wilson(k, n)
    return (k / n if n else None, low, high)


def _row(dimension: str, value: str, counts: list[int]) -> Row:
    n, d, r, a = counts
    return Row(dimension, value, n, d, r, a, *_rate(d, n), *_rate(r, n), *_rate(a, n))


def report(attempts: Iterable[Attempt], dimensions: Sequence[str] = DIMENSIONS) -> list[Row]:
    """One row per (dimension, value) with at least one attempt, in dimension order."""
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension '{unknown[0]}' (use {', '.join(DIMENSIONS)})")
    wanted = list(dict.fromkeys(dimensions))
    counts: dict[str, dict[str, list[int]]] = {d: {} for d in wanted}
    for attempt in attempts:
        outcome = (1, int(attempt.delivered), int(attempt.replied), int(attempt.attended))
        for dimension in wanted:
            value = _value(attempt, dimension)
            if value is not None:
                tally = counts[dimension].setdefault(value, [0, 0, 0, 0])
                for i, x in enumerate(outcome):
                    tally[i] += x
    rows: list[Row] = []
    for dimension in wanted:
        values = sorted(counts[dimension], key=lambda v: _sort_key(dimension, v))
        rows += [_row(dimension, v, counts[dimension][v]) for v in values]
    return rows


HEADER = tuple(f.name for f in fields(Row))


def _cell(value: object, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".replace(".", decimal)
    return str(value)


def to_csv(rows: Sequence[Row], *, decimal: str = ",") -> str:
    """The rows as `;`-separated CSV with a header; rates and bounds with 3 decimals."""
    body = [[_cell(getattr(row, name), decimal) for name in HEADER] for row in rows]
    return write_csv([HEADER, *body], delimiter=";")


def to_json(rows: Sequence[Row]) -> list[dict[str, object]]:
    """The rows as JSON-ready dicts (unrounded floats, None for no rate)."""
    return [asdict(row) for row in rows]
