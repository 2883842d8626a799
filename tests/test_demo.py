"""`messenger demo` end to end: the three messages reach the outbox and a final status."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pdfplumber
from rich.console import Console

from messenger.cli.demo import print_results, run_demo, succeeded
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings


async def test_demo_sends_sms_email_and_letter(settings: Settings, sessions: Sessions) -> None:
    output = io.StringIO()
    console = Console(file=output, width=200)

    results = await run_demo(settings, console)
    print_results(results, console)

    assert succeeded(results)
    assert [(r.kind, r.status) for r in results] == [
        ("sms", "delivered"),
        ("email", "delivered"),
        ("letter", "received"),
    ]
    sms, email, letter = (Path(r.outbox_file) for r in results)
    assert json.loads(sms.read_text())["to"] == "+32470123456"
    assert b"Subject: Uitnodiging voor een gesprek bij het OCMW" in email.read_bytes()
    with pdfplumber.open(letter) as pdf:
        assert "Kerkstraat 12 bus 3" in pdf.pages[0].extract_text()
    for result in results:
        assert result.id in output.getvalue()
