"""Issue 5, with time travel: a plan's steps go out at the right Brussels minute, across the
daylight-saving changes and inside quiet hours, on the first channel the client may be
reached on; a client added late gets only what is still ahead."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from messenger.messages import statuses
from messenger.platform.db import Sessions
from messenger.platform.models import Organisation
from messenger.platform.settings import Settings
from tests.casework_support import (
    OPENING_HOURS,
    WALK_IN,
    WORKER_PHONE,
    Rig,
    brussels,
    by_step,
    utc,
)
from tests.support import Tenant

MINUTE = timedelta(minutes=1)
STREET = ("Kerkstraat", "Veldstraat", "Molenstraat", "Stationsstraat", "Dorpsstraat")
# Per group of clients: how many, what the CSV gives, which consents, and per step of the
# default plan what becomes of the reminder: (status, channel, note).
NO_SMS_CONSENT = "sms: geen toestemming voor sms"
NO_PHONE = "sms: geen gsm-nummer"
FLAG = "sms: veiligheidsvlag (geen sms / gedeelde gsm)"
GROUPS: list[tuple[str, int, str, tuple[str, ...], dict[str, tuple[str, str | None, str]]]] = [
    ("full", 6, "pea", ("sms", "email"), {
        "uitnodiging": ("sent", "letter", ""),
        "herinnering": ("sent", "sms", ""),
        "ochtend": ("sent", "sms", ""),
    }),
    ("sms", 4, "pa", ("sms",), {
        "uitnodiging": ("sent", "letter", ""),
        "herinnering": ("sent", "sms", ""),
        "ochtend": ("sent", "sms", ""),
    }),
    ("email-consent", 3, "pea", ("email",), {
        "uitnodiging": ("sent", "letter", ""),
        "herinnering": ("sent", "email", f"{NO_SMS_CONSENT}; verstuurd via email in de plaats"),
        "ochtend": ("skipped", None, NO_SMS_CONSENT),
    }),
    ("post", 3, "a", (), {
        "uitnodiging": ("sent", "letter", ""),
        "herinnering": (
            "sent", "letter",
            f"{NO_PHONE}; email: geen e-mailadres; verstuurd via letter in de plaats",
        ),
        "ochtend": ("skipped", None, NO_PHONE),
    }),
    ("email", 2, "e", ("email",), {
        "uitnodiging": ("sent", "email", "letter: geen adres; verstuurd via email in de plaats"),
        "herinnering": ("sent", "email", f"{NO_PHONE}; verstuurd via email in de plaats"),
        "ochtend": ("skipped", None, NO_PHONE),
    }),
    ("unreachable", 1, "p", (), {
        "uitnodiging": ("skipped", None, "letter: geen adres; email: geen e-mailadres"),
        "herinnering": (
            "skipped", None, f"{NO_SMS_CONSENT}; email: geen e-mailadres; letter: geen adres"
        ),
        "ochtend": ("skipped", None, NO_SMS_CONSENT),
    }),
    ("no-sms-flag", 1, "pa!", ("sms",), {
        "uitnodiging": ("sent", "letter", ""),
        "herinnering": (
            "sent", "letter", f"{FLAG}; email: geen e-mailadres; verstuurd via letter in de plaats"
        ),
        "ochtend": ("skipped", None, FLAG),
    }),
]  # fmt: skip
OUTCOMES = {name: outcomes for name, _, _, _, outcomes in GROUPS}
# 2026-10-25 is the autumn change: the first steps are in summer time (UTC+2), the rest not.
AUTUMN_SESSION = brussels(2026, 11, 3, 10)  # a Tuesday
AUTUMN_DUE = {
    "uitnodiging": utc(2026, 10, 20, 8),  # 14 days before, 10:00 summer time
    "afspraak-voorstel": utc(2026, 10, 27, 9),  # 7 days before, 10:00 winter time
    "herinnering": utc(2026, 11, 2, 8),  # 2 days before is a Sunday: Monday 09:00
    "ochtend": utc(2026, 11, 3, 8),  # 08:00 is before quiet hours end: 09:00
}


def case_list() -> tuple[str, list[tuple[str, tuple[str, ...]]]]:
    """The CSV of 20 clients, and per row its group name and consents."""
    lines = ["voornaam;achternaam;gsm;e-mail;straat;huisnummer;postcode;gemeente;"
             "watermaatschappij;geen sms"]  # fmt: skip
    rows: list[tuple[str, tuple[str, ...]]] = []
    for name, count, gives, consents, _ in GROUPS:
        for _ in range(count):
            n = len(rows) + 1
            phone = f"0470 00 00 {n:02d}" if "p" in gives else ""
            email = f"client{n}@example.be" if "e" in gives else ""
            street = (STREET[n % 5], str(n), "9000", "Gent") if "a" in gives else ("",) * 4
            flag = "ja" if "!" in gives else "nee"
            lines.append(";".join(["Client", f"Nummer{n}", phone, email, *street, "Farys", flag]))
            rows.append((name, consents))
    return "\n".join(lines) + "\n", rows


@pytest.fixture
async def rig(sessions: Sessions, settings: Settings, tenant: Tenant) -> Rig:
    return await Rig.start(sessions, settings, tenant)


async def test_session_with_20_imported_clients_across_the_autumn_change(rig: Rig) -> None:
    lac = await rig.lac_session(AUTUMN_SESSION)
    text, rows = case_list()
    made = await rig.import_csv(lac, text, now=utc(2026, 10, 1, 8))
    assert len(made) == 20
    for case, (_, consents) in zip(made, rows, strict=True):
        for purpose in consents:
            await rig.consent(case.client_id, purpose)

    pending = await rig.reminders(status="pending")
    assert len(pending) == 80  # four steps of the default plan for unpaid bills, each case
    for case in made:
        assert {r.step: r.due_at for r in await rig.reminders(case.id)} == AUTUMN_DUE

    for step, due in AUTUMN_DUE.items():
        assert await rig.send_due(due - MINUTE) == 0, f"{step} went out early"
        before = [r.status for r in await rig.reminders() if r.step == step]
        assert before == ["pending"] * 20
        assert await rig.send_due(due) == 20
        outcomes = await rig.deliver_all()
        assert all(o.note in ("delivered", "sent") for o in outcomes.values()), outcomes
        for case, (group, _) in zip(made, rows, strict=True):
            reminder = by_step(await rig.reminders(case.id))[step]
            if step == "afspraak-voorstel":
                assert (reminder.status, reminder.note) == ("skipped", "geen afspraak voorgesteld")
                continue
            expected = OUTCOMES[group][step]
            assert (reminder.status, reminder.channel, reminder.note) == expected, group
            if reminder.channel:
                message = await rig.message(reminder.message_id)
                assert (message.kind, message.case_id) == (reminder.channel, case.id)
                assert message.status == ("sent" if message.kind == "letter" else "delivered")
    assert await rig.reminders(status="pending") == []

    messages = await rig.messages()
    kinds = [m.kind for m in messages]
    assert (kinds.count("letter"), kinds.count("email"), kinds.count("sms")) == (21, 7, 20)
    assert all(rig.has_letter(m.id) for m in messages if m.kind == "letter")
    first = by_step(await rig.reminders(made[0].id))
    herinnering = rig.outbox_sms(first["herinnering"].message_id or "")
    assert herinnering["to"] == "+32470000001"
    assert "dinsdag 3 november 2026 om 10 uur, Markt 1, Gent" in herinnering["body"]
    assert WORKER_PHONE in herinnering["body"]
    ochtend = rig.outbox_sms(first["ochtend"].message_id or "")
    assert "vandaag om 10 uur" in ochtend["body"]
    letter = await rig.message(first["uitnodiging"].message_id)
    assert letter.address_lines == ["Client Nummer1", "Veldstraat 1", "9000 Gent"]
    assert "dinsdag 3 november 2026 om 10 uur" in letter.body


@pytest.mark.parametrize(
    ("starts_at", "due"),
    [
        pytest.param(
            AUTUMN_SESSION,
            {
                **{s: d for s, d in AUTUMN_DUE.items() if s != "herinnering" and s != "ochtend"},
                # The day before the appointment (Friday 30 October 14:00), at 10:00.
                "afspraak-herinnering": utc(2026, 10, 29, 9),
                **{s: d for s, d in AUTUMN_DUE.items() if s in ("herinnering", "ochtend")},
            },
            id="autumn",
        ),
        pytest.param(
            # 2027-03-28, the spring change, is Easter Sunday, three days before.
            brussels(2027, 3, 31, 10),
            {
                "uitnodiging": utc(2027, 3, 17, 9),  # 10:00 winter time
                "afspraak-voorstel": utc(2027, 3, 24, 9),
                # The day before the appointment (Saturday 27 March 14:00), at 10:00.
                "afspraak-herinnering": utc(2027, 3, 26, 9),
                # Monday 29 is Easter Monday, a public holiday: Tuesday 09:00 summer time.
                "herinnering": utc(2027, 3, 30, 7),
                "ochtend": utc(2027, 3, 31, 7),
            },
            id="spring",
        ),
    ],
)
async def test_each_step_goes_out_on_its_brussels_minute_with_an_appointment(
    rig: Rig, starts_at: datetime, due: dict[str, datetime]
) -> None:
    client = await rig.client(
        "Sara",
        phone="0470 12 34 56",
        email="sara@example.be",
        address=("Kerkstraat 12 bus 3", "9000 Gent"),
        consents=("sms", "email"),
    )
    lac = await rig.lac_session(starts_at)
    appointment = starts_at - timedelta(days=4, hours=-4)
    case = await rig.add_case(
        lac, client, now=starts_at - timedelta(days=30), appointment_at=appointment
    )

    assert {r.step: r.due_at for r in await rig.reminders(case)} == due
    channels = {
        "uitnodiging": "letter",
        "afspraak-voorstel": "sms",
        "afspraak-herinnering": "sms",
        "herinnering": "sms",
        "ochtend": "sms",
    }
    for step, moment in due.items():
        assert await rig.send_due(moment - MINUTE) == 0
        assert by_step(await rig.reminders(case))[step].status == "pending"
        assert await rig.send_due(moment) == 1
        reminder = by_step(await rig.reminders(case))[step]
        assert (reminder.status, reminder.channel, reminder.note) == ("sent", channels[step], "")
    await rig.deliver_all()
    afspraak = by_step(await rig.reminders(case))["afspraak-voorstel"]
    body = rig.outbox_sms(afspraak.message_id or "")["body"]
    assert "om 14 uur" in body and "Stuur JA als u komt" in body
    ochtend = by_step(await rig.reminders(case))["ochtend"]
    assert "vandaag om 10 uur" in rig.outbox_sms(ochtend.message_id or "")["body"]


async def test_quiet_hours_a_monday_morning_session_is_reminded_on_saturday_evening(
    rig: Rig,
) -> None:
    client = await rig.client("Sara", phone="0470 12 34 56", consents=("sms",))
    # Monday 26 October 2026, 09:00, the day after the autumn change.
    lac = await rig.lac_session(brussels(2026, 10, 26, 9))
    case = await rig.add_case(lac, client, now=utc(2026, 10, 1))

    due = {r.step: r.due_at for r in await rig.reminders(case)}
    assert due["herinnering"] == utc(2026, 10, 24, 8)  # Saturday 10:00 summer time
    # 08:00 Monday is before quiet hours end, and 09:00 is the session itself: the last
    # allowed minute before it is Saturday 19:59 (still summer time, UTC+2).
    assert due["ochtend"] == utc(2026, 10, 24, 17, 59)
    await rig.send_due(utc(2026, 10, 24, 17, 58))
    assert by_step(await rig.reminders(case))["ochtend"].status == "pending"
    await rig.send_due(utc(2026, 10, 24, 17, 59))
    assert by_step(await rig.reminders(case))["ochtend"].status == "sent"


async def test_quiet_hours_move_an_early_step_to_nine_and_a_late_one_to_the_next_morning(
    rig: Rig,
) -> None:
    sms = {"channels": ["sms"], "templates": {"sms": "lac-herinnering-sms"}}
    await rig.save_plan(
        [
            {"name": "vroeg", "days_before": 3, "at": "07:00", **sms},
            {"name": "laat", "days_before": 1, "at": "21:30", **sms},
            {"name": "zondag", "days_before": 4, "at": "10:00", **sms},
        ]
    )
    client = await rig.client("Sara", phone="0470 12 34 56", consents=("sms",))
    lac = await rig.lac_session(brussels(2026, 12, 10, 10))  # a Thursday
    case = await rig.add_case(lac, client, now=utc(2026, 11, 1))

    assert {r.step: r.due_at for r in await rig.reminders(case)} == {
        "zondag": utc(2026, 12, 7, 8),  # Sunday 6 December is closed: Monday 09:00
        "vroeg": utc(2026, 12, 7, 8),  # Monday 07:00 -> 09:00
        "laat": utc(2026, 12, 10, 8),  # Wednesday 21:30 -> Thursday 09:00, before 10:00
    }
    assert await rig.send_due(utc(2026, 12, 7, 7, 59)) == 0
    assert await rig.send_due(utc(2026, 12, 7, 8)) == 2
    assert await rig.send_due(utc(2026, 12, 9, 20, 30)) == 0  # 21:30 on Wednesday: quiet


async def test_a_client_added_the_day_before_gets_only_the_morning_step(rig: Rig) -> None:
    client = await rig.client("Sara", phone="0470 12 34 56", consents=("sms",))
    lac = await rig.lac_session(AUTUMN_SESSION)
    case = await rig.add_case(lac, client, now=utc(2026, 11, 2, 9))  # Monday 10:00

    reminders = await rig.reminders(case)
    assert [(r.step, r.due_at, r.status) for r in reminders] == [
        ("ochtend", utc(2026, 11, 3, 8), "pending")
    ]
    assert await rig.send_due(utc(2026, 11, 3, 8)) == 1
    await rig.deliver_all()
    [message] = await rig.messages(case_id=case)
    assert (message.kind, message.status) == ("sms", statuses.DELIVERED)


async def test_without_a_contact_to_call_the_step_is_skipped_naming_the_missing_value(
    sessions: Sessions, settings: Settings, tenant: Tenant
) -> None:
    rig = await Rig.start(sessions, settings, tenant, contact=False)
    async with sessions() as session:  # a walk-in desk, but nobody to call or mail
        organisation = await session.get(Organisation, tenant.organisation_id)
        assert organisation is not None
        organisation.walk_in_address, organisation.opening_hours = WALK_IN, OPENING_HOURS
        await session.commit()
    lac = await rig.lac_session(AUTUMN_SESSION)
    address = ("Kerkstraat 12", "9000 Gent")
    bare = await rig.client("Sara", email="sara@example.be", address=address, consents=("email",))
    given = await rig.client("Ali", email="ali@example.be", address=address, consents=("email",))
    bare_case = await rig.add_case(lac, bare, now=utc(2026, 10, 1))
    given_case = await rig.add_case(
        lac,
        given,
        now=utc(2026, 10, 1),
        worker_name="Lies Claes",
        worker_phone="09 266 11 11",
        worker_email="lies.claes@ocmw.example",
    )

    assert await rig.send_due(AUTUMN_DUE["uitnodiging"]) == 2
    skipped = by_step(await rig.reminders(bare_case))["uitnodiging"]
    assert (skipped.status, skipped.message_id) == ("skipped", None)
    assert skipped.note == (
        "letter: niet ingevuld: email, telefoon; email: niet ingevuld: telefoon"
    )
    sent = by_step(await rig.reminders(given_case))["uitnodiging"]
    assert (sent.status, sent.channel) == ("sent", "letter")
    body = (await rig.message(sent.message_id)).body
    assert "Bel 09 266 11 11 of mail lies.claes@ocmw.example" in body
    assert "Lies Claes" in body


async def test_send_due_twice_at_the_same_moment_sends_each_reminder_once(rig: Rig) -> None:
    lac = await rig.lac_session(AUTUMN_SESSION)
    cases = []
    for n in range(1, 11):
        client = await rig.client(f"Client{n}", phone=f"0470 00 01 {n:02d}", consents=("sms",))
        cases.append(await rig.add_case(lac, client, now=utc(2026, 10, 1)))

    await asyncio.gather(
        rig.send_due(AUTUMN_DUE["herinnering"]), rig.send_due(AUTUMN_DUE["herinnering"])
    )

    sent = await rig.reminders(status="sent")
    assert sorted(r.case_id for r in sent) == sorted(cases)
    messages = await rig.messages()
    assert len(messages) == 10
    assert sorted(m.id for m in messages) == sorted(str(r.message_id) for r in sent)
    assert {m.idempotency_key for m in messages} == {f"reminder:{r.id}:sms" for r in sent}


async def test_a_reminder_found_late_at_night_waits_for_quiet_hours_to_end(rig: Rig) -> None:
    client = await rig.client("Sara", phone="0470 12 34 56", consents=("sms",))
    lac = await rig.lac_session(AUTUMN_SESSION)
    case = await rig.add_case(lac, client, now=utc(2026, 10, 1))
    # The worker was down all Monday; it comes back at 22:30 Brussels time.
    await rig.send_due(utc(2026, 11, 2, 21, 30))
    assert await rig.messages(case_id=case) == []
    assert by_step(await rig.reminders(case))["herinnering"].status == "pending"


async def test_no_reminder_goes_out_once_the_session_has_started(rig: Rig) -> None:
    client = await rig.client("Sara", phone="0470 12 34 56", consents=("sms",))
    lac = await rig.lac_session(AUTUMN_SESSION)
    case = await rig.add_case(lac, client, now=utc(2026, 10, 1))
    await rig.send_due(utc(2026, 11, 3, 11))  # noon on the day: the session began at 10:00
    assert await rig.messages(case_id=case) == []
    assert all(r.status != "sent" for r in await rig.reminders(case))


async def test_two_clients_sharing_a_phone_are_imported_as_two(rig: Rig) -> None:
    lac = await rig.lac_session(AUTUMN_SESSION)
    text = (
        "voornaam;achternaam;gsm;straat;huisnummer;postcode;gemeente;watermaatschappij;"
        "gedeelde gsm\n"
        "An;Peeters;0470 11 22 33;Kerkstraat;1;9000;Gent;Farys;ja\n"
        "Bert;Maes;0470 11 22 33;Veldstraat;2;9000;Gent;Farys;ja\n"
    )
    an, bert = await rig.import_csv(lac, text, now=utc(2026, 10, 1))
    await rig.send_due(AUTUMN_DUE["uitnodiging"])
    letter = await rig.message(by_step(await rig.reminders(bert.id))["uitnodiging"].message_id)
    assert letter.address_lines == ["Bert Maes", "Veldstraat 2", "9000 Gent"]
    assert an.client_id != bert.client_id


async def test_a_safety_flag_in_the_case_list_reaches_a_known_client(rig: Rig) -> None:
    await rig.client("Sara", phone="0470 99 88 77", consents=("sms",))
    lac = await rig.lac_session(AUTUMN_SESSION)
    text = (
        "voornaam;achternaam;gsm;watermaatschappij;geen sms\nSara;Janssens;0470 99 88 77;Farys;ja\n"
    )
    [case] = await rig.import_csv(lac, text, now=utc(2026, 10, 1))
    await rig.send_due(AUTUMN_DUE["ochtend"])
    assert await rig.messages(case_id=case.id, kind="sms") == []
