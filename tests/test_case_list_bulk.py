"""The bulk case-list import writes and answers exactly what a row at a time did.

Both run on copies of one SQLite database: the bulk import (messenger/casework/case_list.py)
and the row-at-a-time import it replaced (tests/case_list_reference.py, through
clients.create_client, cases.add_case, consent.add_statement and preview_case). The list names
clients the database knows in every way a row can: by INSZ, by mobile number, by email, twice
over, on a phone shared or not, after an earlier row changed them, with consent, a STOP and a
contact attempt on record. What each wrote (every column of every client, consent record,
case, reminder and task) and what each answered (the rows, their plans, the dry run) must be
the same. A list with the same client twice is refused before anything is written.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bench.import_rows import STAFF, national_number
from bench.import_rows import case_list as bench_case_list
from messenger.casework import case_list, case_list_lookups, cases
from messenger.casework.case_import import ImportReport, parse_case_list
from messenger.casework.clients import ClientData, create_client
from messenger.casework.organisations import create_organisation
from messenger.casework.staff import StaffData, add_staff
from messenger.messages import consent, opt_outs
from messenger.platform.db import Sessions, create_engine, create_sessions
from messenger.platform.models import (
    Case,
    Client,
    ConsentRecord,
    ContactAttempt,
    LacSession,
    Reminder,
    Task,
)
from messenger.wording import template_store
from tests import case_list_reference
from tests.casework_support import brussels, utc

SESSION = brussels(2030, 12, 10, 10)  # a Tuesday
NOW = utc(2030, 11, 20, 9)
INSZ = [national_number(n) for n in range(3)]
HEADER = (
    "voornaam;achternaam;gsm;e-mail;straat;huisnummer;postcode;gemeente;watermaatschappij;"
    "reden;gedeelde gsm;geen sms;geen brieven thuis;toestemming sms;toestemming e-mail;"
    "afspraak;insz;maatschappelijk werker;plaats kort"
)
# Row 2 first; each row says what it tests.
ROWS = (
    # Ann, by INSZ: a new mobile number; consent as on record (no new record).
    f"Ann;Aerts;0470 11 11 12;;;;;;Farys;;;;;ja;nee;;{INSZ[0]};;Sociaal Huis Gent",
    # A shared phone finds nobody: Bert's partner is a client of her own.
    "Bea;Bosmans;0470 22 22 22;;Veldstraat;2;9000;Gent;Farys;;ja;;;ja;;;;;",
    # Cis, by email: consent for SMS; a contact attempt of her own may count for the case.
    "Cis;Claes;;cis@example.be;;;;;Pidpa;;;;;ja;;;;;",
    # Dirk, by mobile number: he sent STOP.
    "Dirk;Dewulf;0470 44 44 44;;;;;;Pidpa;;;;;ja;;;;;",
    # Two Evas share an address: the first one stored is found.
    "Eva;Engels;;eva@example.be;Kerkstraat;5;9000;Gent;De Watergroep;;;;;;ja;;;;",
    # Frank, by mobile number, with a new email address...
    "Frank;Fox;0470 66 66 66;frank.new@example.be;;;;;Farys;;;;;;ja;;;;",
    # ...so his old address no longer finds him: a new client.
    "Fien;Fox;;frank@example.be;Molenstraat;3;9000;Gent;Farys;;;;;;;;;;",
    # Greet, by email: her phone is shared from now on...
    "Greet;Goris;;greet@example.be;;;;;Farys;;ja;;;;;;;;",
    # ...so her number no longer finds her: a new client.
    "Gust;Goris;0470 77 77 77;;;;;;Farys;;;;;ja;;;;;",
    # Hans, by mobile number, consent for SMS recorded...
    "Hans;Hermans;0470 88 88 88;;;;;;Aquaduin;;;;;ja;;;;;",
    # ...and found again by his email on the next row: no second record.
    "Hans;Hermans;;hans@example.be;;;;;Aquaduin;;;;;ja;;;;;",
    # New: an appointment, a worker, reconnection, an INSZ.
    f"Ilse;Imbrechts;0470 10 10 10;ilse@example.be;Kouter;1;9000;Gent;Farys;heraansluiting;"
    f";;;ja;ja;3/12/2030 14:00;{INSZ[1]};Jan Peeters;",
    # New, and nobody can reach her: a task at once.
    "Jo;Jacobs;;;Dorp;9;9000;Gent;Farys;;;;ja;;;;;;",
    # New: no consent, so no SMS; no address either.
    "Kato;Kools;0470 12 12 12;;;;;;Farys;;;;;;;;;;",
    # Another organisation's client with this number is not this organisation's.
    "Lien;Lambrechts;0470 99 99 99;;;;;;Farys;;;;;nee;;;;;",
)


def fingerprint(number: str) -> str:
    return f"hash:{number}"


async def _known_clients(session: Any, organisation_id: str, other_id: str) -> None:
    async def client(name: str, **data: Any) -> Client:
        first, last = name.split()
        return await create_client(
            session, organisation_id, ClientData(first_name=first, last_name=last, **data)
        )

    ann = await client("Ann Aerts", phone_number="0470 11 11 11", email="ann@example.be")
    ann.national_number_hash = fingerprint(INSZ[0].replace(".", "").replace("-", ""))
    for purpose, given in ((consent.SMS, True), (consent.EMAIL, False)):
        statement = consent.Statement(purpose, given, method="paper", recorded_by="tests")
        await consent.add_statement(session, ann, statement)
    await client("Bert Bosmans", phone_number="0470 22 22 22", shared_phone=True)
    cis = await client("Cis Claes", email="cis@example.be")
    session.add(
        ContactAttempt(
            organisation_id=organisation_id,
            client_id=cis.id,
            method="call",
            outcome="reached",
            attempted_at=utc(2031, 1, 1),  # recorded ahead: it counts for a case made before
            recorded_by="tests",
        )
    )
    await client("Dirk Dewulf", phone_number="0470 44 44 44")
    opt_outs.record(session, organisation_id, "+32470444444", opted_out=True, source="sms")
    for name in ("Eva Engels", "Eveline Engels"):
        await client(name, email="eva@example.be")
    await client("Frank Fox", phone_number="0470 66 66 66", email="frank@example.be")
    await client("Greet Goris", phone_number="0470 77 77 77", email="greet@example.be")
    await client("Hans Hermans", phone_number="0470 88 88 88", email="hans@example.be")
    await create_client(
        session, other_id, ClientData("Lien", "Elders", phone_number="0470 99 99 99")
    )


async def _prepare(path: Path) -> tuple[str, str]:
    """An organisation with its staff, a session and the known clients; (org id, session id)."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with create_sessions(engine)() as session:
        await template_store.sync_shipped(session)
        organisation = await create_organisation(session, "OCMW Gent")
        other = await create_organisation(session, "OCMW Elders")
        await add_staff(session, organisation.id, StaffData("Jan Peeters", phone="09 266 11 11"))
        for name in STAFF[1:]:  # the benchmark's list names them too
            await add_staff(session, organisation.id, StaffData(name))
        lac = await cases.create_session(session, organisation.id, SESSION, "Sociaal Huis")
        await _known_clients(session, organisation.id, other.id)
        await session.commit()
        ids = organisation.id, lac.id
    await engine.dispose()  # the last connection writes the WAL into the file
    return ids


async def _report(sessions: Sessions, ids: tuple[str, str], text: str) -> ImportReport:
    async with sessions() as session:
        lac = await cases.own_session(session, *ids)
        report = parse_case_list(text, await case_list.import_context(session, lac))
    assert report.ok, report.errors
    return report


Run = Callable[..., Any]


async def _import(
    sessions: Sessions, ids: tuple[str, str], report: ImportReport, run: Run
) -> list[tuple[Any, ...]]:
    """Import; the answer, with every id named by what it is (the same in both runs)."""
    async with sessions() as session:
        lac = await cases.own_session(session, *ids)
        before = {
            c.id: f"{c.first_name} {c.last_name}" for c in await session.scalars(select(Client))
        }
        done = await run(session, lac, report, by="tests", fingerprint=fingerprint, now=NOW)
        await session.commit()
    return [
        (
            d.row,
            before.get(d.client.id, f"new client of row {d.row}"),
            d.reused,
            d.changes,
            d.steps,
            d.unreachable,
            d.task_id is not None,
            d.case.client_id == d.client.id,
        )
        for d in done
    ]


async def _written(sessions: Sessions) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables an import writes, ids replaced by names the same in both runs,
    the times rows were made left out."""
    names: dict[str, str] = {}
    async with sessions() as session:
        clients = list(await session.scalars(select(Client).order_by(Client.created_at)))
        for n, client in enumerate(clients):
            names[client.id] = f"client {n}: {client.first_name} {client.last_name}"
        lacs = await session.scalars(select(LacSession).order_by(LacSession.created_at))
        names |= {lac.id: f"session {n}" for n, lac in enumerate(lacs)}
        for n, case in enumerate(await session.scalars(select(Case).order_by(Case.created_at))):
            names[case.id] = f"case {n} of {names[case.client_id]}"
        dump = {}
        for model, order in (
            (Client, Client.created_at),
            (ConsentRecord, ConsentRecord.id),
            (Case, Case.created_at),
            (Reminder, Reminder.created_at),
            (Task, Task.created_at),
            (LacSession, LacSession.created_at),
        ):
            rows = (await session.execute(select(model.__table__).order_by(order))).mappings()
            dump[model.__tablename__] = [_named(dict(row), names) for row in rows]
    dump["reminders"].sort(key=lambda r: (r["case_id"], r["due_at"], r["step"]))
    return dump


VOLATILE = {"created_at", "updated_at", "recorded_at"}


def _named(row: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if key in VOLATILE or (key == "id" and value not in names):
            continue  # when it was made; a reminder's, task's or consent record's own id
        out[key] = names.get(value, value) if isinstance(value, str) else value
    return out


async def _both(tmp_path: Path, migrated_sqlite: Path, lists: Sequence[str]) -> None:
    """Each list imported (and dry-run first) by both imports, in its own session, in turn."""
    base = tmp_path / "base.db"
    shutil.copyfile(migrated_sqlite, base)
    ids = await _prepare(base)
    answers, written = [], []
    for run, dry_run in (
        (case_list_reference.import_case_list, case_list_reference.preview_case_list),
        (case_list.import_case_list, case_list.preview_case_list),
    ):
        path = tmp_path / f"{run.__module__}.db"
        shutil.copyfile(base, path)
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        sessions = create_sessions(engine)
        said: list[Any] = []
        for n, text in enumerate(lists):
            lac_ids = ids
            if n:  # the next list goes into a session of its own
                async with sessions() as session:
                    lac = await cases.create_session(session, ids[0], SESSION, "Sociaal Huis")
                    await session.commit()
                    lac_ids = (ids[0], lac.id)
            report = await _report(sessions, lac_ids, text)
            async with sessions() as session:
                lac = await cases.own_session(session, *lac_ids)
                previews = await dry_run(session, lac, report, fingerprint=fingerprint, now=NOW)
            said.append([(p.row, p.name, p.reused, p.steps, p.unreachable) for p in previews])
            said.append(await _import(sessions, lac_ids, report, run))
        answers.append(said)
        written.append(await _written(sessions))
        await engine.dispose()
    reference, bulk = answers
    assert bulk == reference
    assert written[1] == written[0]


async def test_the_bulk_import_matches_a_row_at_a_time_for_known_clients(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    await _both(tmp_path, migrated_sqlite, ["\n".join((HEADER, *ROWS)) + "\n"])


async def test_the_bulk_import_matches_a_row_at_a_time_for_a_long_list_and_the_next(
    tmp_path: Path, migrated_sqlite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list made like the benchmark's (every column, couples on a shared phone, clients
    nobody can reach), then the same list into the next session: every client known. Small
    look-up batches, so the list takes several of each."""
    monkeypatch.setattr(case_list_lookups, "CHUNK", 7)
    text = bench_case_list(60, SESSION.replace(tzinfo=None)).decode()
    await _both(tmp_path, migrated_sqlite, [text, text])


async def test_a_list_with_the_same_client_twice_writes_nothing(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    """Known clients are found, not made again; a client twice in the list is refused, each
    later row naming the earlier one, and nothing is written."""
    path = tmp_path / "twice.db"
    shutil.copyfile(migrated_sqlite, path)
    ids = await _prepare(path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessions = create_sessions(engine)
    twice = (
        "Dirk;Dewulf;0470/44.44.44;;;;;;Pidpa;;;;;;;;;;",  # as on row 5: the same mobile
        "Frank;Fox;;FRANK.NEW@example.be;;;;;Farys;;;;;;;;;;",  # row 7's email, in capitals
        f"Anna;Aerts;;;Veldstraat;8;9000;Gent;Farys;;;;;;;;{INSZ[0]};;",  # row 2's INSZ
    )
    async with sessions() as session:
        lac = await cases.own_session(session, *ids)
        context = await case_list.import_context(session, lac)
    refused = parse_case_list("\n".join((HEADER, *ROWS, *twice)) + "\n", context)
    first = len(ROWS) + 2
    assert [(e.row, e.column, e.message) for e in refused.errors] == [
        (
            first,
            "gsm",
            "Deze cliënt staat al op rij 5: hetzelfde gsm-nummer. Delen ze een gsm? Zet dan "
            "'gedeelde gsm' op ja bij allebei.",
        ),
        (first + 1, "e-mail", "Deze cliënt staat al op rij 7: hetzelfde e-mailadres."),
        (first + 2, "insz", "Deze cliënt staat al op rij 2: hetzelfde INSZ."),
    ]
    before = await _written(sessions)
    async with sessions() as session:
        lac = await cases.own_session(session, *ids)
        with pytest.raises(ValueError, match="nothing was imported"):
            await case_list.import_case_list(
                session, lac, refused, by="tests", fingerprint=fingerprint, now=NOW
            )
        await session.commit()
    assert await _written(sessions) == before

    # Without the rows twice, the known clients are found and none is made again.
    report = await _report(sessions, ids, "\n".join((HEADER, *ROWS)) + "\n")
    answer = await _import(sessions, ids, report, case_list.import_case_list)
    after = await _written(sessions)
    reused = {name for _, name, known, *_ in answer if known}
    assert reused == {
        "Ann Aerts", "Cis Claes", "Dirk Dewulf", "Eva Engels", "Frank Fox", "Greet Goris",
        "Hans Hermans",
    }  # fmt: skip
    made = len(after["clients"]) - len(before["clients"])
    assert made == len(ROWS) - 8  # eight rows name a known client (Hans twice)
    await engine.dispose()
