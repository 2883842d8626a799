"""Secrets at rest (API key secrets, later provider credentials) are Fernet-encrypted, and
identifiers we must recognise but need not read (a national register number) are kept only
as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from messenger.platform.settings import Settings


class SecretBox:
    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key)
        self._key = key.encode() if isinstance(key, str) else key

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def encrypt_bytes(self, plain: bytes) -> bytes:
        return self._fernet.encrypt(plain)

    def decrypt_bytes(self, token: bytes) -> bytes | None:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            return None

    def fingerprint(self, value: str) -> str:
        """A keyed hash (HMAC-SHA256): equal values match, the value itself cannot be read
        back, and without the server key nobody can try every possible number."""
        key = hmac.new(self._key, b"messenger fingerprint", hashlib.sha256).digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def decrypt(self, token: str) -> str | None:
        """None when the token was made with another server key."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None


def secret_box(settings: Settings) -> SecretBox:
    if settings.secret_key:
        return SecretBox(settings.secret_key)
    return SecretBox(_local_key(settings.var_dir / "secret.key"))


def _local_key(path: Path) -> bytes:
    """One-machine default: a key file made once, readable by its owner only."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
