"""Message statuses (GOV.UK Notify's names) and which changes are allowed."""

from __future__ import annotations

CREATED = "created"
SENDING = "sending"
PENDING = "pending"
SENT = "sent"
DELIVERED = "delivered"
PERMANENT_FAILURE = "permanent-failure"
TEMPORARY_FAILURE = "temporary-failure"
TECHNICAL_FAILURE = "technical-failure"
CANCELLED = "cancelled"
RETURNED_LETTER = "returned-letter"
# A letter made elsewhere (a PDF) that cannot be printed as it is (precompiled.py).
VALIDATION_FAILED = "validation-failed"

ALL = (
    CREATED,
    SENDING,
    PENDING,
    SENT,
    DELIVERED,
    PERMANENT_FAILURE,
    TEMPORARY_FAILURE,
    TECHNICAL_FAILURE,
    CANCELLED,
    RETURNED_LETTER,
    VALIDATION_FAILED,
)
FAILURES = frozenset({PERMANENT_FAILURE, TEMPORARY_FAILURE, TECHNICAL_FAILURE, VALIDATION_FAILED})
# Still on its way: a worker or a provider has yet to say how it ended.
IN_FLIGHT = frozenset({CREATED, SENDING, PENDING})
# Nothing can move these any more.
FINAL = frozenset({DELIVERED, CANCELLED, RETURNED_LETTER, *FAILURES})

# Forward moves only: a late or repeated receipt never moves a message back.
# The one way back, sending -> created, is a retry after a transient error. A receipt may
# move a message on from `created`: the provider had an attempt we took for failed, and
# the retry then finds it done instead of sending it twice.
ALLOWED: dict[str, frozenset[str]] = {
    CREATED: frozenset({SENDING, SENT, DELIVERED, CANCELLED, *FAILURES}),
    SENDING: frozenset({CREATED, PENDING, SENT, DELIVERED, *FAILURES}),
    PENDING: frozenset({SENT, DELIVERED, *FAILURES}),
    SENT: frozenset({DELIVERED, RETURNED_LETTER, PERMANENT_FAILURE, TEMPORARY_FAILURE}),
    DELIVERED: frozenset(),
    PERMANENT_FAILURE: frozenset(),
    TEMPORARY_FAILURE: frozenset(),
    TECHNICAL_FAILURE: frozenset(),
    CANCELLED: frozenset(),
    RETURNED_LETTER: frozenset(),
    VALIDATION_FAILED: frozenset(),
}

# Notify's API accepts these aliases in `?status=`.
ALIASES: dict[str, frozenset[str]] = {
    "failed": FAILURES,
    SENDING: frozenset({CREATED, SENDING, PENDING}),
}


def can_move(current: str, new: str) -> bool:
    return new in ALLOWED.get(current, frozenset())


def expand_filter(names: list[str]) -> set[str]:
    """`?status=failed` means every failure, as in Notify."""
    found: set[str] = set()
    for name in names:
        found |= ALIASES.get(name, frozenset({name}))
    return found
