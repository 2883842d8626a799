"""The `messenger` command: serve, worker, demo, db, org, api-key, templates, print-batch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import typer
from redis.asyncio import Redis
from redis.exceptions import RedisError

from messenger.casework.organisations import create_organisation, update_organisation
from messenger.cli.accounts import account_app
from messenger.cli.callbacks import callbacks_app
from messenger.cli.casework import import_case_list, sample, session_app
from messenger.cli.common import console, fail, run, session_for, upgrade
from messenger.cli.letters import batch_app, letter_app
from messenger.cli.organisation import profile, sender_app, staff_app
from messenger.cli.templates import templates_app
from messenger.platform.api_keys import KEY_TYPES, issue_key
from messenger.platform.embedded_redis import redis_url, running_embedded_url
from messenger.platform.encryption import secret_box
from messenger.platform.settings import Settings, get_settings

if TYPE_CHECKING:
    import uvicorn

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
app.add_typer(staff_app, name="staff")
app.add_typer(account_app, name="account")
app.add_typer(callbacks_app, name="callbacks")
org_app.command("profile")(profile)
org_app.add_typer(sender_app, name="sender")
app.add_typer(batch_app, name="print-batch")
app.add_typer(letter_app, name="letter")
app.add_typer(templates_app, name="templates")
app.add_typer(session_app, name="session")
app.command("import")(import_case_list)
app.command("import-sample")(sample)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    settings = get_settings()
    run(lambda: upgrade(settings))
    console.print("database is up to date")


@org_app.command("create")
def org_create(name: Annotated[str, typer.Argument(help="e.g. 'OCMW Gent'")]) -> None:
    """Create an organisation and print its id."""
    settings = get_settings()

    async def work() -> str:
        async with session_for(settings) as session:
            organisation = await create_organisation(session, name)
            await session.commit()
            return organisation.id

    print(run(work))


@org_app.command("set")
def org_set(
    org: Annotated[str, typer.Argument(help="The organisation's id")],
    sms_sender: Annotated[
        str | None, typer.Option(help="Its SMS number (E.164); replies to it belong to it")
    ] = None,
    letter_sender: Annotated[
        str | None, typer.Option(help="Return address on letters, lines separated by '|'")
    ] = None,
    letter_logo: Annotated[
        bool | None, typer.Option("--letter-logo/--no-letter-logo", help="Logo on letters")
    ] = None,
    sms_transliterate: Annotated[
        bool | None,
        typer.Option(
            "--sms-transliterate/--no-sms-transliterate",
            help="Replace ë, curly quotes … so SMS stay 160-character GSM-7",
        ),
    ] = None,
    retention_days: Annotated[
        int | None, typer.Option(help="Days message bodies are kept (default 90)")
    ] = None,
) -> None:
    """Change an organisation's settings."""
    settings = get_settings()

    async def work() -> None:
        async with session_for(settings) as session:
            await update_organisation(
                session,
                org,
                sms_sender=sms_sender,
                letter_sender=letter_sender,
                letter_logo=letter_logo,
                sms_transliterate=sms_transliterate,
                retention_days=retention_days,
            )
            await session.commit()

    run(work)
    console.print("organisation updated")


@key_app.command("create")
def api_key_create(
    org: Annotated[str, typer.Option(help="The organisation's id")],
    name: Annotated[str, typer.Option(help="A name for the key, e.g. 'crm'")],
    type: Annotated[str, typer.Option(help="live, team or test")] = "live",
    role: Annotated[
        str, typer.Option(help="admin, social-worker, partner or water-company")
    ] = "admin",
    partner: Annotated[str | None, typer.Option(help="A partner key: the partner's id")] = None,
    water_company: Annotated[
        str | None, typer.Option(help="A water company key: e.g. 'De Watergroep'")
    ] = None,
) -> None:
    """Create an API key and print it. It is shown once; keep it somewhere safe."""
    if type not in KEY_TYPES:
        fail(f"--type must be one of {', '.join(KEY_TYPES)}", 2)
    settings = get_settings()

    async def work() -> str:
        async with session_for(settings) as session:
            issued = await issue_key(
                session,
                secret_box(settings),
                organisation_id=org,
                name=name,
                key_type=type,
                role=role,
                partner_id=partner,
                water_company=water_company,
            )
            await session.commit()
            return issued.combined

    print(run(work))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="API processes sharing the port (default: MESSENGER_API_WORKERS, else 1). "
            "Above 1 needs REDIS_URL and runs no worker: start `messenger worker` beside it.",
        ),
    ] = None,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Run the HTTP API. Without REDIS_URL it also runs Redis and a worker in this process;
    with --workers N (REDIS_URL set) it runs N API processes on the port and no worker.

    SIGTERM or Ctrl-C stops it in order and exits 0: the API takes no new requests, running
    jobs finish, then the embedded Redis stops."""
    from messenger.cli.runner import running_api, running_worker, settle_heap

    settings = get_settings()
    processes = workers or settings.api_workers
    if processes > 1:
        _serve_processes(settings, host, port, processes, migrate_first=migrate_first)
        return

    async def work() -> None:
        if migrate_first:
            await upgrade(settings)
        with redis_url(settings) as url:
            async with running_api(settings, url, host=host, port=port) as server:
                console.print(f"Messenger API on http://{host}:{port} (docs at /docs)")
                if settings.redis_url:
                    settle_heap()
                    await _until_stopped(server)
                else:
                    async with running_worker(settings, url):
                        console.print("embedded Redis and a worker run in this process")
                        settle_heap()
                        await _until_stopped(server)

    _run_forever(work)


def _serve_processes(
    settings: Settings, host: str, port: int, processes: int, *, migrate_first: bool
) -> None:
    """The API alone, in several processes. They cannot share an embedded Redis (it lives and
    dies with one process) and the queue must reach the workers, so REDIS_URL is required.
    Migrations run here, once, before any API process starts."""
    from messenger.cli.runner import run_api_processes

    if not settings.redis_url:
        fail(
            f"{processes} API processes need REDIS_URL: they share one Redis with the "
            "workers (`messenger worker`). Without it, serve runs one process, with an "
            "embedded Redis and a worker."
        )
    if migrate_first:
        run(lambda: upgrade(settings))
    secret_box(settings)  # without MESSENGER_SECRET_KEY: var/secret.key, made here, not raced
    console.print(f"Messenger API on http://{host}:{port} in {processes} processes (docs at /docs)")
    if not run_api_processes(host=host, port=port, workers=processes):
        fail("an API process could not start (its error is above); stopped", 3)
    console.print("stopped")


@app.command()
def worker(
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Run a queue worker (REDIS_URL, or the embedded Redis of a running `messenger serve`).

    It rides out Redis restarts by itself; SIGTERM or Ctrl-C lets running jobs finish."""
    from worker.supervisor import run_supervised

    settings = get_settings()
    url = settings.redis_url or running_embedded_url(settings)
    if not url or not _answers(url):
        fail("set REDIS_URL, or start `messenger serve` first (it runs a worker too).")
    if migrate_first:
        run(lambda: upgrade(settings))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signal_number, stop.set)
        await run_supervised(settings, url, stop)

    run(work)
    console.print("worker stopped")


@app.command("smtp-inbound")
def smtp_inbound(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 2525,
) -> None:
    """Receive replies and bounces over SMTP (point the MX or relay for the reply domain here)."""
    from messenger.inbound.smtp_receiver import serve_smtp

    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(lambda: upgrade(settings))
    console.print(f"listening for inbound mail on {host}:{port}")
    _run_forever(lambda: serve_smtp(settings, host, port))


demo_app = typer.Typer(
    help="Send one SMS, one email and one letter end to end; `demo lac`: one LAC session."
)
app.add_typer(demo_app, name="demo")


@demo_app.callback(invoke_without_command=True)
def demo(ctx: typer.Context) -> None:
    """Send one SMS, one email and one letter end to end and show where they landed."""
    if ctx.invoked_subcommand is not None:
        return
    from messenger.cli.demo import print_results, run_demo, succeeded

    settings = get_settings()
    results = run(lambda: run_demo(settings, console))
    print_results(results, console)
    if not succeeded(results):
        raise typer.Exit(1)


@demo_app.command("lac")
def demo_lac() -> None:
    """One LAC session from the case list to the 30-day check-in, on a simulated clock."""
    from messenger.cli.demo_lac import LacDemo, print_timeline

    demo = LacDemo(get_settings(), console)
    print_timeline(run(demo.run), demo.folder, console)


def _answers(url: str) -> bool:
    """A Redis that answers PING within 2 s (a killed `serve` leaves a stale redis.url)."""

    async def ping() -> bool:
        client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(await client.ping())
        except (RedisError, OSError):
            return False
        finally:
            await client.aclose()

    return asyncio.run(ping())


async def _until_stopped(server: uvicorn.Server) -> None:
    # uvicorn sets `should_exit` when it stops by itself; it offers no event to wait on.
    try:
        while not server.should_exit:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
    finally:
        # Stopped by a signal (a cancel): from now on the API takes no new connections and
        # answers the requests it has, while the worker finishes its running jobs.
        server.should_exit = True


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _run_forever(work: Callable[[], Awaitable[None]]) -> None:
    """Run a long-lived command until SIGTERM (systemd, `docker stop`) or SIGINT (Ctrl-C).

    Either signal cancels `work`, so every `finally` and context manager in it runs: the API
    stops, the worker lets its running jobs finish, the embedded Redis stops and its
    `redis.url` goes. A stop that was asked for is a clean exit: 0. A second signal while
    stopping stops the worker's running jobs at once (they run again later).
    The handlers are set explicitly, so this holds for PID 1 in a container too: the kernel
    drops every signal PID 1 has no handler for."""
    received: list[int] = []

    async def until_signal() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def stop(signal_number: int) -> None:
            received.append(signal_number)
            task.cancel()

        for signal_number in STOP_SIGNALS:
            loop.add_signal_handler(signal_number, stop, signal_number)
        try:
            await work()
        except asyncio.CancelledError:
            if not received:
                raise
            task.uncancel()
        finally:
            for signal_number in STOP_SIGNALS:
                loop.remove_signal_handler(signal_number)

    with contextlib.suppress(KeyboardInterrupt):  # a Ctrl-C before the handlers were set
        run(until_signal)
    console.print("stopped")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
