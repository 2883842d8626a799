"""Rendering a page: the Jinja2 environment, its filters (Brussels time, Dutch words) and
what every page gets (the signed-in person, the CSRF token, the navigation)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from messenger.platform.dates import BRUSSELS, format_date, format_time, to_brussels

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

templates = Jinja2Templates(directory=TEMPLATES)

# Where each role lands; everyone else (admins, social workers) at "/".
HOMES = {"partner": "/partner", "water-company": "/watermaatschappij"}
# What a person reads for our status and channel names.
WORDS = {
    "sms": "sms",
    "email": "e-mail",
    "letter": "brief",
    "created": "klaar om te versturen",
    "sending": "wordt verstuurd",
    "pending": "wordt verstuurd",
    "sent": "verstuurd",
    "delivered": "afgeleverd",
    "permanent-failure": "niet afgeleverd",
    "temporary-failure": "niet afgeleverd (tijdelijk)",
    "technical-failure": "mislukt (technisch)",
    "validation-failed": "kan zo niet gedrukt worden",
    "cancelled": "geannuleerd",
    "returned-letter": "brief teruggekomen",
    "planned": "gepland",
    "moved": "verplaatst",
    "open": "open",
    "closed": "afgesloten",
    # Contact attempts: how, and what came of it.
    "call": "telefoon",
    "home-visit-announced": "huisbezoek (aangekondigd)",
    "home-visit-unannounced": "huisbezoek (onaangekondigd)",
    "card": "kaartje in de bus",
    "appointment": "afspraak",
    "other": "iets anders",
    "reached": "bereikt",
    "attended": "is gekomen",
    "left-card": "kaartje achtergelaten",
    "not-reached": "niet bereikt",
    "missed": "niet gekomen",
}


# A plan step's own state, before or instead of a message.
STEP_WORDS = {
    "pending": "gepland",
    "sent": "verstuurd",
    "skipped": "overgeslagen",
    "cancelled": "geannuleerd",
}


def words(value: object) -> str:
    text = str(value or "")
    return WORDS.get(text, text)


def step_words(value: object) -> str:
    text = str(value or "")
    return STEP_WORDS.get(text, text)


def step_name(value: object) -> str:
    """ "afspraak-voorstel" → "Afspraak voorstel"."""
    return str(value or "").replace("-", " ").capitalize()


def day(value: object) -> str:
    return format_date(value, "nl")


def moment(value: object) -> str:
    """ "dinsdag 8 december 2026, 10.00 uur" in Brussels time."""
    return f"{format_date(value, 'nl')}, {to_brussels(value):%H.%M} uur"


def clock_time(value: object) -> str:
    return format_time(value, "nl")


templates.env.filters.update(
    words=words,
    step_words=step_words,
    step_name=step_name,
    day=day,
    moment=moment,
    clock_time=clock_time,
)


def typed_moment(date: str, time: str) -> datetime | None:
    """A date and a time as a person types them in a form, in Brussels time; None when they
    are not a date and a time."""
    try:
        return datetime.fromisoformat(f"{date.strip()}T{time.strip()}").replace(tzinfo=BRUSSELS)
    except ValueError:
        return None


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page, with the signed-in person (if any) and their CSRF token."""
    signed_in = getattr(request.state, "signed_in", None)
    values: dict[str, Any] = {
        "account": signed_in.account if signed_in else None,
        "csrf": signed_in.web_session.csrf_token if signed_in else None,
        "path": request.url.path,
        "home": HOMES.get(signed_in.account.role, "/") if signed_in else "/",
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, values, status_code=status_code)


def field_of(refusal: ValueError) -> str:
    """The field a service's refusal names: its `field`, or the words before "field: reason"
    (the first of "a/b: reason")."""
    named = getattr(refusal, "field", None)
    if isinstance(named, str):
        return named
    return str(refusal).split(":", 1)[0].split("/")[0].split(" ", 1)[0]
