"""The insurance certificate (policy).

For SAKBOL it is the contract itself: "the electronic certificate (PDF) sent to
the client" (offer 1.6, 3.2), naming the insured, the insured person, the
beneficiary, the period, the sum insured and the premium, with a reference to
the offer (offer, "Issuing the certificate"). Nomad Life: the policy states the
start of cover (rules 5.1) and refers to the rules.
"""

from __future__ import annotations

from bot.documents import labels as L
from bot.documents.application import (
    beneficiary_rows,
    cover_end_text,
    cover_start_text,
    header,
    personal_number_label,
    premium_rows,
    sample_tariff,
    territory_label,
)
from bot.documents.layout import (
    HASH_STYLE,
    STRONG_STYLE,
    Languages,
    Page,
    fmt_date,
    fmt_local_datetime,
    fmt_money,
    fmt_phone,
    unique,
)
from bot.i18n import translator
from insurance.application import IssuedPolicy


def render_certificate(policy: IssuedPolicy) -> bytes:
    form = policy.form
    product = form.product
    insurer = product.insurer
    langs = Languages(product.languages)
    first = langs.codes[0]
    money = form.currency
    number_line = langs.label(L.CERTIFICATE_NUMBER, " / ", number=policy.number)
    page = Page(
        title=f"{translator(first).gettext(L.CERTIFICATE_TITLE)} "
              f"{translator(first).gettext(L.CERTIFICATE_NUMBER, number=policy.number)}",
        created=policy.issued_at,
        footer=f"{translator(first).gettext(L.CERTIFICATE_TITLE)} · {policy.number}",
        language=first,
    )
    header(page, langs, product)
    page.title_block(
        [(line, "B", 12) for line in langs.each(L.CERTIFICATE_TITLE)]
        + [(number_line, "B", 11),
           (f"{langs.label(L.ISSUED_AT, ' / ')}: {fmt_local_datetime(policy.issued_at, product)}",
            "", 8.5)]
    )

    page.section(langs.label(L.SECTION_INSURER, " / "))
    rows = [(langs.label(L.INSURER), langs.text(insurer.name), STRONG_STYLE)]
    if insurer.address:
        rows.append((langs.label(L.ADDRESS), langs.text(insurer.address), None))
    office = [fmt_phone(p.number) for p in insurer.phones if p.purpose == "office"]
    if office:
        rows.append((langs.label(L.PHONE), ", ".join(office), None))
    if insurer.email:
        rows.append((langs.label(L.EMAIL), insurer.email, None))
    if insurer.website:
        rows.append((langs.label(L.WEBSITE), insurer.website, None))
    if insurer.licence:
        licence = insurer.licence
        value = licence.number
        if licence.issued_on:
            value = langs.label(L.LICENCE_VALUE, " / ", number=licence.number,
                                date=fmt_date(licence.issued_on))
        if licence.issuer:
            value += "\n" + langs.text(licence.issuer)
        rows.append((langs.label(L.LICENCE), value, None))
    page.rows(rows)

    page.section(langs.label(L.SECTION_POLICYHOLDER_AND_INSURED, " / "))
    page.rows([
        (langs.label(L.FULL_NAME), form.full_name, STRONG_STYLE),
        (langs.label(L.BIRTH_DATE), fmt_date(form.birth_date), None),
        (langs.label(personal_number_label(product)), form.personal_number, None),
    ])
    page.paragraph(langs.label(L.SAME_PERSON, " / "), size=7.5)

    page.section(langs.label(L.SECTION_BENEFICIARY, " / "))
    page.rows(beneficiary_rows(langs, form))

    page.section(langs.label(L.SECTION_TERMS, " / "))
    # SAKBOL offer 2.10, 6.2: cover runs from the moment of payment, printed as that moment.
    start = fmt_local_datetime(policy.issued_at, product) if form.cover_from_payment else cover_start_text(form)
    risks = [langs.text(product.event_type(code).name) for code in form.cover_option.risks]
    page.rows([
        (langs.label(L.COVER_OPTION), langs.text(form.cover_option.name), STRONG_STYLE),
        (langs.label(L.RISKS), risks, None),
        (langs.label(L.COVER_PERIOD), f"{start} – {cover_end_text(form)}",
         STRONG_STYLE),
        (langs.label(L.COVER_TIME), langs.label(L.COVER_TIME_24H, " / "), None),
        (langs.label(L.TERRITORY), langs.label(territory_label(product)), None),
        (langs.label(L.SUM_INSURED), fmt_money(form.sum_insured, money), STRONG_STYLE),
        (langs.label(L.LOAN_AMOUNT), fmt_money(form.loan_amount, money), None),
        (langs.label(L.LOAN_TERM), str(form.term_months), None),
        *([(langs.label(L.LOAN_AGREEMENT), form.loan_agreement, None)] if form.loan_agreement else []),
    ])

    page.section(langs.label(L.SECTION_PREMIUM, " / "))
    page.rows([*premium_rows(langs, form), (langs.label(L.CURRENCY), money, None)])
    sample_tariff(page, langs, form)

    rules = product.rules
    page.section(langs.label(L.SECTION_BASIS, " / "), keep_with_next=30)
    page.paragraph(langs.label(L.BASIS_STATEMENT, " / "), size=8)
    basis = [(langs.label(L.RULES_DOCUMENT), langs.text(rules.title), STRONG_STYLE)]
    if rules.dated:
        basis.append((langs.label(L.RULES_DATE), fmt_date(rules.dated), None))
    if rules.reference:
        basis.append((langs.label(L.RULES_REFERENCE), rules.reference, None))
    basis.append((langs.label(L.RULES_URL), rules.url, None))
    if rules.where:
        basis.append((langs.label(L.RULES_WHERE), langs.text(rules.where), None))
    page.rows(basis)

    page.section(langs.label(L.SECTION_SIGNATURE, " / "), keep_with_next=40)
    page.paragraph(langs.label(L.CERTIFICATE_STATEMENT, " / "), size=8)
    signed = [(langs.label(L.APPLICATION_HASH), policy.application_sha256, HASH_STYLE)]
    if form.signature:
        signed.append((langs.label(L.APPLICATION_SIGNATURE), form.signature, HASH_STYLE))
    page.rows(signed)

    page.section(langs.label(L.SECTION_CLAIMS, " / "), keep_with_next=30)
    reporting = product.reporting
    within = " / ".join(unique(L.report_within(translator(lang), reporting.calendar, reporting.days)
                               for lang in langs.codes))
    contacts = [(langs.label(L.REPORT_EVENT),
                 within + "\n" + langs.text(reporting.how),
                 None)]
    # Office numbers, email and website are in the insurer section; office numbers
    # are repeated here only when the insurer publishes no claims or call-centre line.
    phones = [p for p in insurer.phones if p.purpose != "office"] or list(insurer.phones)
    for purpose in dict.fromkeys(p.purpose for p in phones):
        label = L.PHONE_PURPOSES.get(purpose, L.PHONE)
        numbers = ", ".join(fmt_phone(p.number) for p in phones if p.purpose == purpose)
        contacts.append((langs.label(label), numbers, STRONG_STYLE))
    if product.telemedicine:
        service = product.telemedicine
        # Nomad Life rules 9.5, Appendix 1: the site or the app, and the support line on the site.
        contacts.append((langs.label(L.TELEMEDICINE),
                         f"{langs.text(service.name, ' / ')}\n"
                         + langs.label(L.TELEMEDICINE_ACCESS, url=service.url), None))
    if product.code in L.APPEAL_CLAUSES:
        contacts.append((langs.label(L.APPEAL), langs.label(L.APPEAL_ROUTE, clause=L.APPEAL_CLAUSES[product.code]),
                         None))
    if product.regulator:
        regulator = product.regulator
        value = langs.text(regulator.name)
        if regulator.address:
            value += "\n" + langs.text(regulator.address, " / ")
        if regulator.phones:
            value += "\n" + ", ".join(fmt_phone(p) for p in regulator.phones)
        contacts.append((langs.label(L.REGULATOR), value, None))
    page.rows(contacts)
    return page.bytes()
