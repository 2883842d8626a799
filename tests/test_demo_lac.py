"""`messenger demo lac`: one session from the case list to the 30-day check-in, on a
simulated clock, through the API and a real worker; the timeline and the outbox files."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pdfplumber
from cryptography.fernet import Fernet
from rich.console import Console

from messenger.cli.demo_lac import LacDemo, print_timeline
from messenger.platform.settings import Settings


async def test_the_lac_demo_runs_a_whole_session(tmp_path: Path, redis_server: str) -> None:
    # The demo makes its own throwaway SQLite database under var/demo-lac/: one run is enough.
    settings = Settings(
        var_dir=tmp_path / "var",
        redis_url=redis_server,
        secret_key=Fernet.generate_key().decode(),
        queue_name=f"test:{uuid.uuid4()}",
    )
    demo = LacDemo(settings, Console())
    entries = await demo.run()
    output = io.StringIO()
    print_timeline(entries, demo.folder, Console(file=output, width=250))

    events = [(e.client, e.what) for e in entries]
    assert ("(lijst)", "6 dossiers ingelezen") in events
    assert any(c == "Dirk Peeters" and w.startswith("niet bereikbaar → taak") for c, w in events)
    assert ("Sara Janssens", "afspraak bevestigd in het dossier") in events
    assert ("Kevin Van Damme", "krijgt een bevestiging per sms") in events
    assert ("Kevin Van Damme", "ochtend: niet verstuurd (sms: heeft STOP gestuurd)") in events
    assert ("Sara Janssens", "afbetalingsplan-30-dagen via sms") in events
    # The confirmation answers the JA: after it, on the demo's clock, not at the wall clock.
    assert events.index(("Sara Janssens", "afspraak-bevestiging via sms")) > events.index(
        ("Sara Janssens", "antwoordt per sms: JA")
    )
    # The LAC decided without Kevin: a letter tells him what, and no referral follows.
    assert ("Kevin Van Damme", "niet-gekomen via letter") in events
    assert not any(c == "Kevin Van Damme" and w.startswith("doorverwijzing") for c, w in events)
    # In time order, in Brussels time, every sent step with its file in the outbox.
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    sent = [e for e in entries if " via " in e.what]
    assert len(sent) >= 15 and all(Path(e.where).is_file() for e in sent)
    first_letter = next(Path(e.where) for e in sent if e.what == "uitnodiging via letter")
    with pdfplumber.open(first_letter) as pdf:
        assert "dinsdag 15 december 2026" in pdf.pages[0].extract_text()
    reminder = next(Path(e.where) for e in sent if e.what == "herinnering via sms")
    assert "09 266 11 11" in json.loads(reminder.read_text())["body"]  # Sara's own worker
    assert "ma 23/11/2026 09:00" in output.getvalue()
    assert str(demo.folder) in output.getvalue()
