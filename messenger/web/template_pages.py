"""Sjablonen: every template the organisation can use with what the linter says of it, and
an editor that shows, as the person types, the text filled with examples (every variant, a
letter as a picture of its printed page), the linter's findings and the SMS counter with the
characters that make a text message longer.

Saving a shipped template makes the organisation's own version of it (an override); the
shipped one stays as it is for everyone else. Errors block saving; warnings do not.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import reminder_plans
from messenger.messages import template_print
from messenger.platform.models import Organisation
from messenger.web.auth import Session, SignedIn, Staff, start_over
from messenger.web.pages import render
from messenger.wording import rendering, template_check, template_store
from messenger.wording.lint import LintReport
from messenger.wording.template_files import TemplateFileError, TemplateSource, make_source

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=20_000)]
Short = Annotated[list[str] | None, Form(max_length=40)]
VARIANT_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
VARIANT_ROWS = 4  # room for one more than a template usually has
# Linter reports of stored versions: a letter's report renders it (slow), the same text
# always gets the same report, so a report is kept once made.
_REPORTS: OrderedDict[tuple[str, bool], LintReport] = OrderedDict()
KEPT_REPORTS = 500


@router.get("/sjablonen", response_class=HTMLResponse)
async def template_list(request: Request, person: Staff, db: Session) -> HTMLResponse:
    organisation_id = person.account.organisation_id
    flag = await _transliterates(db, organisation_id)
    rows = []
    for choice in await template_store.list_visible(db, organisation_id):
        report = await _stored_report(choice.source(), flag)
        rows.append((choice, report))
    return render(request, "templates.html", {"rows": rows})


@router.get("/sjablonen/{template_id}", response_class=HTMLResponse)
async def editor(request: Request, template_id: str, person: Staff, db: Session) -> Response:
    choice = await _choice(db, person.account.organisation_id, template_id)
    flag = await _transliterates(db, person.account.organisation_id)
    report = await _stored_report(choice.source(), flag)
    return await _editor(
        request, choice, choice.source(), report, saved="opgeslagen" in request.url.query
    )


@router.get("/sjablonen/{template_id}/afdrukken", response_class=Response)
async def print_sheet(request: Request, template_id: str, person: Staff, db: Session) -> Response:
    """A letter or card that names no client (the waiting-room information sheet), filled
    in from the organisation's profile, as the PDF to print; else a page that says why not."""
    organisation_id = person.account.organisation_id
    choice = await _choice(db, organisation_id, template_id)
    organisation = await db.get(Organisation, organisation_id)
    values = template_print.organisation_values(organisation)
    missing = _unprintable(choice, values)
    if missing:
        context = {"choice": choice, "missing": missing}
        return render(request, "template_print_refused.html", context, status_code=400)
    version = choice.version
    rendered = await asyncio.to_thread(
        rendering.render, version.body, version.subject, values, language=version.language
    )
    pdf = await template_print.template_pdf(
        choice.template.kind, rendered, values, organisation, request.app.state.settings,
        version.language,
    )  # fmt: skip
    name = f"{choice.template.name}.pdf"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


def _unprintable(choice: template_store.TemplateChoice, values: dict[str, str]) -> list[str]:
    """What keeps this template from printing without a client: the values nobody fills."""
    if choice.template.kind not in ("letter", "card"):
        return ["(alleen brieven en kaartjes worden afgedrukt)"]
    used = rendering.variables_of(choice.version.body, choice.version.subject)
    return sorted(used - set(values) - set(rendering.RESERVED))


@router.post("/sjablonen/{template_id}/controle", response_class=HTMLResponse)
async def live_check(
    request: Request,
    template_id: str,
    person: Staff,
    db: Session,
    title: Field = "",
    subject: Field = "",
    body: Field = "",
    variant_name: Short = None,
    variant_weight: Short = None,
) -> Response:
    """The report alone (for the editor's live preview): nothing is saved."""
    choice = await _choice(db, person.account.organisation_id, template_id)
    source, problem = _draft(choice.source(), title, subject, body, variant_name, variant_weight)
    report = None if source is None else await _check(db, person.account.organisation_id, source)
    context = {"report": report, "problem": problem, "pictures": await _pictures(report)}
    return render(request, "_template_report.html", context)


@router.post("/sjablonen/{template_id}", response_class=HTMLResponse)
async def save(
    request: Request,
    template_id: str,
    person: Staff,
    db: Session,
    title: Field = "",
    subject: Field = "",
    body: Field = "",
    variant_name: Short = None,
    variant_weight: Short = None,
    actie: Annotated[str, Form(max_length=20)] = "controleren",
) -> Response:
    organisation_id = person.account.organisation_id
    choice = await _choice(db, organisation_id, template_id)
    source, problem = _draft(choice.source(), title, subject, body, variant_name, variant_weight)
    if source is None:
        typed: dict[str, str | None] = {"title": title, "subject": subject, "body": body}
        rows = list(zip(variant_name or [], variant_weight or [], strict=False))
        return await _editor(
            request, choice, choice.source(), None, problem=problem, typed=typed, rows=rows,
            status=400,
        )  # fmt: skip
    report = await _check(db, organisation_id, source)
    if actie != "opslaan" or not report.ok:
        status = 400 if actie == "opslaan" else 200
        return await _editor(request, choice, source, report, status=status)
    problem = await _store(db, person, choice, source)
    if problem:
        await start_over(db, person)
        choice = await _choice(db, organisation_id, template_id)
        return await _editor(request, choice, source, report, problem=problem, status=400)
    await db.commit()
    return RedirectResponse(f"/sjablonen/{template_id}?opgeslagen=1", status_code=303)


async def _store(
    db: AsyncSession,
    person: SignedIn,
    choice: template_store.TemplateChoice,
    source: TemplateSource,
) -> str | None:
    """A new version of the organisation's own template, or its own copy of a shipped one;
    None, or why the organisation's reminder plan would no longer work with it."""
    organisation_id = person.account.organisation_id
    by = person.account.name
    if choice.template.organisation_id == organisation_id:
        await template_store.add_version(db, choice.template, source, created_by=by)
    else:
        await template_store.create_own(
            db, organisation_id, source, created_by=by, overrides=choice.template.id
        )
    try:
        await reminder_plans.check_plan(
            db, organisation_id, await reminder_plans.plan_steps_of(db, organisation_id)
        )
    except ValueError as exc:
        return f"Het plan van uw organisatie kan dit sjabloon dan niet meer invullen: {exc}"
    return None


async def _editor(
    request: Request,
    choice: template_store.TemplateChoice,
    source: TemplateSource,
    report: LintReport | None,
    *,
    saved: bool = False,
    problem: str | None = None,
    typed: dict[str, str | None] | None = None,
    rows: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The editor; `typed` and `rows` keep what the person typed when it could not be read."""
    if rows is None:
        rows = [(name, f"{weight:g}") for name, weight in source.variants.items()]
    rows = rows + [("", "")] * max(1, VARIANT_ROWS - len(rows))
    context = {
        "choice": choice,
        "source": source,
        "typed": typed or {"title": source.title, "subject": source.subject, "body": source.body},
        "variant_rows": rows,
        "report": report,
        "pictures": await _pictures(report),
        "saved": saved,
        "problem": problem,
        "shipped": choice.template.organisation_id is None,
    }
    return render(request, "template_editor.html", context, status)


async def _pictures(report: LintReport | None) -> dict[str, list[str]]:
    """Each rendering of a letter or card as pictures of its pages (data: URLs, for the CSP)."""
    if report is None or report.kind not in ("letter", "card"):
        return {}
    found: dict[str, list[str]] = {}
    for drawn in report.renderings:
        pngs = await asyncio.to_thread(
            template_check.page_pictures, report.kind, drawn.subject, drawn.body
        )
        found[drawn.label] = [
            "data:image/png;base64," + base64.b64encode(png).decode() for png in pngs
        ]
    return found


def _variants(names: list[str] | None, weights: list[str] | None) -> dict[str, float] | str:
    """The variants typed in the editor's rows (empty rows skipped), or why they cannot be."""
    found: dict[str, float] = {}
    for name, weight in zip(names or [], weights or [], strict=False):
        name, weight = name.strip(), weight.strip().replace(",", ".")
        if not name and not weight:
            continue
        if not VARIANT_NAME.fullmatch(name):
            return (
                "Geef elke variant een korte naam met kleine letters, cijfers en streepjes, "
                "zoals ‘met-begrenzer’."
            )
        try:
            share = float(weight or "1")
        except ValueError:
            share = 0
        if not 0 < share <= 100:
            return f"Geef variant ‘{name}’ een aandeel van meer dan 0, zoals 1."
        if name in found:
            return f"Variant ‘{name}’ staat er twee keer."
        found[name] = share
    if len(found) == 1:
        return "Een sjabloon met varianten heeft er minstens twee. Of laat alle rijen leeg."
    return found


def _draft(
    stored: TemplateSource,
    title: str,
    subject: str,
    body: str,
    variant_names: list[str] | None = None,
    variant_weights: list[str] | None = None,
) -> tuple[TemplateSource | None, str | None]:
    """The stored template with the person's new title, subject, text and variants."""
    variants = _variants(variant_names, variant_weights)
    if isinstance(variants, str):
        return None, variants
    if stored.subject is not None and not subject.strip():
        return None, "Geef een onderwerp: de cliënt leest het eerst."
    try:
        return (
            make_source(
                name=stored.name,
                language=stored.language,
                kind=stored.kind,
                title=title.strip() or stored.title,
                subject=subject.strip() or None,
                body=body.replace("\r\n", "\n"),
                variables=stored.variables,
                variants=variants,
                checks=stored.checks,
            ),
            None,
        )
    except TemplateFileError as exc:
        return None, f"De sjabloontaal klopt niet: {exc}"


async def _choice(
    db: AsyncSession, organisation_id: str, template_id: str
) -> template_store.TemplateChoice:
    found = await template_store.find(db, organisation_id, template_id)
    if found is None:
        raise LookupError("No result found")
    return found


async def _transliterates(db: AsyncSession, organisation_id: str) -> bool:
    organisation = await db.get(Organisation, organisation_id)
    return bool(organisation and organisation.sms_transliterate)


async def _check(db: AsyncSession, organisation_id: str, source: TemplateSource) -> LintReport:
    flag = await _transliterates(db, organisation_id)
    # Rendering a letter to count its pages is CPU work: off the event loop.
    return await asyncio.to_thread(template_check.check, source, transliterate_sms=flag)


async def _stored_report(source: TemplateSource, flag: bool) -> LintReport:
    # By content, not by version id: ids are per database, and SQLite may reuse one.
    key = (f"{source.name}/{source.language}/{source.content_hash}", flag)
    if key not in _REPORTS:
        _REPORTS[key] = await asyncio.to_thread(
            template_check.check, source, transliterate_sms=flag
        )
        while len(_REPORTS) > KEPT_REPORTS:
            _REPORTS.popitem(last=False)
    return _REPORTS[key]
