"""An outgoing email as a real RFC 822 message: multipart text + HTML, our own Message-ID.

The sandbox writes it to a file; the SMTP channel sends the very same message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
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


def message_id_header(message_id: str, domain: str) -> str:
    """Stable per message, so a bounce or a reply that quotes it finds the message again."""
    return f"<{message_id}@{domain}>"


def build_email(
    message: OutgoingMessage, *, message_id_domain: str, date: datetime | None = None
) -> EmailMessage:
    email = EmailMessage()
    email["From"] = message.sender or f"noreply@{message_id_domain}"
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    email["Message-ID"] = message_id_header(message.message_id, message_id_domain)
    email["Date"] = format_datetime(date or datetime.now(UTC))
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    for name, value in message.headers.items():
        email[name] = value
    email.set_content(message.body + "\n")
    if message.html:
        page = HTML_PAGE.format(
            lang=message.language, title=escape(message.subject or ""), body=message.html
        )
        email.add_alternative(page, subtype="html")
    # Last: set_content() clears every Content-* header set before it.
    email["Content-Language"] = message.language
    return email
