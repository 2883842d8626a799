"""The organisation's profile and calendar, and its staff, over HTTP: everyone in the
organisation reads them, only admins change them, a bad value is a 400 naming the field with
nothing written, and each key reaches its own organisation only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.casework_api_support import (
    counts,
    created,
    errors,
    fetch,
    keyed,
    new_case,
    new_client,
    new_session,
)
from tests.conftest import make_tenant
from tests.support import Tenant

PROFILE = "/v2/organisation"
STAFF = "/v2/staff"
DEFAULT_CALENDAR = {
    "quiet_start": "09:00",
    "quiet_end": "20:00",
    "open_weekdays": [0, 1, 2, 3, 4, 5],
    "working_weekdays": [0, 1, 2, 3, 4],
    "flemish_holiday": True,
    "closed_days": [],
}
EMPTY_PROFILE = {
    "contact_name": None,
    "contact_phone": None,
    "contact_email": None,
    "walk_in_address": None,
    "opening_hours": None,
    "website": None,
    "signature": None,
}
JAN = {"name": "Jan Peeters", "phone": "09 266 11 11", "email": "jan.peeters@ocmw.example"}


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api) as client:
        yield client


@pytest.fixture
async def other(sessions: Sessions, settings: Settings) -> Tenant:
    return await make_tenant(sessions, settings, "OCMW Brugge")


@pytest.fixture
async def social_worker(sessions: Sessions, settings: Settings, tenant: Tenant) -> Tenant:
    return await keyed(sessions, settings, tenant.organisation_id, roles.SOCIAL_WORKER)


def fresh(tenant: Tenant, name: str = "OCMW Gent") -> dict[str, Any]:
    """The profile of an organisation nobody has changed yet."""
    return {"id": tenant.organisation_id, "name": name, **EMPTY_PROFILE, **DEFAULT_CALENDAR}


async def patch(
    http: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], path: str = PROFILE
) -> httpx.Response:
    return await http.patch(path, json=body, headers=tenant.headers())


async def new_staff(http: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    return await created(http, STAFF, tenant, {**JAN, **body})


def refused(response: httpx.Response, status: int = 400) -> list[str]:
    """The error messages of a refusal with this status."""
    assert response.status_code == status, response.text
    return errors(response)


# --- the profile and the calendar ---------------------------------------------------------------


async def test_a_new_organisation_has_an_empty_profile_and_the_default_calendar(
    http: httpx.AsyncClient, tenant: Tenant, social_worker: Tenant
) -> None:
    profile = await fetch(http, tenant, PROFILE)
    assert profile == fresh(tenant)
    # A social worker reads it too: the profile fills in what a case's worker lacks.
    assert await fetch(http, social_worker, PROFILE) == profile


async def test_an_admin_changes_only_what_is_given(http: httpx.AsyncClient, tenant: Tenant) -> None:
    first = await patch(
        http,
        tenant,
        {
            "contact_name": "  Onthaal   Sociaal Huis ",
            "contact_email": "Onthaal@OCMW.Gent.BE",
            "quiet_start": "08:30",
            "open_weekdays": [4, 0, 1, 2, 3, 0],
            "closed_days": ["2026-12-24", "2026-11-02", "2026-12-24"],
        },
    )
    assert first.status_code == 200, first.text
    changed = first.json()
    assert changed == fresh(tenant) | {
        "contact_name": "Onthaal Sociaal Huis",  # spaces tidied
        "contact_email": "Onthaal@ocmw.gent.be",  # the domain lower-cased
        "quiet_start": "08:30",
        "open_weekdays": [0, 1, 2, 3, 4],  # sorted, each once
        "closed_days": ["2026-11-02", "2026-12-24"],
    }
    assert await fetch(http, tenant, PROFILE) == changed

    # A second change leaves the first alone; null empties a contact detail.
    second = await patch(
        http,
        tenant,
        {
            "website": "https://www.ocmw.gent",
            "contact_name": None,
            "quiet_end": "19:00",
            "flemish_holiday": False,
            "working_weekdays": [0, 1, 2, 3],
        },
    )
    assert second.status_code == 200, second.text
    assert second.json() == changed | {
        "website": "https://www.ocmw.gent",
        "contact_name": None,
        "quiet_end": "19:00",
        "flemish_holiday": False,
        "working_weekdays": [0, 1, 2, 3],
    }
    assert await fetch(http, tenant, PROFILE) == second.json()

    # An empty change changes nothing.
    same = await patch(http, tenant, {})
    assert same.status_code == 200 and same.json() == second.json()


async def test_a_social_worker_reads_but_cannot_change_the_profile_or_the_staff(
    http: httpx.AsyncClient, tenant: Tenant, social_worker: Tenant, sessions: Sessions
) -> None:
    jan = await new_staff(http, tenant)
    attempts = [
        await patch(http, social_worker, {"contact_name": "Iemand anders"}),
        await http.post(STAFF, json={"name": "Els Claes"}, headers=social_worker.headers()),
        await patch(http, social_worker, {"name": "Jan Janssens"}, f"{STAFF}/{jan['id']}"),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["error"] == "AuthError"
        assert "social-worker" in errors(response)[0]
    assert await fetch(http, tenant, PROFILE) == fresh(tenant)
    assert await fetch(http, social_worker, STAFF) == {"staff": [jan]}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"contact_email": "geen-adres"}, "contact_email Not a valid email address"),
        ({"quiet_start": "25:99"}, "quiet_start: write a time as HH:MM, e.g. 09:00 (got '25:99')"),
        ({"quiet_end": "acht uur"}, "quiet_end: write a time as HH:MM"),
        ({"quiet_start": "09:00:00"}, "quiet_start: write a time as HH:MM"),
        # Start after the (default) end: the whole calendar is checked.
        (
            {"quiet_start": "21:00"},
            "quiet_start/quiet_end: quiet hours need start before end (got 21:00–20:00)",
        ),
        (
            {"quiet_start": "18:00", "quiet_end": "07:00"},
            "quiet_start/quiet_end: quiet hours need start before end",
        ),
        ({"open_weekdays": [7]}, "open_weekdays: a list of weekday numbers, 0 (Monday) to 6"),
        ({"open_weekdays": []}, "open_weekdays: a list of weekday numbers"),
        ({"open_weekdays": [-1, 2]}, "open_weekdays: a list of weekday numbers"),
        ({"working_weekdays": []}, "working_weekdays: a list of weekday numbers"),
        ({"open_weekdays": ["maandag"]}, "open_weekdays.0 Input should be a valid integer"),
        ({"open_weekdays": list(range(8))}, "open_weekdays List should have at most 7 items"),
        (
            {"closed_days": ["2026-12-24", "2026-13-01"]},
            "closed_days: write a date as YYYY-MM-DD (got '2026-13-01')",
        ),
        ({"closed_days": ["24/12/2026"]}, "closed_days: write a date as YYYY-MM-DD"),
        ({"contact_name": "x" * 201}, "contact_name String should have at most 200 characters"),
        ({"flemish_holiday": "misschien"}, "flemish_holiday Input should be a valid boolean"),
    ],
)
async def test_a_bad_profile_value_is_refused_naming_the_field_and_nothing_is_written(
    http: httpx.AsyncClient, tenant: Tenant, bad: dict[str, Any], message: str
) -> None:
    # A good value beside the bad one: it must not be written either.
    response = await patch(http, tenant, {"contact_phone": "09 266 11 11", **bad})
    messages = refused(response)
    assert response.json()["errors"][0]["error"] == "ValidationError"
    assert messages[0].startswith(message), messages
    assert await fetch(http, tenant, PROFILE) == fresh(tenant)


async def test_an_unknown_profile_field_is_ignored(http: httpx.AsyncClient, tenant: Tenant) -> None:
    # The body model does not forbid extra fields: pydantic drops them before the service.
    response = await patch(http, tenant, {"kleur": "blauw", "website": "https://ocmw.gent"})
    assert response.status_code == 200, response.text
    assert "kleur" not in response.json()
    assert response.json() == fresh(tenant) | {"website": "https://ocmw.gent"}
    alone = await patch(http, tenant, {"name": "OCMW Elders", "id": "x"})
    assert alone.status_code == 200, alone.text
    # Not even the name or the id can be changed this way.
    assert await fetch(http, tenant, PROFILE) == response.json()


async def test_null_closed_days_is_a_400_not_a_server_error(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await patch(http, tenant, {"closed_days": None})
    assert response.status_code < 500, response.text
    if response.status_code == 400:
        assert errors(response)[0].startswith("closed_days")
    assert (await fetch(http, tenant, PROFILE))["closed_days"] == []


@pytest.mark.parametrize(
    ("field", "typed", "clock"),
    [("quiet_start", "9:00", "09:00"), ("quiet_end", "0020:00", "20:00")],
)
async def test_a_quiet_time_is_stored_as_hh_mm_or_refused(
    http: httpx.AsyncClient, tenant: Tenant, field: str, typed: str, clock: str
) -> None:
    response = await patch(http, tenant, {field: typed})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert errors(response)[0].startswith(field)
        assert await fetch(http, tenant, PROFILE) == fresh(tenant)
    else:
        assert response.json()[field] == clock
        assert (await fetch(http, tenant, PROFILE))[field] == clock


@pytest.mark.parametrize("target", ["flemish_holiday", "active"])
async def test_null_for_a_switch_leaves_it_as_it_is_or_is_refused(
    http: httpx.AsyncClient, tenant: Tenant, target: str
) -> None:
    if target == "active":
        jan = await new_staff(http, tenant)
        response = await patch(http, tenant, {"active": None}, f"{STAFF}/{jan['id']}")
        now = (await fetch(http, tenant, STAFF))["staff"][0]["active"]
    else:
        response = await patch(http, tenant, {"flemish_holiday": None})
        now = (await fetch(http, tenant, PROFILE))["flemish_holiday"]
    assert response.status_code in (200, 400), response.text
    assert now is True


async def test_each_key_reaches_its_own_organisation_only(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant
) -> None:
    mine = await patch(http, tenant, {"contact_phone": "09 266 11 11", "quiet_start": "08:00"})
    assert mine.status_code == 200, mine.text

    # Brugge's key sees Brugge's profile: no id in the path, so nothing to guess.
    theirs = await fetch(http, other, PROFILE)
    assert theirs == fresh(other, "OCMW Brugge")
    changed = await patch(http, other, {"contact_phone": "050 44 80 00", "flemish_holiday": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["id"] == other.organisation_id

    assert await fetch(http, tenant, PROFILE) == mine.json()
    assert await fetch(http, other, PROFILE) == changed.json()


# --- staff ------------------------------------------------------------------------------------


async def test_an_admin_adds_lists_renames_and_deactivates_staff(
    http: httpx.AsyncClient, tenant: Tenant, social_worker: Tenant
) -> None:
    assert await fetch(http, tenant, STAFF) == {"staff": []}
    jan = await new_staff(http, tenant, name="  Jan   Peeters ", email="Jan.Peeters@OCMW.Example")
    assert jan == {
        "id": jan["id"],
        "name": "Jan Peeters",
        "phone": "09 266 11 11",
        "email": "Jan.Peeters@ocmw.example",
        "team": None,
        "active": True,
    }
    els = await new_staff(http, tenant, name="Els Claes", phone=None, email=None, team="Energie")
    # Sorted by name; a social worker reads the list too.
    assert await fetch(http, social_worker, STAFF) == {"staff": [els, jan]}

    path = f"{STAFF}/{jan['id']}"
    renamed = await patch(http, tenant, {"name": "Jan Peeters-Maes", "team": "Water"}, path)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == jan | {"name": "Jan Peeters-Maes", "team": "Water"}

    gone = await patch(http, tenant, {"active": False}, path)
    assert gone.status_code == 200, gone.text
    assert gone.json() == renamed.json() | {"active": False}
    assert await fetch(http, tenant, STAFF) == {"staff": [els, gone.json()]}

    back = await patch(http, tenant, {"active": True, "email": None}, path)
    assert back.status_code == 200, back.text
    assert back.json() == gone.json() | {"active": True, "email": None}


@pytest.mark.parametrize(
    "again",
    ["Jan Peeters", "jan peeters", "  JAN  PEETERS ", "Ján Peeters"],
    ids=["same", "lower", "spaces", "accent"],
)
async def test_the_same_name_twice_is_refused(
    http: httpx.AsyncClient, tenant: Tenant, again: str
) -> None:
    jan = await new_staff(http, tenant)
    response = await http.post(STAFF, json={"name": again}, headers=tenant.headers())
    message = refused(response)[0]
    assert message.startswith("name: ") and "is already a staff member" in message
    assert jan["id"] in message
    assert await fetch(http, tenant, STAFF) == {"staff": [jan]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "jan.peeters@"}, "email Not a valid email address"),
        ({"email": "geen-adres"}, "email Not a valid email address"),
        ({"name": ""}, "name String should have at least 1 character"),
        ({"name": "   "}, "name: a staff member needs a name"),
        ({"phone": "0" * 41}, "phone String should have at most 40 characters"),
    ],
)
async def test_bad_staff_details_are_refused_and_nothing_is_written(
    http: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], message: str
) -> None:
    response = await http.post(STAFF, json={**JAN, **body}, headers=tenant.headers())
    assert refused(response)[0].startswith(message), response.text
    assert await fetch(http, tenant, STAFF) == {"staff": []}

    jan = await new_staff(http, tenant)
    changed = await patch(http, tenant, {"team": "Water", **body}, f"{STAFF}/{jan['id']}")
    assert refused(changed)[0].startswith(message), changed.text
    assert await fetch(http, tenant, STAFF) == {"staff": [jan]}


async def test_a_staff_member_can_be_renamed_to_their_own_name(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    jan = await new_staff(http, tenant)
    same = await patch(http, tenant, {"name": "Jan Peeters"}, f"{STAFF}/{jan['id']}")
    assert same.status_code == 200 and same.json() == jan


async def test_renaming_onto_another_staff_members_name_is_refused(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    jan = await new_staff(http, tenant)
    els = await new_staff(http, tenant, name="Els Claes", email=None)
    response = await patch(http, tenant, {"name": "jan peeters"}, f"{STAFF}/{els['id']}")
    assert response.status_code == 400, response.text
    assert "is already a staff member" in errors(response)[0]
    assert await fetch(http, tenant, STAFF) == {"staff": [els, jan]}


async def test_another_organisations_staff_is_out_of_reach(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant
) -> None:
    jan = await new_staff(http, tenant)
    path = f"{STAFF}/{jan['id']}"
    for response in (
        await patch(http, other, {"name": "Overgenomen"}, path),
        await patch(http, other, {"active": False}, path),
        await patch(http, tenant, {"name": "Niemand"}, f"{STAFF}/00000000-0000-4000-8000-0000"),
    ):
        assert refused(response, 404) == ["No result found"]
        assert response.json()["errors"][0]["error"] == "NoResultFound"
    assert await fetch(http, other, STAFF) == {"staff": []}
    assert await fetch(http, tenant, STAFF) == {"staff": [jan]}
    # Brugge may have its own Jan Peeters: names are unique per organisation only.
    theirs = await new_staff(http, other)
    assert theirs["id"] != jan["id"]
    assert await fetch(http, other, STAFF) == {"staff": [theirs]}


# --- a case names a staff member ----------------------------------------------------------------


async def test_a_case_names_its_social_worker_by_staff_id(
    http: httpx.AsyncClient, tenant: Tenant, social_worker: Tenant
) -> None:
    jan = await new_staff(http, tenant)
    lac = await new_session(http, tenant)
    client = await new_client(http, tenant)
    case = await new_case(http, social_worker, lac["id"], client["id"], worker_id=jan["id"])
    assert case["worker_id"] == jan["id"]
    # The worker's details stay on the staff member, not copied into the case.
    assert (case["worker_name"], case["worker_phone"], case["worker_email"]) == (None, None, None)
    found = await fetch(http, tenant, f"/v2/cases/{case['id']}")
    assert found["worker_id"] == jan["id"]
    assert found == case


async def test_a_case_cannot_name_another_organisations_staff_member(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant, sessions: Sessions
) -> None:
    theirs = await new_staff(http, other)
    lac = await new_session(http, tenant)
    client = await new_client(http, tenant)
    before = await counts(sessions)
    path = f"/v2/lac-sessions/{lac['id']}/cases"
    for worker_id in (theirs["id"], "00000000-0000-4000-8000-000000000000"):
        body = {"client_id": client["id"], "worker_id": worker_id}
        response = await http.post(path, json=body, headers=tenant.headers())
        # Not yours and not there are the same 404: an id gives nothing away.
        assert refused(response, 404) == ["No result found"]
    assert await counts(sessions) == before
