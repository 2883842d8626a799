"""Importeren: upload a case list (CSV or XLSX), see what is wrong row by row or what will
happen to every client, then confirm. Nothing is written before the confirmation."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from messenger.casework import case_list, cases
from messenger.casework.case_columns import sample_csv
from messenger.casework.case_import import ImportReport, parse_case_file
from messenger.platform.models import LacSession
from messenger.web.auth import Session as Db
from messenger.web.auth import SignedIn, Staff
from messenger.web.pages import render
from messenger.web.uploads import Uploads

router = APIRouter(include_in_schema=False)
MAX_BYTES = 5 * 1024 * 1024
SHOWN_ERRORS = 50


def _uploads(request: Request) -> Uploads:
    settings = request.app.state.settings
    return Uploads(settings.var_dir / "uploads", request.app.state.secret_box)


@router.get("/voorbeeld-clientenlijst.csv")
async def sample(person: Staff) -> Response:
    """A case list with every column and two example rows, as Excel in Belgium writes it."""
    return Response(
        content="\ufeff" + sample_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="voorbeeld-clientenlijst.csv"'},
    )


@router.get("/zittingen/{session_id}/importeren", response_class=HTMLResponse)
async def upload_page(request: Request, session_id: str, person: Staff, db: Db) -> Response:
    lac = await cases.own_session(db, person.account.organisation_id, session_id)
    return render(request, "import_upload.html", {"lac": lac})


@router.post("/zittingen/{session_id}/importeren", response_class=HTMLResponse)
async def check_upload(
    request: Request, session_id: str, person: Staff, db: Db, bestand: UploadFile | None = None
) -> Response:
    lac = await cases.own_session(db, person.account.organisation_id, session_id)
    raw = await bestand.read(MAX_BYTES + 1) if bestand is not None else b""
    problem = None
    if not raw:
        problem = "Kies een bestand: een cliëntenlijst in CSV of Excel (XLSX)."
    elif len(raw) > MAX_BYTES:
        problem = f"Het bestand is te groot: hoogstens {MAX_BYTES // 1024 // 1024} MB."
    if problem:
        return render(
            request, "import_upload.html", {"lac": lac, "errors": {"bestand": problem}}, 400
        )
    report = await _check(db, lac, raw)
    if not report.ok:
        return render(
            request,
            "import_upload.html",
            {
                "lac": lac,
                "errors": {"bestand": "Er staan fouten in de lijst. Er is niets ingelezen."},
                "row_errors": report.errors[:SHOWN_ERRORS],
                "more_errors": max(0, len(report.errors) - SHOWN_ERRORS),
            },
            400,
        )
    previews = await case_list.preview_case_list(
        db,
        lac,
        report,
        fingerprint=request.app.state.secret_box.fingerprint,
        now=request.app.state.clock.now(),
    )
    upload_id = _uploads(request).keep(person.web_session.id, raw)
    return render(
        request,
        "import_preview.html",
        {
            "lac": lac,
            "previews": previews,
            "upload_id": upload_id,
            "unreachable": sum(1 for p in previews if p.unreachable),
        },
    )


@router.post("/zittingen/{session_id}/importeren/bevestigen")
async def confirm(
    request: Request,
    session_id: str,
    person: Staff,
    db: Db,
    upload: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    lac = await cases.own_session(db, person.account.organisation_id, session_id)
    uploads = _uploads(request)
    raw = uploads.take(person.web_session.id, upload)
    if raw is None:
        problem = "De lijst is niet meer bewaard (na een uur). Laad ze opnieuw op."
        return render(
            request, "import_upload.html", {"lac": lac, "errors": {"bestand": problem}}, 400
        )
    report = await _check(db, lac, raw)
    if not report.ok:  # the staff list changed in between: show what is wrong now
        uploads.discard(upload)
        return render(
            request,
            "import_upload.html",
            {
                "lac": lac,
                "errors": {"bestand": "De lijst klopt niet meer."},
                "row_errors": report.errors[:SHOWN_ERRORS],
            },
            400,
        )
    done = await _import(request, db, lac, report, person)
    uploads.discard(upload)
    unreachable = sum(1 for d in done if d.unreachable)
    return RedirectResponse(
        f"/zittingen/{lac.id}?geimporteerd={len(done)}&onbereikbaar={unreachable}",
        status_code=303,
    )


async def _check(db: Db, lac: LacSession, raw: bytes) -> ImportReport:
    context = await case_list.import_context(db, lac)
    # Off the event loop: checking thousands of rows must not hold up other pages.
    return await asyncio.to_thread(parse_case_file, raw, context)


async def _import(
    request: Request, db: Db, lac: LacSession, report: ImportReport, person: SignedIn
) -> list[case_list.ImportedRow]:
    done = await case_list.import_case_list(
        db,
        lac,
        report,
        by=person.account.name,
        fingerprint=request.app.state.secret_box.fingerprint,
        now=request.app.state.clock.now(),
    )
    await db.commit()
    return done
