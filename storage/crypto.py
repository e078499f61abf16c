"""Personal data at rest: Fernet encryption (MultiFernet for key rotation) and keyed hashes.

Keys come from `QAMQOR_DATA_KEY`: one or more Fernet keys separated by commas,
the newest first. The newest encrypts; every listed key decrypts, so a key is
rotated without downtime: put the new key first, restart, run
`python -m bot rekey` (re-encrypts every row and document with the new key),
then drop the old key. The keyed hash (HMAC-SHA256, for signing codes and
lookups) uses a key derived from the *oldest* listed key, so it survives a
rotation as long as that key stays listed; see README "Personal data".

The sandbox and the tests generate a key and keep it in the data folder
(`data.key`, owner-readable only). `run` requires the variable.

The active keys live in a module-level `DataKeys` because SQLAlchemy column
types (`EncryptedText`, `EncryptedJSON`) have no per-engine context; a process
serves one database, and `use_keys` is called once when the bot starts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

KEY_FILE = "data.key"
_TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80, base64


class DataKeyError(ValueError):
    """A data key is malformed or missing; str() is one line."""


class DataKeys:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise DataKeyError("no data key")
        try:
            self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys])
        except (ValueError, UnicodeEncodeError):
            raise DataKeyError("QAMQOR_DATA_KEY must be Fernet keys (32 url-safe base64 bytes), "
                               "comma-separated, newest first") from None
        self._hmac_key = hashlib.sha256(b"qamqor-lookup:" + keys[-1].encode("ascii")).digest()

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        return self._fernet.decrypt(token)

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)

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
    if not value.startswith(_TOKEN_PREFIX):
        return value
    try:
        return active().decrypt(value.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DataKeyError("a value cannot be decrypted with QAMQOR_DATA_KEY (wrong or dropped key)") from None


def is_encrypted(value: str | bytes) -> bool:
    prefix = _TOKEN_PREFIX if isinstance(value, str) else _TOKEN_PREFIX.encode("ascii")
    return value.startswith(prefix)  # type: ignore[arg-type]


class EncryptedText(TypeDecorator[str]):
    """A text column stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt_text(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt_text(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document stored as a Fernet token (answers, dialog data, outbox payloads)."""

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
