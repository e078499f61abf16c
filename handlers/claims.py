"""Reporting an insured event and following the claim.

The bot never decides a claim and never turns one away: it registers it on
time, says what is late or outside cover and why (with the clause), and
escalates to the claims team. Rules: Nomad Life rules 3.1, 3.2, 7.8, 9.1,
10.1-10.3, 10.6; SAKBOL offer 4.3, 8.1 (insurance.claims).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from html import escape
from typing import Any

from bot.conversation import Button, Router, Turn, translate, translate_plural
from bot.documents.claim_form import render_claim_form
from bot.i18n import N_, translator
from bot.i18n import plural_message as ngettext
from bot.keyboards import (
    DOCTOR_ONLINE,
    MAIN_MENU,
    MY_CLAIMS,
    PERSON,
    REPORT_EVENT,
    UPLOAD_DOCUMENTS,
    back_and_person,
    menu_and_person,
)
from bot.partners import LENDER, PartnerNotice, notify
from handlers.claim_dates import clock_lines, decision_line, originals_awaited_line, to_confirm_note
from handlers.contacts import insurer_contacts, lender_name
from handlers.support import TOO_LONG
from insurance import claims as rules
from insurance.application import FieldError, local_today, parse_date
from insurance.catalogue import get_product
from insurance.claim_clock import DisabilityDateError, check_disability, claim_clock, item_statuses
from insurance.claim_documents import needs_claim_form, next_reminder, progress
from insurance.identity import normalize_contact_phone
from insurance.parsing import accepts, ascii_digits, parse_callback, parse_int
from insurance.product import Product
from storage import claim_progress
from storage.models import Claim, Policy, utcnow

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 2000
LOOKUP_TRIES = 5

CHOOSE_POLICY = N_("<b>🆘 Report an event</b>\nWhich policy is it about?")
OTHER_POLICY = N_("Someone else's policy (I am a beneficiary or an heir)")
NO_POLICIES = N_("You have no policies in the bot. If the policy belongs to a relative, choose “Someone else's policy”.")
POLICY_BUTTON = N_("%(number)s · %(holder)s")
ASK_NUMBER = N_("<b>🆘 Report an event › Policy</b>\nType the policy number, for example SB-2026-000123:")
ASK_BIRTH = N_("Type the insured person's date of birth, for example 21.03.1988, to confirm the policy:")
NO_MATCH = N_("No policy matches this number and date of birth. Please check both and type the policy number again.")
TOO_MANY_LOOKUPS = N_("The policy could not be confirmed. A specialist will help you find it.")
ASK_RELATION = N_("Who are you to the insured person?")
RELATIONS = {"beneficiary": N_("Beneficiary"), "heir": N_("Heir")}
ASK_EVENT = N_("<b>🆘 Report an event › What happened</b>\nChoose the event:")
ASK_GROUP = N_("Which disability group was set?")
GROUPS = {1: N_("Group I"), 2: N_("Group II"), 3: N_("Group III")}
TELEMEDICINE = N_(
    "<b>🩺 %(service)s</b>\nIllness is served by a doctor's consultation, not a claim form (clause %(clause)s). "
    "Consultations are open 24/7 while the policy is in force, with no limit on their number: %(url)s"
)
ASK_DATE = N_("When did it happen? Choose or type the date, for example 21.03.2026:")
ASK_ACCIDENT_DATE = N_("When did the accident happen? Choose or type the date, for example 21.03.2026:")
ASK_DISABILITY_DATE = N_("On what date was the disability set (the date on the certificate)? Type it, "
                         "for example 21.03.2026:")
DISABILITY_DATE_ERRORS = {
    "before_accident": N_("Disability cannot be set before the accident (%(date)s). Please check the date."),
    "in_future": N_("This date is in the future. Please type the date disability was set."),
}
DISABILITY_SET = N_("Disability set: %(date)s")
CERTIFICATE_DUE = ngettext(
    "Send the disability certificate to the insurer within %(days)s calendar day of certification: by %(date)s "
    "(clause %(clause)s).",
    "Send the disability certificate to the insurer within %(days)s calendar days of certification: by %(date)s "
    "(clause %(clause)s).")
CERTIFICATE_LATE = N_("⚠️ The disability certificate was due by %(date)s (clause %(clause)s): send it as soon as "
                      "you can; the claim is registered and the insurer will consider the delay.")
SET_OUTSIDE_WINDOW = ngettext(
    "⚠️ Disability counts as an insured event when it is set within %(months)s month of the accident, by "
    "%(date)s (clause %(clause)s). It was set later: the claim will still be registered and the insurer will "
    "review it.",
    "⚠️ Disability counts as an insured event when it is set within %(months)s months of the accident, by "
    "%(date)s (clause %(clause)s). It was set later: the claim will still be registered and the insurer will "
    "review it.")
OUTSIDE_OPTION = N_(
    "⚠️ Your cover option “%(option)s” does not include this event (clause %(clause)s). The claim will still be "
    "registered and the insurer will review it.")
TELL_LENDER = ngettext(
    "Clause %(clause)s: within %(days)s day of the event, by %(deadline)s, tell both your lender (%(lender)s) "
    "and the insurer, by phone, fax or electronic message. Qamqor has passed your report to the lender as well.",
    "Clause %(clause)s: within %(days)s days of the event, by %(deadline)s, tell both your lender (%(lender)s) "
    "and the insurer, by phone, fax or electronic message. Qamqor has passed your report to the lender as well.")
TODAY = N_("Today")
YESTERDAY = N_("Yesterday")
DATE_FUTURE = N_("The date of the event cannot be in the future.")
DATE_FORMAT = N_("Please write the date as DD.MM.YYYY, for example 21.03.2026.")
OUTSIDE_COVER = N_(
    "<b>🆘 Report an event › Date</b>\nThe date %(date)s is outside the cover period of policy %(number)s "
    "(%(start)s – %(end)s, clause %(clause)s). You can change the date, or register the claim anyway: "
    "the insurer will review it."
)
CHANGE_DATE = N_("✏️ Change the date")
REGISTER_ANYWAY = N_("📝 Register anyway")
ASK_DESCRIPTION = N_("Describe what happened in your own words: where, how, and what the consequences are.")
DESCRIPTION_SHORT = N_("Please describe the event in a few words (at least 10 characters).")
ASK_PHONE = N_("Which phone should the claims team call? Share your contact, type a number, or use the one below.")
USE_PHONE = N_("📞 %(phone)s")
PHONE_INVALID = N_("This phone number does not look right. Please type it with the country code, for example +996 555 123 456.")
CONFIRM_TITLE = N_("<b>🆘 Report an event › Check</b>")
CONFIRM_LINES = N_(
    "Policy: %(number)s (%(product)s)\nEvent: %(event)s\nDate: %(date)s\nContact phone: %(phone)s\n\n%(description)s"
)
LATE_WARNING = N_(
    "⚠️ The event should have been reported by %(deadline)s (clause %(clause)s). The claim will still be "
    "registered; the insurer will consider the delay."
)
OUTSIDE_WARNING = N_("⚠️ The date is outside the cover period: the insurer will review this.")
REGISTER = N_("✅ Register the claim")
REGISTERED = N_("<b>✅ Claim No. %(number)s is registered</b>")
REPORTED_ON_TIME = N_("Reported on time (deadline %(deadline)s, clause %(clause)s).")
CHECKLIST_TITLE = N_("<b>Documents the insurer needs</b>")
CHECKLIST_TO_CONFIRM = N_("The insurer may confirm or change this list.")
ORIGINAL = N_("original")
NOTARISED_COPY = N_("notarised copy")
COPY = N_("copy")
NO_CHECKLIST = N_("The insurer will tell you which documents are needed.")
NEXT_DEADLINE = N_("⏳ Next date: %(date)s. By then the insurer tells you which documents are missing, if you send them today.")
# Where papers asked for "in the original" go: the insurer's office (Nomad Life rules 10.1, 10.2).
ORIGINALS_ADDRESS = N_("📮 Papers marked “original” go to the insurer on paper: %(insurer)s, %(address)s.")
ORIGINALS_WEBSITE = N_("📮 Papers marked “original” go to the insurer on paper: %(insurer)s, addresses at %(website)s.")
SHOW_CHECKLIST = N_("📋 Documents and clauses")
CLAIM_FORM = N_("📝 Claim form (PDF)")
CLAIM_FORM_CAPTION = N_("The claim form for claim No. %(number)s: print it, fill it in, sign it and send a photo of it here.")
# Translators: a clause reference; the number stays as it is ("10.1(3)").
CLAUSE = N_("clause %(clause)s")
CHECKLIST_SCREEN_TITLE = N_("<b>📋 Claim No. %(number)s › Documents and clauses</b>")
STAFF_NEW_CLAIM = N_(
    "<b>New claim No. %(number)s</b>: %(event)s, %(date)s, policy %(policy)s, %(product)s.\n"
    "Reported by %(name)s (%(relation)s), phone %(phone)s.%(flags)s\n\n%(description)s"
)
STAFF_OUTSIDE = N_(" Date outside cover.")
STAFF_OUTSIDE_OPTION = N_(" Event not in the cover option (%(clause)s).")
STAFF_DISABILITY = N_(" Disability set %(date)s.")
STAFF_SET_LATE = N_(" Disability set outside the window after the accident (%(clause)s).")
RELATION_HOLDER = N_("policyholder")

CLAIMS_TITLE = N_("<b>📋 My claims</b>")
NO_CLAIMS = N_("You have no claims.")
CLAIM_LINE = N_("<b>%(number)s</b> · %(event)s, %(date)s\n%(status)s · documents %(delivered)s of %(total)s")
# Every status of the claim status machine (insurance.claim_status), as the customer reads it.
STATUSES = {"registered": N_("registered, waiting for documents"),
            "documents_requested": N_("the insurer asked for documents"),
            "documents_complete": N_("all documents delivered"),
            "under_review": N_("under review by the insurer"), "approved": N_("payout approved"),
            "paid": N_("payout made"), "refused": N_("payout refused"), "closed": N_("closed")}
CLAIM_BUTTON = N_("📋 %(number)s")
CLAIM_TITLE = N_("<b>📋 Claim No. %(number)s</b>")
TIMELINE = N_("<b>Timeline</b>")
TIMELINE_EVENTS = {"registered": N_("registered"), "document": N_("document received: %(item)s"),
                   "documents_complete": N_("all documents delivered"),
                   "reminder": N_("reminder about missing documents"),
                   "original": N_("the insurer has the original: %(item)s"),
                   "documents_requested": N_("the insurer asked for documents"),
                   "under_review": N_("under review by the insurer"), "approved": N_("payout approved"),
                   "paid": N_("payout made"), "refused": N_("payout refused"), "closed": N_("closed")}
MISSING = N_("<b>Still missing (%(count)s of %(total)s)</b>")
NOT_AVAILABLE = N_("This claim is not available.")


def register(router: Router) -> None:
    @router.callback("claim")
    async def claim_button(turn: Turn) -> None:
        pressed = parse_callback(turn.incoming.callback_data)
        handler = REPORT_ACTIONS.get(pressed.action)
        if handler is not None and accepts(handler, turn, *pressed.args):
            await handler(turn, *pressed.args)
        else:
            await choose_policy(turn)

    # Claims already reported stay visible after consent is withdrawn: only new processing stops.
    @router.callback("claims", needs_consent=False)
    async def claims_button(turn: Turn) -> None:
        pressed = parse_callback(turn.incoming.callback_data)
        if not pressed.args and (claim_id := parse_int(pressed.action)) is not None:
            await show_claim(turn, claim_id)
        elif pressed.action == "list" and (claim_id := pressed.int_arg(0)) is not None:
            await show_claim_checklist(turn, claim_id)
        elif pressed.action == "form" and (claim_id := pressed.int_arg(0)) is not None:
            await send_claim_form(turn, claim_id)
        else:
            await show_claims(turn)

    router.command("claim")(choose_policy)
    router.command("claims", needs_consent=False)(show_claims)
    router.screen("claim.policy")(choose_policy)
    router.screen("claim.number", on_text=receive_policy_number)(ask_policy_number)
    router.screen("claim.birth", on_text=receive_birth_date)(ask_birth_date)
    router.screen("claim.relation")(ask_relation)
    router.screen("claim.event")(ask_event)
    router.screen("claim.group")(ask_group)
    router.screen("claim.telemedicine")(ask_event)
    router.screen("claim.date", on_text=receive_date)(ask_date)
    router.screen("claim.outside")(show_outside_cover)
    router.screen("claim.disability_date", on_text=receive_disability_date)(ask_disability_date)
    router.screen("claim.description", on_text=receive_description)(ask_description)
    router.screen("claim.phone", on_text=receive_phone, on_contact=receive_phone)(ask_phone)
    router.screen("claim.confirm")(show_confirmation)
    router.screen("claims", needs_consent=False)(show_claims)


def _draft(turn: Turn) -> dict[str, Any]:
    return turn.data.setdefault("claim", {})


async def _policy(turn: Turn) -> Policy | None:
    """The policy of the draft: the user's own, or one confirmed by number and birth date."""
    policy_id = _draft(turn).get("policy_id")
    if not isinstance(policy_id, int):
        return None
    policy = await turn.uow.policies.get_for_user(turn.user.id, policy_id)
    if policy is None and _draft(turn).get("relation") in RELATIONS and _draft(turn).get("confirmed"):
        policy = await turn.uow.policies.get(policy_id)
    return policy


# ---- which policy -------------------------------------------------------------

async def choose_policy(turn: Turn) -> None:
    turn.data["claim"] = {}
    turn.goto("claim.policy")
    policies = await turn.uow.policies.for_user(turn.user.id)
    rows: list[list[Button]] = [[(turn._(POLICY_BUTTON, number=p.number, holder=p.holder_name), f"claim:p:{p.id}")]
                                for p in policies]
    rows.append([(turn._(OTHER_POLICY), "claim:other")])
    text = turn._(CHOOSE_POLICY) if policies else f"{turn._(CHOOSE_POLICY)}\n\n{turn._(NO_POLICIES)}"
    turn.show(text, [*rows, back_and_person(turn)])


async def pick_own_policy(turn: Turn, policy_id: str = "") -> None:
    policy = await turn.uow.policies.get_for_user(turn.user.id, int(policy_id)) if ascii_digits(policy_id) else None
    if policy is None:
        log.warning("user %s asked for policy %r that is not theirs", turn.user.id, policy_id)
        turn.notice(turn._(NOT_AVAILABLE))
        await choose_policy(turn)
        return
    turn.data["claim"] = {"policy_id": policy.id, "relation": "holder"}
    await ask_event(turn)


async def ask_policy_number(turn: Turn) -> None:
    if turn.data.get("policy_lookup_failures", 0) >= LOOKUP_TRIES:
        turn.say(turn._(TOO_MANY_LOOKUPS), [menu_and_person(turn)])
        turn.goto("menu")
        return
    turn.goto("claim.number")
    turn.show(turn._(ASK_NUMBER), [back_and_person(turn, back="claim")])


async def receive_policy_number(turn: Turn) -> None:
    number = "".join(turn.incoming.text.split()).upper()[:32]
    _draft(turn).update(lookup_number=number)
    await ask_birth_date(turn)


async def ask_birth_date(turn: Turn) -> None:
    turn.goto("claim.birth")
    turn.show(turn._(ASK_BIRTH), [back_and_person(turn, back="claim:other")])


async def receive_birth_date(turn: Turn) -> None:
    """Number and the insured's birth date must both match; which one did not is not said."""
    draft = _draft(turn)
    try:
        born = parse_date(turn.incoming.text)
    except FieldError:
        turn.say(turn._(DATE_FORMAT))
        return
    policy = await turn.uow.policies.by_number(draft.get("lookup_number", ""))
    application = await turn.uow.applications.get(policy.application_id) if policy else None
    if application is None or application.answers.get("birth_date") != born.isoformat():
        # Counted outside the draft, so starting the report again does not reset it.
        failures = turn.data["policy_lookup_failures"] = turn.data.get("policy_lookup_failures", 0) + 1
        log.warning("user %s: policy lookup failed (%s of %s tries)", turn.user.id, failures, LOOKUP_TRIES)
        if failures < LOOKUP_TRIES:
            turn.say(turn._(NO_MATCH))
        await ask_policy_number(turn)
        return
    assert policy is not None
    draft.update(policy_id=policy.id, confirmed=True)
    await ask_relation(turn)


async def ask_relation(turn: Turn) -> None:
    turn.goto("claim.relation")
    turn.show(turn._(ASK_RELATION), [[(turn._(label), f"claim:r:{code}") for code, label in RELATIONS.items()],
                                     back_and_person(turn, back="claim")])


async def choose_relation(turn: Turn, relation: str = "") -> None:
    if relation not in RELATIONS or not _draft(turn).get("confirmed"):
        await choose_policy(turn)
        return
    _draft(turn)["relation"] = relation
    await ask_event(turn)


# ---- what and when --------------------------------------------------------------

async def ask_event(turn: Turn) -> None:
    policy = await _policy(turn)
    if policy is None:
        await choose_policy(turn)
        return
    product = get_product(policy.product_code)
    turn.goto("claim.event")
    rows = [[(e.name.get(turn.t.language), f"claim:e:{e.code}")] for e in product.event_types]
    turn.show(turn._(ASK_EVENT), [*rows, back_and_person(turn, back="claim")])


async def choose_event(turn: Turn, code: str = "") -> None:
    policy = await _policy(turn)
    if policy is None:
        await choose_policy(turn)
        return
    product = get_product(policy.product_code)
    event = next((e for e in product.event_types if e.code == code), None)
    if event is None:
        await ask_event(turn)
        return
    if event.telemedicine and product.telemedicine is not None:
        # Nomad Life rules 3.1(3), 7.12, 9.5: illness is served by telemedicine.
        turn.goto("claim.telemedicine")
        service = product.telemedicine
        turn.show(turn._(TELEMEDICINE, service=service.name.get(turn.t.language), clause=service.clause,
                         url=service.url),
                  [[(turn._(DOCTOR_ONLINE), "tm")], back_and_person(turn, back="claim:event")])
        return
    # SAKBOL offer form 3, 4.3: an event outside the option bought is registered and flagged, never refused.
    outside = rules.check_event_in_option(product, policy.cover_option, code) \
        if any(o.code == policy.cover_option for o in product.cover_options) else None
    _draft(turn).update(event_type=code, disability_group=None, disability_set_on=None,
                        outside_option=outside.clause if outside else None)
    if event.disability_groups:
        await ask_group(turn)
    else:
        await ask_date(turn)


async def ask_group(turn: Turn) -> None:
    policy = await _policy(turn)
    if policy is None or "event_type" not in _draft(turn):
        await choose_policy(turn)
        return
    groups = get_product(policy.product_code).event_type(_draft(turn)["event_type"]).disability_groups
    turn.goto("claim.group")
    turn.show(turn._(ASK_GROUP), [[(turn._(GROUPS[g]), f"claim:g:{g}") for g in groups],
                                  back_and_person(turn, back="claim:event")])


async def choose_group(turn: Turn, group: str = "") -> None:
    if group not in ("1", "2", "3") or "event_type" not in _draft(turn):
        await ask_group(turn)
        return
    _draft(turn)["disability_group"] = int(group)
    await ask_date(turn)


async def ask_date(turn: Turn) -> None:
    policy = await _policy(turn)
    if policy is None or "event_type" not in _draft(turn):
        await choose_policy(turn)
        return
    product = get_product(policy.product_code)
    today = local_today(product, utcnow())
    turn.goto("claim.date")
    turn.show(turn._(ASK_ACCIDENT_DATE if _asks_disability_date(product, _draft(turn)) else ASK_DATE), [
        [(turn._(TODAY), f"claim:d:{today.isoformat()}"),
         (turn._(YESTERDAY), f"claim:d:{(today - timedelta(days=1)).isoformat()}")],
        back_and_person(turn, back="claim:event"),
    ])


async def receive_date(turn: Turn) -> None:
    await _accept_date(turn, turn.incoming.text)


async def choose_date(turn: Turn, iso: str = "") -> None:
    await _accept_date(turn, ".".join(reversed(iso.split("-"))) if iso else "")


async def _accept_date(turn: Turn, raw: str) -> None:
    policy = await _policy(turn)
    if policy is None or "event_type" not in _draft(turn):
        await choose_policy(turn)
        return
    product = get_product(policy.product_code)
    try:
        event_date = parse_date(raw)
    except FieldError:
        turn.say(turn._(DATE_FORMAT))
        await ask_date(turn)
        return
    refusal = rules.check_cover(product, event_date, policy.cover_start, policy.cover_end,
                                local_today(product, utcnow()))
    if refusal is not None and refusal.rule == "event_in_future":
        turn.say(turn._(DATE_FUTURE))
        await ask_date(turn)
        return
    # A new accident date: the date disability was set is asked again, to be checked against it.
    _draft(turn).update(event_date=event_date.isoformat(), outside_cover=refusal.rule if refusal else None,
                        disability_set_on=None)
    if refusal is not None:
        await show_outside_cover(turn)
    else:
        await ask_description(turn)


async def _policy_having(turn: Turn, *keys: str) -> Policy | None:
    """The draft's policy once the draft holds `keys`; otherwise the report starts again."""
    policy = await _policy(turn)
    if policy is None or any(key not in _draft(turn) for key in keys):
        await choose_policy(turn)
        return None
    return policy


async def show_outside_cover(turn: Turn) -> None:
    policy = await _policy_having(turn, "event_date")
    if policy is None:
        return
    draft = _draft(turn)
    product = get_product(policy.product_code)
    turn.goto("claim.outside")
    turn.show(turn._(OUTSIDE_COVER, date=turn.t.date(date.fromisoformat(draft["event_date"])), number=policy.number,
                     start=turn.t.date(policy.cover_start), end=turn.t.date(policy.cover_end),
                     clause=product.cover_period.clause), [
        [(turn._(CHANGE_DATE), "claim:date"), (turn._(REGISTER_ANYWAY), "claim:anyway")],
        [(turn._(PERSON), "support")],
    ])


def _asks_disability_date(product: Product, draft: dict[str, Any]) -> bool:
    """Nomad Life rules 9.3, SAKBOL offer terms (и): dates that run from the day disability was set."""
    return "event_type" in draft and product.event_type(draft["event_type"]).disability_clocks is not None


async def ask_disability_date(turn: Turn) -> None:
    if await _policy_having(turn, "event_type", "event_date") is None:
        return
    turn.goto("claim.disability_date")
    turn.show(turn._(ASK_DISABILITY_DATE), [back_and_person(turn, back="claim:date")])


async def receive_disability_date(turn: Turn) -> None:
    policy = await _policy_having(turn, "event_type", "event_date")
    if policy is None:
        return
    draft = _draft(turn)
    product = get_product(policy.product_code)
    accident = date.fromisoformat(draft["event_date"])
    try:
        set_on = parse_date(turn.incoming.text)
        check_disability(product.event_type(draft["event_type"]), accident, set_on, local_today(product, utcnow()))
    except FieldError:
        turn.say(turn._(DATE_FORMAT))
        return
    except DisabilityDateError as wrong:
        turn.say(turn._(DISABILITY_DATE_ERRORS[wrong.reason], date=turn.t.date(accident)))
        return
    draft["disability_set_on"] = set_on.isoformat()
    await ask_description(turn)


def disability_lines(turn: Turn, product: Product, event_code: str, accident: date, set_on: date | None) -> list[str]:
    """The date disability was set and the clocks that run from it."""
    if set_on is None or product.event_type(event_code).disability_clocks is None:
        return []
    t = turn.t
    check = check_disability(product.event_type(event_code), accident, set_on,
                             max(set_on, local_today(product, utcnow())))
    lines = [turn._(DISABILITY_SET, date=t.date(set_on))]
    if check.certificate_due is not None:
        clocks = product.event_type(event_code).disability_clocks
        if check.certificate_late:
            lines.append(turn._(CERTIFICATE_LATE, date=t.date(check.certificate_due), clause=check.certificate_clause))
        else:
            lines.append(translate_plural(t, CERTIFICATE_DUE, clocks.certificate_days, days=clocks.certificate_days,
                                          date=t.date(check.certificate_due), clause=check.certificate_clause))
    if check.set_in_time is False:
        months = product.event_type(event_code).disability_clocks.set_within_months
        lines.append(translate_plural(t, SET_OUTSIDE_WINDOW, months, months=months, date=t.date(check.set_by),
                                      clause=check.set_within_clause))
    return lines


def outside_option_line(turn: Turn, product: Product, policy: Policy, clause: str | None) -> list[str]:
    if not clause:
        return []
    option = next((o for o in product.cover_options if o.code == policy.cover_option), None)
    return [turn._(OUTSIDE_OPTION, option=option.name.get(turn.t.language) if option else policy.cover_option,
                   clause=clause)]


async def ask_description(turn: Turn) -> None:
    if "event_date" not in _draft(turn):
        await ask_date(turn)
        return
    policy = await _policy(turn)
    if policy is not None and _asks_disability_date(get_product(policy.product_code), _draft(turn)) \
            and not _draft(turn).get("disability_set_on"):
        await ask_disability_date(turn)
        return
    turn.goto("claim.description")
    turn.show(turn._(ASK_DESCRIPTION), [back_and_person(turn, back="claim:date")])


async def receive_description(turn: Turn) -> None:
    text = " ".join(turn.incoming.text.split())
    if len(text) > MAX_DESCRIPTION:
        turn.say(turn._(TOO_LONG, length=turn.t.number(len(text)), limit=turn.t.number(MAX_DESCRIPTION)))
        return
    if len(text) < 10 or sum(ch.isalpha() for ch in text) < 5:
        turn.say(turn._(DESCRIPTION_SHORT))
        return
    _draft(turn)["description"] = text
    await ask_phone(turn)


async def ask_phone(turn: Turn) -> None:
    if "description" not in _draft(turn):
        await ask_description(turn)
        return
    turn.goto("claim.phone")
    rows: list[list[Button]] = []
    if turn.user.phone:
        rows.append([(turn._(USE_PHONE, phone=turn.user.phone), "claim:ph")])
    rows.append(back_and_person(turn, back="claim:description"))
    turn.show(turn._(ASK_PHONE), rows)


async def receive_phone(turn: Turn) -> None:
    """Any number the claims team can call: typed, shared, or the one known."""
    policy = await _policy(turn)
    if policy is None:
        await choose_policy(turn)
        return
    raw = turn.incoming.contact_phone if turn.incoming.kind == "contact" else turn.incoming.text
    check = normalize_contact_phone(raw or "", get_product(policy.product_code).country)
    if not check.valid or not check.e164:
        turn.say(turn._(PHONE_INVALID))
        return
    _draft(turn)["phone"] = check.e164
    await show_confirmation(turn)


async def use_known_phone(turn: Turn) -> None:
    if not turn.user.phone:
        await ask_phone(turn)
        return
    _draft(turn)["phone"] = turn.user.phone
    await show_confirmation(turn)


async def show_confirmation(turn: Turn) -> None:
    policy = await _policy(turn)
    draft = _draft(turn)
    if policy is None or not all(k in draft for k in ("event_type", "event_date", "description", "phone")):
        await choose_policy(turn)
        return
    product = get_product(policy.product_code)
    lang = turn.t.language
    event_date = date.fromisoformat(draft["event_date"])
    lines = [turn._(CONFIRM_TITLE), "", turn._(
        CONFIRM_LINES, number=policy.number, product=product.name.get(lang), event=_event_name(turn, product, draft),
        date=turn.t.date(event_date), phone=draft["phone"], description=draft["description"])]
    reporting = rules.check_reporting(product, event_date, local_today(product, utcnow()))
    if reporting.late:
        lines += ["", turn._(LATE_WARNING, deadline=turn.t.date(reporting.deadline), clause=reporting.clause)]
    if draft.get("outside_cover"):
        lines += ["", turn._(OUTSIDE_WARNING)]
    set_on = draft.get("disability_set_on")
    extra = disability_lines(turn, product, draft["event_type"], event_date,
                             date.fromisoformat(set_on) if set_on else None)
    extra += outside_option_line(turn, product, policy, draft.get("outside_option"))
    if extra:
        lines += ["", *extra]
    turn.goto("claim.confirm")
    turn.show("\n".join(lines), [[(turn._(REGISTER), "claim:register")], back_and_person(turn, back="claim:phone")])


def _event_name(turn: Turn, product: Product, draft: dict[str, Any]) -> str:
    name = product.event_type(draft["event_type"]).name.get(turn.t.language)
    if draft.get("disability_group"):
        name = f"{name}: {turn._(GROUPS[draft['disability_group']])}"
    return name


# ---- registration ------------------------------------------------------------

async def register_claim(turn: Turn) -> None:
    policy = await _policy(turn)
    draft = _draft(turn)
    if policy is None or not all(k in draft for k in ("event_type", "event_date", "description", "phone")):
        await choose_policy(turn)
        return
    product = get_product(policy.product_code)
    event_date = date.fromisoformat(draft["event_date"])
    reporting = rules.check_reporting(product, event_date, local_today(product, utcnow()))
    checklist = product.event_type(draft["event_type"]).checklist
    now = utcnow()
    claim = await turn.uow.claims.register(
        user_id=turn.user.id, policy_id=policy.id, product_code=product.code,
        reporter_relation=draft.get("relation", "holder"), event_type=draft["event_type"],
        disability_group=draft.get("disability_group"), event_date=event_date, description=draft["description"],
        contact_phone=draft["phone"], reported_at=now, reporting_deadline=reporting.deadline, late=reporting.late,
        days_late=reporting.days_late, outside_cover=draft.get("outside_cover"),
        next_reminder_at=next_reminder(now, 0) if checklist else None,
        disability_set_on=date.fromisoformat(draft["disability_set_on"]) if draft.get("disability_set_on") else None,
        outside_option=draft.get("outside_option"),
    )
    await turn.uow.partner_events.emit(product.code, "claim.registered", {
        "claim": claim.number, "policy": policy.number, "event_type": claim.event_type,
        "event_date": event_date.isoformat(), "reported_at": now.isoformat(), "late": claim.late,
        "days_late": claim.days_late, "outside_cover": claim.outside_cover, "outside_option": claim.outside_option,
    }, claim.number)
    turn.data.pop("claim", None)
    turn.goto("claims")
    turn.receipt(registered_text(turn, product, claim, reporting, policy), receipt_buttons(turn, product, claim))
    if turn.settings.staff_chat_id is not None:
        staff = translator(turn.settings.staff_language)
        late = staff.ngettext(" Late by %(n)s day.", " Late by %(n)s days.", claim.days_late or 0)
        flags = (late if claim.late else "") + (
            staff.gettext(STAFF_OUTSIDE) if claim.outside_cover else "") + _staff_flags(staff, product, claim)
        relation = staff.gettext(RELATIONS.get(claim.reporter_relation, RELATION_HOLDER))
        turn.say(translate(
            staff, STAFF_NEW_CLAIM, number=claim.number,
            event=product.event_type(claim.event_type).name.get(turn.settings.staff_language),
            date=staff.date(event_date), policy=policy.number, product=product.name.get(turn.settings.staff_language),
            name=" ".join(filter(None, [turn.user.first_name, turn.user.last_name])), relation=relation,
            phone=claim.contact_phone, flags=flags, description=claim.description,
        ), chat_id=turn.settings.staff_chat_id)
    await _notify_lender(turn, product, policy, claim)


def _staff_flags(staff: Any, product: Product, claim: Claim) -> str:
    flags = staff.gettext(STAFF_OUTSIDE_OPTION, clause=claim.outside_option) if claim.outside_option else ""
    if claim.disability_set_on is not None:
        flags += staff.gettext(STAFF_DISABILITY, date=staff.date(claim.disability_set_on))
        check = check_disability(product.event_type(claim.event_type), claim.event_date, claim.disability_set_on,
                                 claim.disability_set_on)
        if check.set_in_time is False:
            flags += staff.gettext(STAFF_SET_LATE, clause=check.set_within_clause)
    return flags


async def _notify_lender(turn: Turn, product: Product, policy: Policy, claim: Claim) -> None:
    """SAKBOL offer 8.1: the lender is told as well as the insurer."""
    if product.reporting.notify_lender:
        await notify(turn, PartnerNotice("claim_reported", product.code, (LENDER,), {
            "claim": claim.number, "policy": policy.number,
            "event": product.event_type(claim.event_type).name.get(turn.settings.staff_language),
            "date": claim.event_date.strftime("%d.%m.%Y"), "client": policy.holder_name,
            "phone": claim.contact_phone, "clause": product.reporting.clause}))


def _tell_lender(turn: Turn, product: Product, claim: Claim) -> list[str]:
    """SAKBOL offer 8.1: within 10 days, tell the lender and the insurer."""
    if not product.reporting.notify_lender:
        return []
    return [translate_plural(turn.t, TELL_LENDER, product.reporting.days, clause=product.reporting.clause,
                             days=product.reporting.days, deadline=turn.t.date(claim.reporting_deadline),
                             lender=lender_name(turn, product))]


def registered_text(turn: Turn, product: Product, claim: Claim, reporting: rules.ReportingCheck,
                    policy: Policy) -> str:
    """The claim receipt: the number, when it was reported, what happens next and
    the next date, what the rules ask of the customer now (SAKBOL offer 8.1,
    Nomad Life rules 9.3(2)), the claim clock and the insurer's contacts; the
    checklist and its clauses are one tap away."""
    t = turn.t
    lines = [turn._(REGISTERED, number=claim.number)]
    if reporting.late:
        lines.append(turn.ngettext(
            "Reported %(n)s day after the deadline of %(deadline)s (clause %(clause)s); this is recorded for the insurer.",
            "Reported %(n)s days after the deadline of %(deadline)s (clause %(clause)s); this is recorded for the insurer.",
            reporting.days_late, deadline=t.date(reporting.deadline), clause=reporting.late_clause or reporting.clause))
    else:
        lines.append(turn._(REPORTED_ON_TIME, deadline=t.date(reporting.deadline), clause=reporting.clause))
    lines.append("")
    event = product.event_type(claim.event_type)
    if event.checklist:
        lines.append(turn.ngettext(
            "<b>What happens next:</b> send here %(n)s document from the list, as photos or files.",
            "<b>What happens next:</b> send here %(n)s documents from the list, as photos or files.",
            len(event.checklist)))
        missing = rules.missing_documents_deadline(product, local_today(product, utcnow()))
        lines.append(with_clause(turn, turn._(NEXT_DEADLINE, date=turn.t.date(missing.due_on)), missing.clause))
    else:
        lines.append(turn._(NO_CHECKLIST))
    extra = disability_lines(turn, product, claim.event_type, claim.event_date, claim.disability_set_on)
    extra += outside_option_line(turn, product, policy, claim.outside_option)
    extra += _tell_lender(turn, product, claim)
    if extra:
        lines += ["", *extra]
    # The decision as it will be counted, and the originals the insurer needs on paper and where
    # they go (Nomad Life rules 7.8, 10.1, 10.2); the full clock and the contacts are one tap away.
    clock = claim_clock(product, item_statuses(event.checklist, {}, {}))
    decision = " ".join(filter(None, [decision_line(t, product, clock), to_confirm_note(t, product)]))
    paper = [originals_awaited_line(t, clock)]
    if any("original" in item.document.forms for item in event.checklist):
        paper.append(originals_line(turn, product))
    lines += ["", *[line for line in (decision, " ".join(filter(None, paper))) if line]]
    return "\n".join(lines)


def with_clause(turn: Turn, text: str, clause: str | None) -> str:
    """`text (clause 7.8)`; a deadline the insurer has yet to confirm has no clause to show."""
    return f"{text} ({turn._(CLAUSE, clause=clause)})" if clause else text


def originals_line(turn: Turn, product: Product) -> str:
    lang, insurer = turn.t.language, product.insurer
    if insurer.address is not None:
        return turn._(ORIGINALS_ADDRESS, insurer=insurer.name.get(lang), address=insurer.address.get(lang))
    return turn._(ORIGINALS_WEBSITE, insurer=insurer.name.get(lang), website=insurer.website or "")


def receipt_buttons(turn: Turn, product: Product, claim: Claim) -> list[list[Button]]:
    """Upload, the checklist with its clauses, the claim form when the list asks for it."""
    checklist = product.event_type(claim.event_type).checklist
    rows: list[list[Button]] = []
    if checklist:
        rows.append([(turn._(UPLOAD_DOCUMENTS), f"docs:c:{claim.id}")])
        rows.append([(turn._(SHOW_CHECKLIST), f"claims:list:{claim.id}")])
        if any(needs_claim_form(item.code) for item in checklist):
            rows.append([(turn._(CLAIM_FORM), f"claims:form:{claim.id}")])
    rows.append([(turn._(MY_CLAIMS), "claims"), (turn._(MAIN_MENU), "menu")])
    rows.append([(turn._(PERSON), "support")])
    return rows


async def show_claim_checklist(turn: Turn, claim_id: int) -> None:
    """The full checklist of a claim with each item's form and clause, the claim clock
    and the insurer's contacts (one tap from the receipt)."""
    claim = await turn.uow.claims.get_for_user(turn.user.id, claim_id)
    if claim is None:
        turn.notice(turn._(NOT_AVAILABLE))
        return
    product = get_product(claim.product_code)
    event = product.event_type(claim.event_type)
    lang = turn.t.language
    lines = [turn._(CHECKLIST_SCREEN_TITLE, number=claim.number), ""]
    if event.checklist:
        lines.append(turn._(CHECKLIST_TITLE))
        for i, item in enumerate(event.checklist, 1):
            clause = f" ({turn._(CLAUSE, clause=item.clause)})" if item.clause else ""
            lines.append(f"{i}. {checklist_line(turn, item)}{clause}")
        if event.checklist_insurer_to_confirm:
            lines.append(f"<i>{turn._(CHECKLIST_TO_CONFIRM)}</i>")
        if product.documents_note is not None:
            lines.append(f"<i>{escape(product.documents_note.text.get(lang))} "
                         f"({turn._(CLAUSE, clause=product.documents_note.clause)})</i>")
        if any("original" in item.document.forms for item in event.checklist):
            lines += ["", originals_line(turn, product)]
    else:
        lines.append(turn._(NO_CHECKLIST))
    _, claim_dates = await claim_progress.clock(turn.uow, claim)
    lines += ["", *clock_lines(turn.t, product, claim_dates), "", insurer_contacts(turn, product)]
    turn.goto("claims")
    turn.show("\n".join(lines), [*receipt_buttons(turn, product, claim)[:-1],
                                 back_and_person(turn, back=f"claims:{claim.id}")])


async def send_claim_form(turn: Turn, claim_id: int) -> None:
    """The insurer's claim form, pre-filled with what the bot knows (Nomad Life rules 9.2(1))."""
    claim = await turn.uow.claims.get_for_user(turn.user.id, claim_id)
    if claim is None:
        turn.notice(turn._(NOT_AVAILABLE))
        return
    policy = await turn.uow.policies.get(claim.policy_id)
    content = render_claim_form(get_product(claim.product_code), claim, policy)
    turn.send_document(f"{claim.number}-claim-form.pdf", content,
                       caption=turn._(CLAIM_FORM_CAPTION, number=claim.number))


def checklist_line(turn: Turn, item: Any) -> str:
    """`Name (original): explanation`."""
    lang = turn.t.language
    forms = ", ".join(turn._({"original": ORIGINAL, "notarised_copy": NOTARISED_COPY}.get(f, COPY))
                      for f in item.document.forms)
    return f"<b>{escape(item.document.name.get(lang))}</b> ({forms}): {escape(item.document.explanation.get(lang))}"


# ---- following claims ---------------------------------------------------------

async def show_claims(turn: Turn) -> None:
    turn.goto("claims")
    claims = await turn.uow.claims.for_user(turn.user.id)
    lines = [turn._(CLAIMS_TITLE), ""]
    rows: list[list[Button]] = []
    for claim in claims:
        product = get_product(claim.product_code)
        state = progress(product.event_type(claim.event_type).checklist,
                         {d.item_code for d in await turn.uow.claims.documents(claim.id)})
        lines.append(turn._(CLAIM_LINE, number=claim.number, event=product.event_type(claim.event_type).name.get(
            turn.t.language), date=turn.t.date(claim.event_date), status=turn._(STATUSES[claim.status]),
            delivered=len(state.delivered), total=state.total))
        rows.append([(turn._(CLAIM_BUTTON, number=claim.number), f"claims:{claim.id}")])
    if not claims:
        lines.append(turn._(NO_CLAIMS))
    rows.append([(turn._(REPORT_EVENT), "claim")])
    turn.show("\n".join(lines), [*rows, back_and_person(turn)])


async def show_claim(turn: Turn, claim_id: int) -> None:
    """One claim: status, timeline, what is missing and the deadlines; only the reporter's own."""
    claim = await turn.uow.claims.get_for_user(turn.user.id, claim_id)
    if claim is None:
        log.warning("user %s asked for claim %s that is not theirs", turn.user.id, claim_id)
        turn.notice(turn._(NOT_AVAILABLE))
        return
    product = get_product(claim.product_code)
    documents = await turn.uow.claims.documents(claim.id)
    checklist = product.event_type(claim.event_type).checklist
    state = progress(checklist, {d.item_code for d in documents})
    t = turn.t
    lines = [turn._(CLAIM_TITLE, number=claim.number), turn._(STATUSES[claim.status]), "", turn._(TIMELINE)]
    for event in await turn.uow.claims.timeline(claim.id):
        label = TIMELINE_EVENTS.get(event.kind, TIMELINE_EVENTS["registered"])
        item = event.details.get("item")
        name = product.document(item).name.get(t.language) if item else ""
        lines.append(f"• {t.datetime(event.at, product.country)}: {turn._(label, item=name) if item else turn._(label)}")
    if state.missing:
        lines += ["", turn._(MISSING, count=len(state.missing), total=state.total)]
        lines += [f"• {escape(i.document.name.get(t.language))}" for i in state.missing]
    _, claim_dates = await claim_progress.clock(turn.uow, claim)
    lines += ["", *clock_lines(turn.t, product, claim_dates)]
    rows: list[list[Button]] = [[(turn._(UPLOAD_DOCUMENTS), f"docs:c:{claim.id}")]] if state.missing else []
    turn.goto("claims")
    turn.show("\n".join(lines), [*rows, back_and_person(turn, back="claims")])


REPORT_ACTIONS = {
    "p": pick_own_policy,
    "other": lambda turn: ask_policy_number(turn),
    "r": choose_relation,
    "event": lambda turn: ask_event(turn),
    "e": choose_event,
    "g": choose_group,
    "date": lambda turn: ask_date(turn),
    "d": choose_date,
    "anyway": lambda turn: ask_description(turn),
    "description": lambda turn: ask_description(turn),
    "phone": lambda turn: ask_phone(turn),
    "ph": lambda turn: use_known_phone(turn),
    "register": lambda turn: register_claim(turn),
}
