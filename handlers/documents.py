"""Uploading the documents a claim needs, against its checklist.

Photos or files (several pages, albums included) are fetched from Telegram,
checked by their own bytes (JPEG, PNG, PDF, HEIC, at most 20 MB), kept in the
document store by SHA-256 and linked to the claim's checklist item. Missing
documents are reminded 3 days after registration, then weekly, by a periodic
job that finds them in the database (`send_due_reminders`).
"""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime
from typing import Any

from telegram.error import TelegramError

from bot.conversation import Button, Router, Turn, UploadedFile, translate, translate_plural
from bot.i18n import N_, translator
from bot.i18n import plural_message as ngettext
from bot.keyboards import MY_CLAIMS, back_and_person
from handlers.claim_dates import ORIGINALS_AWAITED
from handlers.claims import NOT_AVAILABLE, checklist_line, with_clause
from insurance.catalogue import get_product
from insurance.claim_clock import needs_original
from insurance.claim_documents import UploadRefused, check_declared_size, file_kind, next_reminder, progress
from insurance.parsing import parse_callback
from storage import claim_progress
from storage.models import Claim
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

CHOOSE_CLAIM = N_("<b>📎 Upload documents</b>\nFor which claim?")
NO_OPEN_CLAIMS = N_("You have no claims waiting for documents.")
CHECKLIST = N_("<b>📎 Claim No. %(number)s › Documents</b>\nDelivered %(delivered)s of %(total)s. Choose a document to send:")
ITEM_DONE = N_("✅ %(name)s")
ITEM_MISSING = N_("⬜ %(name)s")
SEND_FILES = N_(
    "<b>📎 Claim No. %(number)s › %(name)s</b>\n%(line)s\n\n"
    "Send photos or files (JPEG, PNG, PDF or HEIC, up to 20 MB each); several pages are fine."
)
DONE = N_("✔️ Done")
NOTHING_SENT = N_("Nothing was sent for “%(name)s”: it is still missing.")
RECEIVED = N_("<b>✅ Claim No. %(number)s: received for “%(name)s”</b>\nDelivered %(delivered)s of %(total)s.")
WHICH_ITEM = N_("<b>📎 Which document is this?</b>\nThe file is kept; choose where it belongs:")
NO_CLAIM_FOR_FILE = N_("I keep photos and files for claims, and you have no claim waiting for documents.")
STILL_MISSING = N_("Still missing: %(items)s.")
ALREADY_HAVE = N_("This file is already here for “%(name)s”.")
REFUSED = {
    "too_large": N_("This file is over 20 MB, the most Telegram lets the bot receive. Please send a smaller file or a photo."),
    "empty": N_("This file is empty. Please send it again."),
    "unsupported": N_("This file cannot be read as JPEG, PNG, PDF or HEIC. Please send a photo or a PDF."),
    "unreachable": N_("The file could not be received. Please send it again."),
}
NOT_A_FILE = N_("Please send a photo or a file for “%(name)s”, or choose another document.")
LANGUAGE_NOTE = N_("Remember: %(note)s")
ORIGINAL_NEEDED = N_("The insurer also needs this document on paper (%(forms)s): the scan helps it start, but the "
                     "decision clock starts only when the insurer has the paper document (clause %(clause)s).")
SCANS_COMPLETE = ngettext(
    "<b>📎 All scans for claim No. %(number)s are here.</b>\nThe decision date is not set yet: the insurer counts "
    "%(days)s working day (clause %(clause)s) from the day it has every document on paper where the rules ask "
    "for it. Still needed on paper: %(items)s.",
    "<b>📎 All scans for claim No. %(number)s are here.</b>\nThe decision date is not set yet: the insurer counts "
    "%(days)s working days (clause %(clause)s) from the day it has every document on paper where the rules ask "
    "for it. Still needed on paper: %(items)s.")
PAPER_FORMS = N_("original or notarised copy")
STAFF_SCANS_COMPLETE = N_("Claim No. %(number)s: all scans are delivered; originals awaited: %(items)s. "
                          "When the insurer has one: /original %(number)s ITEM-NUMBER")
STAFF_COMPLETE = N_("Claim No. %(number)s: all %(total)s documents are delivered. Export: python -m bot claims export %(number)s")


def register(router: Router) -> None:
    # Documents for claims already reported are taken after consent is withdrawn
    # too: the withdrawal text keeps processing what pays a claim.
    @router.callback("docs", needs_consent=False)
    async def documents_button(turn: Turn) -> None:
        pressed = parse_callback(turn.incoming.callback_data)
        claim_id = pressed.int_arg(0)
        if pressed.action == "c" and claim_id is not None:
            await show_checklist(turn, claim_id)
        elif pressed.action == "i" and len(pressed.args) == 2 and claim_id is not None:
            await choose_item(turn, claim_id, pressed.args[1])
        elif pressed.action == "k" and len(pressed.args) == 2 and claim_id is not None:
            await place_kept_files(turn, claim_id, pressed.args[1])
        elif pressed.action == "done" and claim_id is not None:
            await finish_item(turn, claim_id)
        else:
            await choose_claim(turn)

    router.command("documents", needs_consent=False)(choose_claim)
    router.screen("docs.claims", needs_consent=False)(choose_claim)
    router.screen("docs.checklist", needs_consent=False)(
        lambda turn: show_checklist(turn, turn.data.get("docs_claim", 0)))
    router.screen("docs.upload", on_file=receive_file, on_text=remind_to_send_files, needs_consent=False)(ask_files)
    router.screen("docs.which", on_file=receive_stray_file, needs_consent=False)(ask_which_item)
    router.stray_file = receive_stray_file


async def _own_claim(turn: Turn, claim_id: int) -> Claim | None:
    """Only the reporter's own claim; anything else is refused and logged, whatever the button says."""
    claim = await turn.uow.claims.get_for_user(turn.user.id, claim_id)
    if claim is None:
        log.warning("user %s asked for claim %s that is not theirs or does not exist", turn.user.id, claim_id)
        turn.notice(turn._(NOT_AVAILABLE))
    return claim


async def choose_claim(turn: Turn) -> None:
    turn.goto("docs.claims")
    claims = [c for c in await turn.uow.claims.for_user(turn.user.id) if c.status == "registered"]
    rows: list[list[Button]] = [[(c.number or "", f"docs:c:{c.id}")] for c in claims]
    text = turn._(CHOOSE_CLAIM) if claims else f"{turn._(CHOOSE_CLAIM)}\n\n{turn._(NO_OPEN_CLAIMS)}"
    turn.show(text, [*rows, [(turn._(MY_CLAIMS), "claims")], back_and_person(turn)])


async def show_checklist(turn: Turn, claim_id: int) -> None:
    claim = await _own_claim(turn, claim_id)
    if claim is None:
        if turn.incoming.kind != "callback":
            await choose_claim(turn)
        return
    product = get_product(claim.product_code)
    checklist = product.event_type(claim.event_type).checklist
    state = progress(checklist, {d.item_code for d in await turn.uow.claims.documents(claim.id)})
    done = {i.code for i in state.delivered}
    lang = turn.t.language
    rows: list[list[Button]] = [
        [(turn._(ITEM_DONE if item.code in done else ITEM_MISSING, name=item.document.name.get(lang)),
          f"docs:i:{claim.id}:{item.code}")] for item in checklist]
    text = turn._(CHECKLIST, number=claim.number, delivered=len(state.delivered), total=state.total)
    if product.documents_note is not None:
        # Nomad Life rules 10.6: documents in Kazakh or Russian, or with a notarised translation.
        text += "\n\n<i>" + turn._(LANGUAGE_NOTE, note=product.documents_note.text.get(lang)) + "</i>"
    _, claim_dates = await claim_progress.clock(turn.uow, claim)
    if claim_dates.awaiting_originals:
        text += "\n\n" + turn._(ORIGINALS_AWAITED, items=", ".join(
            i.document.name.get(lang) for i in claim_dates.awaiting_originals))
    turn.data["docs_claim"] = claim.id
    turn.goto("docs.checklist")
    turn.show(text, [*rows, back_and_person(turn, back="claims")])


async def choose_item(turn: Turn, claim_id: int, item_code: str) -> None:
    claim = await _own_claim(turn, claim_id)
    if claim is None:
        return
    checklist = get_product(claim.product_code).event_type(claim.event_type).checklist
    if item_code not in {i.code for i in checklist}:
        await show_checklist(turn, claim.id)
        return
    turn.data.update(docs_claim=claim.id, docs_item=item_code, docs_received=0)
    await ask_files(turn)


async def _upload_target(turn: Turn):
    claim = await turn.uow.claims.get_for_user(turn.user.id, int(turn.data.get("docs_claim") or 0))
    if claim is None:
        return None, None
    checklist = get_product(claim.product_code).event_type(claim.event_type).checklist
    item = next((i for i in checklist if i.code == turn.data.get("docs_item")), None)
    return (claim, item) if item is not None else (None, None)


async def ask_files(turn: Turn) -> None:
    claim, item = await _upload_target(turn)
    if claim is None:
        await choose_claim(turn)
        return
    turn.goto("docs.upload")
    turn.show(turn._(SEND_FILES, number=claim.number, name=item.document.name.get(turn.t.language),
                     line="@@LINE@@").replace("@@LINE@@", checklist_line(turn, item)),
              [[(turn._(DONE), f"docs:done:{claim.id}")], back_and_person(turn, back=f"docs:c:{claim.id}")])


async def remind_to_send_files(turn: Turn) -> None:
    claim, item = await _upload_target(turn)
    if claim is None:
        await choose_claim(turn)
        return
    turn.say(turn._(NOT_A_FILE, name=item.document.name.get(turn.t.language)),
             [[(turn._(DONE), f"docs:done:{claim.id}")]])


async def finish_item(turn: Turn, claim_id: int) -> None:
    """"Done": back to the checklist; it never claims an upload that did not happen."""
    claim, item = await _upload_target(turn)
    if claim is not None and claim.id == claim_id and not turn.data.get("docs_received"):
        turn.notice(turn._(NOTHING_SENT, name=item.document.name.get(turn.t.language)))
    turn.data.pop("docs_received", None)
    await show_checklist(turn, claim_id)


async def receive_file(turn: Turn) -> None:
    claim, item = await _upload_target(turn)
    if claim is None or turn.incoming.file is None:
        await receive_stray_file(turn)
        return
    if await _album_continues(turn):
        return
    stored = await _fetch_and_store(turn, [[(turn._(DONE), f"docs:done:{claim.id}")]])
    if stored is not None:
        await _attach(turn, claim, item, [stored])


async def receive_stray_file(turn: Turn) -> None:
    """A photo or file sent with no checklist item chosen: kept, then placed in
    the only missing item, or the customer is asked which item it is."""
    if await _album_continues(turn):
        return
    targets = await _missing_items(turn)
    if not targets:
        turn.say(turn._(NO_CLAIM_FOR_FILE), [[(turn._(MY_CLAIMS), "claims")], back_and_person(turn)])
        return
    stored = await _fetch_and_store(turn, None)
    if stored is None:
        return
    if len(targets) == 1:
        claim, item = targets[0]
        turn.data.update(docs_claim=claim.id, docs_item=item.code)
        await _attach(turn, claim, item, [stored])
        return
    turn.data["docs_kept"] = [stored]
    turn.data["docs_album"] = {"group": turn.incoming.media_group_id} if turn.incoming.media_group_id else None
    await ask_which_item(turn)


async def ask_which_item(turn: Turn) -> None:
    if not turn.data.get("docs_kept"):
        await choose_claim(turn)
        return
    targets = await _missing_items(turn)
    several = len({claim.id for claim, _ in targets}) > 1
    lang = turn.t.language
    rows: list[list[Button]] = [[(
        (f"{claim.number} · " if several else "") + item.document.name.get(lang),
        f"docs:k:{claim.id}:{item.code}")] for claim, item in targets]
    turn.goto("docs.which")
    turn.show(turn._(WHICH_ITEM), [*rows, back_and_person(turn, back="docs")])


async def place_kept_files(turn: Turn, claim_id: int, item_code: str) -> None:
    kept = turn.data.get("docs_kept") or []
    claim = await _own_claim(turn, claim_id)
    if claim is None:
        return
    item = next((i for i in get_product(claim.product_code).event_type(claim.event_type).checklist
                 if i.code == item_code), None)
    if not kept or item is None:
        await show_checklist(turn, claim.id)
        return
    turn.data.pop("docs_kept", None)
    turn.data.pop("docs_album", None)
    turn.data.update(docs_claim=claim.id, docs_item=item.code)
    await _attach(turn, claim, item, kept)


async def _missing_items(turn: Turn) -> list[tuple[Claim, Any]]:
    """(claim, checklist item) still missing, over the user's claims waiting for documents."""
    found = []
    for claim in await turn.uow.claims.for_user(turn.user.id):
        if claim.status != "registered":
            continue
        checklist = get_product(claim.product_code).event_type(claim.event_type).checklist
        state = progress(checklist, {d.item_code for d in await turn.uow.claims.documents(claim.id)})
        found += [(claim, item) for item in state.missing]
    return found


async def _album_continues(turn: Turn) -> bool:
    """The 2nd and later files of an album go where its first went, silently:
    an album is taken together, with one answer."""
    group = turn.incoming.media_group_id
    album = turn.data.get("docs_album")
    if not group or not album or album.get("group") != group:
        return False
    stored = await _fetch_and_store(turn, None)
    if stored is None:
        return True
    if "claim" not in album:
        turn.data.setdefault("docs_kept", []).append(stored)
        return True
    claim = await turn.uow.claims.get_for_user(turn.user.id, album["claim"])
    if claim is not None:
        await claim_progress.attach_document(turn.uow, claim, album["item"], stored["sha256"], kind=stored["kind"],
                                             size=stored["size"], original_name=stored["name"])
    return True


async def _fetch_and_store(turn: Turn, rows: list[list[Button]] | None) -> dict[str, Any] | None:
    """The file fetched, checked and kept by SHA-256; None after saying why it was refused."""
    upload = turn.incoming.file
    assert upload is not None
    try:
        content, kind = await fetch_upload(turn, upload)
    except UploadRefused as refused:
        turn.say(turn._(REFUSED[refused.reason]), rows)
        return None
    return {"sha256": turn.documents.put(content), "kind": kind, "size": len(content),
            "name": display_name(upload.file_name)}


async def _attach(turn: Turn, claim: Claim, item: Any, files: list[dict[str, Any]]) -> None:
    """Files for one item: one receipt for them all (an album is one answer)."""
    lang = turn.t.language
    name = item.document.name.get(lang)
    added = 0
    for stored in files:
        if await claim_progress.attach_document(turn.uow, claim, item.code, stored["sha256"], kind=stored["kind"],
                                                size=stored["size"], original_name=stored["name"]):
            added += 1
    group = turn.incoming.media_group_id
    turn.data["docs_album"] = {"group": group, "claim": claim.id, "item": item.code} if group else None
    if not added:
        turn.say(turn._(ALREADY_HAVE, name=name))
        return
    turn.data["docs_received"] = turn.data.get("docs_received", 0) + added
    product = get_product(claim.product_code)
    checklist = product.event_type(claim.event_type).checklist
    state = progress(checklist, {d.item_code for d in await turn.uow.claims.documents(claim.id)})
    text = turn._(RECEIVED, number=claim.number, name=name, delivered=len(state.delivered), total=state.total)
    if needs_original(item):
        # Nomad Life rules 10.1, 10.2: a scan is not the original the insurer must have.
        text += "\n" + turn._(ORIGINAL_NEEDED, forms=turn._(PAPER_FORMS), clause=item.clause or "—")
    if state.complete:
        await _complete(turn, claim, state.total, text)
        return
    missing = ", ".join(i.document.name.get(lang) for i in state.missing)
    if turn.state != "docs.upload":
        turn.goto("docs.upload")
    turn.receipt(f"{text}\n{turn._(STILL_MISSING, items=missing)}",
                 [[(turn._(DONE), f"docs:done:{claim.id}")]])


async def _complete(turn: Turn, claim: Claim, total: int, received: str) -> None:
    """Every item has a scan: the decision clock starts only if no original is
    still awaited (Nomad Life rules 7.8, 10.1, 10.2)."""
    product = get_product(claim.product_code)
    states, claim_dates = await claim_progress.clock(turn.uow, claim)
    turn.goto("claims")
    staff = translator(turn.settings.staff_language)
    if await claim_progress.complete_if_all_received(turn.uow, claim, states):
        decision = claim_dates.decision
        turn.receipt(with_clause(turn, turn.ngettext(
            "<b>✅ All documents for claim No. %(number)s are delivered.</b>\n"
            "The insurer decides within %(n)s working day: by %(date)s.",
            "<b>✅ All documents for claim No. %(number)s are delivered.</b>\n"
            "The insurer decides within %(n)s working days: by %(date)s.",
            decision.days, number=claim.number, date=turn.t.date(decision.due_on)), decision.clause),
            [[(turn._(MY_CLAIMS), f"claims:{claim.id}")]])
        if turn.settings.staff_chat_id is not None:
            turn.say(staff.gettext(STAFF_COMPLETE, number=claim.number, total=total),
                     chat_id=turn.settings.staff_chat_id)
        return
    claim.next_reminder_at = None
    decision = product.insurer_deadline("decision")
    waiting = claim_dates.awaiting_originals
    turn.receipt(received + "\n\n" + translate_plural(
        turn.t, SCANS_COMPLETE, decision.days, number=claim.number, days=decision.days, clause=decision.clause or "—",
        items=", ".join(i.document.name.get(turn.t.language) for i in waiting)),
        [[(turn._(MY_CLAIMS), f"claims:{claim.id}")]])
    if turn.settings.staff_chat_id is not None:
        checklist = product.event_type(claim.event_type).checklist
        turn.say(translate(staff, STAFF_SCANS_COMPLETE, number=claim.number, items=", ".join(
            f"{checklist.index(i) + 1}. {i.document.name.get(staff.language)}" for i in waiting)),
            chat_id=turn.settings.staff_chat_id)


async def fetch_upload(turn: Turn, upload: UploadedFile) -> tuple[bytes, str]:
    """The bytes of an uploaded photo or file and their kind; UploadRefused with the reason."""
    check_declared_size(upload.file_size)
    try:
        content = await turn.fetch_file(upload.file_id)
    except TelegramError as error:
        log.warning("user %s: could not fetch a file: %s", turn.user.id, error)
        raise UploadRefused("unreachable") from None
    return content, file_kind(content)


def display_name(name: str | None) -> str | None:
    """A user's file name, kept only to show it: never used as a path."""
    if not name:
        return None
    return re.sub(r"[^\w.\- ]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:128]


async def send_due_reminders(uow: UnitOfWork, now: datetime) -> int:
    """Claims whose documents are incomplete and whose reminder is due: one
    outbox message each, and the next reminder set, in the same transaction,
    so a restart neither loses nor repeats one."""
    sent = 0
    for claim in await uow.claims.due_reminders(now):
        product = get_product(claim.product_code)
        checklist = product.event_type(claim.event_type).checklist
        state = progress(checklist, {d.item_code for d in await uow.claims.documents(claim.id)})
        if state.complete:
            claim.next_reminder_at = None
            continue
        user = await uow.users.get(claim.user_id)
        t = translator((user.language if user else None) or "ru")
        uow.outbox.add(claim.user_id, {
            "method": "send_message",
            "text": t.ngettext(
                "<b>📎 Claim No. %(number)s</b>\nThe insurer is still waiting for %(n)s document: %(items)s. "
                "Send it here when you can.",
                "<b>📎 Claim No. %(number)s</b>\nThe insurer is still waiting for %(n)s documents: %(items)s. "
                "Send them here when you can.",
                len(state.missing), number=html.escape(claim.number or ""),
                items=html.escape(", ".join(i.document.name.get(t.language) for i in state.missing))),
            "reply_markup": {"inline_keyboard": [[{"text": t.gettext(MY_CLAIMS), "callback_data": f"claims:{claim.id}"}]]},
        })
        claim.reminders_sent += 1
        claim.next_reminder_at = next_reminder(claim.reported_at, claim.reminders_sent)
        uow.claims.note(claim.id, "reminder")
        sent += 1
    await uow.commit()
    return sent
