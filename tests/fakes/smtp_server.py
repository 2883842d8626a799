"""A real SMTP server for the tests: aiosmtpd in its own thread, on 127.0.0.1 and a free port.

It records every accepted envelope, counts connections, answers scripted replies, and can
advertise DSN, require AUTH and speak STARTTLS or implicit TLS with a throwaway certificate.

    async with FakeSmtpServer(dsn=True) as server:
        server.reply_next("451 4.3.0 try later")          # the next RCPT gets this answer
        server.reply_next("554 5.6.0 no", stage="DATA")   # the next DATA gets this answer
"""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Stage = Literal["MAIL", "RCPT", "DATA"]
Tls = Literal["none", "starttls", "tls"]
MAIL_DSN = frozenset({"RET", "ENVID"})
RCPT_DSN = frozenset({"NOTIFY", "ORCPT"})


@dataclass(frozen=True)
class ReceivedEnvelope:
    mail_from: str
    rcpt_tos: list[str]
    mail_options: list[str]
    rcpt_options: list[str]
    content: bytes
    login: str | None
    tls: bool

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def self_signed_context(folder: Path) -> ssl.SSLContext:
    """A server context with a fresh certificate for localhost / 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def _take_params(arg: str | None, names: frozenset[str]) -> tuple[str | None, list[str]]:
    """Split DSN parameters off a MAIL/RCPT argument, so aiosmtpd sees only what it knows."""
    if arg is None:
        return None, []
    words = arg.split(" ")
    kept = [words[0]] + [w for w in words[1:] if w.partition("=")[0].upper() not in names]
    taken = [w for w in words[1:] if w.partition("=")[0].upper() in names]
    return " ".join(kept), taken


class _DsnSMTP(SMTP):
    """aiosmtpd answers 555 to DSN parameters; with `accept_dsn` it records them instead."""

    accept_dsn = False

    async def smtp_MAIL(self, arg: str | None) -> None:
        taken: list[str] = []
        if self.accept_dsn:
            arg, taken = _take_params(arg, MAIL_DSN)
        await super().smtp_MAIL(arg)
        if taken and self.envelope is not None and self.envelope.mail_from:
            self.envelope.mail_options.extend(taken)

    async def smtp_RCPT(self, arg: str | None) -> None:
        taken: list[str] = []
        if self.accept_dsn:
            arg, taken = _take_params(arg, RCPT_DSN)
        before = len(self.envelope.rcpt_tos) if self.envelope else 0
        await super().smtp_RCPT(arg)
        if taken and self.envelope is not None and len(self.envelope.rcpt_tos) > before:
            self.envelope.rcpt_options.extend(taken)


class _Handler:
    def __init__(self, server: FakeSmtpServer) -> None:
        self.server = server

    async def handle_NOOP(self, smtp: SMTP, session: Session, envelope: Envelope, arg: str) -> str:
        self.server.noops += 1
        return "250 OK"

    async def handle_EHLO(
        self, smtp: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.server._seen(smtp)
        if self.server.dsn:
            responses.insert(len(responses) - 1, "250-DSN")
        return responses

    async def handle_MAIL(self, *args: Any) -> Any:
        return self.server._scripted("MAIL")

    async def handle_RCPT(self, *args: Any) -> Any:
        return self.server._scripted("RCPT")

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self.server._scripted("DATA")
        if reply is not MISSING:
            return str(reply)
        self.server.data_started += 1
        if self.server.data_delay:  # a slow relay: the client waits for its 250
            await asyncio.sleep(self.server.data_delay)
        auth = session.auth_data
        # STARTTLS sets session.ssl; implicit TLS shows only on the transport.
        implicit_tls = smtp.transport is not None and smtp.transport.get_extra_info("sslcontext")
        self.server.envelopes.append(
            ReceivedEnvelope(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                mail_options=list(envelope.mail_options),
                rcpt_options=list(envelope.rcpt_options),
                content=envelope.original_content or b"",
                login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
                tls=session.ssl is not None or bool(implicit_tls),
            )
        )
        return "250 2.0.0 OK queued"


class _Controller(Controller):
    def __init__(self, fake: FakeSmtpServer, **kwargs: Any) -> None:
        super().__init__(_Handler(fake), **kwargs)
        self.fake = fake

    def factory(self) -> SMTP:
        smtp = _DsnSMTP(self.handler, **self.SMTP_kwargs)
        smtp.accept_dsn = self.fake.dsn
        self.fake._live.append(smtp)
        return smtp


class FakeSmtpServer:
    def __init__(
        self, *, dsn: bool = False, auth: tuple[str, str] | None = None, tls: Tls = "none"
    ) -> None:
        self.dsn = dsn
        self.auth = auth
        self.tls = tls
        self.host = "127.0.0.1"
        self.port = free_port()
        self.envelopes: list[ReceivedEnvelope] = []
        self.noops = 0
        # Seconds the relay takes before it answers DATA; DATA commands it has begun on.
        self.data_delay = 0.0
        self.data_started = 0
        self._replies: dict[str, deque[str]] = {"MAIL": deque(), "RCPT": deque(), "DATA": deque()}
        self._seen_smtp: list[SMTP] = []
        self._live: list[SMTP] = []
        self._lock = threading.Lock()
        self._controller: _Controller | None = None

    @property
    def connections(self) -> int:
        """Client sessions that said EHLO (the controller's own start-up probe does not)."""
        return len(self._seen_smtp)

    def reply_next(self, reply: str, *, stage: Stage = "RCPT") -> None:
        self._replies[stage].append(reply)

    async def drop_connections(self) -> None:
        """Close every client connection from the server side, as a relay's idle timeout does."""
        assert self._controller is not None

        async def drop() -> None:
            for smtp in self._live:
                if smtp.transport is not None:
                    smtp.transport.close()

        future = asyncio.run_coroutine_threadsafe(drop(), self._controller.loop)
        await asyncio.wrap_future(future)

    def _seen(self, smtp: SMTP) -> None:
        with self._lock:
            if all(seen is not smtp for seen in self._seen_smtp):
                self._seen_smtp.append(smtp)

    def _scripted(self, stage: Stage) -> object:
        try:
            return self._replies[stage].popleft()
        except IndexError:
            return MISSING

    def _authenticate(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and self.auth is not None
            and (data.login.decode(), data.password.decode()) == self.auth
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    async def __aenter__(self) -> FakeSmtpServer:
        kwargs: dict[str, Any] = {"hostname": self.host, "port": self.port}
        with tempfile.TemporaryDirectory() as folder:
            context = self_signed_context(Path(folder)) if self.tls != "none" else None
        if self.tls == "tls":
            kwargs["ssl_context"] = context
        elif self.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        if self.auth:
            kwargs["authenticator"] = self._authenticate
            # aiosmtpd counts only STARTTLS as TLS; a plain test server logs in without TLS.
            kwargs["auth_require_tls"] = self.tls == "starttls"
            kwargs["auth_required"] = self.tls == "starttls"
        self._controller = _Controller(self, **kwargs)
        await asyncio.to_thread(self._controller.start)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._controller is not None:
            await asyncio.to_thread(self._controller.stop)
            self._controller = None
