"""A case list between its check and its confirmation: kept encrypted under var/uploads/ for
the session that uploaded it, for an hour at most. Confirming or leaving it deletes it."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from messenger.platform.encryption import SecretBox

KEEP_SECONDS = 3600
_NAME = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class Uploads:
    def __init__(self, folder: Path, box: SecretBox) -> None:
        self.folder = folder
        self.box = box

    def keep(self, owner: str, raw: bytes) -> str:
        """Store `raw` for `owner` (a web session id); returns the id for the confirm form."""
        self.sweep()
        self.folder.mkdir(parents=True, exist_ok=True)
        upload_id = secrets.token_urlsafe(24)
        path = self.folder / upload_id
        path.write_bytes(self.box.encrypt_bytes(owner.encode() + b"\n" + raw))
        path.chmod(0o600)
        return upload_id

    def take(self, owner: str, upload_id: str) -> bytes | None:
        """The file, if it is this owner's and not too old; it stays until `discard`."""
        if not _NAME.match(upload_id):
            return None
        path = self.folder / upload_id
        if not path.is_file() or time.time() - path.stat().st_mtime > KEEP_SECONDS:
            return None
        plain = self.box.decrypt_bytes(path.read_bytes())
        if plain is None:
            return None
        stored_owner, _, raw = plain.partition(b"\n")
        return raw if stored_owner == owner.encode() else None

    def discard(self, upload_id: str) -> None:
        if _NAME.match(upload_id):
            (self.folder / upload_id).unlink(missing_ok=True)

    def sweep(self) -> None:
        """Delete what nobody confirmed within the hour."""
        if not self.folder.is_dir():
            return
        limit = time.time() - KEEP_SECONDS
        for path in self.folder.iterdir():
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
