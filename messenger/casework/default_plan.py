"""The default reminder plan: the steps an organisation sends when it has not stored its own
(reminder_plans.py reads and checks plans). Data only, in the shape `PUT /v2/reminder-plan`
takes, using the shipped Dutch templates by name."""

from __future__ import annotations

from typing import Any

DEFAULT_STEPS: list[dict[str, Any]] = [
    {
        "name": "uitnodiging",
        "days_before": 14,
        "at": "10:00",
        "channels": ["letter", "email"],
        "templates": {"letter": "lac-uitnodiging-brief", "email": "lac-uitnodiging-email"},
        "reasons": ["unpaid-bills"],
    },
    {
        "name": "uitnodiging-heraansluiting",
        "days_before": 14,
        "at": "10:00",
        "channels": ["letter"],
        "templates": {"letter": "heraansluiting-uitnodiging-brief"},
        "reasons": ["reconnection"],
    },
    {
        "name": "afspraak-voorstel",
        "days_before": 7,
        "at": "10:00",
        "channels": ["sms", "email"],
        "templates": {"sms": "lac-afspraak-voorstel-sms", "email": "lac-afspraak-voorstel-email"},
        "needs": "appointment",
    },
    {
        # The second letter says "we hebben nog niets van u gehoord": not for a client who
        # answered, confirmed the appointment or was reached otherwise. The SMS is only a
        # reminder of the session, and still goes.
        "name": "herinnering",
        "days_before": 2,
        "at": "10:00",
        "channels": ["sms", "email", "letter"],
        "templates": {
            "sms": "lac-herinnering-sms",
            "email": "lac-uitnodiging-email",
            "letter": "lac-tweede-uitnodiging-brief",
        },
        "fallback_after_hours": 4,
        "unless": {"letter": ["replied", "appointment-confirmed", "contact-made"]},
    },
    {
        "name": "ochtend",
        "days_before": 0,
        "at": "08:00",
        "channels": ["sms"],
        "templates": {"sms": "lac-ochtend-sms"},
    },
    {
        # The day before the one-to-one appointment with the social worker.
        "name": "afspraak-herinnering",
        "trigger": "appointment",
        "days_before": 1,
        "at": "10:00",
        "channels": ["sms", "email"],
        "templates": {"sms": "afspraak-herinnering-sms", "email": "afspraak-herinnering-email"},
    },
    # The session changes: only clients who were told about it hear of the change.
    {
        "name": "verplaatst",
        "trigger": "session-moved",
        "channels": ["sms", "email", "letter"],
        "templates": {
            "sms": "lac-verplaatst-sms",
            "email": "lac-verplaatst-email",
            "letter": "lac-verplaatst-brief",
        },
    },
    {
        "name": "geannuleerd",
        "trigger": "session-cancelled",
        "channels": ["sms", "email", "letter"],
        "templates": {
            "sms": "lac-geannuleerd-sms",
            "email": "lac-geannuleerd-email",
            "letter": "lac-geannuleerd-brief",
        },
    },
    {
        "name": "afspraak-bevestiging",
        "trigger": "appointment-confirmed",
        "channels": ["sms", "email"],
        "templates": {"sms": "afspraak-bevestiging-sms", "email": "afspraak-bevestiging-email"},
    },
    # Aftercare, from the outcome of the session: one letter that fits what happened.
    {
        "name": "samenvatting",
        "trigger": "outcome",
        "attended": True,
        "decisions_not": ["cut-off-allowed", "flow-limiter", "reconnection-refused"],
        "working_days_after": 1,
        "at": "10:00",
        "channels": ["letter"],
        "templates": {"letter": "lac-opvolging-brief"},
    },
    {
        "name": "uitkomst-afsluiting",
        "trigger": "outcome",
        "attended": True,
        "decisions": ["cut-off-allowed"],
        "working_days_after": 1,
        "at": "10:00",
        "channels": ["letter"],
        "templates": {"letter": "uitkomst-afsluiting-brief"},
    },
    {
        "name": "uitkomst-waterbegrenzer",
        "trigger": "outcome",
        "attended": True,
        "decisions": ["flow-limiter"],
        "working_days_after": 1,
        "at": "10:00",
        "channels": ["letter"],
        "templates": {"letter": "uitkomst-waterbegrenzer-brief"},
    },
    {
        "name": "uitkomst-heraansluiting-geweigerd",
        "trigger": "outcome",
        "attended": True,
        "decisions": ["reconnection-refused"],
        "working_days_after": 1,
        "at": "10:00",
        "channels": ["letter"],
        "templates": {"letter": "uitkomst-heraansluiting-geweigerd-brief"},
    },
    {
        # What was decided without the client, and what happens now (the task to reach
        # the client again is opened at once, outcomes.py).
        "name": "niet-gekomen",
        "trigger": "outcome",
        "attended": False,
        "working_days_after": 1,
        "at": "10:00",
        "channels": ["letter"],
        "templates": {"letter": "lac-niet-gekomen-brief"},
    },
    {
        # "We spraken onlangs": only for a client who came.
        "name": "doorverwijzing",
        "trigger": "outcome",
        "attended": True,
        "working_days_after": 4,
        "at": "10:00",
        "channels": ["email", "sms", "letter"],
        "templates": {
            "email": "nazorg-doorverwijzing-email",
            "sms": "nazorg-doorverwijzing-sms",
            "letter": "nazorg-doorverwijzing-brief",
        },
    },
    {
        "name": "afbetalingsplan-30-dagen",
        "trigger": "outcome",
        "decisions": ["payment-plan"],
        "days_after": 30,
        "at": "10:00",
        "channels": ["sms", "letter"],
        "templates": {
            "sms": "nazorg-afbetalingsplan-sms",
            "letter": "nazorg-afbetalingsplan-brief",
        },
    },
    {
        # "Hebt u weer water?" only when the water may come back.
        "name": "heraansluiting-opvolging",
        "trigger": "outcome",
        "reasons": ["reconnection"],
        "decisions_not": ["reconnection-refused", "cut-off-allowed"],
        "days_after": 7,
        "at": "10:00",
        "channels": ["sms", "email"],
        "templates": {
            "sms": "heraansluiting-opvolging-sms",
            "email": "nazorg-doorverwijzing-email",
        },
    },
    # A water company reports a failed payment plan.
    {
        "name": "afbetalingsplan-mislukt",
        "trigger": "payment-plan-failed",
        "days_after": 0,
        "channels": ["letter"],
        "templates": {"letter": "nazorg-afbetalingsplan-mislukt-brief"},
    },
]
