"""GOV.UK Notify's official Node client runs its own integration suite against Messenger.

The suite (`node/spec/integration/`, copied unchanged from notifications-node-client 8.4.0,
commit ccb71e0) runs in Node.js with mocha, against the published client pinned in
`node/package.json`. Its settings come from the environment, pointing at a running Messenger
with what it expects made through Messenger's own API (support.prepare_node). Four of its 29
tests do not run here; each is named below with its reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from typing import Any

import pytest

from messenger.platform.api_keys import issue_key
from messenger.platform.db import Sessions
from messenger.platform.encryption import secret_box
from messenger.platform.settings import Settings
from tests.notify_suites.support import EMAIL, NODE_SUITE, NUMBER, prepare_node
from tests.support import Tenant

SKIPPED = {
    "send email notification with document upload": (
        "Notify's document download service (files sent as links in emails) is not part of "
        "Messenger"
    ),
    "send email notification with CSV document upload": "the same: document download",
    "send letter notification": (
        "the suite's letter goes to a UK postcode without a country (SW1 1AA); Messenger "
        "posts letters in Belgium and refuses an address it cannot read for the manifest"
    ),
    "get letter notification by id": (
        "reads the letter of 'send letter notification' (its body is the UK letter's)"
    ),
}
TESTS_IN_SUITE = 29
RUN_SECONDS = 600

pytestmark = pytest.mark.usefixtures("worker")


async def _mocha(*arguments: str, env: dict[str, str]) -> dict[str, Any]:
    """Mocha's JSON report (its exit code is the number of failures)."""
    process = await asyncio.create_subprocess_exec(
        *arguments, cwd=NODE_SUITE, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), RUN_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    try:
        report: dict[str, Any] = json.loads(out)
    except json.JSONDecodeError:
        pytest.fail(f"mocha gave no report: {err.decode(errors='replace')[-2000:]}")
    return report


@pytest.fixture(scope="session")
def node() -> str:
    """Node.js with the suite's packages (scripts/install-node-suite, run by `make test`)."""
    found = shutil.which("node")
    if found is None:
        pytest.skip("Node.js is not installed (scripts/install-node-suite installs it)")
    if not (NODE_SUITE / "node_modules" / "notifications-node-client").exists():
        pytest.skip("the suite's packages are not installed: run scripts/install-node-suite")
    return found


async def test_notifys_node_suite_passes(
    node: str, api: str, sessions: Sessions, settings: Settings, tenant: Tenant
) -> None:
    ids = await prepare_node(api, sessions, settings, tenant)
    async with sessions() as session:
        issued = await issue_key(
            session, secret_box(settings), organisation_id=tenant.organisation_id,
            name="team", key_type="team",
        )  # fmt: skip
        await session.commit()
    env = {
        **os.environ,
        "npm_config_integration": "true",  # the suite's own switch (`npm test --integration`)
        "NOTIFY_API_URL": api,
        "API_KEY": tenant.api_key,
        "API_SENDING_KEY": issued.combined,
        "INBOUND_SMS_QUERY_KEY": tenant.api_key,
        "FUNCTIONAL_TEST_NUMBER": NUMBER,
        "FUNCTIONAL_TEST_EMAIL": EMAIL,
        **ids,
    }
    skipped = "|".join(re.escape(title) for title in SKIPPED)
    report = await _mocha(
        node, "node_modules/.bin/mocha", "spec/integration/test.js", "--require", "settle.js",
        "--reporter", "json",
        "--grep", f" ({skipped})$", "--invert", env=env,
    )  # fmt: skip
    failures = [
        f"{t['fullTitle']}: {t['err'].get('message', '')[:400]}" for t in report["failures"]
    ]
    assert not failures, "\n".join(failures)
    assert report["stats"]["passes"] == TESTS_IN_SUITE - len(SKIPPED), report["stats"]
