"""`messenger callbacks …`: where an organisation hears of delivery receipts, received text
messages, returned letters and complaints (emails marked as spam), as in GOV.UK Notify. The
same rules as the API and the page (messages/callback_settings.py). The bearer token is never
printed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.cli.common import console, run, session_for, wide
from messenger.messages import callback_settings, callbacks
from messenger.platform.encryption import secret_box
from messenger.platform.models import Organisation, utcnow
from messenger.platform.settings import get_settings

callbacks_app = typer.Typer(
    help="Callbacks: delivery receipts, received text messages, returned letters and "
    "complaints (emails marked as spam), POSTed to the organisation's own https address.",
    no_args_is_help=True,
)
Org = Annotated[str, typer.Option("--org", help="The organisation's id")]
Kind = Annotated[str, typer.Option("--kind", help=", ".join(callbacks.KINDS))]


async def _organisation(session: AsyncSession, org: str) -> None:
    if await session.get(Organisation, org) is None:
        raise LookupError(f"no organisation with id {org}")


@callbacks_app.command("set")
def callbacks_set(
    org: Org,
    kind: Kind,
    url: Annotated[str, typer.Option(help="https://… (http only on localhost)")],
    token: Annotated[
        str | None,
        typer.Option(
            envvar="MESSENGER_CALLBACK_TOKEN",
            help="The bearer token, at least 10 characters (or MESSENGER_CALLBACK_TOKEN, which "
            "keeps it out of the shell's history); leave out to keep the current one",
        ),
    ] = None,
) -> None:
    """Set where one kind of callback goes (made, or changed when there is one)."""
    settings = get_settings()

    async def work() -> None:
        async with session_for(settings) as session:
            await _organisation(session, org)
            await callback_settings.set_callback(
                session, secret_box(settings), org, kind, url, token, by="cli"
            )
            await session.commit()

    run(work)
    console.print(f"callback {kind} ingesteld")


@callbacks_app.command("list")
def callbacks_list(org: Org) -> None:
    """The organisation's callbacks and how they go (without their tokens)."""
    settings = get_settings()

    async def work() -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = []
        async with session_for(settings) as session:
            await _organisation(session, org)
            for callback in await callback_settings.list_callbacks(session, org):
                found = await callbacks.health(session, callback, utcnow())
                rows.append(
                    (
                        callback.kind,
                        callback.url,
                        found.state,
                        _when(found.last_success_at),
                        f"{_when(found.last_failure_at)} {found.last_failure or ''}".strip(),
                        str(found.waiting),
                        str(found.given_up),
                    )
                )
        return rows

    table = Table(
        "soort", "adres", "stand", "laatst gelukt", "laatst mislukt", "wacht", "opgegeven"
    )
    for row in run(work):
        table.add_row(*row)
    wide(console).print(table)


@callbacks_app.command("remove")
def callbacks_remove(org: Org, kind: Kind) -> None:
    """No more callbacks of this kind; what still waits is dropped."""
    settings = get_settings()

    async def work() -> None:
        async with session_for(settings) as session:
            await callback_settings.remove_callback(
                session, org, callback_settings.check_kind(kind)
            )
            await session.commit()

    run(work)
    console.print(f"callback {kind} verwijderd")


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""
