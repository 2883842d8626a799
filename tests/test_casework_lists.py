"""Find and correct: sessions, a session's cases and clients in pages with filters, and PATCH
for a case and a client's contact details, whose new details the steps not sent yet use."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.casework_api_support import (
    fetch,
    new_case,
    new_client,
    new_session,
)
from tests.conftest import make_tenant
from tests.support import Tenant


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api) as client:
        yield client


@pytest.fixture
async def other(sessions: Sessions, settings: Settings) -> Tenant:
    return await make_tenant(sessions, settings, "OCMW Brugge")


async def test_sessions_upcoming_and_past_in_pages(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant
) -> None:
    for day in (10, 3, 17):
        await new_session(http, tenant, f"2030-12-{day:02d}T10:00:00+01:00")
    await new_session(http, tenant, "2020-06-02T10:00:00+02:00")
    await new_session(http, other, "2030-12-01T10:00:00+01:00")

    first = await fetch(http, tenant, "/v2/lac-sessions?page_size=2")
    assert [s["starts_at"] for s in first["sessions"]] == [
        "2030-12-03T10:00:00+01:00",
        "2030-12-10T10:00:00+01:00",
    ]
    assert first["total"] == 3 and "next" in first["links"]
    second = await fetch(http, tenant, first["links"]["next"].split("://", 1)[1].split("/", 1)[1])
    assert [s["starts_at"] for s in second["sessions"]] == ["2030-12-17T10:00:00+01:00"]
    assert "next" not in second["links"]
    past = await fetch(http, tenant, "/v2/lac-sessions?when=past")
    assert [s["starts_at"] for s in past["sessions"]] == ["2020-06-02T10:00:00+02:00"]
    bad = await http.get("/v2/lac-sessions?when=soon", headers=tenant.headers())
    assert bad.status_code == 400 and "when" in bad.text


async def test_the_cases_of_a_session_with_their_status_and_next_step(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant
) -> None:
    lac = await new_session(http, tenant)
    sara = await new_client(http, tenant, first_name="Sara", last_name="Aerts")
    bert = await new_client(
        http, tenant, first_name="Bert", last_name="Bosmans", phone_number="0470 99 88 77"
    )
    kept = await new_case(http, tenant, lac["id"], sara["id"])
    dropped = await new_case(http, tenant, lac["id"], bert["id"])
    await http.post(f"/v2/cases/{dropped['id']}/cancel", headers=tenant.headers())

    listed = await fetch(http, tenant, f"/v2/lac-sessions/{lac['id']}/cases")
    assert [(c["client"], c["status"]) for c in listed["cases"]] == [
        ("Sara Aerts", "open"),
        ("Bert Bosmans", "cancelled"),
    ]
    assert listed["cases"][0]["next_step"] == {
        "step": "uitnodiging",
        "due_at": "2030-11-26T10:00:00+01:00",
    }
    assert listed["cases"][1]["next_step"] is None
    only_open = await fetch(http, tenant, f"/v2/lac-sessions/{lac['id']}/cases?status=open")
    assert [c["id"] for c in only_open["cases"]] == [kept["id"]]
    stranger = await http.get(f"/v2/lac-sessions/{lac['id']}/cases", headers=other.headers())
    assert stranger.status_code == 404


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("sara", ["Sara Aerts"]),
        ("AERTS sa", ["Sara Aerts"]),
        ("bos", ["Bert Bosmans"]),
        ("+32 470 99 88 77", ["Bert Bosmans"]),
        ("0470998877", ["Bert Bosmans"]),
        ("SARA@example.be", ["Sara Aerts"]),
        ("", ["Sara Aerts", "Bert Bosmans"]),
        ("niemand", []),
        ("100%_", []),
    ],
)
async def test_clients_are_found_by_name_phone_or_email(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant, q: str, found: list[str]
) -> None:
    await new_client(http, tenant, first_name="Sara", last_name="Aerts", email="sara@example.be")
    await new_client(
        http, tenant, first_name="Bert", last_name="Bosmans", phone_number="0470 99 88 77"
    )
    await new_client(http, other, first_name="Sara", last_name="Brugge")
    result = await http.get("/v2/clients", params={"q": q}, headers=tenant.headers())
    assert result.status_code == 200, result.text
    names = [f"{c['first_name']} {c['last_name']}" for c in result.json()["clients"]]
    assert sorted(names) == sorted(found)


async def test_a_client_is_found_by_insz_from_an_imported_list(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant
) -> None:
    lac = await new_session(http, tenant)
    header = "Voornaam;Achternaam;Straat;Postcode;Gemeente;Watermaatschappij;INSZ"
    row = "Lies;Wouters;Kerkstraat 1;9000;Gent;Farys;85.07.30-033.28"
    response = await http.post(
        f"/v2/lac-sessions/{lac['id']}/import",
        content=f"{header}\n{row}\n".encode(),
        headers=tenant.headers(),
    )
    assert response.status_code == 201, response.text
    found = await fetch(http, tenant, "/v2/clients?q=85073003328")
    assert [c["last_name"] for c in found["clients"]] == ["Wouters"]
    elsewhere = await fetch(http, other, "/v2/clients?q=85073003328")
    assert (elsewhere["clients"], elsewhere["total"]) == ([], 0)
    # The number is never stored or shown, only recognised.
    assert "85073003328" not in str(
        await fetch(http, tenant, f"/v2/clients/{found['clients'][0]['id']}")
    )


async def test_patch_a_case_worker_and_appointment(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant
) -> None:
    lac = await new_session(http, tenant)
    client = await new_client(http, tenant)
    case = await new_case(http, tenant, lac["id"], client["id"])
    worker = (
        await http.post(
            "/v2/staff",
            json={"name": "Jan Peeters", "phone": "09 266 11 11"},
            headers=tenant.headers(),
        )
    ).json()
    stranger = (
        await http.post("/v2/staff", json={"name": "Els Brugge"}, headers=other.headers())
    ).json()

    changed = await http.patch(
        f"/v2/cases/{case['id']}",
        json={"worker_id": worker["id"], "appointment_at": "2030-12-05T14:00:00+01:00"},
        headers=tenant.headers(),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["worker_id"] == worker["id"]
    late = await http.patch(
        f"/v2/cases/{case['id']}",
        json={"appointment_at": "2030-12-11T14:00:00+01:00"},
        headers=tenant.headers(),
    )
    assert late.status_code == 400 and "appointment_at" in late.text
    foreign = await http.patch(
        f"/v2/cases/{case['id']}", json={"worker_id": stranger["id"]}, headers=tenant.headers()
    )
    assert foreign.status_code == 404
    unknown = await http.patch(
        f"/v2/cases/{case['id']}", json={"client_id": client["id"]}, headers=tenant.headers()
    )
    assert unknown.status_code == 200  # not a field of a case change: ignored
    preview = await fetch(http, tenant, f"/v2/cases/{case['id']}/preview")
    offer = next(s for s in preview["steps"] if s["step"] == "afspraak-voorstel")
    assert offer["skip"] is None  # the appointment is there now


async def test_patch_a_client_and_the_plan_follows(http: httpx.AsyncClient, tenant: Tenant) -> None:
    lac = await new_session(http, tenant)
    client = await new_client(
        http, tenant, phone_number=None, email=None, address=[], no_letters_at_home=False
    )
    case = await new_case(http, tenant, lac["id"], client["id"])
    before = await fetch(http, tenant, f"/v2/cases/{case['id']}/preview")
    assert {s["step"]: s["channel"] for s in before["steps"]}["herinnering"] is None

    changed = await http.patch(
        f"/v2/clients/{client['id']}",
        json={"address": ["Kerkstraat 12", "9000 Gent"]},
        headers=tenant.headers(),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["address_lines"][1:] == ["Kerkstraat 12", "9000 Gent"]
    after = await fetch(http, tenant, f"/v2/cases/{case['id']}/preview")
    assert {s["step"]: s["channel"] for s in after["steps"]}["herinnering"] == "letter"
    bad = await http.patch(
        f"/v2/clients/{client['id']}",
        json={"phone_number": "09 123 45 67"},
        headers=tenant.headers(),
    )
    assert bad.status_code == 400 and "phone_number" in bad.text
