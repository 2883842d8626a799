"""`messenger smtp-inbound`: an SMTP listener (aiosmtpd) for replies and bounces.

It takes mail only for the reply domain (reply+…@ and bounces+…@) and hands each one to
messenger.inbound.email.receive, as the webhook does. It relays nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from messenger.inbound import email as inbound_email
from messenger.platform.db import Sessions as SessionFactory
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.settings import Settings

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


class InboundHandler:
    def __init__(self, sessions: SessionFactory, settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2].lower()
        if not self.settings.reply_domain or domain != self.settings.reply_domain.lower():
            return "550 5.7.1 Not a domain we receive mail for"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            async with self.sessions() as db:
                taken = await inbound_email.receive(
                    db, raw, settings=self.settings, envelope_recipients=envelope.rcpt_tos
                )
        except Exception:
            log.exception("inbound mail could not be stored")
            # 451: the sending server keeps the mail and tries again later.
            return "451 4.3.0 Try again later"
        log.info("inbound mail taken as %s", taken)
        return "250 OK"


async def serve_smtp(settings: Settings, host: str, port: int) -> None:
    engine = create_engine(settings.database)
    handler = InboundHandler(create_sessions(engine), settings)
    loop = asyncio.get_running_loop()

    def protocol() -> Any:
        return SMTP(handler, data_size_limit=MAX_MESSAGE_BYTES, hostname=settings.reply_domain)

    server = await loop.create_server(protocol, host=host, port=port)
    try:
        async with server:
            await server.serve_forever()
    finally:
        await engine.dispose()
