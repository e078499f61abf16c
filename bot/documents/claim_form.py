"""The insurer's claim form (payout application), pre-filled with what the bot
knows about the claim; the rest is filled in by hand and signed.

Nomad Life rules 9.2(1): on notice the insurer gives the payout application
form; 10.1 and 10.2 ask for it with the home address, phones and the
beneficiary's bank details. SAKBOL: the claim application of the default
checklist (offer 8.1; the list is the insurer's to confirm).
"""

from __future__ import annotations

from bot.documents.application import header
from bot.documents.layout import STRONG_STYLE, Languages, Page, fmt_date, fmt_local_datetime
from bot.i18n import N_, translator
from insurance.product import Product
from storage.models import Claim, Policy

TITLE = N_("Application for an insurance payout")
CLAIM_NUMBER = N_("Claim number")
POLICY_NUMBER = N_("Policy number")
INSURED = N_("Insured person")
EVENT = N_("Insured event")
EVENT_DATE = N_("Date of the event")
REPORTED_AT = N_("Reported")
CONTACT_PHONE = N_("Contact phone")
SECTION_CLAIM = N_("The claim")
SECTION_APPLICANT = N_("Applicant: fill in by hand")
APPLICANT_NAME = N_("Full name of the applicant")
HOME_ADDRESS = N_("Home address")
PHONES = N_("Phones")
BANK_DETAILS = N_("Bank details of the beneficiary")
SIGNATURE = N_("Signature and date")
BLANK = "_" * 40


def render_claim_form(product: Product, claim: Claim, policy: Policy | None) -> bytes:
    langs = Languages(product.languages)
    first = langs.codes[0]
    title = translator(first).gettext(TITLE)
    page = Page(title=f"{title} {claim.number}", created=claim.reported_at,
                footer=f"{title} · {claim.number}", language=first)
    header(page, langs, product)
    page.title_block([(line, "B", 12) for line in langs.each(TITLE)] + [(claim.number or "", "B", 11)])
    page.section(langs.label(SECTION_CLAIM, " / "))
    page.rows([
        (langs.label(CLAIM_NUMBER), claim.number or "", STRONG_STYLE),
        (langs.label(POLICY_NUMBER), policy.number if policy else "", None),
        (langs.label(INSURED), policy.holder_name if policy else "", None),
        (langs.label(EVENT), langs.text(product.event_type(claim.event_type).name), None),
        (langs.label(EVENT_DATE), fmt_date(claim.event_date), None),
        (langs.label(REPORTED_AT), fmt_local_datetime(claim.reported_at, product), None),
        (langs.label(CONTACT_PHONE), claim.contact_phone, None),
    ])
    page.section(langs.label(SECTION_APPLICANT, " / "), keep_with_next=60)
    page.rows([(langs.label(label), BLANK, None)
               for label in (APPLICANT_NAME, HOME_ADDRESS, PHONES, BANK_DETAILS, SIGNATURE)])
    return page.bytes()
