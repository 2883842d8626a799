"""Issue 5: the calendar changes and the reminders follow. Moving a session moves what is
still pending (by wall-clock days, across daylight saving); what went out stays; steps whose
new time has passed drop out. Cancelling a case or a session cancels what is pending.
Issue 15: a client who was told about the session is told at once that it moved or that it
is cancelled."""

from __future__ import annotations

import pytest

from messenger.casework import cases as casework
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.casework_support import Rig, brussels, by_step, utc
from tests.support import Tenant

SESSION = brussels(2026, 11, 3, 10)  # Tuesday, winter time
WEEK_LATER = brussels(2026, 11, 10, 10)
DUE = {
    "uitnodiging": utc(2026, 10, 20, 8),
    "afspraak-voorstel": utc(2026, 10, 27, 9),
    "herinnering": utc(2026, 11, 2, 8),
    "ochtend": utc(2026, 11, 3, 8),
}
AFTER_INVITATION = utc(2026, 10, 21, 12)


@pytest.fixture
async def rig(sessions: Sessions, settings: Settings, tenant: Tenant) -> Rig:
    return await Rig.start(sessions, settings, tenant)


async def _case(rig: Rig, lac: str, name: str = "Sara", n: int = 1) -> str:
    client = await rig.client(
        name,
        phone=f"0470 12 34 {n:02d}",
        address=(f"Kerkstraat {n}", "9000 Gent"),
        consents=("sms",),
    )
    return await rig.add_case(lac, client, now=utc(2026, 10, 1))


async def _invited(rig: Rig) -> tuple[str, list[str]]:
    """A session with three cases whose invitation letters went out on 20 October."""
    lac = await rig.lac_session(SESSION)
    cases = [await _case(rig, lac, name, n) for n, name in enumerate(("Sara", "Ali", "Lotte"))]
    assert await rig.send_due(DUE["uitnodiging"]) == 3
    return lac, cases


async def test_moving_a_week_later_moves_every_pending_step_by_seven_days(rig: Rig) -> None:
    lac, cases = await _invited(rig)
    invitations = {c: by_step(await rig.reminders(c))["uitnodiging"] for c in cases}

    await rig.move(lac, WEEK_LATER, now=AFTER_INVITATION)

    for case in cases:
        rows = await rig.reminders(case)
        pending = {r.step: r.due_at for r in rows if r.status == "pending"}
        # The same Brussels wall-clock times, one week on: 09:00 UTC stays 09:00 UTC here
        # because both weeks are winter time; the Sunday rule still moves the reminder.
        assert pending["verplaatst"] == AFTER_INVITATION  # told at once
        assert pending["afspraak-voorstel"] == utc(2026, 11, 3, 9)
        assert pending["herinnering"] == utc(2026, 11, 9, 8)
        assert pending["ochtend"] == utc(2026, 11, 10, 8)
        before = [r for r in rows if r.status == "cancelled"]
        assert sorted((r.step, r.due_at) for r in before) == sorted(
            (step, due) for step, due in DUE.items() if step != "uitnodiging"
        )
        assert {r.note for r in before} == {"de zitting is verplaatst"}
        sent = [r for r in rows if r.status == "sent"]
        assert [(r.id, r.due_at, r.message_id) for r in sent] == [
            (invitations[case].id, DUE["uitnodiging"], invitations[case].message_id)
        ]

    # The notice of the move goes out at once, with the new time.
    assert await rig.send_due(AFTER_INVITATION) == 3
    moved = await rig.messages(kind="sms")
    assert len(moved) == 3
    assert all("verplaatst" in m.body and "10 november" in m.body for m in moved)
    # Nothing goes out at the old times; the new ones fire.
    await rig.send_due(utc(2026, 11, 2, 8))
    assert len(await rig.messages(kind="sms")) == 3
    await rig.send_due(utc(2026, 11, 9, 8))
    for case in cases:
        live = [r for r in await rig.reminders(case) if r.status != "cancelled"]
        assert [r.status for r in live if r.step == "herinnering"] == ["sent"]
    herinnering = (await rig.messages(kind="sms"))[3:]
    assert len(herinnering) == 3
    assert all("dinsdag 10 november 2026 om 10 uur" in m.body for m in herinnering)


async def test_moving_the_session_does_not_repeat_a_step_already_sent(rig: Rig) -> None:
    lac, cases = await _invited(rig)
    await rig.move(lac, WEEK_LATER, now=AFTER_INVITATION)
    for case in cases:
        steps = [r.step for r in await rig.reminders(case) if r.status in ("pending", "sent")]
        assert steps.count("uitnodiging") == 1


async def test_moving_the_session_across_the_autumn_change_keeps_the_wall_clock(rig: Rig) -> None:
    # From Tuesday 27 October (winter time) back to Tuesday 20 October (summer time).
    lac = await rig.lac_session(brussels(2026, 10, 27, 10))
    case = await _case(rig, lac)
    assert {r.step: r.due_at for r in await rig.reminders(case)} == {
        "uitnodiging": utc(2026, 10, 13, 8),  # 10:00 summer time
        "afspraak-voorstel": utc(2026, 10, 20, 8),
        "herinnering": utc(2026, 10, 26, 8),  # Sunday 25th -> Monday 09:00 winter time
        "ochtend": utc(2026, 10, 27, 8),
    }

    await rig.move(lac, brussels(2026, 10, 20, 10), now=utc(2026, 10, 2))

    pending = {r.step: r.due_at for r in await rig.reminders(case, status="pending")}
    assert pending == {
        "uitnodiging": utc(2026, 10, 6, 8),  # 10:00 summer time
        "afspraak-voorstel": utc(2026, 10, 13, 8),
        "herinnering": utc(2026, 10, 19, 7),  # Sunday -> Monday 09:00 summer time
        "ochtend": utc(2026, 10, 20, 7),
    }


async def test_moving_the_session_to_tomorrow_drops_the_steps_whose_time_has_passed(
    rig: Rig,
) -> None:
    lac, cases = await _invited(rig)
    # On Wednesday 21 October the session is brought forward to Thursday 22 October 10:00.
    pending = await rig.move(lac, brussels(2026, 10, 22, 10), now=AFTER_INVITATION)

    assert pending == 6  # two steps each: the notice of the move, and the morning one
    for case in cases:
        rows = await rig.reminders(case)
        assert [(r.step, r.due_at) for r in rows if r.status == "pending"] == [
            ("verplaatst", AFTER_INVITATION),
            ("ochtend", utc(2026, 10, 22, 7)),  # 09:00 summer time
        ]
        assert [r.step for r in rows if r.status == "sent"] == ["uitnodiging"]
    assert await rig.send_due(utc(2026, 10, 22, 7)) == 6
    assert len(await rig.messages(kind="sms")) == 6


async def test_moving_only_the_place_keeps_the_times_and_uses_the_new_place(rig: Rig) -> None:
    lac, cases = await _invited(rig)
    async with rig.sessions() as session:
        found = await casework.own_session(session, rig.organisation_id, lac)
        await casework.move_session(session, found, place="Zaal De Brug", now=AFTER_INVITATION)
        await session.commit()
    pending = {r.step: r.due_at for r in await rig.reminders(cases[0], status="pending")}
    assert pending == {
        "verplaatst": AFTER_INVITATION,
        **{step: due for step, due in DUE.items() if step != "uitnodiging"},
    }
    await rig.send_due(DUE["herinnering"])
    moved, reminder = await rig.messages(case_id=cases[0], kind="sms")
    assert "verplaatst" in moved.body and "Zaal De Brug" in moved.body
    assert "Zaal De Brug" in reminder.body


async def test_saving_the_same_time_and_place_tells_nobody(rig: Rig) -> None:
    lac, _ = await _invited(rig)
    assert await rig.move(lac, SESSION, now=AFTER_INVITATION) == 9  # three steps each, again
    assert not [r for r in await rig.reminders(status="pending") if r.step == "verplaatst"]


async def test_a_client_not_told_yet_hears_of_the_new_time_from_the_invitation(
    rig: Rig,
) -> None:
    lac = await rig.lac_session(SESSION)
    case = await _case(rig, lac)
    await rig.move(lac, WEEK_LATER, now=utc(2026, 10, 2))
    steps = [r.step for r in await rig.reminders(case, status="pending")]
    assert "verplaatst" not in steps and "uitnodiging" in steps


async def test_cancelling_a_case_cancels_its_pending_reminders_only(rig: Rig) -> None:
    lac, (gone, kept, other) = await _invited(rig)

    assert await rig.cancel_case(gone) == 3
    rows = await rig.reminders(gone)
    assert {r.step: r.status for r in rows} == {
        "uitnodiging": "sent",
        "afspraak-voorstel": "cancelled",
        "herinnering": "cancelled",
        "ochtend": "cancelled",
    }
    assert {r.note for r in rows if r.status == "cancelled"} == {"het dossier is geannuleerd"}
    assert (await rig.case_of(gone)).status == "cancelled"

    # A moved session does not bring a cancelled case's reminders back.
    await rig.move(lac, WEEK_LATER, now=AFTER_INVITATION)
    assert await rig.reminders(gone, status="pending") == []
    assert {"herinnering", "ochtend"} <= {
        r.step for r in await rig.reminders(kept, status="pending")
    }
    await rig.send_due(utc(2026, 11, 10, 8))
    assert {m.case_id for m in await rig.messages(kind="sms")} == {kept, other}
    # The notice of the move, herinnering and ochtend, two cases.
    assert len(await rig.messages(kind="sms")) == 6


async def test_cancelling_the_session_cancels_every_pending_reminder(rig: Rig) -> None:
    lac, cases = await _invited(rig)
    assert await rig.send_due(DUE["herinnering"]) == 6  # afspraak (skipped) + herinnering

    async with rig.sessions() as session:
        found = await casework.own_session(session, rig.organisation_id, lac)
        # The morning step of each case.
        assert await casework.cancel_session(session, found, now=DUE["herinnering"]) == 3
        await session.commit()
    assert (await rig.session_row(lac)).status == "cancelled"
    for case in cases:
        assert {r.step: r.status for r in await rig.reminders(case)} == {
            "uitnodiging": "sent",
            "afspraak-voorstel": "skipped",
            "herinnering": "sent",
            "ochtend": "cancelled",
            "geannuleerd": "pending",  # the one step a cancelled session still sends
        }
    assert await rig.send_due(DUE["ochtend"]) == 3
    told = [m for m in await rig.messages(kind="sms") if "gaat niet door" in m.body]
    assert len(told) == 3 and all("3 november" in m.body for m in told)
    assert len(await rig.messages()) == 9
    with pytest.raises(ValueError, match="cancelled session cannot be moved"):
        await rig.move(lac, WEEK_LATER, now=utc(2026, 11, 3, 12))
