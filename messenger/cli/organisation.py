"""`messenger org profile`, `messenger org sender …` and `messenger staff …`: who clients can
call, when messages may go out, and who they come from. The same rules as the API
(casework/organisations.py, messages/senders.py, casework/staff.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from messenger.casework import organisations, staff
from messenger.cli.common import console, run, session_for, wide
from messenger.messages import senders
from messenger.platform.settings import get_settings

staff_app = typer.Typer(help="Staff: the social workers a case names.", no_args_is_help=True)
Org = Annotated[str, typer.Option("--org", help="The organisation's id")]
Text = Annotated[str | None, typer.Option()]


def profile(
    org: Annotated[str, typer.Argument(help="The organisation's id")],
    contact_name: Annotated[str | None, typer.Option(help="e.g. 'Sociale dienst'")] = None,
    contact_phone: Annotated[str | None, typer.Option(help="e.g. '09 266 99 00'")] = None,
    contact_email: Text = None,
    walk_in_address: Annotated[str | None, typer.Option(help="Where clients can walk in")] = None,
    opening_hours: Text = None,
    website: Text = None,
    signature: Annotated[str | None, typer.Option(help="Under letters and emails")] = None,
    quiet_start: Annotated[str | None, typer.Option(help="HH:MM, Brussels time")] = None,
    quiet_end: Annotated[str | None, typer.Option(help="HH:MM, Brussels time")] = None,
    open_weekdays: Annotated[
        str | None, typer.Option(help="Days messages may go out: 0=Monday, e.g. 0,1,2,3,4,5")
    ] = None,
    working_weekdays: Annotated[
        str | None, typer.Option(help="Days that count as working days, e.g. 0,1,2,3,4")
    ] = None,
    flemish_holiday: Annotated[
        bool | None, typer.Option("--flemish-holiday/--no-flemish-holiday", help="11 July")
    ] = None,
    closed_days: Annotated[
        str | None, typer.Option(help="The municipality's own closed days: 2026-12-26,…")
    ] = None,
) -> None:
    """Set the organisation's contact profile and calendar (only what is given)."""
    given: dict[str, Any] = {
        name: value
        for name, value in {
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
            "walk_in_address": walk_in_address,
            "opening_hours": opening_hours,
            "website": website,
            "signature": signature,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
            "flemish_holiday": flemish_holiday,
        }.items()
        if value is not None
    }
    for name, raw in (("open_weekdays", open_weekdays), ("working_weekdays", working_weekdays)):
        if raw is not None:
            given[name] = [part.strip() for part in raw.split(",") if part.strip()]
    if closed_days is not None:
        given["closed_days"] = [part.strip() for part in closed_days.split(",") if part.strip()]
    settings = get_settings()

    async def work() -> None:
        async with session_for(settings) as session:
            await organisations.update_profile(session, org, given)
            await session.commit()

    run(work)
    console.print("profiel bijgewerkt")


@staff_app.command("add")
def staff_add(
    org: Org,
    name: Annotated[str, typer.Option(help="e.g. 'Jan Peeters'")],
    phone: Text = None,
    email: Text = None,
    team: Text = None,
) -> None:
    """Add a social worker; prints the id (a case list may name them by name or id)."""
    settings = get_settings()

    async def work() -> str:
        async with session_for(settings) as session:
            member = await staff.add_staff(
                session, org, staff.StaffData(name=name, phone=phone, email=email, team=team)
            )
            await session.commit()
            return member.id

    print(run(work))


@staff_app.command("list")
def staff_list(org: Org) -> None:
    """The organisation's staff."""
    settings = get_settings()

    async def work() -> list[tuple[str, ...]]:
        async with session_for(settings) as session:
            return [
                (
                    m.id,
                    m.name,
                    m.phone or "",
                    m.email or "",
                    m.team or "",
                    "ja" if m.active else "nee",
                )
                for m in await staff.list_staff(session, org)
            ]

    table = Table("id", "naam", "telefoon", "e-mail", "team", "actief")
    for row in run(work):
        table.add_row(*row)
    wide(console).print(table)


def _yes(value: bool) -> str:
    return "ja" if value else "nee"


sender_app = typer.Typer(
    help="SMS senders and email reply-to addresses (Notify's sms_sender_id, email_reply_to_id).",
    no_args_is_help=True,
)


@sender_app.command("add")
def sender_add(
    org: Org,
    kind: Annotated[str, typer.Option(help="sms or email")],
    value: Annotated[
        str, typer.Option(help="sms: a mobile number or a name of 3-11 letters; email: an address")
    ],
    default: Annotated[bool, typer.Option("--default", help="Make it the default")] = False,
) -> None:
    """Add a sender; prints its id. The first SMS sender is the default."""
    settings = get_settings()

    async def work() -> str:
        async with session_for(settings) as session:
            sender = await senders.add_sender(session, org, kind, value, default=default)
            await session.commit()
            return sender.id

    print(run(work))


@sender_app.command("list")
def sender_list(org: Org) -> None:
    """The organisation's senders."""
    settings = get_settings()

    async def work() -> list[tuple[str, ...]]:
        async with session_for(settings) as session:
            return [
                (s.id, s.kind, s.value, _yes(s.is_default))
                for s in await senders.list_senders(session, org)
            ]

    table = Table("id", "soort", "afzender", "standaard")
    for row in run(work):
        table.add_row(*row)
    wide(console).print(table)


@sender_app.command("default")
def sender_default(org: Org, sender_id: Annotated[str, typer.Argument()]) -> None:
    """Make a sender the default of its kind."""
    settings = get_settings()

    async def work() -> None:
        async with session_for(settings) as session:
            await senders.make_default(session, await senders.own_sender(session, org, sender_id))
            await session.commit()

    run(work)
    console.print("standaard gewijzigd")


@sender_app.command("remove")
def sender_remove(org: Org, sender_id: Annotated[str, typer.Argument()]) -> None:
    """Remove a sender (messages sent with it keep it)."""
    settings = get_settings()

    async def work() -> None:
        async with session_for(settings) as session:
            await senders.remove_sender(session, await senders.own_sender(session, org, sender_id))
            await session.commit()

    run(work)
    console.print("afzender verwijderd")
