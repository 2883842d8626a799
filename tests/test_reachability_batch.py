"""The facts of a page of clients, looked up in two queries, say what one client's own lookup
says: consent given, withdrawn and given again, STOP and START, no number at all."""

from __future__ import annotations

from messenger.casework.reachability import facts_about, facts_for_clients
from messenger.messages import consent, opt_outs
from messenger.platform.db import Sessions
from messenger.platform.models import Client
from tests.support import Tenant

# (phone, [(purpose, given), …] in order, [opted_out, …] in order)
CLIENTS = [
    ("+32470000001", [("sms", True)], []),
    ("+32470000002", [("sms", True), ("sms", False)], []),
    ("+32470000003", [("sms", False), ("sms", True), ("email", True)], [True]),
    ("+32470000004", [("email", True), ("email", False)], [True, False]),
    (None, [("email", True)], []),
    ("+32470000006", [], []),
]


async def test_a_page_of_clients_gets_the_facts_each_would_get(
    sessions: Sessions, tenant: Tenant
) -> None:
    org = tenant.organisation_id
    async with sessions() as session:
        clients = []
        for n, (phone, statements, stops) in enumerate(CLIENTS):
            client = Client(organisation_id=org, first_name=f"C{n}", last_name="X",
                            phone_number=phone)  # fmt: skip
            session.add(client)
            await session.flush()
            for purpose, given in statements:
                statement = consent.Statement(purpose, given, "phone", "tests")
                await consent.add_statement(session, client, statement)
            for stopped in stops:
                opt_outs.record(session, org, phone or "", opted_out=stopped, source="tests")
            clients.append(client)
        await session.commit()
        each = {c.id: await facts_about(session, c) for c in clients}
        together = await facts_for_clients(session, clients)
    assert together == each
    # And the cases are not all alike, so the comparison means something.
    assert len({(f.opted_out, f.sms_consent, f.email_consent) for f in each.values()}) >= 4
