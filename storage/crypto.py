"""Personal data at rest: AES-256-GCM encryption (key rotation included) and keyed hashes.

Keys come from `QAMQOR_DATA_KEY`: one or more Fernet keys separated by commas,
the newest first. The newest encrypts; every listed key decrypts, so a key is
rotated without downtime: put the new key first, restart, run
`python -m bot rekey` (re-encrypts every row and document with the new key),
then drop the old key. The keyed hash (HMAC-SHA256, for signing codes and
lookups) uses a key derived from the *oldest* listed key, so it survives a
rotation as long as that key stays listed; see README "Personal data".

A value is written as `qg1.` and the base64 of: the key's id (4 bytes), a random
96-bit nonce, the AES-256-GCM ciphertext and tag (`cryptography`'s AESGCM, one
call, where Fernet's AES-CBC and HMAC took three times as long). The AES key is
derived from the listed key with HKDF-SHA256; the id names it, so a value is
decrypted without trying every key. Random nonces stay safe for about 2^32
values sealed under one key (NIST SP 800-38D): rotate before then (at a
million values a day, that is eleven years). Values written as Fernet tokens
(before this format) are still read, and `rekey` rewrites them.

The sandbox and the tests generate a key and keep it in the data folder
(`data.key`, owner-readable only). `run` requires the variable.

The active keys live in a module-level `DataKeys` because SQLAlchemy column
types (`EncryptedText`, `EncryptedJSON`) have no per-engine context; a process
serves one database, and `use_keys` is called once when the bot starts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

KEY_FILE = "data.key"
_FERNET_PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80, base64
_GCM_PREFIX = "qg1."
_GCM_PREFIX_BYTES = _GCM_PREFIX.encode("ascii")
_KEY_ID, _NONCE = 4, 12  # bytes


class DataKeyError(ValueError):
    """A data key is malformed or missing; str() is one line."""


class DataKeys:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise DataKeyError("no data key")
        try:
            fernets = [Fernet(k.encode("ascii")) for k in keys]
            raw = [base64.urlsafe_b64decode(k.encode("ascii")) for k in keys]
        except (ValueError, UnicodeEncodeError):
            raise DataKeyError("QAMQOR_DATA_KEY must be Fernet keys (32 url-safe base64 bytes), "
                               "comma-separated, newest first") from None
        self._fernet = MultiFernet(fernets)
        self._aes: dict[bytes, AESGCM] = {}
        for key in raw:
            aes_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                           info=b"qamqor data at rest: aes-256-gcm").derive(key)
            self._aes.setdefault(hashlib.sha256(aes_key).digest()[:_KEY_ID], AESGCM(aes_key))
        self._newest_id = next(iter(self._aes))
        self._newest = self._aes[self._newest_id]
        self._hmac_key = hashlib.sha256(b"qamqor-lookup:" + keys[-1].encode("ascii")).digest()

    def encrypt(self, data: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = self._newest_id + nonce + self._newest.encrypt(nonce, data, None)
        return _GCM_PREFIX_BYTES + binascii.b2a_base64(sealed, newline=False)

    def decrypt(self, token: bytes) -> bytes:
        """Either format; `InvalidToken` when no listed key opens it (or it was altered)."""
        if not token.startswith(_GCM_PREFIX_BYTES):
            return self._fernet.decrypt(token)
        try:
            sealed = binascii.a2b_base64(token[len(_GCM_PREFIX_BYTES):], strict_mode=True)
            key = self._aes[sealed[:_KEY_ID]]
            return key.decrypt(sealed[_KEY_ID:_KEY_ID + _NONCE], sealed[_KEY_ID + _NONCE:], None)
        except (binascii.Error, KeyError, ValueError, InvalidTag):
            raise InvalidToken from None

    def rotate(self, token: bytes) -> bytes:
        """The same data under the newest key (and in the current format)."""
        return self.encrypt(self.decrypt(token))

    def digest(self, text: str) -> str:
        return hmac.new(self._hmac_key, text.encode("utf-8"), hashlib.sha256).hexdigest()


_active: DataKeys | None = None


def parse_keys(value: str) -> list[str]:
    return [k.strip() for k in value.split(",") if k.strip()]


def use_keys(keys: DataKeys) -> None:
    global _active
    _active = keys


def active() -> DataKeys:
    if _active is None:
        raise DataKeyError("no data key configured (QAMQOR_DATA_KEY)")
    return _active


def keyed_digest(text: str) -> str:
    """HMAC-SHA256 with the data key: a one-time code cannot be found by trying all codes."""
    return active().digest(text)


def load_or_create_key_file(data_dir: Path) -> str:
    """The sandbox's own key, kept (0600) in its data folder."""
    path = data_dir / KEY_FILE
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    private_folder(data_dir)
    key = Fernet.generate_key().decode("ascii")
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def keys_for(data_key: str | None, data_dir: Path) -> DataKeys:
    """`QAMQOR_DATA_KEY`, or (sandbox, tests, CLI on a sandbox folder) the folder's own key."""
    return DataKeys(parse_keys(data_key or load_or_create_key_file(data_dir)))


def private_folder(path: Path) -> None:
    """Create `path` (and parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def encrypt_text(value: str) -> str:
    return active().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(value: str) -> str:
    """Plain text written before encryption was switched on is read as it is."""
    if not is_encrypted(value):
        return value
    try:
        return active().decrypt(value.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DataKeyError("a value cannot be decrypted with QAMQOR_DATA_KEY (wrong or dropped key)") from None


def is_encrypted(value: str | bytes) -> bool:
    if isinstance(value, str):
        return value.startswith((_GCM_PREFIX, _FERNET_PREFIX))
    return value.startswith((_GCM_PREFIX_BYTES, _FERNET_PREFIX.encode("ascii")))


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted (`DataKeys.encrypt`)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt_text(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt_text(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document stored encrypted (answers, dialog data, outbox payloads)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return encrypt_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        if value is None:
            return None
        return json.loads(decrypt_text(value))
