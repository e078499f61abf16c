"""Re-encrypt personal data with the newest data key (key rotation without downtime).

Rows are read (any listed key decrypts) and written back (the newest key
encrypts), a batch per transaction, so the bot keeps running meanwhile. Plain
values written before encryption was switched on are encrypted too.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import attributes

from storage.crypto import EncryptedJSON, EncryptedText
from storage.documents import DocumentStore
from storage.models import Base

BATCH = 200


def encrypted_columns() -> dict[type, list[str]]:
    found: dict[type, list[str]] = {}
    for mapper in Base.registry.mappers:
        names = [c.key for c in mapper.columns if isinstance(c.type, (EncryptedText, EncryptedJSON))]
        if names:
            found[mapper.class_] = names
    return found


async def rekey(sessions: async_sessionmaker[AsyncSession], documents: DocumentStore) -> tuple[int, int]:
    """Returns (rows, files) re-encrypted."""
    rows = 0
    for model, names in encrypted_columns().items():
        primary = model.__mapper__.primary_key[0]
        last = None
        while True:
            async with sessions() as session:
                query = select(model).order_by(primary).limit(BATCH)
                if last is not None:
                    query = query.where(primary > last)
                batch = (await session.scalars(query)).all()
                if not batch:
                    break
                for row in batch:
                    for name in names:
                        if getattr(row, name) is not None:
                            attributes.flag_modified(row, name)
                last = getattr(batch[-1], primary.key)
                rows += len(batch)
                await session.commit()
    files = 0
    for sha256 in list(documents.all()):
        documents.rekey(sha256)
        files += 1
    return rows, files
