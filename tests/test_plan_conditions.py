"""Issue 15, "true for the client who gets it": the default plan's steps check what happened.

A client who answered, confirmed or was reached gets no "we hebben nog niets van u gehoord";
the step shows as skipped with its reason on the session page, and is no task. The outcome
picks the letter that fits: a client who did not come gets the "niet gekomen" letter and no
referral; a cut-off or a refused reconnection gets no "samen afgesproken" or "weer water".
"JA" sends the confirmation; a session that moves or is cancelled is announced.

Each scenario starts where the social worker starts: a case list imported with the shipped
plan, a reply through the inbound SMS handler, an outcome through the outcome service, and
the due reminders sent by the worker's own job into the sandbox outbox.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from messenger.aftercare import contact_attempts, outcomes
from messenger.casework import cases as casework
from messenger.casework.case_import import parse_case_list
from messenger.casework.conditions import CONDITIONS, DECISION_LABELS, DECISIONS
from messenger.casework.plan_preview import preview_case
from messenger.casework.plan_values import personalisation
from messenger.casework.reminder_plans import DEFAULT_STEPS, parse_steps
from messenger.inbound import sms as inbound_sms
from messenger.platform.db import Sessions
from messenger.platform.models import Case, Client, LacSession, Message, Task
from messenger.platform.settings import Settings
from messenger.web.sessions import plans_of
from tests.casework_support import Rig, brussels, by_step, utc
from tests.support import Tenant

SESSION = brussels(2030, 12, 10, 10)  # a Tuesday
IMPORTED = utc(2030, 11, 20, 9)
INVITED = utc(2030, 11, 26, 9, 5)  # uitnodiging, 14 days before at 10:00
OFFERED = utc(2030, 12, 3, 9, 5)  # afspraak-voorstel, 7 days before
REMINDED = utc(2030, 12, 9, 8, 5)  # herinnering: Sunday 8th -> Monday 09:00
AFTER = utc(2030, 12, 10, 11)  # the outcome, after the session
NEXT_DAY = utc(2030, 12, 11, 9, 5)  # aftercare letters: the next working day at 10:00
HEADER = (
    "voornaam;achternaam;gsm;straat;huisnummer;postcode;gemeente;toestemming sms;afspraak"
    ";watermaatschappij"
)
REPLIED = CONDITIONS["replied"]


@pytest.fixture
async def rig(sessions: Sessions, settings: Settings, tenant: Tenant) -> Rig:
    return await Rig.start(sessions, settings, tenant)


async def _import(rig: Rig, *rows: str, reason: str = "") -> list[Case]:
    header = HEADER + (";reden" if reason else "")
    text = "\n".join([header, *(row + (f";{reason}" if reason else "") for row in rows)])
    lac = await rig.lac_session(SESSION)
    return await rig.import_csv(lac, text + "\n", now=IMPORTED)


SARA = "Sara;Janssens;0470 12 34 01;Kerkstraat;1;9000;Gent;ja;05/12/2030 14:00;Farys"
ALI = "Ali;Benali;;Molenstraat;3;9000;Gent;;;Farys"  # letters only, no appointment
LOTTE = "Lotte;Peeters;;Veldstraat;9;9000;Gent;;;Farys"


async def _reply(rig: Rig, body: str, sender: str = "0470 12 34 01") -> None:
    async with rig.sessions() as session:
        reference = f"SM{abs(hash((body, sender))):x}"
        received = await inbound_sms.receive(
            session, None, inbound_sms.InboundSms(reference, sender, "+32460000000", body)
        )
        assert received is not None and received.case_id is not None


async def _step(rig: Rig, case_id: str, name: str) -> Any:
    return by_step(r for r in await rig.reminders(case_id) if r.status != "cancelled")[name]


async def _session_page(rig: Rig, case_id: str) -> dict[str, Any]:
    """What the session page shows for the case's steps still ahead."""
    async with rig.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        _, previews = await plans_of(session, [case])
    return {step: preview for (_, step), preview in previews.items()}


async def _tasks(rig: Rig) -> list[Task]:
    async with rig.sessions() as session:
        return list(await session.scalars(select(Task)))


# --- before the session ---------------------------------------------------------------------


async def test_a_client_who_replied_gets_no_nothing_heard_letter(rig: Rig) -> None:
    [case] = await _import(rig, SARA)
    assert await rig.send_due(OFFERED) == 2  # the invitation letter, the appointment offer
    await _reply(rig, "Ik kom graag")
    await _reply(rig, "STOP")  # no more SMS: the reminder would fall to the second letter

    # Before the day: the session page says it will be skipped, and why.
    planned = await _session_page(rig, case.id)
    assert planned["herinnering"].skip == REPLIED

    await rig.send_due(REMINDED)
    herinnering = await _step(rig, case.id, "herinnering")
    assert (herinnering.status, herinnering.note, herinnering.message_id) == (
        "skipped",
        "niet nodig: de cliënt antwoordde al",
        None,
    )
    # Known and harmless: not a task "niet verstuurd".
    assert [t.kind for t in await _tasks(rig) if t.kind == "not-sent"] == []
    assert [m for m in await rig.messages(case_id=case.id) if m.kind == "letter"][1:] == []


async def test_a_client_who_confirmed_still_gets_the_reminder_sms_not_the_letter(rig: Rig) -> None:
    [case] = await _import(rig, SARA)
    await rig.send_due(OFFERED)
    await _reply(rig, "JA")
    assert (await rig.case_of(case.id)).appointment_confirmed_at is not None
    await rig.send_due(REMINDED)
    herinnering = await _step(rig, case.id, "herinnering")
    assert (herinnering.status, herinnering.channel) == ("sent", "sms")
    await rig.deliver([herinnering.message_id])
    body = rig.outbox_sms(herinnering.message_id)["body"]
    assert "dinsdag 10 december 2030" in body and "niets van u gehoord" not in body


async def test_ja_confirms_the_appointment_and_sends_the_confirmation(rig: Rig) -> None:
    [case] = await _import(rig, SARA)
    await rig.send_due(OFFERED)
    await _reply(rig, "JA")
    await _reply(rig, "ja hoor")  # a second yes: no second confirmation
    steps = [r.step for r in await rig.reminders(case.id) if r.step == "afspraak-bevestiging"]
    assert steps == ["afspraak-bevestiging"]

    await rig.send_due(utc(2030, 12, 3, 12))
    confirmation = await _step(rig, case.id, "afspraak-bevestiging")
    assert (confirmation.status, confirmation.channel) == ("sent", "sms")
    await rig.deliver([confirmation.message_id])
    sms = rig.outbox_sms(confirmation.message_id)
    assert "donderdag 5 december 2030 om 14 uur" in sms["body"]
    assert sms["to"] == "+32470123401"


async def test_a_client_reached_by_phone_gets_no_second_invitation(rig: Rig) -> None:
    reached, silent = await _import(rig, ALI, LOTTE)
    async with rig.sessions() as session:
        client = await session.get(Client, reached.client_id)
        assert client is not None
        await contact_attempts.record(
            session, client, method="call", outcome="reached", recorded_by="Jan"
        )
        await session.commit()
    assert (await _session_page(rig, reached.id))["herinnering"].skip == CONDITIONS["contact-made"]
    await rig.send_due(REMINDED)
    skipped = await _step(rig, reached.id, "herinnering")
    assert (skipped.status, skipped.note) == (
        "skipped",
        "niet nodig: er was al contact met de cliënt",
    )
    # The client nobody heard from does get the second letter.
    sent = await _step(rig, silent.id, "herinnering")
    assert (sent.status, sent.channel) == ("sent", "letter")
    await rig.deliver([sent.message_id])
    assert rig.has_letter(sent.message_id)


async def test_a_call_not_answered_is_no_contact(rig: Rig) -> None:
    [case] = await _import(rig, ALI)
    async with rig.sessions() as session:
        client = await session.get(Client, case.client_id)
        assert client is not None
        await contact_attempts.record(
            session, client, method="call", outcome="not-reached", recorded_by="Jan"
        )
        await session.commit()
    await rig.send_due(REMINDED)
    assert (await _step(rig, case.id, "herinnering")).status == "sent"


async def test_an_appointment_reminder_follows_the_appointment(rig: Rig) -> None:
    [case] = await _import(rig, SARA)
    # The day before the appointment (Thursday 5 December 14:00) at 10:00.
    assert (await _step(rig, case.id, "afspraak-herinnering")).due_at == utc(2030, 12, 4, 9)
    async with rig.sessions() as session:
        found = await session.get(Case, case.id)
        assert found is not None
        found.appointment_confirmed_at = utc(2030, 12, 1)
        await casework.update_case(session, found, {"appointment_at": brussels(2030, 12, 6, 9)})
        await session.commit()
    moved = await _step(rig, case.id, "afspraak-herinnering")
    assert (moved.status, moved.due_at) == ("pending", utc(2030, 12, 5, 9))
    # A "JA" was for the old appointment.
    assert (await rig.case_of(case.id)).appointment_confirmed_at is None


# --- after the session -----------------------------------------------------------------------


async def _outcome(
    rig: Rig,
    case_id: str,
    attended: bool,
    decision: str | None,
    agreed: str = "De LAC besliste: u betaalt elke maand 20 euro.",
) -> None:
    async with rig.sessions() as session:
        case = await casework.own_case(session, rig.organisation_id, case_id)
        await outcomes.record_outcome(
            session,
            case,
            attended=attended,
            decision=decision,
            agreed=agreed,
            recorded_by="Jan",
            at=AFTER,
        )
        await session.commit()


AFTERCARE = {
    "samenvatting",
    "uitkomst-afsluiting",
    "uitkomst-waterbegrenzer",
    "uitkomst-heraansluiting-geweigerd",
    "niet-gekomen",
    "doorverwijzing",
    "afbetalingsplan-30-dagen",
    "heraansluiting-opvolging",
}


@pytest.mark.parametrize(
    ("reason", "attended", "decision", "planned"),
    [
        ("", False, None, {"niet-gekomen"}),
        ("", False, "cut-off-allowed", {"niet-gekomen"}),
        ("", True, "payment-plan", {"samenvatting", "doorverwijzing", "afbetalingsplan-30-dagen"}),
        ("", True, "cut-off-allowed", {"uitkomst-afsluiting", "doorverwijzing"}),
        ("", True, "flow-limiter", {"uitkomst-waterbegrenzer", "doorverwijzing"}),
        (
            "heraansluiting",
            True,
            "reconnection",
            {"samenvatting", "doorverwijzing", "heraansluiting-opvolging"},
        ),
        (
            "heraansluiting",
            True,
            "reconnection-refused",
            {"uitkomst-heraansluiting-geweigerd", "doorverwijzing"},
        ),
    ],
)
async def test_the_outcome_picks_the_letters_that_are_true(
    rig: Rig, reason: str, attended: bool, decision: str | None, planned: set[str]
) -> None:
    [case] = await _import(rig, ALI, reason=reason)
    await _outcome(rig, case.id, attended, decision)
    steps = {r.step for r in await rig.reminders(case.id) if r.step in AFTERCARE}
    assert steps == planned


async def test_a_client_who_did_not_come_gets_the_niet_gekomen_letter_only(rig: Rig) -> None:
    [case] = await _import(rig, ALI)
    await _outcome(rig, case.id, False, "cut-off-allowed")
    await rig.send_due(NEXT_DAY)
    letter = await _step(rig, case.id, "niet-gekomen")
    assert (letter.status, letter.channel) == ("sent", "letter")
    await rig.deliver([letter.message_id])
    assert rig.has_letter(letter.message_id)
    body = (await rig.message(letter.message_id)).body
    assert "u betaalt elke maand 20 euro" in body
    assert "samen afgesproken" not in body
    # No "We spraken onlangs": no referral for someone who did not come.
    await rig.send_due(utc(2030, 12, 20, 9))
    assert {r.step for r in await rig.reminders(case.id, status="sent")} >= {"niet-gekomen"}
    assert "doorverwijzing" not in {r.step for r in await rig.reminders(case.id)}


async def test_without_a_written_agreement_the_letter_names_the_decision(rig: Rig) -> None:
    """A worker often writes nothing for a client who did not come: the letter still goes,
    and says what the LAC decided, rather than becoming a task for a missing value."""
    [case] = await _import(rig, ALI)
    await _outcome(rig, case.id, False, "payment-plan", agreed="")
    await rig.send_due(NEXT_DAY)
    letter = await _step(rig, case.id, "niet-gekomen")
    assert (letter.status, letter.channel) == ("sent", "letter"), letter.note
    assert "Een afbetalingsplan." in (await rig.message(letter.message_id)).body


async def test_a_cut_off_decision_gets_its_own_letter_not_the_summary(rig: Rig) -> None:
    [case] = await _import(rig, ALI)
    await _outcome(rig, case.id, True, "cut-off-allowed")
    await rig.send_due(NEXT_DAY)
    letter = await _step(rig, case.id, "uitkomst-afsluiting")
    await rig.deliver([letter.message_id])
    assert letter.status == "sent" and rig.has_letter(letter.message_id)
    async with rig.sessions() as session:
        bodies = [m.body for m in await session.scalars(select(Message))]
    assert not any("samen afgesproken" in body for body in bodies)


async def test_a_refused_reconnection_is_not_asked_if_the_water_is_back(rig: Rig) -> None:
    [case] = await _import(rig, SARA, reason="heraansluiting")
    await _outcome(rig, case.id, True, "reconnection-refused")
    await rig.send_due(utc(2031, 1, 20, 9))  # well past every aftercare step
    async with rig.sessions() as session:
        texts = [
            m.body for m in await session.scalars(select(Message).where(Message.kind == "sms"))
        ]
    assert not any("weer water" in text for text in texts)


# --- the session changes -------------------------------------------------------------------


async def test_a_short_place_names_the_session_in_the_sms_that_it_moved(rig: Rig) -> None:
    async with rig.sessions() as session:
        lac = await casework.create_session(
            session,
            rig.organisation_id,
            SESSION,
            "Sociaal Huis Gent, Onderbergen 86 bus 12, 9000 Gent",
            "Sociaal Huis Gent",
        )
        await session.commit()
    client = await rig.client(
        "Sara", phone="0470 12 34 01", address=("Kerkstraat 1", "9000 Gent"), consents=("sms",)
    )
    case_id = await rig.add_case(lac.id, client, now=IMPORTED)
    await rig.send_due(INVITED)
    await rig.move(lac.id, brussels(2030, 12, 17, 10), now=utc(2030, 11, 27, 10))
    await rig.send_due(utc(2030, 11, 27, 10))
    moved = await _step(rig, case_id, "verplaatst")
    assert (moved.status, moved.channel) == ("sent", "sms")
    await rig.deliver([moved.message_id])
    body = rig.outbox_sms(moved.message_id)["body"]
    assert "10 uur, Sociaal Huis Gent." in body and "Onderbergen" not in body
    assert "17 december" in body


async def test_the_short_place_falls_back_to_the_place_and_the_worker_to_a_neutral_name() -> None:
    lac = LacSession(organisation_id="o", starts_at=SESSION, place="Markt 1, Gent")
    case = Case(organisation_id="o", client_id="c", reason="unpaid-bills", water_company="Farys")
    client = Client(organisation_id="o", first_name="Sara", last_name="Janssens", address_lines=[])
    values = personalisation(case, client, lac, None)
    assert (values["plaats_kort"], values["maatschappelijk_werker"]) == (
        "Markt 1, Gent",
        "De sociale dienst",
    )
    lac.place_short = "Markt 1"
    assert personalisation(case, client, lac, None)["plaats_kort"] == "Markt 1"


@pytest.mark.parametrize(
    ("language", "signed"),
    [("nl", "De sociale dienst"), ("fr", "Le service social"), ("en", "The social service")],
)
def test_the_neutral_signature_is_in_the_clients_language(language: str, signed: str) -> None:
    lac = LacSession(organisation_id="o", starts_at=SESSION, place="Markt 1, Gent")
    case = Case(organisation_id="o", client_id="c", reason="unpaid-bills", water_company="Farys")
    client = Client(
        organisation_id="o",
        first_name="Zoë",
        last_name="Martin",
        address_lines=[],
        language=language,
    )
    assert personalisation(case, client, lac, None)["maatschappelijk_werker"] == signed


@pytest.mark.parametrize(
    ("cells", "place_short", "error"),
    [
        (("Sociaal Huis Gent", "Sociaal Huis Gent"), "Sociaal Huis Gent", None),
        (("Sociaal Huis Gent", ""), "Sociaal Huis Gent", None),
        (("", ""), None, None),
        (("Sociaal Huis Gent", "Zaal De Brug"), None, "rij 2 zegt Sociaal Huis Gent"),
        (("x" * 41, ""), None, "hoogstens 40 tekens"),
    ],
)
def test_the_case_list_gives_the_short_place(
    cells: tuple[str, str], place_short: str | None, error: str | None
) -> None:
    rows = [f"{row};{cell}" for row, cell in zip((ALI, LOTTE), cells, strict=True)]
    report = parse_case_list("\n".join([HEADER + ";plaats kort", *rows]))
    assert report.place_short == place_short
    assert [e.message for e in report.errors if error and error in e.message] or error is None
    assert bool(report.errors) == bool(error)


# --- the plan as written ---------------------------------------------------------------------


def _step_dict(**extra: Any) -> dict[str, Any]:
    return {
        "name": "brief",
        "days_before": 2,
        "at": "10:00",
        "channels": ["letter"],
        "templates": {"letter": "lac-tweede-uitnodiging-brief"},
        **extra,
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"unless": ["geantwoord"]}, "steps[1]: step 'brief': unless: geantwoord is not one of"),
        ({"unless": "replied"}, "steps[1]: step 'brief': unless must be a list"),
        (
            {"unless": {"sms": ["replied"]}},
            "steps[1]: step 'brief': unless: sms is not one of this step's channels",
        ),
        (
            {"unless": {"letter": ["bezocht"]}},
            "steps[1]: step 'brief': unless.letter: bezocht is not one of",
        ),
        (
            {"trigger": "outcome", "decisions_not": ["afsluiten"]},
            "steps[1]: decisions_not: afsluiten is not one of",
        ),
        ({"trigger": "outcome", "decisions": ["x"]}, "steps[1]: decisions: x is not one of"),
        ({"decisions": ["payment-plan"]}, "steps[1]: attended, decisions and decisions_not need"),
        ({"trigger": "session-verzet"}, "steps[1]: trigger must be one of"),
    ],
)
def test_a_plan_with_an_unknown_condition_is_refused_naming_the_step(
    extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("[", r"\[").replace("]", r"\]")):
        parse_steps([_step_dict(**extra)])


def test_every_condition_and_decision_of_the_default_plan_is_known() -> None:
    parsed = {s.name: s for s in parse_steps(DEFAULT_STEPS)}
    assert parsed["herinnering"].channel_unless == {
        "letter": ("replied", "appointment-confirmed", "contact-made")
    }
    assert parsed["doorverwijzing"].attended is True
    assert "cut-off-allowed" in parsed["samenvatting"].decisions_not
    assert "reconnection-refused" in parsed["heraansluiting-opvolging"].decisions_not
    assert {s.trigger for s in parsed.values()} >= {
        "session-moved",
        "session-cancelled",
        "appointment-confirmed",
        "appointment",
    }


def test_every_decision_has_a_dutch_label() -> None:
    assert tuple(DECISION_LABELS) == DECISIONS == outcomes.DECISIONS
    assert DECISION_LABELS["reconnection-refused"] == "Niet weer aansluiten"


async def test_the_preview_of_a_stored_case_names_the_reason(rig: Rig) -> None:
    [case] = await _import(rig, SARA)
    await rig.send_due(OFFERED)
    await _reply(rig, "Ik bel morgen")
    await _reply(rig, "STOP")
    async with rig.sessions() as session:
        found = await session.get(Case, case.id)
        assert found is not None
        steps = {s.step: s for s in await preview_case(session, found)}
    assert (steps["herinnering"].channel, steps["herinnering"].skip) == (None, REPLIED)
