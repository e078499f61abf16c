"""For the claims team, until the insurer API exists: list claims, export one.

`python -m bot claims list` and `python -m bot claims export NUMBER`: a zip of
the documents with a JSON manifest (claim, policy, checklist, files with hashes).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from insurance.catalogue import get_product
from insurance.claim_documents import progress
from insurance.money import from_minor_units
from bot.settings import Settings
from storage.db import create_engine, migrate, session_factory
from storage.documents import DocumentStore
from storage.unit_of_work import UnitOfWork

class MissingDocument(Exception):
    """A document the database lists is missing (or unreadable) in the document store."""


EXTENSIONS = {"jpeg": "jpg", "png": "png", "pdf": "pdf", "heic": "heic"}


async def claim_rows(settings: Settings) -> list[dict[str, Any]]:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with UnitOfWork(session_factory(engine)) as uow:
            rows = []
            for claim in await uow.claims.all():
                product = get_product(claim.product_code)
                policy = await uow.policies.get(claim.policy_id)
                state = progress(product.event_type(claim.event_type).checklist,
                                 {d.item_code for d in await uow.claims.documents(claim.id)})
                rows.append({
                    "number": claim.number, "product": claim.product_code,
                    "policy": policy.number if policy else None, "event": claim.event_type,
                    "event_date": claim.event_date.isoformat(), "status": claim.status,
                    "documents": f"{len(state.delivered)}/{state.total}", "late": claim.late,
                    "reported_at": claim.reported_at.isoformat(timespec="seconds"),
                })
            return rows
    finally:
        await engine.dispose()


def format_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no claims"
    columns = ["number", "product", "policy", "event", "event_date", "status", "documents", "late", "reported_at"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


async def export_claim(settings: Settings, number: str) -> bytes:
    """The claim's documents and a manifest, as zip bytes; KeyError if unknown."""
    engine = create_engine(settings.database_url)
    store = DocumentStore(settings.data_dir / "documents")
    try:
        await migrate(engine)
        async with UnitOfWork(session_factory(engine)) as uow:
            return await claim_archive(uow, store, number)
    finally:
        await engine.dispose()


async def claim_archive(uow: UnitOfWork, store: DocumentStore, number: str) -> bytes:
    """The zip of `python -m bot claims export` and of the insurer API: the documents
    and manifest.json (claim, policy, checklist, files with SHA-256); KeyError if unknown."""
    claim = await uow.claims.by_number(number)
    if claim is None:
        raise KeyError(number)
    policy = await uow.policies.get(claim.policy_id)
    assert policy is not None
    product = get_product(claim.product_code)
    event = product.event_type(claim.event_type)
    documents = await uow.claims.documents(claim.id)
    originals = {o.item_code: o for o in await uow.originals.for_claim(claim.id)}
    buffer = io.BytesIO()
    files = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, document in enumerate(documents, 1):
            path = f"files/{document.item_code}/{index:03d}-{document.sha256[:12]}.{EXTENSIONS[document.kind]}"
            try:
                archive.writestr(path, store.get(document.sha256))
            except (OSError, ValueError) as exc:
                raise MissingDocument(f"claim {number}: the file of document {document.sha256[:12]} "
                                      f"({document.item_code}) cannot be read from the document store") from exc
            files.append({"path": path, "item": document.item_code, "sha256": document.sha256,
                          "kind": document.kind, "size": document.size,
                          "original_name": document.original_name,
                          "uploaded_at": document.uploaded_at.isoformat()})
        manifest = {
            "claim": {
                "number": claim.number, "event_type": claim.event_type,
                "disability_group": claim.disability_group, "event_date": claim.event_date.isoformat(),
                "description": claim.description, "contact_phone": claim.contact_phone,
                "reporter_relation": claim.reporter_relation, "reported_at": claim.reported_at.isoformat(),
                "reporting_deadline": claim.reporting_deadline.isoformat(), "late": claim.late,
                "days_late": claim.days_late, "outside_cover": claim.outside_cover, "status": claim.status,
                "documents_complete_at": claim.documents_complete_at.isoformat()
                if claim.documents_complete_at else None,
                "disability_set_on": claim.disability_set_on.isoformat() if claim.disability_set_on else None,
                "outside_option": claim.outside_option,
            },
            "policy": {
                "number": policy.number, "product": policy.product_code, "holder": policy.holder_name,
                "cover_option": policy.cover_option, "cover_start": policy.cover_start.isoformat(),
                "cover_end": policy.cover_end.isoformat(), "currency": policy.currency,
                "sum_insured": str(from_minor_units(policy.sum_insured_minor)),
            },
            "checklist": [
                {"item": item.code, "name": item.document.name.ru, "forms": list(item.document.forms),
                 "clause": item.clause, "delivered": any(d.item_code == item.code for d in documents),
                 # Nomad Life rules 10.1, 10.2: the insurer holds the original
                 "original_confirmed_at": originals[item.code].confirmed_at.isoformat()
                 if item.code in originals else None,
                 "original_confirmed_by": originals[item.code].confirmed_by if item.code in originals else None}
                for item in event.checklist
            ],
            "checklist_insurer_to_confirm": event.checklist_insurer_to_confirm,
            "files": files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def default_output(number: str) -> Path:
    return Path(f"{number}.zip")
