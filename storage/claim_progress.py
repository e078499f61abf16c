"""Where a claim's documents stand, and the insurer confirming an original.

One place for both callers of "the insurer holds the original": the staff
chat command today (`/original CLAIM ITEM`), the partner API later. A claim
becomes complete, and the decision clock of Nomad Life rules 7.8 starts, only
when every checklist item is in the form the rules ask for (10.1, 10.2).
"""

from __future__ import annotations

from dataclasses import dataclass

from insurance.catalogue import get_product
from insurance.claim_status import DOCUMENTS_COMPLETE, DOCUMENTS_REQUESTED, REGISTERED
from insurance.claim_clock import ClaimClock, ItemStatus, all_received_at, claim_clock, item_statuses
from insurance.product import ChecklistItem
from insurance.reasons import ReasonedError
from storage.models import Claim
from storage.unit_of_work import UnitOfWork


async def statuses(uow: UnitOfWork, claim: Claim) -> tuple[ItemStatus, ...]:
    """Per checklist item: the first scan received and the original confirmed."""
    checklist = get_product(claim.product_code).event_type(claim.event_type).checklist
    scans: dict[str, object] = {}
    for document in await uow.claims.documents(claim.id):
        scans.setdefault(document.item_code, document.uploaded_at)
    originals = {o.item_code: o.confirmed_at for o in await uow.originals.for_claim(claim.id)}
    return item_statuses(checklist, scans, originals)  # type: ignore[arg-type]


async def clock(uow: UnitOfWork, claim: Claim) -> tuple[tuple[ItemStatus, ...], ClaimClock]:
    states = await statuses(uow, claim)
    return states, claim_clock(get_product(claim.product_code), states)


async def attach_document(uow: UnitOfWork, claim: Claim, item_code: str, sha256: str, *, kind: str, size: int,
                          original_name: str | None) -> bool:
    """A file delivered for a checklist item: linked, on the timeline, and an event to the
    product's partners; False when this file was already there for the item."""
    document = await uow.claims.attach(claim.id, item_code, sha256, kind=kind, size=size, original_name=original_name)
    if document is None:
        return False
    uow.claims.note(claim.id, "document", item=item_code, sha256=sha256)
    await uow.partner_events.emit(claim.product_code, "claim.document_uploaded", {
        "claim": claim.number, "item": item_code, "document": document.id, "kind": kind, "size": size,
        "sha256": sha256}, claim.number)
    return True


async def complete_if_all_received(uow: UnitOfWork, claim: Claim, states: tuple[ItemStatus, ...]) -> bool:
    """Record that the last required document is in (the claim's status becomes
    documents_complete unless the insurer already moved it further); True if it just became so."""
    received = all_received_at(states)
    if received is None or claim.documents_complete_at is not None:
        return False
    claim.documents_complete_at, claim.next_reminder_at = received, None
    if claim.status in (REGISTERED, DOCUMENTS_REQUESTED):
        claim.status = DOCUMENTS_COMPLETE
    uow.claims.note(claim.id, DOCUMENTS_COMPLETE)
    await uow.partner_events.emit(claim.product_code, "claim.checklist_complete", {
        "claim": claim.number, "status": claim.status, "documents_complete_at": received.isoformat()}, claim.number)
    return True


class OriginalNotRecorded(ReasonedError):
    """`reason`: unknown_claim, unknown_item (then `claim` is the claim found)."""

    def __init__(self, reason: str, claim: Claim | None = None) -> None:
        super().__init__(reason)
        self.claim = claim


@dataclass(frozen=True)
class OriginalConfirmed:
    claim: Claim
    item: ChecklistItem
    newly: bool
    completed: bool
    clock: ClaimClock


async def confirm_original(uow: UnitOfWork, claim_number: str, item: str, confirmed_by: str) -> OriginalConfirmed:
    """The insurer holds the original of `item` (its code, or its number in the
    checklist from 1) for claim `claim_number`; `confirmed_by` says who
    ("staff:<telegram id>", "partner:<name>")."""
    claim = await uow.claims.by_number(claim_number.strip().upper())
    if claim is None:
        raise OriginalNotRecorded("unknown_claim")
    checklist = get_product(claim.product_code).event_type(claim.event_type).checklist
    wanted = item.strip()
    chosen = next((i for i in checklist if i.code == wanted), None)
    if chosen is None and wanted.isdigit() and 1 <= int(wanted) <= len(checklist):
        chosen = checklist[int(wanted) - 1]
    if chosen is None:
        raise OriginalNotRecorded("unknown_item", claim)
    recorded = await uow.originals.confirm(claim.id, chosen.code, confirmed_by)
    if recorded is not None:
        uow.claims.note(claim.id, "original", item=chosen.code, by=confirmed_by)
    states, claim_dates = await clock(uow, claim)
    completed = await complete_if_all_received(uow, claim, states)
    return OriginalConfirmed(claim, chosen, recorded is not None, completed, claim_dates)
