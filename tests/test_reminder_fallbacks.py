"""Issue 5: a channel the client may not be reached on is passed over (opt-out, safety flags,
no consent), and fallback on evidence: an SMS that failed, or was not delivered within the
step's `fallback_after_hours`, gets a new reminder on the next channel of the plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from channels.base import Handover, Kind, OutgoingMessage, PermanentError, SendResult, hand_over
from channels.sandbox import SandboxChannel
from messenger.casework import fallbacks
from messenger.messages import statuses
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.casework_support import Rig, brussels, by_step, utc, with_sms_provider
from tests.channel_doubles import ScriptedChannel
from tests.support import Tenant

SESSION = brussels(2026, 11, 3, 10)
INVITATION, REMINDER, MORNING = utc(2026, 10, 20, 8), utc(2026, 11, 2, 8), utc(2026, 11, 3, 8)
PHONE, E164 = "0470 12 34 56", "+32470123456"
ADDRESS = ("Kerkstraat 12 bus 3", "9000 Gent")
FLAG = "sms: veiligheidsvlag (geen sms / gedeelde gsm)"


class NoReceiptSms:
    """A provider that takes the SMS and never sends a delivery receipt."""

    kind: Kind = "sms"
    name = "no-receipt"

    async def send(self, message: OutgoingMessage, handover: Handover | None = None) -> SendResult:
        await hand_over(handover)
        return SendResult(provider_reference=f"SM-{message.message_id}", status="sending")

    async def lookup(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        return None


@pytest.fixture
async def rig(sessions: Sessions, settings: Settings, tenant: Tenant) -> Rig:
    return await Rig.start(sessions, settings, tenant)


async def _case(rig: Rig, **client: Any) -> str:
    lac = await rig.lac_session(SESSION)
    return await rig.add_case(lac, await rig.client("Sara", **client), now=utc(2026, 10, 1))


def _failing_sms(rig: Rig) -> ScriptedChannel:
    real = SandboxChannel("sms", rig.settings.outbox_dir)
    return ScriptedChannel(real, [PermanentError("invalid number", code="21211")] * 5)


async def test_an_opted_out_number_gets_no_sms_and_email_is_used_instead(rig: Rig) -> None:
    case = await _case(rig, phone=PHONE, email="sara@example.be", consents=("sms", "email"))
    await rig.opt_out(E164)

    await rig.send_due(MORNING)

    steps = by_step(await rig.reminders(case))
    herinnering, ochtend = steps["herinnering"], steps["ochtend"]
    assert (herinnering.status, herinnering.channel) == ("sent", "email")
    assert herinnering.note == "sms: heeft STOP gestuurd; verstuurd via email in de plaats"
    assert (ochtend.status, ochtend.note) == ("skipped", "sms: heeft STOP gestuurd")
    assert await rig.messages(kind="sms") == []


@pytest.mark.parametrize(
    ("flags", "client", "expected"),
    [
        pytest.param(
            {"no_sms": True},
            {"phone": PHONE, "address": ADDRESS, "consents": ("sms",)},
            {
                "herinnering": (
                    "sent",
                    "letter",
                    f"{FLAG}; email: geen e-mailadres; verstuurd via letter in de plaats",
                ),
                "ochtend": ("skipped", None, FLAG),
            },
            id="no-sms",
        ),
        pytest.param(
            {"shared_phone": True},
            {"phone": PHONE, "email": "sara@example.be", "consents": ("sms", "email")},
            {
                "herinnering": ("sent", "email", f"{FLAG}; verstuurd via email in de plaats"),
                "ochtend": ("skipped", None, FLAG),
            },
            id="shared-phone",
        ),
        pytest.param(
            {"no_letters_at_home": True},
            {"address": ADDRESS, "email": "sara@example.be", "consents": ("email",)},
            {
                "uitnodiging": (
                    "sent",
                    "email",
                    "letter: veiligheidsvlag (geen brieven thuis); "
                    "verstuurd via email in de plaats",
                ),
                "herinnering": (
                    "sent",
                    "email",
                    "sms: geen gsm-nummer; verstuurd via email in de plaats",
                ),
            },
            id="no-letters-at-home",
        ),
        pytest.param(
            {"no_letters_at_home": True},
            {"address": ADDRESS},
            {
                "uitnodiging": (
                    "skipped",
                    None,
                    "letter: veiligheidsvlag (geen brieven thuis); email: geen e-mailadres",
                ),
            },
            id="no-letters-and-nothing-else",
        ),
    ],
)
async def test_safety_flags_always_win(
    rig: Rig,
    flags: dict[str, bool],
    client: dict[str, Any],
    expected: dict[str, tuple[str, str | None, str]],
) -> None:
    case = await _case(rig, **client, **flags)
    await rig.send_due(MORNING)
    steps = by_step(await rig.reminders(case))
    for step, outcome in expected.items():
        assert (steps[step].status, steps[step].channel, steps[step].note) == outcome, step
    kinds = {m.kind for m in await rig.messages(case_id=case)}
    assert (
        "sms" not in kinds if flags.keys() & {"no_sms", "shared_phone"} else "letter" not in kinds
    )


async def test_a_failed_sms_falls_back_to_email(rig: Rig) -> None:
    case = await _case(
        rig, phone=PHONE, email="sara@example.be", address=ADDRESS, consents=("sms", "email")
    )
    channels = with_sms_provider(rig.settings, _failing_sms(rig))
    await rig.send_due(REMINDER)
    await rig.deliver_all(channels)
    first = by_step(await rig.reminders(case))["herinnering"]
    sms = await rig.message(first.message_id)
    assert (sms.kind, sms.status) == ("sms", statuses.PERMANENT_FAILURE)

    later = REMINDER + timedelta(minutes=5)
    assert await rig.fall_back(later) == 1

    [fallback] = [r for r in await rig.reminders(case) if r.fallback_of == first.id]
    assert (fallback.step, fallback.due_at, fallback.channels) == (
        "herinnering",
        later,
        ["email", "letter"],
    )
    assert (fallback.status, fallback.channel) == ("sent", "email")
    assert fallback.note == "sms: mislukt (permanent-failure)"
    original = by_step(r for r in await rig.reminders(case) if r.fallback_of is None)
    assert (original["herinnering"].status, original["herinnering"].channel) == ("sent", "sms")
    await rig.deliver_all(channels)
    email = await rig.message(fallback.message_id)
    assert (email.kind, email.recipient, email.status) == (
        "email",
        "sara@example.be",
        statuses.DELIVERED,
    )
    _, text = rig.outbox_email(email.id)
    assert "dinsdag 3 november 2026 om 10 uur" in text
    # Once is enough: the next runs find the fallback made.
    assert await rig.fall_back(later + timedelta(hours=5)) == 0
    # The morning step has no channel after SMS: its failure has nowhere to go.
    await rig.send_due(MORNING)
    await rig.deliver_all(channels)
    assert await rig.fall_back(MORNING + timedelta(minutes=5)) == 0
    assert len(await rig.reminders(case)) == 5


async def test_a_failed_sms_falls_back_to_a_letter_without_email(rig: Rig) -> None:
    case = await _case(rig, phone=PHONE, address=ADDRESS, consents=("sms",))
    channels = with_sms_provider(rig.settings, _failing_sms(rig))
    await rig.send_due(REMINDER)
    await rig.deliver_all(channels)

    assert await rig.fall_back(REMINDER + timedelta(minutes=1)) == 1

    [fallback] = [r for r in await rig.reminders(case) if r.fallback_of]
    assert (fallback.status, fallback.channel) == ("sent", "letter")
    assert fallback.note == (
        "sms: mislukt (permanent-failure); email: geen e-mailadres; "
        "verstuurd via letter in de plaats"
    )
    await rig.deliver_all(channels)
    letter = await rig.message(fallback.message_id)
    assert (letter.status, letter.address_lines) == ("sent", ["Sara Janssens", *ADDRESS])
    assert rig.has_letter(letter.id)


async def test_a_failure_found_in_the_evening_falls_back_the_next_morning(rig: Rig) -> None:
    case = await _case(rig, phone=PHONE, email="sara@example.be", consents=("sms", "email"))
    channels = with_sms_provider(rig.settings, _failing_sms(rig))
    await rig.send_due(REMINDER)
    await rig.deliver_all(channels)

    assert await rig.fall_back(brussels(2026, 11, 2, 20, 30)) == 1  # after 20:00: quiet

    [fallback] = [r for r in await rig.reminders(case) if r.fallback_of]
    assert (fallback.status, fallback.due_at) == ("pending", utc(2026, 11, 3, 8))  # 09:00
    assert await rig.send_due(utc(2026, 11, 3, 7, 59)) == 0
    await rig.send_due(utc(2026, 11, 3, 8))
    [fallback] = [r for r in await rig.reminders(case) if r.fallback_of]
    assert (fallback.status, fallback.channel) == ("sent", "email")


async def test_a_stop_after_the_sms_was_made_fails_it_and_email_takes_over(rig: Rig) -> None:
    case = await _case(rig, phone=PHONE, email="sara@example.be", consents=("sms", "email"))
    await rig.send_due(REMINDER)
    await rig.opt_out(E164)  # STOP arrives before the worker gets to the message

    await rig.deliver_all()

    first = by_step(await rig.reminders(case))["herinnering"]
    sms = await rig.message(first.message_id)
    assert (sms.status, sms.failure_reason) == (statuses.PERMANENT_FAILURE, "opted out")
    assert not (rig.settings.outbox_dir / "sms").exists()
    assert await rig.fall_back(REMINDER + timedelta(minutes=1)) == 1
    [fallback] = [r for r in await rig.reminders(case) if r.fallback_of]
    assert (fallback.channel, fallback.note) == ("email", "sms: mislukt (permanent-failure)")


async def test_an_sms_not_delivered_within_four_hours_falls_back(rig: Rig) -> None:
    case = await _case(rig, phone=PHONE, email="sara@example.be", consents=("sms", "email"))
    await rig.send_due(REMINDER)
    first = by_step(await rig.reminders(case))["herinnering"]
    await rig.stamp_created(first.message_id or "", REMINDER)
    await rig.deliver_all(with_sms_provider(rig.settings, NoReceiptSms()))
    assert (await rig.message(first.message_id)).status == statuses.SENDING

    assert await rig.fall_back(REMINDER + timedelta(hours=3, minutes=59)) == 0
    assert await rig.fall_back(REMINDER + timedelta(hours=4)) == 1

    [fallback] = [r for r in await rig.reminders(case) if r.fallback_of == first.id]
    assert fallback.due_at == utc(2026, 11, 2, 12)  # 13:00 Brussels
    assert (fallback.status, fallback.channel) == ("sent", "email")
    assert fallback.note == "sms: niet afgeleverd binnen 4 uur"
    assert await rig.fall_back(REMINDER + timedelta(hours=8)) == 0


async def test_an_sms_delivered_in_time_does_not_fall_back(rig: Rig) -> None:
    case = await _case(rig, phone=PHONE, email="sara@example.be", consents=("sms", "email"))
    await rig.send_due(REMINDER)
    first = by_step(await rig.reminders(case))["herinnering"]
    await rig.stamp_created(first.message_id or "", REMINDER)
    await rig.deliver_all()
    assert (await rig.message(first.message_id)).status == statuses.DELIVERED

    assert await rig.fall_back(REMINDER + timedelta(hours=5)) == 0
    assert [r.step for r in await rig.reminders(case) if r.fallback_of] == []
    assert len(await rig.reminders(case)) == 4
    assert len(await rig.messages(case_id=case, kind="sms")) == 1


async def test_a_failed_sms_still_falls_back_after_many_letters_went_out(rig: Rig) -> None:
    await rig.save_plan(
        [
            {
                "name": "brief",
                "days_before": 7,
                "at": "10:00",
                "channels": ["letter"],
                "templates": {"letter": "lac-uitnodiging-brief"},
            },
            {
                "name": "herinnering",
                "days_before": 2,
                "at": "10:00",
                "channels": ["sms", "email"],
                "templates": {"sms": "lac-herinnering-sms", "email": "lac-uitnodiging-email"},
                "fallback_after_hours": 4,
            },
        ]
    )
    lac = await rig.lac_session(SESSION)
    for n in range(210):  # a few sessions' worth of letters, posted and never "delivered"
        client = await rig.client(f"Client{n}", address=(f"Kerkstraat {n + 1}", "9000 Gent"))
        await rig.add_case(lac, client, now=utc(2026, 10, 1))
    sara = await rig.client("Sara", phone=PHONE, email="sara@example.be", consents=("sms", "email"))
    case = await rig.add_case(lac, sara, now=utc(2026, 10, 1))
    while await rig.send_due(REMINDER):  # the cron takes 200 at a time
        pass
    assert len(await rig.reminders(status="sent")) == 211
    first = by_step(await rig.reminders(case))["herinnering"]
    await rig.deliver([first.message_id], with_sms_provider(rig.settings, _failing_sms(rig)))
    assert (await rig.message(first.message_id)).status == statuses.PERMANENT_FAILURE

    assert await rig.fall_back(REMINDER + timedelta(minutes=5)) == 1


async def test_failures_with_nowhere_to_go_do_not_hold_up_later_fallbacks(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed SMS on a step's last channel can never fall back: the cron is done with it
    once it has seen it, so more of them than it takes in one run do not stop a later
    failure from falling back (before, they came first every run, for good)."""
    monkeypatch.setattr(fallbacks, "BATCH", 3)
    await rig.save_plan(
        [
            {
                "name": "kort",
                "days_before": 7,
                "at": "10:00",
                "channels": ["sms"],
                "templates": {"sms": "lac-herinnering-sms"},
            },
            {
                "name": "herinnering",
                "days_before": 2,
                "at": "10:00",
                "channels": ["sms", "email"],
                "templates": {"sms": "lac-herinnering-sms", "email": "lac-uitnodiging-email"},
            },
        ]
    )
    lac = await rig.lac_session(SESSION)
    for n in range(5):
        client = await rig.client(f"Client{n}", phone=f"0470 12 34 {n:02d}", consents=("sms",))
        await rig.add_case(lac, client, now=utc(2026, 10, 1))
    failing = ScriptedChannel(
        SandboxChannel("sms", rig.settings.outbox_dir), [PermanentError("invalid number")] * 20
    )
    assert await rig.send_due(brussels(2026, 10, 27, 10)) == 5  # "kort", a week before
    await rig.deliver_all(with_sms_provider(rig.settings, failing))
    sara = await rig.client("Sara", phone=PHONE, email="sara@example.be", consents=("sms", "email"))
    case = await rig.add_case(lac, sara, now=REMINDER - timedelta(days=1))
    assert await rig.send_due(REMINDER) == 6  # "herinnering" for all six
    first = by_step(await rig.reminders(case))["herinnering"]
    await rig.deliver([first.message_id], with_sms_provider(rig.settings, failing))
    await rig.deliver_all()  # the others' arrive
    assert len(await rig.messages(kind="sms", status=statuses.PERMANENT_FAILURE)) == 6

    made = 0
    for minutes in range(1, 5):
        made += await rig.fall_back(REMINDER + timedelta(minutes=minutes))
    [fallback] = [r for r in await rig.reminders(case) if r.fallback_of]
    assert (fallback.status, fallback.channel) == ("sent", "email")
    assert made == 1
    kort = [r for r in await rig.reminders(status="sent") if r.step == "kort"]
    assert len(kort) == 5 and all(r.fallback_done for r in kort)


async def test_the_cron_is_done_with_a_reminder_whose_sms_arrived(rig: Rig) -> None:
    case = await _case(rig, phone=PHONE, email="sara@example.be", consents=("sms", "email"))
    await rig.send_due(REMINDER)
    first = by_step(await rig.reminders(case))["herinnering"]
    assert not first.fallback_done
    await rig.fall_back(REMINDER + timedelta(minutes=1))  # on its way: looked at again later
    assert not by_step(await rig.reminders(case))["herinnering"].fallback_done
    await rig.deliver_all()
    await rig.fall_back(REMINDER + timedelta(minutes=2))
    assert by_step(await rig.reminders(case))["herinnering"].fallback_done
