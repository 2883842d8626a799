"""Templates are bounded in time and size: hostile ones are refused quickly with a clear
reason, ordinary arithmetic and loops still work, and a message has a length limit."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from messenger.wording import rendering
from messenger.wording.bounded_sandbox import MAX_SECONDS
from tests.support import Tenant, sms_body


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{{ (9**(9**7))|string|length }}", "a power that large"),
        ("{{ a ** b }}", "a power that large"),
        ("{{ ('a' * 10**9)|length }}", "repeating text that often"),
        ("{{ [1] * 1000000 }}", "repeating text that often"),
        ("{{ (s + s)|length }}", "text that long"),
        ("{{ 'x'.ljust(10**9) }}", "a number that large"),
        ("{{ 'x'.zfill(999999999) }}", "a number that large"),
        ("{{ 'x'|center(10**9) }}", "the filter center"),
        ("{{ '%*s'|format(10**9, 'x') }}", "the filter format"),
        ("{{ 'x'|indent(10**9) }}", "the filter indent"),
        ("{% for i in range(100000) %}{{ 'x' * 5 }}{% endfor %}", "longer than 200000"),
    ],
)
def test_a_costly_template_is_refused_at_once(body: str, reason: str) -> None:
    values = {"a": 9, "b": 10**7, "s": "x" * 60_000}
    started = time.monotonic()
    with pytest.raises(rendering.RenderError, match="too costly") as refused:
        rendering.render(body, None, values, language="nl")
    assert reason in str(refused.value)
    assert time.monotonic() - started < 1


def test_a_loop_that_prints_nothing_is_stopped_at_the_deadline() -> None:
    body = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(rendering.RenderError, match="took over"):
        rendering.render(body, None, {}, language="nl")
    assert time.monotonic() - started < MAX_SECONDS + 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{{ 2 ** 10 }} {{ 3 * 4 }} {{ 'ab' * 3 }} {{ 'a' + 'b' }}", "1024 12 ababab ab"),
        ("{% for i in range(3) %}{{ i }}{% endfor %}", "012"),
        ("{{ 'Sara'|center(8) }}|", "Sara  |"),
        ("{{ '%05d'|format(42) }}", "00042"),
    ],
)
def test_ordinary_templates_still_work(body: str, expected: str) -> None:
    assert rendering.render(body, None, {}, language="nl").body == expected


@pytest.mark.parametrize("body", ["{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ 5 % 0 }}", "{{ 10.0**400 }}"])
def test_arithmetic_that_fails_is_refused_as_a_template_error(body: str) -> None:
    # Not a 500: the author wrote a sum that cannot be done.
    with pytest.raises(rendering.RenderError, match=r"could not be filled in|too costly"):
        rendering.render(body, None, {}, language="nl")


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        yield client


async def test_a_costly_template_cannot_be_saved(http: httpx.AsyncClient, tenant: Tenant) -> None:
    draft = {
        "name": "duur",
        "type": "sms",
        "language": "nl",
        "title": "Duur",
        "body": "Dag {{ voornaam }}. {{ ('a' * 10**9)|length }}",
        "variables": {"voornaam": {"example": "Sara", "description": "Voornaam"}},
    }
    started = time.monotonic()
    response = await http.post("/v2/templates", json=draft, headers=tenant.headers())
    assert response.status_code == 400, response.text
    assert "too costly" in response.text
    assert time.monotonic() - started < 5


async def test_a_text_message_has_notifys_length_limit(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = sms_body()
    body["personalisation"] = {**body["personalisation"], "plaats_kort": "Markt 1, Gent " * 80}
    response = await http.post("/v2/notifications/sms", json=body, headers=tenant.headers())
    assert response.status_code == 400, response.text
    message = response.json()["errors"][0]["message"]
    assert message.startswith("Text messages cannot be longer than 918 characters.")
