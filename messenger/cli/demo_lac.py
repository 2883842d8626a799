"""`messenger demo lac`: one LAC session from start to end, on a simulated clock.

A throwaway database and outbox under var/demo-lac/, the embedded Redis (unless REDIS_URL is
set), the API and a worker in this process, all handed the same simulated clock. Through the
same doors as a real office: the organisation's profile, its staff, the session and the case
list go in over the HTTP API; replies arrive as inbound SMS; outcomes are recorded over the
API. The clock then jumps from one due step to the next, and the worker sends each one. The
timeline is printed in Brussels time; the outbox files stay.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from channels.sandbox import outbox_path
from messenger.casework.calendar import WEEKDAYS
from messenger.casework.case_columns import SAMPLE
from messenger.casework.organisations import create_organisation, update_organisation
from messenger.casework.plan_preview import NO_APPOINTMENT
from messenger.cli.common import wide
from messenger.cli.demo import ApiClient
from messenger.cli.runner import free_port, running_api, running_worker
from messenger.inbound.sms import InboundSms, receive
from messenger.messages import statuses
from messenger.messages.queue import DeliveryQueue
from messenger.platform import migrate
from messenger.platform.api_keys import issue_key
from messenger.platform.clock import SimulatedClock
from messenger.platform.csv_files import write_csv
from messenger.platform.dates import BRUSSELS, to_brussels
from messenger.platform.db import Sessions, create_engine, create_sessions
from messenger.platform.embedded_redis import redis_url
from messenger.platform.encryption import secret_box
from messenger.platform.models import Case, Client, Message, Reminder, Task
from messenger.platform.settings import Settings

SESSION_START = datetime(2026, 12, 15, 10, tzinfo=BRUSSELS)  # a Tuesday
START = datetime(2026, 11, 23, 9, tzinfo=BRUSSELS)  # the list comes in three weeks before
END = datetime(2027, 1, 20, 12, tzinfo=BRUSSELS)  # after the 30-day check-in
SMS_SENDER = "+32460000000"
SETTLE_SECONDS = 60
# The sample's columns; six clients, each showing one way a plan goes.
ROWS = [
    # Phone and email with consent, her own worker and an appointment: she answers JA.
    ("Sara", "Janssens", "0470 12 34 56", "sara@example.be", "Kerkstraat", "12", "", "Jan Peeters",
     "ja", "ja", "10/12/2026 14:00", "onbetaalde facturen", "nee", "nee"),
    # A text message is fine, until he sends STOP.
    ("Kevin", "Van Damme", "0472 11 22 33", "", "Dampoortstraat", "101", "", "Lies Claes",
     "ja", "", "", "onbetaalde facturen", "nee", "nee"),
    # No mobile number: email.
    ("Els", "De Smet", "", "els@example.be", "Brugse Poort", "7", "", "Jan Peeters",
     "", "ja", "", "onbetaalde facturen", "nee", "nee"),
    # A shared phone is never texted: letters.
    ("Nathalie", "Wouters", "0473 44 55 66", "", "Wondelgemstraat", "8", "", "",
     "ja", "", "", "onbetaalde facturen", "nee", "ja"),
    # Reconnection: its own invitation.
    ("Jozef", "Maes", "", "", "Meulestedesteenweg", "220", "", "", "", "", "", "heraansluiting",
     "nee", "nee"),
    # No letters at home, no consent, no email: nobody can reach him, a task at once.
    ("Dirk", "Peeters", "0475 12 12 12", "", "Kortrijksesteenweg", "14", "", "", "nee", "", "",
     "onbetaalde facturen", "ja", "nee"),
]  # fmt: skip
OUTCOMES: dict[str, dict[str, Any]] = {
    "Sara Janssens": {"attended": True, "decision": "payment-plan", "agreed": "U betaalt elke "
                      "maand 25 euro, de eerste keer op 5 januari."},
    # The LAC decides without a client who does not come; the letter tells him what.
    "Kevin Van Damme": {"attended": False, "decision": "payment-plan", "agreed": "U betaalt "
                        "elke maand 30 euro, de eerste keer op 5 januari."},
    "Els De Smet": {"attended": True, "decision": "flow-limiter", "agreed": "Een waterbegrenzer "
                    "voor zes maanden; daarna bekijken we het opnieuw."},
    "Nathalie Wouters": {"attended": True, "decision": "payment-plan", "agreed": "U betaalt elke "
                         "maand 40 euro."},
    "Jozef Maes": {"attended": True, "decision": "reconnection", "agreed": "Het water gaat "
                   "weer open."},
    "Dirk Peeters": {"attended": False},
}  # fmt: skip


@dataclass
class Entry:
    at: datetime
    client: str
    what: str
    where: str = ""


def case_list() -> bytes:
    """The demo's case list in the sample's columns, as Excel in Belgium saves it."""
    header = SAMPLE[0]
    rows: list[list[str]] = [list(header)]
    for (first, last, phone, email, street, number, bus, worker, sms, mail, appointment,
         reason, no_letters, shared) in ROWS:  # fmt: skip
        values = {
            "voornaam": first, "achternaam": last, "taal": "nl", "gsm": phone, "e-mail": email,
            "straat": street, "huisnummer": number, "bus": bus, "postcode": "9000",
            "gemeente": "Gent", "watermaatschappij": "Farys", "reden": reason, "referentie": "",
            "geen sms": "nee", "geen brieven thuis": no_letters, "gedeelde gsm": shared,
            "maatschappelijk werker": worker, "toestemming sms": sms, "toestemming e-mail": mail,
            "afspraak": appointment, "insz": "", "adresregel 2": "", "plaats kort": "",
        }  # fmt: skip
        rows.append([values[column] for column in header])
    return write_csv(rows, delimiter=";").encode("cp1252")


class LacDemo:
    def __init__(self, settings: Settings, console: Console) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.folder = settings.var_dir / "demo-lac" / stamp
        self.settings = settings.model_copy(
            update={
                "var_dir": self.folder,
                "database_url": f"sqlite+aiosqlite:///{(self.folder / 'demo.db').resolve()}",
                "reconcile_every_seconds": 1,
            }
        )
        self.console = console
        self.clock = SimulatedClock(START)
        self.timeline: list[Entry] = []
        self._seen: set[str] = set()

    async def run(self) -> list[Entry]:
        engine = create_engine(self.settings.database)
        await migrate.upgrade(engine)
        sessions = create_sessions(engine)
        async with sessions() as session:
            organisation = await create_organisation(session, "OCMW Gent (demo)")
            await update_organisation(session, organisation.id, sms_sender=SMS_SENDER)
            issued = await issue_key(
                session, secret_box(self.settings), organisation_id=organisation.id,
                name="demo", key_type="live",
            )  # fmt: skip
            await session.commit()
        port = free_port()
        settings = self.settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
        try:
            with redis_url(settings) as url:
                async with (
                    running_api(settings, url, port=port, clock=self.clock),
                    running_worker(settings, url, clock=self.clock),
                ):
                    api = ApiClient(settings.public_url, issued.combined)
                    queue = await DeliveryQueue.connect(url, settings.queue_name)
                    try:
                        await self._script(api, sessions, queue)
                    finally:
                        await api.aclose()
                        await queue.close()
        finally:
            await engine.dispose()
        return sorted(self.timeline, key=lambda e: e.at)

    async def _script(self, api: ApiClient, sessions: Sessions, queue: DeliveryQueue) -> None:
        await api.patch("/v2/organisation", {
            "contact_name": "Sociale dienst OCMW Gent", "contact_phone": "09 266 99 00",
            "contact_email": "sociale.dienst@ocmw.example", "opening_hours": "ma-vr 9-12 uur",
            "walk_in_address": "Sociaal Huis, Onderbergen 86, 9000 Gent",
        })  # fmt: skip
        for name, phone in (("Jan Peeters", "09 266 11 11"), ("Lies Claes", "09 266 22 22")):
            await api.post("/v2/staff", {"name": name, "phone": phone})
        lac = await api.post(
            "/v2/lac-sessions",
            {"starts_at": SESSION_START.isoformat(), "place": "OCMW Gent, Onderbergen 86"},
        )
        imported = await api.post_raw(f"/v2/lac-sessions/{lac['id']}/import", case_list())
        self._note(f"{imported['imported']} dossiers ingelezen", "(lijst)", START)
        for row in imported["cases"]:
            if row["unreachable"]:
                self._note(f"niet bereikbaar → taak: {row['unreachable']}", row["client"], START)
        await self._walk_until(datetime(2026, 12, 8, 12, tzinfo=BRUSSELS), sessions)
        await self._reply(sessions, queue, "+32470123456", "JA", "Sara Janssens")
        await self._walk_until(datetime(2026, 12, 14, 12, tzinfo=BRUSSELS), sessions)
        await self._reply(sessions, queue, "+32472112233", "STOP", "Kevin Van Damme")
        after_session = SESSION_START + timedelta(hours=2)
        await self._walk_until(after_session, sessions)
        self._note("het LAC-gesprek", "(zitting)", SESSION_START)
        for row in imported["cases"]:
            outcome = OUTCOMES[row["client"]]
            await api.post(f"/v2/cases/{row['case_id']}/outcome", outcome)
            what = outcome.get("decision") or "geen beslissing"
            if not outcome["attended"]:
                what = f"niet gekomen ({what}) → taak om opnieuw contact te zoeken"
            self._note(f"uitkomst: {what}", row["client"], after_session)
        await self._walk_until(END, sessions)

    async def _reply(
        self, sessions: Sessions, queue: DeliveryQueue, sender: str, text: str, who: str
    ) -> None:
        async with sessions() as session:
            await receive(
                session, queue,
                InboundSms(f"demo-{sender}-{text}", sender, SMS_SENDER, text, self.clock.now()),
            )  # fmt: skip
            await session.commit()
        self._note(f"antwoordt per sms: {text}", who, self.clock.now())
        await self._settle(sessions)
        async with sessions() as session:
            answered = await session.scalar(
                select(Message)
                .where(Message.recipient == sender, Message.case_id.is_(None))
                .order_by(Message.created_at.desc())
                .limit(1)
            )
            confirmed = await session.scalar(
                select(Case.id)
                .join(Client, Client.id == Case.client_id)
                .where(Client.phone_number == sender, Case.appointment_confirmed_at.is_not(None))
            )
        if answered is not None:
            path = outbox_path(self.settings.outbox_dir, "sms", answered.id)
            self._note("krijgt een bevestiging per sms", who, self.clock.now(), path)
        if confirmed is not None:
            self._note("afspraak bevestigd in het dossier", who, self.clock.now())

    async def _walk_until(self, end: datetime, sessions: Sessions) -> None:
        """Jump from one due step to the next, letting the worker send each one."""
        while True:
            async with sessions() as session:
                due = await session.scalar(
                    select(Reminder.due_at)
                    .where(Reminder.status == "pending", Reminder.due_at <= end)
                    .order_by(Reminder.due_at)
                    .limit(1)
                )
            if due is None:
                break
            self.clock.advance_to(due)
            await self._settle(sessions)
        self.clock.advance_to(end)
        await self._settle(sessions)

    async def _settle(self, sessions: Sessions) -> None:
        """Wait (bounded) until the worker dealt with everything due now, then note it."""
        now = self.clock.now()
        deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
        while True:
            async with sessions() as session:
                due = await session.scalar(
                    select(Reminder.id).where(Reminder.status == "pending", Reminder.due_at <= now)
                )
                moving = await session.scalar(
                    select(Message.id).where(Message.status.in_(statuses.IN_FLIGHT))
                )
            if due is None and moving is None:
                break
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the worker did not finish the steps due at {now}")
            await asyncio.sleep(0.1)
        await self._collect(sessions)

    async def _collect(self, sessions: Sessions) -> None:
        async with sessions() as session:
            done = await session.execute(
                select(Reminder, Client)
                .join(Case, Case.id == Reminder.case_id)
                .join(Client, Client.id == Case.client_id)
                .where(Reminder.status.in_(("sent", "skipped")))
            )
            for reminder, client in done:
                if reminder.id in self._seen:
                    continue
                self._seen.add(reminder.id)
                if reminder.note == NO_APPOINTMENT:
                    continue  # the step does not apply to this case: no news
                name = f"{client.first_name} {client.last_name}"
                if reminder.status == "sent" and reminder.message_id and reminder.channel:
                    path = outbox_path(
                        self.settings.outbox_dir, reminder.channel, reminder.message_id
                    )
                    self._note(
                        f"{reminder.step} via {reminder.channel}", name, reminder.due_at, path
                    )
                else:
                    self._note(
                        f"{reminder.step}: niet verstuurd ({reminder.note})", name, reminder.due_at
                    )
            tasks = await session.scalars(select(Task))
            for task in tasks:
                if task.id not in self._seen and task.kind == "not-sent":
                    self._seen.add(task.id)
                    self._note(f"taak: {task.title}", "(inbox)", self.clock.now())

    def _note(self, what: str, client: str, at: datetime, where: Path | str = "") -> None:
        self.timeline.append(Entry(at, client, what, str(where)))


def print_timeline(entries: list[Entry], folder: Path, console: Console) -> None:
    table = Table(title="Een LAC-zitting van begin tot einde (gesimuleerde klok)")
    table.add_column("wanneer (Brussel)", no_wrap=True)
    table.add_column("cliënt")
    table.add_column("wat")
    table.add_column("bestand in de outbox", overflow="fold")
    for entry in entries:
        when = to_brussels(entry.at)
        day = WEEKDAYS[when.weekday()][:2]
        table.add_row(f"{day} {when:%d/%m/%Y %H:%M}", entry.client, entry.what, entry.where)
    wide(console).print(table)
    console.print(f"database, outbox en brieven: {folder}")
