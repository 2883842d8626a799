"""Inbound email: tell replies, bounces, delays and auto-replies apart, and find our message.

Pure functions on raw RFC 822 bytes, as they come from a webhook or our SMTP listener. A message
is found again by the TOKEN in reply+TOKEN@ / bounces+TOKEN@ and by our own message ids (DSN
ENVID, the Message-ID of a returned original, In-Reply-To / References). Mail from the outside
is often malformed, so nothing here may raise: the worst case is a "reply" with what was read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from email import message_from_bytes
from email.header import decode_header
from email.message import Message
from email.parser import HeaderParser
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Literal

InboundKind = Literal["reply", "bounce", "delay", "auto-reply"]
# kind, status, permanent, diagnostic
_Verdict = tuple[InboundKind, str | None, bool | None, str]

MAX_TEXT = 5000
MAX_DIAGNOSTIC = 200
TOKEN_HEADERS = ("to", "cc", "delivered-to", "x-original-to")
TEXT_TYPES = ("text/plain", "text/html")
DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")
ORIGINAL_TYPES = ("message/rfc822", "message/global", "text/rfc822-headers")

_TOKEN = re.compile(r"(?<![\w.+-])(?:reply|bounces)\+([0-9a-f]{16})@([a-z0-9.-]+)", re.I)
_ANGLE_ID = re.compile(r"<([^<>@\s]+)@([^<>\s]+)>")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# RFC 3463 codes ("5.1.1", not the tail of an IP address) and bare SMTP replies ("550 No such").
_ENHANCED = re.compile(r"(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")
_BASIC = re.compile(r"(?<![\w.])([45][0-5]\d)(?=[ -][A-Za-z<#])")
_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")
_DAEMON = re.compile(r"^(?:mailer-daemon|postmaster)(?:@|$)", re.I)
# Anchored at the start: a client's answer to a bounce starts with "Re:" / "Antw:".
_BOUNCE_SUBJECT = re.compile(
    r"(?i)^\s*(?:undeliver|returned mail|delivery status notification \((?:failure|delay)\)"
    r"|(?:mail )?delivery (?:has )?failed|delivery failure|failure notice|delayed mail"
    r"|delivery delayed|onbestelbaar|niet bezorgd|vertraagd|non remis|non distribuable)"
)
_DELAY_SUBJECT = re.compile(r"delay|still being retried|vertraagd|retard", re.I)
_AUTO_SUBJECT = re.compile(
    r"(?i)^\s*(?:automatisch antwoord|automatische reactie|afwezig|out of office"
    r"|automatic reply|auto[- ]?reply|r[ée]ponse automatique)\b"
)
# Where a bounce's copy of the returned original starts: no status is read beyond it.
_ORIGINAL_START = re.compile(
    r"(?im)^\s*(?:(?:received|return-path|message-id|mime-version)\s*:|-{3,}\s*original message)"
)
# Quote headers of common mail clients; a digit (the date) keeps "Op maandag schreef ik:" out.
_ATTRIBUTION = re.compile(
    r"(?i)^(?:on\s.*\d.*\swrote|op\s.*\d.*\s(?:schreef|geschreven)\b.*|le\s.*\d.*\sa\s+écrit"
    r"|am\s.*\d.*\sschrieb\b.*)\s*:$"
)
_SEPARATOR = re.compile(
    r"(?i)^-{3,}\s*(?:original message|oorspronkelijk bericht|message d'origine)\s*-{3,}$"
)
_BLOCK_FROM = re.compile(r"(?i)^\*?(?:van|from|de)\*?\s*:\s*\S")
_BLOCK_NEXT = re.compile(
    r"(?i)^\*?(?:verzonden|datum|aan|onderwerp|sent|date|to|subject|envoyé|à|objet)\*?\s*:"
)
_RULE = re.compile(r"^[-_=*]{4,}$")


@dataclass(frozen=True)
class InboundMail:
    kind: InboundKind
    tokens: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    # The From address, lower-cased.
    sender: str = ""
    subject: str = ""
    # Replies and auto-replies: the new text only. Bounces: empty (it quotes the address).
    text: str = ""
    # Bounces and delays: the DSN status ("5.1.1"), or an SMTP code found in the text ("550").
    status: str | None = None
    permanent: bool | None = None
    # Short and without email addresses: it goes into the message history.
    diagnostic: str = ""


def parse_inbound(
    raw: bytes,
    *,
    envelope_recipients: Sequence[str] = (),
    message_id_domain: str,
    reply_domain: str | None = None,
) -> InboundMail:
    tokens = our_tokens(envelope_recipients, reply_domain)
    try:
        return _parse(raw, tokens, message_id_domain, reply_domain)
    except Exception:  # last line of defence: one odd mail must not stop the inbound queue
        return InboundMail(kind="reply", tokens=tokens)


def _parse(
    raw: bytes, envelope_tokens: tuple[str, ...], id_domain: str, reply_domain: str | None
) -> InboundMail:
    msg = message_from_bytes(raw)  # compat32: lenient, records defects instead of raising
    sender = parseaddr(_header(msg, "from"))[1].lower()
    subject = _header(msg, "subject")[:1000]
    tokens = _unique([*envelope_tokens, *our_tokens(_headers(msg, TOKEN_HEADERS), reply_domain)])
    leaves = list(_leaves(msg))
    replied_to = our_ids(_headers(msg, ("in-reply-to", "references")), id_domain)

    fields = [f for leaf in leaves if leaf.get_content_type() in DSN_TYPES for f in _dsn(leaf)]
    recipients = [f for f in fields if "action" in f]
    verdict = _worst_recipient(recipients)
    bounced = _DAEMON.match(sender) or _BOUNCE_SUBJECT.match(subject)
    # Only a DSN without recipient fields (or no DSN) leaves the verdict to the text.
    if not (verdict or recipients) and (bounced or _header(msg, "x-failed-recipients")):
        verdict = _from_text(_first_text(leaves), subject)
    if verdict is not None:
        envids = [_xtext(f.get("original-envelope-id", "")) for f in fields]
        texts = "\n".join(_part_text(p) for p in leaves if p.get_content_type() in TEXT_TYPES)
        found = [
            *(envid.lower() for envid in envids if _UUID.match(envid)),
            *our_ids([f.get("x-original-message-id", "") for f in fields], id_domain),
            *our_ids(_original_message_ids(leaves), id_domain),
            *our_ids(re.findall(r"Message-I[Dd]:\s*(<[^<>]+>)", texts), id_domain),
            *replied_to,
        ]
        return InboundMail(verdict[0], tokens, _unique(found), sender, subject, "", *verdict[1:])
    text = _strip_quotes(_first_text(leaves))
    # A report that is no failure or delay (a read receipt, a "delivered" DSN) isn't the client.
    automatic = msg.get_content_type() == "multipart/report" or _looks_automatic(msg, subject)
    kind: InboundKind = "auto-reply" if automatic else "reply"
    return InboundMail(kind, tokens, _unique(replied_to), sender, subject, text)


def _header(msg: Message, name: str) -> str:
    return next(iter(_headers(msg, (name,))), "")


def _headers(msg: Message, names: tuple[str, ...]) -> list[str]:
    # raw_items: compat32 hands out Header objects for raw 8-bit values; we decode ourselves.
    return [_decode_header(v) for k, v in msg.raw_items() if k.lower() in names]


def _decode_header(value: str) -> str:
    text = _decode(value.encode("utf-8", "surrogateescape"), None)
    try:
        parts = decode_header(text)
    except Exception:  # a broken encoded word: keep it as written
        parts = [(text, None)]
    return " ".join("".join(_decode(p, c) if isinstance(p, bytes) else p for p, c in parts).split())


def _decode(data: bytes, charset: str | None) -> str:
    """Declared charset, else UTF-8, else Windows-1252: senders lie about charsets."""
    if (charset or "").lower() in ("iso-8859-1", "latin-1", "latin1"):
        charset = "cp1252"  # as browsers do: Outlook labels its en dashes and quotes latin-1
    for candidate in (charset, "utf-8"):
        try:
            return data.decode(candidate or "utf-8")
        except (LookupError, ValueError):  # unknown, or a NUL in its name
            pass
    return data.decode("cp1252", errors="replace")


def our_tokens(values: Iterable[str], reply_domain: str | None) -> tuple[str, ...]:
    """The tokens of our reply+TOKEN@ / bounces+TOKEN@ addresses among these values."""
    domain = (reply_domain or "").lower()
    pairs = (pair for value in values for pair in _TOKEN.findall(value))
    ours = (t.lower() for t, host in pairs if not domain or host.lower().rstrip(".") == domain)
    return _unique(ours)


def our_ids(values: Iterable[str], domain: str) -> list[str]:
    """Bare ids of `<id@domain>` for our own domain only: other ids are someone else's."""
    pairs = (pair for value in values for pair in _ANGLE_ID.findall(value))
    return [local for local, host in pairs if host.lower() == domain.lower()]


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _redact(text: str) -> str:
    return _ADDRESS.sub("[address]", " ".join(text.split()))[:MAX_DIAGNOSTIC]


def _payload(part: Message, *, decode: bool = False) -> object:
    try:
        return part.get_payload(decode=True) if decode else part.get_payload()
    except (LookupError, ValueError):  # the stdlib decodes with a charset parameter it trusts
        return None


def _leaves(part: Message, depth: int = 0) -> Iterator[Message]:
    """Non-multipart parts, without descending into attached messages (their text isn't ours)."""
    payload = _payload(part)
    if part.get_content_maintype() == "multipart" and isinstance(payload, list) and depth < 20:
        for child in (c for c in payload if isinstance(c, Message)):
            yield from _leaves(child, depth + 1)
    else:
        yield part


def _part_text(part: Message) -> str:
    data = _payload(part, decode=True)
    text = _decode(data, part.get_content_charset()) if isinstance(data, bytes) else ""
    return _html_to_text(text) if part.get_content_type() == "text/html" else text


def _first_text(leaves: list[Message]) -> str:
    """The text/plain body, else the HTML body as text; attachments don't count."""
    bodies = [
        p
        for p in leaves
        if p.get_content_type() in TEXT_TYPES
        and not str(p.get("content-disposition", "")).lower().startswith("attachment")
    ]
    bodies.sort(key=lambda p: p.get_content_type() != "text/plain")  # stable: plain first
    return _part_text(bodies[0]) if bodies else ""


def _original_message_ids(leaves: list[Message]) -> list[str]:
    ids: list[str] = []
    for part in (p for p in leaves if p.get_content_type() in ORIGINAL_TYPES):
        payload = _payload(part)
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            headers = payload[0]
        else:  # text/rfc822-headers: only the header block of the original
            headers = HeaderParser().parsestr(_part_text(part), headersonly=True)
        ids += _headers(headers, ("message-id",))
    return ids


def _dsn(part: Message) -> list[dict[str, str]]:
    """The field groups of a DSN (RFC 3464 §2): per-message first, then one per recipient."""
    payload = _payload(part)
    if isinstance(payload, list):  # the stdlib parses message/delivery-status into groups
        groups = [m for m in payload if isinstance(m, Message)]
        text = "\n\n".join(p for m in groups if isinstance(p := _payload(m), str))
    else:  # message/global-delivery-status, or an encoded part: read the groups ourselves
        groups, text = [], _part_text(part)
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        if block.strip():
            groups.append(HeaderParser().parsestr(block.strip() + "\n", headersonly=True))
    return [{k.lower(): _decode_header(v) for k, v in g.raw_items()} for g in groups]


def _worst_recipient(fields: list[dict[str, str]]) -> _Verdict | None:
    """Failed 5.x.x beats failed 4.x.x beats delayed: the message's fate is its worst recipient."""
    ranked: list[tuple[int, _Verdict]] = []
    for f in fields:
        action = f.get("action", "").lower()
        codes = _ENHANCED.findall(f.get("status", "") + " " + f.get("diagnostic-code", ""))
        status = codes[0] if codes else None
        diagnostic = _redact(re.sub(r"^[\w-]+\s*;\s*", "", f.get("diagnostic-code", "")))
        if action.startswith("failed"):
            permanent = None if status is None else status.startswith("5")
            ranked.append((2 + bool(permanent), ("bounce", status, permanent, diagnostic)))
        elif action.startswith("delayed"):
            ranked.append((1, ("delay", status, False, diagnostic)))
    return max(ranked, key=lambda r: r[0])[1] if ranked else None


def _from_text(text: str, subject: str) -> _Verdict:
    """A bounce without a DSN part: read the code from the text before the returned original."""
    start = _ORIGINAL_START.search(text)
    notice = text[: start.start()] if start else text
    match = _ENHANCED.search(notice) or _BASIC.search(notice)
    status = match.group(1) if match else None
    diagnostic = ""
    if match:  # the line that holds the code
        line_start = notice.rfind("\n", 0, match.start()) + 1
        diagnostic = _redact(notice[line_start:].split("\n", 1)[0])
    if _DELAY_SUBJECT.search(subject) and not (status or "").startswith("5"):
        return "delay", status, False, diagnostic
    return "bounce", status, True if (status or "").startswith("5") else None, diagnostic


def _xtext(value: str) -> str:
    """ENVID travels as xtext (RFC 3461 §4): "+" and two hex digits for special characters."""
    decoded = re.sub(r"\+([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)
    return decoded.strip().strip("<>")


def _looks_automatic(msg: Message, subject: str) -> bool:
    submitted = _header(msg, "auto-submitted").lower()  # RFC 3834: anything but "no"
    return bool(
        (submitted and not submitted.startswith("no"))
        or _header(msg, "x-autoreply")
        or _header(msg, "x-autorespond")
        or _header(msg, "precedence").lower() in ("auto_reply", "bulk", "junk")
        or _AUTO_SUBJECT.match(subject)
    )


def _strip_quotes(text: str) -> str:
    """The new text of a reply: up to the first quote header, without "> " lines."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept: list[str] = []
    for i, line in enumerate(lines):
        if _is_quote_header(lines, i):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    while kept and (not kept[-1].strip() or _RULE.match(kept[-1].strip())):
        kept.pop()  # blank lines and the "____" rule Outlook puts above its "Van:" block
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()[:MAX_TEXT]


def _is_quote_header(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if _SEPARATOR.match(line):
        return True
    if _BLOCK_FROM.match(line):
        return any(_BLOCK_NEXT.match(n.strip()) for n in lines[i + 1 : i + 5])
    if re.match(r"(?:on|op|le|am)\s", line, re.I):
        # Clients wrap a long "On … wrote:" line, so try it joined with the next one or two.
        joined = (" ".join(p.strip() for p in lines[i : i + 1 + n]) for n in range(3))
        return any(len(j) < 400 and _ATTRIBUTION.match(j) for j in joined)
    return False


_BREAKS = dict.fromkeys(("div", "li", "tr", "ul", "ol", "hr", "table"), 1) | dict.fromkeys(
    ("p", "h1", "h2", "h3", "h4", "pre", "blockquote"), 2
)
_HIDDEN = ("head", "style", "script", "title")


class _HtmlText(HTMLParser):
    """Just enough HTML to text for mail: blocks become lines, blockquotes become "> " lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.newlines = self.hidden = self.quote = 0

    def _break(self, count: int) -> None:
        if self.out and self.newlines < count:
            self.out.append("\n" * (count - self.newlines))
            self.newlines = count

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <body> ends an unclosed <head>, which must not hide the whole mail.
        self.hidden = 0 if tag == "body" else self.hidden + (tag in _HIDDEN)
        self._break(self.newlines + 1 if tag == "br" else _BREAKS.get(tag, 0))
        self.quote += tag == "blockquote"

    def handle_endtag(self, tag: str) -> None:
        self.hidden = max(0, self.hidden - (tag in _HIDDEN))
        self.quote = max(0, self.quote - (tag == "blockquote"))
        self._break(_BREAKS.get(tag, 0))

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data)
        if self.hidden or (not text.strip() and self.newlines):
            return
        if self.newlines or not self.out:
            text = "> " * self.quote + text.lstrip()
        self.out.append(text)
        self.newlines = 0


def _html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "\n".join(line.strip() for line in "".join(parser.out).split("\n"))
