"""What the database knows about a case list's clients, looked up once for the whole list.

A row names a known client by INSZ (its keyed hash), else by mobile number (not a shared one),
else by email address. Instead of three queries a row, the organisation's clients with any of
the list's hashes, numbers or addresses are read in a few queries (IN lists of at most CHUNK
values, on indexes), with their latest consent, the list's numbers that sent STOP and the
staff the list names. `KnownClients` then answers each row as those queries would, in the
database's order (the client stored first), and follows the import: a client made or changed
by an earlier row is found, or no longer found, by the rows after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.case_import_report import ImportedCase
from messenger.casework.case_list_rows import plain
from messenger.casework.reachability import Facts
from messenger.messages import consent, opt_outs
from messenger.platform.models import Client, ConsentRecord, ContactAttempt, StaffMember

# Values per IN list: well under SQLite's and asyncpg's limits on bound parameters.
CHUNK = 500
PURPOSES = (consent.SMS, consent.EMAIL)
T = TypeVar("T")
_Key = tuple[str, str]  # ("insz" | "phone" | "email", value)


def chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in IN lists of at most CHUNK."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _keys(client: Client) -> set[_Key]:
    """What a row can find this client by now (a shared phone finds nobody)."""
    keys: set[_Key] = set()
    if client.national_number_hash:
        keys.add(("insz", client.national_number_hash))
    if client.phone_number and not client.shared_phone:
        keys.add(("phone", client.phone_number))
    if client.email:
        keys.add(("email", client.email))
    return keys


class KnownClients:
    """The organisation's clients a row may name, by what a row finds them by."""

    def __init__(self, found: Iterable[Client]) -> None:
        self._rank: dict[str, int] = {}  # the order the database would give them in
        self._by_key: dict[_Key, dict[str, Client]] = {}
        self._keys: dict[str, set[_Key]] = {}
        # Stored first, first: as an index on the column returns them.
        for client in sorted(found, key=lambda c: (c.created_at, c.id)):
            self.add(client)

    def add(self, client: Client) -> None:
        """A client stored by this import: the rows after it find it."""
        self._rank.setdefault(client.id, len(self._rank))
        self._keys[client.id] = set()
        self.changed(client)

    def changed(self, client: Client) -> None:
        """The client's number, address, hash or flags changed: index it by what it has now."""
        before, now = self._keys[client.id], _keys(client)
        for key in before - now:
            del self._by_key[key][client.id]
        for key in now - before:
            self._by_key.setdefault(key, {})[client.id] = client
        self._keys[client.id] = now

    def _first(self, key: _Key) -> Client | None:
        found = self._by_key.get(key)
        return min(found.values(), key=lambda c: self._rank[c.id]) if found else None

    def find(
        self, phone: str | None, email: str | None, shared_phone: bool, number_hash: str | None
    ) -> Client | None:
        """The known client: by INSZ, else by mobile number (not a shared one), else by email."""
        if number_hash and (found := self._first(("insz", number_hash))):
            return found
        # A shared phone is not a person: two clients on one phone stay two clients.
        if phone and not shared_phone and (found := self._first(("phone", phone))):
            return found
        return self._first(("email", email)) if email else None


@dataclass
class ListLookups:
    """Everything the rows of one list are checked and planned against, read once."""

    clients: KnownClients
    # (client id, purpose) -> the latest consent on record; none recorded: not there.
    consent: dict[tuple[str, str], bool]
    # The list's numbers (and its known clients') whose latest word was STOP.
    stopped: set[str]
    # The staff members the list names, by id.
    staff: dict[str, StaffMember]
    # Known clients with a contact attempt recorded without a case: it may count for a case.
    attempted: set[str] = field(default_factory=set)
    # The staff as plain objects, for the values of the plan's templates.
    workers: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.workers = {id_: plain(member) for id_, member in self.staff.items()}

    def allows(self, client_id: str, purpose: str) -> bool:
        return self.consent.get((client_id, purpose), False)

    def facts(self, client: Any) -> Facts:
        """reachability.facts_about, from what was read: the consent recorded so far in this
        import included."""
        return Facts(
            opted_out=bool(client.phone_number) and client.phone_number in self.stopped,
            sms_consent=self.allows(client.id, consent.SMS),
            email_consent=self.allows(client.id, consent.EMAIL),
        )

    def record_consent(self, client_id: str, purpose: str, given: bool) -> None:
        self.consent[(client_id, purpose)] = given


async def look_up(
    session: AsyncSession,
    organisation_id: str,
    cases: Sequence[ImportedCase],
    hashes: Sequence[str | None],
    *,
    attempts: bool = False,
) -> ListLookups:
    """Read what the list's rows need, in a few queries. `hashes`: each row's INSZ hash.
    `attempts`: also which known clients have contact attempts without a case."""
    clients = await _known_clients(session, organisation_id, cases, hashes)
    ids = sorted(clients)
    phones = {c.client.phone_number for c in cases if c.client.phone_number}
    phones |= {c.phone_number for c in clients.values() if c.phone_number}
    worker_ids = sorted({c.worker_id for c in cases if c.worker_id})
    staff: dict[str, StaffMember] = {}
    for chunk in chunks(worker_ids):
        found = await session.scalars(select(StaffMember).where(StaffMember.id.in_(chunk)))
        staff |= {member.id: member for member in found}
    return ListLookups(
        clients=KnownClients(clients.values()),
        consent=await _latest_consent(session, ids),
        stopped=await _stopped(session, organisation_id, sorted(phones)),
        staff=staff,
        attempted=await _attempted(session, ids) if attempts else set(),
    )


async def _known_clients(
    session: AsyncSession,
    organisation_id: str,
    cases: Sequence[ImportedCase],
    hashes: Sequence[str | None],
) -> dict[str, Client]:
    """The organisation's clients with one of the list's hashes, mobile numbers or emails."""
    wanted = (
        (Client.national_number_hash, {h for h in hashes if h}),
        (Client.phone_number, {c.client.phone_number for c in cases if c.client.phone_number}),
        (Client.email, {c.client.email for c in cases if c.client.email}),
    )
    mine = select(Client).where(Client.organisation_id == organisation_id)
    found: dict[str, Client] = {}
    for column, values in wanted:
        for chunk in chunks(sorted(values)):
            found |= {c.id: c for c in await session.scalars(mine.where(column.in_(chunk)))}
    return found


async def _latest_consent(
    session: AsyncSession, client_ids: Sequence[str]
) -> dict[tuple[str, str], bool]:
    """consent.latest for SMS and email, for many clients: the record with the highest id."""
    latest: dict[tuple[str, str], bool] = {}
    for chunk in chunks(client_ids):
        rows = await session.execute(
            select(ConsentRecord.client_id, ConsentRecord.purpose, ConsentRecord.given)
            .where(ConsentRecord.client_id.in_(chunk), ConsentRecord.purpose.in_(PURPOSES))
            .order_by(ConsentRecord.id)
        )
        latest |= {(client_id, purpose): given for client_id, purpose, given in rows}
    return latest


async def _stopped(session: AsyncSession, organisation_id: str, phones: Sequence[str]) -> set[str]:
    stopped: set[str] = set()
    for chunk in chunks(phones):
        stopped |= await opt_outs.opted_out_numbers(session, organisation_id, chunk)
    return stopped


async def _attempted(session: AsyncSession, client_ids: Sequence[str]) -> set[str]:
    attempted: set[str] = set()
    for chunk in chunks(client_ids):
        attempted |= set(
            await session.scalars(
                select(ContactAttempt.client_id)
                .where(ContactAttempt.client_id.in_(chunk), ContactAttempt.case_id.is_(None))
                .distinct()
            )
        )
    return attempted
