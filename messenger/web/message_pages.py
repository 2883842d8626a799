"""Bericht sturen: one message to one client, from a template, outside the plan (an answer to a
reply, a reminder by hand). The person picks a template the client can receive, sees its values
filled in from the client's latest case (each can be changed) and the text as the client will
read it, then sends it. A letter goes to the client's address on file and waits for the
print room. The same rules as every send (messages/sending.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.clients import own_client
from messenger.casework.plan_values import plan_values
from messenger.casework.reachability import facts_about, why_not
from messenger.messages.sending import Origin, RequestRejected, SendRequest, accept
from messenger.platform.dates import BRUSSELS
from messenger.platform.models import Case, Client, LacSession, Organisation
from messenger.web.auth import Session, SignedIn, Staff, start_over
from messenger.web.pages import render
from messenger.wording import rendering, template_store

router = APIRouter(include_in_schema=False)
KINDS = ("sms", "email", "letter")
KIND_WORDS = {"sms": "sms", "email": "e-mail", "letter": "brief"}
MAX_VALUE = 500


async def _values_from_case(db: AsyncSession, client: Client) -> dict[str, Any]:
    """The values of the client's latest case with a session, as its plan would fill them."""
    row = (
        await db.execute(
            select(Case, LacSession)
            .join(LacSession, LacSession.id == Case.session_id)
            .where(Case.client_id == client.id)
            .order_by(Case.created_at.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return {"voornaam": client.first_name, "naam": f"{client.first_name} {client.last_name}"}
    case, lac = row
    organisation = await db.get(Organisation, client.organisation_id)
    return await plan_values(db, case, client, lac, organisation)


def _local(value: Any) -> str:
    """A value as the person reads it in the form: a moment in Brussels time, not in UTC."""
    text = str(value)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment.astimezone(BRUSSELS).isoformat() if moment.tzinfo else text


async def _template(
    db: AsyncSession, organisation_id: str, template_id: str
) -> template_store.TemplateChoice:
    found = await template_store.find(db, organisation_id, template_id)
    if found is None or found.template.kind not in KINDS:
        raise LookupError("No result found")
    return found


def _needed(choice: template_store.TemplateChoice) -> list[str]:
    version = choice.version
    used = rendering.variables_of(version.body, version.subject, language=version.language)
    return sorted(used - set(rendering.RESERVED))


async def _preview(
    choice: template_store.TemplateChoice, values: dict[str, Any]
) -> tuple[rendering.Rendered | None, str | None]:
    version = choice.version
    try:
        done = await asyncio.to_thread(
            rendering.render, version.body, version.subject, values, language=version.language
        )
    except rendering.RenderError as exc:
        return None, str(exc)
    return done, None


@router.get("/clienten/{client_id}/bericht", response_class=HTMLResponse)
async def message_page(
    request: Request, client_id: str, person: Staff, db: Session, sjabloon: str = ""
) -> Response:
    client = await own_client(db, person.account.organisation_id, client_id)
    if not sjabloon:
        return await _choose(request, db, client)
    choice = await _template(db, person.account.organisation_id, sjabloon)
    known = await _values_from_case(db, client)
    values = {name: _local(known.get(name, "")) for name in _needed(choice)}
    return await _form(request, client, choice, values)


async def _choose(request: Request, db: AsyncSession, client: Client) -> HTMLResponse:
    facts = await facts_about(db, client)
    blocked = {kind: why_not(client, kind, facts) for kind in KINDS}
    choices = [
        c
        for c in await template_store.list_visible(db, client.organisation_id)
        if c.template.kind in KINDS
    ]
    context = {"client": client, "choices": choices, "blocked": blocked, "kinds": KIND_WORDS}
    return render(request, "message_choose.html", context)


async def _form(
    request: Request,
    client: Client,
    choice: template_store.TemplateChoice,
    values: dict[str, str],
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    rendered, render_problem = await _preview(choice, values)
    context = {
        "client": client,
        "choice": choice,
        "values": values,
        "rendered": rendered,
        "render_problem": render_problem,
        "problem": problem,
    }
    return render(request, "message_form.html", context, status)


async def _posted_values(request: Request, choice: template_store.TemplateChoice) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name, ""))[:MAX_VALUE] for name in _needed(choice)}


@router.post("/clienten/{client_id}/bericht/voorbeeld", response_class=HTMLResponse)
async def live_preview(
    request: Request, client_id: str, person: Staff, db: Session, sjabloon: str = ""
) -> Response:
    await own_client(db, person.account.organisation_id, client_id)
    choice = await _template(db, person.account.organisation_id, sjabloon)
    rendered, problem = await _preview(choice, await _posted_values(request, choice))
    return render(
        request, "_message_preview.html", {"rendered": rendered, "render_problem": problem}
    )


@router.post("/clienten/{client_id}/bericht", response_class=HTMLResponse)
async def send(
    request: Request, client_id: str, person: Staff, db: Session, sjabloon: str = ""
) -> Response:
    client = await own_client(db, person.account.organisation_id, client_id)
    choice = await _template(db, person.account.organisation_id, sjabloon)
    values = await _posted_values(request, choice)
    problem = await _refusal(db, person, client, choice, values, request)
    if problem:
        return await _form(request, client, choice, values, problem, 400)
    sent = "brief" if choice.template.kind == "letter" else "1"
    return RedirectResponse(f"/clienten/{client.id}?bericht={sent}", status_code=303)


async def _refusal(
    db: AsyncSession,
    person: SignedIn,
    client: Client,
    choice: template_store.TemplateChoice,
    values: dict[str, str],
    request: Request,
) -> str | None:
    """Send it; or say, in Dutch, why it cannot go."""
    kind = choice.template.kind
    why = why_not(client, kind, await facts_about(db, client))
    if why:
        return f"Deze cliënt kan geen {KIND_WORDS[kind]} krijgen: {why}."
    if any(not value.strip() for value in values.values()):
        return "Vul alle waarden in."
    recipient = {"sms": client.phone_number, "email": client.email}.get(kind) or ""
    address = {f"address_line_{n}": line for n, line in enumerate(client.address_lines, 1)}
    try:
        await accept(
            db,
            request.app.state.queue,
            Origin(person.account.organisation_id),
            SendRequest(
                kind=kind,
                template_id=choice.template.id,
                recipient=recipient,
                personalisation=values | address if kind == "letter" else values,
                language=client.language,
                client_id=client.id,
            ),
        )
    except (RequestRejected, ValueError) as exc:
        await start_over(db, person)
        return f"Het bericht kan niet vertrekken: {exc}"
    return None
