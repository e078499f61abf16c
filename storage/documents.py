"""Document store: files kept by their SHA-256 under a folder (local by default).

The same bytes are stored once; names given by users are never used as paths.
Files are encrypted with the data key (`storage.crypto`, Fernet) and written
readable by the owner only: a copy of the folder reveals no ID number. The
name is the SHA-256 of the plain bytes, so manifests and dedupe are unchanged;
a file stored before encryption was switched on is read as it is.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from storage import crypto

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Store `content`; returns its SHA-256. Atomic: a crash leaves no half file."""
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        self._write(path, crypto.active().encrypt(content))
        return sha256

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        crypto.private_folder(path.parent)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")  # mode 0600
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes:
        data = self._path(sha256).read_bytes()
        return crypto.active().decrypt(data) if crypto.is_encrypted(data) else data

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def all(self) -> Iterator[str]:
        if self.root.is_dir():
            for path in sorted(self.root.glob("??/*")):
                if _SHA256.match(path.name):
                    yield path.name

    def rekey(self, sha256: str) -> None:
        """Re-encrypt one file with the newest key (plain files get encrypted)."""
        path = self._path(sha256)
        data = path.read_bytes()
        keys = crypto.active()
        self._write(path, keys.rotate(data) if crypto.is_encrypted(data) else keys.encrypt(data))
