"""Letters through print batches: waiting in `sending`, collated after the cut-off into one
PDF and a manifest, posted (→ sent) and returned (→ returned-letter); and a letter's PDF."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pdfplumber
import pytest
from notifications_python_client.notifications import NotificationsAPIClient

from messenger.messages import print_batches, statuses
from messenger.platform.db import Sessions
from messenger.platform.models import Message, PrintBatch, Template
from messenger.platform.settings import Settings
from messenger.wording import template_store
from messenger.wording.template_files import template_id
from tests.conftest import make_tenant
from tests.support import LETTER_VALUES, Tenant, letter_body


async def _send_letters(client: httpx.AsyncClient, tenant: Tenant, streets: list[str]) -> list[str]:
    ids = []
    for street in streets:
        values = {**LETTER_VALUES, "address_line_2": street}
        response = await client.post(
            "/v2/notifications/letter",
            json=letter_body(personalisation=values, reference=street),
            headers=tenant.headers(),
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def _wait_for_print(sessions: Sessions, ids: list[str]) -> None:
    """Accepted by the print channel: `sending`, with a provider reference."""
    for _ in range(200):
        async with sessions() as session:
            found = [await session.get(Message, i, populate_existing=True) for i in ids]
        if all(m and m.status == statuses.SENDING and m.provider_reference for m in found):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("letters did not reach the print channel")


def _after_cutoff() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)


async def test_letters_wait_then_go_out_in_one_batch(
    print_api: str, print_settings: Settings, sessions: Sessions, tenant: Tenant
) -> None:
    other = await make_tenant(sessions, print_settings, "OCMW Brugge")
    async with httpx.AsyncClient(base_url=print_api) as client:
        ids = await _send_letters(client, tenant, ["Kerkstraat 1", "Veldstraat 2", "Markt 3"])
        other_ids = await _send_letters(client, other, ["Dijver 4"])
        await _wait_for_print(sessions, ids + other_ids)
        waiting = await client.get(
            "/v2/notifications", params={"status": "accepted"}, headers=tenant.headers()
        )
        assert [n["status"] for n in waiting.json()["notifications"]] == ["accepted"] * 3

        # Before the cut-off of the day they were written, nothing is collated.
        made_early = await print_batches.collate(
            sessions, print_settings, now=datetime.now(UTC) - timedelta(days=1)
        )
        assert made_early == []

        made = await print_batches.collate(sessions, print_settings, now=_after_cutoff())
        assert len(made) == 2  # one batch per organisation
        again = await print_batches.collate(sessions, print_settings, now=_after_cutoff())
        assert again == []  # collating twice makes nothing new

        listed = (await client.get("/v2/print-batches", headers=tenant.headers())).json()
        [batch] = listed["print_batches"]
        assert (batch["status"], batch["letter_count"], batch["page_count"]) == ("ready", 3, 3)

        pdf = await client.get(f"/v2/print-batches/{batch['id']}/pdf", headers=tenant.headers())
        assert pdf.headers["content-type"] == "application/pdf"
        with pdfplumber.open(io.BytesIO(pdf.content)) as document:
            pages = [page.extract_text() for page in document.pages]
        assert [
            next(s for s in ("Kerkstraat 1", "Veldstraat 2", "Markt 3") if s in p) for p in pages
        ] == [
            "Kerkstraat 1",
            "Veldstraat 2",
            "Markt 3",
        ]
        assert not any("Dijver 4" in page for page in pages)  # the other OCMW's letter

        manifest = await client.get(
            f"/v2/print-batches/{batch['id']}/manifest", headers=tenant.headers()
        )
        rows = list(csv.DictReader(io.StringIO(manifest.text)))
        assert [r["notification_id"] for r in rows] == ids
        assert {r["postcode"] for r in rows} == {"9000"}
        assert all("zonder logo" in r["envelope"] for r in rows)
        assert "Sara" not in manifest.text  # no names in the manifest

        # Another organisation cannot see or post this batch.
        foreign = await client.get(f"/v2/print-batches/{batch['id']}", headers=other.headers())
        assert foreign.status_code == 404

        posted = await client.post(
            f"/v2/print-batches/{batch['id']}/posted", headers=tenant.headers()
        )
        assert posted.status_code == 200, posted.text
        assert posted.json()["letters_sent"] == 3
        twice = await client.post(
            f"/v2/print-batches/{batch['id']}/posted", headers=tenant.headers()
        )
        assert twice.status_code == 409

        letter = (await client.get(f"/v2/notifications/{ids[0]}", headers=tenant.headers())).json()
        assert letter["status"] == "received"  # Notify's word; its history keeps ours
        for word in ("received", "accepted"):
            found = await client.get(
                "/v2/notifications", params={"status": word}, headers=tenant.headers()
            )
            assert len(found.json()["notifications"]) == (3 if word == "received" else 0)
        assert [e["status"] for e in letter["events"]] == [
            "created",
            "sending",
            "sending",
            "sent",
        ]

        returned = await client.post(
            f"/v2/notifications/{ids[0]}/returned-letter",
            json={"reason": "verhuisd"},
            headers=tenant.headers(),
        )
        assert returned.status_code == 200, returned.text
        assert returned.json()["status"] == "returned-letter"
        # A returned letter is final: a late "posted" or a second return changes nothing.
        again_returned = await client.post(
            f"/v2/notifications/{ids[0]}/returned-letter", headers=tenant.headers()
        )
        assert again_returned.json()["status"] == "returned-letter"


async def test_a_letter_pdf_through_notifys_client(
    print_api: str, tenant: Tenant, sessions: Sessions
) -> None:
    async with httpx.AsyncClient(base_url=print_api) as client:
        [letter_id] = await _send_letters(client, tenant, ["Kerkstraat 12 bus 3"])
    notify = NotificationsAPIClient(tenant.api_key, base_url=print_api)
    pdf = await asyncio.to_thread(notify.get_pdf_for_letter, letter_id)
    with pdfplumber.open(pdf) as document:
        text = document.pages[0].extract_text()
    assert "Kerkstraat 12 bus 3" in text and "Lokale Adviescommissie" in " ".join(text.split())


async def test_returned_letter_of_another_organisation_is_404(
    print_api: str, print_settings: Settings, sessions: Sessions, tenant: Tenant
) -> None:
    other = await make_tenant(sessions, print_settings, "OCMW Brugge")
    async with httpx.AsyncClient(base_url=print_api) as client:
        [letter_id] = await _send_letters(client, tenant, ["Kerkstraat 1"])
        response = await client.post(
            f"/v2/notifications/{letter_id}/returned-letter", headers=other.headers()
        )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        # Winter (UTC+1): 16:00 Brussels is 15:00 UTC.
        ("2026-12-08T15:30:00+00:00", "2026-12-08T15:00:00+00:00"),
        ("2026-12-08T14:59:00+00:00", "2026-12-07T15:00:00+00:00"),
        # Summer (UTC+2): 16:00 Brussels is 14:00 UTC.
        ("2026-07-01T14:00:00+00:00", "2026-07-01T14:00:00+00:00"),
        # The day the clocks go back: the cut-off is still 16:00 local.
        ("2026-10-25T15:30:00+00:00", "2026-10-25T15:00:00+00:00"),
        ("2026-03-29T14:30:00+00:00", "2026-03-29T14:00:00+00:00"),
    ],
)
def test_latest_cutoff_is_brussels_time(settings: Settings, now: str, cutoff: str) -> None:
    found = print_batches.latest_cutoff(settings, datetime.fromisoformat(now))
    assert found == datetime.fromisoformat(cutoff)


async def test_a_batch_left_half_made_is_finished_later_and_only_then(
    print_api: str, print_settings: Settings, sessions: Sessions, tenant: Tenant
) -> None:
    """A run that claimed a batch renders it; another run leaves it alone (it would replace
    the files after they were handed out) until the claim is old enough to mean a crash."""
    async with httpx.AsyncClient(base_url=print_api) as client:
        ids = await _send_letters(client, tenant, ["Kerkstraat 1"])
    await _wait_for_print(sessions, ids)
    cutoff = print_batches.latest_cutoff(print_settings, _after_cutoff())
    batch_id = await print_batches._claim(sessions, tenant.organisation_id, cutoff)
    assert batch_id is not None  # claimed, and then the claiming run "crashed"

    assert await print_batches.collate(sessions, print_settings, now=_after_cutoff()) == []
    async with sessions() as session:
        batch = await session.get(PrintBatch, batch_id)
        assert batch is not None and batch.status == print_batches.RENDERING
        batch.created_at = datetime.now(UTC) - print_batches.RENDER_LEASE - timedelta(seconds=1)
        await session.commit()

    made = await print_batches.collate(sessions, print_settings, now=_after_cutoff())
    assert made == [batch_id]
    async with sessions() as session:
        batch = await session.get(PrintBatch, batch_id)
        assert batch is not None and (batch.status, batch.letter_count) == ("ready", 1)
    assert print_batches.files_of(print_settings, batch_id).pdf.stat().st_size > 0


@pytest.mark.parametrize(
    ("kind", "status", "shown"),
    [
        ("letter", "created", "accepted"),
        ("letter", "sending", "accepted"),
        ("letter", "sent", "received"),
        ("letter", "returned-letter", "returned-letter"),  # not Notify's "received"
        ("letter", "validation-failed", "validation-failed"),
        ("letter", "technical-failure", "technical-failure"),
        ("sms", "sending", "sending"),
        ("email", "delivered", "delivered"),
    ],
)
def test_a_letter_shows_notifys_words_for_its_progress(kind: str, status: str, shown: str) -> None:
    assert statuses.shown(kind, status) == shown


async def _waiting_letters(
    sessions: Sessions, organisation_id: str, streets: list[str]
) -> list[str]:
    """Letters as the print channel leaves them: `sending`, written two days ago, in order."""
    async with sessions() as session:
        await template_store.sync_shipped(session)
        template = await session.get(Template, template_id("lac-tweede-uitnodiging-brief"))
        assert template is not None
        written = datetime.now(UTC) - timedelta(days=2)
        letters = [
            Message(
                organisation_id=organisation_id, key_type="live", kind="letter",
                status=statuses.SENDING, template_id=template.id, template_version=1,
                language="nl", address_lines=["Sara Janssens", street, "9000 Gent"],
                subject="Uitnodiging", body=f"Dag Sara,\n\nBrief {n}.", reference=street,
                channel="print", provider_reference=f"print:{n}",
                created_at=written + timedelta(minutes=n),
            )
            for n, street in enumerate(streets)
        ]  # fmt: skip
        session.add_all(letters)
        await session.commit()
        return [m.id for m in letters]


async def test_one_run_makes_every_batch_the_letters_take(
    print_settings: Settings, sessions: Sessions, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most MAX_LETTERS a batch (a file for the printer), and one run makes all of them."""
    monkeypatch.setattr(print_batches, "MAX_LETTERS", 2)
    streets = ["Kerkstraat 1", "Veldstraat 2", "Markt 3", "Dijver 4", "Korenlei 5"]
    ids = await _waiting_letters(sessions, tenant.organisation_id, streets)

    made = await print_batches.collate(sessions, print_settings, now=_after_cutoff())

    assert len(made) == 3
    in_order: list[str] = []
    async with sessions() as session:
        for batch_id in made:
            batch = await session.get(PrintBatch, batch_id)
            assert batch is not None and batch.status == print_batches.READY
            files = print_batches.files_of(print_settings, batch_id)
            rows = list(csv.DictReader(io.StringIO(files.manifest.read_text())))
            assert batch.letter_count == len(rows) == batch.page_count
            in_order += [r["notification_id"] for r in rows]
            with pdfplumber.open(files.pdf) as document:
                assert len(document.pages) == batch.letter_count
    assert [len(x) for x in (made, in_order)] == [3, 5] and in_order == ids
    assert await print_batches.collate(sessions, print_settings, now=_after_cutoff()) == []


async def test_print_batch_make_says_how_many_batches_and_letters(
    print_settings: Settings, sessions: Sessions, tenant: Tenant
) -> None:
    await _waiting_letters(sessions, tenant.organisation_id, ["Kerkstraat 1", "Veldstraat 2"])
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MESSENGER_") and k not in ("REDIS_URL", "DATABASE_URL", "COLUMNS")
    }
    env |= {
        "MESSENGER_VAR_DIR": str(print_settings.var_dir),
        "DATABASE_URL": print_settings.database,
        "MESSENGER_SECRET_KEY": print_settings.secret_key or "",
        "MESSENGER_PRINT_BATCHES": "true",
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", "from messenger.cli.app import main; main()", "print-batch", "make"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    first, *batches = done.stdout.splitlines()
    assert first == "1 print batch(es) made, 2 letter(s), 2 page(s):"
    [line] = batches
    assert line.endswith(": 2 letter(s), 2 page(s)")
