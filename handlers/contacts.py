"""Each insurer's contacts, from the product file, for any screen that needs
them (My policies, the claim receipt, consent withdrawal)."""

from __future__ import annotations

from html import escape

from bot.conversation import Turn
from bot.i18n import N_
from insurance.product import Product

INSURER = N_("<b>Insurer:</b> %(name)s")
PHONES = N_("☎️ %(phones)s")
CLAIMS_PHONES = N_("🆘 Claims: %(phones)s")
FORMS = N_("Forms: %(where)s")


def insurer_contacts(turn: Turn, product: Product) -> str:
    """The insurer's name, address, phones (claims lines apart), e-mail and site."""
    lang = turn.t.language
    insurer = product.insurer
    lines = [turn._(INSURER, name=insurer.name.get(lang))]
    if insurer.address is not None:
        lines.append(escape(insurer.address.get(lang)))
    office = [p.number for p in insurer.phones if p.purpose != "claims"]
    claims = [p.number for p in insurer.phones if p.purpose == "claims"]
    if office:
        lines.append(turn._(PHONES, phones=", ".join(office)))
    if claims:
        lines.append(turn._(CLAIMS_PHONES, phones=", ".join(claims)))
    lines.append(" · ".join(escape(x) for x in (insurer.email, insurer.website) if x))
    if product.rules.where is not None:
        lines.append(turn._(FORMS, where=product.rules.where.get(lang)))
    return "\n".join(line for line in lines if line)


# Nomad Life names no beneficiary in general (rules 2(5), 7.3): the contract does.
LENDER_IN_POLICY = N_("the lender named in the policy")


def lender_name(turn: Turn, product: Product) -> str:
    """The lender (the beneficiary bank) as the product names it, or, where the
    contract names it, a pointer to the policy."""
    name = product.beneficiary.name
    return name.get(turn.t.language) if name is not None else turn._(LENDER_IN_POLICY)
