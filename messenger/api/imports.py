"""The case-list import and the plan preview: what will happen before it happens.

Times a person reads are Brussels local time with their offset ("2026-11-24T10:00:00+01:00").
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from messenger.api.deps import AppClock, Key, Session
from messenger.casework import case_list, cases
from messenger.casework.case_columns import sample_csv
from messenger.casework.case_import import ImportReport, RowError, parse_case_file
from messenger.casework.plan_preview import Lookups, StepPreview, preview_case
from messenger.platform.dates import to_brussels

router = APIRouter(prefix="/v2", tags=["sessions and cases"])
MAX_CASE_LIST_BYTES = 5 * 1024 * 1024


@router.get("/case-list/sample.csv", response_class=Response)
async def sample(key: Key) -> Response:
    """A case list with every column and two example rows, as Excel in Belgium writes it."""
    return Response(
        content="\ufeff" + sample_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="voorbeeld-clientenlijst.csv"'},
    )


@router.post(
    "/lac-sessions/{session_id}/import",
    responses={400: {"description": "row-by-row errors; nothing imported"}},
)
async def import_case_list(
    session_id: str,
    request: Request,
    key: Key,
    db: Session,
    clock: AppClock,
    dry_run: Annotated[bool, Query(description="Check and preview only; write nothing")] = False,
) -> JSONResponse:
    """Body: the case list itself, CSV (',' or ';'; UTF-8 or Windows-1252) or XLSX.
    All rows or none. The answer lists every case with its plan: when each step goes out,
    on which channel, and why other channels are passed over."""
    lac = await cases.own_session(db, key.organisation_id, session_id)
    raw = await _bounded_body(request, MAX_CASE_LIST_BYTES)
    if raw is None:
        too_big = f"Het bestand is te groot: hoogstens {MAX_CASE_LIST_BYTES // 1024 // 1024} MB."
        return import_errors((RowError(0, "", too_big),))
    context = await case_list.import_context(db, lac)
    # Off the event loop: checking 20,000 rows takes seconds other requests must not wait.
    report = await asyncio.to_thread(parse_case_file, raw, context)
    if not report.ok:
        return import_errors(report.errors)
    fingerprint = request.app.state.secret_box.fingerprint
    shown: dict[StepPreview, dict[str, Any]] = {}  # the list's cases share their steps
    if dry_run:
        previews = await case_list.preview_case_list(
            db, lac, report, fingerprint=fingerprint, now=clock.now()
        )
        preview_rows: list[dict[str, Any]] = [
            {
                "row": p.row,
                "client": p.name,
                "known_client": p.reused,
                "unreachable": p.unreachable,
                "steps": steps_out(p.steps, shown),
            }
            for p in previews
        ]
        return JSONResponse(_summary(lac.id, report, preview_rows, dry_run=True))
    done = await case_list.import_case_list(
        db, lac, report, by=key.name, fingerprint=fingerprint, now=clock.now()
    )
    await db.commit()
    rows: list[dict[str, Any]] = [
        {
            "row": d.row,
            "case_id": d.case.id,
            "client_id": d.client.id,
            "client": f"{d.client.first_name} {d.client.last_name}",
            "known_client": d.reused,
            "changes": d.changes,
            "unreachable": d.unreachable,
            "task_id": d.task_id,
            "steps": steps_out(d.steps, shown),
        }
        for d in done
    ]
    return JSONResponse(_summary(lac.id, report, rows, dry_run=False), status_code=201)


@router.get("/cases/{case_id}/preview")
async def case_preview(case_id: str, key: Key, db: Session) -> dict[str, Any]:
    """Every step still ahead for one case."""
    case = await cases.own_case(db, key.organisation_id, case_id)
    return {"case_id": case.id, "steps": steps_out(await preview_case(db, case))}


@router.get("/lac-sessions/{session_id}/preview")
async def session_preview(session_id: str, key: Key, db: Session) -> dict[str, Any]:
    """Every step still ahead for every open case of a session."""
    lac = await cases.own_session(db, key.organisation_id, session_id)
    out = []
    lookups = Lookups()
    for case in await cases.open_cases(db, lac):
        steps = await preview_case(db, case, lookups)
        out.append(
            {
                "case_id": case.id,
                "client_id": case.client_id,
                "unreachable": case_list.unreachable(steps),
                "steps": steps_out(steps),
            }
        )
    return {"session_id": lac.id, "cases": out}


def local(moment: datetime) -> str:
    """A moment as a person reads it: Brussels time, with the offset."""
    return to_brussels(moment).isoformat()


def steps_out(
    steps: list[StepPreview], shown: dict[StepPreview, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """`shown`: each step as answered, kept across the steps of many cases."""
    shown = {} if shown is None else shown
    return [shown.get(s) or shown.setdefault(s, _step_out(s)) for s in steps]


def _step_out(s: StepPreview) -> dict[str, Any]:
    return {
        "step": s.step,
        "due_at": local(s.due_at),
        "channel": s.channel,
        "passed_over": [{"channel": c, "reason": why} for c, why in s.passed_over],
        "missing_values": list(s.missing),
        "skip": s.skip,
    }


def _summary(
    session_id: str, report: ImportReport, rows: list[dict[str, Any]], *, dry_run: bool
) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "dry_run": dry_run,
        "rows": report.rows,
        "imported": 0 if dry_run else len(rows),
        "case_ids": [r["case_id"] for r in rows if "case_id" in r],
        "new_clients": [r["client_id"] for r in rows if "client_id" in r and not r["known_client"]],
        "known_clients": [r["client_id"] for r in rows if "client_id" in r and r["known_client"]],
        "unreachable": sum(1 for r in rows if r["unreachable"]),
        "cases": rows,
    }


def import_errors(errors: tuple[RowError, ...]) -> JSONResponse:
    """Notify's error shape, one entry a row, like its CSV check; nothing was written."""
    return JSONResponse(
        status_code=400,
        content={
            "status_code": 400,
            "errors": [
                {
                    "error": "ImportError",
                    "message": f"rij {e.row}"
                    + (f", {e.column}" if e.column else "")
                    + f": {e.message}",
                    "row": e.row,
                    "column": e.column,
                }
                for e in errors
            ],
        },
    )


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past `limit` (it is never read whole)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
