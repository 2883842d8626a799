"""Email through an SMTP relay, with aiosmtplib and a small pool of reused connections.

The message is the one `build_email` makes (the sandbox writes the same bytes to a file).
The envelope sender is the VERP return path (bounces+TOKEN@domain), so a bounce finds its
message; DSN is asked for only when the relay advertises it (aiosmtpd and others answer 555
to DSN parameters they do not know).

One aiosmtplib connection serialises its sends behind a lock, so parallel sends need several
connections: at most `pool_size`, opened lazily, each used by one send at a time. A
connection idle for more than NOOP_AFTER_IDLE_SECONDS is NOOP-checked before reuse, because
relays close idle sessions (Postfix after 300 s) and the first sign of that may only come
when we write; a failed check costs a new connection, never a failed send. One in steady use
is not: a NOOP per message cost a round trip and a fifth of the client's time (issue 16).
A channel belongs to the event loop that first uses it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from types import TracebackType
from typing import Literal

import aiosmtplib

from channels.base import (
    ChannelError,
    Handover,
    Kind,
    NotHandedOver,
    OutgoingMessage,
    PermanentError,
    SendResult,
    TransientError,
    hand_over,
)
from channels.email_mime import build_email

# "550 5.1.1 ..." → "5.1.1": the enhanced status code says why, without personal data.
ENHANCED_CODE = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
# Authentication / encryption required (RFC 4954, 3207), even when answered to MAIL FROM:
# our relay setup is wrong, not the address, so these stay transient like a refused login.
SETUP_CODES = frozenset({530, 534, 535, 538})
NOOP_TIMEOUT_SECONDS = 5.0
# Well under the shortest idle timeouts seen on relays (30 s and up).
NOOP_AFTER_IDLE_SECONDS = 10.0
QUIT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, kw_only=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    # "starttls" refuses a relay without STARTTLS rather than silently sending in the clear.
    security: Literal["starttls", "tls", "none"] = "starttls"
    timeout_seconds: float = 30
    pool_size: int = 4
    validate_certs: bool = True
    message_id_domain: str


def xtext(value: str) -> str:
    """RFC 3461 §4: printable ASCII except '+' and '=' as is, everything else as +HH."""
    return "".join(
        c if 33 <= ord(c) <= 126 and c not in "+=" else f"+{b:02X}"
        for c in value
        for b in c.encode()
    )


def classify(exc: BaseException) -> ChannelError:
    """An aiosmtplib or network error as TransientError / PermanentError.

    Reasons hold the reply code and a fixed text, never the server's text: that often
    quotes the address. Refusals of the session itself (greeting, EHLO, login, STARTTLS)
    are transient even with a 5xx: they say our relay setup is wrong, not the address,
    and retries give an operator time to fix it before the message gives up.
    """
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        # Permanent only when every refusal is; one 4xx means a later try may pass.
        refusals = sorted(exc.recipients, key=lambda refused: refused.code >= 500)
        if not refusals:
            return TransientError("smtp recipient refused")
        return _by_code(refusals[0].code, refusals[0].message, "recipient refused")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        code, text = exc.code, exc.message
        if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
            return _by_code(code, text, "recipient refused")
        if isinstance(exc, aiosmtplib.SMTPSenderRefused):
            return _by_code(code, text, "sender refused")
        if isinstance(exc, aiosmtplib.SMTPDataError):
            return _by_code(code, text, "message refused")
        if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
            return TransientError(f"smtp {code} login refused", code=str(code))
        if isinstance(exc, aiosmtplib.SMTPConnectResponseError | aiosmtplib.SMTPHeloError):
            return TransientError(f"smtp {code} session refused", code=str(code))
        return _by_code(code, text, "command refused")
    if isinstance(exc, TimeoutError):  # SMTPTimeoutError too
        return TransientError("smtp timeout")
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return TransientError("smtp connection lost")
    if isinstance(exc, aiosmtplib.SMTPConnectError | OSError):
        return TransientError("smtp server unreachable")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        # e.g. a non-ASCII address and a relay without SMTPUTF8: retrying will not help.
        return PermanentError("smtp address not supported by relay")
    if isinstance(exc, aiosmtplib.SMTPException):
        # e.g. no STARTTLS or no AUTH on offer: a setup problem, as above.
        return TransientError("smtp session error")
    if isinstance(exc, ValueError | UnicodeError):
        # aiosmtplib refuses addresses it cannot quote safely before it sends anything.
        return PermanentError("smtp invalid address")
    return TransientError(f"smtp unexpected {type(exc).__name__}")


def _by_code(code: int, text: str, what: str) -> ChannelError:
    match = ENHANCED_CODE.match(text)
    reason = f"smtp {code} {match.group(1)} {what}" if match else f"smtp {code} {what}"
    if 500 <= code <= 599 and code not in SETUP_CODES:
        return PermanentError(reason, code=str(code))
    return TransientError(reason, code=str(code))


class SmtpEmailChannel:
    kind: Kind = "email"
    name = "smtp"

    def __init__(self, config: SmtpConfig) -> None:
        if config.pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.config = config
        self._slots = asyncio.Semaphore(config.pool_size)
        # Idle connections, with when each was last used (the event loop's clock).
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._closed = False

    async def send(self, message: OutgoingMessage, handover: Handover | None = None) -> SendResult:
        if self._closed:
            raise TransientError("smtp channel closed")
        mime = build_email(message, message_id_domain=self.config.message_id_domain)
        message_id = str(mime["Message-ID"])
        sender = message.return_path or parseaddr(str(mime["From"]))[1]
        recipient = parseaddr(message.to)[1] or message.to
        async with self._slots:
            smtp: aiosmtplib.SMTP | None = None
            reusable = False
            try:
                async with asyncio.timeout(self.config.timeout_seconds):
                    smtp = await self._checkout()
                    # Only now, with a working connection, is the message given away.
                    await hand_over(handover)
                    mail_options, rcpt_options = _dsn_options(smtp, message, recipient)
                    await smtp.send_message(
                        mime,
                        sender=sender,
                        recipients=[recipient],
                        mail_options=mail_options,
                        rcpt_options=rcpt_options,
                    )
                reusable = True
            except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused) as exc:
                # A refusal leaves the session usable: aiosmtplib has sent RSET.
                reusable = True
                raise classify(exc) from None
            except NotHandedOver:
                reusable = True
                raise
            except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
                # `from None`: the original error's text may quote the address.
                raise classify(exc) from None
            finally:
                if smtp is not None:
                    self._checkin(smtp, reusable=reusable)
        return SendResult(provider_reference=message_id, status="sent", detail="smtp 250 accepted")

    async def lookup(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        """SMTP has no way to ask a relay whether it has a message: always unknown."""
        return None

    async def aclose(self) -> None:
        """Say QUIT on idle connections; busy ones close when their send ends."""
        self._closed = True
        idle, self._idle = self._idle, []
        for smtp, _ in idle:
            try:
                async with asyncio.timeout(QUIT_TIMEOUT_SECONDS):
                    await smtp.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                pass
            finally:
                smtp.close()

    async def __aenter__(self) -> SmtpEmailChannel:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _checkout(self) -> aiosmtplib.SMTP:
        while self._idle:
            smtp, last_used = self._idle.pop()
            if not smtp.is_connected:
                smtp.close()
                continue
            if asyncio.get_running_loop().time() - last_used < NOOP_AFTER_IDLE_SECONDS:
                return smtp
            try:
                await smtp.noop(timeout=min(NOOP_TIMEOUT_SECONDS, self.config.timeout_seconds))
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()
                continue
            except BaseException:
                smtp.close()  # cancelled (the send's timeout): do not leak the socket
                raise
            return smtp
        return await self._connect()

    def _checkin(self, smtp: aiosmtplib.SMTP, *, reusable: bool) -> None:
        if reusable and smtp.is_connected and not self._closed:
            self._idle.append((smtp, asyncio.get_running_loop().time()))
        else:
            smtp.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        config = self.config
        # A fresh SMTP object per connection: aiosmtplib objects keep state across close().
        smtp = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password if config.username else None,
            timeout=config.timeout_seconds,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            validate_certs=config.validate_certs,
        )
        try:
            await smtp.connect()
            # EHLO now (connect skips it when there is no STARTTLS or login), so the
            # extensions, DSN among them, are known before the first MAIL FROM.
            if smtp.is_ehlo_or_helo_needed:
                try:
                    await smtp.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await smtp.helo()
        except BaseException:
            smtp.close()
            raise
        return smtp


def _dsn_options(
    smtp: aiosmtplib.SMTP, message: OutgoingMessage, recipient: str
) -> tuple[list[str], list[str]]:
    """RFC 3461 parameters, only if the relay offers DSN: failures and delays come back with
    the headers only (no body: personal data), tagged with our message id."""
    if not smtp.supports_extension("dsn"):
        return [], []
    mail_options = ["RET=HDRS", f"ENVID={xtext(message.message_id)}"]
    rcpt_options = ["NOTIFY=FAILURE,DELAY"]
    if recipient.isascii():
        # A non-ASCII address needs the utf-8 address type of RFC 6533; leave ORCPT out.
        rcpt_options.append(f"ORCPT=rfc822;{xtext(recipient)}")
    return mail_options, rcpt_options
