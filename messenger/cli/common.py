"""What every `messenger` command shares: one-line errors, running async work, a session."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from redis.exceptions import RedisError
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform import migrate
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.settings import Settings

console = Console()
T = TypeVar("T")


class CliError(Exception):
    """Shown as one line, no traceback."""


def wide(console: Console, width: int = 160) -> Console:
    """Tables at full width even when the output is not a wide terminal (a pipe, a log)."""
    return console if console.width >= width else Console(width=width)


def fail(message: str, code: int = 1) -> NoReturn:
    """One plain line on stderr: no markup, no wrapping, no traceback."""
    typer.echo(f"Error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code)


def run(work: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except (CliError, ValueError, LookupError) as exc:
        fail(str(exc))
    except (OSError, SQLAlchemyError, RedisError) as exc:
        # Connection details can hold passwords: name the kind of failure, not the URL.
        fail(
            f"cannot reach a service Messenger needs ({type(exc).__name__}); "
            "check DATABASE_URL and REDIS_URL"
        )
    except ImportError as exc:
        fail(f"a driver is missing ({exc.name}); check DATABASE_URL")


async def upgrade(settings: Settings) -> None:
    engine = create_engine(settings.database)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def session_for(
    settings: Settings, *, migrate_first: bool = True
) -> AsyncIterator[AsyncSession]:
    """A session on an up-to-date database, for one command."""
    if migrate_first:
        await upgrade(settings)
    engine = create_engine(settings.database)
    try:
        async with create_sessions(engine)() as session:
            yield session
    finally:
        await engine.dispose()
