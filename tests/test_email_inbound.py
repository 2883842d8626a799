"""parse_inbound on realistic raw mail (tests/fixtures/mail, written for these tests), and junk."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from channels.email_inbound import InboundMail, parse_inbound

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
ID_DOMAIN = "berichten.ocmw.example"
REPLY_DOMAIN = "antwoord.ocmw.example"
ADDRESS = re.compile(r"\S+@\S+")


@dataclass(frozen=True)
class Expected:
    kind: str
    tokens: tuple[str, ...]
    message_ids: tuple[str, ...]
    sender: str
    subject: str
    text: str = ""
    status: str | None = None
    permanent: bool | None = None
    diagnostic: str = ""


EXPECTED = {
    "bounce_postfix_user_unknown.eml": Expected(
        "bounce",
        ("3f9c2a7b1e4d8a60",),
        ("6f1c2b9e-4a7d-4e3b-9c1a-2d5e8f7a0b13",),
        "mailer-daemon@smtp.ocmw.example",
        "Undelivered Mail Returned to Sender",
        status="5.1.1",
        permanent=True,
        diagnostic="550 5.1.1 <[address]>: Recipient address rejected: User unknown in virtual"
        " mailbox table",
    ),
    "bounce_exchange_nl.eml": Expected(
        "bounce",
        ("b0d4e6f8a2c41957",),
        ("0c8e4b7a-1d3f-4a2b-8e6c-9f0a7b5d3e21",),
        "postmaster@gemeente.example",
        "Onbestelbaar: Herinnering: afspraak bij het OCMW",
        status="5.1.10",
        permanent=True,
        diagnostic="550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient [address] niet gevonden"
        " bij opzoeking van SMTP-adres",
    ),
    "bounce_gmail_failure.eml": Expected(
        "bounce",
        ("7e21c9d04ab3f586",),
        ("9a4d7e2c-5b1f-4e8a-b3c6-0d2f9e8a7b14",),
        "mailer-daemon@googlemail.com",
        "Delivery Status Notification (Failure)",
        status="5.1.1",
        permanent=True,
        diagnostic="550-5.1.1 The email account that you tried to reach does not exist. Please try",
    ),
    "bounce_nonremis_fr.eml": Expected(
        "bounce",
        ("e92b5c07f4a1d3e8",),
        ("5d3a8f21-c47e-4b09-9e6d-a1f2b3c4d5e6",),
        "postmaster@cpas-exemple.example",
        "Non remis : Invitation à un entretien",
        status="5.2.2",
        permanent=True,
        diagnostic="552 5.2.2 La boîte aux lettres de <[address]> est pleine",
    ),
    "delay_exchange_447.eml": Expected(
        "delay",
        ("c5a8e1f3d7b90246",),
        ("2b7d4f1a-8c3e-4d9b-a6f0-1e5c7b3d9a28",),
        "postmaster@cpas.example",
        "Delivery delayed: Uitnodiging LAC",
        status="4.4.7",
        permanent=False,
        diagnostic="400 4.4.7 Message delayed",
    ),
    "bounce_two_recipients.eml": Expected(
        "bounce",
        ("d18f6b3a9e2c7054",),
        ("41c8d2e7-6a3b-4f90-8e15-b7c2a9d04f63",),
        "mailer-daemon@relay.example.org",
        "Undelivered Mail Returned to Sender",
        status="5.2.1",
        permanent=True,
        diagnostic="550 5.2.1 <[address]>: Mailbox disabled for this recipient",
    ),
    "reply_nl_gmail.eml": Expected(
        "reply",
        ("3f9c2a7b1e4d8a60",),
        ("6f1c2b9e-4a7d-4e3b-9c1a-2d5e8f7a0b13",),
        "sara.peeters@example.net",
        "Re: Uitnodiging: gesprek op dinsdag 15 december",
        "Dag,\n\nIk kom dinsdag naar het gesprek. Mag mijn zus mee? Zij helpt me met de\n"
        "brieven.\n\nGroetjes\nSara",
    ),
    "reply_fr.eml": Expected(
        "reply",
        ("a4f7b2e9c1d35068",),
        ("e5b9c3a1-7d2f-4e6b-8a0c-4f1d9e2b7c35",),
        "luc.dubois@example.com",
        "Re: Rappel : votre rendez-vous à l'OCMW",
        "Bonjour,\n\nJe serai là mardi à 10 h. Merci pour le rappel.\n\nCordialement,\nLuc Dubois",
    ),
    "reply_html_only.eml": Expected(
        "reply",
        ("0f3e6d9c2b5a8174",),
        ("b83f1c6e-2a9d-4c57-8e04-d6a1f3b9c2e7",),
        "ahmed.elamrani@example.org",
        "Re: Uw brief over de waterfactuur",
        "Dag mevrouw,\n\nIk heb de brief goed ontvangen. Ik bel u morgen om 9 uur.\n\nAhmed",
    ),
    "reply_outlook_original_message.eml": Expected(
        "reply",
        ("6b2d8f0a4c1e9357",),
        ("c4d2e8f1-9a7b-4c3e-b5d6-0e1f2a3b4c5d",),
        "jan.maes@example.com",
        "RE: Uitnodiging LAC",
        "Goedemiddag,\n\nIk kan dinsdag niet komen, ik moet werken tot 16 uur. Kan het ook op"
        " woensdag?\n\nMet vriendelijke groeten,\nJan Maes",
    ),
    "reply_outlook_van_block.eml": Expected(
        "reply",
        ("9d5c1a7e3f0b2486",),
        ("f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f",),
        "fatima.ouali@example.net",
        "Antw: Na de LAC-zitting",
        "Dag mevrouw,\n\nDank u voor de uitleg. Ik teken het afbetalingsplan voor 23 december."
        "\n\nFatima",
    ),
    "auto_reply_nl_out_of_office.eml": Expected(
        "auto-reply",
        ("1a2b3c4d5e6f7089",),
        ("d7e8f9a0-b1c2-4d3e-8f4a-5b6c7d8e9f01",),
        "els.vermeulen@example.org",
        "Automatisch antwoord: Uitnodiging LAC",
        "Dag,\n\nIk ben afwezig tot en met vrijdag 18 december. Uw bericht wordt niet"
        " doorgestuurd.\n\nEls",
    ),
    "reply_latin1.eml": Expected(
        "reply",
        ("5e8a1c3f7b9d0264",),
        ("7f3a9c1e-5b2d-4e8f-a6c4-9d0b1e2f3a4c",),
        "jose.verbeeck@example.com",
        "Re: Uw gesprek over de waterfactuur – bevestiging",
        "Beste,\n\nDank u voor de uitleg. Mijn dochter Noëlle komt mee naar het gesprek, zij"
        " vertaalt voor mij. Tot dinsdag in het café naast het OCMW?\n\nGroeten,\nJosé",
    ),
    "reply_broken_charset.eml": Expected(
        "reply",
        ("8c0e2a4b6d1f3957",),
        ("3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",),
        "rene.jacobs@example.net",
        "Re: gesprek dinsdag ✔",
        "Ja, ik kom dinsdag. Dank je wel, ook voor de uitleg over de waterfactuur – nu snap ik"
        " het.\n\nRené",
    ),
}


def parse(
    raw: bytes, *, envelope_recipients: Sequence[str] = (), reply_domain: str | None = REPLY_DOMAIN
) -> InboundMail:
    return parse_inbound(
        raw,
        envelope_recipients=envelope_recipients,
        message_id_domain=ID_DOMAIN,
        reply_domain=reply_domain,
    )


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def mail(headers: str, body: str = "Hallo\n") -> bytes:
    return (headers.strip() + "\n\n" + body).encode()


def test_every_fixture_has_expectations() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name: str) -> None:
    expected = EXPECTED[name]
    result = parse(fixture(name))
    assert result.kind == expected.kind
    assert result.tokens == expected.tokens
    assert result.message_ids == expected.message_ids
    assert result.sender == expected.sender
    assert result.subject == expected.subject
    assert result.status == expected.status
    assert result.permanent is expected.permanent
    assert result.text == expected.text
    assert result.diagnostic == expected.diagnostic


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_diagnostic_holds_no_email_address(name: str) -> None:
    assert not ADDRESS.search(parse(fixture(name)).diagnostic)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_crlf_line_endings_give_the_same_result(name: str) -> None:
    raw = fixture(name)
    assert parse(raw.replace(b"\n", b"\r\n")) == parse(raw)


def test_html_part_when_there_is_no_plain_part() -> None:
    raw = fixture("reply_nl_gmail.eml")
    boundary = b"--000000000000a1b2c3d4e5f60718"
    head, _plain, html = raw.split(boundary)[:3]
    without_plain = boundary.join([head, html]) + boundary + b"--\n"
    assert parse(without_plain).text == (
        "Dag,\n\nIk kom dinsdag naar het gesprek. Mag mijn zus mee? Zij helpt me met de brieven."
        "\n\nGroetjes\nSara"
    )


OUTLOOK_HTML = """<html><head><style>p.MsoNormal{margin:0}</style></head><body lang=NL-BE>
<p class=MsoNormal>Goedemorgen,</p><p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Ik ben er dinsdag.<br>Groeten, Jan</p>
<div style='border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>Van:</b> OCMW
&lt;reply+3f9c2a7b1e4d8a60@antwoord.ocmw.example&gt;<br><b>Verzonden:</b> dinsdag 8 december
2026 10:00<br><b>Aan:</b> Jan<br><b>Onderwerp:</b> LAC</p></div><p>Dag Jan</p></body></html>"""
APPLE_HTML = """<html><body dir="auto">Prima, tot dan!<br><br><div dir="ltr">Sara</div>
<div dir="ltr"><br><blockquote type="cite">Op 8 dec. 2026 om 10:00 heeft OCMW &lt;reply+x@y&gt;
het volgende geschreven:<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">Dag
Sara, <b>welkom</b> dinsdag.</div></blockquote></body></html>"""


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (OUTLOOK_HTML, "Goedemorgen,\n\nIk ben er dinsdag.\nGroeten, Jan"),
        (APPLE_HTML, "Prima, tot dan!\n\nSara"),
    ],
)
def test_html_replies_of_other_clients(html: str, text: str) -> None:
    raw = mail("From: a@example.org\nContent-Type: text/html; charset=utf-8", html)
    assert parse(raw).text == text


def test_envelope_recipients_of_our_smtp_listener_give_the_token() -> None:
    raw = mail("From: a@example.org\nTo: Undisclosed recipients:;\nSubject: Re: brief")
    found = parse(raw, envelope_recipients=["reply+00112233aabbccdd@antwoord.ocmw.example"])
    assert found.tokens == ("00112233aabbccdd",)


def test_tokens_only_from_our_reply_domain_when_given() -> None:
    raw = mail(
        "From: a@example.org\nTo: reply+00112233aabbccdd@elders.example,"
        " REPLY+FFEEDDCCBBAA9988@Antwoord.OCMW.example\nCc: xreply+0011223344556677@x.example"
    )
    assert parse(raw).tokens == ("ffeeddccbbaa9988",)
    assert parse(raw, reply_domain=None).tokens == ("00112233aabbccdd", "ffeeddccbbaa9988")


def test_message_ids_of_other_domains_are_ignored() -> None:
    raw = mail(
        "From: a@example.org\nIn-Reply-To: <abc@elders.example>\n"
        "References: <abc@elders.example> <id-1@berichten.ocmw.example>\n"
        "    <id-2@BERICHTEN.ocmw.example> <id-1@berichten.ocmw.example>"
    )
    assert parse(raw).message_ids == ("id-1", "id-2")


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "Precedence: bulk",
        "Precedence: auto_reply",
        "Subject: Out of Office: Uitnodiging",
        "Subject: Automatisch antwoord: Uitnodiging",
        "Subject: =?utf-8?q?R=C3=A9ponse_automatique_:_Invitation?=",
        "Subject: Afwezig",
    ],
)
def test_auto_replies(headers: str) -> None:
    assert parse(mail(f"From: a@example.org\n{headers}")).kind == "auto-reply"


@pytest.mark.parametrize(
    "headers",
    ["Auto-Submitted: no", "Subject: Re: Afwezig op dinsdag", "Precedence: list"],
)
def test_replies_that_only_look_automatic(headers: str) -> None:
    assert parse(mail(f"From: a@example.org\n{headers}")).kind == "reply"


def test_success_dsn_is_no_bounce() -> None:
    raw = fixture("bounce_postfix_user_unknown.eml").replace(
        b"Action: failed", b"Action: delivered"
    )
    result = parse(raw.replace(b"Status: 5.1.1", b"Status: 2.0.0"))
    assert (result.kind, result.status, result.permanent) == ("auto-reply", None, None)


def test_failed_with_a_temporary_code_is_a_bounce_that_is_not_permanent() -> None:
    raw = fixture("bounce_postfix_user_unknown.eml").replace(b"5.1.1", b"4.4.1")
    result = parse(raw)
    assert (result.kind, result.status, result.permanent) == ("bounce", "4.4.1", False)


def test_envelope_id_in_xtext_is_decoded() -> None:
    raw = fixture("delay_exchange_447.eml").replace(b"2B7D4F1A-8C3E", b"2B7D4F1A+2D8C3E")
    assert parse(raw).message_ids == ("2b7d4f1a-8c3e-4d9b-a6f0-1e5c7b3d9a28",)


def test_non_standard_bounce_without_code() -> None:
    raw = mail(
        "From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n"
        "To: bounces+0123456789abcdef@antwoord.ocmw.example",
        "Hi. This is the qmail-send program.\nSorry, we couldn't deliver your message.\n",
    )
    result = parse(raw)
    assert (result.kind, result.status, result.permanent) == ("bounce", None, None)
    assert result.tokens == ("0123456789abcdef",)


def test_non_standard_bounce_with_basic_smtp_code() -> None:
    raw = mail(
        "From: postmaster@mx.example.org\nSubject: Undeliverable: Uitnodiging",
        "Delivery failed.\n  550 Requested action not taken: mailbox unavailable\n",
    )
    result = parse(raw)
    assert (result.kind, result.status, result.permanent) == ("bounce", "550", True)
    assert result.diagnostic == "550 Requested action not taken: mailbox unavailable"


def test_non_standard_delay_warning() -> None:
    raw = mail(
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
        "Subject: Delivery Status Notification (Delay)",
        "Delivery to the following recipient has been delayed:\n\n     x@example.com\n\n"
        "The error that the other server returned was:\n451 4.3.0 Mail server temporarily"
        " rejected message.\n",
    )
    result = parse(raw)
    assert (result.kind, result.status, result.permanent) == ("delay", "4.3.0", False)


def test_client_answering_a_bounce_is_a_reply() -> None:
    raw = mail("From: a@example.org\nSubject: Re: Undelivered Mail Returned to Sender")
    assert parse(raw).kind == "reply"


def test_interleaved_quotes_are_dropped_and_plain_op_lines_kept() -> None:
    body = (
        "> Komt u dinsdag?\nJa.\n> Brengt u de factuur mee?\nDie heb ik niet meer.\n"
        "Op maandag schreef ik u al:\nik werk tot 16 uur.\n"
    )
    result = parse(mail("From: a@example.org\nSubject: Re: x", body))
    assert (
        result.text
        == "Ja.\nDie heb ik niet meer.\nOp maandag schreef ik u al:\nik werk tot 16 uur."
    )


def test_text_is_capped() -> None:
    assert len(parse(mail("From: a@example.org", "woord " * 5000)).text) == 5000


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\n\n\n",
        b"Subject: geen body",
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\n",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n"
        b"--x\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n!!!\n",
        b'Content-Type: text/plain; charset="\x00"\nContent-Transfer-Encoding: base64\n\n=\n',
        b"Subject: =?utf-8?B?####?= =?bogus?Q?=ZZ?=\nFrom: <<<@@@>>>\n\n",
        b"Content-Type: text/html\n\n<head><title>x</title><body>Dag</body",
        b"Content-Type: multipart/mixed; boundary=a\n\n" + b"--a\nContent-Type: multipart/mixed;"
        b" boundary=a\n\n" * 500,
    ],
)
def test_odd_input_never_raises(raw: bytes) -> None:
    assert parse(raw).kind in ("reply", "bounce", "delay", "auto-reply")


def garbled(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(max(1, len(data) // 50)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_truncated_and_garbled_fixtures_never_raise(name: str) -> None:
    raw = fixture(name)
    rng = random.Random(name)
    cuts = [len(raw) * i // 10 for i in range(10)]
    variants = [raw[:cut] for cut in cuts] + [garbled(raw, rng) for _ in range(20)]
    variants += [raw[cut:] for cut in cuts]
    for variant in variants:
        result = parse(variant)
        assert result.kind in ("reply", "bounce", "delay", "auto-reply")
        assert all(re.fullmatch(r"[0-9a-f]{16}", token) for token in result.tokens)
        assert len(result.text) <= 5000
        assert not ADDRESS.search(result.diagnostic)


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20261208)
    pieces = [b"\n", b"\r\n", b": ", b"--", b"=?", b"?=", b"<", b">", b"@", b"Content-Type"]
    for _ in range(300):
        blob = bytearray(rng.randbytes(rng.randrange(0, 2000)))
        for _ in range(rng.randrange(20)):
            blob[rng.randrange(len(blob) + 1) : 0] = rng.choice(pieces)
        assert isinstance(parse(bytes(blob)), InboundMail)
