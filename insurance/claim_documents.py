"""Claim documents: what files are accepted, what is still missing, and when
to remind the customer.

Accepted: JPEG, PNG, PDF and HEIC up to Telegram's 20 MB download limit; the
type is decided by the file's own bytes, never by its name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from insurance.product import ChecklistItem

MAX_BYTES = 20 * 1024 * 1024  # Telegram Bot API getFile limit
FIRST_REMINDER = timedelta(days=3)
LATER_REMINDERS = timedelta(days=7)
_HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


class UploadRefused(ValueError):
    """`reason`: too_large, empty, unsupported."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_declared_size(size: int | None) -> None:
    """Before downloading: Telegram tells the size; over 20 MB cannot be fetched."""
    if size is not None and size > MAX_BYTES:
        raise UploadRefused("too_large")
    if size == 0:
        raise UploadRefused("empty")


def file_kind(content: bytes) -> str:
    """'jpeg', 'png', 'pdf' or 'heic' from the leading bytes; refuses anything else."""
    if not content:
        raise UploadRefused("empty")
    if len(content) > MAX_BYTES:
        raise UploadRefused("too_large")
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content[4:8] == b"ftyp" and content[8:12] in _HEIC_BRANDS:
        return "heic"
    raise UploadRefused("unsupported")


@dataclass(frozen=True)
class Progress:
    delivered: tuple[ChecklistItem, ...]
    missing: tuple[ChecklistItem, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def total(self) -> int:
        return len(self.delivered) + len(self.missing)


def progress(checklist: Iterable[ChecklistItem], delivered_codes: Iterable[str]) -> Progress:
    codes = set(delivered_codes)
    items = tuple(checklist)
    return Progress(tuple(i for i in items if i.code in codes), tuple(i for i in items if i.code not in codes))


def next_reminder(registered_at: datetime, reminders_sent: int) -> datetime:
    """Missing documents: the first reminder 3 days after registration, then weekly."""
    return registered_at + FIRST_REMINDER + LATER_REMINDERS * reminders_sent


# The insurer's own claim form: Nomad Life rules 9.2(1) (the insurer gives the
# payout application form on notice; 10.1, 10.2 list it first); SAKBOL's default
# checklist starts with the claim application (offer 8.1, list to be confirmed).
CLAIM_FORM_DOCUMENTS = frozenset({"payout_application", "claim_application"})


def needs_claim_form(document_code: str) -> bool:
    """Whether a checklist item is the insurer's claim form, offered as a file."""
    return document_code in CLAIM_FORM_DOCUMENTS
