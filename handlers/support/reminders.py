"""Waiting-time reminders: a customer who waited past each configured number of
minutes (default 10 and 30) without a staff answer is brought to staff's
attention in the ticket. The customer never sees these."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.conversation import translate
from bot.i18n import N_, translator
from bot.settings import Settings
from handlers.support.desk import place_for
from insurance.support_desk import reminder_due, waited_minutes
from storage.unit_of_work import UnitOfWork

STAFF_REMINDER = N_("⏰ Request No. %(number)s: the customer has been waiting %(minutes)s min without an answer.")


async def send_due_reminders(uow: UnitOfWork, settings: Settings, forum: bool, now: datetime) -> int:
    """Write the due reminders to the outbox and commit; returns how many."""
    if settings.staff_chat_id is None or not settings.support_reminder_minutes:
        return 0
    first = timedelta(minutes=settings.support_reminder_minutes[0])
    staff, sent = translator(settings.staff_language), 0
    for request in await uow.support.waiting(now - first):
        assert request.waiting_since is not None
        if not reminder_due(request.waiting_since, request.reminders_sent, settings.support_reminder_minutes, now):
            continue
        request.reminders_sent += 1
        text = translate(staff, STAFF_REMINDER, number=request.id, minutes=waited_minutes(request.waiting_since, now))
        uow.outbox.add(settings.staff_chat_id, {"method": "send_message", "text": text, **place_for(forum, request)})
        sent += 1
    await uow.commit()
    return sent
