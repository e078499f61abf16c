"""PDF documents: the application the buyer signs and the policy certificate.

SAKBOL offer 1.6, 3.2: the contract is the electronic certificate (PDF) sent to
the client, naming the insured, the insured person, the beneficiary, the
period, the sum insured and the premium, with a reference to the offer.
SAKBOL application form: fields of sections 1-6, consent and acceptance, and
the `HASH | OTP code | full name | date` signature. The tests assert on data
values and structure, not on the translated labels.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.documents import fmt_money, render_application, render_certificate
from insurance.application import (
    ApplicationForm,
    IdentityDocument,
    IssuedPolicy,
    StatementAnswer,
    cover_end,
    cover_start_on_payment,
    signature_line,
)
from insurance.eligibility import statement_items
from insurance.catalogue import get_product
from insurance.identity import iin_check_digit
from insurance.premium import quote

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "documents"
KAZAKH_LETTERS = "әғқңөұүһі"
KYRGYZ_LETTERS = "өүң"


def make_form(product_code: str, **changes) -> ApplicationForm:
    product = get_product(product_code)
    if product_code == "sakbol":
        # SAKBOL offer 3.1.2: 24 months is above 12, so 4.5% of the loan; 9.5: +2% sales tax.
        loan, months, start = Decimal(350000), 24, date(2026, 3, 2)
        person = {
            "full_name": "Айгүл Өмүрбекова Төлөгөновна",
            "birth_date": date(1991, 7, 23),
            "personal_number": "12307199100456",
            "identity_document": IdentityDocument("ID2345678", date(2019, 5, 14),
                                               "ГКРС ПР МКК 50-01"),
            "address": "Бишкек ш., Чүй пр., 219, 14-үй, 27-батир (Октябрь району, "
                    "Кыргыз Республикасы)",
            "phone": "+996 555 123 456",
            "workplace": "«Бишкек Жылуулук Тармагы» ААК, бухгалтер",
            "cover_option": product.cover_option("death_disability_injury"),
            "language": "ky",
        }
    else:
        loan, months, start = Decimal(2500000), 36, date(2026, 3, 2)
        first11 = "9005144" + "0123"
        person = {
            "full_name": "Әсел Қайратқызы Нұрланова",
            "birth_date": date(1990, 5, 14),
            "personal_number": first11 + str(iin_check_digit(first11)),
            "identity_document": IdentityDocument("051234567", date(2021, 9, 1),
                                               "ҚР ІІМ (МВД РК)"),
            "address": "Алматы қ., Әуезов ауданы, Жаһанша Досмұхамедұлы көшесі, 150, 12-пәтер",
            "phone": "+7 701 234 5678",
            "workplace": None,
            "cover_option": product.cover_option("life_telemedicine"),
            "language": "kk",
        }
    q = quote(product, loan, months, age=35 if product.tariff.needs_age else None)
    given = {"dispensary_registration": False, "hiv": False}  # every item answered, as the bot records it
    statements = tuple(StatementAnswer(code, clause, None if code == "insured_is_someone_else"
                                       else product.declaration(code).question, given.get(code, False))
                       for code, clause in statement_items(product))
    form = ApplicationForm(
        product=product, loan_amount=q.loan_amount, term_months=months,
        sum_insured=q.sum_insured, cover_start=start, cover_end=cover_end(product, start, months),
        premium=q.premium, tax=q.tax, total=q.total, currency=q.currency, statements=statements,
        beneficiary=None if product.beneficiary.kind == "fixed" else "«Халық Банк» АҚ",
        sample_tariff=product.tariff.sample, cover_from_payment=product.cover_start.rule == "from_payment",
        **person,
    )
    return replace(form, **changes)


def signed(form: ApplicationForm) -> tuple[ApplicationForm, str]:
    digest = hashlib.sha256(render_application(form)).hexdigest()
    at = datetime(2026, 3, 1, 9, 41, 5, tzinfo=UTC)
    return replace(form, signed_at=at,
                   signature=signature_line(digest, "482913", form.full_name, at)), digest


PAID_AT = datetime(2026, 3, 1, 9, 45, tzinfo=UTC)


def make_policy(product_code: str) -> IssuedPolicy:
    form, digest = signed(make_form(product_code))
    number = "SKB-2026-000123" if product_code == "sakbol" else "NL-ДКС-2026-004517"
    start = cover_start_on_payment(form.product, PAID_AT, form.cover_start)
    form = replace(form, cover_start=start, cover_end=cover_end(form.product, start, form.term_months))
    return IssuedPolicy(number=number, issued_at=PAID_AT, form=form, application_sha256=digest)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def money(amount: Decimal, currency: str) -> str:
    return fmt_money(amount, currency).replace("\u00a0", " ")


@pytest.fixture(scope="module", params=["sakbol", "nomad_life"])
def policy(request) -> IssuedPolicy:
    return make_policy(request.param)


# Certificate ------------------------------------------------------------------

def test_certificate_names_the_parties_the_period_and_the_money(policy):
    # SAKBOL offer, "Issuing the certificate": insured, insured person, beneficiary,
    # period, sum insured, premium, and a reference to the offer.
    form, product = policy.form, policy.form.product
    pdf = render_certificate(policy)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert form.full_name in text
    assert policy.number in text
    assert form.personal_number in text
    assert form.birth_date.strftime("%d.%m.%Y") in text
    assert form.cover_start.strftime("%d.%m.%Y") in text
    assert form.cover_end.strftime("%d.%m.%Y") in text
    for amount in (form.sum_insured, form.premium, form.total, *([form.tax] if form.tax else [])):
        assert money(amount, form.currency) in text
    for lang in product.languages:
        beneficiary = product.beneficiary.name.get(lang) if product.beneficiary.name else form.beneficiary
        assert squeezed(beneficiary) in squeezed(text)
        assert squeezed(form.cover_option.name.get(lang)) in squeezed(text)
        assert squeezed(product.rules.title.get(lang)) in squeezed(text)
        for risk in form.cover_option.risks:
            assert squeezed(product.event_type(risk).name.get(lang)) in squeezed(text)
    assert product.rules.url in text
    assert policy.application_sha256 in squeezed(text)
    assert squeezed(form.signature) in squeezed(text)


def test_sakbol_certificate_amounts_period_insurer_and_claims_contacts():
    policy = make_policy("sakbol")
    form = policy.form
    # Offer 3.1.2: 4.5% of 350 000 for a 24-month loan; 9.5: 2% sales tax on top.
    assert (form.premium, form.tax, form.total) == (Decimal("15750.00"), Decimal("315.00"),
                                                    Decimal("16065.00"))
    text = text_of(render_certificate(policy))
    assert "350 000,00 KGS" in text and "15 750,00 KGS" in text and "16 065,00 KGS" in text
    # Offer 2.10, 6.2: cover from the moment of payment (15:45 in Bishkek); form 5: it ends
    # when the end date begins.
    assert "01.03.2026 15:45" in text and "01.03.2028 00:00" in text
    assert "ДС №0007" in text and "16.10.2023" in text
    assert "office@sakbol.kg" in text
    for phone in ("+996 312 680 821", "+996 507 338 338", "+996 503 338 338", "5858"):
        assert phone in text
    assert "09.02.2026" in text  # the offer's date
    assert "Кыргыз Республикасы" in text  # insurer address in Kyrgyz


def test_nomad_life_certificate_ends_on_the_last_covered_day():
    policy = make_policy("nomad_life")
    text = text_of(render_certificate(policy))
    # Rules 5.1, 5.2: the end date printed is the last covered day (until 24:00).
    assert "02.03.2026 00:00 – 01.03.2029 24:00" in text
    assert "Пр-ДКС-04" in text
    assert "darigeronline.kz" in text


def test_nomad_life_certificate_carries_the_insurer_telemedicine_access_appeal_and_no_empty_page():
    policy = make_policy("nomad_life")
    reader = PdfReader(io.BytesIO(render_certificate(policy)))
    pages = [page.extract_text() for page in reader.pages]
    text = squeezed("\n".join(pages))
    product = policy.form.product
    for lang in product.languages:
        assert squeezed(product.insurer.name.get(lang)) in text
    assert "www.nomadlife.kz" in text
    # Appendix 1: the site or the app, signing in with the mobile number; support by the site's phone.
    assert "https://darigeronline.kz" in text and squeezed("«Даригер Онлайн»") in text
    # Rules 7.10, 13.3-13.5: insurer, insurance ombudsman, regulator, court.
    assert "7.10,13.3-13.5" in text and "омбудсман" in text.lower()
    # Rules 6.2: the premium printed is a sample.
    assert "6.2" in text
    for page in pages:  # no empty page: each has more than its footer
        assert len(squeezed(page)) > 200, page
    # Rules 2(5), 7.3: the beneficiary the contract names; 7.4: disability to the insured.
    assert squeezed("«Халық Банк» АҚ") in text and "7.4" in text


@pytest.mark.parametrize("code", ["sakbol", "nomad_life"])
def test_application_prints_every_statement_answer(code):
    # Nomad Life rules 4.3-4.5, SAKBOL offer 2.7: the answers in the application are the material facts.
    form = replace(make_form(code), statements=tuple(
        replace(item, applies=i == 1) for i, item in enumerate(make_form(code).statements)))
    text = squeezed(text_of(render_application(form)))
    for number, item in enumerate(form.statements, 1):
        if item.question is not None:
            first, *others = form.product.languages
            assert squeezed(f"{number}. {item.question.get(first)}") in text
            for lang in others:
                assert squeezed(item.question.get(lang)) in text
        assert squeezed(f"({item.clause})") in text
    assert render_application(form) != render_application(make_form(code))


def test_sakbol_application_says_cover_starts_with_the_payment():
    # SAKBOL offer 2.10, 6.2: no start date is chosen; cover runs from the payment.
    text = squeezed(text_of(render_application(make_form("sakbol"))))
    assert "2.9,2.10,6.2" in text
    assert squeezed("02.03.2026 00:00") not in text


def test_kazakh_and_kyrgyz_letters_survive_extraction():
    kk = text_of(render_certificate(make_policy("nomad_life")))
    assert "Әсел Қайратқызы Нұрланова" in kk
    kk += text_of(render_application(make_form("nomad_life")))
    assert "Жаһанша" in kk
    assert set(KAZAKH_LETTERS) <= set(kk.lower())
    ky = text_of(render_certificate(make_policy("sakbol")))
    assert "Айгүл Өмүрбекова Төлөгөновна" in ky
    assert set(KYRGYZ_LETTERS) <= set(ky.lower())


@pytest.mark.parametrize("render", ["application", "certificate"])
def test_fonts_are_embedded(render, policy):
    pdf = render_application(policy.form) if render == "application" else render_certificate(policy)
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for ref in fonts.values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            assert "DejaVuSans" in font["/BaseFont"]


def test_documents_are_a4():
    for pdf in (render_application(make_form("sakbol")), render_certificate(make_policy("sakbol"))):
        for page in PdfReader(io.BytesIO(pdf)).pages:
            size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
            assert size == (595, 842)


# Application ------------------------------------------------------------------

@pytest.mark.parametrize("code", ["sakbol", "nomad_life"])
def test_application_shows_every_field_of_the_form(code):
    form = make_form(code)
    product = form.product
    text = text_of(render_application(form))
    doc = form.identity_document
    for value in (form.full_name, form.personal_number, doc.number, doc.issuer, form.phone,
                  form.birth_date.strftime("%d.%m.%Y"), doc.issued_on.strftime("%d.%m.%Y"),
                  money(form.sum_insured, form.currency), money(form.loan_amount, form.currency),
                  money(form.premium, form.currency), money(form.total, form.currency), str(form.term_months), product.rules.url):
        assert value in text, value
    assert squeezed(form.address) in squeezed(text)
    if form.workplace:
        assert squeezed(form.workplace) in squeezed(text)
    for lang in product.languages:
        assert squeezed(product.name.get(lang)) in squeezed(text)
        assert squeezed(product.insurer.name.get(lang)) in squeezed(text)
        beneficiary = product.beneficiary.name.get(lang) if product.beneficiary.name else form.beneficiary
        assert squeezed(beneficiary) in squeezed(text)
        assert squeezed(form.cover_option.name.get(lang)) in squeezed(text)
    if code == "nomad_life":  # SAKBOL: from the payment (offer 2.10, 6.2)
        assert f"{form.cover_start:%d.%m.%Y} 00:00" in text
    # SAKBOL form 5: the end date at 00:00; Nomad Life: the end date is the last covered day.
    assert f"{form.cover_end:%d.%m.%Y} {'00:00' if code == 'sakbol' else '24:00'}" in text


def test_application_without_workplace_has_no_empty_workplace_row():
    form = make_form("sakbol")
    with_work = text_of(render_application(form))
    without = text_of(render_application(replace(form, workplace=None)))
    assert "Бишкек Жылуулук" in with_work and "Бишкек Жылуулук" not in without


@pytest.mark.parametrize("code", ["sakbol", "nomad_life"])
def test_application_is_deterministic(code):
    form = make_form(code)
    first, second = render_application(form), render_application(form)
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert first == second


def test_application_is_deterministic_across_processes():
    """No clock, random ID or hash seed leaks in: another interpreter gives the same bytes."""
    script = (
        "import hashlib, sys; sys.path.insert(0, sys.argv[1]);"
        "from tests.test_documents import make_form;"
        "from bot.documents import render_application;"
        "print(hashlib.sha256(render_application(make_form('sakbol'))).hexdigest())"
    )
    here = hashlib.sha256(render_application(make_form("sakbol"))).hexdigest()
    for seed in ("1", "2"):
        env = {"PYTHONHASHSEED": seed, "TZ": "Asia/Tokyo"}
        out = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True,
                             text=True, check=True, env=env)
        assert out.stdout.strip() == here


@pytest.mark.parametrize("change", [
    {"full_name": "Айгүл Өмүрбекова"},
    {"personal_number": "12307199100457"},
    {"sum_insured": Decimal("350000.01")},
    {"loan_amount": Decimal("350001")},
    {"address": "Бишкек ш., Чүй пр., 219"},
    {"workplace": None},
])
def test_application_changes_when_a_field_changes(change):
    form = make_form("sakbol")
    assert render_application(replace(form, **change)) != render_application(form)


def test_signed_application_holds_the_signature_line():
    form, digest = signed(make_form("sakbol"))
    text = squeezed(text_of(render_application(form)))
    hash_, code, name, when = form.signature.split(" | ")
    assert hash_ == digest and hash_ in text
    assert code == "482913" and code in text
    assert squeezed(name) in text and squeezed(when) in text
    # The signature refers to the unsigned rendering, which does not contain it.
    assert digest not in squeezed(text_of(render_application(replace(form, signature=None))))


def test_application_lists_the_consents_and_the_offer_acceptance():
    # SAKBOL form: consent, offer acceptance at sakbol.kg/documentation, beneficiary
    # chooses the insurer, electronic signature: five numbered items in each language.
    text = text_of(render_application(make_form("sakbol")))
    assert "https://www.sakbol.kg/documentation" in text
    assert text.count("(5)") == len(get_product("sakbol").languages)


# Samples ----------------------------------------------------------------------

def test_write_samples():
    """Samples to look at: test-artifacts/documents/*.pdf."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for code in ("sakbol", "nomad_life"):
        policy = make_policy(code)
        samples = {
            f"{code}-application.pdf": render_application(replace(policy.form, signature=None)),
            f"{code}-application-signed.pdf": render_application(policy.form),
            f"{code}-certificate.pdf": render_certificate(policy),
        }
        for name, pdf in samples.items():
            (ARTIFACTS / name).write_bytes(pdf)
            assert PdfReader(io.BytesIO(pdf)).pages
