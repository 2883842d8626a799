"""Templates in the database: shipped files synced as versions, organisations' own templates,
and the lookup used for sending.

A shipped template is read-only and the same everywhere (its id is uuid5 of its name). An
organisation may add templates of its own and override a shipped one: its override is then
used wherever the shipped id is asked for. Every change is a new version; a message keeps
the version it was rendered from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from messenger.platform.models import Organisation, Template, TemplateVersion, utcnow
from messenger.platform.tenancy import own
from messenger.wording.template_files import (
    DEFAULT_LANGUAGE,
    TemplateSource,
    load_templates,
    template_id,
)

# The template a letter made elsewhere (a PDF, messages/precompiled.py) is filed under, as in
# Notify: hidden from every list, it only names what such a letter is.
PRECOMPILED = TemplateSource(
    name="precompiled-letter",
    language=DEFAULT_LANGUAGE,
    kind="letter",
    title="Brief uit een ander systeem (pdf)",
    body="",
)
PRECOMPILED_ID = template_id(PRECOMPILED.name)


@dataclass(frozen=True)
class TemplateChoice:
    template: Template
    version: TemplateVersion
    # True when the wanted language was missing and Dutch was used instead.
    fell_back: bool

    def source(self) -> TemplateSource:
        """As the linter and renderer read it."""
        return as_source(self.template, self.version)


def as_source(template: Template, version: TemplateVersion) -> TemplateSource:
    return TemplateSource(
        name=template.name,
        language=version.language,
        kind=template.kind,
        title=version.title,
        subject=version.subject,
        body=version.body,
        variables=dict(version.variables or {}),
        variants={k: float(v) for k, v in (version.variants or {}).items()},
        checks=tuple(version.checks or ()),
    )


async def sync_shipped(session: AsyncSession, sources: list[TemplateSource] | None = None) -> int:
    """Make the database match the template files; a changed file becomes a new version.

    Returns how many versions were added. Safe to run from several processes at once.
    """
    added = 0
    shipped = sources if sources is not None else load_templates()
    for source in [*shipped, PRECOMPILED]:
        try:
            template = await session.get(Template, source.id)
            if template is None:
                template = Template(
                    id=source.id, organisation_id=None, name=source.name, kind=source.kind
                )
                session.add(template)
            added += await add_version(session, template, source, created_by="messenger")
            await session.commit()
        except IntegrityError:  # another process added the same version first
            await session.rollback()
    return added


async def add_version(
    session: AsyncSession, template: Template, source: TemplateSource, *, created_by: str
) -> int:
    """A new version for `source.language` unless it is the same as the latest: 1 or 0."""
    latest = await _latest(session, template.id, source.language)
    if latest is not None and latest.content_hash == source.content_hash:
        return 0
    highest = await session.scalar(
        select(func.max(TemplateVersion.version)).where(TemplateVersion.template_id == template.id)
    )
    session.add(
        TemplateVersion(
            template_id=template.id,
            language=source.language,
            version=(highest or 0) + 1,
            title=source.title,
            subject=source.subject,
            body=source.body,
            variables=source.variables,
            variants=source.variants,
            checks=list(source.checks),
            content_hash=source.content_hash,
            letter_contact_block=await _contact_block(session, template),
            created_by=created_by,
        )
    )
    if latest is not None or highest:
        template.updated_at = utcnow()
    await session.flush()
    return 1


async def _contact_block(session: AsyncSession, template: Template) -> str | None:
    if template.kind != "letter" or template.organisation_id is None:
        return None
    organisation = await session.get(Organisation, template.organisation_id)
    return contact_block(organisation)


def contact_block(organisation: Organisation | None) -> str | None:
    """Notify's `letter_contact_block`: the return address the organisation set for its
    letters, one line per line; None while it has set none (its letters then carry the
    installation's default, MESSENGER_LETTER_SENDER)."""
    if organisation is None or not organisation.letter_sender:
        return None
    return "\n".join(line for line in organisation.letter_sender.split("|") if line) or None


async def create_own(
    session: AsyncSession,
    organisation_id: str,
    source: TemplateSource,
    *,
    created_by: str,
    overrides: str | None = None,
) -> Template:
    """An organisation's own template (its first version). The caller lints and commits."""
    if overrides is not None:
        shipped = await session.get(Template, overrides)
        if shipped is None or shipped.organisation_id is not None:
            raise LookupError("overrides: no shipped template with that id")
        if shipped.kind != source.kind:
            raise ValueError(f"overrides: a {shipped.kind} template cannot be a {source.kind}")
        if await _override_of(session, organisation_id, overrides) is not None:
            raise ValueError("overrides: this organisation already overrides that template")
    template = Template(
        id=str(uuid.uuid4()),
        organisation_id=organisation_id,
        name=source.name,
        kind=source.kind,
        overrides_id=overrides,
    )
    session.add(template)
    await session.flush()
    await add_version(session, template, source, created_by=created_by)
    return template


async def own_template(session: AsyncSession, organisation_id: str, template_id: str) -> Template:
    """The organisation's own template (shipped ones cannot be edited), or LookupError."""
    return await own(session, Template, organisation_id, template_id)


async def _latest(session: AsyncSession, template_id: str, language: str) -> TemplateVersion | None:
    return await session.scalar(
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id, TemplateVersion.language == language)
        .order_by(TemplateVersion.version.desc())
        .limit(1)
    )


async def _override_of(
    session: AsyncSession, organisation_id: str, template_id: str
) -> Template | None:
    return await session.scalar(
        select(Template).where(
            Template.organisation_id == organisation_id, Template.overrides_id == template_id
        )
    )


def visible_to(organisation_id: str | BindParameter[str]) -> ColumnElement[bool]:
    return or_(Template.organisation_id.is_(None), Template.organisation_id == organisation_id)


async def find(
    session: AsyncSession,
    organisation_id: str,
    template_id: str,
    *,
    language: str = DEFAULT_LANGUAGE,
    version: int | None = None,
) -> TemplateChoice | None:
    if version is not None:
        return await _find_version(session, organisation_id, template_id, version)
    rows = (
        await session.execute(
            _TEMPLATE_AND_LATEST,
            {
                "template_id": template_id,
                "organisation_id": organisation_id,
                "language": language,
                "default_language": DEFAULT_LANGUAGE,
            },
        )
    ).all()
    templates = {template.id: template for template, _ in rows}
    template = templates.get(template_id)
    if template is None:
        return None
    if template.organisation_id is None:
        # The organisation's own wording wins over the shipped one.
        template = next((t for t in templates.values() if t.overrides_id == template_id), template)
    latest = {v.language: v for t, v in rows if t.id == template.id and v is not None}
    # The language asked for, else Dutch, else the language the template was written in (an
    # organisation's template may exist in English only: a Notify client names no language).
    for lang in dict.fromkeys((language, DEFAULT_LANGUAGE)):
        if lang in latest:
            return TemplateChoice(template, latest[lang], lang != language)
    first = await session.scalar(
        select(TemplateVersion.language)
        .where(TemplateVersion.template_id == template.id)
        .order_by(TemplateVersion.id)
        .limit(1)
    )
    found = None if first is None else await _latest(session, template.id, first)
    if found is not None:
        return TemplateChoice(template, found, True)
    return None


def _template_and_latest() -> Select[Template, TemplateVersion]:
    """What sending needs, in one statement (it runs at every message): the template, the
    organisation's override of it if any, and the latest version of each of them in the
    language asked for and in Dutch (none: the template row with None). Built once: building
    a statement like this costs more than running it."""
    other = aliased(TemplateVersion)
    latest_in_its_language = (
        select(func.max(other.version))
        .where(other.template_id == Template.id, other.language == TemplateVersion.language)
        .scalar_subquery()
    )
    template_id: BindParameter[str] = bindparam("template_id")
    organisation_id: BindParameter[str] = bindparam("organisation_id")
    return (
        select(Template, TemplateVersion)
        .outerjoin(
            TemplateVersion,
            and_(
                TemplateVersion.template_id == Template.id,
                TemplateVersion.language.in_(
                    [bindparam("language"), bindparam("default_language")]
                ),
                TemplateVersion.version == latest_in_its_language,
            ),
        )
        .where(
            or_(
                and_(Template.id == template_id, visible_to(organisation_id)),
                and_(
                    Template.organisation_id == organisation_id,
                    Template.overrides_id == template_id,
                ),
            )
        )
        .order_by(Template.id)
    )


_TEMPLATE_AND_LATEST = _template_and_latest()


async def _find_version(
    session: AsyncSession, organisation_id: str, template_id: str, version: int
) -> TemplateChoice | None:
    """A version number names one text of the template, whatever its language: versions are
    numbered across languages (a French message's uri names its French version)."""
    template = await session.scalar(
        select(Template).where(Template.id == template_id, visible_to(organisation_id))
    )
    if template is None:
        return None
    found = await session.scalar(
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template.id, TemplateVersion.version == version)
        .limit(1)
    )
    return None if found is None else TemplateChoice(template, found, False)


async def list_visible(
    session: AsyncSession, organisation_id: str, kind: str | None = None
) -> list[TemplateChoice]:
    query = (
        select(Template)
        .where(visible_to(organisation_id), Template.id != PRECOMPILED_ID)
        .order_by(Template.name)
    )
    if kind:
        query = query.where(Template.kind == kind)
    choices: dict[str, TemplateChoice] = {}
    for template in await session.scalars(query):
        choice = await find(session, organisation_id, template.id)
        # An overridden shipped template shows as the organisation's own, once.
        if choice is not None:
            choices.setdefault(choice.template.id, choice)
    return list(choices.values())


async def languages_of(session: AsyncSession, template_id: str) -> list[str]:
    return sorted(
        await session.scalars(
            select(TemplateVersion.language)
            .where(TemplateVersion.template_id == template_id)
            .distinct()
        )
    )
