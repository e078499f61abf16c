"""My policies: each policy's number, status, period and insurer's contacts;
the certificate again; "I repaid my loan early" and "cancel my policy".

Ending a policy early shows what is returned and under which clause before
the customer confirms (insurance.termination: Nomad Life rules 12.3-12.5,
SAKBOL offer 7.2, 8.2, 8.3), records the request and passes it to the insurer.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

from bot.conversation import Button, Router, Turn
from bot.i18n import N_, translator
from bot.keyboards import BUY_COVER, PERSON, back_and_person
from bot.partners import INSURER, PartnerNotice, notify
from handlers.claims import DATE_FORMAT, TODAY, YESTERDAY
from handlers.contacts import insurer_contacts
from handlers.purchase import CERTIFICATE_CAPTION
from insurance.application import FieldError, local_today, parse_date
from insurance.catalogue import get_product
from insurance.money import from_minor_units, to_minor_units
from insurance.termination import CANCELLATION, EARLY_REPAYMENT, TerminationQuote, TerminationRefused, quote
from storage.models import Policy, utcnow
from insurance.parsing import parse_callback, parse_int

TITLE = N_("<b>📄 My policies</b>")
NONE_YET = N_("You have no policies yet.")
LINE = N_("<b>%(number)s</b> · %(product)s\n%(status)s · %(start)s – %(end)s · %(sum)s")
STATUS = {"active": N_("in force")}
STARTS_ON = N_("starts on %(date)s")
ENDED = N_("ended")
CERTIFICATE = N_("📄 %(number)s")
NOT_YOURS = N_("This policy is not available.")
REPAID_EARLY = N_("💸 I repaid my loan early")
CANCEL = N_("✖️ Cancel my policy")
REQUESTED = N_("⏳ Request No. %(number)s to end this policy early is with the insurer.")

ASK_REPAID = N_("<b>📄 %(number)s › Early repayment</b>\nOn what date did you repay the loan? Choose or type it, "
                "for example 21.03.2026:")
REFUSED = {
    "repaid_in_future": N_("The repayment date cannot be in the future."),
    "repaid_before_cover": N_("The repayment date cannot be before the policy started (%(start)s)."),
    "policy_ended": N_("Policy %(number)s has ended: an early repayment had to be reported by its end date "
                       "(clause %(clause)s). A specialist can still help you."),
}
QUOTE_TITLE = {EARLY_REPAYMENT: N_("<b>📄 %(number)s › Early repayment</b>"),
               CANCELLATION: N_("<b>📄 %(number)s › Cancel the policy</b>")}
QUOTE_REFUND = N_("<b>You get back: %(amount)s</b> (clause %(clause)s)")
QUOTE_SHARE = N_("Premium paid: %(premium)s. Days of cover left from %(date)s: %(days)s of %(total)s; their share "
                 "of the premium: %(unexpired)s. Less the insurer's expenses: %(expenses)s.")
QUOTE_CLAUSES = N_("<b>What the insurer's document says:</b>")
QUOTE_TO_CONFIRM = N_("The insurer may confirm which of these clauses applies; the amount is its to confirm.")
QUOTE_ASK = N_("Send this request to the insurer?")
SEND_REQUEST = N_("✅ Send the request")
SENT = N_("<b>✅ Request No. %(number)s is sent to the insurer.</b>\nPolicy %(policy)s; refund %(amount)s "
          "(clause %(clause)s). The insurer will contact you; its contacts:")
KINDS = {EARLY_REPAYMENT: N_("early loan repayment"), CANCELLATION: N_("cancellation at the client's request")}


def register(router: Router) -> None:
    @router.callback("policies")
    async def policies_button(turn: Turn) -> None:
        _, _, argument = (turn.incoming.callback_data or "").partition(":")
        if (policy_id := parse_int(argument)) is not None:
            await resend_certificate(turn, policy_id)
        else:
            await show_policies(turn)

    @router.callback("policy")
    async def ending_button(turn: Turn) -> None:
        """`policy:r:ID` repaid early, `policy:x:ID` cancel, `policy:d:ISO` a date, `policy:send`."""
        pressed = parse_callback(turn.incoming.callback_data)
        action, argument = pressed.action, (pressed.args[0] if pressed.args else "")
        target = pressed.int_arg(0) or 0
        if action == "r":
            await ask_repayment_date(turn, target)
        elif action == "x":
            await quote_cancellation(turn, target)
        elif action == "d":
            await _accept_repayment_date(turn, ".".join(reversed(argument.split("-"))))
        elif action == "send":
            await send_request(turn)
        else:
            await show_policies(turn)

    router.command("policies")(show_policies)
    router.screen("policies")(show_policies)
    router.screen("policy.repaid", on_text=receive_repayment_date)(
        lambda turn: ask_repayment_date(turn, turn.data.get("termination", {}).get("policy_id", 0)))
    router.screen("policy.quote")(show_quote)


async def show_policies(turn: Turn) -> None:
    turn.goto("policies")
    policies = await turn.uow.policies.for_user(turn.user.id)
    lang = turn.t.language
    lines = [turn._(TITLE), ""]
    rows: list[list[Button]] = []
    for policy in policies:
        product = get_product(policy.product_code)
        lines.append(turn._(
            LINE, number=policy.number, product=product.name.get(lang),
            status=policy_status(turn, policy),
            start=turn.t.date(policy.cover_start), end=turn.t.date(policy.cover_end),
            sum=turn.t.money(from_minor_units(policy.sum_insured_minor), policy.currency)))
        requests = await turn.uow.terminations.for_policy(policy.id)
        if requests:
            lines.append(turn._(REQUESTED, number=requests[-1].id))
        lines += [insurer_contacts(turn, product), ""]
        rows.append([(turn._(CERTIFICATE, number=policy.number), f"policies:{policy.id}")])
        if not requests:
            rows.append([(turn._(REPAID_EARLY), f"policy:r:{policy.id}"), (turn._(CANCEL), f"policy:x:{policy.id}")])
    if not policies:
        lines.append(turn._(NONE_YET))
        rows.append([(turn._(BUY_COVER), "buy")])
    turn.show("\n".join(lines).rstrip(), [*rows, back_and_person(turn)])


def policy_status(turn: Turn, policy: Policy) -> str:
    """In force only from the start date, in the policy's country time (Nomad Life
    rules 5.1: from the date in the contract; SAKBOL offer 6.x: from 00:00 of the start date)."""
    product = get_product(policy.product_code)
    today = local_today(product, utcnow())
    if policy.status == "active" and today < policy.cover_start:
        return turn._(STARTS_ON, date=turn.t.date(policy.cover_start))
    if policy.status == "active" and today > product.cover_period.last_covered_day(policy.cover_end):
        return turn._(ENDED)
    return turn._(STATUS.get(policy.status, STATUS["active"]))


async def resend_certificate(turn: Turn, policy_id: int) -> None:
    """Only the holder's own policy; anything else is refused whatever the button says."""
    policy = await turn.uow.policies.get_for_user(turn.user.id, policy_id)
    if policy is None:
        turn.notice(turn._(NOT_YOURS))
        return
    turn.send_stored_document(policy.certificate_sha256, f"{policy.number}.pdf",
                              caption=turn._(CERTIFICATE_CAPTION, number=escape(policy.number)))


# ---- ending a policy early ------------------------------------------------------

async def _own_policy(turn: Turn, policy_id: int) -> Policy | None:
    policy = await turn.uow.policies.get_for_user(turn.user.id, policy_id)
    if policy is None:
        turn.notice(turn._(NOT_YOURS))
        await show_policies(turn)
    return policy


async def ask_repayment_date(turn: Turn, policy_id: int) -> None:
    policy = await _own_policy(turn, policy_id)
    if policy is None:
        return
    turn.data["termination"] = {"policy_id": policy.id, "kind": EARLY_REPAYMENT}
    today = local_today(get_product(policy.product_code), utcnow())
    turn.goto("policy.repaid")
    turn.show(turn._(ASK_REPAID, number=policy.number), [
        [(turn._(TODAY), f"policy:d:{today.isoformat()}"),
         (turn._(YESTERDAY), f"policy:d:{(today - timedelta(days=1)).isoformat()}")],
        back_and_person(turn, back="policies"),
    ])


async def receive_repayment_date(turn: Turn) -> None:
    await _accept_repayment_date(turn, turn.incoming.text)


async def _accept_repayment_date(turn: Turn, raw: str) -> None:
    draft = turn.data.get("termination") or {}
    policy = await turn.uow.policies.get_for_user(turn.user.id, int(draft.get("policy_id") or 0))
    if policy is None or draft.get("kind") != EARLY_REPAYMENT:
        await show_policies(turn)
        return
    try:
        repaid_on = parse_date(raw)
    except FieldError:
        turn.say(turn._(DATE_FORMAT))
        return
    draft["repaid_on"] = repaid_on.isoformat()
    await show_quote(turn)


async def quote_cancellation(turn: Turn, policy_id: int) -> None:
    policy = await _own_policy(turn, policy_id)
    if policy is None:
        return
    turn.data["termination"] = {"policy_id": policy.id, "kind": CANCELLATION}
    await show_quote(turn)


async def _quote(turn: Turn, policy: Policy, draft: dict) -> TerminationQuote:
    product = get_product(policy.product_code)
    claims = await turn.uow.claims.for_user(turn.user.id)
    repaid_on = draft.get("repaid_on")
    return quote(product, draft["kind"], premium=from_minor_units(policy.premium_minor),
                 cover_start=policy.cover_start, cover_end=policy.cover_end,
                 today=local_today(product, utcnow()),
                 repaid_on=parse_date(repaid_on) if repaid_on else None,
                 payout_made=any(c.policy_id == policy.id and c.status == "paid" for c in claims))


async def _drafted_policy(turn: Turn) -> tuple[Policy | None, dict]:
    """The customer's policy of the request being prepared; without one, My policies again."""
    draft = turn.data.get("termination") or {}
    policy = await turn.uow.policies.get_for_user(turn.user.id, int(draft.get("policy_id") or 0))
    if policy is None or draft.get("kind") not in QUOTE_TITLE:
        await show_policies(turn)
        return None, draft
    return policy, draft


async def show_quote(turn: Turn) -> None:
    """The amount and the clauses, before the customer confirms anything."""
    policy, draft = await _drafted_policy(turn)
    if policy is None:
        return
    try:
        result = await _quote(turn, policy, draft)
    except TerminationRefused as refused:
        turn.say(turn._(REFUSED[refused.reason], start=turn.t.date(policy.cover_start), number=policy.number,
                        clause=refused.clause),
                 [[(turn._(PERSON), "support")]] if refused.reason == "policy_ended" else None)
        if refused.reason == "policy_ended":
            await show_policies(turn)
        else:
            draft.pop("repaid_on", None)
            turn.goto("policy.repaid")
        return
    lang, money = turn.t.language, (lambda amount: turn.t.money(amount, policy.currency))
    refund = result.refund
    lines = [turn._(QUOTE_TITLE[result.kind], number=policy.number), "",
             turn._(QUOTE_REFUND, amount=money(refund.amount), clause=result.rule.clause)]
    if refund.unexpired_days and refund.amount:
        lines.append(turn._(QUOTE_SHARE, premium=money(refund.premium), days=refund.unexpired_days,
                            total=refund.cover_days, date=turn.t.date(result.effective_on),
                            unexpired=money(refund.unexpired_premium), expenses=money(refund.expenses)))
    lines += ["", turn._(QUOTE_CLAUSES)]
    lines += [f"• {escape(rule.clause)}: {escape(rule.text.get(lang))}" for rule in result.shown]
    if result.insurer_to_confirm:
        lines.append(f"<i>{turn._(QUOTE_TO_CONFIRM)}</i>")
    lines += ["", turn._(QUOTE_ASK)]
    back = f"policy:r:{policy.id}" if result.kind == EARLY_REPAYMENT else "policies"
    turn.goto("policy.quote")
    turn.show("\n".join(lines), [[(turn._(SEND_REQUEST), "policy:send")], back_and_person(turn, back=back)])


async def send_request(turn: Turn) -> None:
    """Record the request as quoted now, and pass it to the insurer."""
    policy, draft = await _drafted_policy(turn)
    if policy is None:
        return
    earlier = await turn.uow.terminations.for_policy(policy.id)
    if earlier:  # a second press, or a stale button: one request per policy
        turn.notice(turn._(REQUESTED, number=earlier[-1].id))
        await show_policies(turn)
        return
    try:
        result = await _quote(turn, policy, draft)
    except TerminationRefused:
        await show_quote(turn)
        return
    request = await turn.uow.terminations.record(
        policy_id=policy.id, user_id=turn.user.id, kind=result.kind, repaid_on=result.effective_on
        if result.kind == EARLY_REPAYMENT else None, effective_on=result.effective_on, rule_code=result.rule.code,
        clause=result.rule.clause, currency=policy.currency, premium_minor=policy.premium_minor,
        expenses_minor=to_minor_units(result.refund.expenses), refund_minor=to_minor_units(result.refund.amount))
    product = get_product(policy.product_code)
    amount = turn.t.money(result.refund.amount, policy.currency)
    await notify(turn, PartnerNotice("termination_requested", policy.product_code, (INSURER,), {
        "request": request.id, "kind": translator(turn.settings.staff_language).gettext(KINDS[result.kind]),
        "policy": policy.number, "client": policy.holder_name, "user_id": turn.user.id,
        "date": result.effective_on.strftime("%d.%m.%Y"),
        "refund": f"{result.refund.amount} {policy.currency}", "clause": result.rule.clause}))
    turn.data.pop("termination", None)
    turn.goto("policies")
    turn.receipt("\n".join([turn._(SENT, number=request.id, policy=policy.number, amount=amount,
                                clause=result.rule.clause), insurer_contacts(turn, product)]),
             [[(turn._(CERTIFICATE, number=policy.number), f"policies:{policy.id}")], back_and_person(turn)])

