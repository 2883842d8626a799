"""The send path's cost per request (issue 16): the organisation's API keys are read and
decrypted once per KEY_CACHE_SECONDS, yet every token is still checked and a revoked key
stops working within seconds; the template is found in one statement; POST
/v2/notifications/sms asks the database only what it must."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Engine

from messenger.casework.organisations import create_organisation, update_organisation
from messenger.platform import api_keys
from messenger.platform.api_keys import KEY_CACHE_SECONDS, AuthError, KeyCache, authenticate
from messenger.platform.db import Sessions
from messenger.platform.encryption import SecretBox, secret_box
from messenger.platform.models import ApiKey
from messenger.platform.settings import Settings
from messenger.wording import template_store
from messenger.wording.template_files import TemplateSource
from tests.conftest import make_tenant
from tests.support import SMS_TEMPLATE, Tenant, email_body, sms_body


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine in this process runs meanwhile (the API runs here too)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(" ".join(args[2].split()))

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return secret_box(settings)


@pytest.fixture
def monotonic() -> Clock:
    return Clock()


@pytest.fixture
def cache(monotonic: Clock) -> KeyCache:
    return KeyCache(clock=monotonic)


async def _authenticate(sessions: Sessions, box: SecretBox, token: str, cache: KeyCache) -> ApiKey:
    async with sessions() as session:
        return await authenticate(session, box, token, cache=cache)


def _key_reads(seen: list[str]) -> int:
    return sum(1 for s in seen if s.startswith("SELECT") and "FROM api_keys" in s)


async def test_a_cached_key_still_authenticates_without_the_database(
    sessions: Sessions, box: SecretBox, tenant: Tenant, cache: KeyCache
) -> None:
    first = await _authenticate(sessions, box, tenant.token(), cache)
    with statements() as seen:
        again = await _authenticate(sessions, box, tenant.token(), cache)
    assert seen == []
    assert (again.id, again.organisation_id, again.role, again.key_type, again.name) == (
        first.id, tenant.organisation_id, first.role, "live", "tests",
    )  # fmt: skip
    assert again is not first  # each request its own row: nothing it does reaches another


async def test_a_key_revoked_elsewhere_is_refused_once_the_cache_time_is_over(
    sessions: Sessions, box: SecretBox, tenant: Tenant, cache: KeyCache, monotonic: Clock
) -> None:
    await _authenticate(sessions, box, tenant.token(), cache)
    async with sessions() as session:  # as the CLI or another API process would
        await session.execute(
            update(ApiKey)
            .where(ApiKey.organisation_id == tenant.organisation_id)
            .values(revoked_at=ApiKey.created_at)
        )
        await session.commit()
    monotonic.now += KEY_CACHE_SECONDS - 0.1
    await _authenticate(sessions, box, tenant.token(), cache)  # still trusted a moment
    monotonic.now += 0.1
    with pytest.raises(AuthError, match="API key not found"):
        await _authenticate(sessions, box, tenant.token(), cache)


async def test_a_key_revoked_in_this_process_is_refused_at_once(
    sessions: Sessions, box: SecretBox, tenant: Tenant
) -> None:
    process_cache = api_keys.KEYS  # what revoke_key forgets, as the API uses it
    key = await _authenticate(sessions, box, tenant.token(), process_cache)
    assert process_cache.get(box, tenant.organisation_id) is not None
    async with sessions() as session:
        await api_keys.revoke_key(session, tenant.organisation_id, key.id, key.created_at)
        await session.commit()
    with pytest.raises(AuthError, match="API key not found"):
        await _authenticate(sessions, box, tenant.token(), process_cache)


async def test_a_wrong_signature_is_refused_even_while_the_key_is_cached(
    sessions: Sessions, box: SecretBox, tenant: Tenant, cache: KeyCache
) -> None:
    await _authenticate(sessions, box, tenant.token(), cache)
    with pytest.raises(AuthError, match="API key not found"):
        await _authenticate(sessions, box, tenant.token(secret=str(uuid.uuid4())), cache)
    with pytest.raises(AuthError, match="API key not found"):  # the right key, tampered with
        await _authenticate(sessions, box, tenant.token()[:-4] + "AAAA", cache)
    with pytest.raises(AuthError, match="clock must be accurate"):
        await _authenticate(sessions, box, tenant.token(iat=time.time() - 60), cache)
    await _authenticate(sessions, box, tenant.token(), cache)  # the right one still works


async def test_tenants_stay_apart_while_their_keys_are_cached(
    sessions: Sessions, settings: Settings, box: SecretBox, tenant: Tenant, cache: KeyCache
) -> None:
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    assert (await _authenticate(sessions, box, tenant.token(), cache)).organisation_id == (
        tenant.organisation_id
    )
    assert (await _authenticate(sessions, box, other.token(), cache)).organisation_id == (
        other.organisation_id
    )
    # Brugge's name on the token, Gent's secret under it (and the other way round).
    for iss, signer in ((other, tenant), (tenant, other)):
        forged = jwt.encode(
            {"iss": iss.organisation_id, "iat": int(time.time())}, signer.api_key[-36:], "HS256"
        )
        with pytest.raises(AuthError, match="API key not found"):
            await _authenticate(sessions, box, forged, cache)


async def test_a_new_key_works_at_once_while_the_organisations_keys_are_cached(
    sessions: Sessions, box: SecretBox, tenant: Tenant, cache: KeyCache
) -> None:
    await _authenticate(sessions, box, tenant.token(), cache)
    async with sessions() as session:
        issued = await api_keys.issue_key(
            session, box, organisation_id=tenant.organisation_id, name="second", key_type="team"
        )
        await session.commit()
    newer = Tenant(tenant.organisation_id, issued.combined)
    assert (await _authenticate(sessions, box, newer.token(), cache)).key_type == "team"
    with statements() as seen:  # both keys are known now
        await _authenticate(sessions, box, tenant.token(), cache)
        await _authenticate(sessions, box, newer.token(), cache)
    assert seen == []


async def test_the_cache_is_bounded_and_per_secret_box(
    sessions: Sessions, settings: Settings, box: SecretBox
) -> None:
    cache = KeyCache(size=2)
    tenants = [await make_tenant(sessions, settings, f"OCMW {n}") for n in range(3)]
    for each in tenants:
        await _authenticate(sessions, box, each.token(), cache)
    assert len(cache) == 2
    assert cache.get(box, tenants[0].organisation_id) is None  # the least recently used
    # Another application in this process (another server key) shares nothing.
    assert cache.get(SecretBox(settings.secret_key or ""), tenants[2].organisation_id) is None
    with statements() as seen:
        await _authenticate(sessions, box, tenants[0].token(), cache)
    assert _key_reads(seen) == 1


async def test_the_secret_is_not_in_the_cache_entrys_repr(
    sessions: Sessions, box: SecretBox, tenant: Tenant, cache: KeyCache
) -> None:
    await _authenticate(sessions, box, tenant.token(), cache)
    known = cache.get(box, tenant.organisation_id)
    assert known is not None and tenant.api_key[-36:] not in repr(known)


# The template, in one statement.


async def _org_with_templates(sessions: Sessions) -> str:
    async with sessions() as session:
        await template_store.sync_shipped(session)
        organisation = await create_organisation(session, "OCMW Gent")
        await session.commit()
    return organisation.id


def _source(body: str, language: str = "nl", kind: str = "sms") -> TemplateSource:
    return TemplateSource(name="eigen", language=language, kind=kind, title="Eigen", body=body)


async def test_a_template_is_found_in_one_statement(sessions: Sessions) -> None:
    organisation_id = await _org_with_templates(sessions)
    async with sessions() as session:
        with statements() as seen:
            choice = await template_store.find(session, organisation_id, SMS_TEMPLATE)
            french = await template_store.find(
                session, organisation_id, SMS_TEMPLATE, language="fr"
            )
    assert len(seen) == 2
    assert choice is not None and (choice.version.language, choice.fell_back) == ("nl", False)
    assert french is not None and (french.version.language, french.fell_back) == ("fr", False)


async def test_the_organisations_override_and_its_latest_version_win(sessions: Sessions) -> None:
    organisation_id = await _org_with_templates(sessions)
    async with sessions() as session:
        own = await template_store.create_own(
            session, organisation_id, _source("Eerste {{ voornaam }}"), created_by="t",
            overrides=SMS_TEMPLATE,
        )  # fmt: skip
        await template_store.add_version(
            session, own, _source("Tweede {{ voornaam }}"), created_by="t"
        )
        other = await create_organisation(session, "OCMW Brugge")
        await session.commit()
    async with sessions() as session:
        mine = await template_store.find(session, organisation_id, SMS_TEMPLATE)
        theirs = await template_store.find(session, other.id, SMS_TEMPLATE)
        french = await template_store.find(session, organisation_id, SMS_TEMPLATE, language="fr")
        hidden = await template_store.find(session, other.id, own.id)
        direct = await template_store.find(session, organisation_id, own.id)
    assert mine is not None and (mine.template.id, mine.version.body) == (
        own.id,
        "Tweede {{ voornaam }}",
    )
    assert mine.version.version == 2
    assert theirs is not None and theirs.template.id == SMS_TEMPLATE
    # The override has no French: its Dutch stands in, as before.
    assert french is not None and (french.template.id, french.version.language) == (own.id, "nl")
    assert french.fell_back
    assert hidden is None
    assert direct is not None and direct.version.version == 2


async def test_a_template_in_one_other_language_is_found_without_naming_it(
    sessions: Sessions,
) -> None:
    organisation_id = await _org_with_templates(sessions)
    async with sessions() as session:
        own = await template_store.create_own(
            session, organisation_id, _source("Hello {{ name }}", "en"), created_by="t"
        )
        await session.commit()
    async with sessions() as session:
        found = await template_store.find(session, organisation_id, own.id)
        unknown = await template_store.find(session, organisation_id, str(uuid.uuid4()))
        numbered = await template_store.find(session, organisation_id, own.id, version=1)
    assert found is not None and (found.version.language, found.fell_back) == ("en", True)
    assert unknown is None
    assert numbered is not None and numbered.version.body == "Hello {{ name }}"


# What POST /v2/notifications/{sms,email} asks the database.


async def _send(api: str, tenant: Tenant, path: str, body: dict[str, Any]) -> list[str]:
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        warm = await client.post(path, json=body, headers=tenant.headers())  # the key, cached
        assert warm.status_code == 201, warm.text
        with statements() as seen:
            sent = await client.post(path, json=body, headers=tenant.headers())
        assert sent.status_code == 201, sent.text
    return seen


def _tables(seen: list[str]) -> list[str]:
    return [
        s.split(" FROM ")[1].split()[0] if s.startswith("SELECT") else s.split()[2] for s in seen
    ]


async def test_an_sms_asks_for_the_template_sender_and_stop_then_writes_twice(
    api: str, tenant: Tenant
) -> None:
    seen = await _send(api, tenant, "/v2/notifications/sms", sms_body())
    assert _tables(seen) == [
        "templates", "senders", "opt_out_records", "messages", "message_events",
    ]  # fmt: skip


async def test_an_email_asks_for_the_template_and_the_reply_to_then_writes_twice(
    api: str, tenant: Tenant
) -> None:
    seen = await _send(api, tenant, "/v2/notifications/email", email_body())
    assert _tables(seen) == ["templates", "senders", "messages", "message_events"]


@pytest.mark.parametrize("transliterating", [False, True])
async def test_the_organisations_transliteration_is_asked_only_for_a_text_it_changes(
    api: str, tenant: Tenant, sessions: Sessions, transliterating: bool
) -> None:
    async with sessions() as session:
        await update_organisation(
            session, tenant.organisation_id, sms_transliterate=transliterating
        )
        await session.commit()
    accented = sms_body(personalisation={**sms_body()["personalisation"], "voornaam": "Anaïs"})
    seen = await _send(api, tenant, "/v2/notifications/sms", accented)
    assert "organisations" in _tables(seen)
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        sent = await client.post("/v2/notifications/sms", json=accented, headers=tenant.headers())
    assert sent.json()["content"]["body"].startswith(
        "Dag Anais," if transliterating else "Dag Anaïs,"
    )
    plain = await _send(api, tenant, "/v2/notifications/sms", sms_body())
    assert "organisations" not in _tables(plain)
