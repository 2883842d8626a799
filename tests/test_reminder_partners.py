"""Issue 5 and ARCHITECTURE.md: a partner's block appears in a client's reminders only while the
client's consent to share with that partner is on record; the partner gets a shared-contact
notice with only the consented details, and a withdrawal notice when consent is withdrawn,
which also takes the block out of every message not yet sent."""

from __future__ import annotations

import pytest

from messenger.messages import statuses
from messenger.messages.consent import NOTICE_TEMPLATES, SHARE, known_as
from messenger.platform.db import Sessions
from messenger.platform.models import Client
from messenger.platform.settings import Settings
from tests.casework_support import Rig, brussels, by_step, utc
from tests.support import Tenant

SESSION = brussels(2026, 11, 3, 10)
INVITATION, REMINDER, MORNING = utc(2026, 10, 20, 8), utc(2026, 11, 2, 8), utc(2026, 11, 3, 8)
PHONE, E164 = "0470 12 34 56", "+32470123456"
ADDRESS = ("Kerkstraat 12 bus 3", "9000 Gent")
PARTNER_LINE = "Buurtwerk De Brug helpt u graag. Bel 09 222 33 44."
NOTICE_TO = "onthaal@debrug.example"


@pytest.fixture
async def rig(sessions: Sessions, settings: Settings, tenant: Tenant) -> Rig:
    return await Rig.start(sessions, settings, tenant)


async def _partner_case(rig: Rig, **client: object) -> tuple[str, str, str]:
    partner = await rig.partner()
    client_id = await rig.client("Sara", **client)  # type: ignore[arg-type]
    lac = await rig.lac_session(SESSION)
    case = await rig.add_case(lac, client_id, now=utc(2026, 10, 1), partner_id=partner)
    return partner, client_id, case


async def test_with_consent_the_block_is_in_the_messages_and_the_partner_is_told(
    rig: Rig,
) -> None:
    partner, client, case = await _partner_case(
        rig, phone=PHONE, email="sara@example.be", address=ADDRESS, consents=("email",)
    )
    await rig.consent(client, SHARE, partner_id=partner, fields=["name", "phone"])

    [notice] = await rig.notices()
    assert (notice.kind, notice.partner_id, notice.client_id) == ("shared", partner, client)
    assert notice.shared == {"name": "Sara Janssens", "phone": E164}
    told = await rig.message(notice.message_id)
    assert (told.kind, told.recipient, told.template_id) == (
        "email",
        NOTICE_TO,
        NOTICE_TEMPLATES["shared"],
    )

    await rig.send_due(INVITATION)
    letter = await rig.message(by_step(await rig.reminders(case))["uitnodiging"].message_id)
    assert letter.kind == "letter"
    assert PARTNER_LINE in letter.body and letter.partner_id == partner
    await rig.send_due(REMINDER)
    email = await rig.message(by_step(await rig.reminders(case))["herinnering"].message_id)
    assert (email.kind, email.partner_id) == ("email", partner)
    await rig.deliver_all()

    _, text = rig.outbox_email(email.id)
    assert PARTNER_LINE in text
    assert "Open: maandag tot vrijdag van 9 tot 12 uur" in text
    headers, notice_text = rig.outbox_email(told.id)
    assert headers["To"] == NOTICE_TO
    assert "Naam: Sara Janssens" in notice_text and f"Telefoon: {E164}" in notice_text
    # Only what the client agreed to share: no email address, no home address.
    assert "sara@example.be" not in notice_text and "Kerkstraat" not in notice_text
    assert "E-mail:" not in notice_text and "Adres:" not in notice_text
    assert (await rig.message(told.id)).status == statuses.DELIVERED


async def test_without_consent_there_is_no_block_and_no_notice(rig: Rig) -> None:
    _, _, case = await _partner_case(rig, email="sara@example.be", consents=("email",))
    await rig.send_due(REMINDER)
    for reminder in await rig.reminders(case, status="sent"):
        message = await rig.message(reminder.message_id)
        assert "Buurtwerk" not in message.body and message.partner_id is None
    assert await rig.notices() == []


async def test_withdrawn_before_delivery_the_block_is_taken_out_and_the_partner_told(
    rig: Rig,
) -> None:
    partner, client, case = await _partner_case(rig, email="sara@example.be", consents=("email",))
    await rig.consent(client, SHARE, partner_id=partner, fields=["name", "email"])
    await rig.send_due(INVITATION)
    invitation = by_step(await rig.reminders(case))["uitnodiging"]
    made = await rig.message(invitation.message_id)
    assert (made.kind, made.status, made.partner_id) == ("email", statuses.CREATED, partner)
    assert PARTNER_LINE in made.body

    # The client changes their mind after the message was made, before the worker sends it.
    await rig.consent(client, SHARE, given=False, partner_id=partner)

    waiting = await rig.message(made.id)
    assert PARTNER_LINE not in waiting.body
    assert (waiting.partner_id, waiting.body_without_partner) == (None, None)
    await rig.deliver_all()
    _, text = rig.outbox_email(made.id)
    assert "Buurtwerk" not in text and "nodigen we u uit voor een gesprek" in text

    notices = await rig.notices()
    assert [n.kind for n in notices] == ["shared", "withdrawn"]  # no further shared notice
    withdrawn = notices[1]
    assert withdrawn.shared == {}
    sent = await rig.message(withdrawn.message_id)
    assert (sent.recipient, sent.template_id, sent.status) == (
        NOTICE_TO,
        NOTICE_TEMPLATES["withdrawn"],
        statuses.DELIVERED,
    )
    headers, notice_text = rig.outbox_email(sent.id)
    assert headers["Subject"] == "Toestemming ingetrokken: gebruik de gegevens niet meer"
    # It names the client as the partner knows them (the shared name), and nothing more.
    assert "de gegevens van Sara Janssens." in notice_text
    assert "sara@example.be" not in notice_text

    # The next reminder is made without the block.
    await rig.send_due(REMINDER)
    later = await rig.message(by_step(await rig.reminders(case))["herinnering"].message_id)
    assert later.kind == "email"
    assert PARTNER_LINE not in later.body
    assert (later.partner_id, later.body_without_partner) == (None, None)
    assert len(await rig.messages(recipient=NOTICE_TO)) == 2


async def test_withdrawn_just_before_the_send_the_message_never_has_the_block(rig: Rig) -> None:
    partner, client, case = await _partner_case(rig, address=ADDRESS)
    await rig.consent(client, SHARE, partner_id=partner, fields=["name"])
    await rig.consent(client, SHARE, given=False, partner_id=partner)

    await rig.send_due(INVITATION)

    letter = await rig.message(by_step(await rig.reminders(case))["uitnodiging"].message_id)
    assert letter.kind == "letter" and "Buurtwerk" not in letter.body
    assert letter.partner_id is None
    assert [n.kind for n in await rig.notices()] == ["shared", "withdrawn"]


async def test_an_sms_without_a_partner_block_does_not_record_the_partner(rig: Rig) -> None:
    partner, client, case = await _partner_case(rig, phone=PHONE, consents=("sms",))
    await rig.consent(client, SHARE, partner_id=partner, fields=["name"])
    await rig.send_due(MORNING)
    sms = await rig.message(by_step(await rig.reminders(case))["ochtend"].message_id)
    assert sms.kind == "sms" and "Buurtwerk" not in sms.body
    assert sms.partner_id is None


async def test_sms_consent_withdrawn_before_delivery_stops_the_sms(rig: Rig) -> None:
    client = await rig.client("Sara", phone=PHONE, consents=("sms",))
    lac = await rig.lac_session(SESSION)
    case = await rig.add_case(lac, client, now=utc(2026, 10, 1))
    await rig.send_due(REMINDER)
    sms = by_step(await rig.reminders(case))["herinnering"].message_id
    await rig.consent(client, "sms", given=False)

    await rig.deliver_all()

    assert (await rig.message(sms)).status != statuses.DELIVERED
    assert not (rig.settings.outbox_dir / "sms").exists()


@pytest.mark.parametrize(
    ("shared", "named"),
    [
        ({"name": "Sara Janssens", "phone": E164}, "Sara Janssens"),
        ({"phone": E164, "email": "sara@example.be"}, E164),
        ({"address": "Kerkstraat 12, 9000 Gent"}, "Kerkstraat 12, 9000 Gent"),
        ({}, "S.J."),
    ],
)
def test_a_withdrawal_names_the_client_only_as_the_partner_knows_them(
    shared: dict[str, str], named: str
) -> None:
    assert known_as(Client(first_name="Sara", last_name="Janssens"), shared) == named
