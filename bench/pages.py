"""How long the web pages take with a year of data: 10,000 clients, 100,000 messages.

    .venv/bin/python -m bench.pages [REPEATS]          # SQLite in a temporary folder
    DATABASE_URL=postgresql://… .venv/bin/python -m bench.pages   # an empty PostgreSQL

Fills the database directly (one organisation: 50 sessions of 200 cases, four plan steps a
case, ten messages a client, replies and tasks), starts the real application on a loopback
port, signs in as a social worker and asks every page REPEATS times. Prints the median and
the slowest time of each page, as a browser waits for it. The target is 200 ms a page.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import insert, select, text

from messenger.casework.organisations import create_organisation
from messenger.casework.reminder_plans import DEFAULT_STEPS
from messenger.cli.runner import running_api, server_url, settle_heap
from messenger.platform import accounts, migrate, roles
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.models import (
    Case,
    Client,
    LacSession,
    Message,
    ReceivedMessage,
    Reminder,
    Task,
    Template,
    TemplateVersion,
)
from messenger.platform.settings import Settings
from messenger.wording import template_store
from messenger.wording.template_files import template_id

CLIENTS, SESSIONS, MESSAGES_EACH = 10_000, 50, 10
# The shipped plan's steps, with the channels each may use (reminder_plans.DEFAULT_STEPS).
STEPS = {
    s["name"]: s["channels"] for s in DEFAULT_STEPS if s["name"] != "uitnodiging-heraansluiting"
}
PASSWORD = "een lange zin als wachtwoord"  # noqa: S105 - the benchmark's own account
TARGET_MS = 200
# A shipped letter with two variants: the editor draws its four pages as pictures.
LETTER = template_id("lac-tweede-uitnodiging-brief")
START = datetime(2026, 12, 1, 9, tzinfo=UTC)


def ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


async def fill(settings: Settings) -> dict[str, str]:
    engine = create_engine(settings.database)
    await migrate.upgrade(engine)
    sessions = create_sessions(engine)
    async with sessions() as session:
        await template_store.sync_shipped(session)
        organisation = await create_organisation(session, "OCMW Gent")
        org = organisation.id
        account, _ = await accounts.create_account(
            session,
            organisation_id=org,
            email="an@ocmw.be",
            name="An Peeters",
            role=roles.SOCIAL_WORKER,
            now=START,
        )
        await accounts.set_password(session, account, PASSWORD, START)
        template = await session.scalar(
            select(Template).where(Template.name == "lac-herinnering-sms")
        )
        assert template is not None
        version = await session.scalar(
            select(TemplateVersion.version).where(TemplateVersion.template_id == template.id)
        )
        client_ids, session_ids = ids(CLIENTS), ids(SESSIONS)
        await session.execute(
            insert(LacSession),
            [
                {"id": s, "organisation_id": org, "starts_at": START + timedelta(days=7 * n),
                 "place": "Sociaal Huis", "status": "planned"}
                for n, s in enumerate(session_ids)
            ],
        )  # fmt: skip
        await session.execute(
            insert(Client),
            [
                {"id": c, "organisation_id": org, "first_name": f"Voornaam{n}",
                 "last_name": f"Janssens{n % 500}", "phone_number": f"+3247{n:07d}",
                 "email": f"client{n}@example.be",
                 "address_lines": [f"Client {n}", f"Kerkstraat {n}", "9000 Gent"]}
                for n, c in enumerate(client_ids)
            ],
        )  # fmt: skip
        case_ids = ids(CLIENTS)
        await session.execute(
            insert(Case),
            [
                {"id": k, "organisation_id": org, "client_id": c,
                 "session_id": session_ids[n % SESSIONS], "reason": "unpaid-bills",
                 "water_company": "De Watergroep", "reference": f"DW-{n}", "status": "open"}
                for n, (k, c) in enumerate(zip(case_ids, client_ids, strict=True))
            ],
        )  # fmt: skip
        await session.execute(
            insert(Reminder),
            [
                {"id": str(uuid.uuid4()), "organisation_id": org, "case_id": k, "step": step,
                 "due_at": START + timedelta(days=s), "status": "pending", "channels": channels}
                for k in case_ids
                for s, (step, channels) in enumerate(STEPS.items())
            ],
        )  # fmt: skip
        for chunk in range(0, CLIENTS, 1000):
            await session.execute(
                insert(Message),
                [
                    {"id": str(uuid.uuid4()), "organisation_id": org, "key_type": "live",
                     "kind": "sms", "status": "delivered" if m % 7 else "permanent-failure",
                     "template_id": template.id, "template_version": version or 1,
                     "language": "nl", "recipient": f"+3247{n:07d}", "body": "Dag Sara.",
                     "client_id": client_ids[n], "case_id": case_ids[n],
                     "created_at": START - timedelta(days=m)}
                    for n in range(chunk, chunk + 1000)
                    for m in range(MESSAGES_EACH)
                ],
            )  # fmt: skip
        await session.execute(
            insert(ReceivedMessage),
            [
                {"id": str(uuid.uuid4()), "organisation_id": org, "kind": "sms",
                 "sender": f"+3247{n:07d}", "recipient": "", "content": "Kan het later?",
                 "intent": "reply", "client_id": client_ids[n]}
                for n in range(0, CLIENTS, 10)
            ],
        )  # fmt: skip
        await session.execute(
            insert(Task),
            [
                {"id": str(uuid.uuid4()), "organisation_id": org, "kind": "call-back",
                 "title": "Vraagt om teruggebeld te worden", "client_id": client_ids[n]}
                for n in range(0, CLIENTS, 20)
            ],
        )  # fmt: skip
        await session.commit()
    if engine.dialect.name == "postgresql":
        # PostgreSQL's autovacuum gathers the planner's statistics within a minute of a bulk
        # load; without them it scans all 90,000 plan steps for one session page. SQLite
        # plans without statistics, as Messenger's own SQLite databases do.
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
    await engine.dispose()
    return {"session": session_ids[0], "client": client_ids[0], "template": template.id}


async def measure(
    settings: Settings, made: dict[str, str], repeats: int
) -> list[tuple[str, float, float]]:
    pages = [
        "/", "/zittingen", f"/zittingen/{made['session']}", "/clienten?q=Janssens42",
        f"/clienten/{made['client']}", "/inbox", "/drukkerij", "/sjablonen",
        f"/sjablonen/{made['template']}", f"/sjablonen/{LETTER}",
        f"/clienten/{made['client']}/bericht?sjabloon={LETTER}",
    ]  # fmt: skip
    found = []
    async with (
        running_api(settings, None) as server,
        httpx.AsyncClient(base_url=server_url(server), timeout=60) as http,
    ):
        settle_heap()  # as `messenger serve` does once started
        page = await http.get("/aanmelden")
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        signed = await http.post(
            "/aanmelden",
            data={"form_token": token, "email": "an@ocmw.be", "password": PASSWORD},
        )
        assert signed.status_code == 303, signed.text
        for path in pages:
            warm = await http.get(path)  # the first time fills caches and compiles templates
            assert warm.status_code == 200, (path, warm.status_code, warm.text[-2000:])
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = await http.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            found.append((path, statistics.median(times), max(times)))
    return found


async def main(repeats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        # DATABASE_URL, when set, is read by Settings itself.
        settings = Settings(var_dir=Path(folder), secret_key=Fernet.generate_key().decode())
        started = time.perf_counter()
        made = await fill(settings)
        seconds, database = time.perf_counter() - started, settings.database.split(":")[0]
        print(
            f"{CLIENTS} clients, {CLIENTS * MESSAGES_EACH} messages, {CLIENTS * len(STEPS)} "
            f"plan steps in {seconds:.0f} s ({database})"
        )
        rows: list[Any] = await measure(settings, made, repeats)
    print(f"{'page':<55} {'median':>8} {'slowest':>8}")
    for path, median, slowest in rows:
        flag = "" if slowest <= TARGET_MS else f"  over {TARGET_MS} ms"
        print(f"{path:<55} {median:>6.0f}ms {slowest:>6.0f}ms{flag}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
