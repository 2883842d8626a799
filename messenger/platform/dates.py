"""Dates and times the way a client reads them, in Europe/Brussels.

"dinsdag 8 december 2026 om 10 uur", "mardi 8 décembre 2026 à 10 h",
"Tuesday 8 December 2026 at 10:00". Babel knows the day and month names; the few words
around them ("om", "uur", "à", "h") are ours, because CLDR writes "10:00" everywhere.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date

BRUSSELS = ZoneInfo("Europe/Brussels")
_LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_GB"}
_AT = {"nl": "om", "fr": "à", "en": "at"}


def to_brussels(value: object) -> datetime:
    """An aware datetime in Brussels from a datetime or an ISO 8601 string.

    A value without a zone is taken as Brussels local time, which is what a social worker
    typing "2026-12-08 10:00" means.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a date and time (use 2026-12-08T10:00)") from None
    if not isinstance(value, datetime):
        raise ValueError(f"'{value}' is not a date and time (use 2026-12-08T10:00)")
    if value.tzinfo is None:
        return value.replace(tzinfo=BRUSSELS)
    try:
        return value.astimezone(BRUSSELS)
    except OverflowError:
        raise ValueError(f"'{value.isoformat()}' is out of range") from None


def _to_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    return to_brussels(value).date()


def format_date(value: object, language: str = "nl", *, weekday: bool = True) -> str:
    """'dinsdag 8 december 2026' ('8 december 2026' without the weekday, as atop a letter)."""
    pattern = "EEEE d MMMM y" if weekday else "d MMMM y"
    return babel_format_date(_to_date(value), pattern, locale=_locale(language))


def format_time(value: object, language: str = "nl") -> str:
    """'10 uur', '10.30 uur'; '10 h', '10 h 30'; '10:00'."""
    moment = value if isinstance(value, time) else to_brussels(value).timetz()
    hour, minute = moment.hour, moment.minute
    if language == "fr":
        return f"{hour} h" if minute == 0 else f"{hour} h {minute:02d}"
    if language == "en":
        return f"{hour}:{minute:02d}"
    return f"{hour} uur" if minute == 0 else f"{hour}.{minute:02d} uur"


def format_datetime(value: object, language: str = "nl") -> str:
    """'dinsdag 8 december 2026 om 10 uur'. A date without a time is an error, not midnight."""
    if isinstance(value, str) and _is_plain_date(value):
        raise ValueError(f"'{value}' is a date without a time (use 2026-12-08T10:00)")
    moment = to_brussels(value)
    at = _AT.get(language, _AT["nl"])
    return f"{format_date(moment, language)} {at} {format_time(moment, language)}"


def _is_plain_date(value: str) -> bool:
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return False
    return len(value.strip()) == 10


def _locale(language: str) -> str:
    return _LOCALES.get(language, _LOCALES["nl"])
