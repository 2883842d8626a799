"""Templates in the database: shipped files synced as versions, looked up for sending."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.models import Template, TemplateVersion, utcnow
from messenger.template_files import DEFAULT_LANGUAGE, TemplateSource, load_templates


@dataclass(frozen=True)
class TemplateChoice:
    template: Template
    version: TemplateVersion
    # True when the wanted language was missing and Dutch was used instead.
    fell_back: bool


async def sync_shipped(session: AsyncSession, sources: list[TemplateSource] | None = None) -> int:
    """Make the database match the template files; a changed file becomes a new version.

    Returns how many versions were added. Safe to run from several processes at once.
    """
    added = 0
    for source in sources if sources is not None else load_templates():
        try:
            added += await _sync_one(session, source)
        except IntegrityError:  # another process added the same version first
            await session.rollback()
    return added


async def _sync_one(session: AsyncSession, source: TemplateSource) -> int:
    template = await session.get(Template, source.id)
    if template is None:
        template = Template(id=source.id, organisation_id=None, name=source.name, kind=source.kind)
        session.add(template)
    latest = await _latest(session, source.id, source.language)
    if latest is not None and latest.content_hash == source.content_hash:
        return 0
    highest = await session.scalar(
        select(func.max(TemplateVersion.version)).where(TemplateVersion.template_id == source.id)
    )
    session.add(
        TemplateVersion(
            template_id=source.id,
            language=source.language,
            version=(highest or 0) + 1,
            title=source.title,
            subject=source.subject,
            body=source.body,
            variables=source.variables,
            content_hash=source.content_hash,
        )
    )
    if latest is not None:
        template.updated_at = utcnow()
    await session.commit()
    return 1


async def _latest(session: AsyncSession, template_id: str, language: str) -> TemplateVersion | None:
    return await session.scalar(
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id, TemplateVersion.language == language)
        .order_by(TemplateVersion.version.desc())
        .limit(1)
    )


def visible_to(organisation_id: str) -> ColumnElement[bool]:
    return or_(Template.organisation_id.is_(None), Template.organisation_id == organisation_id)


async def find(
    session: AsyncSession,
    organisation_id: str,
    template_id: str,
    *,
    language: str = DEFAULT_LANGUAGE,
    version: int | None = None,
) -> TemplateChoice | None:
    template = await session.scalar(
        select(Template).where(Template.id == template_id, visible_to(organisation_id))
    )
    if template is None:
        return None
    for lang, fell_back in ((language, False), (DEFAULT_LANGUAGE, language != DEFAULT_LANGUAGE)):
        query = select(TemplateVersion).where(
            TemplateVersion.template_id == template_id, TemplateVersion.language == lang
        )
        if version is not None:
            query = query.where(TemplateVersion.version == version)
        found = await session.scalar(query.order_by(TemplateVersion.version.desc()).limit(1))
        if found is not None:
            return TemplateChoice(template, found, fell_back)
    return None


async def list_visible(
    session: AsyncSession, organisation_id: str, kind: str | None = None
) -> list[TemplateChoice]:
    query = select(Template).where(visible_to(organisation_id)).order_by(Template.name)
    if kind:
        query = query.where(Template.kind == kind)
    choices = []
    for template in await session.scalars(query):
        choice = await find(session, organisation_id, template.id)
        if choice is not None:
            choices.append(choice)
    return choices
