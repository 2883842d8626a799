"""The `messenger` command: serve, worker, demo, db, org, api-key."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from messenger import migrate
from messenger.api_keys import KEY_TYPES, issue_key
from messenger.db import create_engine, create_sessions
from messenger.embedded_redis import redis_url, running_embedded_url
from messenger.encryption import secret_box
from messenger.organisations import create_organisation
from messenger.settings import Settings, get_settings

app = typer.Typer(
    help="Messenger: SMS, email and letters for client contact in OCMW social services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations (one per OCMW).", no_args_is_help=True)
key_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(key_app, name="api-key")

console = Console()
err = Console(stderr=True)
T = TypeVar("T")


class CliError(Exception):
    """Shown as one line, no traceback."""


def _run(work: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except (CliError, ValueError, LookupError) as exc:
        err.print(f"Error: {exc}", highlight=False)
        raise typer.Exit(1) from None


async def _upgrade(settings: Settings) -> None:
    engine = create_engine(settings.database)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    settings = get_settings()
    _run(lambda: _upgrade(settings))
    console.print("database is up to date")


@org_app.command("create")
def org_create(name: Annotated[str, typer.Argument(help="e.g. 'OCMW Gent'")]) -> None:
    """Create an organisation and print its id."""
    settings = get_settings()

    async def work() -> str:
        await _upgrade(settings)
        engine = create_engine(settings.database)
        try:
            async with create_sessions(engine)() as session:
                organisation = await create_organisation(session, name)
                await session.commit()
                return organisation.id
        finally:
            await engine.dispose()

    print(_run(work))


@key_app.command("create")
def api_key_create(
    org: Annotated[str, typer.Option(help="The organisation's id")],
    name: Annotated[str, typer.Option(help="A name for the key, e.g. 'crm'")],
    type: Annotated[str, typer.Option(help="live, team or test")] = "live",
) -> None:
    """Create an API key and print it. It is shown once; keep it somewhere safe."""
    if type not in KEY_TYPES:
        err.print(f"Error: --type must be one of {', '.join(KEY_TYPES)}")
        raise typer.Exit(2)
    settings = get_settings()

    async def work() -> str:
        await _upgrade(settings)
        engine = create_engine(settings.database)
        try:
            async with create_sessions(engine)() as session:
                issued = await issue_key(
                    session, secret_box(settings), organisation_id=org, name=name, key_type=type
                )
                await session.commit()
                return issued.combined
        finally:
            await engine.dispose()

    print(_run(work))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Run the HTTP API. Without REDIS_URL it also runs Redis and a worker in this process."""
    from messenger.runner import running_api, running_worker

    settings = get_settings()

    async def work() -> None:
        if migrate_first:
            await _upgrade(settings)
        with redis_url(settings) as url:
            async with running_api(settings, url, host=host, port=port) as server:
                console.print(f"Messenger API on http://{host}:{port} (docs at /docs)")
                if settings.redis_url:
                    await _until_stopped(server)
                else:
                    async with running_worker(settings, url):
                        console.print("embedded Redis and a worker run in this process")
                        await _until_stopped(server)

    _run_forever(work)


@app.command()
def worker(
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Run a queue worker (REDIS_URL, or the embedded Redis of a running `messenger serve`)."""
    from worker.settings import create_worker

    settings = get_settings()
    url = settings.redis_url or running_embedded_url(settings)
    if not url:
        err.print("Error: set REDIS_URL, or start `messenger serve` first (it runs a worker too).")
        raise typer.Exit(1)
    if migrate_first:
        _run(lambda: _upgrade(settings))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    create_worker(settings, url, handle_signals=True).run()


@app.command()
def demo() -> None:
    """Send one SMS, one email and one letter end to end and show where they landed."""
    from messenger.demo import print_results, run_demo, succeeded

    settings = get_settings()
    results = _run(lambda: run_demo(settings, console))
    print_results(results, console)
    if not succeeded(results):
        raise typer.Exit(1)


async def _until_stopped(server: object) -> None:
    # uvicorn sets `should_exit` from its signal handler; it offers no event to wait on.
    while not getattr(server, "should_exit", False):  # noqa: ASYNC110
        await asyncio.sleep(0.5)


def _run_forever(work: Callable[[], Awaitable[None]]) -> None:
    try:
        _run(work)
    except KeyboardInterrupt:
        console.print("stopped")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
