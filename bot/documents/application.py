"""The application form as the buyer signs it (SAKBOL application form
sections 1-6 and its consent, acceptance and signature block; Nomad Life rules
4.2 electronic application).

The unsigned rendering (`form.signature is None`) is what the buyer signs: its
SHA-256 goes into the `HASH | code | full name | date` line, so the same form
must always give the same bytes.
"""

from __future__ import annotations

from datetime import datetime, time

from bot.documents import labels as L
from bot.documents.layout import (
    HASH_STYLE,
    STRONG_STYLE,
    Languages,
    Page,
    fmt_date,
    fmt_money,
    fmt_rate,
    local_zone,
)
from bot.i18n import translator
from insurance.application import ApplicationForm
from insurance.product import Product


def personal_number_label(product: Product) -> str:
    return {"KZ": L.PERSONAL_NUMBER_KZ, "KG": L.PERSONAL_NUMBER_KG}.get(
        product.country, L.PERSONAL_NUMBER)


def cover_start_text(form: ApplicationForm, langs: Languages | None = None) -> str:
    """SAKBOL offer 2.10, 6.2: cover from the moment of payment (the application
    says so; the certificate prints the payment day); else 00:00 of the start."""
    if form.cover_from_payment and form.signature is None and langs is not None:
        return langs.label(L.FROM_PAYMENT, " / ", clause=form.product.cover_start.clause)
    return f"{fmt_date(form.cover_start)} 00:00"


def beneficiary_rows(langs: Languages, form: ApplicationForm) -> list:
    """The beneficiary the contract names (SAKBOL form section 2; Nomad Life
    rules 2(5), 7.3), and who receives disability payments (Nomad Life 7.4)."""
    product = form.product
    if form.beneficiary is None and product.beneficiary.name is not None:
        return [(langs.label(L.SECTION_BENEFICIARY), langs.text(product.beneficiary.name), None)]
    rows = [(langs.label(L.BENEFICIARY_DEATH), form.beneficiary or "", STRONG_STYLE)]
    if product.beneficiary.note is not None:
        rows.append(("", langs.text(product.beneficiary.note), None))
    return rows


def premium_rows(langs: Languages, form: ApplicationForm) -> list:
    """Premium, the tax only where there is one, total; a sample tariff says so (Nomad Life 6.2)."""
    money, product = form.currency, form.product
    rows = [(langs.label(L.PREMIUM), fmt_money(form.premium, money), None)]
    if form.tax or product.sales_tax.rate:
        rows.append((langs.label(L.SALES_TAX, rate=fmt_rate(product.sales_tax.rate)), fmt_money(form.tax, money), None))
    rows.append((langs.label(L.TOTAL), fmt_money(form.total, money), STRONG_STYLE))
    return rows


def sample_tariff(page: Page, langs: Languages, form: ApplicationForm) -> None:
    if form.sample_tariff:
        page.paragraph(langs.label(L.SAMPLE_TARIFF, " / ", clause=form.product.tariff.clause or ""), size=8)


def cover_end_text(form: ApplicationForm) -> str:
    """SAKBOL form 5: the end date at 00:00 (that day is not covered); a product
    whose end date is the last covered day ends at 24:00 of it."""
    hour = "24:00" if form.product.cover_period.end_inclusive else "00:00"
    return f"{fmt_date(form.cover_end)} {hour}"


def territory_label(product: Product) -> str:
    return L.TERRITORIES.get(product.code, L.TERRITORY_FALLBACK)


def header(page: Page, langs: Languages, product: Product) -> None:
    page.band([
        (langs.text(product.name, " / "), "B", 13),
        (langs.text(product.insurer.name, " / "), "", 9),
    ])


def render_application(form: ApplicationForm) -> bytes:
    product = form.product
    langs = Languages(product.languages)
    first = langs.codes[0]
    created = datetime.combine(form.cover_start, time(0), tzinfo=local_zone(product))  # same form, same bytes
    page = Page(
        title=f"{translator(first).gettext(L.APPLICATION_TITLE)}: {product.name.get(first)}",
        created=created,
        footer=f"{translator(first).gettext(L.APPLICATION_TITLE)} · {form.full_name}",
        language=first,
    )
    header(page, langs, product)
    page.title_block([(line, "B", 12) for line in langs.each(L.APPLICATION_TITLE)]
                     + [(langs.text(product.name, " / "), "", 9)])
    money = form.currency

    page.section(langs.label(L.SECTION_POLICYHOLDER, " / "))
    doc = form.identity_document
    person = [
        (langs.label(L.FULL_NAME), form.full_name, STRONG_STYLE),
        (langs.label(L.BIRTH_DATE), fmt_date(form.birth_date), None),
        (langs.label(personal_number_label(product)), form.personal_number, None),
        (langs.label(L.ID_DOCUMENT), doc.number, None),
        (langs.label(L.ID_ISSUED_ON), fmt_date(doc.issued_on), None),
        (langs.label(L.ID_ISSUER), doc.issuer, None),
        (langs.label(L.ADDRESS), form.address, None),
        (langs.label(L.PHONE), form.phone, None),
    ]
    if form.workplace:
        person.append((langs.label(L.WORKPLACE), form.workplace, None))
    page.rows(person)

    page.section(langs.label(L.SECTION_BENEFICIARY, " / "))
    page.rows(beneficiary_rows(langs, form))

    page.section(langs.label(L.SECTION_TERMS, " / "))
    terms = [
        (langs.label(L.COVER_OPTION), langs.text(form.cover_option.name), None),
        (langs.label(L.SUM_INSURED), fmt_money(form.sum_insured, money), STRONG_STYLE),
        (langs.label(L.LOAN_AMOUNT), fmt_money(form.loan_amount, money), None),
        (langs.label(L.LOAN_TERM), str(form.term_months), None),
    ]
    if form.loan_agreement:
        terms.append((langs.label(L.LOAN_AGREEMENT), form.loan_agreement, None))
    terms += [
        (langs.label(L.COVER_TIME), langs.label(L.COVER_TIME_24H, " / "), None),
        (langs.label(L.COVER_START), cover_start_text(form, langs), None),
        (langs.label(L.COVER_END), cover_end_text(form), None),
        (langs.label(L.TERRITORY), langs.label(territory_label(product)), None),
    ]
    page.rows(terms)

    page.section(langs.label(L.SECTION_STATEMENTS, " / "), keep_with_next=30)
    page.paragraph(langs.label(L.STATEMENTS_INTRO, " / "), size=8)
    answers = []
    for number, item in enumerate(form.statements, 1):
        question = langs.text(item.question) if item.question else langs.label(L.STATEMENT_SOMEONE_ELSE)
        clause = f" ({item.clause})" if item.clause else ""
        answers.append((f"{number}. {question}{clause}", langs.label(L.ANSWER_YES if item.applies else L.ANSWER_NO,
                                                                     " / "), None))
    page.rows(answers)

    page.section(langs.label(L.SECTION_PREMIUM, " / "))
    page.rows(premium_rows(langs, form))
    sample_tariff(page, langs, form)

    page.section(langs.label(L.SECTION_ACCEPTED, " / "), keep_with_next=30)
    for lang in langs.codes:
        t = translator(lang)
        items = [t.gettext(item, url=product.rules.url)
                 for item in L.ACCEPTANCES.get(product.code, L.ACCEPTANCES_FALLBACK)]
        page.paragraph(f"{t.gettext(L.ACCEPTED_INTRO)} "
                       + "; ".join(f"({n}) {item}" for n, item in enumerate(items, 1)) + ".")

    page.section(langs.label(L.SECTION_SIGNATURE, " / "), keep_with_next=40)
    signature_box(page, langs, form.signature)
    return page.bytes()


def signature_box(page: Page, langs: Languages, signature: str | None) -> None:
    """`HASH | OTP code | full name | date` (SAKBOL application form, last block)."""
    page.paragraph(f"[{langs.label(L.SIGNED_BY_CODE, ' / ')}]", size=7.5)
    headings = [langs.label(label) for label in
                (L.SIGNATURE_HASH, L.SIGNATURE_CODE, L.SIGNATURE_NAME, L.SIGNATURE_DATE)]
    widths = (108, 16, 32, 24)
    if signature:
        page.grid(headings, signature.split(" | "), widths, value_style=HASH_STYLE)
    else:
        page.grid(headings, ["", "", "", ""], widths, min_height=12)
