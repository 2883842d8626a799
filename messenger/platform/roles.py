"""What each kind of API key may do. One table, read by the API's dependencies.

- admin: everything in its organisation but a partner's own notices (the default for keys
  made before roles existed).
- social-worker: send, and work with clients, consent, partners, sessions and cases.
- partner: read and acknowledge its own partner's shared-contact notices, nothing else.
- water-company: list its own company's cases (no client data) and report events on them.
"""

from __future__ import annotations

ADMIN = "admin"
SOCIAL_WORKER = "social-worker"
PARTNER = "partner"
WATER_COMPANY = "water-company"
ROLES = (ADMIN, SOCIAL_WORKER, PARTNER, WATER_COMPANY)

SEND = frozenset({ADMIN, SOCIAL_WORKER})
CASEWORK = frozenset({ADMIN, SOCIAL_WORKER})
SETTINGS = frozenset({ADMIN})
PARTNER_NOTICES = frozenset({PARTNER})
WATER_COMPANY_REPORTS = frozenset({WATER_COMPANY})


def check_role(
    role: str, *, partner_id: str | None, water_company: str | None, holder: str
) -> None:
    """A role, with the link only partner and water-company keys or accounts have."""
    if role not in ROLES:
        raise ValueError(f"Role must be one of {', '.join(ROLES)}.")
    if (role == PARTNER) != (partner_id is not None):
        raise ValueError(
            f"A partner {holder} needs --partner, and only a partner {holder} has one."
        )
    if (role == WATER_COMPANY) != (water_company is not None):
        raise ValueError(f"A water company {holder} needs --water-company, and only it has one.")
