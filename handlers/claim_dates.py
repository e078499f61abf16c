"""The claim clock as the customer reads it, for the claim receipt, the claim
screen and document messages (insurance.claim_clock: Nomad Life rules 7.8,
10.1-10.3, 11.2(4))."""

from __future__ import annotations

from bot.conversation import translate, translate_plural
from bot.i18n import N_, Translator
from bot.i18n import plural_message as ngettext
from insurance.claim_clock import ClaimClock
from insurance.product import InsurerDeadline, Product

CLOCK_TITLE = N_("<b>What happens next</b>")
MISSING_NOTICE = ngettext(
    "• Within %(days)s working day of receiving documents the insurer tells you which are missing "
    "(clause %(clause)s).",
    "• Within %(days)s working days of receiving documents the insurer tells you which are missing "
    "(clause %(clause)s).")
MISSING_NOTICE_BY = N_("• The insurer tells you which documents are missing by %(date)s (clause %(clause)s).")
DECISION_AFTER_ORIGINALS = ngettext(
    "• Decision: within %(days)s working day after the insurer has every document, originals included "
    "(clause %(clause)s). Scans sent here do not start this count: the date is set after the originals arrive.",
    "• Decision: within %(days)s working days after the insurer has every document, originals included "
    "(clause %(clause)s). Scans sent here do not start this count: the date is set after the originals arrive.")
DECISION_BY = N_("• The insurer decides by %(date)s (clause %(clause)s).")
PAYMENT_AFTER = ngettext(
    "• Payment: within %(days)s working day after the decision deadline (clause %(clause)s).",
    "• Payment: within %(days)s working days after the decision deadline (clause %(clause)s).")
PAYMENT_BY = N_("• Payment is due by %(date)s (clause %(clause)s).")
RECERTIFICATION = ngettext(
    "• On re-certification the insurer decides within %(days)s working day of your application (clause %(clause)s).",
    "• On re-certification the insurer decides within %(days)s working days of your application (clause %(clause)s).")
PENALTY = N_("• A late payment accrues a penalty of %(rate)s a year for each day of delay (clause %(clause)s).")
ORIGINALS_AWAITED = N_("<b>Originals the insurer needs on paper:</b> %(items)s.")
TO_CONFIRM = N_("(the insurer's usual terms, to be confirmed)")


def _clause(value: str | None) -> str:
    return value or "—"


def _deadline(product: Product, code: str) -> InsurerDeadline | None:
    return next((d for d in product.insurer_deadlines if d.code == code), None)


def decision_line(t: Translator, product: Product, clock: ClaimClock) -> str | None:
    """The decision date once every document is in; until then, how it will be counted."""
    decision = _deadline(product, "decision")
    if clock.decision is not None:
        return translate(t, DECISION_BY, date=t.date(clock.decision.due_on), clause=_clause(clock.decision.clause))
    if decision is not None:
        return translate_plural(t, DECISION_AFTER_ORIGINALS, decision.days, days=decision.days,
                                clause=_clause(decision.clause))
    return None


def to_confirm_note(t: Translator, product: Product) -> str | None:
    """The insurer's usual terms, not yet in its own documents (SAKBOL)."""
    deadlines = (_deadline(product, code) for code in ("missing_documents", "decision", "payment"))
    return f"<i>{translate(t, TO_CONFIRM)}</i>" if any(d and d.insurer_to_confirm for d in deadlines) else None


def originals_awaited_line(t: Translator, clock: ClaimClock) -> str | None:
    if not clock.awaiting_originals:
        return None
    return translate(t, ORIGINALS_AWAITED, items=", ".join(i.document.name.get(t.language)
                                                           for i in clock.awaiting_originals))


def clock_lines(t: Translator, product: Product, clock: ClaimClock) -> list[str]:
    """Every date the insurer owes, or how it will be counted while it cannot be yet (in `t`'s language)."""
    lines = [translate(t, CLOCK_TITLE)]
    missing = _deadline(product, "missing_documents")
    if clock.decision is None:
        if clock.missing_notice is not None:
            lines.append(translate(t, MISSING_NOTICE_BY, date=t.date(clock.missing_notice.due_on),
                                   clause=_clause(clock.missing_notice.clause)))
        elif missing is not None:
            lines.append(translate_plural(t, MISSING_NOTICE, missing.days, days=missing.days,
                                          clause=_clause(missing.clause)))
    lines += filter(None, [decision_line(t, product, clock)])
    payment = _deadline(product, "payment")
    if clock.payment is not None:
        lines.append(translate(t, PAYMENT_BY, date=t.date(clock.payment.due_on), clause=_clause(clock.payment.clause)))
    elif payment is not None:
        lines.append(translate_plural(t, PAYMENT_AFTER, payment.days, days=payment.days,
                                      clause=_clause(payment.clause)))
    if clock.recertification is not None:
        lines.append(translate_plural(t, RECERTIFICATION, clock.recertification.days,
                                      days=clock.recertification.days, clause=_clause(clock.recertification.clause)))
    if product.late_payment_penalty is not None:
        lines.append(translate(t, PENALTY, rate=f"{t.number(product.late_payment_penalty.annual_rate * 100)}%",
                               clause=product.late_payment_penalty.clause))
    lines += filter(None, [to_confirm_note(t, product)])
    awaited = originals_awaited_line(t, clock)
    if awaited:
        lines += ["", awaited]
    return lines
