"""A session page asks the database the same number of questions for 5 cases as for 15: its
cases' clients, workers, consent, STOPs and outcomes are looked up for the whole page, not per
case (bench/pages.py measures the time; this keeps the shape that makes it fast)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from messenger.casework import case_list, cases
from messenger.casework.case_import import parse_case_file
from messenger.casework.reminder_plans import DEFAULT_STEPS
from messenger.platform.db import Sessions
from messenger.platform.encryption import secret_box
from messenger.platform.settings import Settings
from messenger.wording import template_store
from tests.support import Tenant
from tests.test_lac_workflow import CASE_LIST
from tests.web.conftest import IMPORTED_ON


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine in this process runs meanwhile (the API runs here too)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


async def import_rows(
    sessions: Sessions, settings: Settings, tenant: Tenant, session_id: str, rows: list[bytes]
) -> None:
    header = CASE_LIST.read_bytes().splitlines()[0]  # as Excel saved it: cp1252
    async with sessions() as session:
        await template_store.sync_shipped(session)
        lac = await cases.own_session(session, tenant.organisation_id, session_id)
        report = parse_case_file(
            b"\r\n".join([header, *rows]), await case_list.import_context(session, lac)
        )
        assert not report.errors
        await case_list.import_case_list(
            session, lac, report, by="tests", fingerprint=secret_box(settings).fingerprint,
            now=IMPORTED_ON,
        )  # fmt: skip
        await session.commit()


async def test_a_session_page_asks_as_much_for_fifteen_cases_as_for_five(
    http: httpx.AsyncClient,
    sessions: Sessions,
    settings: Settings,
    tenant: Tenant,
    session_id: str,
) -> None:
    rows = CASE_LIST.read_bytes().splitlines()[1:]
    await import_rows(sessions, settings, tenant, session_id, rows[:5])
    await http.get(f"/zittingen/{session_id}")  # warm: the shipped plan, the templates
    with statements() as five:
        page = await http.get(f"/zittingen/{session_id}")
    assert page.status_code == 200 and page.text.count('class="case"') == 5

    await import_rows(sessions, settings, tenant, session_id, rows[5:])
    with statements() as fifteen:
        page = await http.get(f"/zittingen/{session_id}")
    assert page.text.count('class="case"') == 15
    # Each template a page's plans use is looked up once per language (Lookups.used_by):
    # bounded by the plan, not by the cases, so those are counted apart.
    assert len(per_case(fifteen)) == len(per_case(five)), "\n".join(fifteen)
    assert len(fifteen) - len(per_case(fifteen)) <= 3 * len(DEFAULT_STEPS) * 2 * 2


def per_case(seen: list[str]) -> list[str]:
    return [s for s in seen if not re.search(r"FROM template(s|_versions)\b", s)]
