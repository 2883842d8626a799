"""Accounts for the web pages: argon2id passwords, a lockout after failed sign-ins, one-time
set-password links an admin hands out, and signed-in sessions with an idle timeout.

Only hashes are stored: of the password (argon2id), of the session token in the cookie and of
the token in a set-password link (SHA-256; both tokens are 256 random bits, so a fast hash is
enough). Messages a person reads are Dutch and never say whether an address has an account.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform import roles
from messenger.platform.api_keys import check_holder
from messenger.platform.dates import to_brussels
from messenger.platform.models import Account, WebSession

PASSWORD_MIN_LENGTH = 12  # NCSC and NIST: length, not composition rules
PASSWORD_MAX_LENGTH = 256  # argon2 takes any length; this bounds the work per attempt
LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
SET_PASSWORD_LINK_VALID = timedelta(hours=72)
# last_seen_at is written at most this often, not on every page.
SEEN_EVERY = timedelta(minutes=1)

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults
# Verified against when the address is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
WRONG = "Het e-mailadres of het wachtwoord klopt niet."


class SignInRefused(Exception):
    """A sign-in that did not succeed; the message is for the person, in Dutch."""


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError("Geef een geldig e-mailadres, zoals naam@ocmw.be.") from exc


async def create_account(
    session: AsyncSession,
    *,
    organisation_id: str,
    email: str,
    name: str,
    role: str,
    partner_id: str | None = None,
    water_company: str | None = None,
    now: datetime,
) -> tuple[Account, str]:
    """A new account without a password, and the token of its set-password link."""
    roles.check_role(role, partner_id=partner_id, water_company=water_company, holder="account")
    if not name.strip():
        raise ValueError("Geef de naam van de persoon.")
    await check_holder(session, organisation_id, partner_id)
    address = normalise_email(email)
    if await session.scalar(select(Account.id).where(Account.email == address)):
        raise ValueError("Er is al een account met dit e-mailadres.")
    account = Account(
        organisation_id=organisation_id,
        email=address,
        name=name.strip()[:200],
        role=role,
        partner_id=partner_id,
        water_company=water_company,
        created_at=now,
    )
    session.add(account)
    await session.flush()
    return account, start_password_reset(account, now)


def password_link(public_url: str, token: str) -> str:
    """The page where the person picks a password (web/sign_in.py)."""
    return f"{public_url.rstrip('/')}/wachtwoord/{token}"


def start_password_reset(account: Account, now: datetime) -> str:
    """A fresh set-password link token (the old one stops working). The caller commits."""
    token = secrets.token_urlsafe(32)
    account.reset_token_hash = token_hash(token)
    account.reset_expires_at = now + SET_PASSWORD_LINK_VALID
    return token


async def account_for_link(session: AsyncSession, token: str, now: datetime) -> Account | None:
    account = await session.scalar(
        select(Account).where(Account.reset_token_hash == token_hash(token), Account.active)
    )
    if account is None or account.reset_expires_at is None or account.reset_expires_at < now:
        return None
    return account


def check_password(password: str, account: Account) -> str | None:
    """What is wrong with a new password, in Dutch; None when it will do."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Kies een wachtwoord van minstens {PASSWORD_MIN_LENGTH} tekens."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Kies een wachtwoord van hoogstens {PASSWORD_MAX_LENGTH} tekens."
    if password.strip().lower() in (account.email, account.email.split("@")[0]):
        return "Kies een wachtwoord dat niet uw e-mailadres is."
    return None


async def set_password(
    session: AsyncSession, account: Account, password: str, now: datetime
) -> None:
    """Set the password through a valid link: the link is used up, sessions end, the lock
    lifts. The caller has checked the password and commits."""
    account.password_hash = await asyncio.to_thread(_hasher.hash, password)
    account.reset_token_hash = None
    account.reset_expires_at = None
    account.failed_sign_ins = 0
    account.locked_until = None
    await end_all_sessions(session, account.id, now)


async def sign_in(session: AsyncSession, email: str, password: str, now: datetime) -> Account:
    """The account, or SignInRefused. Five wrong passwords in a row lock it for 15 minutes.
    The caller commits either way (the failure count is part of the answer)."""
    try:
        address = normalise_email(email)
    except ValueError:
        address = ""
    account = (
        await session.scalar(select(Account).where(Account.email == address)) if address else None
    )
    stored = account.password_hash if account and account.active else None
    # Hashing is slow on purpose: off the event loop, and done for unknown addresses too.
    matches = await asyncio.to_thread(
        _verify, stored or _DUMMY_HASH, password[:PASSWORD_MAX_LENGTH]
    )
    if account is None or stored is None:
        raise SignInRefused(WRONG)
    if account.locked_until is not None and account.locked_until > now:
        raise SignInRefused(locked_message(account.locked_until))
    if not matches:
        account.failed_sign_ins += 1
        if account.failed_sign_ins >= LOCK_AFTER_FAILURES:
            account.failed_sign_ins = 0
            account.locked_until = now + LOCK_FOR
            raise SignInRefused(locked_message(account.locked_until))
        raise SignInRefused(WRONG)
    account.failed_sign_ins = 0
    account.locked_until = None
    account.last_sign_in_at = now
    if _hasher.check_needs_rehash(stored):
        account.password_hash = await asyncio.to_thread(_hasher.hash, password)
    return account


def locked_message(until: datetime) -> str:
    return (
        "Te veel mislukte pogingen. Uw account is even geblokkeerd. "
        f"Probeer het opnieuw na {to_brussels(until):%H.%M} uur."
    )


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def switch_off(session: AsyncSession, account: Account, now: datetime) -> None:
    """The person can no longer sign in, and every open session ends. The caller commits."""
    account.active = False
    account.reset_token_hash = None
    await end_all_sessions(session, account.id, now)


async def open_session(session: AsyncSession, account: Account, now: datetime) -> str:
    """A new signed-in session; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            account_id=account.id,
            token_hash=token_hash(token),
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    await session.flush()
    return token


async def current_session(
    session: AsyncSession, token: str, now: datetime, policy: SessionPolicy
) -> tuple[WebSession, Account] | None:
    """The live session for a cookie token and its account; None when it ended, was idle too
    long, is too old, or its account was switched off."""
    found = (
        await session.execute(
            select(WebSession, Account)
            .join(Account, Account.id == WebSession.account_id)
            .where(WebSession.token_hash == token_hash(token), WebSession.ended_at.is_(None))
        )
    ).first()
    if found is None:
        return None
    web_session, account = found
    expired = (
        now - web_session.last_seen_at > policy.idle
        or now - web_session.created_at > policy.lifetime
    )
    if expired or not account.active:
        web_session.ended_at = now
        return None
    if now - web_session.last_seen_at > SEEN_EVERY:
        web_session.last_seen_at = now
    return web_session, account


async def end_session(session: AsyncSession, token: str, now: datetime) -> None:
    await session.execute(
        update(WebSession)
        .where(WebSession.token_hash == token_hash(token), WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


async def end_all_sessions(session: AsyncSession, account_id: str, now: datetime) -> None:
    await session.execute(
        update(WebSession)
        .where(WebSession.account_id == account_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
