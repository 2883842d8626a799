"""A client's data over HTTP: export for a social worker, erasure for an admin.

Another organisation's client is a 404, like one that does not exist (tenancy.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from messenger.aftercare import privacy
from messenger.api.deps import AdminKey, AppSettings, Key, Queue, Session

router = APIRouter(prefix="/v2", tags=["privacy"])


@router.get("/clients/{client_id}/export")
async def export_client(client_id: str, key: Key, db: Session) -> dict[str, Any]:
    """Everything Messenger holds about the client, as JSON."""
    return await privacy.export_client(db, key.organisation_id, client_id)


@router.post("/clients/{client_id}/erase")
async def erase_client(
    client_id: str, key: AdminKey, db: Session, settings: AppSettings, queue: Queue
) -> dict[str, Any]:
    """Remove the client's personal data; anonymous counts for the reports stay. Returns the
    rows changed per table, the opt-out records kept, and the partners that were shown the
    client's details and are now told to erase their copy (GDPR art. 19)."""
    report = await privacy.erase_client(db, key.organisation_id, client_id, erased_by=key.name)
    await db.commit()
    files = privacy.erase_files(settings.outbox_dir, report.messages)
    told = await privacy.inform_partners(db, queue, report)
    return report.to_json() | {"outbox_files_removed": files, "partners_informed": told}
