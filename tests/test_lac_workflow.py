"""The LAC workflow as a social worker starts it: a real case list (CSV as Excel saves it, and
the same list as .xlsx) goes through the API into a session, with the shipped default plan and
no hand-made rows, and a real worker sends every step at its Brussels time on a simulated
clock, into the sandbox outbox. The one client nobody can reach has a task from the import on.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import select

from messenger.cli.runner import running_api, running_worker, server_url
from messenger.messages import statuses
from messenger.platform.clock import SimulatedClock
from messenger.platform.dates import BRUSSELS
from messenger.platform.db import Sessions
from messenger.platform.models import Message, Reminder
from messenger.platform.settings import Settings
from tests.sms_support import eventually
from tests.support import Tenant

CASE_LIST = Path(__file__).parent / "fixtures" / "import" / "lac_december_15_clients.csv"
SESSION_START = datetime(2026, 12, 15, 10, tzinfo=BRUSSELS)  # a Tuesday
IMPORTED_ON = datetime(2026, 11, 23, 9, tzinfo=BRUSSELS)  # three weeks before
PROFILE = {
    "contact_name": "Sociale dienst OCMW Gent",
    "contact_phone": "09 266 99 00",
    "contact_email": "sociale.dienst@ocmw.gent.example",
    "walk_in_address": "Onderbergen 86, 9000 Gent",
    "opening_hours": "maandag tot vrijdag van 9 tot 12 uur",
}
STAFF = [
    {"name": "Jan Peeters", "phone": "09 266 11 11", "email": "jan.peeters@ocmw.gent.example"},
    {"name": "Lies Claes", "phone": "09 266 22 22", "email": "lies.claes@ocmw.gent.example"},
]
# Brussels wall-clock times, as the API shows them. The reminder two days before falls on
# Sunday 13 December, a closed day: it goes out on Monday at 09:00, when quiet hours end.
DUE = {
    "uitnodiging": "2026-12-01T10:00:00+01:00",
    "uitnodiging-heraansluiting": "2026-12-01T10:00:00+01:00",
    "afspraak-voorstel": "2026-12-08T10:00:00+01:00",
    # The day before Sara's appointment (Thursday 10 December, 14:00).
    "afspraak-herinnering": "2026-12-09T10:00:00+01:00",
    "herinnering": "2026-12-14T09:00:00+01:00",
    "ochtend": "2026-12-15T09:00:00+01:00",
}
# Per client, the channel each step goes out on (None: no channel can, and it was foreseen).
EXPECTED: dict[str, dict[str, str | None]] = {
    "Sara Janssens": {
        "uitnodiging": "letter",
        "afspraak-voorstel": "sms",
        "afspraak-herinnering": "sms",
        "herinnering": "sms",
        "ochtend": "sms",
    },
    "Mohamed Benali": {"uitnodiging": "letter", "herinnering": "sms", "ochtend": "sms"},
    # No phone: the reminder goes by email (consent from the list).
    "Els De Smet": {"uitnodiging": "letter", "herinnering": "email", "ochtend": None},
    # A phone but no consent, no email: letters only.
    "Kevin Van Damme": {"uitnodiging": "letter", "herinnering": "letter", "ochtend": None},
    # A shared phone is never texted: two clients, letters each.
    "Nathalie Wouters": {"uitnodiging": "letter", "herinnering": "letter", "ochtend": None},
    "Pieter Wouters": {"uitnodiging": "letter", "herinnering": "letter", "ochtend": None},
    # No letters at home: the invitation goes by email.
    "Fatima Ouali": {"uitnodiging": "email", "herinnering": "sms", "ochtend": "sms"},
    "Jozef Maes": {
        "uitnodiging-heraansluiting": "letter",
        "herinnering": "letter",
        "ochtend": None,
    },
    # No letters at home, no consent for SMS, no email: nobody can reach him.
    "Dirk Peeters": {"uitnodiging": None, "herinnering": None, "ochtend": None},
    "Ann Claeys": {"uitnodiging": "letter", "herinnering": "letter", "ochtend": None},
    "Luc Verstraete": {"uitnodiging": "letter", "herinnering": "letter", "ochtend": None},
    "Marie Dubois": {"uitnodiging": "letter", "herinnering": "sms", "ochtend": "sms"},
    # "Geen sms" wins over everything: email for the reminder.
    "Tom Vermeulen": {"uitnodiging": "letter", "herinnering": "email", "ochtend": None},
    "Yasmine El Idrissi": {"uitnodiging": "letter", "herinnering": "sms", "ochtend": "sms"},
    # Said no to email at intake.
    "Bart Hendrickx": {"uitnodiging": "letter", "herinnering": "letter", "ochtend": None},
}


# Only Sara has an appointment to offer; for everyone else that step is skipped, as planned.
for _name, _steps in EXPECTED.items():
    _steps.setdefault("afspraak-voorstel", None)


def as_xlsx(raw: bytes) -> bytes:
    """The same list saved as an Excel workbook, with the appointment as a real date cell."""
    rows = list(csv.reader(io.StringIO(raw.decode("cp1252")), delimiter=";"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    appointment = rows[0].index("Afspraak")
    for row in rows:
        cells: list[Any] = list(row)
        if row is not rows[0] and row[appointment]:
            cells[appointment] = datetime.strptime(row[appointment], "%d/%m/%Y %H:%M")
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def personal_data(raw: bytes) -> set[str]:
    """Every name, number, email address and street of the case list."""
    rows = list(csv.DictReader(io.StringIO(raw.decode("cp1252")), delimiter=";"))
    found = set()
    for row in rows:
        for column in ("Voornaam", "Achternaam", "E-mail", "Straat", "GSM", "INSZ"):
            if row[column]:
                found.add(row[column])
        if row["GSM"]:
            found.add("+32" + row["GSM"].replace(" ", "")[1:])
    return {value for value in found if len(value) > 3}


@dataclass
class Office:
    http: httpx.AsyncClient
    clock: SimulatedClock
    tenant: Tenant
    sessions: Sessions
    settings: Settings

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.post(path, headers=self.tenant.headers(), **kwargs)

    async def get(self, path: str) -> Any:
        response = await self.http.get(path, headers=self.tenant.headers())
        assert response.status_code == 200, response.text
        return response.json()

    async def walk_to(self, local: str) -> None:
        """Move the clock and wait until the worker has dealt with every step due by then."""
        moment = datetime.fromisoformat(local)
        self.clock.advance_to(moment)

        async def settled() -> bool:
            async with self.sessions() as session:
                due = await session.scalar(
                    select(Reminder.id).where(
                        Reminder.status == "pending", Reminder.due_at <= moment
                    )
                )
                waiting = await session.scalar(
                    select(Message.id).where(Message.status.in_(statuses.IN_FLIGHT))
                )
            return due is None and waiting is None

        # Generous: fifteen letters are rendered here, on a machine that may be busy.
        await eventually(settled, f"every step due by {local} dealt with", timeout=90)


@pytest.fixture
async def office(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant
) -> AsyncIterator[Office]:
    clock = SimulatedClock(IMPORTED_ON)
    async with (
        running_api(settings, redis_server, clock=clock) as server,
        running_worker(settings, redis_server, clock=clock),
        httpx.AsyncClient(base_url=server_url(server), timeout=30) as http,
    ):
        yield Office(http, clock, tenant, sessions, settings)


def by_client(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["client"]: row for row in answer["cases"]}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
async def test_an_imported_case_list_reaches_every_client_who_can_be_reached(
    office: Office, file_format: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what `messenger serve` and `messenger worker` log
    admin = office.tenant.headers()
    profile = await office.http.patch("/v2/organisation", json=PROFILE, headers=admin)
    assert profile.status_code == 200, profile.text
    for member in STAFF:
        assert (await office.post("/v2/staff", json=member)).status_code == 201
    made = await office.post(
        "/v2/lac-sessions",
        json={"starts_at": SESSION_START.isoformat(), "place": "OCMW Gent, Onderbergen 86"},
    )
    session_id = made.json()["id"]
    raw = CASE_LIST.read_bytes()
    upload = raw if file_format == "csv" else as_xlsx(raw)
    path = f"/v2/lac-sessions/{session_id}/import"

    # The dry run shows the plan, flags the one client nobody can reach, and writes nothing.
    dry = await office.post(path, params={"dry_run": "true"}, content=upload)
    assert dry.status_code == 200, dry.text
    preview = by_client(dry.json())
    assert set(preview) == set(EXPECTED)
    assert [name for name, row in preview.items() if row["unreachable"]] == ["Dirk Peeters"]
    assert {s["step"]: s["channel"] for s in preview["Sara Janssens"]["steps"]} == EXPECTED[
        "Sara Janssens"
    ]
    assert await office.get("/v2/inbox") == {"replies": [], "tasks": []}

    imported = await office.post(path, content=upload)
    assert imported.status_code == 201, imported.text
    answer = imported.json()
    assert (answer["rows"], answer["imported"], answer["unreachable"]) == (15, 15, 1)
    rows = by_client(answer)
    for name, steps in EXPECTED.items():
        planned = {s["step"]: (s["channel"], s["due_at"]) for s in rows[name]["steps"]}
        assert planned == {step: (channel, DUE[step]) for step, channel in steps.items()}, (
            name,
            rows[name],
        )
    # Why a channel is passed over is there to read, in Dutch.
    kevin = {s["step"]: s for s in rows["Kevin Van Damme"]["steps"]}
    assert kevin["herinnering"]["passed_over"] == [
        {"channel": "sms", "reason": "geen toestemming voor sms"},
        {"channel": "email", "reason": "geen e-mailadres"},
    ]
    assert all(not s["missing_values"] for row in rows.values() for s in row["steps"])
    # Told at once: the task is there from the import on, not on the day a step fails.
    dirk = rows["Dirk Peeters"]
    assert dirk["task_id"] and "geen brieven thuis" in dirk["unreachable"]
    [task] = (await office.get("/v2/inbox"))["tasks"]
    assert (task["id"], task["kind"]) == (dirk["task_id"], "unreachable")
    assert task["title"].startswith("Niet bereikbaar: Dirk Peeters")

    # The case page shows its steps in Brussels time too.
    case = await office.get(f"/v2/cases/{rows['Sara Janssens']['case_id']}")
    assert {r["step"]: r["due_at"] for r in case["reminders"]} == {
        step: DUE[step] for step in EXPECTED["Sara Janssens"]
    }

    for moment in sorted(set(DUE.values())):
        await office.walk_to(moment)

    async with office.sessions() as session:
        reminders = list(await session.scalars(select(Reminder)))
        messages = {m.id: m for m in await session.scalars(select(Message))}
    case_client = {row["case_id"]: name for name, row in rows.items()}
    sent = {
        (case_client[r.case_id], r.step): (r.channel if r.status == "sent" else None)
        for r in reminders
    }
    expected = {(name, step): ch for name, steps in EXPECTED.items() for step, ch in steps.items()}
    assert sent == expected
    assert all(
        m.status == (statuses.SENT if m.kind == "letter" else statuses.DELIVERED)
        for m in messages.values()
    )
    reached = {case_client[r.case_id] for r in reminders if r.status == "sent"}
    per_channel = Counter(m.kind for m in messages.values())
    assert (len(reached), per_channel) == (14, {"letter": 20, "sms": 12, "email": 3})
    # Everything a client gets is in the outbox, with the words filled in.
    outbox = office.settings.outbox_dir
    files = Counter(p.parent.name for p in outbox.rglob("*") if p.is_file())
    assert files == {"letters": 20, "sms": 12, "email": 3}
    sara = rows["Sara Janssens"]
    texts = [
        json.loads((outbox / "sms" / f"{m.id}.json").read_text())
        for m in messages.values()
        if m.kind == "sms" and m.case_id == sara["case_id"]
    ]
    assert len(texts) == 4 and all(t["to"] == "+32470123456" for t in texts)
    offer = next(t["body"] for t in texts if "donderdag 10 december 2026 om 14 uur" in t["body"])
    assert "Bel 09 266 11 11" in offer  # her appointment, her own worker's number
    reminder = next(t["body"] for t in texts if "dinsdag 15 december" in t["body"])
    assert "09 266 11 11" in reminder
    # No social worker on Kevin's row: the organisation's profile fills in who to call.
    kevin_letters = [
        m.body for m in messages.values() if m.case_id == rows["Kevin Van Damme"]["case_id"]
    ]
    assert len(kevin_letters) == 2 and all("09 266 99 00" in body for body in kevin_letters)
    marie = next(
        m
        for m in messages.values()
        if m.kind == "sms" and m.case_id == rows["Marie Dubois"]["case_id"]
    )
    assert marie.language == "fr"
    # Only the one task: steps that were foreseen to reach nobody are no news on the day.
    assert len((await office.get("/v2/inbox"))["tasks"]) == 1
    # No personal data in the logs of the whole scenario, tracebacks included.
    logged = caplog.text + "".join(
        logging.Formatter().formatException(r.exc_info) for r in caplog.records if r.exc_info
    )
    assert caplog.records, "the scenario logs something"
    for personal in personal_data(raw):
        assert personal not in logged, personal
