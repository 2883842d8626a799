"""An organisation's own templates, and the linter: Messenger's additions to Notify's API.

POST /v2/templates                  a new template (or an override of a shipped one)
POST /v2/template/{id}              a new version of one of the organisation's templates
GET  /v2/templates/check            the linter over every template the organisation can use
POST /v2/templates/check            the linter over a draft, nothing saved
POST /v2/template/{id}/pdf          a letter or card as PDF, filled with personalisation

Errors block saving (400 with every finding); warnings come back with the saved template.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.api import presenters, schemas
from messenger.api.deps import AppSettings, Key, Session
from messenger.api.errors import bad_request
from messenger.api.templates import render_version
from messenger.casework import reminder_plans
from messenger.messages import template_print
from messenger.messages.sending import RequestRejected
from messenger.platform.models import Organisation
from messenger.wording import template_check, template_store
from messenger.wording.lint import LintReport
from messenger.wording.template_files import TemplateFileError, TemplateSource, make_source

router = APIRouter(prefix="/v2", tags=["template editing"])


class Variable(BaseModel):
    example: Any
    description: str = ""


class TemplateDraft(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[a-z0-9][a-z0-9-]*$")
    type: schemas.TemplateKind
    language: schemas.Language = "nl"
    title: str = Field(min_length=1, max_length=200)
    subject: str | None = None
    body: str = Field(min_length=1, max_length=20_000)
    variables: dict[str, Variable] = Field(default_factory=dict)
    variants: dict[str, float] = Field(default_factory=dict)
    checks: list[str] = Field(default_factory=list)
    # Messenger's: the id of a shipped template this one replaces for the organisation.
    overrides: str | None = None


class FindingOut(BaseModel):
    rule: str
    severity: str
    message: str
    excerpt: str


class SmsOut(BaseModel):
    encoding: str
    characters: int
    segments: int
    offending: list[tuple[int, str]]


class RenderingOut(BaseModel):
    label: str
    subject: str | None
    body: str


class ReportOut(BaseModel):
    name: str
    language: str
    type: str
    ok: bool
    flesch_douma: float | None
    sms: SmsOut | None
    sms_transliterated: SmsOut | None
    pages: int | None
    findings: list[FindingOut]
    renderings: list[RenderingOut]


class ReportList(BaseModel):
    reports: list[ReportOut]


class SavedTemplate(BaseModel):
    template: schemas.TemplateResponse
    report: ReportOut


class PdfRequest(BaseModel):
    personalisation: dict[str, Any] = Field(default_factory=dict)
    language: schemas.Language = "nl"


def report_out(report: LintReport) -> ReportOut:
    def sms(info: Any) -> SmsOut | None:
        if info is None:
            return None
        return SmsOut(
            encoding=info.encoding,
            characters=info.characters,
            segments=info.segments,
            offending=list(info.offending),
        )

    return ReportOut(
        name=report.name,
        language=report.language,
        type=report.kind,
        ok=report.ok,
        flesch_douma=report.flesch_douma,
        sms=sms(report.sms),
        sms_transliterated=sms(report.transliterated_sms),
        pages=report.pages,
        findings=[FindingOut(**vars(f)) for f in report.findings],
        renderings=[RenderingOut(**vars(r)) for r in report.renderings],
    )


@router.get("/templates/check", response_model=ReportList)
async def check_all(key: Key, db: Session) -> ReportList:
    reports = await template_check.check_organisation(db, key.organisation_id)
    return ReportList(reports=[report_out(r) for r in reports])


@router.post("/templates/check", response_model=ReportOut)
async def check_draft(draft: TemplateDraft, key: Key, db: Session) -> ReportOut:
    source = _source(draft)
    return report_out(await _lint(db, key.organisation_id, source))


@router.post("/templates", status_code=201, response_model=SavedTemplate)
async def create_template(
    draft: TemplateDraft, key: Key, db: Session, settings: AppSettings
) -> SavedTemplate | JSONResponse:
    source = _source(draft)
    report = await _lint(db, key.organisation_id, source)
    if not report.ok:
        return _refused(report)
    try:
        template = await template_store.create_own(
            db, key.organisation_id, source, created_by=key.name, overrides=draft.overrides
        )
    except ValueError as exc:
        raise RequestRejected(str(exc), error="ValidationError") from exc
    await _plan_still_fillable(db, key.organisation_id)
    await db.commit()
    return await _saved(db, key.organisation_id, template.id, source.language, report, settings)


@router.post("/template/{template_id}", response_model=SavedTemplate)
async def update_template(
    template_id: str, draft: TemplateDraft, key: Key, db: Session, settings: AppSettings
) -> SavedTemplate | JSONResponse:
    template = await template_store.own_template(db, key.organisation_id, template_id)
    if draft.type != template.kind:
        raise RequestRejected(f"type cannot change: this is a {template.kind} template")
    source = _source(draft)
    report = await _lint(db, key.organisation_id, source)
    if not report.ok:
        return _refused(report)
    await template_store.add_version(db, template, source, created_by=key.name)
    await _plan_still_fillable(db, key.organisation_id)
    await db.commit()
    return await _saved(db, key.organisation_id, template.id, source.language, report, settings)


@router.post("/template/{template_id}/pdf", response_class=Response)
async def template_pdf(
    template_id: str, body: PdfRequest, key: Key, db: Session, settings: AppSettings
) -> Response:
    choice = await template_store.find(db, key.organisation_id, template_id, language=body.language)
    if choice is None:
        raise HTTPException(404, "No result found")
    if choice.template.kind not in ("letter", "card"):
        raise RequestRejected(f"a {choice.template.kind} template has no PDF")
    version = choice.version
    rendered = await render_version(version, body.personalisation)
    organisation = await db.get(Organisation, key.organisation_id)
    pdf = await template_print.template_pdf(
        choice.template.kind, rendered, body.personalisation, organisation, settings,
        version.language,
    )  # fmt: skip
    return Response(pdf, media_type="application/pdf")


def _source(draft: TemplateDraft) -> TemplateSource:
    try:
        return make_source(
            name=draft.name,
            language=draft.language,
            kind=draft.type,
            title=draft.title,
            subject=draft.subject,
            body=draft.body,
            variables={k: v.model_dump() for k, v in draft.variables.items()},
            variants=draft.variants,
            checks=draft.checks,
            exact=True,  # stored and returned as written, as Notify does
        )
    except TemplateFileError as exc:
        raise RequestRejected(str(exc), error="ValidationError") from exc


async def _lint(db: Session, organisation_id: str, source: TemplateSource) -> LintReport:
    organisation = await db.get(Organisation, organisation_id)
    transliterate_sms = bool(organisation and organisation.sms_transliterate)
    # Rendering a letter to count its pages is CPU work: off the event loop.
    return await asyncio.to_thread(
        template_check.check, source, transliterate_sms=transliterate_sms
    )


def _refused(report: LintReport) -> JSONResponse:
    """Notify's error shape, one entry per error, and the whole report beside it."""
    return JSONResponse(
        status_code=400,
        content={
            "status_code": 400,
            "errors": [
                {"error": "TemplateLintError", "message": f"{f.rule}: {f.message}"}
                for f in report.errors
            ],
            "report": report_out(report).model_dump(),
        },
    )


async def _saved(
    db: Session,
    organisation_id: str,
    template_id: str,
    language: str,
    report: LintReport,
    settings: AppSettings,
) -> SavedTemplate:
    choice = await template_store.find(db, organisation_id, template_id, language=language)
    assert choice is not None
    contact = await presenters.letter_contact_block(db, organisation_id)
    return SavedTemplate(
        template=presenters.template(choice, settings, contact), report=report_out(report)
    )


async def _plan_still_fillable(db: AsyncSession, organisation_id: str) -> None:
    """A new wording must not give the organisation's plan a value nobody fills in (the
    plan was checked when it was saved; this template may be one of its steps)."""
    with bad_request():
        await reminder_plans.check_plan(
            db, organisation_id, await reminder_plans.plan_steps_of(db, organisation_id)
        )
