"""GET /v2/template/{id}[/version/{v}], GET /v2/templates, POST /v2/template/{id}/preview."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from messenger.api import presenters, schemas
from messenger.api.deps import AppSettings, Key, Session
from messenger.messages.sending import RequestRejected
from messenger.platform.models import TemplateVersion
from messenger.wording import rendering, template_store
from messenger.wording.formatting import text_to_html

router = APIRouter(prefix="/v2", tags=["templates"])
Language = Annotated[str, Query(pattern="^(nl|fr|en)$")]


@router.get("/template/{template_id}", response_model=schemas.TemplateResponse)
async def get_template(
    template_id: str, key: Key, db: Session, settings: AppSettings, language: Language = "nl"
) -> schemas.TemplateResponse:
    choice = await _find(db, key.organisation_id, template_id, language)
    contact = await presenters.letter_contact_block(db, key.organisation_id)
    return presenters.template(choice, settings, contact)


@router.get("/template/{template_id}/version/{version}", response_model=schemas.TemplateResponse)
async def get_template_version(
    template_id: str,
    version: int,
    key: Key,
    db: Session,
    settings: AppSettings,
    language: Language = "nl",
) -> schemas.TemplateResponse:
    choice = await _find(db, key.organisation_id, template_id, language, version)
    latest = await _find(db, key.organisation_id, template_id, language)
    if choice.version.id == latest.version.id:
        contact = await presenters.letter_contact_block(db, key.organisation_id)
    else:  # an older version: the return address it was saved with
        contact = choice.version.letter_contact_block
    return presenters.template(choice, settings, contact)


@router.get("/templates", response_model=schemas.TemplateList)
async def list_templates(
    key: Key,
    db: Session,
    settings: AppSettings,
    type: Annotated[str | None, Query(pattern="^(sms|email|letter|card)$")] = None,
) -> schemas.TemplateList:
    """Cards (Messenger's own kind, which Notify's schema does not know) only when asked for
    with `type=card`."""
    choices = await template_store.list_visible(db, key.organisation_id, type)
    if type is None:
        choices = [c for c in choices if c.template.kind != "card"]
    contact = await presenters.letter_contact_block(db, key.organisation_id)
    return schemas.TemplateList(
        templates=[presenters.template(c, settings, contact) for c in choices]
    )


@router.post("/template/{template_id}/preview", response_model=schemas.PreviewResponse)
async def preview_template(
    template_id: str, body: schemas.PreviewRequest, key: Key, db: Session
) -> schemas.PreviewResponse:
    choice = await _find(db, key.organisation_id, template_id, body.language)
    version = choice.version
    rendered = await render_version(version, body.personalisation)
    kind = choice.template.kind
    return schemas.PreviewResponse(
        id=choice.template.id,
        type=kind,  # type: ignore[arg-type]
        version=version.version,
        body=rendered.body,
        subject=rendered.subject,
        html=text_to_html(rendered.body) if kind != "sms" else None,
    )


async def render_version(version: TemplateVersion, values: dict[str, Any]) -> rendering.Rendered:
    """A stored version filled in (off the event loop), or a 400 naming what is wrong."""
    try:
        return await asyncio.to_thread(
            rendering.render, version.body, version.subject, values, language=version.language
        )
    except rendering.RenderError as exc:
        raise RequestRejected(str(exc)) from exc


async def _find(
    db: Session, organisation_id: str, template_id: str, language: str, version: int | None = None
) -> template_store.TemplateChoice:
    choice = await template_store.find(
        db, organisation_id, template_id, language=language, version=version
    )
    if choice is None:
        raise HTTPException(404, "No result found")
    return choice
