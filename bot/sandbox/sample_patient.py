"""Sandbox only: a sample Nomad Life patient for the chosen user, so Dariger Online can be
tried on the day (insurance.sample_patient says why and which dates).

Written through the real repositories in one transaction: the application with the
answers the telemedicine identification reads, the policy (its number marked SANDBOX,
no premium), its certificate, and a message in the user's chat with the way to the
doctor. Called by the sandbox page's clinic pane (`/control/clinic/sample-patient`),
which only `python -m bot sandbox` attaches.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

from bot.documents import render_certificate
from bot.i18n import N_, translator
from bot.keyboards import DOCTOR_ONLINE, MAIN_MENU, PERSON
from bot.telemedicine import service
from handlers.consent import SCOPE
from handlers.purchase.common import form_of
from handlers.telemedicine import messages as m
from insurance import sample_patient as sample
from insurance.application import IssuedPolicy
from insurance.catalogue import get_product
from insurance.consent import PERSONAL_DATA
from insurance.money import to_minor_units
from insurance.telemedicine import local_today
from storage.documents import DocumentStore
from storage.models import Policy
from storage.unit_of_work import UnitOfWork

ISSUED = N_(
    "<b>🧪 Sandbox: sample policy %(number)s</b>\nA sample Nomad Life policy was issued to you for trying "
    "%(service)s today: cover from %(start)s to %(end)s. It is not a real policy and nothing was paid.\n\n"
    "Tap “Doctor online” to see a doctor."
)


async def issue(uow: UnitOfWork, documents: DocumentStore, user_id: int, now: datetime) -> Policy:
    """The sample policy, or `service.ClinicError` saying why not (code for the page)."""
    user = await uow.users.get(user_id)
    if user is None:
        raise service.ClinicError(f"user {user_id} has not written to the bot", "unknown_user", user=user_id)
    if await uow.consents.active(user_id, PERSONAL_DATA, SCOPE) is None:
        raise service.ClinicError(f"user {user_id} has not given consent yet", "no_consent", user=user_id)
    held, verdict = await service.policy_for_telemedicine(uow, user_id, now)
    if held is not None and verdict is not None and verdict.allowed:
        raise service.ClinicError(f"user {user_id} already has Nomad Life policy {held.number} in force",
                                  "policy_in_force", user=user_id, number=held.number)
    product = get_product(sample.PRODUCT)
    application = uow.applications.start(user_id, product.code, {}, sample.MARKER.lower())
    await uow.flush()
    drawn = sample.sample_policy(product, local_today(now), application.id,
                                 sample.full_name(user.first_name, user.last_name))
    application.answers = drawn.answers
    application.quote = {"premium": "0", "tax": "0", "total": "0", "currency": product.currency}
    application.status = "paid"
    language = user.language or "ru"
    form = form_of(product, application, language, cover_start=drawn.cover_start)
    certificate = await asyncio.to_thread(render_certificate, IssuedPolicy(
        number=drawn.number, issued_at=now, form=form, application_sha256=""))
    policy = uow.policies.issue(
        number=drawn.number, user_id=user_id, application_id=application.id, product_code=product.code,
        holder_name=form.full_name, cover_option=form.cover_option.code, currency=product.currency,
        sum_insured_minor=to_minor_units(Decimal(drawn.answers["sum_insured"])), premium_minor=0, tax_minor=0,
        total_minor=0, cover_start=drawn.cover_start, cover_end=drawn.cover_end, issued_at=now,
        certificate_sha256=documents.put(certificate))
    await uow.flush()
    t = translator(language)
    uow.outbox.add(user_id, m.message(
        t, ISSUED, [[(t.gettext(DOCTOR_ONLINE), "tm")], [(t.gettext(MAIN_MENU), "menu"), (t.gettext(PERSON), "support")]],
        number=drawn.number, service=service.service_name(language), start=t.date(drawn.cover_start),
        end=t.date(drawn.cover_end)))
    return policy
