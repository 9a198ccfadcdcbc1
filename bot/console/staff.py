"""Staff accounts and the login rules, apart from Flask so the CLI and the views share them:
argon2id hashes, the minimum password length, the lockout and the per-address limit, and
the audit rows. Every function takes `now`, so tests move time instead of sleeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update

from bot.models import ConsoleAudit, ConsoleStaff
from bot.store import Store

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024       # argon2 takes any length; this bounds the work one request can ask for
MAX_EMAIL_CHARS = 254
WRONG_PASSWORDS_TO_LOCK = 5     # wrong passwords in a row lock an account ...
LOCK_FOR = timedelta(minutes=15)  # ... for this long
ADDRESS_FAILURES = 10           # failed logins from one client address in LOCK_FOR: it waits
# argon2id with RFC 9106's second recommended profile (t=3, 64 MiB, p=4: argon2-cffi's default),
# named so a library upgrade never changes it silently. A hash made with other parameters is
# made again at its next good login (check_needs_rehash).
PROFILE = profiles.RFC_9106_LOW_MEMORY
HASHER = PasswordHasher.from_parameters(PROFILE)

# Audit actions (console_audit.action).
LOGIN = "login"
LOGIN_FAILED = "login failed"
LOCKOUT = "lockout"
LOGOUT = "logout"


class StaffError(ValueError):
    """An account that cannot be made or found; the message says why."""


@dataclass(frozen=True)
class Outcome:
    """A login attempt's result: the staff email when it succeeded, else None, and the
    account's session epoch; `locked` says whether this attempt locked the account."""

    email: str | None
    locked: bool = False
    epoch: int = 0


def normal_email(raw: str) -> str:
    """Emails compare case-blind and without surrounding spaces."""
    return raw.strip().lower()


def check_email(email: str) -> None:
    if not email or len(email) > MAX_EMAIL_CHARS or "@" not in email or any(c.isspace() for c in email):
        raise StaffError(f"{email!r} is not an email address")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise StaffError(f"a password must be at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise StaffError(f"a password must be at most {MAX_PASSWORD_CHARS} characters")


def add(store: Store, email: str, password: str, now: datetime) -> str:
    """Create an account; the email as stored. StaffError for a bad email or password or one taken."""
    email = normal_email(email)
    check_email(email)
    check_password(password)
    hashed = HASHER.hash(password)
    with store.transaction() as tx:
        if tx.session.scalar(select(ConsoleStaff.id).where(ConsoleStaff.email == email)) is not None:
            raise StaffError(f"{email} already has an account")
        tx.session.add(ConsoleStaff(email=email, password_hash=hashed, created_at=now, failed_logins=0))
    return email


def remove(store: Store, email: str) -> bool:
    """Delete an account (its sessions end at their next request); False when there was none."""
    with store.transaction() as tx:
        return tx.session.execute(delete(ConsoleStaff).where(ConsoleStaff.email == normal_email(email))).rowcount > 0


def listing(store: Store) -> list[ConsoleStaff]:
    with store.transaction() as tx:
        rows = tx.session.scalars(select(ConsoleStaff).order_by(ConsoleStaff.email)).all()
        tx.session.expunge_all()
        return list(rows)


def session_epoch(store: Store, email: str) -> int | None:
    """The account's session epoch (a session of another epoch is over), or None: no account."""
    with store.transaction() as tx:
        return tx.session.scalar(select(ConsoleStaff.session_epoch).where(ConsoleStaff.email == email))


def exists(store: Store, email: str) -> bool:
    return session_epoch(store, email) is not None


def end_sessions(store: Store, email: str) -> None:
    """Every session of the account is over (logout): its epoch moves on."""
    with store.transaction() as tx:
        tx.session.execute(update(ConsoleStaff).where(ConsoleStaff.email == email)
                           .values(session_epoch=ConsoleStaff.session_epoch + 1))


@lru_cache(maxsize=2)
def _decoy_hash(hasher: PasswordHasher) -> str:
    """A hash to verify against when the email has no account, so an unknown email costs
    the same time as a known one and timing tells nothing (made with the hasher in use:
    verifying costs what the hash's own parameters say)."""
    return hasher.hash("not a password of anyone's")


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def address_blocked(store: Store, address: str | None, now: datetime) -> bool:
    """Too many failed logins from this address lately (any accounts, known or not)."""
    if not address:
        return False
    with store.transaction() as tx:
        failures = tx.session.scalar(
            select(func.count()).select_from(ConsoleAudit).where(
                ConsoleAudit.address == address, ConsoleAudit.action == LOGIN_FAILED,
                ConsoleAudit.at > now - LOCK_FOR))
    return failures >= ADDRESS_FAILURES


def login(store: Store, email: str, password: str, address: str | None, now: datetime) -> Outcome:
    """Check a login and keep its record: the account's count of wrong passwords, its lock, the
    audit rows (login, login failed, lockout). A locked account or a blocked address fails even
    with the right password; an unknown email fails after the same hashing work."""
    email = normal_email(email)[:MAX_EMAIL_CHARS]
    password = password[:MAX_PASSWORD_CHARS + 1]
    blocked = address_blocked(store, address, now)
    with store.transaction() as tx:
        account = tx.session.scalar(select(ConsoleStaff).where(ConsoleStaff.email == email))
        right = _verify(account.password_hash if account else _decoy_hash(HASHER), password)
        if account is None:
            _audit(tx, None, LOGIN_FAILED, address, now)
            return Outcome(None)
        locked_now = account.locked_until is not None and account.locked_until > now
        if right and not locked_now and not blocked:
            account.failed_logins = 0
            account.locked_until = None
            if HASHER.check_needs_rehash(account.password_hash):
                account.password_hash = HASHER.hash(password)
            _audit(tx, email, LOGIN, address, now)
            return Outcome(email, epoch=account.session_epoch)
        _audit(tx, email, LOGIN_FAILED, address, now)
        if right or locked_now:
            return Outcome(None)       # a right password while locked or blocked: no count, no new lock
        account.failed_logins += 1
        if account.failed_logins >= WRONG_PASSWORDS_TO_LOCK:
            account.failed_logins = 0
            account.locked_until = now + LOCK_FOR
            _audit(tx, email, LOCKOUT, address, now)
            return Outcome(None, locked=True)
        return Outcome(None)


def audit(store: Store, staff: str | None, action: str, address: str | None, now: datetime) -> None:
    """Record one action: who, what, when, from where (never a body or a number)."""
    with store.transaction() as tx:
        _audit(tx, staff, action, address, now)


def _audit(tx, staff: str | None, action: str, address: str | None, now: datetime) -> None:
    tx.session.add(ConsoleAudit(at=now, staff=staff, action=action[:64], address=(address or None) and address[:64]))


def audit_rows(store: Store, limit: int = 100) -> list[ConsoleAudit]:
    """The latest audit rows, newest first (the settings page, tests)."""
    with store.transaction() as tx:
        rows = tx.session.scalars(select(ConsoleAudit).order_by(ConsoleAudit.id.desc()).limit(limit)).all()
        tx.session.expunge_all()
        return list(rows)
