"""What the Notify suites need from Messenger, made as a service team would: templates
written the Notify way, senders, a team member, the letters' return address, a reply."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from messenger.casework.organisations import update_organisation
from messenger.inbound.sms import InboundSms, receive
from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.casework_api_support import keyed
from tests.support import Tenant

PYTHON_SUITE = Path(__file__).parent / "python"
NUMBER = "+32470123456"
EMAIL = "functional.test@ocmw.gent.example"
GDS = (
    "Government Digital Service\nThe White Chapel Building\n10 Whitechapel High Street\n"
    "London\nE1 8QS\nUnited Kingdom"
)


@contextlib.contextmanager
def python_suite() -> Iterator[Any]:
    """The Python client's `integration_test` package (its suite and its schemas)."""
    sys.path.insert(0, str(PYTHON_SUITE))
    try:
        import integration_test  # type: ignore[import-not-found]

        yield integration_test
    finally:
        sys.path.remove(str(PYTHON_SUITE))


async def _post(http: httpx.AsyncClient, tenant: Tenant, path: str, body: dict[str, Any]) -> Any:
    answer = await http.post(path, json=body, headers=tenant.headers())
    assert answer.status_code in (200, 201), (path, answer.text)
    return answer.json()


async def prepare(
    api: str, sessions: Sessions, settings: Settings, tenant: Tenant
) -> dict[str, str]:
    """What a service team sets up before running the suite, through Messenger's API."""
    admin = await keyed(sessions, settings, tenant.organisation_id, roles.ADMIN)
    async with httpx.AsyncClient(base_url=api) as http:
        template = "/v2/templates"
        sms = await _post(http, admin, template, {
            "name": "suite-sms", "type": "sms", "language": "en", "title": "Suite SMS",
            "body": "Hello ((name)), this is a test.", "variables": {},
        })  # fmt: skip
        email = await _post(http, admin, template, {
            "name": "suite-email", "type": "email", "language": "en", "title": "Suite email",
            "subject": "A test", "body": "Hello ((name)), this is a test.", "variables": {},
        })  # fmt: skip
        letter = await _post(http, admin, template, {
            "name": "suite-letter", "type": "letter", "language": "en", "title": "Suite letter",
            "subject": "A test",
            "body": "Hello ((address_line_1)), this is a test. Questions? Call 09 123 45 67 "
            "or mail info@ocmw.gent.example.",
            "variables": {},
        })  # fmt: skip
        sender = await _post(http, admin, "/v2/organisation/senders",
                             {"kind": "sms", "value": "0460 20 00 01"})  # fmt: skip
        reply_to = await _post(http, admin, "/v2/organisation/senders",
                               {"kind": "email", "value": "reply@ocmw.gent.example"})  # fmt: skip
        await _post(http, admin, "/v2/staff",
                    {"name": "Functional Test", "phone": NUMBER, "email": EMAIL})  # fmt: skip
    async with sessions() as session:
        # The return address the suite expects on letters (`messenger org set --letter-sender`).
        await update_organisation(
            session, tenant.organisation_id, letter_sender=GDS.replace("\n", "|")
        )
        await session.commit()
    async with sessions() as session:
        # A client answered: the suite reads received text messages.
        await receive(session, None, InboundSms("SM-suite-1", NUMBER, "+32460200001", "Bel mij"))
    return {
        "SMS_TEMPLATE_ID": sms["template"]["id"],
        "EMAIL_TEMPLATE_ID": email["template"]["id"],
        "LETTER_TEMPLATE_ID": letter["template"]["id"],
        "SMS_SENDER_ID": sender["id"],
        "EMAIL_REPLY_TO_ID": reply_to["id"],
    }


NODE_SUITE = Path(__file__).parent / "node"


async def prepare_node(
    api: str, sessions: Sessions, settings: Settings, tenant: Tenant
) -> dict[str, str]:
    """What the Node suite expects, made as a service team would through the API: templates
    whose first versions had other names (and, for the letter, no return address yet)."""
    admin = await keyed(sessions, settings, tenant.organisation_id, roles.ADMIN)
    async with httpx.AsyncClient(base_url=api) as http:

        async def template(body: dict[str, Any], later: dict[str, Any] | None = None) -> str:
            draft = {"language": "en", "variables": {}, **body}
            made = await _post(http, admin, "/v2/templates", draft)
            if later:
                await _post(
                    http, admin, f"/v2/template/{made['template']['id']}", {**draft, **later}
                )
            return str(made["template"]["id"])

        sms = await template(
            {"name": "node-sms", "type": "sms", "title": "Example text message template",
             "body": "Hello ((name))"},
            {"title": "Client Functional test sms template",
             "body": "Hello ((name))\n\nFunctional Tests make our world a better place"},
        )  # fmt: skip
        email = await template({
            "name": "node-email", "type": "email", "title": "Client Functional test email template",
            "subject": "Functional Tests are good",
            "body": "Hello ((name))\r\n\r\nFunctional test help make our world a better place",
        })  # fmt: skip
        letter_draft = {"name": "node-letter", "type": "letter", "title": "Untitled",
                        "subject": "Main heading", "body": "Hello ((address_line_1))",
                        # A test letter with no way to answer it: accepted knowingly.
                        "checks": ["accept:contact-ways"]}  # fmt: skip
        made = await _post(http, admin, "/v2/templates", {"language": "en", **letter_draft})
        letter = str(made["template"]["id"])
        sender = await _post(http, admin, "/v2/organisation/senders",
                             {"kind": "sms", "value": "0460 20 00 01"})  # fmt: skip
        reply_to = await _post(http, admin, "/v2/organisation/senders",
                               {"kind": "email", "value": "reply@ocmw.gent.example"})  # fmt: skip
        await _post(http, admin, "/v2/staff",
                    {"name": "Functional Test", "phone": NUMBER, "email": EMAIL})  # fmt: skip
        async with sessions() as session:
            # The return address is set after the letter's first version, as in Notify's own
            # test service: version 1 has none.
            await update_organisation(
                session, tenant.organisation_id, letter_sender=GDS.replace("\n", "|")
            )
            await session.commit()
        await _post(http, admin, f"/v2/template/{letter}",
                    {"language": "en", **letter_draft,
                     "title": "Client functional letter template"})  # fmt: skip
    async with sessions() as session:
        await receive(session, None, InboundSms("SM-node-1", NUMBER, "+32460200001", "Bel mij"))
    return {
        "SMS_TEMPLATE_ID": sms,
        "EMAIL_TEMPLATE_ID": email,
        "LETTER_TEMPLATE_ID": letter,
        "SMS_SENDER_ID": sender["id"],
        "EMAIL_REPLY_TO_ID": reply_to["id"],
    }
