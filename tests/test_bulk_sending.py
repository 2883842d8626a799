"""Bulk sending as GC Notify's `POST /v2/notifications/bulk`, from where an integrator starts
(a signed request, rows or CSV) to what the person sees: the messages' statuses in
`GET /v2/notifications` and the files in the sandbox outbox after the real worker ran."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from channels.sandbox import outbox_path
from messenger.casework import staff
from messenger.cli.runner import running_api, server_url
from messenger.messages import opt_outs
from messenger.platform.clock import SimulatedClock
from messenger.platform.dates import BRUSSELS
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.casework_api_support import errors
from tests.conftest import make_tenant
from tests.support import (
    EMAIL_TEMPLATE,
    LETTER_TEMPLATE,
    SMS_TEMPLATE,
    SMS_VALUES,
    Tenant,
    wait_for_status,
)

BULK = "/v2/notifications/bulk"
SMS_HEADER = ["phone number", "voornaam", "moment", "plaats kort", "telefoon"]
MOMENT, PLACE, PHONE = SMS_VALUES["moment"], SMS_VALUES["plaats_kort"], SMS_VALUES["telefoon"]
# GC Notify's job, as its job_schema dumps it.
JOB_FIELDS = {
    "api_key", "archived", "created_at", "created_by", "id", "job_status",
    "notification_count", "original_file_name", "processing_finished", "processing_started",
    "scheduled_for", "sender_id", "service", "service_name", "template", "template_type",
    "template_version", "updated_at",
}  # fmt: skip


def sms_row(number: str, name: str, place: str = PLACE) -> list[str]:
    return [number, name, MOMENT, place, PHONE]


def as_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


async def post_bulk(client: NotificationsAPIClient, body: dict[str, Any]) -> dict[str, Any]:
    """Notify's official client has no bulk method; its own signed `post` carries it."""
    answer: dict[str, Any] = await asyncio.to_thread(client.post, BULK, body)
    return answer


async def refused(client: NotificationsAPIClient, body: dict[str, Any]) -> HTTPError:
    with pytest.raises(HTTPError) as raised:
        await post_bulk(client, body)
    return raised.value


async def listed(http: httpx.AsyncClient, tenant: Tenant, **query: str) -> list[dict[str, Any]]:
    found = await http.get("/v2/notifications", params=query, headers=tenant.headers())
    assert found.status_code == 200, found.text
    notifications: list[dict[str, Any]] = found.json()["notifications"]
    return notifications


async def delivered(http: httpx.AsyncClient, tenant: Tenant, job_id: str) -> list[dict[str, Any]]:
    """The job's messages (their reference is the job id), each once it has finished."""
    messages = await listed(http, tenant, reference=job_id)
    return [await wait_for_status(http, tenant, m["id"]) for m in messages]


@pytest.mark.usefixtures("worker")
async def test_rows_become_text_messages_the_worker_delivers(
    api: str, tenant: Tenant, settings: Settings
) -> None:
    client = NotificationsAPIClient(tenant.api_key, base_url=api)
    rows = [
        SMS_HEADER,
        sms_row("0470 12 34 56", "Sara"),
        [],  # a blank row sends nothing
        sms_row("+32470654321", "Ahmed"),
    ]
    answer = await post_bulk(client, {"name": "LAC 8 december", "template_id": SMS_TEMPLATE,
                                      "rows": rows})  # fmt: skip

    job = answer["data"]
    assert set(job) == JOB_FIELDS
    assert (job["original_file_name"], job["notification_count"]) == ("LAC 8 december", 2)
    assert (job["template"], job["template_type"], job["job_status"]) == (
        SMS_TEMPLATE, "sms", "finished"
    )  # fmt: skip
    assert (job["service"], job["service_name"]) == (tenant.organisation_id, {"name": "OCMW Gent"})
    assert job["api_key"]["key_type"] == "live" and job["api_key"]["name"] == "tests"
    assert job["scheduled_for"] is None and job["created_by"] is None
    assert datetime.fromisoformat(job["created_at"]).tzinfo == UTC
    async with httpx.AsyncClient(base_url=api) as http:
        finished = await delivered(http, tenant, job["id"])
    by_number = {m["phone_number"]: m for m in finished}
    assert set(by_number) == {"+32470123456", "+32470654321"}
    assert {m["status"] for m in finished} == {"delivered"}
    for number, name in (("+32470123456", "Sara"), ("+32470654321", "Ahmed")):
        message = by_number[number]
        assert message["body"].startswith(f"Dag {name}, denkt u aan uw LAC-gesprek?")
        sent = json.loads(outbox_path(settings.outbox_dir, "sms", message["id"]).read_text())
        assert (sent["to"], sent["body"]) == (number, message["body"])


@pytest.mark.usefixtures("worker")
async def test_a_csv_of_emails_with_references_of_its_own(
    api: str, tenant: Tenant, settings: Settings
) -> None:
    # Column names as a spreadsheet has them: case, spaces and dashes do not matter.
    header = ["Email Address", "Voornaam", "Moment", "Plaats", "Telefoon",
              "Maatschappelijk werker", "OCMW", "reference"]  # fmt: skip
    worker = ["Jan Peeters", "OCMW Gent"]
    rows = [
        header,
        ["sara@example.be", "Sara", MOMENT, "Markt 1, Gent", PHONE, *worker, "dossier-1"],
        ["tom@example.be", "Tom", MOMENT, "Markt 1, Gent", PHONE, *worker, "dossier-2"],
    ]
    async with httpx.AsyncClient(base_url=api, timeout=30) as http:
        answer = await http.post(
            BULK,
            json={"name": "uitnodigingen", "template_id": EMAIL_TEMPLATE, "csv": as_csv(rows)},
            headers=tenant.headers(),
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["data"]["notification_count"] == 2
        references = {}
        for reference in ("dossier-1", "dossier-2"):
            (message,) = await listed(http, tenant, reference=reference)
            references[reference] = await wait_for_status(http, tenant, message["id"])
    assert {m["status"] for m in references.values()} == {"delivered"}
    assert references["dossier-2"]["email_address"] == "tom@example.be"
    eml = outbox_path(settings.outbox_dir, "email", references["dossier-2"]["id"]).read_bytes()
    assert b"To: tom@example.be" in eml


@pytest.mark.usefixtures("worker")
async def test_letters_from_rows_are_printed(api: str, tenant: Tenant, settings: Settings) -> None:
    header = ["address line 1", "address line 2", "address line 3", "naam", "voornaam",
              "moment", "plaats", "telefoon", "maatschappelijk werker", "email", "ocmw",
              "onthaal adres", "openingsuren"]  # fmt: skip
    row = ["Sara Janssens", "Kerkstraat 12 bus 3", "9000 Gent", "Sara Janssens", "Sara",
           MOMENT, "Markt 1, Gent", PHONE, "Jan Peeters", "jan.peeters@ocmw.example",
           "OCMW Gent", "Sociaal Huis, Onderbergen 86, 9000 Gent",
           "maandag tot vrijdag van 9 tot 12 uur"]  # fmt: skip
    rows = [header, row]
    client = NotificationsAPIClient(tenant.api_key, base_url=api)
    job = (await post_bulk(client, {"name": "brieven", "template_id": LETTER_TEMPLATE,
                                    "rows": rows}))["data"]  # fmt: skip
    assert job["template_type"] == "letter"
    async with httpx.AsyncClient(base_url=api) as http:
        (letter,) = await delivered(http, tenant, job["id"])
    assert (letter["status"], letter["line_1"], letter["postcode"]) == (
        "received", "Sara Janssens", "9000"
    )  # fmt: skip
    assert outbox_path(settings.outbox_dir, "letter", letter["id"]).exists()


@pytest.mark.usefixtures("worker")
async def test_a_bad_row_among_good_ones_is_named_and_nothing_is_stored(
    api: str, tenant: Tenant, settings: Settings, sessions: Sessions
) -> None:
    async with sessions() as session:
        opt_outs.record(session, tenant.organisation_id, "+32470555555", opted_out=True,
                        source="sms")  # fmt: skip
        await session.commit()
    rows = [
        SMS_HEADER,
        sms_row("0470 12 34 56", "Sara"),
        sms_row("0470 12", "Tom"),  # not a number
        sms_row("0470 11 11 11", "Els"),
        ["0470 22 22 22", "An", MOMENT],  # two values short
        sms_row("0470 33 33 33", "Piet", place="Markt 1, Gent " * 80),  # too long once filled
        [*sms_row("0470 44 44 44", "Jo"), "Gent"],  # a cell without a column
        sms_row("0470 55 55 55", "Mia"),  # replied STOP
    ]
    client = NotificationsAPIClient(tenant.api_key, base_url=api)
    for body in ({"rows": rows}, {"csv": as_csv(rows)}):
        error = await refused(client, {"name": "LAC", "template_id": SMS_TEMPLATE, **body})
        assert error.status_code == 400
        said = [(e["error"], e["message"]) for e in error.message]
        assert said == [
            ("BadRequestError", "Row 2 - phone_number Not a valid mobile number"),
            ("BadRequestError", "Row 4 - Missing personalisation: plaats_kort, telefoon"),
            ("BadRequestError", "Row 5 - Text messages cannot be longer than 918 characters. "
                                "Your message is 1241 characters long."),
            ("BadRequestError", "Row 6 - has 6 cells, but the header names 5 columns"),
            ("BadRequestError", "Row 7 - phone_number replied STOP: this number gets no text "
                                "messages any more"),
        ]  # fmt: skip
    # Twenty rows are named, then how many more.
    many = [SMS_HEADER, *(sms_row("0470 12", "Tom") for _ in range(25))]
    error = await refused(client, {"name": "LAC", "template_id": SMS_TEMPLATE, "rows": many})
    said = [e["message"] for e in error.message]
    assert (len(said), said[19], said[20]) == (
        21, "Row 20 - phone_number Not a valid mobile number", "5 more rows have errors"
    )  # fmt: skip
    async with httpx.AsyncClient(base_url=api) as http:
        assert await listed(http, tenant) == []
    assert not settings.outbox_dir.exists() or not any(settings.outbox_dir.rglob("*.*"))


async def test_what_is_wrong_with_the_request_itself(api: str, tenant: Tenant) -> None:
    client = NotificationsAPIClient(tenant.api_key, base_url=api)
    rows = [SMS_HEADER, sms_row("0470 12 34 56", "Sara")]
    unknown = "9d7f3a1e-0000-4000-8000-000000000000"
    cases = [
        ({"rows": rows, "csv": as_csv(rows)}, "You should specify either rows or csv"),
        ({}, "You should specify either rows or csv"),
        ({"rows": [SMS_HEADER]}, "No rows to send: the first row names the columns, "
                                 "each row under it is a message"),
        ({"rows": [SMS_HEADER[1:], rows[1][1:]]}, "Missing column headers: phone number"),
        ({"rows": [[*SMS_HEADER, "Phone_Number"], [*rows[1], "x"]]},
         "Duplicate column headers: Phone_Number, phone number"),
        ({"rows": rows, "template_id": unknown}, "Template not found"),
        ({"rows": rows, "reply_to_id": unknown},
         f"sms_sender_id {unknown} does not exist in database for service id "
         f"{tenant.organisation_id}"),
        ({"rows": rows, "scheduled_for": "2020-01-01 10:00"},
         "scheduled_for: datetime cannot be in the past"),
        ({"csv": 'phone number,voornaam\n"0470 12 34 56,Sara'},
         "Error converting to CSV: unexpected end of data"),
    ]  # fmt: skip
    for extra, message in cases:
        error = await refused(client, {"name": "LAC", "template_id": SMS_TEMPLATE, **extra})
        assert (error.status_code, [e["message"] for e in error.message]) == (400, [message])
    missing_name = await refused(client, {"template_id": SMS_TEMPLATE, "rows": rows})
    assert missing_name.message == [
        {"error": "ValidationError", "message": "name is a required property"}
    ]
    async with httpx.AsyncClient(base_url=api) as http:
        assert await listed(http, tenant) == []


async def test_a_scheduled_job_waits_for_the_moment_single_sends_would(
    settings: Settings, tenant: Tenant, redis_server: str
) -> None:
    tuesday = datetime(2026, 11, 24, 9, 30, tzinfo=BRUSSELS)
    rows = [SMS_HEADER, sms_row("0470 12 34 56", "Sara"), sms_row("0470 65 43 21", "Tom")]
    body = {"name": "LAC", "template_id": SMS_TEMPLATE, "rows": rows}
    async with (
        running_api(settings, redis_server, clock=SimulatedClock(tuesday)) as server,
        httpx.AsyncClient(base_url=server_url(server), timeout=30) as http,
    ):
        # In the evening, in quiet hours: the next morning at 09:00 Brussels time.
        sent = await http.post(BULK, json={**body, "scheduled_for": "2026-11-24 22:30"},
                               headers=tenant.headers())  # fmt: skip
        assert sent.status_code == 201, sent.text
        job = sent.json()["data"]
        assert (job["job_status"], job["scheduled_for"]) == (
            "scheduled", "2026-11-25T08:00:00+00:00"
        )  # fmt: skip
        waiting = await listed(http, tenant, reference=job["id"])
        assert [(m["status"], m["scheduled_for"]) for m in waiting] == [
            ("created", "2026-11-25T08:00:00.000000Z")
        ] * 2
        # Taken back like any scheduled message.
        cancel = await http.post(f"/v2/notifications/{waiting[0]['id']}/cancel",
                                 headers=tenant.headers())  # fmt: skip
        assert cancel.json()["status"] == "cancelled"
        too_far = await http.post(BULK, json={**body, "scheduled_for": "2026-12-02 10:00"},
                                  headers=tenant.headers())  # fmt: skip
        assert errors(too_far) == ["scheduled_for: datetime can only be up to 7 days in the future"]
        assert len(await listed(http, tenant)) == 2


async def test_too_many_rows_and_the_days_limit_count_the_whole_batch(
    settings: Settings, tenant: Tenant, redis_server: str
) -> None:
    limited = settings.model_copy(update={"bulk_max_rows": 3, "daily_limit_sms": 4})
    numbers = [f"0470 10 00 0{n}" for n in range(5)]

    def job(count: int) -> dict[str, Any]:
        rows = [SMS_HEADER, *(sms_row(n, "Sara") for n in numbers[:count])]
        return {"name": "LAC", "template_id": SMS_TEMPLATE, "rows": rows}

    async with (
        running_api(limited, redis_server) as server,
        httpx.AsyncClient(base_url=server_url(server), timeout=30) as http,
    ):
        over = await http.post(BULK, json=job(4), headers=tenant.headers())
        assert errors(over) == ["Too many rows. Maximum number of rows allowed is 3"]
        first = await http.post(BULK, json=job(3), headers=tenant.headers())
        assert first.status_code == 201, first.text
        second = await http.post(BULK, json=job(2), headers=tenant.headers())
        assert errors(second) == [
            "You only have 1 remaining sms messages before you reach your daily limit. "
            "You've tried to send 2 sms messages."
        ]
        assert (await http.post(BULK, json=job(1), headers=tenant.headers())).status_code == 201
        # The batch counted toward the day a single send sees.
        single = {"phone_number": numbers[0], "template_id": SMS_TEMPLATE,
                  "personalisation": SMS_VALUES}  # fmt: skip
        spent = await http.post("/v2/notifications/sms", json=single, headers=tenant.headers())
        assert spent.status_code == 429
        assert len(await listed(http, tenant)) == 4


async def test_a_team_key_sends_a_job_only_to_the_team(
    api: str, sessions: Sessions, settings: Settings
) -> None:
    team = await make_tenant(sessions, settings, "OCMW Gent", key_type="team")
    async with sessions() as session:
        data = staff.StaffData("Jan Peeters", phone="0470 11 22 33", email="jan@ocmw.example")
        await staff.add_staff(session, team.organisation_id, data)
        await session.commit()
    client = NotificationsAPIClient(team.api_key, base_url=api)
    rows = [SMS_HEADER, sms_row("+32470112233", "Jan"), sms_row("0470 99 99 99", "Vreemde")]
    stranger = await refused(client, {"name": "test", "template_id": SMS_TEMPLATE, "rows": rows})
    assert (stranger.status_code, [e["message"] for e in stranger.message]) == (
        400, ["Row 2 - Can’t send to this recipient using a team-only API key"]
    )  # fmt: skip
    letters = [["address line 1", "address line 2", "address line 3"],
               ["Jan Peeters", "Markt 1", "9000 Gent"]]  # fmt: skip
    letter = await refused(client, {"name": "t", "template_id": LETTER_TEMPLATE, "rows": letters})
    assert (letter.status_code, letter.message[0]["message"]) == (
        403, "Cannot send letters with a team api key"
    )  # fmt: skip
    job = await post_bulk(client, {"name": "test", "template_id": SMS_TEMPLATE, "rows": rows[:2]})
    assert job["data"]["notification_count"] == 1
    async with httpx.AsyncClient(base_url=api) as http:
        assert [m["phone_number"] for m in await listed(http, team)] == ["+32470112233"]


async def test_the_same_idempotency_key_answers_with_the_same_job(api: str, tenant: Tenant) -> None:
    rows = [SMS_HEADER, sms_row("0470 12 34 56", "Sara"), sms_row("0470 65 43 21", "Tom")]
    body = {"name": "LAC", "template_id": SMS_TEMPLATE, "rows": rows}
    async with httpx.AsyncClient(base_url=api, timeout=30) as http:
        headers = {**tenant.headers(), "Idempotency-Key": "lac-2026-12-08"}
        first, again = [(await http.post(BULK, json=body, headers=headers)) for _ in range(2)]
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json()["data"]["id"] == first.json()["data"]["id"]
        assert again.json()["data"]["notification_count"] == 2
        assert len(await listed(http, tenant)) == 2
        other = await http.post(BULK, json=body, headers=tenant.headers())
        assert other.json()["data"]["id"] != first.json()["data"]["id"]
        assert len(await listed(http, tenant)) == 4
