"""GOV.UK Notify's official Python client runs its own integration suite against Messenger.

The suite (`python/integration_test/`, copied unchanged from notifications-python-client
12.1.0) reads its settings from the environment: here they point at a running Messenger with
what the suite expects made through Messenger's own API (templates, senders, a team key,
a received text). Each of the suite's steps runs as it does in its `test_integration`, in the
same order; one is skipped, with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from notifications_python_client.notifications import NotificationsAPIClient

from messenger.platform.api_keys import issue_key
from messenger.platform.db import Sessions
from messenger.platform.encryption import secret_box
from messenger.platform.settings import Settings
from tests.notify_suites.support import EMAIL, NUMBER, PYTHON_SUITE, prepare, python_suite
from tests.support import Tenant

# Why a step of the suite does not run here.
SKIPPED = {
    "send_letter_notification_test_response": (
        "the suite's letter goes to a UK postcode without a country (SW1 1AA); Messenger "
        "posts letters in Belgium and refuses an address it cannot read for the manifest"
    ),
}

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def suite() -> Iterator[Any]:
    with python_suite() as package:
        import integration_test.integration_tests as suite_module  # type: ignore[import-not-found]

        assert suite_module.__name__.startswith(package.__name__)
        yield suite_module


async def test_notifys_python_suite_passes(
    api: str, sessions: Sessions, settings: Settings, tenant: Tenant, suite: Any
) -> None:
    ids = await prepare(api, sessions, settings, tenant)
    async with sessions() as session:
        issued = await issue_key(
            session, secret_box(settings), organisation_id=tenant.organisation_id,
            name="team", key_type="team",
        )  # fmt: skip
        await session.commit()
    team_key = issued.combined
    env = {
        "NOTIFY_API_URL": api,
        "API_KEY": tenant.api_key,
        "API_SENDING_KEY": team_key,
        "FUNCTIONAL_TEST_NUMBER": NUMBER,
        "FUNCTIONAL_TEST_EMAIL": EMAIL,
        "INBOUND_SMS_QUERY_KEY": tenant.api_key,
        **ids,
    }
    client = NotificationsAPIClient(base_url=api, api_key=tenant.api_key)
    team = NotificationsAPIClient(base_url=api, api_key=team_key)
    failures: list[str] = []

    async def step(name: str, call: Callable[[], Any]) -> Any:
        if name in SKIPPED:
            return None
        try:
            return await asyncio.to_thread(call)
        except Exception as exc:  # every step's failure is reported, not only the first
            failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
            return None

    s = suite
    sms, email, letter = (
        ids[k] for k in ("SMS_TEMPLATE_ID", "EMAIL_TEMPLATE_ID", "LETTER_TEMPLATE_ID")
    )
    sender, reply_to = ids["SMS_SENDER_ID"], ids["EMAIL_REPLY_TO_ID"]
    # The suite's sends, in its order: (name, kind, call).
    sends = [
        ("sms", "sms", lambda: s.send_sms_notification_test_response(client)),
        ("sms with sender", "sms", lambda: s.send_sms_notification_test_response(team, sender)),
        ("email", "email", lambda: s.send_email_notification_test_response(client)),
        ("email with reply-to", "email",
         lambda: s.send_email_notification_test_response(client, reply_to)),
        ("send_letter_notification_test_response", "letter",
         lambda: s.send_letter_notification_test_response(client)),
        ("precompiled", "letter",
         lambda: s.send_precompiled_letter_notification_test_response(client)),
        ("precompiled first class", "letter",
         lambda: s.send_precompiled_letter_notification_set_postage_test_response(client)),
    ]  # fmt: skip
    reads = [
        ("all notifications", lambda: s.get_all_notifications(client)),
        ("sms template", lambda: s.get_template_by_id(client, sms, "sms")),
        ("email template", lambda: s.get_template_by_id(client, email, "email")),
        ("letter template", lambda: s.get_template_by_id(client, letter, "letter")),
        ("sms version 1", lambda: s.get_template_by_id_and_version(client, sms, 1, "sms")),
        ("email version 1", lambda: s.get_template_by_id_and_version(client, email, 1, "email")),
        ("sms preview", lambda: s.post_template_preview(client, sms, "sms")),
        ("email preview", lambda: s.post_template_preview(client, email, "email")),
        ("all templates", lambda: s.get_all_templates(client)),
        ("email templates", lambda: s.get_all_templates_for_type(client, "email")),
        ("sms templates", lambda: s.get_all_templates_for_type(client, "sms")),
    ]
    with _environment(env), _in(PYTHON_SUITE):  # the suite opens its PDF by a relative path
        sent = {name: (kind, await step(name, call)) for name, kind, call in sends}
        for name, (kind, message_id) in sent.items():
            if message_id:
                await step(
                    f"get {name}", partial(s.get_notification_by_id, client, message_id, kind)
                )
        for name, call in reads:
            await step(name, call)
        if sent["precompiled"][1]:
            await step(
                "precompiled pdf", partial(s.get_pdf_for_letter, client, sent["precompiled"][1])
            )
        await step("received texts", s.get_received_text_messages)
    assert not failures, "\n".join(failures)


@contextlib.contextmanager
def _in(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


class _environment:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def __enter__(self) -> None:
        self.saved = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)

    def __exit__(self, *exc: object) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
