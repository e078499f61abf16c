"""The insurer holds an original: `/original CLAIM-NUMBER ITEM` in the staff
chat (ITEM: the checklist number or the item's code). The same operation is
`storage.claim_progress.confirm_original`, for the partner API to call.

The customer is told, and once every document is in (Nomad Life rules 10.1,
10.2) the decision and payment dates of rules 7.8 are set and shown.
"""

from __future__ import annotations

from bot.conversation import Router, Turn, translate
from bot.i18n import N_, translator
from bot.keyboards import MY_CLAIMS
from handlers.claim_dates import clock_lines
from insurance.catalogue import get_product
from storage.claim_progress import OriginalNotRecorded, confirm_original

USAGE = N_("Usage: /original CLAIM-NUMBER ITEM, for example /original CLM-2026-000001 1 (ITEM: the number in the "
           "claim's checklist or the document's code).")
UNKNOWN_CLAIM = N_("There is no claim No. %(number)s.")
UNKNOWN_ITEM = N_("Claim No. %(number)s has no document “%(item)s”. Its checklist: %(items)s.")
STAFF_RECORDED = N_("✓ Claim No. %(number)s: original of “%(name)s” recorded (by %(by)s).%(complete)s")
STAFF_ALREADY = N_("Claim No. %(number)s: the original of “%(name)s” was already recorded.")
STAFF_NOW_COMPLETE = N_(" All documents are in: the decision is due by %(date)s.")
CUSTOMER = N_("<b>📎 Claim No. %(number)s</b>\nThe insurer confirmed it has the original of “%(name)s”.")


def register(router: Router) -> None:
    router.staff_command("original")(staff_confirms_original)


async def staff_confirms_original(turn: Turn) -> None:
    staff = translator(turn.settings.staff_language)
    chat = turn.incoming.chat_id

    def answer(message: str, **values: object) -> None:
        turn.say(translate(staff, message, **values), chat_id=chat)

    parts = turn.incoming.args.split()
    if len(parts) != 2:
        answer(USAGE)
        return
    number, item = parts
    try:
        result = await confirm_original(turn.uow, number, item, f"staff:{turn.user.id}")
    except OriginalNotRecorded as refused:
        if refused.claim is None:
            answer(UNKNOWN_CLAIM, number=number)
        else:
            checklist = get_product(refused.claim.product_code).event_type(refused.claim.event_type).checklist
            answer(UNKNOWN_ITEM, number=refused.claim.number, item=item, items=", ".join(
                f"{i}. {c.code}" for i, c in enumerate(checklist, 1)))
        return
    claim, product = result.claim, get_product(result.claim.product_code)
    name = result.item.document.name.get(staff.language)
    if not result.newly:
        answer(STAFF_ALREADY, number=claim.number, name=name)
        return
    complete = staff.gettext(STAFF_NOW_COMPLETE, date=staff.date(result.clock.decision.due_on)) \
        if result.completed and result.clock.decision is not None else ""
    answer(STAFF_RECORDED, number=claim.number, name=name, by=turn.user.first_name or turn.user.id, complete=complete)
    client = await turn.uow.users.get(claim.user_id)
    t = translator((client.language if client else None) or "ru")
    lines = [translate(t, CUSTOMER, number=claim.number, name=result.item.document.name.get(t.language)), "",
             *clock_lines(t, product, result.clock)]
    turn.say("\n".join(lines), [[(t.gettext(MY_CLAIMS), f"claims:{claim.id}")]], chat_id=claim.user_id)
