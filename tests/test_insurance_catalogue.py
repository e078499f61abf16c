"""Product catalogue: contents of the two product files and strict loading."""

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from insurance.catalogue import (
    PRODUCTS_DIR,
    CatalogueError,
    LocalizedText,
    UnknownProduct,
    get_product,
    load_catalogue,
    load_product_file,
)
from insurance.premium import quote

KAZAKH_ONLY = set("әғқұһіӘҒҚҰҺІ")
KAZAKH_AND_KYRGYZ = KAZAKH_ONLY | set("ңөүҢӨҮ")


def texts(value, path="product"):
    """Every LocalizedText inside a product, with where it sits."""
    if isinstance(value, LocalizedText):
        yield path, value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from texts(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from texts(item, f"{path}[{index}]")


@pytest.fixture(scope="module")
def products():
    return load_catalogue()


@pytest.fixture(scope="module")
def nomad():
    return get_product("nomad_life")


@pytest.fixture(scope="module")
def sakbol():
    return get_product("sakbol")


def test_catalogue_holds_both_products(products):
    assert [p.code for p in products] == ["nomad_life", "sakbol"]


def test_unknown_product():
    with pytest.raises(UnknownProduct):
        get_product("osago")


def test_nomad_life_basics(nomad):
    assert (nomad.country, nomad.currency, nomad.utc_offset_hours) == ("KZ", "KZT", 5)
    assert nomad.languages == ("kk", "ru")
    # Nomad Life rules 2(5), 7.3, 7.4, 10.1(6): the contract names the beneficiary, not "the lending bank".
    assert nomad.beneficiary.kind == "stated" and nomad.beneficiary.name is None
    assert "7.4" in nomad.beneficiary.note.ru
    assert nomad.rules.reference == "Пр-ДКС-04"
    assert nomad.tariff.sample and "SAMPLE" in nomad.tariff.note
    assert nomad.tariff.kind == "age_term_table" and len(nomad.tariff.age_bands) == 3


def test_cover_start_is_a_product_setting_as_each_document_says(nomad, sakbol):
    # SAKBOL offer 2.9, 2.10, 6.2: cover from the moment the premium is paid.
    assert (sakbol.cover_start.rule, sakbol.cover_start.clause) == ("from_payment", "2.9, 2.10, 6.2")
    # Nomad Life rules 5.1, 5.4: from the date set in the contract.
    assert nomad.cover_start.rule == "chosen_date" and "5.1" in nomad.cover_start.clause


def test_nomad_life_5_3_excludes_states_not_officially_recommended(nomad):
    [note] = [x for x in nomad.exclusions if x.clause == "5.3"]
    assert "ұсынбаған" in note.text.kk and "не рекомендованных" in note.text.ru
    assert "мойындамаған" not in note.text.kk and "не признанных" not in note.text.ru


def test_invoice_titles_fit_telegram_32_characters(nomad, sakbol):
    for product in (nomad, sakbol):
        for language in ("kk", "ky", "ru"):
            assert 1 <= len(product.invoice_title(language)) <= 32


def test_nomad_life_3_1_single_option_covers_three_risks(nomad):
    (option,) = nomad.cover_options
    assert option.risks == ("death", "disability", "illness")


def test_sakbol_basics(sakbol):
    assert (sakbol.country, sakbol.currency, sakbol.utc_offset_hours) == ("KG", "KGS", 6)
    assert sakbol.languages == ("ky", "ru")
    assert sakbol.beneficiary.kind == "fixed"
    assert "О!Банк" in sakbol.beneficiary.name.ru
    assert sakbol.insurer.email == "office@sakbol.kg"
    assert sakbol.insurer.licence.number == "ДС №0007"
    assert {p.number for p in sakbol.insurer.phones if p.purpose == "claims"} == {
        "+996507338338",
        "+996503338338",
    }
    assert sakbol.rules.url == "https://www.sakbol.kg/documentation"


def test_sakbol_form_3_options(sakbol):
    assert [(o.code, o.risks) for o in sakbol.cover_options] == [
        ("death", ("death",)),
        ("death_disability", ("death", "disability")),
        ("death_disability_injury", ("death", "disability", "injury")),
    ]


def test_termination_clauses_kept(nomad, sakbol):
    assert {r.clause for r in nomad.termination.rules} >= {"12.3(1)", "12.3(2)", "12.4", "12.5"}
    assert {r.clause for r in sakbol.termination.rules} >= {"7.2", "8.2", "8.3"}


def test_nomad_life_10_1_death_checklist_item_by_item(nomad):
    death = nomad.event_type("death")
    assert [(i.code, i.clause) for i in death.checklist] == [
        ("payout_application", "10.1"),
        ("loan_agreement", "10.1(1)"),
        ("lender_debt_statement", "10.1(1)"),
        ("death_certificate", "10.1(2)"),
        ("medical_death_certificate", "10.1(3)"),
        ("accident_authority_document", "10.1(4)"),
        ("forensic_examination", "10.1(5)"),
        ("inheritance_certificate", "10.1(6)"),
        ("beneficiary_id", "10.1(6)"),
    ]
    assert nomad.document("inheritance_certificate").forms == ("original", "notarised_copy")
    assert nomad.document("lender_debt_statement").forms == ("original",)
    assert not death.checklist_insurer_to_confirm


def test_nomad_life_10_2_disability_checklist_item_by_item(nomad):
    disability = nomad.event_type("disability")
    assert disability.disability_groups == (1, 2, 3)
    assert [i.clause for i in disability.checklist] == [
        "10.2",
        "10.2(1)",
        "10.2(1)",
        "10.2(2)",
        "10.2(3)",
        "10.2(4)",
        "10.2(5)",
        "10.2(6)",
    ]
    assert disability.checklist[0].code == "payout_application"


def test_nomad_life_illness_is_served_by_telemedicine(nomad):
    """3.1(3), 7.12, 9.5: the bot offers a consultation, not a claim form."""
    illness = nomad.event_type("illness")
    assert illness.telemedicine and illness.checklist == ()
    assert nomad.telemedicine.url == "https://darigeronline.kz"


def test_sakbol_4_3_event_types_and_default_checklists_to_confirm(sakbol):
    assert [e.code for e in sakbol.event_types] == ["injury", "disability", "death"]
    for event in sakbol.event_types:
        assert event.checklist_insurer_to_confirm
        assert event.checklist[0].code == "claim_application"


def test_every_checklist_item_in_all_three_languages(products):
    for product in products:
        for event in product.event_types:
            for item in event.checklist:
                for text in (item.document.name, item.document.explanation):
                    assert all(text.get(lang).strip() for lang in ("kk", "ky", "ru"))
                assert set(item.document.forms) <= {"original", "notarised_copy", "copy"}


# Names written as their owners write them, not translated: the seed's Russian
# text names the service «Даригер Онлайн» ("Dariger Online"), its Kazakh text «Дәрігер Онлайн».
BRANDS = {"product.telemedicine.name"}


def test_the_telemedicine_brand_is_written_as_the_seed_writes_it(nomad):
    # Nomad Life rules, Appendix 1: «Дәрігер Онлайн» сервисі («Dariger online» ...); Сервис «Даригер Онлайн».
    name = nomad.telemedicine.name
    assert name.kk.startswith("«Дәрігер Онлайн»") and name.ru.startswith("«Даригер Онлайн»")
    assert name.ky.startswith("«Даригер Онлайн»")  # a brand is not translated into Kyrgyz
    assert all("Dariger Online" in name.get(lang) for lang in ("kk", "ky", "ru"))


def test_every_user_text_is_translated(products):
    """No Russian left in place: kk and ky differ from ru; no letter from the wrong alphabet."""
    for product in products:
        for where, text in texts(product):
            if where in BRANDS:
                continue
            assert text.kk != text.ru, where
            assert text.ky != text.ru, where
            assert not (set(text.ru) & KAZAKH_AND_KYRGYZ), where
            assert not (set(text.ky) & KAZAKH_ONLY), where


def test_no_letters_lost_in_kyrgyz_and_kazakh(products):
    """Extraction from PDF dropped ө ү ң ("т л м"): a lone Cyrillic letter betrays it."""
    lone_letter = re.compile(r"(?<!\S)[а-яөүңәғқұһі](?!\S)", re.IGNORECASE)
    kyrgyz = ""
    for product in products:
        for where, text in texts(product):
            assert not lone_letter.search(text.ky), (where, text.ky)
            assert not lone_letter.search(text.kk), (where, text.kk)
            kyrgyz += text.ky
    assert {"ө", "ү", "ң"} <= set(kyrgyz)


def test_declarations_phrased_as_questions(products):
    for product in products:
        for declaration in product.eligibility.declarations:
            for lang in ("kk", "ky", "ru"):
                assert declaration.question.get(lang).endswith("?")


def test_exclusions_carry_clauses(nomad, sakbol):
    assert nomad.exclusions[0].clause.startswith("8.1")
    assert any(e.clause.startswith("4.4") for e in sakbol.exclusions)


# --------------------------------------------------------------------------- loading


def write_variant(tmp_path: Path, name: str, change) -> Path:
    data = json.loads((PRODUCTS_DIR / "sakbol.json").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def expect_error(path: Path, field: str, words: str) -> None:
    with pytest.raises(CatalogueError) as exc:
        load_product_file(path)
    message = str(exc.value)
    assert message.startswith(path.name), message
    assert field in message, message
    assert words in message, message


def test_invalid_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"code": "broken",', encoding="utf-8")
    expect_error(path, "", "invalid JSON")


def test_missing_translation_names_the_field(tmp_path):
    def drop_ky(data):
        del data["eligibility"]["declarations"][1]["question"]["ky"]

    expect_error(
        write_variant(tmp_path, "sakbol.json", drop_ky),
        "eligibility.declarations[1].question.ky",
        "missing",
    )


def test_tariff_band_gap(tmp_path):
    def gap(data):
        data["tariff"]["bands"][1]["from_month"] = 14

    expect_error(
        write_variant(tmp_path, "sakbol.json", gap), "tariff.bands[1].from_month", "contiguous"
    )


def test_bad_rate(tmp_path):
    def bad(data):
        data["sales_tax"]["rate"] = "two percent"

    expect_error(write_variant(tmp_path, "sakbol.json", bad), "sales_tax.rate", "not a decimal")


def test_misspelt_field(tmp_path):
    def typo(data):
        data["reporting"]["dayz"] = data["reporting"].pop("days")

    expect_error(
        write_variant(tmp_path, "sakbol.json", typo), "reporting", "unexpected field(s) dayz"
    )


def test_option_risk_must_be_an_event_type(tmp_path):
    def unknown_risk(data):
        data["cover_options"][0]["risks"] = ["theft"]

    expect_error(
        write_variant(tmp_path, "sakbol.json", unknown_risk), "cover_options[0].risks[0]", "theft"
    )


def test_checklist_must_name_known_documents(tmp_path):
    def unknown_document(data):
        data["event_types"][0]["checklist"]["items"][0]["document"] = "selfie"

    expect_error(
        write_variant(tmp_path, "sakbol.json", unknown_document),
        "event_types[0].checklist.items[0].document",
        "selfie",
    )


def test_sample_tariff_needs_a_note(tmp_path):
    def silent_sample(data):
        data["tariff"]["sample"] = True

    expect_error(write_variant(tmp_path, "sakbol.json", silent_sample), "tariff", "note")


def test_code_must_match_file_name(tmp_path):
    expect_error(write_variant(tmp_path, "other.json", lambda data: None), "code", "file name")


def test_third_product_needs_only_a_data_file(tmp_path):
    for source in PRODUCTS_DIR.glob("*.json"):
        shutil.copy(source, tmp_path)

    def third(data):
        data["code"] = "third"
        data["tariff"] = {"kind": "flat_rate", "base": "loan_amount", "rate": "0.01", "clause": "1"}

    write_variant(tmp_path, "third.json", third)
    products = load_catalogue(tmp_path)
    assert [p.code for p in products] == ["nomad_life", "sakbol", "third"]
    assert quote(products[2], 100000, 24).premium == 1000


def test_an_invoice_title_longer_than_32_characters_is_refused(tmp_path):
    def long_title(data):
        data["short_name"]["ru"] = "Страхование от несчастных случаев SAKBOL"

    expect_error(write_variant(tmp_path, "sakbol.json", long_title), "short_name", "32")


def test_a_chosen_start_date_needs_its_window(tmp_path):
    def no_window(data):
        data["cover_start"] = {"rule": "chosen_date", "clause": "5.1"}

    expect_error(write_variant(tmp_path, "sakbol.json", no_window), "cover_start", "earliest_days")
