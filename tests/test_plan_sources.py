"""Every variable a plan step's template uses must have a source the step can fill
(reminder_plans.check_plan against plan_values.SOURCES): a plan that cannot be filled is a 400
when it is saved, naming the step and the variable, and nothing is stored."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from messenger.casework.reminder_plans import DEFAULT_STEPS, check_plan
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from messenger.wording import template_store
from messenger.wording.template_files import template_id
from tests.casework_api_support import counts, created, errors, fetch
from tests.conftest import make_tenant
from tests.support import Tenant

PLAN = "/v2/reminder-plan"
VOORNAAM = {"example": "Sara", "description": "Voornaam van de cliënt"}
TELEFOON = {"example": "09 123 45 67", "description": "Telefoon van de maatschappelijk werker"}
SCHOENMAAT = {
    "name": "eigen-schoenmaat",
    "type": "sms",
    "language": "nl",
    "title": "Schoenmaat (sms)",
    "body": "Dag {{ voornaam }}, breng schoenen mee in maat {{ schoenmaat }}. "
    "Vragen? Bel {{ telefoon }}.",
    "variables": {"voornaam": VOORNAAM, "schoenmaat": {"example": "42"}, "telefoon": TELEFOON},
}
# An email: what was agreed (a sum, a payment) does not belong on a lock screen.
AFSPRAKEN = {
    "name": "eigen-afspraken",
    "type": "email",
    "language": "nl",
    "title": "Wat we afspraken (e-mail)",
    "subject": "Na ons gesprek",
    "body": "Dag {{ voornaam }},\n\nBedankt voor het gesprek van vorige week. Het was fijn om "
    "u te zien. Hier leest u nog eens kort wat we samen bespraken. Bewaar deze e-mail goed."
    "\n\n{{ afspraken }}\n\nVragen? Bel {{ telefoon }}.\n\n"
    "Met vriendelijke groeten,\nDe sociale dienst",
    "variables": {
        "voornaam": VOORNAAM,
        "afspraken": {"example": "we bellen u elke maand even op"},
        "telefoon": TELEFOON,
    },
}
CLEAN = {
    "name": "eigen-herinnering",
    "type": "sms",
    "language": "nl",
    "title": "Eigen herinnering (sms)",
    "body": "Dag {{ voornaam }}, we zien u graag op het OCMW. "
    "Bel {{ telefoon }} als het niet lukt.",
    "variables": {"voornaam": VOORNAAM, "telefoon": TELEFOON},
}


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api) as client:
        yield client


@pytest.fixture
async def other(sessions: Sessions, settings: Settings) -> Tenant:
    return await make_tenant(sessions, settings, "OCMW Brugge")


async def own_template(http: httpx.AsyncClient, tenant: Tenant, draft: dict[str, Any]) -> str:
    """An organisation's own template, through POST /v2/templates; its id."""
    saved = await created(http, "/v2/templates", tenant, draft)
    template_id: str = saved["template"]["id"]
    return template_id


def sms_step(template: str, name: str = "eigen-sms", **extra: Any) -> dict[str, Any]:
    """A session-timed SMS step: two days before the session, at ten."""
    return {
        "name": name,
        "days_before": 2,
        "at": "10:00",
        "channels": ["sms"],
        "templates": {"sms": template},
        **extra,
    }


def after_outcome(template: str, name: str = "na-de-zitting", **extra: Any) -> dict[str, Any]:
    """The same, timed from the outcome of the session instead (or another event)."""
    step = sms_step(template, name, **{"trigger": "outcome", "days_after": 3, **extra})
    del step["days_before"]
    return step


async def put_plan(
    http: httpx.AsyncClient, tenant: Tenant, steps: list[dict[str, Any]]
) -> httpx.Response:
    return await http.put(PLAN, json={"steps": steps}, headers=tenant.headers())


async def assert_refused(
    http: httpx.AsyncClient,
    tenant: Tenant,
    sessions: Sessions,
    steps: list[dict[str, Any]],
    *fragments: str,
) -> str:
    """PUT must be a 400 whose one message holds every fragment, and store nothing."""
    response = await put_plan(http, tenant, steps)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["error"] == "ValidationError"
    [message] = errors(response)
    for fragment in fragments:
        assert fragment in message, message
    assert await fetch(http, tenant, PLAN) == {"steps": DEFAULT_STEPS, "default": True}
    assert (await counts(sessions))["plans"] == 0
    return message


async def assert_stored(
    http: httpx.AsyncClient, tenant: Tenant, steps: list[dict[str, Any]]
) -> None:
    response = await put_plan(http, tenant, steps)
    assert response.status_code == 200, response.text
    assert response.json() == {"steps": steps, "default": False}
    assert await fetch(http, tenant, PLAN) == {"steps": steps, "default": False}


# --- a variable nothing fills -------------------------------------------------------------------


async def test_a_variable_nothing_fills_is_refused_naming_the_step_and_the_variable(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    schoenmaat = await own_template(http, tenant, SCHOENMAAT)
    clean = await own_template(http, tenant, CLEAN)
    message = await assert_refused(
        http,
        tenant,
        sessions,
        # The bad step second: the message counts the steps from one.
        [sms_step(clean, "eerst"), sms_step(schoenmaat, "schoenen")],
        "steps[2]: step 'schoenen'",
        "eigen-schoenmaat (nl) uses schoenmaat",
        "nothing fills it in",
    )
    assert "steps[1]" not in message
    # Timed from the outcome, it has no source either.
    await assert_refused(
        http,
        tenant,
        sessions,
        [after_outcome(schoenmaat, "na-de-zitting")],
        "steps[1]: step 'na-de-zitting'",
        "uses schoenmaat",
    )
    # Without the bad step, the plan is stored.
    await assert_stored(http, tenant, [sms_step(clean, "eerst")])


async def test_every_language_of_a_template_is_checked(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    template = await own_template(http, tenant, CLEAN)
    french = {
        **CLEAN,
        "language": "fr",
        "title": "Rappel (sms)",
        "body": "Bonjour {{ voornaam }}, apportez vos chaussures taille {{ schoenmaat }}. "
        "Appelez le {{ telefoon }}.",
        "variables": SCHOENMAAT["variables"],
    }
    response = await http.post(f"/v2/template/{template}", json=french, headers=tenant.headers())
    assert response.status_code == 200, response.text
    await assert_refused(
        http,
        tenant,
        sessions,
        [sms_step(template, "tweetalig")],
        "steps[1]: step 'tweetalig'",
        "eigen-herinnering (fr) uses schoenmaat",
    )


async def test_another_organisations_template_is_not_found(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant, sessions: Sessions
) -> None:
    theirs = await own_template(http, other, CLEAN)
    await assert_refused(
        http, tenant, sessions, [sms_step(theirs)], f"steps[1]: templates: no sms template {theirs}"
    )
    await assert_stored(http, other, [sms_step(theirs)])


# --- a value from the outcome -------------------------------------------------------------------


async def test_an_outcome_value_only_fills_a_step_timed_from_the_outcome(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    afspraken = await own_template(http, tenant, AFSPRAKEN)
    by_email = {"channels": ["email"], "templates": {"email": afspraken}}
    await assert_refused(
        http,
        tenant,
        sessions,
        [sms_step(afspraken, "voor-de-zitting", **by_email)],
        "steps[1]: step 'voor-de-zitting'",
        "eigen-afspraken (nl) uses afspraken",
        "it comes from the outcome, so only a step with trigger outcome can use it",
    )
    # Timed from a failed payment plan is not the outcome either.
    failed = after_outcome(afspraken, "mislukt", trigger="payment-plan-failed", **by_email)
    await assert_refused(http, tenant, sessions, [failed], "step 'mislukt'", "uses afspraken")
    await assert_stored(http, tenant, [after_outcome(afspraken, "na-de-zitting", **by_email)])


async def test_the_shipped_follow_up_letter_needs_the_outcome_too(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    letter = {
        "name": "opvolging",
        "days_before": 1,
        "at": "10:00",
        "channels": ["letter"],
        "templates": {"letter": "lac-opvolging-brief"},
    }
    await assert_refused(
        http, tenant, sessions, [letter], "step 'opvolging'", "lac-opvolging-brief (", "afspraken"
    )
    timed = {k: v for k, v in letter.items() if k != "days_before"}
    await assert_stored(http, tenant, [{**timed, "trigger": "outcome", "working_days_after": 1}])


# --- an appointment ---------------------------------------------------------------------------


async def test_an_appointment_only_fills_a_step_that_needs_one(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    offer = sms_step("lac-afspraak-voorstel-sms", "voorstel")
    await assert_refused(
        http,
        tenant,
        sessions,
        [offer],
        "steps[1]: step 'voorstel'",
        "lac-afspraak-voorstel-sms (",
        'uses afspraak, but only a step with needs "appointment" is sure to have one',
    )
    await assert_refused(
        http, tenant, sessions, [{**offer, "needs": "afspraak"}], "step 'voorstel'", "afspraak"
    )
    await assert_stored(http, tenant, [{**offer, "needs": "appointment"}])


# --- the shipped plan ---------------------------------------------------------------------------


async def test_the_shipped_plan_passes_the_check(sessions: Sessions, tenant: Tenant) -> None:
    async with sessions() as session:
        await template_store.sync_shipped(session)
        await session.commit()
        # As the API checks it at start-up (no organisation), and for one organisation.
        for organisation_id in (None, tenant.organisation_id):
            parsed = await check_plan(session, organisation_id, DEFAULT_STEPS)
            assert [s.name for s in parsed] == [s["name"] for s in DEFAULT_STEPS]


async def test_the_check_would_stop_a_shipped_step_without_its_source(
    sessions: Sessions,
) -> None:
    steps = copy.deepcopy(DEFAULT_STEPS)
    offer = next(s for s in steps if s["name"] == "afspraak-voorstel")
    del offer["needs"]
    number = steps.index(offer) + 1
    async with sessions() as session:
        await template_store.sync_shipped(session)
        with pytest.raises(ValueError, match=rf"^steps\[{number}\]: step 'afspraak-voorstel'"):
            await check_plan(session, None, steps)
    assert DEFAULT_STEPS[number - 1]["needs"] == "appointment"  # the shipped list untouched


async def test_the_shipped_plan_can_be_stored_as_the_organisations_own(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    # The API started, so the shipped plan passed check_plan at start-up already.
    await assert_stored(http, tenant, DEFAULT_STEPS)


# --- gaps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["new-version", "override"])
async def test_a_template_edit_cannot_break_the_plan_in_use(
    http: httpx.AsyncClient, tenant: Tenant, how: str
) -> None:
    if how == "new-version":
        template = await own_template(http, tenant, CLEAN)
        await assert_stored(http, tenant, [sms_step(template)])
        spoiled = {**SCHOENMAAT, "name": CLEAN["name"]}
        path = f"/v2/template/{template}"
    else:  # the default plan's morning SMS, in the organisation's own words
        spoiled = {**SCHOENMAAT, "overrides": template_id("lac-ochtend-sms")}
        path = "/v2/templates"
    response = await http.post(path, json=spoiled, headers=tenant.headers())
    assert response.status_code == 400, response.text
    assert any("schoenmaat" in m for m in errors(response))
