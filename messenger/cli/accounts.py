"""`messenger account …`: people who sign in to the web pages. The first admin is made here;
after that an admin can make the others on the pages too."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from messenger.cli.common import console, run, session_for
from messenger.platform import accounts, roles
from messenger.platform.models import Account, utcnow
from messenger.platform.settings import get_settings

account_app = typer.Typer(help="Accounts for the web pages.", no_args_is_help=True)


@account_app.command("create")
def create(
    org: Annotated[str, typer.Option("--org", help="The organisation's id")],
    email: Annotated[str, typer.Option(help="What the person signs in with")],
    name: Annotated[str, typer.Option(help="e.g. 'Jan Peeters'")],
    role: Annotated[str, typer.Option(help=", ".join(roles.ROLES))] = roles.SOCIAL_WORKER,
    partner: Annotated[str | None, typer.Option(help="A partner account: the partner id")] = None,
    water_company: Annotated[
        str | None, typer.Option(help="A water company account: the company's name")
    ] = None,
) -> None:
    """Make an account; prints a link (valid 3 days, once) where the person picks a password."""
    settings = get_settings()

    async def work() -> str:
        async with session_for(settings) as session:
            _, token = await accounts.create_account(
                session,
                organisation_id=org,
                email=email,
                name=name,
                role=role,
                partner_id=partner,
                water_company=water_company,
                now=utcnow(),
            )
            await session.commit()
            return token

    token = run(work)
    console.print("Account gemaakt. Geef deze link aan de persoon (3 dagen geldig, één keer):")
    print(accounts.password_link(settings.public_url, token))


@account_app.command("reset")
def reset(email: Annotated[str, typer.Option(help="The account's email address")]) -> None:
    """A new set-password link for a forgotten password or an expired link."""
    settings = get_settings()

    async def work() -> str:
        async with session_for(settings) as session:
            found = await session.scalar(
                select(Account).where(Account.email == accounts.normalise_email(email))
            )
            if found is None:
                raise LookupError("No account with that email address.")
            token = accounts.start_password_reset(found, utcnow())
            await session.commit()
            return token

    token = run(work)
    console.print("Nieuwe link (3 dagen geldig, één keer):")
    print(accounts.password_link(settings.public_url, token))
