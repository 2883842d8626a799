"""An outgoing email as a real RFC 822 message: multipart text + HTML, our own Message-ID.

The sandbox writes it to a file; the SMTP channel sends the very same message.

Built with the `email.mime` classes and the compat32 policy: the default policy parses every
header through a class it builds on the fly, which made building and flattening one message
cost 3–12 ms, most of the worker's time per email (issue 16); this costs well under 1 ms.
Non-ASCII in the subject or a display name goes out as RFC 2047 encoded words, and the
bodies as quoted-printable UTF-8, so every line stays short and readable in the source.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, getaddresses
from html import escape

from channels.base import OutgoingMessage

HTML_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; max-width: 36em">
{body}
</body>
</html>
"""

UTF8_QP = charset.Charset("utf-8")
UTF8_QP.header_encoding = charset.QP
UTF8_QP.body_encoding = charset.QP


def message_id_header(message_id: str, domain: str) -> str:
    """Stable per message, so a bounce or a reply that quotes it finds the message again."""
    return f"<{message_id}@{domain}>"


def one_line(value: str) -> str:
    """A header is one line: a line break in a value would start a header of its own (the
    compat32 policy, unlike the default one, does not refuse it)."""
    return " ".join(value.splitlines())


def header_value(value: str) -> str | Header:
    """ASCII as it is; anything else as encoded words (RFC 2047)."""
    value = one_line(value)
    return value if value.isascii() else Header(value, UTF8_QP)


def address_header(value: str) -> str:
    """`Name <address>` with a non-ASCII name encoded (RFC 2047); the address as it is."""
    value = one_line(value)
    if value.isascii():
        return value
    return ", ".join(formataddr(pair, charset=UTF8_QP) for pair in getaddresses([value]))


def _text(text: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    del part["MIME-Version"]  # once, on the whole message
    part.set_payload(text, UTF8_QP)
    return part


def _ascii_addresses(message: OutgoingMessage) -> bool:
    named = [message.to, message.sender or "", message.reply_to or ""]
    return all(address.isascii() for _, address in getaddresses(named))


def build_email(
    message: OutgoingMessage, *, message_id_domain: str, date: datetime | None = None
) -> Message:
    if not _ascii_addresses(message):
        # An address itself in UTF-8 (RFC 6531) needs the default policy's UTF-8 headers,
        # which aiosmtplib then sends with SMTPUTF8; rare enough for its cost.
        return _build_utf8(message, message_id_domain=message_id_domain, date=date)
    plain = _text(message.body + "\n", "plain")
    email: Message = plain
    if message.html:
        page = HTML_PAGE.format(
            lang=message.language, title=escape(message.subject or ""), body=message.html
        )
        email = MIMEMultipart("alternative")
        email.attach(plain)
        email.attach(_text(page, "html"))
    else:
        email["MIME-Version"] = "1.0"
    email["From"] = address_header(message.sender or f"noreply@{message_id_domain}")
    email["To"] = address_header(message.to)
    # compat32 takes a Header as a value (the stubs say str only).
    email["Subject"] = header_value(message.subject or "")  # type: ignore[assignment]
    email["Message-ID"] = message_id_header(message.message_id, message_id_domain)
    email["Date"] = format_datetime(date or datetime.now(UTC))
    if message.reply_to:
        email["Reply-To"] = address_header(message.reply_to)
    for name, value in message.headers.items():
        email[name] = header_value(value)  # type: ignore[assignment]
    email["Content-Language"] = message.language
    return email


def _build_utf8(
    message: OutgoingMessage, *, message_id_domain: str, date: datetime | None = None
) -> EmailMessage:
    email = EmailMessage()
    email["From"] = one_line(message.sender or f"noreply@{message_id_domain}")
    email["To"] = one_line(message.to)
    email["Subject"] = one_line(message.subject or "")
    email["Message-ID"] = message_id_header(message.message_id, message_id_domain)
    email["Date"] = format_datetime(date or datetime.now(UTC))
    if message.reply_to:
        email["Reply-To"] = one_line(message.reply_to)
    for name, value in message.headers.items():
        email[name] = one_line(value)
    email.set_content(message.body + "\n")
    if message.html:
        page = HTML_PAGE.format(
            lang=message.language, title=escape(message.subject or ""), body=message.html
        )
        email.add_alternative(page, subtype="html")
    # Last: set_content() clears every Content-* header set before it.
    email["Content-Language"] = message.language
    return email
