"""Uploading the documents a claim needs, against its checklist.

Photos or files (several pages, albums included) are fetched from Telegram,
checked by their own bytes (JPEG, PNG, PDF, HEIC, at most 20 MB), kept in the
document store by SHA-256 and linked to the claim's checklist item. Missing
documents are reminded 3 days after registration, then weekly, by a periodic
job that finds them in the database (`send_due_reminders`).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from telegram.error import TelegramError

from bot.conversation import Button, Router, Turn, UploadedFile, translate
from bot.i18n import N_, translator
from bot.keyboards import MY_CLAIMS, back_and_person
from handlers.claims import NOT_AVAILABLE, checklist_line
from insurance import claims as rules
from insurance.application import local_today
from insurance.catalogue import get_product
from insurance.claim_documents import UploadRefused, check_declared_size, file_kind, next_reminder, progress
from insurance.parsing import parse_callback
from storage.models import Claim, utcnow
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
DONE_WITH_ITEM = N_("✅ Done with this document")
RECEIVED = N_("✅ Received for “%(name)s”. Delivered %(delivered)s of %(total)s.")
STILL_MISSING = N_("Still missing: %(items)s.")
ALREADY_HAVE = N_("This file is already here for “%(name)s”.")
REFUSED = {
    "too_large": N_("This file is over 20 MB, the most Telegram lets the bot receive. Please send a smaller file or a photo."),
    "empty": N_("This file is empty. Please send it again."),
    "unsupported": N_("This file cannot be read as JPEG, PNG, PDF or HEIC. Please send a photo or a PDF."),
    "unreachable": N_("The file could not be received. Please send it again."),
}
NOT_A_FILE = N_("Please send a photo or a file for “%(name)s”, or choose another document.")
COMPLETE = N_(
    "<b>✅ All documents for claim No. %(number)s are delivered.</b>\n"
    "The insurer decides within %(days)s working days: by %(date)s (clause %(clause)s)."
)
LANGUAGE_NOTE = N_("Remember: %(note)s")
REMINDER = N_(
    "<b>📎 Claim No. %(number)s</b>\nThe insurer still needs %(count)s of %(total)s documents: %(items)s. "
    "Send them here when you can."
)
STAFF_COMPLETE = N_("Claim No. %(number)s: all %(total)s documents are delivered. Export: python -m bot claims export %(number)s")


def register(router: Router) -> None:
    @router.callback("docs")
    async def documents_button(turn: Turn) -> None:
        pressed = parse_callback(turn.incoming.callback_data)
        claim_id = pressed.int_arg(0)
        if pressed.action == "c" and claim_id is not None:
            await show_checklist(turn, claim_id)
        elif pressed.action == "i" and len(pressed.args) == 2 and claim_id is not None:
            await choose_item(turn, claim_id, pressed.args[1])
        else:
            await choose_claim(turn)

    router.command("documents")(choose_claim)
    router.screen("docs.claims")(choose_claim)
    router.screen("docs.checklist")(lambda turn: show_checklist(turn, turn.data.get("docs_claim", 0)))
    router.screen("docs.upload", on_file=receive_file, on_text=remind_to_send_files)(ask_files)


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
    turn.data.update(docs_claim=claim.id, docs_item=item_code)
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
              [[(turn._(DONE_WITH_ITEM), f"docs:c:{claim.id}")], back_and_person(turn, back=f"docs:c:{claim.id}")])


async def remind_to_send_files(turn: Turn) -> None:
    claim, item = await _upload_target(turn)
    if claim is None:
        await choose_claim(turn)
        return
    turn.say(turn._(NOT_A_FILE, name=item.document.name.get(turn.t.language)),
             [[(turn._(DONE_WITH_ITEM), f"docs:c:{claim.id}")]])


async def receive_file(turn: Turn) -> None:
    claim, item = await _upload_target(turn)
    upload = turn.incoming.file
    if claim is None or upload is None:
        await choose_claim(turn)
        return
    lang = turn.t.language
    name = item.document.name.get(lang)
    try:
        content, kind = await fetch_upload(turn, upload)
    except UploadRefused as refused:
        turn.say(turn._(REFUSED[refused.reason]), [[(turn._(DONE_WITH_ITEM), f"docs:c:{claim.id}")]])
        return
    sha256 = turn.documents.put(content)
    added = await turn.uow.claims.attach(claim.id, item.code, sha256, kind=kind, size=len(content),
                                         original_name=display_name(upload.file_name))
    if not added:
        turn.say(turn._(ALREADY_HAVE, name=name))
        return
    turn.uow.claims.note(claim.id, "document", item=item.code, sha256=sha256)
    product = get_product(claim.product_code)
    checklist = product.event_type(claim.event_type).checklist
    state = progress(checklist, {d.item_code for d in await turn.uow.claims.documents(claim.id)})
    text = turn._(RECEIVED, name=name, delivered=len(state.delivered), total=state.total)
    if state.complete:
        await _complete(turn, claim, state.total)
        return
    missing = ", ".join(i.document.name.get(lang) for i in state.missing)
    turn.say(f"{text}\n{turn._(STILL_MISSING, items=missing)}",
             [[(turn._(DONE_WITH_ITEM), f"docs:c:{claim.id}")]])


async def _complete(turn: Turn, claim: Claim, total: int) -> None:
    """All items are in: the decision deadline starts (Nomad Life rules 7.8)."""
    product = get_product(claim.product_code)
    now = utcnow()
    claim.status, claim.documents_complete_at, claim.next_reminder_at = "complete", now, None
    turn.uow.claims.note(claim.id, "complete")
    decision = rules.decision_deadline(product, local_today(product, now))
    turn.goto("claims")
    turn.say(turn._(COMPLETE, number=claim.number, days=decision.days, date=turn.t.date(decision.due_on),
                    clause=decision.clause or "—"), [[(turn._(MY_CLAIMS), f"claims:{claim.id}")]])
    if turn.settings.staff_chat_id is not None:
        turn.say(translator(turn.settings.staff_language).gettext(STAFF_COMPLETE, number=claim.number, total=total),
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
            "text": translate(t, REMINDER, number=claim.number, count=len(state.missing), total=state.total,
                              items=", ".join(i.document.name.get(t.language) for i in state.missing)),
            "reply_markup": {"inline_keyboard": [[{"text": t.gettext(MY_CLAIMS), "callback_data": f"claims:{claim.id}"}]]},
        })
        claim.reminders_sent += 1
        claim.next_reminder_at = next_reminder(claim.reported_at, claim.reminders_sent)
        uow.claims.note(claim.id, "reminder")
        sent += 1
    await uow.commit()
    return sent
