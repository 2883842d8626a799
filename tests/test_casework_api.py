"""Casework over HTTP: clients, consent, partners and their notices, sessions, cases, plans,
case-list import. The real API, the real database; every refusal leaves nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from messenger.casework.reminder_plans import DEFAULT_STEPS
from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.models import PartnerNotice
from messenger.platform.settings import Settings
from tests.casework_api_support import (
    ANDRE,
    DEFAULT_DUE,
    HELENE,
    MOVED_START,
    NOTICE_EMAIL,
    NOTICES,
    PLAN,
    SHARED_TEMPLATE,
    SMS_STEP,
    WITHDRAWN_TEMPLATE,
    client_body,
    consent,
    counts,
    cp1252,
    errors,
    fetch,
    keyed,
    messages_to,
    new_case,
    new_client,
    new_partner,
    new_session,
    partner_key,
    pending,
    sharing,
    upload,
    when,
)
from tests.conftest import make_tenant
from tests.support import Tenant


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        yield client


@pytest.fixture
async def other(sessions: Sessions, settings: Settings) -> Tenant:
    return await make_tenant(sessions, settings, "OCMW Brugge")


# --- clients ---------------------------------------------------------------------------------


async def test_create_get_and_update_a_client(http: httpx.AsyncClient, tenant: Tenant) -> None:
    made = await new_client(http, tenant, first_name="  Noël ", email="Noel.Peeters@Example.BE")
    assert made["phone_number"] == "+32470123456"
    assert made["email"] == "Noel.Peeters@example.be"  # the domain lower-cased
    assert made["address_lines"] == ["Noël Peeters", "Kerkstraat 12 bus 3", "9000 Gent"]
    assert made["address"] == ["Kerkstraat 12 bus 3", "9000 Gent"]
    assert made["consent"] == {"sms": False, "email": False}
    assert (made["language"], made["no_sms"]) == ("nl", False)
    path = f"/v2/clients/{made['id']}"
    assert await fetch(http, tenant, path) == made

    change = client_body(last_name="Janssens", phone_number="+32 486 11 22 33", language="fr")
    put = await http.put(path, json={**change, "no_sms": True}, headers=tenant.headers())
    assert put.status_code == 200, put.text
    assert put.json()["address_lines"][0] == "Noël Janssens"
    assert put.json()["phone_number"] == "+32486112233"
    assert (put.json()["language"], put.json()["no_sms"]) == ("fr", True)
    assert await fetch(http, tenant, path) == put.json()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"phone_number": "0470 12 34 AB"}, "phone_number Not a valid mobile number"),
        ({"phone_number": "09 266 11 11"}, "phone_number Not a mobile number"),
        ({"email": "noel.peeters@"}, "email Not a valid email address"),
        ({"address": ["Kerkstraat 12", "B-9000 Gent"]}, "address[1] must start with"),
        ({"address": ["Kerkstraat 12"]}, "address[1] is missing"),
        ({"address": ["Kerk<straat> 12", "9000 Gent"]}, "address[0] contains characters"),
        ({"language": "de"}, "language must be one of nl, fr, en"),
    ],
)
async def test_bad_client_data_is_refused_naming_the_field(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions, change: dict, message: str
) -> None:
    made = await new_client(http, tenant)
    before = await counts(sessions)
    body, path = client_body(**change), f"/v2/clients/{made['id']}"
    post = await http.post("/v2/clients", json=body, headers=tenant.headers())
    put = await http.put(path, json=body, headers=tenant.headers())
    for response in (post, put):
        assert response.status_code == 400
        assert response.json()["errors"][0]["error"] == "ValidationError"
        assert errors(response)[0].startswith(message), errors(response)
    assert await counts(sessions) == before
    assert await fetch(http, tenant, path) == made


async def test_another_organisations_client_is_not_found(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant, sessions: Sessions
) -> None:
    made = await new_client(http, tenant)
    path = f"/v2/clients/{made['id']}"
    responses = [
        await http.get(path, headers=other.headers()),
        await http.put(path, json=client_body(last_name="X"), headers=other.headers()),
        await consent(http, other, made["id"], purpose="sms", given=True),
        await http.get(f"{path}/consents", headers=other.headers()),
    ]
    assert [r.status_code for r in responses] == [404] * 4
    assert all(r.json()["errors"][0]["error"] == "NoResultFound" for r in responses)
    assert await fetch(http, tenant, path) == made
    assert (await counts(sessions))["consents"] == 0


# --- consent ---------------------------------------------------------------------------------


async def test_consent_state_follows_the_latest_record(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions, settings: Settings
) -> None:
    org = tenant.organisation_id
    worker = await keyed(sessions, settings, org, roles.SOCIAL_WORKER, name="An De Smet")
    client_id = (await new_client(http, tenant))["id"]
    path = f"/v2/clients/{client_id}"
    start = datetime.now(UTC)
    sms = await consent(http, worker, client_id, purpose="sms", given=True, method="phone")
    assert sms.status_code == 201, sms.text
    record = sms.json()
    assert (record["purpose"], record["given"], record["method"]) == ("sms", True, "phone")
    assert record["recorded_by"] == "an_de_smet"  # the key's name
    assert start - timedelta(seconds=5) <= when(record["recorded_at"]) <= datetime.now(UTC)
    assert (await fetch(http, tenant, path))["consent"] == {"sms": True, "email": False}

    await consent(http, worker, client_id, purpose="email", given=True, method="paper")
    assert (await fetch(http, tenant, path))["consent"] == {"sms": True, "email": True}
    withdrawn = await consent(http, worker, client_id, purpose="sms", given=False, method="sms")
    assert withdrawn.status_code == 201
    assert (await fetch(http, tenant, path))["consent"] == {"sms": False, "email": True}
    history = await fetch(http, tenant, f"{path}/consents")
    assert [(h["purpose"], h["given"], h["method"]) for h in history] == [
        ("sms", True, "phone"),
        ("email", True, "paper"),
        ("sms", False, "sms"),
    ]
    assert [h["id"] for h in history] == sorted(h["id"] for h in history)
    assert history[0] == record


SHARE = {"purpose": "share-partner", "given": True}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"purpose": "post", "given": True}, 400, "purpose must be one of"),
        ({"purpose": "sms", "given": True, "method": "fax"}, 400, "method must be one of"),
        ({**SHARE, "fields": ["name"]}, 400, "partner_id goes with purpose share-partner"),
        ({"purpose": "sms", "given": True, "partner_id": "mine"}, 400, "partner_id goes with"),
        ({**SHARE, "partner_id": "mine"}, 400, "fields: say which details"),
        ({**SHARE, "partner_id": "mine", "fields": ["name", "iban"]}, 400, "fields: iban is not"),
        ({**SHARE, "partner_id": "foreign", "fields": ["name"]}, 404, "No result found"),
    ],
)
async def test_bad_consent_is_refused(
    http: httpx.AsyncClient,
    tenant: Tenant,
    other: Tenant,
    sessions: Sessions,
    body: dict,
    status: int,
    message: str,
) -> None:
    client_id = (await new_client(http, tenant))["id"]
    ids = {"mine": await new_partner(http, tenant), "foreign": await new_partner(http, other)}
    if "partner_id" in body:
        body = {**body, "partner_id": ids[body["partner_id"]]["id"]}
    before = await counts(sessions)
    response = await consent(http, tenant, client_id, **body)
    assert response.status_code == status, response.text
    assert errors(response)[0].startswith(message), errors(response)
    assert await counts(sessions) == before


# --- partners and their notices ---------------------------------------------------------------


async def test_sharing_tells_the_partner_only_what_was_agreed(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant, sessions: Sessions, settings: Settings
) -> None:
    client = await new_client(http, tenant)
    partner = await new_partner(http, tenant, notice_email="meldingen@DeBrug.Example")
    assert partner["notice_email"] == NOTICE_EMAIL  # the domain lower-cased
    bad = await http.post(
        "/v2/partners", json={**partner, "notice_email": "geen-adres"}, headers=tenant.headers()
    )
    assert bad.status_code == 400 and errors(bad) == ["notice_email Not a valid email address"]
    assert await fetch(http, tenant, "/v2/partners") == [partner]
    assert await fetch(http, other, "/v2/partners") == []
    reader = await partner_key(sessions, settings, tenant, partner["id"], "de brug")
    body = sharing(partner["id"], "name", "phone")
    shared = await consent(http, tenant, client["id"], given=True, **body)
    assert shared.status_code == 201, shared.text
    assert shared.json()["fields"] == ["name", "phone"]
    [notice] = await fetch(http, reader, NOTICES)
    assert notice["kind"] == "shared"
    assert notice["shared"] == {"name": "Noël Peeters", "phone": "+32470123456"}
    assert notice["acknowledged_at"] is None and notice["acknowledged_by"] is None
    [mail] = await messages_to(sessions, NOTICE_EMAIL)
    assert (mail.kind, mail.template_id, mail.client_id) == ("email", SHARED_TEMPLATE, client["id"])
    assert "Noël Peeters" in mail.body and "+32470123456" in mail.body
    assert client["email"] not in mail.body and "Kerkstraat" not in mail.body

    path = f"{NOTICES}/{notice['id']}/acknowledge"
    first = await http.post(path, headers=reader.headers())
    assert first.status_code == 200, first.text
    assert first.json()["acknowledged_by"] == "de_brug"
    assert when(first.json()["acknowledged_at"]) <= datetime.now(UTC)
    again = await http.post(path, headers=reader.headers())
    assert again.status_code == 200 and again.json() == first.json()
    assert await fetch(http, reader, NOTICES) == [first.json()]


async def test_withdrawal_tells_the_partner_and_repeats_tell_nothing(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions, settings: Settings
) -> None:
    client_id = (await new_client(http, tenant))["id"]
    partner = await new_partner(http, tenant)
    reader = await partner_key(sessions, settings, tenant, partner["id"], "de brug")
    for _ in range(2):
        response = await consent(
            http, tenant, client_id, given=True, **sharing(partner["id"], "name")
        )
        assert response.status_code == 201
    assert len(await messages_to(sessions, NOTICE_EMAIL)) == 1
    for _ in range(2):
        response = await consent(http, tenant, client_id, given=False, **sharing(partner["id"]))
        assert response.status_code == 201
    notices = await fetch(http, reader, NOTICES)  # newest first
    assert [(n["kind"], n["shared"]) for n in notices] == [
        ("withdrawn", {}),
        ("shared", {"name": "Noël Peeters"}),
    ]
    mails = await messages_to(sessions, NOTICE_EMAIL)
    assert [m.template_id for m in mails] == [SHARED_TEMPLATE, WITHDRAWN_TEMPLATE]
    # The partner learns which client, by the name it was given, and no more.
    assert "de gegevens van Noël Peeters." in mails[1].body
    history = await fetch(http, tenant, f"/v2/clients/{client_id}/consents")
    assert [h["given"] for h in history] == [True, True, False, False]


async def test_a_second_withdrawal_names_the_date_of_the_second_sharing(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    client_id = (await new_client(http, tenant))["id"]
    share = sharing((await new_partner(http, tenant))["id"], "name")
    await consent(http, tenant, client_id, given=True, **share)
    await consent(http, tenant, client_id, given=False, **share)
    async with sessions() as session:  # the first sharing was long ago
        long_ago = datetime(2020, 1, 6, tzinfo=UTC)
        await session.execute(update(PartnerNotice).values(created_at=long_ago))
        await session.commit()
    await consent(http, tenant, client_id, given=True, **share)
    await consent(http, tenant, client_id, given=False, **share)
    last = (await messages_to(sessions, NOTICE_EMAIL))[-1]
    assert last.template_id == WITHDRAWN_TEMPLATE
    assert "2020" not in last.body, last.body  # "Op maandag 6 januari 2020 stuurden we u ..."


# --- sessions, cases and the reminder plan -----------------------------------------------------


async def test_a_session_needs_an_offset(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    naive = {"starts_at": "2030-12-10T10:00:00", "place": "Sociaal Huis"}
    response = await http.post("/v2/lac-sessions", json=naive, headers=tenant.headers())
    assert response.status_code == 400
    assert errors(response) == ["starts_at needs a time zone (e.g. 2026-12-08T10:00:00+01:00)"]
    assert (await counts(sessions))["sessions"] == 0
    lac = await new_session(http, tenant)
    assert when(lac["starts_at"]) == when("2030-12-10T09:00:00+00:00")
    assert (lac["status"], lac["cases"]) == ("planned", 0)
    path = f"/v2/lac-sessions/{lac['id']}"
    moved = await http.patch(path, json={"starts_at": naive["starts_at"]}, headers=tenant.headers())
    assert moved.status_code == 400 and errors(moved) == ["starts_at needs a time zone"]
    got = await fetch(http, tenant, path)
    assert when(got.pop("starts_at")) == when(lac.pop("starts_at"))  # the same moment, in UTC
    assert got == lac


async def test_a_case_gets_the_plans_reminders_and_follows_its_session(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    lac = await new_session(http, tenant)
    client_id = (await new_client(http, tenant))["id"]
    case = await new_case(http, tenant, lac["id"], client_id, water_company="Farys")
    assert (case["status"], case["session_id"], case["client_id"]) == ("open", lac["id"], client_id)
    assert case["reason"] == "unpaid-bills"
    assert pending(case) == {step: when(due) for step, due in DEFAULT_DUE.items()}
    assert [r["step"] for r in case["reminders"]] == list(DEFAULT_DUE)  # in due order
    assert await fetch(http, tenant, f"/v2/cases/{case['id']}") == case
    path = f"/v2/lac-sessions/{lac['id']}"
    assert (await fetch(http, tenant, path))["cases"] == 1

    moved = await http.patch(path, json={"starts_at": MOVED_START}, headers=tenant.headers())
    assert moved.status_code == 200, moved.text
    assert when(moved.json()["starts_at"]) == when(MOVED_START)
    after = await fetch(http, tenant, f"/v2/cases/{case['id']}")
    week = timedelta(days=7)
    assert pending(after) == {step: when(due) + week for step, due in DEFAULT_DUE.items()}
    old = [r for r in after["reminders"] if r["status"] == "cancelled"]
    assert {r["id"] for r in old} == {r["id"] for r in case["reminders"]}
    assert {r["note"] for r in old} == {"de zitting is verplaatst"}


async def test_cancelling_a_case_or_the_session_cancels_the_reminders(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    lac = await new_session(http, tenant)
    first = await new_case(http, tenant, lac["id"], (await new_client(http, tenant))["id"])
    other_client = await new_client(http, tenant, phone_number="0486 11 22 33", email=None)
    second = await new_case(http, tenant, lac["id"], other_client["id"])
    cancelled = await http.post(f"/v2/cases/{first['id']}/cancel", headers=tenant.headers())
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled" and pending(cancelled.json()) == {}
    assert {r["note"] for r in cancelled.json()["reminders"]} == {"het dossier is geannuleerd"}
    still = await fetch(http, tenant, f"/v2/cases/{second['id']}")
    assert len(pending(still)) == len(DEFAULT_DUE)

    path = f"/v2/lac-sessions/{lac['id']}"
    over = await http.post(f"{path}/cancel", headers=tenant.headers())
    assert over.status_code == 200
    assert (over.json()["status"], over.json()["cases"]) == ("cancelled", 2)
    still = await fetch(http, tenant, f"/v2/cases/{second['id']}")
    assert pending(still) == {}
    assert {r["note"] for r in still["reminders"]} == {"de zitting is geannuleerd"}
    moved = await http.patch(path, json={"starts_at": MOVED_START}, headers=tenant.headers())
    assert moved.status_code == 400 and errors(moved) == ["a cancelled session cannot be moved"]


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"reason": "schulden"}, 400, "reason must be one of unpaid-bills, reconnection"),
        ({"water_company": "Aquafin"}, 400, "water_company must be one of De Watergroep"),
        ({"client_id": "client"}, 404, "No result found"),
        ({"partner_id": "partner"}, 404, "No result found"),
        ({"session": "session"}, 404, "No result found"),
    ],
)
async def test_bad_cases_are_refused(
    http: httpx.AsyncClient,
    tenant: Tenant,
    other: Tenant,
    sessions: Sessions,
    change: dict,
    status: int,
    message: str,
) -> None:
    foreign = {  # another organisation's
        "client": (await new_client(http, other))["id"],
        "partner": (await new_partner(http, other))["id"],
        "session": (await new_session(http, other))["id"],
    }
    change = {k: foreign.get(v, v) for k, v in change.items()}
    session_id = change.pop("session", None) or (await new_session(http, tenant))["id"]
    body = {"client_id": (await new_client(http, tenant))["id"], **change}
    before = await counts(sessions)
    path = f"/v2/lac-sessions/{session_id}/cases"
    response = await http.post(path, json=body, headers=tenant.headers())
    assert response.status_code == status, response.text
    assert errors(response)[0].startswith(message)
    assert await counts(sessions) == before


async def test_the_reminder_plan(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions, settings: Settings
) -> None:
    worker = await keyed(sessions, settings, tenant.organisation_id, roles.SOCIAL_WORKER)
    default = await fetch(http, worker, "/v2/reminder-plan")
    assert default == {"steps": DEFAULT_STEPS, "default": True}

    refused = await http.put("/v2/reminder-plan", json={"steps": PLAN}, headers=worker.headers())
    assert refused.status_code == 403 and refused.json()["errors"][0]["error"] == "AuthError"
    assert (await counts(sessions))["plans"] == 0
    stored = await http.put("/v2/reminder-plan", json={"steps": PLAN}, headers=tenant.headers())
    assert stored.status_code == 200 and stored.json() == {"steps": PLAN, "default": False}
    bad = [PLAN[0], {**PLAN[1], "channels": ["sms", "fax"]}]
    response = await http.put("/v2/reminder-plan", json={"steps": bad}, headers=tenant.headers())
    assert response.status_code == 400
    assert errors(response) == ["steps[2]: channels must be some of sms, email, letter"]
    assert await fetch(http, worker, "/v2/reminder-plan") == {"steps": PLAN, "default": False}

    lac = await new_session(http, tenant)  # new cases follow the stored plan
    case = await new_case(http, worker, lac["id"], (await new_client(http, tenant))["id"])
    assert pending(case) == {
        "brief": when("2030-11-30T10:00:00+00:00"),  # Saturday 11:00 Brussels time
        "sms": when("2030-12-09T09:00:00+00:00"),  # 24 hours before
    }


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({**SMS_STEP, "templates": {}}, "steps[1]: templates: no template for channel sms"),
        ({**SMS_STEP, "at": None}, "steps[1]: step 'x': give either a time of day"),
        ({**SMS_STEP, "at": "25:00"}, "steps[1]: "),
        ({**SMS_STEP, "reasons": ["schulden"]}, "steps[1]: reasons must be some of"),
        ({**SMS_STEP, "templates": {"sms": "bestaat-niet"}}, "steps[1]: templates"),
        ({**SMS_STEP, "name": "herinnering-" + "x" * 60}, "steps[1]: name needs 1 to 60"),
    ],
    ids=["no-template", "no-time", "bad-time", "bad-reason", "unknown-template", "long-name"],
)
async def test_a_bad_plan_is_refused_naming_the_step(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions, step: dict, message: str
) -> None:
    response = await http.put("/v2/reminder-plan", json={"steps": [step]}, headers=tenant.headers())
    assert response.status_code == 400, response.text
    assert errors(response)[0].startswith(message)
    assert (await counts(sessions))["plans"] == 0


# --- the case-list import ----------------------------------------------------------------------


async def test_import_a_case_list(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    lac = await new_session(http, tenant)
    # André is known already, by the same mobile number written another way: reused.
    known = await new_client(http, tenant, first_name="André", phone_number="+32 478 55 66 77")
    raw = cp1252(HELENE, ANDRE)
    assert b"H\xe9l\xe8ne" in raw  # as Excel on Belgian Windows writes it, not UTF-8
    before = await counts(sessions)
    dry = await upload(http, tenant, lac["id"], raw, dry_run="true")
    assert dry.status_code == 200
    preview = dry.json()
    assert (preview["rows"], preview["imported"], preview["case_ids"]) == (2, 0, [])
    assert preview["dry_run"] is True and preview["session_id"] == lac["id"]
    assert [(c["client"], c["known_client"]) for c in preview["cases"]] == [
        ("Hélène Dubois", False),
        ("André Maes", True),
    ]
    assert await counts(sessions) == before

    response = await upload(http, tenant, lac["id"], raw)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["rows"], body["imported"], len(set(body["case_ids"]))) == (2, 2, 2)
    after = await counts(sessions)
    assert (after["clients"], after["cases"]) == (before["clients"] + 1, before["cases"] + 2)
    helene, andre = [await fetch(http, tenant, f"/v2/cases/{i}") for i in body["case_ids"]]
    assert (helene["water_company"], helene["reference"]) == ("Farys", "FA-1")
    assert helene["session_id"] == lac["id"] and len(pending(helene)) == len(DEFAULT_DUE)
    client = await fetch(http, tenant, f"/v2/clients/{helene['client_id']}")
    assert (client["first_name"], client["phone_number"]) == ("Hélène", "+32471223344")
    assert andre["client_id"] == known["id"]
    assert body["known_clients"] == [known["id"]]
    assert body["new_clients"] == [helene["client_id"]]
    assert (await fetch(http, tenant, f"/v2/lac-sessions/{lac['id']}"))["cases"] == 2


async def test_one_bad_row_imports_nothing(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant, sessions: Sessions
) -> None:
    lac = await new_session(http, tenant)
    raw = cp1252(HELENE, "Zoë;Claes;0470 12 34;;;;;Pidpa;", ANDRE.replace("De Watergroep", "X"))
    before = await counts(sessions)
    for params in ({}, {"dry_run": "true"}):
        response = await upload(http, tenant, lac["id"], raw, **params)
        assert response.status_code == 400
        found = response.json()["errors"]
        assert [(e["row"], e["column"]) for e in found] == [(3, "GSM"), (4, "Watermaatschappij")]
        assert {e["error"] for e in found} == {"ImportError"}
        assert found[0]["message"].startswith("rij 3, GSM: Dit gsm-nummer klopt niet: 0470 12 34.")
        assert found[1]["message"].startswith("rij 4, Watermaatschappij: Deze watermaatschappij")
    assert await counts(sessions) == before
    foreign = await new_session(http, other)
    before = await counts(sessions)
    assert (await upload(http, tenant, foreign["id"], cp1252(HELENE))).status_code == 404
    assert await counts(sessions) == before


async def test_a_couple_sharing_a_phone_stays_two_clients(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    lac = await new_session(http, tenant)
    rows = ("Mohamed;El Amrani;0476 78 90 12;Farys;ja", "Fatima;El Amrani;0476 78 90 12;Farys;ja")
    raw = cp1252(*rows, header="Voornaam;Achternaam;GSM;Watermaatschappij;Gedeelde gsm")
    response = await upload(http, tenant, lac["id"], raw)
    assert response.status_code == 201, response.text
    cases = [await fetch(http, tenant, f"/v2/cases/{i}") for i in response.json()["case_ids"]]
    clients = [await fetch(http, tenant, f"/v2/clients/{c['client_id']}") for c in cases]
    assert [c["first_name"] for c in clients] == ["Mohamed", "Fatima"]


async def test_a_reference_too_long_is_a_row_error(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    lac = await new_session(http, tenant)
    before = await counts(sessions)
    response = await upload(http, tenant, lac["id"], cp1252(HELENE.replace("FA-1", "R" * 101)))
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(2, "Referentie")]
    assert await counts(sessions) == before
