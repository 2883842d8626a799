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


# Notify's API shows a letter's progress in two words of its own: `accepted` (on its way to
# the print room) and `received` (posted); its other statuses by their names. Notify shows a
# returned letter as `received` too; Messenger says `returned-letter`, since the social
# worker's system must know the client did not get it.
ACCEPTED, RECEIVED = "accepted", "received"
_AS_LETTER = {
    CREATED: ACCEPTED, SENDING: ACCEPTED, PENDING: ACCEPTED, SENT: RECEIVED, DELIVERED: RECEIVED,
}  # fmt: skip
LETTER_ALIASES: dict[str, frozenset[str]] = {
    word: frozenset(s for s, shown in _AS_LETTER.items() if shown == word)
    for word in (ACCEPTED, RECEIVED)
}


def settled(shown_status: str) -> bool:
    """Whether a status as the API shows it is the end of the way (not in flight)."""
    return shown_status not in IN_FLIGHT and shown_status != ACCEPTED


def shown(kind: str, status: str) -> str:
    """The status as Notify's API shows it."""
    return _AS_LETTER.get(status, status) if kind == "letter" else status


def can_move(current: str, new: str) -> bool:
    return new in ALLOWED.get(current, frozenset())


def expand_filter(names: list[str]) -> tuple[set[str], set[str]]:
    """`?status=failed` means every failure, as in Notify; `accepted` and `received` are
    letters' words. The statuses wanted of every kind, and those wanted of letters only."""
    found: set[str] = set()
    letters: set[str] = set()
    for name in names:
        if name in LETTER_ALIASES:
            letters |= LETTER_ALIASES[name]
        else:
            found |= ALIASES.get(name, frozenset({name}))
    return found, letters
