"""Encryption at rest: people's numbers and plans are sealed with AES-GCM, and found by a
keyed hash of the number, so a copy of the database without the key holds neither.

Two sub-keys come from STEADY_DATA_KEY by HKDF-SHA256: one seals (AES-256-GCM, a fresh
12-byte nonce each time, the column's name as associated data so a value cannot be moved
to another column), one hashes numbers for look-ups (HMAC-SHA256 of the E.164 number).
Each sealed value names the key that sealed it (its key id, 8 hex characters), so
`steady keys rotate` (bot.rotation) knows what to seal again, and a value sealed by
STEADY_DATA_KEY_OLD still opens while a rotation runs. Look-ups try the hash under both.

The keys of a process are installed once (`use`, from its settings: bot.app, the CLI,
migration 0006) and read by the column types of bot.models, where every read and write
of those columns passes: the store, the outbox and retention see plain values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# A sealed value: PREFIX, the key id, ":", base64url(nonce + ciphertext + tag).
PREFIX = "s1:"
_NONCE_BYTES = 12
_KID_CHARS = 8


class KeyMissing(RuntimeError):
    """No keys installed, or a value sealed by a key this process does not have."""


def _derive(secret: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


class Key:
    """One data key's sub-keys and id."""

    __slots__ = ("kid", "_aead", "_lookup")

    def __init__(self, secret: bytes) -> None:
        self._aead = AESGCM(_derive(secret, b"steady seal v1"))
        self._lookup = _derive(secret, b"steady lookup v1")
        self.kid = _derive(secret, b"steady key id v1", _KID_CHARS // 2).hex()

    def seal(self, plain: str, column: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain.encode("utf-8"), column.encode("ascii"))
        return f"{PREFIX}{self.kid}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def open(self, body: str, column: str) -> str:
        raw = base64.urlsafe_b64decode(body)
        return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], column.encode("ascii")).decode("utf-8")

    def lookup(self, number: str) -> str:
        return hmac.new(self._lookup, number.encode("utf-8"), hashlib.sha256).hexdigest()


class Keys:
    """The key that seals (STEADY_DATA_KEY) and the one still accepted for reading during
    a rotation (STEADY_DATA_KEY_OLD), if any."""

    def __init__(self, secret: bytes, old: bytes | None = None) -> None:
        self.primary = Key(secret)
        self.old = Key(old) if old and old != secret else None
        self._by_kid = {key.kid: key for key in (self.primary, self.old) if key is not None}

    def seal(self, plain: str, column: str) -> str:
        return self.primary.seal(plain, column)

    def open(self, stored: str, column: str) -> str:
        """The plain value of a sealed one. A value that is not sealed (written before
        migration 0006, or by its offline SQL) is returned as it is; `steady keys rotate`
        seals it."""
        if not stored.startswith(PREFIX):
            return stored
        kid, _, body = stored[len(PREFIX):].partition(":")
        key = self._by_kid.get(kid)
        if key is None:
            raise KeyMissing(f"a value in {column} was sealed by key {kid}, which is neither STEADY_DATA_KEY "
                             "nor STEADY_DATA_KEY_OLD")
        try:
            return key.open(body, column)
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise ValueError(f"a value in {column} does not open with key {kid}: altered or damaged") from exc

    def lookup(self, number: str) -> str:
        """The look-up hash of an E.164 number under STEADY_DATA_KEY."""
        return self.primary.lookup(number)

    def lookups(self, number: str) -> tuple[str, str]:
        """Its hash under STEADY_DATA_KEY and under STEADY_DATA_KEY_OLD (the first again
        without one): a row not yet rotated is found too."""
        new = self.primary.lookup(number)
        return new, (self.old.lookup(number) if self.old is not None else new)

    def current(self, stored: str | None) -> bool:
        """Whether a stored value is sealed by STEADY_DATA_KEY (None: nothing to seal)."""
        return stored is None or stored.startswith(f"{PREFIX}{self.primary.kid}:")


_installed: Keys | None = None


def use(keys: Keys) -> Keys:
    """Install the process's keys (read by bot.models' sealed columns)."""
    global _installed
    _installed = keys
    return keys


def keyring() -> Keys:
    """The installed keys; KeyMissing before `use`."""
    if _installed is None:
        raise KeyMissing("no data key installed: bot.crypto.use(keys_for(settings)) first")
    return _installed


def require_key(settings) -> None:
    """SettingsError without STEADY_DATA_KEY. Every process that reads or writes people's
    data needs it (the web process, the clock, each `steady` command): processes sharing a
    database share no instance folder, and a key kept beside the database travels with
    every copy of it. Only the local tools, `steady run` and `steady chat`, keep one in the
    instance folder (`local_key`)."""
    from bot.settings import SettingsError

    if not settings.data_key:
        raise SettingsError(["STEADY_DATA_KEY is required (32+ characters, the same in every process, kept apart "
                             "from the database and its backups); only `steady run` and `steady chat` keep one "
                             "in the instance folder"])


def local_key(settings):
    """The settings with STEADY_DATA_KEY, or the instance folder's key when it is unset
    (made once, 0600): for `steady run` and `steady chat` on one machine."""
    from bot import erasure

    if settings.data_key:
        return settings
    return settings.with_(data_key=erasure.data_key(settings).decode("utf-8"))


def keys_for(settings) -> Keys:
    """The keys a process's settings name: STEADY_DATA_KEY and STEADY_DATA_KEY_OLD."""
    require_key(settings)
    old = settings.data_key_old.encode("utf-8") if settings.data_key_old else None
    return Keys(settings.data_key.encode("utf-8"), old)


def use_settings(settings) -> Keys:
    return use(keys_for(settings))

