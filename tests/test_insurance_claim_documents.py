"""Upload rules and the reminder schedule for claim documents."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from insurance.catalogue import get_product
from insurance.claim_documents import (
    MAX_BYTES,
    UploadRefused,
    check_declared_size,
    file_kind,
    next_reminder,
    progress,
)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
PDF = b"%PDF-1.7\n..."
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"


@pytest.mark.parametrize(("content", "kind"), [(JPEG, "jpeg"), (PNG, "png"), (PDF, "pdf"), (HEIC, "heic")])
def test_accepted_kinds_are_told_by_their_bytes(content, kind):
    assert file_kind(content) == kind


@pytest.mark.parametrize(("content", "reason"), [(b"", "empty"), (b"MZ\x90\x00 an exe", "unsupported"),
                                                  (b"PK\x03\x04 a zip named scan.pdf", "unsupported"),
                                                  (b"%PDF-" + b"\x00" * MAX_BYTES, "too_large")])
def test_other_files_are_refused_with_a_reason(content, reason):
    with pytest.raises(UploadRefused) as refused:
        file_kind(content)
    assert refused.value.reason == reason


def test_declared_size_over_telegrams_download_limit_is_refused_before_download():
    check_declared_size(MAX_BYTES)
    for size, reason in ((MAX_BYTES + 1, "too_large"), (0, "empty")):
        with pytest.raises(UploadRefused) as refused:
            check_declared_size(size)
        assert refused.value.reason == reason


def test_progress_against_the_nomad_life_death_checklist():
    # Nomad Life rules 10.1: the payout application plus items (1)-(6).
    checklist = get_product("nomad_life").event_type("death").checklist
    state = progress(checklist, ["payout_application", "death_certificate"])
    assert (len(state.delivered), state.total, state.complete) == (2, len(checklist), False)
    assert progress(checklist, [i.code for i in checklist]).complete


def test_reminders_three_days_after_registration_then_weekly():
    registered = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    assert next_reminder(registered, 0) == datetime(2026, 11, 25, 10, tzinfo=timezone.utc)
    assert next_reminder(registered, 1) == datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
    assert next_reminder(registered, 2) == datetime(2026, 12, 9, 10, tzinfo=timezone.utc)
